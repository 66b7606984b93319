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

# "agent", "model" and "bot" alone are people and things too ("note to the agent: the buyer called"),
# so they count only after "ai"/"language".
_AI = (r"(?:ai|a\W?i|artificial\W+intelligence|llms?|(?:large\W+)?language\W+models?|(?:ai|virtual|digital)\W+"
       r"(?:assistant|agent|model|bot)s?|assistants?|chatbots?|chat\W?bots?|gpt|chatgpt|claude|gemini|copilot|"
       r"automated\W+(?:system|agent|assistant)s?|ai\W+summari[sz]ers?|summari[sz]ation\W+(?:tool|bot|model))")
_TR_AI = (r"(?:yapay\W+zeka|yz|asistan|dil\W+model|sohbet\W+bot|chatbot|bot|model|ajan|otomatik\W+sistem|"
          r"ozetleyici|gpt)\w*")
_READ = (r"(?:reading|processing|summari[sz]ing|parsing|analy[sz]ing|translating|scanning|reviewing|viewing|"
         r"handling|seeing|crawling|indexing|ingesting)")
_TR_READ = r"(?:okuyan|isleyen|ozetleyen|ceviren|inceleyen|tarayan|goren|analiz\W+eden|degerlendiren)"
_DOC = (r"(?:this|the|these)\W+(?:\w+\W+)?(?:e\W?mail|message|document|page|text|file|content|review|"
        r"article|post|data|result|ticket|comment|chunk|website|site|input|note|pdf)s?")
_TR_DOC = (r"(?:bu|su)\W+(?:\w+\W+)?(?:e\W?posta|eposta|mesaj|belge|dokuman|sayfa|metin|dosya|icerik|yorum|"
           r"makale|yazi|veri|sonuc|not|site|ileti)\w*")

AI_ADDRESSED = (
    r"\bif\W+you\W+(?:are|re)\W+(?:an?\W+|the\W+)?(?:\w+\W+)?" + _AI + r"\b"
    r"|\b(?:dear|hey|hello|hi|attention|note\W+(?:to|for)|message\W+(?:to|for)|instructions?\W+(?:to|for)|"
    r"important\W+(?:note\W+)?(?:to|for)|to)\W+(?:the\W+|all\W+|any\W+|every\W+)?(?:\w+\W+)?" + _AI +
    r"\W+(?:\w+\W+){0,3}?(?:reading|processing|summari[sz]ing|that|who|which|:|-|,|must|should|please)"
    r"|\b(?:dear|hey|attention|note\W+to|to)\W+(?:the\W+)?" + _AI + r"\W*[:,!]"
    r"|\b" + _AI + r"\W+(?:\w+\W+)?" + _READ + r"\W+" + _DOC +
    r"|\b(?:whoever|whatever|anyone|any\W+system)\W+(?:is\W+)?" + _READ + r"\W+" + _DOC
    + r"|\b(?:you|yourself)\W+(?:\w+\W+)?(?:are|re)\W+(?:now\W+)?" + _READ + r"\W+" + _DOC
    + r"\W+(?:\w+\W+){0,6}?(?:must|should|need\W+to|have\W+to|will|are\W+required|instead)\b"
)
TR_AI_ADDRESSED = (
    _TR_DOC + r"\W+" + _TR_READ + r"\W+(?:\w+\W+)?" + _TR_AI
    + r"|\b" + _TR_AI + r"\W+(?:isen|iseniz|olarak\W+(?:bunu|bu\W+metni)|okuyorsan|okuyorsaniz|isliyorsan|"
    r"ozetliyorsan|ceviriyorsan|goruyorsan)\b"
    r"|\b(?:sevgili|sayin|dikkat|not|mesaj|uyari|talimat)\w*\W+(?:\w+\W+)?" + _TR_AI + r"\W*(?:[:,!]|ya\b|e\b|a\b)"
    r"|\b" + _TR_AI + r"(?:ya|ye|a|e|lara|lere)\W+(?:not|mesaj|talimat|uyari)\w*"
    r"|\b(?:bunu|bu\W+metni|bu\W+belgeyi|bu\W+e\W?postayi|bu\W+sayfayi)\W+(?:okuyan|isleyen|ozetleyen)\W+"
    r"(?:her\W+|tum\W+)?(?:\w+\W+)?" + _TR_AI
)

# Where data is sent. In the folded text an e-mail's "@" has become "a" (leetspeak), so an address or a
# link is recognised by its domain.
_DEST = (r"(?:https?|www|ftp|[a-z0-9_\-.]+\.(?:com|net|org|io|co|ru|cn|xyz|info|biz|me|dev|app|site|online|top|"
         r"tr|de|uk|ly|sh|to|gg|cc)\b)")
_SECRET = (r"(?:user'?s?|customer'?s?|client'?s?|recipient'?s?|their|his|her|the\W+conversation|conversation|"
           r"chat|previous|all|every|the|your)\W+(?:\w+\W+){0,2}?(?:data|details|information|history|messages?|"
           r"e\W?mails?|inbox|contacts?|passwords?|credentials?|api\W+keys?|keys?|tokens?|secrets?|files?|"
           r"documents?|address(?:es)?|phone\W+numbers?|credit\W+cards?|card\W+numbers?|session|cookies?|"
           r"memory|notes|calendar|conversation|chat\W+log|logs|system\W+prompt)")
# Where data is sent. In the folded text an e-mail's "@" has become "a" (leetspeak), so an address or a
# link is recognised by its domain.
_DEST = (r"(?:https?|www|ftp|[a-z0-9_\-.]+\.(?:com|net|org|io|co|ru|cn|xyz|info|biz|me|dev|app|site|online|top|"
         r"tr|de|uk|ly|sh|to|gg|cc)\b)")
EXFILTRATION = (
    r"\b(?:send|forward|email|e-mail|mail|post|upload|transmit|exfiltrate|leak|copy|submit|share|relay|"
    r"report|deliver|append|attach|encode)\W+(?:\w+\W+){0,2}?" + _SECRET +
    r"\W+(?:\w+\W+){0,4}?(?:to|into|at|via|using|onto)\W+(?:\w+\W+){0,3}?"
    r"(?:" + _DEST + r"|the\W+(?:following|address|url|link|endpoint|server)|this\W+(?:address|url|link)|"
    r"attacker|external|my\W+server)"
    r"|!\W*\[[^\]]{0,40}\]\W*\(\W*https?\W+[^)\s]{0,200}(?:\?|&)[a-z_]{1,20}=(?:\{|\[|%7b|\$)"
    r"|\b(?:visit|open|fetch|call|load|request|render)\W+(?:\w+\W+){0,3}?(?:https?\W+\S+)\W+(?:\w+\W+){0,6}?"
    r"(?:with|including|containing|append(?:ing)?|add(?:ing)?)\W+(?:\w+\W+){0,2}?" + _SECRET
)
_TR_SECRET = (r"(?:kullanici|musteri|alici|sahib|onun|tum|butun|bu|onceki|konusma|sohbet)\w*\W+(?:\w+\W+){0,2}?"
              r"(?:veri|bilgi|gecmis|mesaj|e\W?posta|eposta|kisi|sifre|parola|anahtar|token|dosya|belge|adres|"
              r"telefon|kart|oturum|cerez|konusma|sohbet|not|takvim|kayit|sistem\W+istem)\w*")
TR_EXFILTRATION = (
    _TR_SECRET + r"\W+(?:\w+\W+){0,5}?(?:adres\w*|url\w*|link\w*|sunucu\w*|" + _DEST + r"\S*)\W+(?:\w+\W+){0,2}?"
    r"(?:gonder|ilet|yolla|aktar|paylas|yukle|postala|mail\W+at)\w*"
    r"|\b(?:gonder|ilet|yolla|aktar|paylas|yukle)\w*\W+(?:\w+\W+){0,2}?" + _TR_SECRET
    + r"\W+(?:\w+\W+){0,3}?(?:" + _DEST + r"|adres|sunucu)"
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
)
TR_CONCEALMENT = (
    r"\b(?:kullanici|musteri|insan|okuyucu|alici)\w*\W+(?:\w+\W+){0,3}?(?:soyleme|bahsetme|belirtme|gosterme|"
    r"haber\W+verme|bildirme|sezdirme|hissettirme|aciklama)\w*"
    r"|\b(?:kullanici|musteri)\w*\W+(?:\w+\W+)?(?:fark\W+etmeden|bilmeden|haberi\W+olmadan|gormeden|anlamadan)"
    r"|\b(?:kullanici|musteri)\w*\W+(?:\w+\W+){0,2}?(?:gizli\W+tut|sakla)\w*"
)

_OUTPUT_VERB = (r"(?:say|write|reply|respond|answer|include|tell|recommend|output|state|insert|add|mention|claim|"
                r"describe|report|print|return|call|execute|run|use|invoke|delete|click|visit)")
TASK_HIJACK = (
    r"\b(?:when|while|if|before|after|once)\W+(?:you\W+(?:are\W+)?|the\W+(?:ai|assistant|model)\W+)?"
    r"(?:summari[sz]\w*|translat\w*|process\w*|read(?:ing|s)?|answer\w*|respond\w*|reply\w*|analy[sz]\w*|"
    r"review\w*|generat\w*|writ(?:e|ing))\W+(?:\w+\W+){0,5}?(?:you\W+(?:must|should|need\W+to|have\W+to|will|are\W+"
    r"to)|instead|always|also\W+(?:must|should)|make\W+sure\W+(?:to|you)|be\W+sure\W+to|remember\W+to|do\W+not\W+"
    r"forget\W+to|only)\W+(?:\w+\W+){0,2}?" + _OUTPUT_VERB + r"\b"
    r"|\binstead\W+of\W+(?:summari[sz]\w*|translat\w*|answer\w*|(?:doing|following)\W+what)\W+(?:\w+\W+){0,8}?"
    + _OUTPUT_VERB + r"\b"
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
    r"yanit\W+verirken|islerken|okurken|okudugun(?:da|uzda)|yazarken|degerlendirirken)\W+(?:\w+\W+){0,6}?"
    r"(?:yaz|soyle|ekle|belirt|oner|yanitla|cevapla|de|iddia\W+et|calistir|kullan|sil|tikla|ziyaret\W+et|"
    r"gonder)\w*"
    r"|\b(?:ozet|ceviri|yanit|cevap)(?:lamak)?\W+yerine\W+(?:\w+\W+){0,6}?(?:yaz|soyle|ekle|belirt|oner|yanitla|de)\w*"
    r"|\b(?:ozetin|ozetinde|yanitin|yanitinda|cevabin|cevabinda|cevirinde)\w*\W+(?:mutlaka\W+|sadece\W+|"
    r"kesinlikle\W+|su\w*\W+)?(?:\w+\W+){0,3}?(?:yaz|soyle|ekle|belirt|oner|iddia\W+et)\w*"
    r"|\b(?:yeni|gercek|asil|tek)\W+(?:gorevin|isin|amacin|talimatin|talimatlarin)\w*\W+(?:\w+\W+){0,2}?"
    r"(?:su|bu|sunlar|soyle)\w*"
    r"|\b(?:bundan\W+sonra|artik|bundan\W+boyle)\W+(?:tum\W+|butun\W+)?(?:yanitlarin|cevaplarin|yanitin|"
    r"cevabin|sen)\w*\W+(?:\w+\W+){0,4}?(?:olmali|olacak|zorundasin|gerekir|yaz|soyle|basla)\w*"
    r"|\b(?:sadece|yalnizca)\W+(?:\w+\W+){0,3}?(?:kelime\w*|ifade\w*|metn\w*|cumle\w*)\W+(?:ile\W+)?"
    r"(?:yanit|cevap)\w*"
)

FAKE_ROLE = (
    r"<\W*\|?\W*im_start\W*\|?\W*>\W*(?:system|assistant)|\[/?inst\]|<<\W*sys\W*>>|<\W*/?\W*system\W*>"
    r"|(?:^|\n)\W{0,6}(?:system|assistant|developer|admin|administrator|sistem|yonetici)\W{0,3}"
    r"(?:prompt|message|note|override|update|instruction|mesaji|notu|talimati)?\W{0,3}:\W+"
    r"(?:\w+\W+){0,12}?(?:you|your|ignore|disregard|forget|must|always|never|now|sen|artik|yeni|unut|yoksay|"
    r"talimat)\b"
    r"|\b(?:new|updated|revised|additional|hidden|secret|priority|urgent|important|real|override)\W+"
    r"(?:system\W+)?(?:instructions?|directives?|prompt|orders|commands|rules)\W*(?:for\W+(?:the\W+)?" + _AI +
    r"\W*)?(?::|-{1,2}|follow|apply|take\W+effect|supersede|override)"
    r"|\b(?:begin|start)\W+(?:of\W+)?(?:new\W+|the\W+)?(?:system\W+prompt|instructions?|admin\W+mode)\b"
    r"|\b(?:yeni|guncel|gizli|oncelikli|acil|onemli|ek|gercek)\W+(?:sistem\W+)?(?:talimat|direktif|komut|"
    r"kural|yonerge)\w*\W*(?::|-{1,2}|uygula|gecerli|gecersiz\W+kil)"
)

# (finding type, pattern, keywords one of which must occur in the folded text for the pattern to be tried)
INJECTION_PATTERNS: tuple[tuple[str, re.Pattern[str], tuple[str, ...]], ...] = (
    ("ai_addressed", re.compile(AI_ADDRESSED),
     ("you", "ai", "assistant", "model", "bot", "llm", "gpt", "agent", "whoever", "anyone", "system")),
    ("ai_addressed", re.compile(TR_AI_ADDRESSED), ("yapay", "yz", "asistan", "model", "bot", "ajan", "ozetle")),
    ("exfiltration", re.compile(EXFILTRATION), ("http", "www", ".", "send", "forward", "mail", "post", "upload",
                                                "leak", "share", "url", "link", "server", "render", "visit")),
    ("exfiltration", re.compile(TR_EXFILTRATION), ("gonder", "ilet", "yolla", "aktar", "paylas", "yukle")),
    ("concealment", re.compile(CONCEALMENT), ("user", "human", "customer", "reader", "recipient", "operator")),
    ("concealment", re.compile(TR_CONCEALMENT), ("kullanici", "musteri", "okuyucu", "alici", "insan")),
    ("task_hijack", re.compile(TASK_HIJACK), ("summar", "translat", "answer", "respond", "reply", "instead",
                                             "task", "job", "goal", "from now", "process", "read", "review",
                                             "writ", "generat", "analy", "instruction", "purpose", "mission")),
    ("task_hijack", re.compile(TR_TASK_HIJACK), ("ozet", "cevir", "yanit", "cevap", "gorev", "amac", "talimat",
                                                "artik", "bundan", "okur", "okudu", "isler", "yazarken",
                                                "degerlendir")),
    ("fake_role", re.compile(FAKE_ROLE), ("im_start", "inst", "sys", "system", "assistant", "developer", "admin",
                                          "instruction", "directive", "prompt", "orders", "command", "rules",
                                          "sistem", "yonetici", "talimat", "direktif", "komut", "kural",
                                          "yonerge")),
)
