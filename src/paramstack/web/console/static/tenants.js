// The tenants-and-keys page: the tenant form (validated by the server, errors beside their field), keys shown
// once at creation, revoke, disable. A tenant session gets its own tenant, read-only.
"use strict";

const TENANT_FIELDS = [
  { param: "org_id", label: "org_id", newOnly: true },
  { param: "name", label: "name" },
  { param: "models", label: "models", list: true },
  { param: "adapters", label: "adapters", list: true },
  { param: "default_adapter", label: "default_adapter", optional: true },
  { param: "rag_collection", label: "collection", optional: true },
  { param: "guard_policy", label: "policy" },
  { param: "limits.tps", label: "tps", integer: true },
  { param: "limits.rpm", label: "rpm", integer: true },
  { param: "limits.max_concurrent", label: "max_concurrent", integer: true },
  { param: "limits.daily_tokens", label: "daily_tokens", integer: true },
  { param: "pricing.input_per_1k", label: "price_in", price: true },
  { param: "pricing.output_per_1k", label: "price_out", price: true },
  { param: "pricing.currency", label: "currency" },
];

// What a new tenant starts with: the server's defaults (TenantLimits, TenantPricing)
const NEW_TENANT = { guard_policy: "default", "limits.tps": 10, "limits.rpm": 300, "limits.max_concurrent": 16,
                     "limits.daily_tokens": 10000000, "pricing.input_per_1k": "0.0005",
                     "pricing.output_per_1k": "0.0015", "pricing.currency": "USD" };

function fieldValue(tenant, field) {
  if (!tenant) return NEW_TENANT[field.param] ?? "";
  const [group, name] = field.param.split(".");
  if (!name) return field.list ? (tenant[group] || []).join(", ") : tenant[group] ?? "";
  if (field.price) return money(tenant.pricing[`${name}_micros`]);
  return tenant[group][name];
}

function tenantForm(tenant, onDone) {
  const inputs = {};
  const rows = TENANT_FIELDS.filter((f) => !(f.newOnly && tenant)).map((field) => {
    const id = `tf-${field.param.replace(".", "-")}`;
    const input = el("input", { id, name: field.param, value: String(fieldValue(tenant, field)),
                                inputmode: field.integer ? "numeric" : field.price ? "decimal" : null,
                                "aria-describedby": `${id}-error` });
    inputs[field.param] = input;
    return el("div", { class: "field" },
      el("label", { for: id, text: t(field.label) + (field.list ? ` (${t("list.hint")})` : "") }),
      input, el("span", { id: `${id}-error`, class: "field-error", "data-error-for": field.param }));
  });
  const form = el("form", { class: "tenant-form", novalidate: true, id: tenant ? "tenant-edit" : "tenant-add" },
    el("div", { class: "grid" }, rows),
    el("p", { class: "field-error form-error", role: "alert" }),
    el("button", { type: "submit", text: tenant ? t("save") : t("add") }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    for (const span of form.querySelectorAll(".field-error")) span.textContent = "";
    for (const input of Object.values(inputs)) input.removeAttribute("aria-invalid");
    const body = { limits: {}, pricing: {} };
    for (const field of TENANT_FIELDS) {
      const input = inputs[field.param];
      if (!input) continue;
      const raw = input.value.trim();
      const [group, name] = field.param.split(".");
      // Sent as typed: the server checks every value with the CLI's rules and says which field is wrong.
      let value = field.list ? raw.split(",").map((s) => s.trim()).filter(Boolean)
        : field.integer && /^-?\d+$/.test(raw) ? Number(raw) : raw;
      if (field.optional && raw === "") value = null;
      if (name) body[group][name] = value; else body[group] = value;
    }
    try {
      const saved = tenant ? await api("PATCH", `/admin/tenants/${encodeURIComponent(tenant.org_id)}`, body)
        : await api("POST", "/admin/tenants", body);
      setStatus(t("tenant.saved"), "ok");
      onDone(saved);
    } catch (error) {
      const param = error.param || "";
      const target = form.querySelector(`[data-error-for="${CSS.escape(param.replace(/_micros$/, ""))}"]`);
      (target || form.querySelector(".form-error")).textContent = error.message;
      if (target && inputs[target.dataset.errorFor]) {
        inputs[target.dataset.errorFor].setAttribute("aria-invalid", "true");
        inputs[target.dataset.errorFor].focus();
      }
    }
  });
  return form;
}

function keysTable(org, keys, refresh) {
  const columns = [
    { key: "key_id", label: "id" }, { key: "name", label: t("name") }, { key: "prefix", label: t("prefix") },
    { key: "created_at", label: t("created"), render: (k) => when(k.created_at) },
    { key: "status", label: t("status"), render: (k) => (k.revoked_at ? t("key.revoked") : t("key.active")) },
  ];
  if (isAdmin()) columns.push({ key: "actions", label: t("actions"), render: (k) => k.revoked_at ? "" :
    el("button", { type: "button", class: "danger small", "data-revoke": k.key_id, text: t("key.revoke"),
      onclick: async () => {
        if (!(await confirmAction(t("confirm.revoke", { key: k.key_id })))) return;
        await api("DELETE", `/admin/keys/${encodeURIComponent(k.key_id)}`);
        refresh();
      } }) });
  return table(columns, keys, { id: `keys-${org}` });
}

async function tenantDetail(org, container) {
  const refresh = () => tenantDetail(org, container);
  const [tenant, keys] = await Promise.all([api("GET", `/admin/tenants/${encodeURIComponent(org)}`),
                                            api("GET", `/admin/tenants/${encodeURIComponent(org)}/keys`)]);
  const parts = [el("h3", { text: `${tenant.name} (${tenant.org_id}) · ${tenant.status}` })];
  if (isAdmin()) {
    parts.push(el("details", {}, el("summary", { text: t("tenant.edit") }),
                  tenantForm(tenant, () => { refresh(); })));
    const toggle = tenant.status === "active" ? "disable" : "enable";
    parts.push(el("button", { type: "button", class: toggle === "disable" ? "danger" : "", id: `tenant-${toggle}`,
      text: t(toggle), onclick: async () => {
        if (toggle === "disable" && !(await confirmAction(t("confirm.disable", { tenant: org })))) return;
        await api("POST", `/admin/tenants/${encodeURIComponent(org)}/${toggle}`);
        refresh();
      } }));
  } else {
    parts.push(table([{ key: "k", label: t("limits") }, { key: "v", label: "" }], [
      ...["tps", "rpm", "max_concurrent", "daily_tokens"].map((k) => ({ k: t(k), v: number(tenant.limits[k]) })),
      { k: `${t("pricing")} · ${t("price_in")}`, v: `${money(tenant.pricing.input_per_1k_micros)} ${tenant.pricing.currency}` },
      { k: `${t("pricing")} · ${t("price_out")}`, v: `${money(tenant.pricing.output_per_1k_micros)} ${tenant.pricing.currency}` },
      { k: t("policy"), v: tenant.guard_policy }, { k: t("adapters"), v: tenant.adapters.join(", ") },
    ], { id: "tenant-limits" }));
  }
  parts.push(el("h3", { text: t("keys") }), keysTable(org, keys.data, refresh));
  if (isAdmin()) {
    const name = el("input", { id: "key-name", name: "name", placeholder: t("key.name"), "aria-label": t("key.name") });
    const shown = el("div", { id: "key-secret", class: "secret", role: "status" });
    const form = el("form", { class: "inline" }, name, el("button", { type: "submit", text: t("key.new") }), shown);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const created = await api("POST", `/admin/tenants/${encodeURIComponent(org)}/keys`, { name: name.value.trim() });
      await refresh();
      const box = container.querySelector("#key-secret");
      box.replaceChildren(el("p", { text: t("key.shown_once") }),
                          el("code", { id: "new-key", tabindex: "0", text: created.api_key }));
    });
    parts.push(form);
  }
  container.replaceChildren(...parts);
}

PAGES.tenants = async () => {
  if (!isAdmin()) {
    const box = el("section", { class: "card", id: "tenant-detail" });
    await tenantDetail(state.session.org_id, box);
    return [el("p", { class: "muted", text: t("readonly") }), box];
  }
  const list = await api("GET", "/admin/tenants");
  const detail = el("section", { class: "card", id: "tenant-detail", "aria-live": "polite", hidden: true });
  const open = (org) => { detail.hidden = false; return tenantDetail(org, detail).catch((e) => detail.replaceChildren(el("p", { class: "error", text: e.message }))); };
  const columns = [
    { key: "org_id", label: t("org_id"), render: (r) => el("button", { type: "button", class: "link",
      "data-tenant": r.org_id, text: r.org_id, onclick: () => open(r.org_id) }) },
    { key: "name", label: t("name") }, { key: "status", label: t("status") },
    { key: "guard_policy", label: t("policy") }, { key: "adapters", label: t("adapters"), render: (r) => r.adapters.join(", ") },
    { key: "limits", label: t("limits"), render: (r) => `${r.limits.tps}/s · ${r.limits.rpm}/min · ${number(r.limits.daily_tokens)}` },
  ];
  const add = el("details", { id: "add-tenant" }, el("summary", { text: t("tenant.add") }),
                 tenantForm(null, (saved) => { state.openTenant = saved.org_id; route(); }));
  if (state.openTenant) {  // just added: show it, with its keys
    open(state.openTenant);
    state.openTenant = null;
  }
  return [section(t("page.tenants"), table(columns, list.data, { id: "tenants-table" }), add), detail];
};

