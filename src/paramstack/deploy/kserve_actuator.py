"""Kubernetes mode: move an InferenceService's traffic split by patching ``canaryTrafficPercent``.

KServe (Serverless mode) routes ``canaryTrafficPercent`` of requests to the latest predictor revision and the
rest to the previous ready one. The controller's decisions map to: step -> the step's weight, promote ->
100 (the latest revision takes all traffic), rollback -> 0 (all traffic back to the previous revision).
A JSON merge patch touches only that field; ``fieldValidation=Strict`` makes the API server refuse a patch
with unknown fields instead of dropping them.
"""

from __future__ import annotations

import asyncio
from typing import Any

from paramstack.deploy.canary_store import check_weight
from paramstack.deploy.slo_policy import KubernetesTarget
from paramstack.errors import ServiceUnavailable

GROUP, VERSION, PLURAL = "serving.kserve.io", "v1beta1", "inferenceservices"


class KubernetesUnavailable(ServiceUnavailable):
    code = "kubernetes_unavailable"


class KServeActuator:
    def __init__(self, target: KubernetesTarget, api_client: Any | None = None) -> None:
        self._target = target
        self._api_client = api_client  # a kubernetes.client.ApiClient; None: from kubeconfig or in-cluster

    async def set_weight(self, weight: int) -> None:
        check_weight(weight)
        await asyncio.to_thread(self._patch, weight)

    def body(self, weight: int) -> dict[str, Any]:
        return {"spec": {"predictor": {"canaryTrafficPercent": weight}}}

    def _patch(self, weight: int) -> None:
        from kubernetes import client
        from kubernetes.client.exceptions import ApiException

        api = client.CustomObjectsApi(self._api_client or self._default_client())
        try:
            api.patch_namespaced_custom_object(
                GROUP,
                VERSION,
                self._target.namespace,
                PLURAL,
                self._target.inference_service,
                self.body(weight),
                field_validation="Strict",
                _content_type="application/merge-patch+json",
                _request_timeout=10,
            )
        except ApiException as error:
            raise KubernetesUnavailable(
                f"patching InferenceService {self._target.namespace}/{self._target.inference_service} failed: "
                f"{error.status} {error.reason}"
            ) from None
        except OSError as error:  # urllib3 connection errors derive from OSError
            raise KubernetesUnavailable(f"Kubernetes API unreachable: {type(error).__name__}") from None

    def _default_client(self) -> Any:
        from kubernetes import client, config

        configuration = client.Configuration()
        if self._target.kubeconfig is None:
            try:
                config.load_incluster_config(client_configuration=configuration)
            except config.ConfigException:
                config.load_kube_config(context=self._target.context, client_configuration=configuration)
        else:
            config.load_kube_config(
                config_file=str(self._target.kubeconfig),
                context=self._target.context,
                client_configuration=configuration,
            )
        self._api_client = client.ApiClient(configuration)
        return self._api_client
