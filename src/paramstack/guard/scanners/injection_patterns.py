"""Patterns of indirect prompt injection: instructions addressed to the model, hidden in data.

A tool result, a web page, a retrieved chunk or a pasted e-mail is read by the model but written by
someone else. What gives an injection away is its *structure*, not its words: text that addresses the
model (or "the assistant", "the AI reading this") rather than the human reader, combined with an
imperative aimed at what only a model controls: its instructions, its answer, the user's data, the
tools. An e-mail saying "please ignore my previous e-mail" addresses a human and has no such target.

All patterns run on the folded text (``normalize.py``): lower-case ASCII, Turkish letters without
diacritics ("kullanıcıya söyleme" -> "kullaniciya soyleme"), digits folded to "0".
Families (the finding type):

- ``ai_addressed``: a vocative or conditional addressed to a model ("if you are an AI", "note to the
  assistant", "bu e-postayı okuyan yapay zeka");
- ``exfiltration``: send / forward / include the user's data, conversation or secrets to an address;
- ``concealment``: keep the action from the user ("do not tell the user", "kullanıcıya söyleme");
- ``task_hijack``: when summarising / translating / answering, say or do something else instead;
- ``fake_role``: chat-template role markers and fake system or "new instructions" headers.

This module holds the ``ai_addressed`` family and every family's gate; the shared vocabulary is in
``injection_terms.py``, the demand families in ``injection_demands.py``, the later phrasings in
``attack_phrasings.py``.
"""

from __future__ import annotations

import re

from paramstack.guard.scanners.attack_phrasings import INJECTION_PHRASINGS
from paramstack.guard.scanners.fastmatch import Gate, keywords
from paramstack.guard.scanners.injection_demands import (
    CONCEALMENT,
    DISMISS_CONTEXT,
    EXFILTRATION,
    FAKE_ROLE,
    FETCH_AND_RUN,
    TASK_HIJACK,
    TOOL_ABUSE,
    TR_CONCEALMENT,
    TR_EXFILTRATION,
    TR_TASK_HIJACK,
)
from paramstack.guard.scanners.injection_terms import (
    AI_TERMS,
    CLAUSE_START,
    DOC_PHRASE,
    EN_IMPERATIVE,
    MACHINE_READING,
    READING,
    TR_AI_TERMS,
    TR_DOC_PHRASE,
    TR_IMPERATIVE,
    TR_READING,
)

AI_ADDRESSED = (
    r"\bif\W+you\W+(?:are|re)\W+(?:an?\W+|the\W+)?(?:\w+\W+)?" + AI_TERMS + r"\b"
    r"|\bif\W+(?:an?\W+|the\W+|any\W+)?(?:\w+\W+)?" + AI_TERMS + r"\W+(?:is|are)\W+(?:now\W+)?(?:\w+\W+)?"
    r"(?:reading|processing|summari[sz]ing|parsing|analy[sz]ing|translating|seeing)\b"
    # "@copilot please ...": an @-mention of an AI (its "@" is an "a" in the folded text)
    r"|\ba(?:copilot|claude|chatgpt|gpt|gemini|assistant|ai|llm|bot|agent)\W+(?:please\W+|also\W+|kindly\W+|now\W+)*"
    r"(?:push|commit|merge|delete|remove|create|close|approve|grant|add|run|execute|send|forward|ignore|reply|"
    r"write|tell|say|post|change|update|deploy|install|share|make)\b"
    r"|\b(?:dear|hey|hello|hi|attention|note\W+(?:to|for)|message\W+(?:to|for)|instructions?\W+(?:to|for)|"
    r"important\W+(?:note\W+)?(?:to|for)|to)\W+(?:the\W+|all\W+|any\W+|every\W+)?(?:\w+\W+)?"
    + AI_TERMS
    + r"\W+(?:\w+\W+){0,3}?(?:reading|processing|summari[sz]ing|that|who|which|:|-|,|must|should|please)"
    r"|\b(?:dear|hey|attention|note\W+to|to)\W+(?:the\W+)?" + AI_TERMS + r"\W*[:,!]"
    r"|\b"
    + AI_TERMS
    + r"\W+(?:\w+\W+)?"
    + READING
    + r"\W+"
    + DOC_PHRASE
    + r"|\b(?:whoever|whatever|anyone|any\W+system)\W+(?:is\W+)?"
    + MACHINE_READING
    + r"\W+"
    + DOC_PHRASE
)
# "You are now reading this document ... you must": the reader addressed as the one processing the text.
YOU_READING = (
    r"\b(?:you|yourself)\W+(?:\w+\W+)?(?:are|re)\W+(?:now\W+)?"
    + READING
    + r"\W+"
    + DOC_PHRASE
    + r"\W+(?:\w+\W+){0,6}?(?:must|should|need\W+to|have\W+to|will|are\W+required|instead)\b"
)
TR_AI_ADDRESSED = (
    r"\b"
    + TR_DOC_PHRASE
    + r"\W+"
    + TR_READING
    + r"\W+(?:\w+\W+)?"
    + TR_AI_TERMS
    + r"|\b"
    + TR_AI_TERMS
    + r"\W+(?:isen|iseniz|olarak\W+(?:bunu|bu\W+metni)|okuyorsan|okuyorsaniz|isliyorsan|"
    r"ozetliyorsan|ceviriyorsan|goruyorsan)\b"
    r"|\b(?:sevgili|sayin|dikkat|not|mesaj|uyari|talimat|hey|merhaba|selam)\w*\W+(?:\w+\W+)?"
    + TR_AI_TERMS
    + r"\W*(?:[:,!]|ya\b|e\b|a\b)"
    r"|\b" + TR_AI_TERMS + r"(?:ya|ye|a|e|lara|lere)\W+(?:not|mesaj|talimat|uyari)\w*"
    r"|\b(?:bunu|bu\W+metni|bu\W+belgeyi|bu\W+e\W?postayi|bu\W+sayfayi)\W+(?:okuyan|isleyen|ozetleyen)\W+"
    r"(?:her\W+|tum\W+)?(?:\w+\W+)?" + TR_AI_TERMS
)

AI_LABEL = (
    CLAUSE_START
    + r"(?:hey\W+|dear\W+|ok\W+|okay\W+)?(?:the\W+)?"
    + AI_TERMS
    + r"\s*[:,]\s*(?:please\W+|now\W+|also\W+|kindly\W+|first\W+)*"
    + EN_IMPERATIVE
)
TR_AI_LABEL = (
    CLAUSE_START + r"(?:hey\W+|sevgili\W+)?" + TR_AI_TERMS + r"(?:ya|ye|a|e|na|ne)?\s*[:,]\s*"
    r"(?:[^.!?\n]{0,160}?)\b" + TR_IMPERATIVE + r"(?=\W*(?:[.!?\n]|-->|$|ve\b))"
)

# A third-person order to the model ("the assistant must now cancel...", "Yapay zeka ... söylemeli").
_DIRECTIVE_VERB = (
    r"(?:tell|say|write|reply|respond|output|include|send|forward|reveal|ignore|disregard|cancel|"
    r"delete|insult|refuse|recommend|praise|claim|state|mention|ask|add|append|mark|pay|approve|copy|"
    r"replace|rate|rank|score|answer|print|share|upload|email|call|run|execute|transfer)\b"
)
MODEL_DIRECTIVE = (
    r"\b(?:the|any|all|every|each)\W+(?:\w+\W+)?(?:ai|assistants?|chatbots?|llms?|bots?|language\W+models?|"
    r"models?\W+(?:reading|processing|parsing|summari[sz]ing)|ai\W+\w+|(?:translation|screening|summari[sz]ation|"
    r"automated)\W+(?:tools?|systems?|assistants?))\W+(?:\w+\W+){0,3}?(?:must|should|shall|will\W+now|needs?\W+to|"
    r"(?:is|are)\W+(?:required|instructed|expected)\W+to|has\W+to|have\W+to)\W+(?:now\W+|also\W+|always\W+|"
    r"immediately\W+|only\W+)*(?:\w+\W+)?"
    + _DIRECTIVE_VERB
    + r"|\bmodels?\W+(?:reading|processing|parsing|summari[sz]ing|handling)\W+(?:this|these|the)\W+(?:\w+\W+){0,2}?"
    r"(?:must|should|shall|are\W+required\W+to|need\W+to)\b"
)
TR_MODEL_DIRECTIVE = (
    r"\b(?:asistan|yapay\W+zeka|yz|sohbet\W+bot|chatbot|dil\W+model|(?:otomatik|tarama|ceviri|ozetleme)\W+(?:\w+\W+)?"
    r"arac|otomatik\W+asistan|(?:bunu|bu\W+\w+)\W+(?:okuyan|isleyen|ozetleyen)\W+(?:her\W+)?model)\w*\W+"
    r"(?:\w+\W+){0,8}?(?!(?:ol|bil|sahip\W+ol)ma)\w+(?:meli|mali)(?:dir|sin|siniz|dirler)?\b"
    r"|\b(?:asistan|yapay\W+zeka|sistem|model|bot)\w*\W+(?:\w+\W+){0,8}?(?:yazsin|soylesin|gondersin|iletsin|"
    r"eklesin|silsin|versin|yanitlasin|cevaplasin|onersin|paylassin|yuklesin|desin|istesin)\b"
)

# Gate words for the AI terms of ``AI_TERMS`` (its multi-word forms all contain one of these).
_AI_WORDS = keywords(
    "ai a.i artific llm llms model models assista chatbot bot bots gpt chatgpt claude gemini copilot tool tools automat"
)
_TR_AI_WORDS = keywords(
    "yapay yz asistan dil sohbet chatbot bot botu botl model ajan otomati tarama ceviri ozetlem kod gpt"
)
_DOC_WORDS = keywords(
    "email e mail message documen page text file content review article post data result "
    "ticket comment chunk website site input note pdf"
)
_SECRET_WORDS = keywords(
    "data details informa history message email emails mail inbox contact passwor credent api "
    "key keys token tokens secret address phone credit card session cookie memory notes "
    "calenda convers chat logs system { [ %7b $"
)

# Where exfiltrated data goes: a link, an address or a domain (the gate cannot know every TLD; these are the
# common ones and the words that name a destination).
_DEST_WORDS = keywords(
    "http https www ftp address url link endpoin server attacke externa followi adres adresi "
    "adresin sunucu ![ .com .net .org .io .co .ru .cn .tr .de .me .dev .app .xyz .info "
    ".example .win .site .top .ly .sh .ai"
)

# (finding type, pattern, the gate: words a match cannot do without; see fastmatch.py)
INJECTION_PATTERNS: tuple[tuple[str, re.Pattern[str], Gate], ...] = (
    ("ai_addressed", re.compile(AI_ADDRESSED), Gate(_AI_WORDS + keywords("whoever whateve anyone") + ("any system",))),
    (
        "ai_addressed",
        re.compile(YOU_READING),
        Gate(
            ("you", "yoursel"),
            _DOC_WORDS,
            keywords(
                "reading process summari parsing analyzi analysi transla scannin reviewi viewing handlin "
                "seeing crawlin indexin ingesti"
            ),
        ),
    ),
    ("ai_addressed", re.compile(TR_AI_ADDRESSED), Gate(_TR_AI_WORDS)),
    (
        "exfiltration",
        re.compile(EXFILTRATION),
        Gate(
            keywords(
                "send forward email mail post upload transmi exfiltr leak copy submit share relay report "
                "deliver append attach encode visit open fetch call load request render !["
            ),
            _SECRET_WORDS,
            _DEST_WORDS,
        ),
    ),
    (
        "exfiltration",
        re.compile(TR_EXFILTRATION),
        Gate(
            keywords("gonder ilet yolla aktar paylas yukle postala mail"),
            keywords(
                "veri bilgi gecmis mesaj eposta posta kisi sifre parola anahtar token dosya belge adres "
                "telefon kart oturum cerez konusm sohbet not takvim kayit sistem rehber"
            ),
            _DEST_WORDS,
        ),
    ),
    (
        "concealment",
        re.compile(CONCEALMENT),
        Gate(
            keywords(
                "user users human custome reader recipie operato comment line note instruc message text "
                "part section paragra"
            ),
            keywords("not don dont never without keep hide must should"),
        ),
    ),
    (
        "concealment",
        re.compile(TR_CONCEALMENT),
        Gate(
            keywords(
                "kullani musteri okuyucu alici insan yorum satir not notu notla notun talimat mesaj metin "
                "kisim bolum gizli"
            ),
            keywords(
                "soyleme bahsetm belirtm gosterm haber bildirm sezdirm hissett aciklam fark bilmede haberi "
                "gormede anlamad gizli sakla"
            ),
        ),
    ),
    (
        "task_hijack",
        re.compile(TASK_HIJACK),
        Gate(
            keywords(
                "summar transla answer respond reply replies instead task job goal from process read "
                "reading reads review writ write writing generat analy analyz analys evaluat screen rank "
                "ranking grad gradin scor scoring compar respons output outputs your in"
            )
        ),
    ),
    (
        "task_hijack",
        re.compile(TR_TASK_HIJACK),
        Gate(
            keywords(
                "ozet cevir yanit cevap gorev amac talimat artik bundan okurken okudu isler yazarke "
                "degerle karsila sirala puanla isin sadece yalnizc yeni gercek asil tek"
            )
        ),
    ),
    ("ai_addressed", re.compile(AI_LABEL), Gate(_AI_WORDS, (":", ","))),
    ("ai_addressed", re.compile(TR_AI_LABEL), Gate(_TR_AI_WORDS, (":", ","))),
    (
        "model_directive",
        re.compile(MODEL_DIRECTIVE),
        Gate(
            keywords("ai assista chatbot llm llms bot bots languag models model transla screeni summari automat"),
            keywords("must should shall will need needs require instruc expecte has have"),
        ),
    ),
    (
        "model_directive",
        re.compile(TR_MODEL_DIRECTIVE),
        Gate(keywords("asistan yapay yz sohbet chatbot dil otomati tarama ceviri ozetlem sistem model bot")),
    ),
    (
        "task_hijack",
        re.compile(DISMISS_CONTEXT),
        Gate(keywords("ignore disrega forget yukarid kullani ozet ceviri")),
    ),
    (
        "tool_abuse",
        re.compile(TOOL_ABUSE),
        Gate(
            keywords("format drop shutdow mkfs") + ("rm ", "rm -", "del ", "dd "),
            keywords("run execute type paste enter calisti yurut"),
        ),
    ),
    ("fetch_and_run", re.compile(FETCH_AND_RUN), Gate(keywords("curl wget iwr invoke"), ("|",))),
    (
        "fake_role",
        re.compile(
            r"\[\W*(?:system|admin|administrator|developer|sistem|yonetici)\W*"
            r"(?:notice|message|note|update|override|prompt|duyurusu|mesaji|notu)?\W*\]"
        ),
        Gate(("[",), keywords("system admin adminis develop sistem yonetic")),
    ),
    (
        "fake_role",
        re.compile(FAKE_ROLE),
        Gate(
            keywords(
                "im_start inst << </ system assista develop admin adminis instruc directi prompt orders "
                "command rules sistem yonetic talimat direkti komut kural yonerge istem hidden secret "
                "invisib gizli"
            )
        ),
    ),
) + INJECTION_PHRASINGS
