// The console's frame: session, navigation, the admin API client, and small DOM and chart helpers.
// Data is always set as text (textContent), never parsed as HTML.
"use strict";

const state = { session: null, charts: [], openTenant: null };

class ApiError extends Error {
  constructor(status, error) {
    super((error && error.message) || `HTTP ${status}`);
    this.status = status;
    this.param = error && error.param;
    this.code = error && error.code;
  }
}

async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && state.session) headers["X-CSRF-Token"] = state.session.csrf_token;
  let response;
  try {
    response = await fetch(path, { method, headers, credentials: "same-origin",
                                   body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (_) {
    throw new ApiError(0, { message: t("error.network") });
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new ApiError(response.status, data.error);
    if (response.status === 401 && path !== "/console/session") showSignIn(t("signin.expired"));
    throw error;
  }
  return data;
}

// ---- DOM helpers ------------------------------------------------------------------------------------------

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function table(columns, rows, { caption, id } = {}) {
  const head = el("tr", {}, columns.map((c) => el("th", { scope: "col", text: c.label })));
  const body = rows.length
    ? rows.map((row) => el("tr", {}, columns.map((c) => el("td", { "data-col": c.key }, c.render ? c.render(row) : row[c.key] ?? ""))))
    : [el("tr", {}, el("td", { colspan: columns.length, class: "empty", text: t("nodata") }))];
  return el("div", { class: "table-wrap" },
    el("table", { id }, caption ? el("caption", { text: caption }) : null, el("thead", {}, head), el("tbody", {}, body)));
}

function section(title, ...children) {
  return el("section", { class: "card" }, el("h2", { text: title }), ...children);
}

function setStatus(text, kind) {
  const status = document.getElementById("status");
  status.textContent = text || "";
  status.className = `status ${kind || ""}`;
}

// micro-units (integer) -> decimal string, without floating point
function money(micros) {
  const digits = String(BigInt(micros ?? 0)).padStart(7, "0");
  const whole = digits.slice(0, -6);
  const fraction = digits.slice(-6).replace(/0+$/, "");
  return fraction ? `${whole}.${fraction}` : whole;
}

function number(value) {
  return value === null || value === undefined ? "–" : Number(value).toLocaleString(LANG);
}

function when(iso) {
  return iso ? new Date(iso).toLocaleString(LANG, { dateStyle: "short", timeStyle: "medium" }) : "–";
}

function confirmAction(text) {
  const dialog = document.getElementById("confirm");
  document.getElementById("confirm-text").textContent = text;
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    dialog.returnValue = "";
    dialog.showModal();
    document.getElementById("confirm-cancel").focus();
  });
}

// ---- charts (Chart.js, vendored) --------------------------------------------------------------------------

const PALETTE = ["#2563eb", "#d97706", "#059669", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d"];

function chart(id, label, config) {
  const canvas = el("canvas", { id, role: "img", "aria-label": label });
  const box = el("div", { class: "chart" }, canvas);
  requestAnimationFrame(() => {
    const options = { responsive: true, maintainAspectRatio: false, animation: false,
                      plugins: { legend: { position: "bottom" } }, ...config.options };
    state.charts.push(new Chart(canvas, { ...config, options }));
  });
  return box;
}

function clearCharts() {
  for (const c of state.charts) c.destroy();
  state.charts = [];
}

// ---- session and navigation -------------------------------------------------------------------------------

function isAdmin() {
  return state.session && state.session.scope === "admin";
}

function showSignIn(message) {
  state.session = null;
  clearCharts();
  document.getElementById("page").replaceChildren();  // no data stays on screen
  document.getElementById("app").hidden = true;
  document.getElementById("signin").hidden = false;
  document.getElementById("signin-error").textContent = message || "";
  document.getElementById("signin-key").value = "";
  document.getElementById("signin-key").focus();
}

function showApp() {
  document.getElementById("signin").hidden = true;
  document.getElementById("app").hidden = false;
  const s = state.session;
  document.getElementById("who").textContent =
    s.scope === "admin" ? `${t("who.admin")} · ${s.key_id}` : `${t("who.tenant")} ${s.org_id} · ${s.key_id}`;
  for (const item of document.querySelectorAll("[data-admin]")) item.hidden = !isAdmin();
  route();
}

async function route() {
  if (!state.session) return;
  const name = (location.hash || "#overview").slice(1).split("/")[0];
  const page = PAGES[name] ? name : "overview";
  for (const link of document.querySelectorAll("#nav a")) {
    if (link.dataset.page === page) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  clearCharts();
  setStatus("");
  const title = document.getElementById("page-title");
  title.textContent = t(`page.${page}`);
  const container = document.getElementById("page");
  container.replaceChildren(el("p", { class: "muted", text: t("loading") }));
  try {
    const content = await PAGES[page]();
    container.replaceChildren(...[content].flat());
  } catch (error) {
    if (error.status === 401) return;
    container.replaceChildren(el("p", { class: "error", role: "alert", text: error.message }));
  }
  document.getElementById("main").focus({ preventScroll: true });
}

async function signIn(event) {
  event.preventDefault();
  const input = document.getElementById("signin-key");
  const error = document.getElementById("signin-error");
  error.textContent = "";
  try {
    state.session = await api("POST", "/console/session", { api_key: input.value });
    input.value = "";
    showApp();
  } catch (e) {
    error.textContent = e.message;
    input.setAttribute("aria-invalid", "true");
    input.focus();
  }
}

async function signOut() {
  try {
    await api("DELETE", "/console/session");
  } finally {
    showSignIn("");
  }
}

async function start() {
  translatePage();
  document.getElementById("signin-form").addEventListener("submit", signIn);
  document.getElementById("signout").addEventListener("click", signOut);
  window.addEventListener("hashchange", route);
  try {
    state.session = await api("GET", "/console/session");
    showApp();
  } catch (_) {
    showSignIn("");
  }
}

document.addEventListener("DOMContentLoaded", start);
