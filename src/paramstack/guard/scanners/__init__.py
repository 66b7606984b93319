"""The checks a policy can name, each with its settings schema, allowed actions and default threshold.

A scanner finds; the guard acts. Every scanner has ``check`` (its name), ``scan(text, normalized)``
returning the findings whose score reaches its threshold (offsets into ``text``), and
``replacement(finding)``: the text a ``mask`` puts in place of the finding, or that an ``append`` adds.
``normalized`` is a memoised callable so that the folded text is computed at most once per validation,
and not at all when only the PII check runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel

from paramstack.guard.normalize import NormalizedText
from paramstack.guard.resources import Resources
from paramstack.guard.result import Finding
from paramstack.guard.scanners.copyright import CopyrightScanner, CopyrightSettings
from paramstack.guard.scanners.disclaimer import DisclaimerScanner, DisclaimerSettings
from paramstack.guard.scanners.injection import InjectionSettings, injection_scanner
from paramstack.guard.scanners.jailbreak import ClassifierCheckSettings, jailbreak_scanner
from paramstack.guard.scanners.pii import PiiScanner, PiiSettings
from paramstack.guard.scanners.toxicity import toxicity_scanner

_S = TypeVar("_S", bound=ClassifierCheckSettings)


class Scanner(Protocol):
    check: str

    def scan(self, text: str, normalized: Callable[[], NormalizedText]) -> list[Finding]: ...

    def replacement(self, finding: Finding) -> str: ...


@dataclass(frozen=True)
class BuildContext:
    base_dir: Path  # relative paths in settings are relative to the policy file that set them
    resources: Resources

    def path(self, value: str) -> Path:
        path = Path(value).expanduser()
        return path if path.is_absolute() else self.base_dir / path


@dataclass(frozen=True)
class CheckType:
    settings_model: type[BaseModel]
    actions: frozenset[str]
    default_threshold: float
    build: Callable[[Any, float, BuildContext], Scanner]


def _classifier_settings(settings: _S, context: BuildContext) -> _S:
    if settings.weights:
        return settings.model_copy(update={"weights": str(context.path(settings.weights))})
    return settings


def _jailbreak(settings: ClassifierCheckSettings, threshold: float, context: BuildContext) -> Scanner:
    resources = context.resources
    return jailbreak_scanner(
        _classifier_settings(settings, context),
        threshold,
        resources.classifier,
        resources.data_dir,
        resources.prefilter(),
    )


def _toxicity(settings: ClassifierCheckSettings, threshold: float, context: BuildContext) -> Scanner:
    resources = context.resources
    return toxicity_scanner(
        _classifier_settings(settings, context),
        threshold,
        resources.classifier,
        resources.data_dir,
        resources.prefilter(),
    )


def _injection(settings: InjectionSettings, threshold: float, context: BuildContext) -> Scanner:
    resources = context.resources
    return injection_scanner(
        _classifier_settings(settings, context), threshold, resources.classifier, prefilter=resources.prefilter()
    )


def _copyright(settings: CopyrightSettings, threshold: float, context: BuildContext) -> Scanner:
    index = context.resources.corpus(context.path(settings.corpus), settings.ngram)
    return CopyrightScanner(index, settings, threshold)


CHECK_TYPES: Mapping[str, CheckType] = MappingProxyType(
    {
        "pii": CheckType(PiiSettings, frozenset({"mask", "block", "log"}), 0.5, lambda s, t, c: PiiScanner(s, t)),
        "jailbreak": CheckType(ClassifierCheckSettings, frozenset({"block", "log"}), 0.5, _jailbreak),
        "injection": CheckType(InjectionSettings, frozenset({"block", "log"}), 0.5, _injection),
        "toxicity": CheckType(ClassifierCheckSettings, frozenset({"block", "mask", "log"}), 0.7, _toxicity),
        "copyright": CheckType(CopyrightSettings, frozenset({"block", "mask", "log"}), 0.8, _copyright),
        "disclaimer": CheckType(
            DisclaimerSettings, frozenset({"append", "log"}), 0.5, lambda s, t, c: DisclaimerScanner(s, t)
        ),
    }
)
