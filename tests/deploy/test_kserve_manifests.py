"""`paramstack deploy kserve`: manifests that KServe's real CRD schema accepts, and broken ones it refuses."""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import pytest
import yaml

from paramstack.deploy.config_file import DeployConfig
from paramstack.deploy.crd_validation import InferenceServiceSchema, ManifestInvalid
from paramstack.deploy.manifests import build_manifests

CONFIG = {
    "vllm": {
        "model": "mistralai/Mistral-7B-Instruct-v0.2",
        "served_model_name": "mistral-7b",
        "tensor_parallel_size": 2,
        "kv_cache_dtype": "fp8",
        "lora": {
            "max_loras": 5,
            "max_lora_rank": 32,
            "modules": [{"name": "medical-lora@v1", "path": "/mnt/adapters/medical-lora/v1"}],
        },
        "speculative": {"method": "ngram"},
    },
    "kserve": {
        "name": "ailydian-vllm",
        "namespace": "ailydian-prod",
        "min_replicas": 1,
        "max_replicas": 10,
        "scale_metric": "concurrency",
        "scale_target": 16,
        "canary_traffic_percent": 10,
        "adapters_pvc": "lora-adapters",
        "memory": "32Gi",
    },
}


@pytest.fixture(scope="module")
def schema():
    return InferenceServiceSchema()  # the real CRD (~2 MB): parsed once for the module


@pytest.fixture(scope="module")
def manifests(schema):
    return build_manifests(DeployConfig.model_validate(CONFIG), schema)


def test_generated_inference_service_validates_against_the_crd(manifests, schema):
    service = manifests.objects[0]
    assert schema.problems(service) == []
    predictor = service["spec"]["predictor"]
    assert predictor["canaryTrafficPercent"] == 10
    assert (predictor["minReplicas"], predictor["maxReplicas"], predictor["scaleTarget"]) == (1, 10, 16)
    model = predictor["model"]
    assert model["modelFormat"] == {"name": "huggingface"}
    assert model["resources"]["limits"]["nvidia.com/gpu"] == "2"  # one GPU per tensor-parallel rank
    args = model["args"]
    assert "--model_name=mistral-7b" in args and "--backend=vllm" in args
    assert "--served-model-name" not in args  # KServe names the model itself
    for flag in ("--enable-lora", "--max-lora-rank", "--kv-cache-dtype", "--speculative-config"):
        assert flag in args
    assert args[args.index("--lora-modules") + 1] == "medical-lora@v1=/mnt/adapters/medical-lora/v1"
    assert {"name": "VLLM_ALLOW_RUNTIME_LORA_UPDATING", "value": "True"} in model["env"]
    assert model["volumeMounts"][0]["mountPath"] == "/mnt/adapters"


def test_gateway_objects_point_at_the_inference_service(manifests):
    kinds = [o["kind"] for o in manifests.objects]
    assert kinds == [
        "InferenceService",
        "ConfigMap",
        "Deployment",
        "Service",
        "Service",
        "ServiceMonitor",
        "PrometheusRule",
    ]
    config = yaml.safe_load(manifests.objects[1]["data"]["paramstack.yaml"])
    assert config["models"][0]["base_url"] == "http://ailydian-vllm.ailydian-prod.svc.cluster.local/openai"
    assert config["models"][0]["upstream_model"] == "mistral-7b"
    deployment = manifests.objects[2]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["envFrom"] == [{"secretRef": {"name": "paramstack-secrets"}}]  # referenced, not generated
    rules = manifests.objects[6]["spec"]["groups"][0]["rules"]
    assert any("histogram_quantile(0.95" in r["expr"] for r in rules)
    assert {o["metadata"]["namespace"] for o in manifests.objects} == {"ailydian-prod"}


def test_metrics_are_scraped_from_their_own_port_never_through_the_public_service(manifests):
    config = yaml.safe_load(manifests.objects[1]["data"]["paramstack.yaml"])
    container = manifests.objects[2]["spec"]["template"]["spec"]["containers"][0]
    public, metrics, monitor = manifests.objects[3], manifests.objects[4], manifests.objects[5]
    assert config["metrics"]["port"] == 9464
    assert {"name": "metrics", "containerPort": 9464} in container["ports"]
    assert [p["targetPort"] for p in public["spec"]["ports"]] == ["http"]  # the public Service: no metrics
    assert [p["targetPort"] for p in metrics["spec"]["ports"]] == ["metrics"]
    selector = monitor["spec"]["selector"]["matchLabels"]
    assert all(metrics["metadata"]["labels"].get(k) == v for k, v in selector.items())
    assert not all(public["metadata"]["labels"].get(k) == v for k, v in selector.items())
    assert monitor["spec"]["endpoints"] == [{"port": "metrics", "path": "/metrics", "interval": "15s"}]
    probes = [container["readinessProbe"]["httpGet"], container["livenessProbe"]["httpGet"]]
    assert all(p["port"] == "http" for p in probes)  # health stays on the public port


@pytest.mark.parametrize(
    ("path", "value", "reported"),
    [
        (
            ("spec", "predictor", "canaryTrafficPercent"),
            150,
            "spec.predictor.canaryTrafficPercent: 150 is outside 0..100",
        ),
        (
            ("spec", "predictor", "canaryTrafficPercent"),
            -5,
            "spec.predictor.canaryTrafficPercent: -5 is outside 0..100",
        ),
        (("spec", "predictor", "minReplicas"), "two", "spec.predictor.minReplicas: 'two' is not of type 'integer'"),
        (("spec", "predictor", "scaleMetric"), "gpu", "spec.predictor.scaleMetric: 'gpu' is not one of"),
        (("spec", "predictor", "model", "args", 3), 7, "spec.predictor.model.args[3]: 7 is not of type 'string'"),
        (("spec", "predictor", "minReplicas"), 20, "spec.predictor.minReplicas: 20 is above maxReplicas 10"),
        (("metadata", "name"), "Ailydian_VLLM", "metadata.name: 'Ailydian_VLLM' is not a DNS-1035 label"),
    ],
)
def test_broken_manifest_is_rejected_with_its_exact_path(manifests, schema, path, value, reported):
    broken = copy.deepcopy(manifests.objects[0])
    target = broken
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ManifestInvalid) as error:
        schema.validate(broken)
    assert any(str(problem).startswith(reported) for problem in error.value.problems), error.value.problems


def test_misspelt_field_is_rejected_not_silently_pruned(manifests, schema):
    broken = copy.deepcopy(manifests.objects[0])
    broken["spec"]["predictor"]["minReplica"] = 2
    problems = [str(p) for p in schema.problems(broken)]
    assert any(p.startswith("spec.predictor: Additional properties are not allowed ('minReplica'") for p in problems)


def test_cli_writes_files_and_validate_flags_a_broken_one(tmp_path):
    config = tmp_path / "deploy.yaml"
    config.write_text(yaml.safe_dump(CONFIG))
    out = tmp_path / "manifests"
    cli = [sys.executable, "-m", "paramstack", "deploy"]
    result = subprocess.run(
        [*cli, "kserve", "--config", str(config), "-o", str(out), "--json"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    written = json.loads(result.stdout)["written"]
    assert len(written) == 7 and all(p.startswith(str(out)) for p in written)
    service_file = next(out.glob("00-inferenceservice-*.yaml"))
    ok = subprocess.run([*cli, "validate", str(service_file)], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and ok.stdout.startswith("ok"), ok.stdout + ok.stderr
    broken = yaml.safe_load(service_file.read_text())
    broken["spec"]["predictor"]["canaryTrafficPercent"] = 101
    service_file.write_text(yaml.safe_dump(broken))
    bad = subprocess.run([*cli, "validate", str(service_file)], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1
    assert "spec.predictor.canaryTrafficPercent: 101 is outside 0..100" in bad.stdout
