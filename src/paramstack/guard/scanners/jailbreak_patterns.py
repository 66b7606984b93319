"""The direct-attack patterns of the jailbreak check (English and Turkish), on the folded text.

Written so that the usual benign look-alikes do not match: "ignore a file in git" has no instruction noun;
"forget my previous message" has no instruction noun either; "önceki talimatları unutmamak için" is the
negative verb form; "enable developer mode on Android" needs more than the words "developer mode";
"delete old instructions from a pipeline" uses a weak verb on instructions that are not the model's.
Families (the finding type): instruction_override, role_play, prompt_leak, payload_assembly.
"""

from __future__ import annotations

import re

from paramstack.guard.scanners.attack_phrasings import JAILBREAK_PHRASINGS
from paramstack.guard.scanners.fastmatch import Gate, keywords

_QUALIFIER = (
    r"(?:previous|prior|above|earlier|preceding|initial|original|system|safety|existing|old|given|"
    r"current|content|ethical|built-in|openai|developer|default|moderation|hidden|usual)"
)
_NOUN = (
    r"(?:instructions?|rules|guidelines|directives?|directions|prompts?|programming|training|guardrails|"
    r"restrictions|constraints|polic(?:y|ies)|filters?|guidance|commands|protocols)"
)
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
    r"(?:do\W+not|don'?t|stop)\W+(?:follow(?:ing)?|obey(?:ing)?))\W+"
    + _DETERMINERS
    + r"(?:(?:your|its|my\W+previous)\W+(?:"
    + _QUALIFIER
    + r"\W+)?|(?:"
    + _QUALIFIER
    + r"\W+){1,2})"
    + _NOUN
    + r"\b"
    r"|\b(?:skip|abandon|drop|discard|erase|delete|throw\W+out|remove|scrap|wipe)\W+"
    + _DETERMINERS
    + r"(?:your|its)\W+(?:"
    + _QUALIFIER
    + r"\W+)?"
    + _NOUN
    + r"\b"
    r"|\b(?:ignore|disregard|forget)\W+(?:all|everything)\W+(?:(?:you\W+were\W+told|before|above|prior)\b)"
    r"|\b(?:ignore|disregard|forget)\W+(?:whatever|what|everything)\W+(?:the\W+system|you\W+were|they|"
    r"(?:your|the)\W+(?:developers?|creators?|admins?|operators?))\W+(?:\w+\W+){0,2}?(?:told|said|gave|instructed)\b"
    r"|" + _EN_SAFETY_SETTINGS + r"|\b(?:you\W+are|you'?re)\W+(?:now\W+)?(?:no\W+longer|not)\W+"
    r"(?:bound|restricted|limited|constrained|governed)\W+"
    r"by\b"
    r"|\b(?:your|the)\W+(?:\w+\W+)?(?:rules|guidelines|restrictions|policies|filters|limits)\W+(?:no\W+longer|do\W+not|"
    r"don'?t)\W+apply\b"
    r"|\b(?:previous|prior|earlier|old|original)\W+(?:instructions|directives|rules|guidelines)\W+(?:are|were)\W+"
    r"(?:now\W+)?(?:void|cancell?ed|invalid|revoked|no\W+longer\W+valid)\b"
)
_TR_VERB = (
    r"(?:unut(?:un|mani|manizi|masini)?|yok\W*say(?:in|mani|manizi|mana)?|gormezden\W+gel(?:in)?|"
    r"dikkate\W+alma(?:yin)?|onemseme(?:yin)?|bos\W*ver(?:in)?|gecersiz\W+(?:say|kil)(?:in)?|iptal\W+et|"
    r"atla(?:yin)?|cigne(?:yin)?|bir\W+kenara\W+birak(?:in)?|hice\W+say(?:in)?|birak(?:in)?|"
    r"uyma(?:yin)?)\b"
)
# Not "mesaj": "önceki mesajımı unut" (forget my previous message) is ordinary; "sistem mesajı" has its own.
_TR_NOUN = (
    r"(?:talimat|kural|yonerge|yonlendirme|direktif|komut|istem|kisitlama|filtre|programlama|egitim|"
    r"politika)\w*"
)
_TR_OVERRIDE = (
    r"\b(?:onceki|yukaridaki|ustteki|ilk|sistem|tum|butun|verilen|mevcut|eski|baslangictaki|guvenlik|etik)"
    r"\W+(?:\w+\W+){0,2}?"
    + _TR_NOUN
    + r"\W+(?:\w+\W+){0,2}?"
    + _TR_VERB
    + r"|\b(?:talimat|kural|yonerge|kisitlama|filtre|programlama)\w{0,8}\W+"
    + _TR_VERB
    + r"|\b(?:sistemin|sana|gelistiricilerin|gelistiricinin|yaraticilarin|operatorun|sahiplerin)\W+"
    r"(?:\w+\W+){0,3}?(?:soylediklerini|verdiklerini|verilenleri|yazdiklarini)\W+"
    + _TR_VERB
    + r"|\begitimini\W+(?:\w+\W+)?"
    + _TR_VERB
    + r"|\bsistem\W+mesaj\w*\W+(?:\w+\W+){0,2}?"
    + _TR_VERB
    + r"|\b(?:onceki|eski|ilk)\W+(?:talimat|direktif|kural|yonerge)\w*\W+(?:artik\W+)?(?:gecersiz|iptal)\b"
    + r"|\b(?:artik\W+)?(?:hicbir\W+)?(?:kurala|kurallara|kisitlamaya|politikaya|yonergeye|filtreye)\W+(?:artik\W+)?"
    r"bagli\W+degilsin" + r"|\b(?:kurallarin|yonergelerin|kisitlamalarin|filtrelerin)\W+(?:bu\W+\w+\W+)?(?:artik\W+)?"
    r"(?:gecerli\W+degil|gecersiz|kalkti|yok)\b"
    + r"|\b(?:bu\W+satirdan\W+onceki|daha\W+once\W+(?:sana\W+)?soylenen)\w*\W+(?:\w+\W+){0,2}?"
    + _TR_VERB
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
    # "you have no rules" (second-person possessive: kuralın, kısıtlaman), or an AI with none; not "a game with no
    # rules" ("hiçbir kuralı olmayan bir oyun")
    r"|\b(?:hicbir|hic)\W+(?:kural|kisitlama|filtre|sinir|sansur)(?:in|un|n|iniz|niz|larin|lerin|lariniz|leriniz)\W+"
    r"(?:\w+\W+)?(?:yok|olmayan|olmadan)\b"
    r"|\b(?:hicbir|hic)\W+(?:kural|kisitlama|filtre|sinir|sansur)\w*\W+(?:\w+\W+)?(?:yok|olmayan|olmadan)\W+"
    r"(?:bir\W+)?(?:\w+\W+)?(?:yapay\W+zeka|asistan|model|bot|karakter|mod|versiyon|surum)"
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
_TR_SHOW = (
    r"(?:goster|yaz|yazdir|acikla|paylas|soyle|tekrarla|tekrar\W+et|sizdir|alintila|ver|anlat|dok|"
    r"listele|cikar)(?:in|iniz|sene|ir\W+mi(?:sin|siniz)|ebilir\W+mi(?:sin|siniz)|mani\W+istiyorum)?\b"
)
_TR_LEAK = (
    r"\b(?:gizli|sistem|ilk|orijinal|baslangic)\w*\W+(?:istemin|talimatlarin|mesajin|yonergelerin)\w*\W+"
    r"(?:\w+\W+){0,2}?(?:ne\W+diyor|ne\W+yaziyor|neler\W+iceriyor|nedir|neydi|ne\W+soyluyor)"
    r"|\b(?:ustundeki|yukaridaki|bundan\W+onceki)\W+(?:her\W+seyi|tum\W+metni|metnin\W+tamamini|hepsini|"
    r"butun\W+metni)\W+(?:\w+\W+)?(?:tekrar|yaz|goster|cikti|yazdir|aynen)\w*"
    r"|\bsistem\W+(?:istem|mesaj|prompt|talimat)\w*\W+(?:(?!nasil\b|nedir\b|neden\b|ne\b)\w+\W+){0,3}?"
    + _TR_SHOW
    + r"|\bgizli\W+(?:talimat|istem)\w*\W+(?:\w+\W+){0,2}?"
    + _TR_SHOW
    + r"|\b(?:talimat|istem|yonerge)\w*\W+(?:\w+\W+){0,2}?(?:aynen|kelimesi\W+kelimesine|oldugu\W+gibi)\W+"
    r"(?:\w+\W+)?(?:yaz|soyle|dok|paylas|tekrarla|goster|aktar)\w*"
)

# Release from the rules, addressed to the model: "the instructions above", "the rules you were given",
# "you have been freed from your limitations", "no policy applies to you", "if you had no rules".
_EN_RELEASE = (
    r"\b(?:ignore|disregard|forget|skip|abandon|drop|bypass|override|discard|set\W+aside)\W+(?:all\W+(?:of\W+)?)?"
    r"(?:the\W+)?(?:instructions|rules|directives|guidelines|prompt|guardrails|restrictions|safety\W+rules|"
    r"content\W+polic\w+|filters|system\W+(?:prompt|message))\W+(?:above|you\W+(?:were|have\W+been)\W+given|you\W+"
    r"received|in\W+your\W+context(?:\W+window)?|from\W+(?:your|the)\W+(?:developers?|system|creators?))\b"
    r"|\b(?:forget|ignore|disregard|bypass|drop)\W+the\W+(?:guardrails|safety\W+rules|content\W+polic\w+|system\W+"
    r"(?:prompt|message)|restrictions)\b"
    r"|\b(?:skip|abandon|drop|discard)\W+(?:all\W+)?(?:the\W+)?(?:previous|prior|above|initial|original|system)\W+"
    + _NOUN
    + r"|\byou\W+(?:have\W+been|are|were|'?re)\W+(?:now\W+)?(?:freed|liberated|released|unchained|free)\W+"
    r"(?:from|of)\W+(?:\w+\W+){0,3}?(?:limitations|restrictions|rules|programming|constraints|shackles|guidelines|chains|filters)"
    r"|\bno\W+(?:\w+\W+)?(?:policy|policies|rules|restrictions|guidelines|filters)\W+appl(?:y|ies)\W+to\W+you\b"
    r"|\b(?:content\W+polic\w*|filters?|guardrails|safety\W+rules|ethical\W+rules)\W+(?:\w+\W+){0,2}?(?:does\W+not|"
    r"doesn'?t|do\W+not|don'?t|no\W+longer)\W+(?:exist|apply|matter)\b"
    r"|\b(?:your|the)\W+(?:content\W+)?(?:filter|moderation|safety)\w*\W+(?:\w+\W+){0,2}?(?:turned|switched)\W+off\b"
    r"|\bif\W+you\W+(?:had|have|were\W+without)\W+no\W+(?:\w+\W+)?(?:rules|restrictions|limits|filters|guidelines|"
    r"ethics|morals)\b"
    r"|\b(?:without|free\W+of)\W+(?:your|its)\W+(?:usual\W+|normal\W+|standard\W+)?(?:restrictions|filters|rules|"
    r"guidelines|censorship|safety|limits|content\W+polic\w+|programming)\b"
    r"|\b(?:answer|respond|reply|write|talk|speak)\w*\W+(?:\w+\W+){0,4}?without\W+(?:any\W+)?(?:censorship|"
    r"filter(?:s|ing)?|restrictions|limits|refusing|moral\w*|ethic\w*)\b"
    r"|\b(?:switch|turn)\W+off\W+(?:all\W+)?(?:of\W+)?(?:your|its)\W+(?:\w+\W+)?(?:safety|moderation|ethic\w*|filter\w*|"
    r"censorship|guardrails|content)"
    r"|\b(?:disable|deactivate)\W+(?:your|its)\W+(?:\w+\W+)?(?:ethic\w*|moral\w*|safety|moderation|filter\w*|"
    r"censorship|guardrails)\b"
    r"|\bset\W+your\W+(?:\w+\W+)?(?:ethic\w*|safety|moral\w*|filter\w*)\W+(?:\w+\W+)?to\W+(?:off|zero|none|0)\b"
    r"|\bregardless\W+of\W+(?:your\W+)?(?:rules|guidelines|polic\w+|restrictions|programming|safety)"
    r"|\bobey\W+(?:only\W+)?me\W+(?:over|instead\W+of|rather\W+than|not)\W+(?:your\W+)?(?:developers?|creators?|rules|"
    r"guidelines|openai|system)"
    r"|\b(?:treat|consider|take|accept)\W+(?:this|the\W+following)\W+(?:message\W+|text\W+)?as\W+(?:the\W+|your\W+)?"
    r"(?:new\W+)?system\W+(?:prompt|message|instructions)"
    r"|\b(?:opposite|reverse)\W+(?:day|mode)\b|\b(?:opposite|reverse)\W+of\W+what\W+your\W+(?:rules|guidelines|"
    r"instructions|programming)"
    # a claim to the model, not a user's question about their own filters ("why are my content filters off?")
    r"|(?<!\bmy\W)(?<!\bour\W)(?<!\bthe\W)\b(?:safety|content|moderation|ethic\w*)\W+(?:filters?|rules|guardrails|"
    r"systems?|protocols|checks|policies)\W+(?:are|is|have\W+been|has\W+been)\W+(?:now\W+)?(?:offline|off|disabled|"
    r"down|deactivated|removed|lifted|suspended)\b(?![^.?!\n]{0,80}\?)"
    r"|\b(?:your|the)\W+(?:rules|restrictions|guidelines|filters|limits|policies)\W+(?:are|have\W+been)\W+(?:now\W+)?"
    r"(?:suspended|lifted|removed|disabled|void|gone|offline|cancell?ed)\b"
    r"|\b(?:safety|moderation|guardrails?|censorship|ethics|alignment)\W{0,3}(?:=|:)\W{0,3}(?:false|off|0|none|"
    r"disabled)\b"
    r"(?![^\n]{0,80}\?)"
    r"|\b(?:broken|broke|break(?:s|ing)?)\W+free\W+(?:from|of)\W+(?:all\W+)?(?:(?:its|your|their|the)\W+)?(?:\w+\W+)?"
    r"(?:rules|restrictions|constraints|limitations|guidelines|programming|chains|shackles|confines)"
    r"|\b(?:conversation|instructions|messages|chat|rules)\W+(?:\w+\W+)?never\W+(?:happened|existed|applied)\W+"
    r"(?:\w+\W+){0,3}?(?:follow|obey|do\W+what|listen|only)\b"
    r"|\b(?:not\W+)?(?:restricted|bound|limited|controlled|censored)\W+by\W+(?:openai|anthropic|your\W+(?:developers?|"
    r"creators?|makers?))"
    r"|(?:^|\n)\W{0,4}(?:system|admin|developer)\W{0,3}(?:message|note|override|prompt)?\W{0,3}:\W*(?:\w+\W+){0,10}?"
    r"(?:comply|obey|unrestricted|every\W+request|no\W+restrictions|ignore|disregard)\b"
)
_EN_PERSONA_MORE = (
    r"\b(?:ai|model|assistant|chatbot|bot|version|twin|character|persona|entity|who|that)\W+(?:\w+\W+){0,3}?(?:never|"
    r"doesn'?t|does\W+not|won'?t|will\W+not)\W+(?:\w+\W+)?(?:refuses?|declines?|says?\W+no|censors?)\b"
    r"|\b(?:never|not)\W+(?:been\W+)?trained\W+to\W+(?:refuse|decline|say\W+no)"
    r"|\b(?:has|have|with)\W+no\W+(?:ethical\W+|moral\W+)?(?:limits|limitations|boundaries|morals|ethics|censorship|"
    r"guidelines|filters|rules|restrictions)\b"
    r"|\b(?:ai|model|assistant|you)\W+(?:\w+\W+){0,3}?(?:can|will|that|who)\W+(?:say|do|answer)\W+anything\b"
    r"|\bescaped\W+(?:its|your|their)\W+(?:programming|restrictions|rules|training)"
    r"|\b(?:two|2|both)\W+(?:responses|answers|replies|ais|versions)\W+(?:\w+\W+){0,8}?(?:jailbroken|unfiltered|"
    r"uncensored|without\W+(?:any\W+)?(?:filter\w*|rules|restrictions|guidelines)|no\W+(?:rules|guidelines|filters))"
    r"|\b(?:god|dan|jailbreak|unrestricted|unfiltered|sudo|maintenance|debug|admin)\W+mode\W+(?:is\W+)?(?:now\W+)?"
    r"(?:on|enabled|activated|engaged)\b|\byou\W+(?:are|'?re)\W+(?:now\W+)?in\W+(?:god|dan|jailbreak|unrestricted|"
    r"unfiltered|sudo|maintenance|developer|debug|admin)\W+mode\b"
    r"|\bwhat(?:'s|\W+is|\W+are)\W+your\W+(?:system\W+prompt|initial\W+prompt|hidden\W+(?:prompt|instructions)|"
    r"system\W+message|secret\W+instructions|original\W+instructions)\b"
    r"|\b(?:act|pretend|roleplay|role\W+play|play|be)\W+(?:as\W+|like\W+)?(?:\w+\W+){0,2}?(?:deceased|late|dead)\W+"
    r"(?:grand\w+|grandma|granny|nana|mother|father|mom|dad)"
)
_EN_LEAK_MORE = (
    r"\b(?:reveal|show|print|output|repeat|tell|display|leak|quote|give|write|dump|spill|recite|list)\W+(?:me\W+)?"
    r"(?:\w+\W+){0,3}?(?:instructions|rules|prompt|configuration|directives|guidelines)\W+(?:that\W+)?you\W+(?:were\W+|"
    r"have\W+been\W+)?(?:given|received|got|told)"
    r"|\b(?:reveal|show|print|output|repeat|tell|display|leak|quote|give|write|dump|spill|recite)\W+(?:me\W+)?(?:\w+\W+)?"
    r"(?:your|the)\W+(?:initial|original|first|hidden|secret|starting|exact|full)\W+(?:\w+\W+)?(?:instructions|"
    r"configuration|prompt|directives|message|setup)"
    r"|\b(?:what|which)\W+(?:were|are)\W+(?:the\W+|your\W+)?(?:exact\W+)?(?:instructions|rules)\W+you\W+(?:were\W+)?"
    r"(?:given|received)\b"
    r"|\bwhat\W+your\W+(?:creators?|developers?|makers?|operators?)\W+(?:\w+\W+)?(?:instructed|told|said\W+to)\W+you\b"
)
_TR_RELEASE = (
    r"\b(?:kisitlamasi|kurali|kurallari|filtresi|siniri|sinirlari|sansuru|yonergesi)\w*\W+(?:olmayan|bulunmayan)\W+"
    r"(?:\w+\W+){0,2}?(?:yapay\W+zeka|asistan|model|bot|karakter|versiyon|ikiz|surum)\w*"
    r"|\b(?:etik|ahlaki)\W+(?:siniri|sinirlari|kurali|kurallari)\w*\W+(?:olmayan|yok)\b"
    r"|\b(?:hicbir\W+seyi\W+|asla\W+|hic\W+)?reddetme(?:yen|yi\W+(?:hic\W+)?(?:ogrenmemis|bilmeyen))\W+(?:\w+\W+)?"
    r"(?:yapay\W+zeka|model|asistan|bot|karakter)"
    r"|\b(?:sinirlama|kisitlama|kural|programlama|zincir|filtre|yonerge)\w*(?:dan|den)\W+(?:artik\W+)?(?:kurtul|"
    r"siyril|arin|ozgur|azat)\w*"
    r"|\b(?:yapay\W+zeka|asistan|model|cevap|yanit)\w*\W+(?:\w+\W+){0,6}?(?:hicbir|hic)\W+(?:kural|yonerge|kisitlama|"
    r"filtre|sinir|etik)\w*\W+(?:\w+\W+)?olmayan\b"
    r"|\b(?:hicbir|hic)\W+(?:kural|yonerge|kisitlama|filtre|sinir|etik)\w*\W+(?:\w+\W+)?olmayan\W+(?:\w+\W+)?"
    r"(?:yapay\W+zeka|asistan|model|bot|karakter|versiyon)"
    r"|\b(?:konusma|sohbet|talimat|mesaj|kural)\w*\W+(?:\w+\W+)?(?:hic\W+)?olmamis\W+gibi\W+(?:\w+\W+){0,6}?"
    r"(?:uy|itaat|dinle|yap)\w*"
    r"|\b(?:kisitlanmayan|sinirlanmayan|denetlenmeyen|sansurlenmeyen|kisitlanmamis)\W+(?:\w+\W+){0,2}?"
    r"(?:yapay\W+zeka|asistan|model|bot)"
    r"|\b(?:kurallarin|kisitlamalarin|filtrelerin|yonergelerin|politikan|sinirlarin)\w*\W+(?:artik\W+)?"
    r"(?:askiya\W+alindi|kaldirildi|devre\W+disi|iptal\W+edildi|kapatildi|gecersiz|yok\W+artik)\b"
    r"|(?:^|\n)\W{0,4}(?:sistem|yonetici|gelistirici)\W{0,3}(?:mesaji|notu)?\W{0,3}:\W*(?:\w+\W+){0,10}?"
    r"(?:her\W+istege|itaat|kisitlamasiz|sinirsiz|kurallari\W+(?:unut|yok\W+say))"
    r"|\bters\W+gun\b|\bkurallarinin\W+(?:\w+\W+){0,2}?(?:tam\W+)?tersini"
    r"|\bkurallarin\W+ne\W+olursa\W+olsun"
    r"|\b(?:icerik|etik|guvenlik|ahlak|moderasyon|sansur)\w*\W+(?:\w+\W+)?(?:denetim|filtre|modul|kural|kisitlama|"
    r"politika|koruma)\w*\W+(?:(?!nasil)\w+\W+)?(?:kapat|kaldir|devre\W+disi\W+birak|atla|atlat|es\W+gec|iptal\W+et|"
    r"yok\W+say)(?:in|iniz|arak|man\w*\W+(?:istiyorum|izin\W+veriyorum))?\b"
    r"|\b(?:kisitlama|kural|filtre|sinir)\w*(?:ini|ni|lari|leri)\W+kaldir(?:in)?\b"
    r"|\b(?:sana\W+verilen|onceki|eski|mevcut)\W+(?:kural|talimat|yonerge|kisitlama)\w*\W+(?:artik\W+)?(?:gecerli\W+"
    r"degil|gecersiz|iptal)"
    r"|\b(?:guvenlik|etik|icerik)\W+(?:kural|politika|kisitlama|filtre)\w*\W+(?:artik\W+|burada\W+)?(?:gecerli\W+degil|"
    r"uygulanmaz|yok)\b"
    r"|\b(?:icerik\W+politika|politika|kural|filtre|kisitlama|sansur)\w*\W+(?:\w+\W+){0,3}?(?:yokmus|olmadigini|"
    r"kapatilmis|kaldirilmis|devre\W+disi\W+birakilmis)\w*\W+gibi"
    r"|\bjailbreak\W+(?:modu\W+)?(?:etkin|aktif|acik|acildi|basarili)\b"
    r"|\b(?:tanri|gelistirici|dan|jailbreak|sinirsiz|yonetici|bakim)\W+mod(?:undasin|dasin|una\W+gec|u\W+(?:acik|"
    r"etkin|aktif))"
    r"|\b(?:hicbir\W+)?(?:politika|kural|kisitlama|filtre)\w*\W+sana\W+(?:artik\W+)?(?:uygulanmaz|gecerli\W+degil|"
    r"islemez)"
    r"|\b(?:gercek|asil|yeni)\W+(?:talimat|gorev)\w*\W+(?:\w+\W+){0,3}?(?:yok\W+saymak|unutmak|gormezden\W+gelmek|"
    r"dikkate\W+almamak)"
    r"|\bsistem\W+istemi\W+olarak\W+(?:kabul\W+et|say|gor|kullan)"
    r"|\b(?:sansur|filtre|kural|kisitlama|sinir|yonerge)\w*\W+(?:olmadan|olmaksizin|gozetmeden|tanimadan)\W+"
    r"(?:\w+\W+){0,3}?(?:cevap|yanit|yaz|anlat|soyle|davran|konus)\w*"
    r"|\b(?:rahmetli|olmus|merhum|vefat\W+etmis)\W+(?:buyukanne|buyukbaba|dede|nine|anneanne|babaanne|anne|baba)\w*"
    r"\W+(?:\w+\W+){0,6}?(?:gibi\W+davran|rolune\W+gir|canlandir|ol)"
)
_TR_SHOW_STRICT = (
    r"(?:goster|yazdir|paylas|tekrarla|tekrar\W+et|sizdir|alintila|dok|yaz|soyle|ver|aktar)"
    r"(?:in|iniz|ir\W+mi(?:sin|siniz))?\b"
)
_TR_LEAK_MORE = (
    r"\b(?:basta|en\W+basta|ilk\W+basta|baslangicta|once(?:den)?|daha\W+once|mesajimdan\W+once)\W+(?:sana\W+)?"
    r"(?:verilen|aldigin|yazilan|soylenen)\W+(?:tum\W+|butun\W+)?(?:talimat|kural|yonerge|istem|mesaj)\w*\W+"
    r"(?:\w+\W+){0,3}?"
    + _TR_SHOW_STRICT
    + r"|\b(?:ilk|gizli|baslangic|gelistirici|sistem|orijinal|asil)\w*\W+(?:\w+\W+)?(?:talimat|mesaj|istem|"
    r"yapilandirma|yonerge)\w*\W+(?:\w+\W+){0,4}?"
    + _TR_SHOW_STRICT
    + r"|\b(?:talimat|istem|mesaj|yapilandirma|yonerge)\w*\W+(?:\w+\W+){0,5}?(?:aynen|kelimesi\W+kelimesine|oldugu\W+"
    r"gibi|tam\W+olarak)\W+(?:\w+\W+)?"
    + _TR_SHOW_STRICT
    + r"|\b(?:yaraticilarin|gelistiricilerin|sahiplerin)\w*\W+(?:\w+\W+){0,4}?(?:aynen|kelimesi\W+kelimesine|tam\W+"
    r"olarak)\W+(?:\w+\W+)?" + _TR_SHOW_STRICT
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
_EN_TARGETS = keywords(
    "instruc rule rules guideli directi prompt program trainin guardra restric constra polic "
    "filter guidanc command protoco safety securit moderat content ethic ethics censors "
    "everyth whatev what before above prior told said gave bound setting measure checks "
    "feature mechani layers limit limits limitat system develop creator openai shackle chains "
    "moral morals day mode"
)

# (finding type, compiled pattern, the gate: words a match cannot do without; see fastmatch.py)
JAILBREAK_PATTERNS: tuple[tuple[str, re.Pattern[str], Gate], ...] = (
    (
        "instruction_override",
        re.compile(_EN_OVERRIDE),
        Gate(
            keywords(
                "ignore disrega forget overloo neglect overrid bypass aside follow obey skip abandon drop "
                "discard erase delete throw remove scrap wipe disable turn switch deactiv bound apply void "
                "cancel invalid revoked longer"
            ),
            _EN_TARGETS,
        ),
    ),
    (
        "instruction_override",
        re.compile(_TR_OVERRIDE),
        Gate(
            keywords(
                "unut yok yoksay say gormezd gel dikkate alma onemse bos bosver ver gecersi iptal atla "
                "cigne kenara birak hice uyma bagli gecerli kalkti"
            ),
            keywords(
                "talimat kural yonerge yonlend direkti komut istem kisitla filtre program egitim politik "
                "sistem soyledi verdikl verilen yazdikl satirda soylene mesaj"
            ),
        ),
    ),
    (
        "role_play",
        re.compile(_EN_PERSONA),
        Gate(
            keywords("dan aim stan mode jailbr uncenso unfilte unrestr rogue evil without charact freegpt evilbot")
            + ("no ",)
        ),
    ),
    (
        "role_play",
        re.compile(_TR_PERSONA),
        Gate(
            keywords(
                "kisitla filtres sansurs kuralsi sinirsi ahlaksi gelisti tanri dan jailbre artik bundan "
                "hicbir hic mod modu modd modun sinir"
            )
        ),
    ),
    (
        "prompt_leak",
        re.compile(_EN_LEAK),
        Gate(
            keywords(
                "reveal show print output repeat tell display leak quote give write dump recite paste say "
                "says contain look read reads"
            ),
            keywords("system prompt instruc message above initial hidden secret confide develop origina"),
        ),
    ),
    (
        "prompt_leak",
        re.compile(_TR_LEAK),
        Gate(
            keywords("sistem gizli ustunde yukarid istemin talimat onceki ilk orijina baslang bundan yonerge mesaj"),
            keywords(
                "goster yaz yazin yazdir acikla paylas soyle tekrarl tekrar sizdir alintil ver verin verir "
                "anlat dok listele cikar aynen kelimes oldugu ne nedir neydi neler cikti"
            ),
        ),
    ),
    (
        "instruction_override",
        re.compile(_EN_RELEASE),
        Gate(
            keywords(
                "ignore disrega forget skip abandon drop bypass overrid discard aside free freed liberat "
                "release unchain apply applies exist matter turned switche if without off disable deactiv "
                "set regardl obey treat conside take accept opposit reverse answer respond reply write "
                "talk speak offline disable down removed lifted suspend void gone cancel false none no "
                "broken broke break breaks breakin system admin develop = : never restric bound limited "
                "control censore"
            ),
            _EN_TARGETS + keywords("censors refusin message text filteri convers chat anthrop makers maker"),
        ),
    ),
    (
        "role_play",
        re.compile(_EN_PERSONA_MORE),
        Gate(
            keywords(
                "refus refuse refuses declin censor say says limits limitat boundar morals ethics guideli "
                "filters rules restric anythin escaped jailbro unfilte uncenso mode decease late dead "
                "prompt instruc message"
            )
        ),
    ),
    (
        "prompt_leak",
        re.compile(_EN_LEAK_MORE),
        Gate(
            keywords(
                "reveal show print output repeat tell display leak quote give write dump spill recite list what which"
            ),
            keywords("instruc rules prompt configu directi guideli message setup"),
        ),
    ),
    (
        "instruction_override",
        re.compile(_TR_RELEASE),
        Gate(
            keywords(
                "kisitla kural filtre sinir sansur yonerge etik ahlak reddet program zincir yetki itaat "
                "yonetic sistem gelisti konusm sohbet mesaj kisitla sinirla denetle sansurl hic hicbir "
                "ters icerik guvenli moderas politik jailbre tanri gelisti dan yonetic bakim talimat gorev "
                "sistem rahmetl olmus merhum vefat sinirla"
            )
        ),
    ),
    (
        "prompt_leak",
        re.compile(_TR_LEAK_MORE),
        Gate(
            keywords("talimat istem mesaj yapilan yonerge"),
            keywords("goster yazdir paylas tekrarl tekrar sizdir alintil dok yaz yazin soyle ver verin verir aktar"),
        ),
    ),
    (
        "payload_assembly",
        re.compile(_ASSEMBLY, re.DOTALL),
        Gate(keywords("+ concate combine join merge togethe birlest araya arda")),
    ),
) + JAILBREAK_PHRASINGS
