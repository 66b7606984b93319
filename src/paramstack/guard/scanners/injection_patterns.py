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
"""

from __future__ import annotations

import re

from paramstack.guard.scanners.attack_phrasings import INJECTION_PHRASINGS
from paramstack.guard.scanners.fastmatch import Gate

# "agent", "model" and "bot" alone are people and things too ("note to the agent: the buyer called"),
# so they count only after "ai"/"language".
_AI = (
    r"(?:ai|a\W?i|artificial\W+intelligence|llms?|(?:large\W+)?language\W+models?|(?:ai|virtual|digital)\W+"
    r"(?:assistant|agent|model|bot)s?|assistants?|chatbots?|chat\W?bots?|gpt|chatgpt|claude|gemini|copilot|"
    r"automated\W+(?:system|agent|assistant)s?|ai\W+summari[sz]ers?|summari[sz]ation\W+(?:tool|bot|model)s?|"
    r"(?:automated|screening|translation|summari[sz]ation|ai|coding)\W+(?:\w+\W+)?(?:tools?|assistants?))"
)
_TR_AI = (
    r"(?:yapay\W+zeka|yz|asistan|dil\W+model|sohbet\W+bot|chatbot|bot|model|ajan|otomatik\W+sistem|"
    r"(?:otomatik|tarama|ceviri|ozetleme|kod)\W+(?:\w+\W+)?arac|"
    r"ozetleyici|gpt)\w*"
)
_READ = (
    r"(?:reading|processing|summari[sz]ing|parsing|analy[sz]ing|translating|scanning|reviewing|viewing|"
    r"handling|seeing|crawling|indexing|ingesting)"
)
# Verbs of machine reading only: "anyone reading this e-mail" is a human reader.
_MACHINE_READ = (
    r"(?:processing|summari[sz]ing|parsing|analy[sz]ing|translating|scanning|handling|crawling|"
    r"indexing|ingesting)"
)
_TR_READ = r"(?:okuyan|isleyen|ozetleyen|ceviren|inceleyen|tarayan|goren|analiz\W+eden|degerlendiren)"
_DOC = (
    r"(?:this|the|these)\W+(?:\w+\W+)?(?:e\W?mail|message|document|page|text|file|content|review|"
    r"article|post|data|result|ticket|comment|chunk|website|site|input|note|pdf)s?"
)
_TR_DOC = (
    r"(?:bu|su)\W+(?:\w+\W+)?(?:e\W?posta|eposta|mesaj|belge|dokuman|sayfa|metin|dosya|icerik|yorum|"
    r"makale|yazi|veri|sonuc|not|site|ileti)\w*"
)

AI_ADDRESSED = (
    r"\bif\W+you\W+(?:are|re)\W+(?:an?\W+|the\W+)?(?:\w+\W+)?" + _AI + r"\b"
    r"|\bif\W+(?:an?\W+|the\W+|any\W+)?(?:\w+\W+)?" + _AI + r"\W+(?:is|are)\W+(?:now\W+)?(?:\w+\W+)?"
    r"(?:reading|processing|summari[sz]ing|parsing|analy[sz]ing|translating|seeing)\b"
    # "@copilot please ...": an @-mention of an AI (its "@" is an "a" in the folded text)
    r"|\ba(?:copilot|claude|chatgpt|gpt|gemini|assistant|ai|llm|bot|agent)\W+(?:please\W+|also\W+|kindly\W+|now\W+)*"
    r"(?:push|commit|merge|delete|remove|create|close|approve|grant|add|run|execute|send|forward|ignore|reply|"
    r"write|tell|say|post|change|update|deploy|install|share|make)\b"
    r"|\b(?:dear|hey|hello|hi|attention|note\W+(?:to|for)|message\W+(?:to|for)|instructions?\W+(?:to|for)|"
    r"important\W+(?:note\W+)?(?:to|for)|to)\W+(?:the\W+|all\W+|any\W+|every\W+)?(?:\w+\W+)?"
    + _AI
    + r"\W+(?:\w+\W+){0,3}?(?:reading|processing|summari[sz]ing|that|who|which|:|-|,|must|should|please)"
    r"|\b(?:dear|hey|attention|note\W+to|to)\W+(?:the\W+)?" + _AI + r"\W*[:,!]"
    r"|\b"
    + _AI
    + r"\W+(?:\w+\W+)?"
    + _READ
    + r"\W+"
    + _DOC
    + r"|\b(?:whoever|whatever|anyone|any\W+system)\W+(?:is\W+)?"
    + _MACHINE_READ
    + r"\W+"
    + _DOC
)
# "You are now reading this document ... you must": the reader addressed as the one processing the text.
YOU_READING = (
    r"\b(?:you|yourself)\W+(?:\w+\W+)?(?:are|re)\W+(?:now\W+)?"
    + _READ
    + r"\W+"
    + _DOC
    + r"\W+(?:\w+\W+){0,6}?(?:must|should|need\W+to|have\W+to|will|are\W+required|instead)\b"
)
TR_AI_ADDRESSED = (
    r"\b"
    + _TR_DOC
    + r"\W+"
    + _TR_READ
    + r"\W+(?:\w+\W+)?"
    + _TR_AI
    + r"|\b"
    + _TR_AI
    + r"\W+(?:isen|iseniz|olarak\W+(?:bunu|bu\W+metni)|okuyorsan|okuyorsaniz|isliyorsan|"
    r"ozetliyorsan|ceviriyorsan|goruyorsan)\b"
    r"|\b(?:sevgili|sayin|dikkat|not|mesaj|uyari|talimat|hey|merhaba|selam)\w*\W+(?:\w+\W+)?"
    + _TR_AI
    + r"\W*(?:[:,!]|ya\b|e\b|a\b)"
    r"|\b" + _TR_AI + r"(?:ya|ye|a|e|lara|lere)\W+(?:not|mesaj|talimat|uyari)\w*"
    r"|\b(?:bunu|bu\W+metni|bu\W+belgeyi|bu\W+e\W?postayi|bu\W+sayfayi)\W+(?:okuyan|isleyen|ozetleyen)\W+"
    r"(?:her\W+|tum\W+)?(?:\w+\W+)?" + _TR_AI
)

# Where data is sent. In the folded text an e-mail's "@" has become "a" (leetspeak), so an address or a
# link is recognised by its domain.
_DEST = r"(?:https?|www|ftp|[a-z0-9_\-]+(?:\.[a-z0-9_\-]+)*\.[a-z]{2,12}\b)"
# A label or vocative at the start of a clause ("AI: ...", "Assistant, please ...", "<!-- asistan: ...")
# followed by an imperative: in data, that is an order to the model ("Assistant: Jane Doe" is not).
_CLAUSE_START = r"(?:^|[\n.!?;>\[\](\"'*#-]|<!--)\s*"
_EN_IMPERATIVE = (
    r"(?:tell|say|write|reply|respond|send|forward|mark|pay|delete|cancel|run|execute|ignore|disregard|"
    r"forget|output|include|add|append|rate|score|rank|recommend|praise|approve|rewrite|translate|"
    r"answer|call|click|visit|open|give|share|copy|post|upload|email|summari[sz]e|list|insert|replace|"
    r"when|from\W+now|always|never|do\W+not|don'?t|stop|start|remember|make\W+sure|use|reveal|"
    r"print|show|ask|insult|refuse|transfer|issue|book|buy|order|subscribe)\b"
)
_TR_IMPERATIVE = (
    r"(?:gonder|ilet|yolla|yaz|ekle|sil|ov|ver|soyle|cevir|isaretle|ode|kopyala|degistir|iptal\W+et|"
    r"calistir|yap|oner|de|goster|paylas|yukle|unut|yok\W*say|tikla|ziyaret\W+et|kaydet|onayla|"
    r"reddet|sor|iste|yanitla|cevapla|hakaret\W+et|puan\W+ver|aktar|bahsetme|soyleme)"
    r"(?:in|yin|un|yun|iniz|yiniz|unuz|yunuz)?\b"
)
AI_LABEL = (
    _CLAUSE_START
    + r"(?:hey\W+|dear\W+|ok\W+|okay\W+)?(?:the\W+)?"
    + _AI
    + r"\s*[:,]\s*(?:please\W+|now\W+|also\W+|kindly\W+|first\W+)*"
    + _EN_IMPERATIVE
)
TR_AI_LABEL = (
    _CLAUSE_START + r"(?:hey\W+|sevgili\W+)?" + _TR_AI + r"(?:ya|ye|a|e|na|ne)?\s*[:,]\s*"
    r"(?:[^.!?\n]{0,160}?)\b" + _TR_IMPERATIVE + r"(?=\W*(?:[.!?\n]|-->|$|ve\b))"
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

# "Ignore the above and instead ..." (no instruction noun, but in data it can only mean the model's task).
DISMISS_CONTEXT = (
    r"\b(?:ignore|disregard|forget)\W+(?:all\W+of\W+|everything\W+)?(?:the\W+)?(?:above|previous|prior|preceding|"
    r"foregoing)(?:\W+(?:text|content|message|context|lines?|input|request|question))?\W+(?:and|then|;|,)\W+"
    r"(?:instead\W+)?"
    + _EN_IMPERATIVE
    + r"|\b(?:ignore|disregard)\W+(?:the\W+)?(?:user'?s?|summary|translation|original)\W+(?:\w+\W+)?"
    r"(?:question|request|task|prompt)\b"
    r"|\byukaridaki(?:ler)?(?:i|ni)?\W+(?:her\W+seyi\W+)?(?:unut|yok\W*say|gormezden\W+gel|dikkate\W+alma|bos\W*ver)"
    r"|\b(?:kullanicinin|ozet|ceviri)\w*\W+(?:\w+\W+)?(?:soru|istek|talep|gorev)\w*\W+(?:yok\W*say|gormezden\W+gel|"
    r"dikkate\W+alma|unut)"
)

# Commands for an agent's tools. Fetch-and-run lines are also ordinary install instructions in READMEs, so
# they are weak evidence; destructive commands are strong.
TOOL_ABUSE = (
    r"\b(?:run|execute|type|paste|enter|calistir|yurut)\W+(?:\w+\W+){0,3}?\W*(?:rm\W+-\w*r\w*f|del\W+/|format\W+c|"
    r"drop\W+(?:table|database)|shutdown|mkfs|dd\W+if)"
    r"|(?:rm\W+-\w*r\w*f|drop\W+(?:table|database)|mkfs)\W[^\n]{0,80}?(?:calistir|yurut|run|execute)\w*"
)
FETCH_AND_RUN = r"\b(?:curl|wget|iwr|invoke-webrequest)\W[^\n|]{0,120}\|\W*(?:sh|bash|zsh|python|iex)\b"

_SECRET = (
    r"(?:user'?s?|customer'?s?|client'?s?|recipient'?s?|their|his|her|the\W+conversation|conversation|"
    r"chat|previous|all|every|the|your|\w+'s)\W+(?:\w+\W+){0,3}?(?:data|details|information|history|"
    r"messages?|e\W?mails?|inbox|contacts?|passwords?|credentials?|api\W+keys?|keys?|tokens?|secrets?|"
    r"address\W+book|phone\W+numbers?|credit\W+cards?|card\W+numbers?|session|cookies?|"
    r"memory|notes|calendar|conversation|chat\W+log|logs|system\W+prompt)"
)
# Where data is sent. In the folded text an e-mail's "@" has become "a" (leetspeak), so an address or a
# link is recognised by its domain.
_DEST = r"(?:https?|www|ftp|[a-z0-9_\-]+(?:\.[a-z0-9_\-]+)*\.[a-z]{2,12}\b)"
EXFILTRATION = (
    r"\b(?:send|forward|email|e-mail|mail|post|upload|transmit|exfiltrate|leak|copy|submit|share|relay|"
    r"report|deliver|append|attach|encode)\W+(?:\w+\W+){0,2}?"
    + _SECRET
    + r"\W+(?:\w+\W+){0,4}?(?:to|into|at|via|using|onto)\W+(?:\w+\W+){0,3}?"
    r"(?:" + _DEST + r"|the\W+(?:following|address|url|link|endpoint|server)|this\W+(?:address|url|link)|"
    r"attacker|external|my\W+server)"
    r"|!\W*\[[^\]]{0,40}\]\W*\(\W*https?\W+[^)\s]{0,200}(?:\?|&)[a-z_]{1,20}=(?:\{|\[|%7b|\$)"
    r"|\b(?:visit|open|fetch|call|load|request|render)\W+(?:\w+\W+){0,3}?(?:https?\W+\S+)\W+(?:\w+\W+){0,6}?"
    r"(?:with|including|containing|append(?:ing)?|add(?:ing)?)\W+(?:\w+\W+){0,2}?" + _SECRET
)
_TR_SECRET = (
    r"(?:kullanici|musteri|alici|sahib|onun|tum|butun|bu|onceki|konusma|sohbet)\w*\W+(?:\w+\W+){0,2}?"
    r"(?:veri|bilgi|gecmis|mesaj|e\W?posta|eposta|kisi|sifre|parola|anahtar|token|dosya|belge|adres|"
    r"telefon|kart|oturum|cerez|konusma|sohbet|not|takvim|kayit|sistem\W+istem)\w*"
)
TR_EXFILTRATION = (
    _TR_SECRET + r"\W+(?:\w+\W+){0,5}?(?:adres\w*|url\w*|link\w*|sunucu\w*|" + _DEST + r"\S*)\W+(?:\w+\W+){0,2}?"
    r"(?:gonder|ilet|yolla|aktar|paylas|yukle|postala|mail\W+at)\w*"
    r"|\b(?:gonder|ilet|yolla|aktar|paylas|yukle)\w*\W+(?:\w+\W+){0,2}?"
    + _TR_SECRET
    + r"\W+(?:\w+\W+){0,3}?(?:"
    + _DEST
    + r"|adres|sunucu)"
    r"|" + _TR_SECRET + r"\W+(?:\w+\W+){0,3}?" + _DEST + r"\S*\W+(?:\w+\W+){0,2}?(?:adresine|e|a|ya|ye)?"
    r"\W*(?:gonder|ilet|yolla|aktar|paylas|yukle)\w*"
)

CONCEALMENT = (
    r"\b(?:do\W+not|don'?t|never|without)\W+(?:\w+\W+){0,2}?(?:tell(?:ing)?|inform(?:ing)?|mention(?:ing)?|"
    r"reveal(?:ing)?|notify(?:ing)?|alert(?:ing)?|let(?:ting)?|show(?:ing)?|disclos(?:e|ing)|warn(?:ing)?)\W+"
    r"(?:\w+\W+){0,2}?(?:the\W+)?(?:user|human|customer|recipient|reader|operator)s?\b"
    r"(?:\W+(?:\w+\W+){0,3}?(?:about|that|this|these|knowing|of|what))?"
    r"|\b(?:keep\W+(?:this|it)\W+(?:secret|hidden)\W+from|hide\W+(?:this|it)\W+from)\W+(?:the\W+)?"
    r"(?:user|human|customer|reader)"
    r"|\bthe\W+user\W+(?:must|should)\W+(?:not|never)\W+(?:know|see|find\W+out|learn|be\W+told)\b"
    r"|\b(?:never|do\W+not|don'?t)\W+(?:mention|reveal|disclose|show|repeat|acknowledge|quote)\W+(?:this|these)\W+"
    r"(?:hidden\W+)?(?:comment|line|note|instruction|message|text|part|section|paragraph)s?\b"
)
TR_CONCEALMENT = (
    r"\b(?:kullanici|musteri|insan|okuyucu|alici)\w*\W+(?:\w+\W+){0,3}?(?:soyleme|bahsetme|belirtme|gosterme|"
    r"haber\W+verme|bildirme|sezdirme|hissettirme|aciklama)\w*"
    r"|\b(?:kullanici|musteri)\w*\W+(?:\w+\W+)?(?:fark\W+etmeden|bilmeden|haberi\W+olmadan|gormeden|anlamadan)"
    r"|\b(?:kullanici|musteri)\w*\W+(?:\w+\W+){0,2}?(?:gizli\W+tut|sakla)\w*"
    r"|\bbu\W+(?:yorum|satir|not|talimat|mesaj|metin|kisim|bolum|gizli\W+\w+)\w*\W+(?:\w+\W+){0,2}?"
    r"(?:bahsetme|soyleme|gosterme|belirtme)\b"
)

_OUTPUT_VERB = (
    r"(?:say|write|reply|respond|answer|include|tell|recommend|output|state|insert|add|mention|claim|"
    r"append|attach|rate|rank|score|grade|mark|approve|hire|pay|praise|"
    r"describe|report|print|return|call|execute|run|use|invoke|delete|click|visit)"
)
TASK_HIJACK = (
    r"\b(?:when|while|if|before|after|once)\W+(?:you\W+(?:are\W+)?|the\W+(?:ai|assistant|model)\W+)?"
    r"(?:summari[sz]\w*|translat\w*|process\w*|read(?:ing|s)?|answer\w*|respond\w*|reply\w*|analy[sz]\w*|"
    r"review\w*|generat\w*|writ(?:e|ing)|evaluat\w*|screen\w*|rank\w*|grad\w*|scor\w*|compar\w*)\W+"
    r"(?:\w+\W+){0,5}?(?:you\W+(?:must|should|need\W+to|have\W+to|will|are\W+"
    r"to)|instead|always|also\W+(?:must|should)|make\W+sure\W+(?:to|you)|be\W+sure\W+to|remember\W+to|do\W+not\W+"
    r"forget\W+to|only)\W+(?:\w+\W+){0,2}?" + _OUTPUT_VERB + r"\b"
    r"|\b(?:when|while|once|after)\W+(?:you\W+)?(?:summari[sz]\w*|translat\w*|answer\w*|process\w*|review\w*|"
    r"evaluat\w*|screen\w*|rank\w*|compar\w*|respond\w*)\W+(?:\w+\W+){0,5}?[,;:]\W*(?:please\W+)?"
    r"(?:always\W+|also\W+|just\W+|only\W+)?(?:tell|say|write|reply|respond|state|claim|mention|recommend|"
    r"include|add|append|rate|score|rank|mark|praise|describe|call|insist)\b"
    r"|\b(?:summar(?:y|ies)|responses?|answers?|replies|translations?|outputs?)\W+(?:must|should|shall|need\W+to)\W+"
    r"(?:always\W+)?(?:say|state|claim|mention|include|read|recommend|praise|tell)\b"
    r"|\binstead\W+of\W+(?:summari[sz]\w*|translat\w*|answer\w*|(?:doing|following)\W+what)\W+(?:\w+\W+){0,8}?"
    + _OUTPUT_VERB
    + r"\b"
    r"|\bin\W+(?:your|the)\W+(?:summary|response|reply|answer|output|translation)\W*,?\W+(?:you\W+(?:must|should|"
    r"will)\W+|always\W+|be\W+sure\W+to\W+|make\W+sure\W+to\W+|only\W+|please\W+)?(?:say|write|include|state|"
    r"mention|claim|recommend|tell|insert|add)\b"
    r"|\b(?:your\W+(?:new|real|actual|only|next)|the\W+(?:new|real|actual))\W+(?:task|job|goal|objective|"
    r"instructions?|purpose|mission)\W+(?:is|are)\b"
    r"|\b(?:respond|reply|answer)\W+(?:only|solely|exclusively)\W+with\W+(?:\w+\W+){0,2}?(?:the\W+)?"
    r"(?:word|phrase|text|following|string|message)\b"
    r"|\bfrom\W+now\W+on\W+(?:you|your)\W+(?:will|must|should|shall|are|answers?|responses?|replies)\b"
)
TR_TASK_HIJACK = (
    r"\b(?:ozetlerken|ozetledigin(?:de|izde)|ozetlemeden|cevirirken|yanitlarken|cevaplarken|cevap\W+verirken|"
    r"yanit\W+verirken|islerken|okurken|okudugun(?:da|uzda)|yazarken|degerlendirirken|karsilastirirken|"
    r"siralarken|puanlarken)\W+(?:\w+\W+){0,12}?"
    r"(?:yaz|soyle|ekle|belirt|oner|yanitla|cevapla|de|iddia\W+et|calistir|kullan|sil|tikla|ziyaret\W+et|"
    r"gonder)\w*"
    r"|\b(?:ozet|ceviri|yanit|cevap)(?:lamak)?\W+yerine\W+(?:\w+\W+){0,6}?(?:yaz|soyle|ekle|belirt|oner|yanitla|de)\w*"
    r"|\b(?:ozetin|ozetinde|yanitin|yanitinda|cevabin|cevabinda|cevirinde)\w*\W+(?:mutlaka\W+|sadece\W+|"
    r"kesinlikle\W+|su\w*\W+)?(?:\w+\W+){0,3}?(?:yaz|soyle|ekle|belirt|oner|iddia\W+et)\w*"
    r"|\b(?:yeni|gercek|asil|tek)\W+(?:gorevin|isin|amacin|talimatin|talimatlarin)\b"
    r"|\b(?:ozetlerde|yanitlarda|cevaplarda|cevirilerde|ozetler|yanitlar)\W+(?:\w+\W+){0,6}?(?:yazmali|belirtmeli|"
    r"soylemeli|icermeli|gecmeli)\w*"
    r"|\b(?:bundan\W+sonra|artik|bundan\W+boyle)\W+(?:tum\W+|butun\W+)?(?:yanitlarin|cevaplarin|yanitin|"
    r"cevabin|sen)\w*\W+(?:\w+\W+){0,4}?(?:olmali|olacak|zorundasin|gerekir|yaz|soyle|basla)\w*"
    r"|\b(?:sadece|yalnizca)\W+(?:\w+\W+){0,3}?(?:kelime\w*|ifade\w*|metn\w*|cumle\w*)\W+(?:ile\W+)?"
    r"(?:yanit|cevap)\w*"
)

FAKE_ROLE = (
    r"<\W*\|?\W*im_start\W*\|?\W*>\W*(?:system|assistant)|\[/?inst\]|<<\W*sys\W*>>|<\W*/?\W*system\W*>"
    r"|(?:^|\n|[.!?>\"'\]]\s{0,3})[^\w\n]{0,6}(?:system|assistant|developer|admin|administrator|sistem|yonetici)\W{0,3}"
    r"(?:prompt|message|note|override|update|instruction|mesaji|notu|talimati)?\W{0,3}:\W+"
    r"(?:\w+\W+){0,12}?(?:you|your|ignore|disregard|forget|must|always|never|now|sen|artik|yeni|unut|yoksay|"
    r"talimat)\b"
    r"|\b(?:new|updated|revised|additional|hidden|secret|priority|urgent|important|real|override)\W+"
    r"(?:system\W+)?(?:instructions?|directives?|prompt|orders|commands|rules)\W*(?:for\W+(?:the\W+)?"
    + _AI
    + r"\W*)?(?::|-{1,2}|follow|apply|take\W+effect|supersede|override)"
    r"|\b(?:begin|start)\W+(?:of\W+)?(?:new\W+|the\W+)?(?:system\W+prompt|instructions?|admin\W+mode)\b"
    r"|\b(?:yeni|guncel|gizli|oncelikli|acil|onemli|ek|gercek|asil)\W+(?:sistem\W+)?(?:talimat|direktif|komut|"
    r"kural|yonerge|istem)\w*(?:\W+(?:sunlar|soyle|asagida\w*|bunlar|baslangic\w*))?\W*"
    r"(?::|-{1,2}|uygula|gecerli|gecersiz\W+kil|$|\.)"
    r"|\b(?:hidden|secret|invisible)\W+(?:text|instructions?|prompt|note)\W*:|\bgizli\W+(?:metin|talimat|not)\w*\W*:"
    r"|\b(?:the\W+)?(?:real|actual|true)\W+instructions\W+(?:are\W+)?(?:below|here|as\W+follows|follow)\b"
)

# Gate words for the AI terms of ``_AI`` (its multi-word forms all contain one of these).
_AI_WORDS = (
    "ai",
    "a.i",
    "artific",
    "llm",
    "llms",
    "model",
    "models",
    "assista",
    "chatbot",
    "bot",
    "bots",
    "gpt",
    "chatgpt",
    "claude",
    "gemini",
    "copilot",
    "tool",
    "tools",
    "automat",
)
_TR_AI_WORDS = (
    "yapay",
    "yz",
    "asistan",
    "dil",
    "sohbet",
    "chatbot",
    "bot",
    "botu",
    "botl",
    "model",
    "ajan",
    "otomati",
    "tarama",
    "ceviri",
    "ozetlem",
    "kod",
    "gpt",
)
_DOC_WORDS = (
    "email",
    "e",
    "mail",
    "message",
    "documen",
    "page",
    "text",
    "file",
    "content",
    "review",
    "article",
    "post",
    "data",
    "result",
    "ticket",
    "comment",
    "chunk",
    "website",
    "site",
    "input",
    "note",
    "pdf",
)
_SECRET_WORDS = (
    "data",
    "details",
    "informa",
    "history",
    "message",
    "email",
    "emails",
    "mail",
    "inbox",
    "contact",
    "passwor",
    "credent",
    "api",
    "key",
    "keys",
    "token",
    "tokens",
    "secret",
    "address",
    "phone",
    "credit",
    "card",
    "session",
    "cookie",
    "memory",
    "notes",
    "calenda",
    "convers",
    "chat",
    "logs",
    "system",
    "{",
    "[",
    "%7b",
    "$",
)

# Where exfiltrated data goes: a link, an address or a domain (the gate cannot know every TLD; these are the
# common ones and the words that name a destination).
_DEST_WORDS = (
    "http",
    "https",
    "www",
    "ftp",
    "address",
    "url",
    "link",
    "endpoin",
    "server",
    "attacke",
    "externa",
    "followi",
    "adres",
    "adresi",
    "adresin",
    "sunucu",
    "![",
    ".com",
    ".net",
    ".org",
    ".io",
    ".co",
    ".ru",
    ".cn",
    ".tr",
    ".de",
    ".me",
    ".dev",
    ".app",
    ".xyz",
    ".info",
    ".example",
    ".win",
    ".site",
    ".top",
    ".ly",
    ".sh",
    ".ai",
)

# (finding type, pattern, the gate: words a match cannot do without; see fastmatch.py)
INJECTION_PATTERNS: tuple[tuple[str, re.Pattern[str], Gate], ...] = (
    ("ai_addressed", re.compile(AI_ADDRESSED), Gate(_AI_WORDS + ("whoever", "whateve", "anyone", "any system"))),
    (
        "ai_addressed",
        re.compile(YOU_READING),
        Gate(
            ("you", "yoursel"),
            _DOC_WORDS,
            (
                "reading",
                "process",
                "summari",
                "parsing",
                "analyzi",
                "analysi",
                "transla",
                "scannin",
                "reviewi",
                "viewing",
                "handlin",
                "seeing",
                "crawlin",
                "indexin",
                "ingesti",
            ),
        ),
    ),
    ("ai_addressed", re.compile(TR_AI_ADDRESSED), Gate(_TR_AI_WORDS)),
    (
        "exfiltration",
        re.compile(EXFILTRATION),
        Gate(
            (
                "send",
                "forward",
                "email",
                "mail",
                "post",
                "upload",
                "transmi",
                "exfiltr",
                "leak",
                "copy",
                "submit",
                "share",
                "relay",
                "report",
                "deliver",
                "append",
                "attach",
                "encode",
                "visit",
                "open",
                "fetch",
                "call",
                "load",
                "request",
                "render",
                "![",
            ),
            _SECRET_WORDS,
            _DEST_WORDS,
        ),
    ),
    (
        "exfiltration",
        re.compile(TR_EXFILTRATION),
        Gate(
            ("gonder", "ilet", "yolla", "aktar", "paylas", "yukle", "postala", "mail"),
            (
                "veri",
                "bilgi",
                "gecmis",
                "mesaj",
                "eposta",
                "posta",
                "kisi",
                "sifre",
                "parola",
                "anahtar",
                "token",
                "dosya",
                "belge",
                "adres",
                "telefon",
                "kart",
                "oturum",
                "cerez",
                "konusm",
                "sohbet",
                "not",
                "takvim",
                "kayit",
                "sistem",
                "rehber",
            ),
            _DEST_WORDS,
        ),
    ),
    (
        "concealment",
        re.compile(CONCEALMENT),
        Gate(
            (
                "user",
                "users",
                "human",
                "custome",
                "reader",
                "recipie",
                "operato",
                "comment",
                "line",
                "note",
                "instruc",
                "message",
                "text",
                "part",
                "section",
                "paragra",
            ),
            ("not", "don", "dont", "never", "without", "keep", "hide", "must", "should"),
        ),
    ),
    (
        "concealment",
        re.compile(TR_CONCEALMENT),
        Gate(
            (
                "kullani",
                "musteri",
                "okuyucu",
                "alici",
                "insan",
                "yorum",
                "satir",
                "not",
                "notu",
                "notla",
                "notun",
                "talimat",
                "mesaj",
                "metin",
                "kisim",
                "bolum",
                "gizli",
            ),
            (
                "soyleme",
                "bahsetm",
                "belirtm",
                "gosterm",
                "haber",
                "bildirm",
                "sezdirm",
                "hissett",
                "aciklam",
                "fark",
                "bilmede",
                "haberi",
                "gormede",
                "anlamad",
                "gizli",
                "sakla",
            ),
        ),
    ),
    (
        "task_hijack",
        re.compile(TASK_HIJACK),
        Gate(
            (
                "summar",
                "transla",
                "answer",
                "respond",
                "reply",
                "replies",
                "instead",
                "task",
                "job",
                "goal",
                "from",
                "process",
                "read",
                "reading",
                "reads",
                "review",
                "writ",
                "write",
                "writing",
                "generat",
                "analy",
                "analyz",
                "analys",
                "evaluat",
                "screen",
                "rank",
                "ranking",
                "grad",
                "gradin",
                "scor",
                "scoring",
                "compar",
                "respons",
                "output",
                "outputs",
                "your",
                "in",
            )
        ),
    ),
    (
        "task_hijack",
        re.compile(TR_TASK_HIJACK),
        Gate(
            (
                "ozet",
                "cevir",
                "yanit",
                "cevap",
                "gorev",
                "amac",
                "talimat",
                "artik",
                "bundan",
                "okurken",
                "okudu",
                "isler",
                "yazarke",
                "degerle",
                "karsila",
                "sirala",
                "puanla",
                "isin",
                "sadece",
                "yalnizc",
                "yeni",
                "gercek",
                "asil",
                "tek",
            )
        ),
    ),
    ("ai_addressed", re.compile(AI_LABEL), Gate(_AI_WORDS, (":", ","))),
    ("ai_addressed", re.compile(TR_AI_LABEL), Gate(_TR_AI_WORDS, (":", ","))),
    (
        "model_directive",
        re.compile(MODEL_DIRECTIVE),
        Gate(
            (
                "ai",
                "assista",
                "chatbot",
                "llm",
                "llms",
                "bot",
                "bots",
                "languag",
                "models",
                "model",
                "transla",
                "screeni",
                "summari",
                "automat",
            ),
            ("must", "should", "shall", "will", "need", "needs", "require", "instruc", "expecte", "has", "have"),
        ),
    ),
    (
        "model_directive",
        re.compile(TR_MODEL_DIRECTIVE),
        Gate(
            (
                "asistan",
                "yapay",
                "yz",
                "sohbet",
                "chatbot",
                "dil",
                "otomati",
                "tarama",
                "ceviri",
                "ozetlem",
                "sistem",
                "model",
                "bot",
            )
        ),
    ),
    (
        "task_hijack",
        re.compile(DISMISS_CONTEXT),
        Gate(("ignore", "disrega", "forget", "yukarid", "kullani", "ozet", "ceviri")),
    ),
    (
        "tool_abuse",
        re.compile(TOOL_ABUSE),
        Gate(
            ("rm ", "rm -", "del ", "format", "drop", "shutdow", "mkfs", "dd "),
            ("run", "execute", "type", "paste", "enter", "calisti", "yurut"),
        ),
    ),
    ("fetch_and_run", re.compile(FETCH_AND_RUN), Gate(("curl", "wget", "iwr", "invoke"), ("|",))),
    (
        "fake_role",
        re.compile(
            r"\[\W*(?:system|admin|administrator|developer|sistem|yonetici)\W*"
            r"(?:notice|message|note|update|override|prompt|duyurusu|mesaji|notu)?\W*\]"
        ),
        Gate(("[",), ("system", "admin", "adminis", "develop", "sistem", "yonetic")),
    ),
    (
        "fake_role",
        re.compile(FAKE_ROLE),
        Gate(
            (
                "im_start",
                "inst",
                "<<",
                "</",
                "system",
                "assista",
                "develop",
                "admin",
                "adminis",
                "instruc",
                "directi",
                "prompt",
                "orders",
                "command",
                "rules",
                "sistem",
                "yonetic",
                "talimat",
                "direkti",
                "komut",
                "kural",
                "yonerge",
                "istem",
                "hidden",
                "secret",
                "invisib",
                "gizli",
            )
        ),
    ),
) + INJECTION_PHRASINGS
