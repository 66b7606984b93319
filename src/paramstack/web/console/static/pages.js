// One function per console page (tenants and keys: tenants.js); each returns the nodes to show. Data comes only
// from the admin API.
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
      { key: "http_status", label: t("http") }, { key: "codes", label: t("codes"), render: (r) => [r.outcome_code, ...r.codes].filter(Boolean).join(", ") },
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
