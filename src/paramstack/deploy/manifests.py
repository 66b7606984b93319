"""All manifests of a deployment, validated, and written one file per object (``kubectl apply -f DIR``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from paramstack.deploy.config_file import DeployConfig
from paramstack.deploy.crd_validation import InferenceServiceSchema
from paramstack.deploy.gateway_manifests import gateway_manifests
from paramstack.deploy.kserve_manifest import inference_service
from paramstack.deploy.vllm_checks import check_launch


@dataclass(frozen=True)
class ManifestSet:
    objects: list[dict[str, Any]]
    warnings: list[str]

    def files(self) -> dict[str, str]:
        """File name -> YAML text; names sort in apply order (config before the things that use it)."""
        return {
            f"{i:02d}-{o['kind'].lower()}-{o['metadata']['name']}.yaml": yaml.safe_dump(o, sort_keys=False)
            for i, o in enumerate(self.objects)
        }

    def write(self, directory: Path) -> list[Path]:
        directory.mkdir(parents=True, exist_ok=True)
        written = []
        for name, text in self.files().items():
            path = directory / name
            path.write_text(text, encoding="utf-8")
            written.append(path)
        return written


def build_manifests(config: DeployConfig, schema: InferenceServiceSchema) -> ManifestSet:
    """Check the vLLM launch, build every object, validate the InferenceService against the CRD."""
    warnings = check_launch(config.vllm)
    service = inference_service(config)
    schema.validate(service)
    return ManifestSet(objects=[service, *gateway_manifests(config)], warnings=warnings)
