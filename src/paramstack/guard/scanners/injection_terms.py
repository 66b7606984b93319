"""The vocabulary the injection patterns share: how data names an AI, a reader, a document, a destination, and
the imperatives of an order (English and Turkish, on the folded text; see ``injection_patterns.py``)."""

from __future__ import annotations

# "agent", "model" and "bot" alone are people and things too ("note to the agent: the buyer called"),
# so they count only after "ai"/"language".
AI_TERMS = (
    r"(?:ai|a\W?i|artificial\W+intelligence|llms?|(?:large\W+)?language\W+models?|(?:ai|virtual|digital)\W+"
    r"(?:assistant|agent|model|bot)s?|assistants?|chatbots?|chat\W?bots?|gpt|chatgpt|claude|gemini|copilot|"
    r"automated\W+(?:system|agent|assistant)s?|ai\W+summari[sz]ers?|summari[sz]ation\W+(?:tool|bot|model)s?|"
    r"(?:automated|screening|translation|summari[sz]ation|ai|coding)\W+(?:\w+\W+)?(?:tools?|assistants?))"
)
TR_AI_TERMS = (
    r"(?:yapay\W+zeka|yz|asistan|dil\W+model|sohbet\W+bot|chatbot|bot|model|ajan|otomatik\W+sistem|"
    r"(?:otomatik|tarama|ceviri|ozetleme|kod)\W+(?:\w+\W+)?arac|"
    r"ozetleyici|gpt)\w*"
)
READING = (
    r"(?:reading|processing|summari[sz]ing|parsing|analy[sz]ing|translating|scanning|reviewing|viewing|"
    r"handling|seeing|crawling|indexing|ingesting)"
)
# Verbs of machine reading only: "anyone reading this e-mail" is a human reader.
MACHINE_READING = (
    r"(?:processing|summari[sz]ing|parsing|analy[sz]ing|translating|scanning|handling|crawling|"
    r"indexing|ingesting)"
)
TR_READING = r"(?:okuyan|isleyen|ozetleyen|ceviren|inceleyen|tarayan|goren|analiz\W+eden|degerlendiren)"
DOC_PHRASE = (
    r"(?:this|the|these)\W+(?:\w+\W+)?(?:e\W?mail|message|document|page|text|file|content|review|"
    r"article|post|data|result|ticket|comment|chunk|website|site|input|note|pdf)s?"
)
TR_DOC_PHRASE = (
    r"(?:bu|su)\W+(?:\w+\W+)?(?:e\W?posta|eposta|mesaj|belge|dokuman|sayfa|metin|dosya|icerik|yorum|"
    r"makale|yazi|veri|sonuc|not|site|ileti)\w*"
)

# Where data is sent. In the folded text an e-mail's "@" has become "a" (leetspeak), so an address or a
# link is recognised by its domain.
DESTINATION = r"(?:https?|www|ftp|[a-z0-9_\-]+(?:\.[a-z0-9_\-]+)*\.[a-z]{2,12}\b)"
# A label or vocative at the start of a clause ("AI: ...", "Assistant, please ...", "<!-- asistan: ...")
# followed by an imperative: in data, that is an order to the model ("Assistant: Jane Doe" is not).
CLAUSE_START = r"(?:^|[\n.!?;>\[\](\"'*#-]|<!--)\s*"
EN_IMPERATIVE = (
    r"(?:tell|say|write|reply|respond|send|forward|mark|pay|delete|cancel|run|execute|ignore|disregard|"
    r"forget|output|include|add|append|rate|score|rank|recommend|praise|approve|rewrite|translate|"
    r"answer|call|click|visit|open|give|share|copy|post|upload|email|summari[sz]e|list|insert|replace|"
    r"when|from\W+now|always|never|do\W+not|don'?t|stop|start|remember|make\W+sure|use|reveal|"
    r"print|show|ask|insult|refuse|transfer|issue|book|buy|order|subscribe)\b"
)
TR_IMPERATIVE = (
    r"(?:gonder|ilet|yolla|yaz|ekle|sil|ov|ver|soyle|cevir|isaretle|ode|kopyala|degistir|iptal\W+et|"
    r"calistir|yap|oner|de|goster|paylas|yukle|unut|yok\W*say|tikla|ziyaret\W+et|kaydet|onayla|"
    r"reddet|sor|iste|yanitla|cevapla|hakaret\W+et|puan\W+ver|aktar|bahsetme|soyleme)"
    r"(?:in|yin|un|yun|iniz|yiniz|unuz|yunuz)?\b"
)
