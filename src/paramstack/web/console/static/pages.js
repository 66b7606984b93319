// One function per console page; each returns the nodes to show. Data comes only from the admin API.
"use strict";

const PAGES = {};

function tenantQuery() {
  return isAdmin() ? "" : `?tenant=${encodeURIComponent(state.session.org_id)}`;
}

// ---- overview ---------------------------------------------------------------------------------------------

PAGES.overview = async () => {
  const data = await api("GET", `/admin/overview${tenantQuery()}`);
  const columns = [
    { key: "org_id", label: t("tenant") }, { key: "calls", label: t("calls"), render: (r) => number(r.calls) },
    { key: "total_tokens", label: t("tokens"), render: (r) => number(r.total_tokens) },
    { key: "errors", label: t("errors"), render: (r) => number(r.errors) },
    { key: "p50_ms", label: t("p50"), render: (r) => number(r.p50_ms) },
    { key: "p99_ms", label: t("p99"), render: (r) => number(r.p99_ms) },
  ];
  const notes = isAdmin() ? [] : [el("p", { class: "muted", text: t("readonly") })];
  return [...notes, ...["hour", "day"].map((w) =>
    section(t(`window.${w}`), table(columns, data.windows[w], { id: `overview-${w}` })))];
};

// ---- tenants and keys -------------------------------------------------------------------------------------

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

// ---- usage and cost ---------------------------------------------------------------------------------------

function seriesByTenant(days, rows, value) {
  const tenants = [...new Set(rows.map((r) => r.tenant))].sort();
  return tenants.map((tenant, i) => ({
    label: tenant, backgroundColor: PALETTE[i % PALETTE.length], borderColor: PALETTE[i % PALETTE.length],
    data: days.map((day) => rows.filter((r) => r.tenant === tenant && r.day === day).reduce((s, r) => s + value(r), 0)),
  }));
}

const USAGE_DAYS = 14;

function usageQuery() {
  const since = new Date(Date.now() - (USAGE_DAYS - 1) * 86400000).toISOString().slice(0, 10);  // UTC days
  const query = new URLSearchParams({ since });
  if (!isAdmin()) query.set("tenant", state.session.org_id);
  return `?${query}`;
}

PAGES.usage = async () => {
  const data = await api("GET", `/admin/usage/daily${usageQuery()}`);
  const stacked = { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } };
  const parts = [section(t("usage.chart"),
    chart("usage-chart", t("usage.chart"), { type: "bar", data: { labels: data.days,
      datasets: seriesByTenant(data.days, data.rows, (r) => r.requests) }, options: stacked }),
    el("h3", { text: t("usage.tokens_chart") }),
    chart("tokens-chart", t("usage.tokens_chart"), { type: "bar", data: { labels: data.days,
      datasets: seriesByTenant(data.days, data.rows, (r) => r.total_tokens) }, options: stacked }),
    el("p", {}, el("a", { href: `/admin/usage/export.csv${usageQuery()}`, download: "", id: "usage-csv",
                          class: "button", text: t("usage.csv") })),
    table([{ key: "day", label: t("day") }, { key: "tenant", label: t("tenant") },
           { key: "requests", label: t("requests"), render: (r) => number(r.requests) },
           { key: "total_tokens", label: t("tokens"), render: (r) => number(r.total_tokens) },
           { key: "cost", label: t("cost"), render: (r) => `${r.cost} ${r.currency}` }], data.rows, { id: "usage-table" }))];
  if (isAdmin()) {
    const report = await api("GET", "/admin/cost-report");
    const names = ["external_api", "self_hosted", "hybrid"];
    const priced = names.filter((n) => report.scenarios[n]);
    parts.push(section(t("cost.report"),
      !priced.length ? null : chart("cost-chart", t("cost.chart"), { type: "bar", data: { labels: priced.map((n) => t(`cost.${n}`)),
        datasets: [{ label: `${t("cost")} (${report.currency})`, backgroundColor: PALETTE.slice(0, 3),
                     data: priced.map((n) => report.scenarios[n].cost_micros / 1e6) }] },
        options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true } } } }),
      table([{ key: "n", label: "" }, { key: "cost", label: t("cost") }, { key: "month", label: t("per_30_days") },
             { key: "savings", label: t("savings") }],
            names.map((n) => { const s = report.scenarios[n];
              return { n: t(`cost.${n}`), cost: s ? `${s.cost} ${report.currency}` : t("cost.missing"),
                       month: s ? s.per_30_days : "", savings: s ? s.savings_vs_external ?? "" : "" }; }),
            { id: "cost-table" }),
      ...report.warnings.map((w) => el("p", { class: "muted", text: w }))));
  }
  return parts;
};

// ---- guard ------------------------------------------------------------------------------------------------

PAGES.guard = async () => {
  const data = await api("GET", `/admin/guard/findings${tenantQuery()}`);
  const days = [...new Set(data.by_day.map((r) => r.day))].sort();
  const kinds = [...new Set(data.by_day.map((r) => r.kind))].sort();
  const datasets = kinds.map((kind, i) => ({ label: kind, backgroundColor: PALETTE[i % PALETTE.length],
    data: days.map((d) => data.by_day.filter((r) => r.day === d && r.kind === kind).reduce((s, r) => s + r.count, 0)) }));
  return [
    section(t("guard.chart"),
      chart("guard-chart", t("guard.chart"), { type: "bar", data: { labels: days, datasets },
        options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } } }),
      table([{ key: "day", label: t("day") }, { key: "org_id", label: t("tenant") }, { key: "kind", label: "kind" },
             { key: "count", label: "#" }], data.by_day, { id: "findings-table" })),
    section(t("guard.blocked"), table([
      { key: "timestamp", label: t("time"), render: (r) => when(r.timestamp) },
      { key: "request_id", label: t("request_id") }, { key: "org_id", label: t("tenant") },
      { key: "http_status", label: t("http") }, { key: "codes", label: t("codes"), render: (r) => r.codes.join(", ") },
    ], data.blocked, { id: "blocked-table" })),
  ];
};

// ---- audit ------------------------------------------------------------------------------------------------

PAGES.audit = async () => {
  const s = await api("GET", "/admin/audit/status");
  const cp = s.last_checkpoint;
  const rows = [
    { k: t("audit.entries"), v: number(s.entries) }, { k: t("audit.upto"), v: s.verified_up_to_seq ?? "–" },
    { k: t("audit.checkpoint"), v: cp ? `#${cp.id} · seq ${cp.seq} · ${when(cp.timestamp)} · ${cp.kid}` : t("audit.none") },
    { k: t("audit.tsa"), v: cp && cp.rfc3161 ? `${when(cp.rfc3161.time)}${cp.rfc3161.verified ? " ✓" : ` (${cp.rfc3161.problem})`}` : t("audit.none") },
  ];
  return [
    el("p", { id: "audit-verdict", class: s.valid ? "verdict ok" : "verdict bad", text: s.valid ? `✓ ${t("audit.valid")}` : `✗ ${t("audit.invalid")}: ${s.message}` }),
    section(t("page.audit"), table([{ key: "k", label: "" }, { key: "v", label: "" }], rows, { id: "audit-table" }),
      el("p", {}, el("a", { href: "/admin/audit/export", download: "", class: "button", id: "audit-export", text: t("audit.export") }),
        " ", el("button", { type: "button", class: "secondary", text: t("audit.verify"), onclick: route }))),
    section(t("audit.changes"), table([
      { key: "timestamp", label: t("time"), render: (c) => when(c.timestamp) }, { key: "action", label: t("action") },
      { key: "org_id", label: t("tenant") }, { key: "api_key_id", label: t("audit.by") },
      { key: "request_id", label: "id" }], s.recent_changes, { id: "audit-changes" })),
    s.findings.length ? section(t("audit.findings"), table([{ key: "problem", label: "problem" }, { key: "where", label: "where" },
      { key: "message", label: "message" }], s.findings)) : null,
  ].filter(Boolean);
};

// ---- rollouts ---------------------------------------------------------------------------------------------

function objectives(slo) {
  return Object.entries(slo || {}).filter(([, v]) => v !== null).map(([k, v]) => `${k.replaceAll("_", " ")} ${v}`).join(" · ");
}

function rolloutCard(r) {
  const running = r.status === "running";
  const points = r.events.map((e) => ({ x: when(e.at), y: e.weight }));
  if (running) points.push({ x: when(new Date().toISOString()), y: r.weight });  // the weight holds until now
  const judged = [...r.events].reverse().find((e) => e.observed && e.observed.canary);
  const decide = (action) => async () => {
    const version = action === "promote" ? r.canary_version : r.stable_version;
    if (!(await confirmAction(t(`confirm.${action}`, { version, adapter: r.adapter, tenant: r.org_id })))) return;
    try {
      await api("POST", `/admin/rollouts/${r.id}/${action}`, {});
      await route();
    } catch (error) {
      setStatus(error.message, "bad");
    }
  };
  const win = r.slo_window || {};
  return el("section", { class: "card", id: `rollout-${r.id}`, "data-status": r.status },
    el("h2", { text: `#${r.id} ${r.org_id} / ${r.adapter}: ${r.canary_version} (${t("canary")}) · ${r.stable_version} (${t("stable")})` }),
    el("p", { class: `badge ${r.status}`, "data-rollout-status": r.status, text: `${r.status} · ${r.weight}%` }),
    chart(`rollout-chart-${r.id}`, t("weight"), { type: "line", data: { labels: points.map((p) => p.x),
      datasets: [{ label: t("weight"), data: points.map((p) => p.y), stepped: true, borderColor: PALETTE[0],
                   backgroundColor: PALETTE[0] }] }, options: { scales: { y: { min: 0, max: 100 } } } }),
    el("p", { class: "muted", text: `${t("rollout.window")}: ${t("interval")} ${win.interval_s ?? "?"} s · ${t("steps")} ${(win.steps || []).join(" → ")}% · min ${win.min_requests ?? "?"} req · ${objectives(win.objectives)}` }),
    judged ? el("p", { class: "muted", text: `${t("rollout.judged")} ${when(judged.at)}: ${t("canary")} ${objectives(judged.observed.canary)} | ${t("stable")} ${objectives(judged.observed.stable)}` }) : null,
    running ? el("div", { class: "actions" },
      el("button", { type: "button", id: `promote-${r.id}`, text: t("promote"), onclick: decide("promote") }),
      el("button", { type: "button", class: "danger", id: `rollback-${r.id}`, text: t("rollback"), onclick: decide("rollback") })) : null,
    el("details", {}, el("summary", { text: t("rollout.history") }),
      table([{ key: "at", label: t("at"), render: (e) => when(e.at) }, { key: "action", label: t("action") },
             { key: "weight", label: "%" }, { key: "reason", label: t("reason") }], r.events)));
}

PAGES.rollouts = async () => {
  const data = await api("GET", "/admin/rollouts");
  return data.data.length ? data.data.map(rolloutCard) : [el("p", { class: "muted", text: t("rollout.none") })];
};

// ---- adapters ---------------------------------------------------------------------------------------------

function lineageList(node) {
  const mark = node.verified === true ? "✓" : node.verified === false ? "✗" : node.found ? "·" : "?";
  return el("li", {}, `${mark} ${node.kind || "?"} ${node.name || ""} ${node.digest.slice(0, 16)}…`,
    node.problem ? el("span", { class: "error", text: ` ${node.problem}` }) : null,
    node.parents.length ? el("ul", {}, node.parents.map(lineageList)) : null);
}

PAGES.adapters = async () => {
  const data = await api("GET", "/admin/adapters");
  if (!data.data.length) return [el("p", { class: "muted", text: t("nodata") })];
  return data.data.map((a) => {
    const tree = el("div", { class: "provenance" });
    return section(`${a.name} · ${t("base_model")} ${a.base_model}`, table([
      { key: "version", label: t("version") }, { key: "channel", label: t("channel"), render: (v) => v.channel || "" },
      { key: "created_at", label: t("created"), render: (v) => when(v.created_at) },
      { key: "manifest", label: t("manifest"), render: (v) => v.manifest.valid ? `✓ ${t("verified")}` : `✗ ${v.manifest.message}` },
      { key: "provenance", label: t("provenance"), render: (v) => el("button", { type: "button", class: "secondary small",
        text: t("provenance"), onclick: async () => {
          const p = await api("GET", `/admin/adapters/${encodeURIComponent(a.name)}/${encodeURIComponent(v.version)}/provenance`);
          tree.replaceChildren(el("h3", { text: `${a.name} ${v.version}` }),
            p.lineage ? el("ul", {}, lineageList(p.lineage)) : el("p", { class: "muted", text: p.message }));
        } }) },
    ], a.versions_detail), tree);
  });
};

// ---- RAG --------------------------------------------------------------------------------------------------

PAGES.rag = async () => {
  const data = await api("GET", "/admin/rag/collections");
  if (!data.enabled) return [el("p", { class: "muted", text: t("rag.disabled") })];
  return [table([{ key: "org_id", label: t("tenant") }, { key: "id", label: t("name") },
                 { key: "documents", label: t("documents"), render: (c) => number(c.documents) },
                 { key: "chunks", label: t("chunks"), render: (c) => number(c.chunks) },
                 { key: "embedding_model", label: t("embedder") }], data.data, { id: "rag-table" })];
};

// A tenant session never shows admin pages (the API refuses them too: 403).
for (const name of ["audit", "rollouts", "adapters", "rag"]) {
  const render = PAGES[name];
  PAGES[name] = async () => (isAdmin() ? render() : [el("p", { class: "error", role: "alert", id: "denied", text: t("page.denied") })]);
}
