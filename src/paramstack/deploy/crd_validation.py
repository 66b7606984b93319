"""Offline validation of InferenceService manifests against KServe's real CRD schema.

The API server validates a custom resource with the CRD's ``openAPIV3Schema``; we run the same schema
through ``jsonschema`` (the ``x-kubernetes-*`` extensions dropped: they steer pruning and merging, not
validity). Two things are added on purpose:

- strict fields: an object with declared ``properties`` rejects unknown keys, as ``kubectl apply`` does with
  its default ``--validate=strict``; without it a typo such as ``minReplica`` is pruned silently;
- the checks the CRD lacks: ``canaryTrafficPercent`` in 0..100 and ``minReplicas <= maxReplicas``.

Every problem comes back with its exact path (``spec.predictor.model.args[3]``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from paramstack.errors import ConfigurationError

CRD_FILE = Path(__file__).parent / "crds" / "serving.kserve.io_inferenceservices.yaml"
API_VERSION = "serving.kserve.io/v1beta1"
COMPONENTS = ("predictor", "transformer", "explainer")
DNS_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")


@dataclass(frozen=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class ManifestInvalid(ConfigurationError):
    code = "manifest_invalid"

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("InferenceService manifest rejected: " + "; ".join(map(str, problems)))
        self.problems = problems


class InferenceServiceSchema:
    """The CRD's schema, loaded once by whoever validates (it is ~2 MB of YAML: about a second to parse)."""

    def __init__(self, crd_file: Path = CRD_FILE, *, strict: bool = True) -> None:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        with crd_file.open(encoding="utf-8") as handle:
            crd = yaml.load(handle, Loader=loader)  # noqa: S506 - a safe loader, C or Python
        version = next((v for v in crd["spec"]["versions"] if v["name"] == API_VERSION.split("/")[1]), None)
        if version is None:
            raise ConfigurationError(f"{crd_file} has no {API_VERSION} version")
        self.schema = _prepare(version["schema"]["openAPIV3Schema"], strict)
        self._validator = jsonschema.Draft7Validator(self.schema)

    def problems(self, manifest: dict[str, Any]) -> list[Problem]:
        found = [Problem(_path(e.absolute_path), e.message) for e in self._validator.iter_errors(manifest)]
        found += list(_identity_problems(manifest))
        found += list(_range_problems(manifest))
        return sorted(found, key=lambda p: p.path)

    def validate(self, manifest: dict[str, Any]) -> None:
        found = self.problems(manifest)
        if found:
            raise ManifestInvalid(found)


def _prepare(schema: Any, strict: bool) -> Any:
    """A copy without ``x-kubernetes-*`` keys; strict: closed objects unless the CRD keeps unknown fields."""
    if isinstance(schema, list):
        return [_prepare(item, strict) for item in schema]
    if not isinstance(schema, dict):
        return schema
    prepared = {k: _prepare(v, strict) for k, v in schema.items() if not k.startswith("x-kubernetes-")}
    keeps_unknown = schema.get("x-kubernetes-preserve-unknown-fields") is True
    if strict and "properties" in schema and "additionalProperties" not in schema and not keeps_unknown:
        prepared["additionalProperties"] = False
    return prepared


def _identity_problems(manifest: dict[str, Any]) -> Iterable[Problem]:
    # The CRD leaves metadata to the API server's ObjectMeta validation; these are the parts that bite.
    if manifest.get("apiVersion") != API_VERSION:
        yield Problem("apiVersion", f"must be {API_VERSION!r}")
    if manifest.get("kind") != "InferenceService":
        yield Problem("kind", "must be 'InferenceService'")
    metadata = manifest.get("metadata") or {}
    name = metadata.get("name")
    if not isinstance(name, str) or not DNS_LABEL.match(name) or len(name) > 63:
        yield Problem("metadata.name", f"{name!r} is not a DNS-1035 label (lowercase letters, digits, '-')")
    namespace = metadata.get("namespace")
    if namespace is not None and (not isinstance(namespace, str) or not DNS_LABEL.match(namespace)):
        yield Problem("metadata.namespace", f"{namespace!r} is not a DNS label")


def _range_problems(manifest: dict[str, Any]) -> Iterable[Problem]:
    spec = manifest.get("spec") or {}
    for component in COMPONENTS:
        section = spec.get(component)
        if not isinstance(section, dict):
            continue
        percent = section.get("canaryTrafficPercent")
        if isinstance(percent, int) and not isinstance(percent, bool) and not 0 <= percent <= 100:
            yield Problem(f"spec.{component}.canaryTrafficPercent", f"{percent} is outside 0..100")
        low, high = section.get("minReplicas"), section.get("maxReplicas")
        if isinstance(low, int) and isinstance(high, int) and high > 0 and low > high:
            yield Problem(f"spec.{component}.minReplicas", f"{low} is above maxReplicas {high}")
        if isinstance(low, int) and low < 0:
            yield Problem(f"spec.{component}.minReplicas", f"{low} is negative")


def _path(parts: Iterable[Any]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(root)"
