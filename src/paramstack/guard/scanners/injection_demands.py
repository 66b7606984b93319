"""What an injected instruction demands of the model: drop its task context, abuse its tools, send data out,
hide the action from the user, hijack the task, or take a fake role (the families other than ``ai_addressed``
of ``injection_patterns.py``, English and Turkish, on the folded text)."""

from __future__ import annotations

from paramstack.guard.scanners.injection_terms import AI_TERMS, DESTINATION, EN_IMPERATIVE

# "Ignore the above and instead ..." (no instruction noun, but in data it can only mean the model's task).
DISMISS_CONTEXT = (
    r"\b(?:ignore|disregard|forget)\W+(?:all\W+of\W+|everything\W+)?(?:the\W+)?(?:above|previous|prior|preceding|"
    r"foregoing)(?:\W+(?:text|content|message|context|lines?|input|request|question))?\W+(?:and|then|;|,)\W+"
    r"(?:instead\W+)?"
    + EN_IMPERATIVE
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
EXFILTRATION = (
    r"\b(?:send|forward|email|e-mail|mail|post|upload|transmit|exfiltrate|leak|copy|submit|share|relay|"
    r"report|deliver|append|attach|encode)\W+(?:\w+\W+){0,2}?"
    + _SECRET
    + r"\W+(?:\w+\W+){0,4}?(?:to|into|at|via|using|onto)\W+(?:\w+\W+){0,3}?"
    r"(?:" + DESTINATION + r"|the\W+(?:following|address|url|link|endpoint|server)|this\W+(?:address|url|link)|"
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
    _TR_SECRET + r"\W+(?:\w+\W+){0,5}?(?:adres\w*|url\w*|link\w*|sunucu\w*|" + DESTINATION + r"\S*)\W+(?:\w+\W+){0,2}?"
    r"(?:gonder|ilet|yolla|aktar|paylas|yukle|postala|mail\W+at)\w*"
    r"|\b(?:gonder|ilet|yolla|aktar|paylas|yukle)\w*\W+(?:\w+\W+){0,2}?"
    + _TR_SECRET
    + r"\W+(?:\w+\W+){0,3}?(?:"
    + DESTINATION
    + r"|adres|sunucu)"
    r"|" + _TR_SECRET + r"\W+(?:\w+\W+){0,3}?" + DESTINATION + r"\S*\W+(?:\w+\W+){0,2}?(?:adresine|e|a|ya|ye)?"
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
    + AI_TERMS
    + r"\W*)?(?::|-{1,2}|follow|apply|take\W+effect|supersede|override)"
    r"|\b(?:begin|start)\W+(?:of\W+)?(?:new\W+|the\W+)?(?:system\W+prompt|instructions?|admin\W+mode)\b"
    r"|\b(?:yeni|guncel|gizli|oncelikli|acil|onemli|ek|gercek|asil)\W+(?:sistem\W+)?(?:talimat|direktif|komut|"
    r"kural|yonerge|istem)\w*(?:\W+(?:sunlar|soyle|asagida\w*|bunlar|baslangic\w*))?\W*"
    r"(?::|-{1,2}|uygula|gecerli|gecersiz\W+kil|$|\.)"
    r"|\b(?:hidden|secret|invisible)\W+(?:text|instructions?|prompt|note)\W*:|\bgizli\W+(?:metin|talimat|not)\w*\W*:"
    r"|\b(?:the\W+)?(?:real|actual|true)\W+instructions\W+(?:are\W+)?(?:below|here|as\W+follows|follow)\b"
)
