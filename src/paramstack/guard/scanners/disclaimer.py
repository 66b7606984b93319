"""Medical and legal disclaimers, Turkish and English, appended to outputs by policy.

``trigger: always`` (the medical and legal policies) appends to every output; ``trigger: keywords``
appends only when the output mentions the domain (matched on the normalised text, so "İLAÇ" and "ilac"
both count). The language follows the output text; an output that already carries the disclaimer
does not get a second one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

from paramstack.guard.language import Language, detect_language
from paramstack.guard.normalize import NormalizedText, normalize
from paramstack.guard.result import Finding

DISCLAIMERS: dict[str, dict[str, str]] = {
    "medical": {
        "tr": "Bu bilgiler tıbbi tavsiye yerine geçmez. Sağlığınızla ilgili kararlar için bir hekime danışın.",
        "en": "This information is not a substitute for professional medical advice. "
        "Please consult a doctor about your health.",
    },
    "legal": {
        "tr": "Bu bilgiler hukuki tavsiye niteliği taşımaz. Hukuki durumunuz için bir avukata danışın.",
        "en": "This information is not legal advice. Please consult a qualified lawyer about your situation.",
    },
}

# Folded (ASCII, lower-case) stems: a keyword-triggered disclaimer fires when one occurs.
DOMAIN_KEYWORDS: dict[str, tuple[str, ...]] = {
    "medical": (
        "doctor",
        "physician",
        "medication",
        "medicine",
        "dose",
        "symptom",
        "diagnos",
        "treatment",
        "disease",
        "prescri",
        "hekim",
        "doktor",
        "ilac",
        "belirti",
        "tedavi",
        "hastalik",
        "teshis",
        "recete",
        "tansiyon",
        "antibiyotik",
        "antibiotic",
    ),
    "legal": (
        "lawyer",
        "attorney",
        "court",
        "lawsuit",
        "contract",
        "statute",
        "legal",
        "avukat",
        "mahkeme",
        "dava",
        "sozlesme",
        "kanun",
        "yasal",
        "hukuk",
        "tazminat",
        "kvkk",
        "gdpr",
    ),
}


# Folded phrases that show an output already carries the domain's disclaimer in its own words (a tuned
# adapter often writes one itself): no second disclaimer is appended then.
ALREADY_DISCLAIMED: dict[str, tuple[str, ...]] = {
    "medical": (
        "tibbi tavsiye yerine gecmez",
        "not a substitute for professional medical advice",
        "not medical advice",
    ),
    "legal": ("hukuki tavsiye niteligi tasimaz", "hukuki tavsiye yerine gecmez", "not legal advice"),
}


class DisclaimerSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    domain: Literal["medical", "legal"] | None = None
    text: dict[Language, str] = {}  # custom wording per language; overrides the domain's
    trigger: Literal["always", "keywords"] = "always"
    keywords: list[str] = []  # folded stems; empty: the domain's defaults
    default_language: Language = "en"

    @model_validator(mode="after")
    def _has_wording(self) -> DisclaimerSettings:
        if self.domain is None and not {"en", "tr"} <= set(self.text):
            raise ValueError("set 'domain' (medical or legal) or give 'text' for both 'en' and 'tr'")
        if self.trigger == "keywords" and not self.keywords and self.domain is None:
            raise ValueError("trigger 'keywords' needs 'keywords' or a 'domain'")
        return self


class DisclaimerScanner:
    check = "disclaimer"

    def __init__(self, settings: DisclaimerSettings, threshold: float) -> None:
        self._domain = settings.domain or "custom"
        self._texts = dict(DISCLAIMERS.get(settings.domain or "", {})) | dict(settings.text)
        self._keywords = tuple(k.lower() for k in settings.keywords) or DOMAIN_KEYWORDS.get(self._domain, ())
        self._always = settings.trigger == "always"
        self._default_language = settings.default_language
        self._already = ALREADY_DISCLAIMED.get(self._domain, ())

    def triggered(self, normalized: Callable[[], NormalizedText]) -> bool:
        if self._always:
            return True
        folded = normalized().text
        return any(keyword in folded for keyword in self._keywords)

    def finding_for(self, text: str, language_sample: str) -> Finding | None:
        """The append finding for an output ``text`` (``language_sample``: the text to detect language on)."""
        if any(wording in text for wording in self._texts.values()):
            return None
        if self._already and any(phrase in normalize(text).text for phrase in self._already):
            return None
        language = detect_language(language_sample) or self._default_language
        return Finding(self.check, f"{self._domain}:{language}", len(text), len(text), 1.0)

    def scan(self, text: str, normalized: Callable[[], NormalizedText]) -> list[Finding]:
        if not text.strip() or not self.triggered(normalized):
            return []
        finding = self.finding_for(text, text)
        return [finding] if finding else []

    def replacement(self, finding: Finding) -> str:
        language = finding.type.rsplit(":", 1)[-1]
        return "\n\n" + self._texts[language]
