"""``DeployConfig`` -> the KServe InferenceService running vLLM through the huggingface runtime.

The runtime parses vLLM's own server arguments (KServe's ``huggingfaceserver`` builds its parser with
vLLM's ``make_arg_parser``), so the predictor gets the same engine arguments as ``vllm serve``; only the
model naming differs (``--model_name`` / ``--model_id`` instead of ``--served-model-name`` and the
positional model). KServe serves the OpenAI API under ``/openai/v1/...``.

Canary rollouts (``canaryTrafficPercent``) need KServe's Serverless mode (Knative revisions): a RawDeployment
has one revision only, so the annotation is set explicitly.
"""

from __future__ import annotations

from typing import Any

from paramstack.deploy.config_file import DeployConfig
from paramstack.deploy.vllm_command import RUNTIME_LORA_ENV, engine_args
from paramstack.deploy.vllm_config import VllmSettings

PART_OF = {"app.kubernetes.io/part-of": "paramstack"}
ADAPTERS_VOLUME = "adapters"


def inference_service(config: DeployConfig) -> dict[str, Any]:
    kserve, vllm = config.kserve, config.vllm
    predictor: dict[str, Any] = {
        "minReplicas": kserve.min_replicas,
        "maxReplicas": kserve.max_replicas,
        "scaleMetric": kserve.scale_metric,
        "scaleTarget": kserve.scale_target,
        "model": _model(config),
    }
    if kserve.canary_traffic_percent is not None:
        predictor["canaryTrafficPercent"] = kserve.canary_traffic_percent
    if kserve.adapters_pvc:
        predictor["volumes"] = [
            {"name": ADAPTERS_VOLUME, "persistentVolumeClaim": {"claimName": kserve.adapters_pvc, "readOnly": True}}
        ]
    return {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": {
            "name": kserve.name,
            "namespace": kserve.namespace,
            "labels": {**PART_OF, "app.kubernetes.io/component": "inference"},
            "annotations": {"serving.kserve.io/deploymentMode": "Serverless", "paramstack.io/base-model": vllm.model},
        },
        "spec": {"predictor": predictor},
    }


def upstream_base_url(config: DeployConfig) -> str:
    """What the gateway's ``base_url`` is inside the cluster (KServe prefixes the OpenAI routes)."""
    return f"http://{config.kserve.name}.{config.kserve.namespace}.svc.cluster.local/openai"


def served_name(vllm: VllmSettings) -> str:
    return vllm.served_model_name or vllm.model.rstrip("/").rsplit("/", 1)[-1].lower()


def _model(config: DeployConfig) -> dict[str, Any]:
    kserve, vllm = config.kserve, config.vllm
    args = [f"--model_name={served_name(vllm)}", "--backend=vllm"]
    if kserve.storage_uri is None:
        args.append(f"--model_id={vllm.model}")
    # --served-model-name would fight --model_name: KServe names the model itself.
    args += _without_option(engine_args(vllm), "--served-model-name")
    gpus = kserve.gpus or vllm.tensor_parallel_size
    resources = {kserve.gpu_resource: str(gpus), "cpu": kserve.cpu, "memory": kserve.memory}
    model: dict[str, Any] = {
        "modelFormat": {"name": "huggingface"},
        "args": args,
        "env": _env(vllm),
        "resources": {"requests": dict(resources), "limits": dict(resources)},
    }
    if kserve.runtime:
        model["runtime"] = kserve.runtime
    if kserve.storage_uri:
        model["storageUri"] = kserve.storage_uri
    if kserve.adapters_pvc:
        model["volumeMounts"] = [{"name": ADAPTERS_VOLUME, "mountPath": kserve.adapters_mount, "readOnly": True}]
    return model


def _env(vllm: VllmSettings) -> list[dict[str, Any]]:
    env: list[dict[str, Any]] = []
    if vllm.lora.enabled and vllm.lora.runtime_updates:
        env.append({"name": RUNTIME_LORA_ENV, "value": "True"})
    # vLLM reads its API key from VLLM_API_KEY; optional so a cluster without one still starts.
    env.append(
        {
            "name": "VLLM_API_KEY",
            "valueFrom": {"secretKeyRef": {"name": "paramstack-vllm", "key": "api-key", "optional": True}},
        }
    )
    return env


def _without_option(args: list[str], option: str) -> list[str]:
    if option not in args:
        return args
    index = args.index(option)
    return args[:index] + args[index + 2 :]
