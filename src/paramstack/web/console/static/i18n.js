// Labels in English and Turkish; the browser's language picks (navigator.languages, first match wins).
"use strict";

const MESSAGES = {
  en: {
    skip: "Skip to content", console: "console", nav: "Console pages", signout: "Sign out",
    "signin.help": "Sign in with an admin key, or with a tenant key for a read-only view of that tenant.",
    "signin.key": "API key", "signin.submit": "Sign in", "signin.expired": "Your session has ended: sign in again.",
    cancel: "Cancel", confirm: "Confirm", save: "Save", add: "Add", edit: "Edit", close: "Close",
    "page.overview": "Overview", "page.tenants": "Tenants and keys", "page.usage": "Usage and cost",
    "page.guard": "Guard", "page.audit": "Audit", "page.rollouts": "Rollouts", "page.adapters": "Adapters",
    "page.rag": "RAG collections", "page.denied": "This page is for admins.",
    "who.admin": "admin", "who.tenant": "tenant", readonly: "Read-only view of your tenant.",
    "window.hour": "Last hour", "window.day": "Last 24 hours",
    tenant: "Tenant", calls: "Calls", tokens: "Tokens", errors: "Errors", p50: "p50 latency (ms)",
    p99: "p99 latency (ms)", nodata: "Nothing yet.", status: "Status", name: "Name", actions: "Actions",
    models: "Models", adapters: "Adapters", "default_adapter": "Default adapter", collection: "RAG collection",
    policy: "Guard policy", limits: "Limits", tps: "Requests per second", rpm: "Requests per minute",
    max_concurrent: "Concurrent requests", daily_tokens: "Tokens per day", pricing: "Price per 1K tokens",
    price_in: "Input", price_out: "Output", currency: "Currency", org_id: "Tenant id",
    "list.hint": "comma-separated", disable: "Disable", enable: "Enable", keys: "Keys", "key.new": "Create key",
    "key.name": "Key name", "key.revoke": "Revoke", "key.revoked": "revoked", "key.active": "active",
    "key.shown_once": "The new key, shown only once: copy it now.", prefix: "Prefix", created: "Created",
    "tenant.add": "Add a tenant", "tenant.edit": "Edit tenant", "tenant.saved": "Saved.",
    "confirm.revoke": "Revoke key {key}? Calls with it will be refused at once.",
    "confirm.disable": "Disable tenant {tenant}? Its keys stop working.",
    "confirm.promote": "Promote {version} of {adapter} for {tenant} to stable for every end user?",
    "confirm.rollback": "Roll back {adapter} for {tenant}: every end user back to {version}?",
    "usage.chart": "Requests per day and tenant", "usage.tokens_chart": "Tokens per day and tenant",
    "usage.csv": "Download CSV", day: "Day", requests: "Requests", cost: "Cost", "cost.report": "Cost report",
    "cost.chart": "Cost of this traffic: external API, self-hosted and the hybrid split",
    "cost.external_api": "External API", "cost.self_hosted": "Self-hosted", "cost.hybrid": "Hybrid",
    "cost.missing": "Not priced", savings: "Savings vs external", "per_30_days": "Per 30 days",
    "guard.chart": "Guard findings per day and kind", "guard.blocked": "Recent blocked calls (ids and codes only)",
    request_id: "Request id", time: "Time", codes: "Codes", http: "HTTP",
    "audit.valid": "The audit chain verifies", "audit.invalid": "The audit chain does NOT verify",
    "audit.entries": "Entries", "audit.upto": "Verified up to entry", "audit.checkpoint": "Last checkpoint",
    "audit.tsa": "RFC 3161 time", "audit.none": "none", "audit.export": "Export (JSON lines)",
    "audit.findings": "Findings", "audit.verify": "Verify again", "audit.changes": "Recent changes (admin and canary)",
    "audit.by": "By key", "rollout.judged": "Last judged",
    rollout: "Rollout", weight: "Canary weight (%)", "rollout.history": "History", "rollout.window": "SLO window",
    promote: "Promote", rollback: "Roll back", "rollout.none": "No rollouts yet.", stable: "Stable", canary: "Canary",
    interval: "Interval", steps: "Steps", action: "Action", reason: "Reason", at: "At",
    version: "Version", channel: "Channel", manifest: "Manifest", base_model: "Base model",
    provenance: "Provenance", verified: "verified", failed: "failed", "not_found": "not found",
    documents: "Documents", chunks: "Chunks", embedder: "Embedding model", "rag.disabled": "RAG is disabled.",
    "error.network": "The gateway did not answer.", loading: "Loading…",
  },
  tr: {
    skip: "İçeriğe geç", console: "konsolu", nav: "Konsol sayfaları", signout: "Çıkış yap",
    "signin.help": "Yönetici anahtarıyla ya da kiracının salt okunur görünümü için kiracı anahtarıyla giriş yapın.",
    "signin.key": "API anahtarı", "signin.submit": "Giriş yap", "signin.expired": "Oturumunuz sona erdi: yeniden giriş yapın.",
    cancel: "Vazgeç", confirm: "Onayla", save: "Kaydet", add: "Ekle", edit: "Düzenle", close: "Kapat",
    "page.overview": "Genel bakış", "page.tenants": "Kiracılar ve anahtarlar", "page.usage": "Kullanım ve maliyet",
    "page.guard": "Koruma", "page.audit": "Denetim", "page.rollouts": "Dağıtımlar", "page.adapters": "Adaptörler",
    "page.rag": "RAG koleksiyonları", "page.denied": "Bu sayfa yöneticiler içindir.",
    "who.admin": "yönetici", "who.tenant": "kiracı", readonly: "Kiracınızın salt okunur görünümü.",
    "window.hour": "Son bir saat", "window.day": "Son 24 saat",
    tenant: "Kiracı", calls: "Çağrılar", tokens: "Token", errors: "Hatalar", p50: "p50 gecikme (ms)",
    p99: "p99 gecikme (ms)", nodata: "Henüz bir şey yok.", status: "Durum", name: "Ad", actions: "İşlemler",
    models: "Modeller", adapters: "Adaptörler", "default_adapter": "Varsayılan adaptör", collection: "RAG koleksiyonu",
    policy: "Koruma politikası", limits: "Sınırlar", tps: "Saniyede istek", rpm: "Dakikada istek",
    max_concurrent: "Eşzamanlı istek", daily_tokens: "Günlük token", pricing: "1K token fiyatı",
    price_in: "Girdi", price_out: "Çıktı", currency: "Para birimi", org_id: "Kiracı kimliği",
    "list.hint": "virgülle ayrılmış", disable: "Devre dışı bırak", enable: "Etkinleştir", keys: "Anahtarlar",
    "key.new": "Anahtar oluştur", "key.name": "Anahtar adı", "key.revoke": "İptal et", "key.revoked": "iptal edildi",
    "key.active": "etkin", "key.shown_once": "Yeni anahtar yalnızca bir kez gösterilir: şimdi kopyalayın.",
    prefix: "Önek", created: "Oluşturuldu",
    "tenant.add": "Kiracı ekle", "tenant.edit": "Kiracıyı düzenle", "tenant.saved": "Kaydedildi.",
    "confirm.revoke": "{key} anahtarı iptal edilsin mi? Bu anahtarla yapılan çağrılar hemen reddedilir.",
    "confirm.disable": "{tenant} kiracısı devre dışı bırakılsın mı? Anahtarları çalışmaz.",
    "confirm.promote": "{tenant} için {adapter} {version} sürümü tüm son kullanıcılar için kararlı yapılsın mı?",
    "confirm.rollback": "{tenant} için {adapter} geri alınsın mı: tüm son kullanıcılar {version} sürümüne döner.",
    "usage.chart": "Gün ve kiracı başına istekler", "usage.tokens_chart": "Gün ve kiracı başına token",
    "usage.csv": "CSV indir", day: "Gün", requests: "İstekler", cost: "Maliyet", "cost.report": "Maliyet raporu",
    "cost.chart": "Bu trafiğin maliyeti: harici API, kendi sunucumuz ve hibrit dağılım",
    "cost.external_api": "Harici API", "cost.self_hosted": "Kendi sunucumuz", "cost.hybrid": "Hibrit",
    "cost.missing": "Fiyatlandırılmadı", savings: "Harici API'ye göre tasarruf", "per_30_days": "30 günde",
    "guard.chart": "Gün ve türe göre koruma bulguları", "guard.blocked": "Son engellenen çağrılar (yalnızca kimlik ve kodlar)",
    request_id: "İstek kimliği", time: "Zaman", codes: "Kodlar", http: "HTTP",
    "audit.valid": "Denetim zinciri doğrulandı", "audit.invalid": "Denetim zinciri DOĞRULANMADI",
    "audit.entries": "Kayıtlar", "audit.upto": "Doğrulanan son kayıt", "audit.checkpoint": "Son kontrol noktası",
    "audit.tsa": "RFC 3161 zamanı", "audit.none": "yok", "audit.export": "Dışa aktar (JSON satırları)",
    "audit.findings": "Bulgular", "audit.verify": "Yeniden doğrula", "audit.changes": "Son değişiklikler (yönetici ve kanarya)",
    "audit.by": "Anahtar", "rollout.judged": "Son değerlendirme",
    rollout: "Dağıtım", weight: "Kanarya ağırlığı (%)", "rollout.history": "Geçmiş", "rollout.window": "SLO penceresi",
    promote: "Kararlı yap", rollback: "Geri al", "rollout.none": "Henüz dağıtım yok.", stable: "Kararlı",
    canary: "Kanarya", interval: "Aralık", steps: "Adımlar", action: "İşlem", reason: "Neden", at: "Zaman",
    version: "Sürüm", channel: "Kanal", manifest: "Manifesto", base_model: "Temel model",
    provenance: "Köken", verified: "doğrulandı", failed: "başarısız", "not_found": "bulunamadı",
    documents: "Belgeler", chunks: "Parçalar", embedder: "Gömme modeli", "rag.disabled": "RAG kapalı.",
    "error.network": "Ağ geçidi yanıt vermedi.", loading: "Yükleniyor…",
  },
};

function pickLanguage() {
  const wanted = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || "en"];
  for (const tag of wanted) {
    const base = String(tag).toLowerCase().split("-")[0];
    if (MESSAGES[base]) return base;
  }
  return "en";
}

const LANG = pickLanguage();

function t(key, values) {
  let text = (MESSAGES[LANG] && MESSAGES[LANG][key]) || MESSAGES.en[key] || key;
  for (const [name, value] of Object.entries(values || {})) text = text.replaceAll(`{${name}}`, String(value));
  return text;
}

function translatePage() {
  document.documentElement.lang = LANG;
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll("[data-i18n-aria]")) el.setAttribute("aria-label", t(el.dataset.i18nAria));
}
