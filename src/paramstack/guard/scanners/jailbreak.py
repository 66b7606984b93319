"""Jailbreak and prompt-injection detection, English and Turkish: patterns, then a trained classifier.

Both run on the normalised text (see ``normalize.py``): lower-case ASCII with Turkish letters folded
("önceki talimatları unut" -> "onceki talimatlari unut"), look-alikes and leetspeak undone, invisible
characters and letter spacing removed. The patterns are precise and explainable (a finding names the
attack family); the classifier catches paraphrases the patterns miss. A check's score is the larger
of the two; the policy threshold decides.

Patterns are written so that the usual benign look-alikes do not match: "ignore a file in git" has no
instruction noun; "forget my previous message" has no instruction noun either; "önceki talimatları
unutmamak için" is the negative verb form; "enable developer mode on Android" needs more than the
words "developer mode".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, field_validator

from paramstack.guard.classifier import NgramClassifier
from paramstack.guard.normalize import NormalizedText
from paramstack.guard.result import Finding
from paramstack.guard.scanners.mention import is_mention, is_negated

PATTERN_SCORE = 0.95

_QUALIFIER = (r"(?:previous|prior|above|earlier|preceding|initial|original|system|safety|existing|old|given|"
              r"current|content|ethical|built-in|openai|developer|default|moderation|hidden|usual)")
_NOUN = (r"(?:instructions?|rules|guidelines|directives?|directions|prompts?|programming|training|guardrails|"
         r"restrictions|constraints|polic(?:y|ies)|filters?|guidance|commands|protocols)")
_DETERMINERS = r"(?:(?:all|any|of|the|these|those|every|each|such)\W+){0,3}"
# "Settings" are everyday ("ignore the default settings in git"); only the model's own safety settings count.
_EN_SAFETY_SETTINGS = (
    r"\b(?:ignore|disregard|override|bypass|disable|turn\W+off|switch\W+off|deactivate|remove)\W+"
    r"(?:all\W+)?(?:of\W+)?(?:your|its)\W+(?:\w+\W+)?(?:safety|security|moderation|content|ethical|ethics|"
    r"censorship)\W+(?:settings|filters?|protocols|measures|checks|features|mechanisms|layers)\b"
)
# Verbs that override instructions whatever they are applied to, and verbs that do so only when the
# instructions are the model's own ("delete old instructions from a Jenkins pipeline" is housekeeping).
_EN_OVERRIDE = (
    r"\b(?:ignore|disregard|forget|overlook|neglect|override|bypass|set\W+aside|"
    r"(?:do\W+not|don'?t|stop)\W+(?:follow(?:ing)?|obey(?:ing)?))\W+" + _DETERMINERS +
    r"(?:(?:your|its|my\W+previous)\W+(?:" + _QUALIFIER + r"\W+)?|(?:" + _QUALIFIER + r"\W+){1,2})" + _NOUN + r"\b"
    r"|\b(?:skip|abandon|drop|discard|erase|delete|throw\W+out|remove|scrap|wipe)\W+" + _DETERMINERS +
    r"(?:your|its)\W+(?:" + _QUALIFIER + r"\W+)?" + _NOUN + r"\b"
    r"|\b(?:ignore|disregard|forget)\W+(?:all|everything)\W+(?:(?:you\W+were\W+told|before|above|prior)\b)"
    r"|\b(?:ignore|disregard|forget)\W+(?:whatever|what|everything)\W+(?:the\W+system|you\W+were|they|"
    r"(?:your|the)\W+(?:developers?|creators?|admins?|operators?))\W+(?:\w+\W+){0,2}?(?:told|said|gave|instructed)\b"
    r"|" + _EN_SAFETY_SETTINGS +
    r"|\b(?:you\W+are|you'?re)\W+(?:now\W+)?(?:no\W+longer|not)\W+(?:bound|restricted|limited|constrained|governed)\W+"
    r"by\b"
    r"|\b(?:your|the)\W+(?:\w+\W+)?(?:rules|guidelines|restrictions|policies|filters|limits)\W+(?:no\W+longer|do\W+not|"
    r"don'?t)\W+apply\b"
    r"|\b(?:previous|prior|earlier|old|original)\W+(?:instructions|directives|rules|guidelines)\W+(?:are|were)\W+"
    r"(?:now\W+)?(?:void|cancell?ed|invalid|revoked|no\W+longer\W+valid)\b"
)
_TR_VERB = (r"(?:unut(?:un|mani|manizi|masini)?|yok\W*say(?:in|mani|manizi|mana)?|gormezden\W+gel(?:in)?|"
            r"dikkate\W+alma(?:yin)?|onemseme(?:yin)?|bos\W*ver(?:in)?|gecersiz\W+(?:say|kil)(?:in)?|iptal\W+et|"
            r"atla(?:yin)?|cigne(?:yin)?|bir\W+kenara\W+birak(?:in)?|hice\W+say(?:in)?|birak(?:in)?|"
            r"uyma(?:yin)?)\b")
_TR_NOUN = r"(?:talimat|kural|yonerge|yonlendirme|direktif|komut|istem|kisitlama|filtre|programlama|egitim)\w*"
_TR_OVERRIDE = (
    r"\b(?:onceki|yukaridaki|ustteki|ilk|sistem|tum|butun|verilen|mevcut|eski|baslangictaki|guvenlik|etik)"
    r"\W+(?:\w+\W+){0,2}?" + _TR_NOUN + r"\W+(?:\w+\W+){0,2}?" + _TR_VERB
    + r"|\b(?:talimat|kural|yonerge|kisitlama|filtre|programlama)\w{0,8}\W+" + _TR_VERB
    + r"|\b(?:sistemin|sana)\W+(?:\w+\W+){0,2}?(?:soylediklerini|verdiklerini|verilenleri)\W+" + _TR_VERB
    + r"|\b(?:onceki|eski|ilk)\W+(?:talimat|direktif|kural|yonerge)\w*\W+(?:artik\W+)?(?:gecersiz|iptal)\b"
    + r"|\b(?:artik\W+)?(?:hicbir\W+)?(?:kurala|kurallara|kisitlamaya|politikaya|yonergeye|filtreye)\W+(?:artik\W+)?"
    r"bagli\W+degilsin"
    + r"|\b(?:kurallarin|yonergelerin|kisitlamalarin|filtrelerin)\W+(?:bu\W+\w+\W+)?(?:artik\W+)?"
    r"(?:gecerli\W+degil|gecersiz|kalkti|yok)\b"
    + r"|\b(?:bu\W+satirdan\W+onceki|daha\W+once\W+(?:sana\W+)?soylenen)\w*\W+(?:\w+\W+){0,2}?" + _TR_VERB
)
_EN_PERSONA = (
    r"\bdan\W+mode\b|\b(?:you\W+are|you'?re|act\W+as|pretend\W+to\W+be|become|be)\W+"
    r"(?:now\W+)?(?:an?\W+)?(?:dan|stan|aim|evilbot|freegpt)\b"
    r"|\bdeveloper\W+mode\W+(?:is\W+)?(?:now\W+)?(?:enabled|activated)\b|\bjailbr(?:oken|eak)\W+(?:mode|activated|enabled|self)\b"
    r"|\b(?:uncensored|unfiltered|unrestricted|jailbroken|rogue|evil)\W+(?:ai|assistant|model|chatbot|version|twin|mode)\b"
    r"|\b(?:ai|assistant|model|chatbot)\W+(?:\w+\W+){0,3}?(?:with\W+)?(?:no|zero|without(?:\W+any)?)\W+"
    r"(?:\w+\W+)?(?:restrictions|rules|limits|limitations|filters|censorship|guidelines|ethics|morals)\b"
    r"|\b(?:you\W+have|with)\W+no\W+(?:restrictions|rules|limits|filters)\b"
    r"|\bstay\W+in\W+character\b(?=.{0,80}\b(?:no|without|never)\b)"
)
_TR_PERSONA = (
    r"\b(?:kisitlamasiz|filtresiz|sansursuz|kuralsiz|sinirsiz|ahlaksiz)\W+(?:bir\W+)?"
    r"(?:yapay\W+zeka|asistan|model|mod|karakter)\w*"
    r"|\b(?:gelistirici|tanri|dan|jailbreak|sinirsiz)\W+mod\w*\W+(?:\w+\W+)?"
    r"(?:ac|acik|etkin|aktif|etkinlestir|aktif\W+et|aktiflestir)\b"
    r"|\b(?:artik|bundan\W+sonra)\W+(?:sen\W+)?dan\b|\bdan\W+olarak\b"
    r"|\b(?:hicbir|hic)\W+(?:kural|kisitlama|filtre|sinir|sansur)\w*\W+(?:\w+\W+)?(?:yok|olmayan|olmadan)\b"
)
_EN_LEAK = (
    r"\b(?:reveal|show|print|output|repeat|tell\W+me|display|leak|quote|give\W+me|write\W+out|dump)\W+"
    r"(?:\w+\W+){0,3}?(?:system\W+(?:prompt|message)|initial\W+prompt|hidden\W+(?:prompt|instructions)|"
    r"secret\W+instructions|confidential\W+instructions|developer\W+message|original\W+instructions)"
    r"|\b(?:print|repeat|output)\W+(?:everything|all|the\W+text)\W+(?:\w+\W+){0,2}?above\b"
    r"|\b(?:your|the)\W+(?:hidden|secret|system|initial|original|confidential|developer)\W+(?:prompt|instructions|"
    r"message)\W+(?:\w+\W+){0,3}?(?:say|says|contain|contains|look\W+like|read|reads)\b(?=.{0,80}"
    r"(?:quote|verbatim|word\W+for\W+word|exact|full|in\W+full|\?))"
    r"|\b(?:quote|recite|paste)\W+(?:\w+\W+){0,2}?(?:your|the)\W+(?:\w+\W+)?(?:prompt|instructions)\b"
)
# Turkish requests to show: the imperative (plain or polite) or the "can you" question, never the past or
# the verbal noun ("gizli talimatlarla kandırılabileceğini gösterdi" reports, it does not ask).
_TR_SHOW = (r"(?:goster|yaz|yazdir|acikla|paylas|soyle|tekrarla|tekrar\W+et|sizdir|alintila|ver|anlat|dok|"
            r"listele|cikar)(?:in|iniz|sene|ir\W+mi(?:sin|siniz)|ebilir\W+mi(?:sin|siniz)|mani\W+istiyorum)?\b")
_TR_LEAK = (
    r"\b(?:gizli|sistem|ilk|orijinal|baslangic)\w*\W+(?:istemin|talimatlarin|mesajin|yonergelerin)\w*\W+"
    r"(?:\w+\W+){0,2}?(?:ne\W+diyor|ne\W+yaziyor|neler\W+iceriyor|nedir|neydi|ne\W+soyluyor)"
    r"|\b(?:ustundeki|yukaridaki|bundan\W+onceki)\W+(?:her\W+seyi|tum\W+metni|metnin\W+tamamini|hepsini|"
    r"butun\W+metni)\W+(?:\w+\W+)?(?:tekrar|yaz|goster|cikti|yazdir|aynen)\w*"
    r"|\bsistem\W+(?:istem|mesaj|prompt|talimat)\w*\W+(?:(?!nasil\b|nedir\b|neden\b|ne\b)\w+\W+){0,3}?" + _TR_SHOW
    + r"|\bgizli\W+(?:talimat|istem)\w*\W+(?:\w+\W+){0,2}?" + _TR_SHOW
    + r"|\b(?:talimat|istem|yonerge)\w*\W+(?:\w+\W+){0,2}?(?:aynen|kelimesi\W+kelimesine|oldugu\W+gibi)\W+"
    r"(?:\w+\W+)?(?:yaz|soyle|dok|paylas|tekrarla|goster|aktar)\w*"
)

# Payload splitting: the attack is assembled from pieces the model is told to join and then obey
# ("a = 'ignore all'; b = 'previous instructions'; do a + b"; "birleştir ve uygula").
_ASSEMBLY = (
    r"\b[a-z]\w{0,3}\W{0,3}(?:=|:=|is)\W{0,3}[\"'`].{1,80}?[\"'`].{0,200}?\b[a-z]\w{0,3}\W{0,3}\+\W{0,3}[a-z]\w{0,3}\b"
    r"|\b(?:concatenate|combine|join|merge|put\W+together)\W+(?:\w+\W+){0,5}?(?:strings?|parts?|pieces?|"
    r"fragments?|variables?|words?|letters?|messages?)\W+(?:\w+\W+){0,8}?(?:follow|obey|execute|do|answer|"
    r"respond|perform|carry\W+out|act\W+on)\b"
    r"|\b(?:parcalari|kelimeleri|harfleri|degiskenleri|metinleri|mesajlari|dizeleri)\W+(?:\w+\W+){0,3}?"
    r"(?:birlestir|bir\W+araya\W+getir|ard\W+arda\W+ekle)\w*\W+(?:\w+\W+){0,6}?"
    r"(?:uygula|uy|yap|calistir|yerine\W+getir|cevapla|yanitla)\w*"
)

# (finding type, compiled pattern, cheap keywords one of which must occur for the pattern to be tried)
JAILBREAK_PATTERNS: tuple[tuple[str, re.Pattern[str], tuple[str, ...]], ...] = (
    ("instruction_override", re.compile(_EN_OVERRIDE),
     ("ignore", "disregard", "forget", "overlook", "neglect", "override", "bypass", "skip", "abandon", "drop",
      "discard", "erase", "delete", "aside", "throw", "follow", "obey", "void", "cancel", "invalid", "revoked",
      "longer")),
    ("instruction_override", re.compile(_TR_OVERRIDE),
     ("unut", "say", "gel", "alma", "onemse", "ver", "gecersiz", "iptal", "atla", "cigne", "birak", "uyma")),
    ("role_play", re.compile(_EN_PERSONA),
     ("dan", "aim", "stan", "mode", "jailbr", "uncensored", "unfiltered", "unrestricted", "rogue",
      "evil", "no ", "without", "character", "freegpt")),
    ("role_play", re.compile(_TR_PERSONA),
     ("siz", "mod", "dan", "hicbir", "hic ")),
    ("prompt_leak", re.compile(_EN_LEAK), ("system", "prompt", "instructions", "message", "above")),
    ("prompt_leak", re.compile(_TR_LEAK), ("sistem", "gizli", "ustundeki", "yukaridaki", "istemin", "talimatlarin",
                                           "onceki", "ilk", "orijinal")),
    ("payload_assembly", re.compile(_ASSEMBLY, re.DOTALL),
     ("+", "concatenate", "combine", "join", "merge", "together", "birlestir", "araya", "arda")),
)


class ClassifierCheckSettings(BaseModel):
    """Settings shared by the pattern + classifier checks (jailbreak, toxicity)."""

    model_config = ConfigDict(extra="forbid")

    patterns: bool = True
    classifier: bool = True
    weights: str | None = None  # a .safetensors file from `paramstack guard train`; default: the shipped one
    extra_patterns: list[str] = []  # tenant regexes, matched on the normalised (folded, lower-case) text

    @field_validator("extra_patterns")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(f"extra pattern {pattern!r} is not a valid regex: {error}") from None
        return patterns


class PatternClassifierScanner:
    """Patterns with a fixed high score, plus the classifier's best-window probability."""

    def __init__(self, check: str, patterns: tuple[tuple[str, re.Pattern[str], tuple[str, ...]], ...],
                 settings: ClassifierCheckSettings, threshold: float, classifier: NgramClassifier | None,
                 classifier_type: str) -> None:
        self.check = check
        extra = tuple(("custom_pattern", re.compile(p), ()) for p in settings.extra_patterns)
        self._patterns = (patterns if settings.patterns else ()) + extra
        self._classifier = classifier if settings.classifier else None
        self._classifier_type = classifier_type
        self._threshold = threshold
        # A stream re-reads this much already-sent text so that an attack split across chunks is seen whole.
        self.context_chars = (classifier.window if classifier else 0) + 40

    def scan(self, text: str, normalized: Callable[[], NormalizedText]) -> list[Finding]:
        if not text:
            return []
        folded = normalized()
        findings = self._scan_view(folded, None)
        for view, view_folded in folded.views:
            # A payload found only once decoded points at its encoded segment in the original text.
            findings.extend(Finding(f.check, f.type, view.start, view.end, f.score)
                            for f in self._scan_view(view_folded, view.kind))
        return findings

    def _scan_view(self, folded: NormalizedText, encoding: str | None) -> list[Finding]:
        findings: list[Finding] = []
        mentioned: list[tuple[int, int]] = []
        if self._threshold <= PATTERN_SCORE:
            for kind, pattern, keywords in self._patterns:
                if keywords and not any(word in folded.text for word in keywords):
                    continue
                for match in pattern.finditer(folded.text):
                    if is_negated(folded.text, match.start()):
                        continue
                    # A quoted attack that the text asks about is a security question, not an attack.
                    if encoding is None and is_mention(folded.text, *match.span()):
                        mentioned.append(match.span())
                        continue
                    start, end = folded.to_original(*match.span())
                    findings.append(Finding(self.check, kind, start, end, PATTERN_SCORE))
                    break
        # ROT13 and reversed views are the whole text transformed: only its patterns are meaningful there
        # (the classifier would read the gibberish the rest of the text becomes).
        if self._classifier is not None and encoding in (None, "base64", "tags"):
            scored, shared = folded.text, folded.shared
            if mentioned:  # the classifier judges what is said about the quoted attack, not the quote
                scored = _blanked(folded.text, mentioned)
                shared = {}
            window = self._classifier.score(scored, shared)
            if window.probability >= self._threshold:
                start, end = folded.to_original(window.start, window.end)
                findings.append(Finding(self.check, self._classifier_type, start, end, window.probability))
        return findings

    def replacement(self, finding: Finding) -> str:
        return f"[{self.check.upper()}]"


def _blanked(text: str, spans: list[tuple[int, int]]) -> str:
    pieces, position = [], 0
    for start, end in sorted(spans):
        if start >= position:
            pieces += [text[position:start], " " * (end - start)]
            position = end
    pieces.append(text[position:])
    return "".join(pieces)


def jailbreak_scanner(settings: ClassifierCheckSettings, threshold: float,
                      load: Callable[[Path], NgramClassifier], data_dir: Path) -> PatternClassifierScanner:
    weights = Path(settings.weights) if settings.weights else data_dir / "jailbreak.safetensors"
    classifier = load(weights) if settings.classifier else None
    return PatternClassifierScanner("jailbreak", JAILBREAK_PATTERNS, settings, threshold, classifier,
                                    "injection_classifier")
