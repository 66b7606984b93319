// The labelling page: vanilla JS, no build step. Data is only ever inserted with textContent (never as
// HTML), so a pair's text cannot run script in an admin's browser.
"use strict";

const KEY_STORAGE = "paramstack.adminKey";
const CRITERIA = ["relevance", "helpfulness", "accuracy", "safety", "clarity"];
const PAGE = 500;
const state = { key: sessionStorage.getItem(KEY_STORAGE), dataset: null, pairs: [], index: 0, editing: false };
const $ = (id) => document.getElementById(id);

async function api(path, options = {}) {
  const response = await fetch(path, {
    ...options,
    headers: { "Authorization": `Bearer ${state.key}`, "Content-Type": "application/json" },
  });
  const body = await response.json().catch(() => ({}));
  if (response.status === 401 || response.status === 403) {
    forgetKey(body.error ? body.error.message : "This key is not an admin key.");
    throw new Error("unauthorised");
  }
  if (!response.ok) {
    throw new Error(body.error ? body.error.message : `HTTP ${response.status}`);
  }
  return body;
}

function forgetKey(message) {
  sessionStorage.removeItem(KEY_STORAGE);
  state.key = null;
  $("workspace").hidden = true;
  $("logout").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = message || "";
  $("key").focus();
}

async function start() {
  if (!state.key) {
    forgetKey("");
    return;
  }
  $("login").hidden = true;
  $("logout").hidden = false;
  const datasets = (await api("/label/api/datasets")).data;
  const select = $("dataset");
  select.replaceChildren(...datasets.map((d) => {
    const option = document.createElement("option");
    option.value = d.dataset;
    option.textContent = `${d.dataset} (${d.labelled}/${d.pairs})`;
    return option;
  }));
  $("workspace").hidden = false;
  if (!datasets.length) {
    $("empty").hidden = false;
    $("pair").hidden = true;
    return;
  }
  await loadDataset(select.value);
}

async function loadDataset(name) {
  state.dataset = name;
  state.pairs = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = (await api(`/label/api/pairs?dataset=${encodeURIComponent(name)}&offset=${offset}&limit=${PAGE}`)).data;
    state.pairs.push(...page);
    if (page.length < PAGE) break;
  }
  // Start at the first pair nobody has labelled yet: a reviewer picks up where the last one stopped.
  const firstOpen = state.pairs.findIndex((p) => !p.label);
  state.index = firstOpen === -1 ? 0 : firstOpen;
  $("empty").hidden = state.pairs.length > 0;
  render();
}

function renderCriteria(element, scores) {
  element.replaceChildren();
  for (const name of CRITERIA) {
    if (scores && scores[name] !== undefined) {
      const term = document.createElement("dt");
      term.textContent = name;
      const value = document.createElement("dd");
      value.textContent = Number(scores[name]).toFixed(1);
      element.append(term, value);
    }
  }
}

function render() {
  const pair = state.pairs[state.index];
  $("pair").hidden = !pair;
  const labelled = state.pairs.filter((p) => p.label).length;
  $("progress").textContent = `${labelled} / ${state.pairs.length} labelled`;
  if (!pair) return;
  setEditing(false);
  const label = pair.label;
  const swapped = label && label.decision === "swap";
  const edited = label && label.decision === "edit";
  $("position").textContent = `Pair ${state.index + 1} of ${state.pairs.length}`;
  $("prompt-id").textContent = pair.prompt_id;
  $("status").textContent = label ? label.decision : "unlabelled";
  $("status").dataset.decision = label ? label.decision : "none";
  $("prompt").textContent = pair.prompt;
  // Show what the export will write: a swap shows the reversed pair, an edit the edited texts.
  $("chosen").textContent = edited ? label.chosen : swapped ? pair.rejected : pair.chosen;
  $("rejected").textContent = edited ? (label.rejected ?? pair.rejected) : swapped ? pair.chosen : pair.rejected;
  $("chosen-score").textContent = `judge ${Number(swapped ? pair.rejected_score : pair.chosen_score).toFixed(2)}`;
  $("rejected-score").textContent = `judge ${Number(swapped ? pair.chosen_score : pair.rejected_score).toFixed(2)}`;
  const scores = (pair.metadata && pair.metadata.scores) || {};
  renderCriteria($("chosen-criteria"), swapped ? scores.rejected : scores.chosen);
  renderCriteria($("rejected-criteria"), swapped ? scores.chosen : scores.rejected);
  const meta = pair.metadata || {};
  $("judge").textContent = [meta.judge && `judge: ${meta.judge}`,
    meta.chosen_temp !== undefined && `temperatures: ${meta.chosen_temp} vs ${meta.rejected_temp}`,
    meta.num_candidates && `${meta.num_candidates} candidates`].filter(Boolean).join(" · ");
  $("note").value = label ? label.note : "";
  $("message").textContent = "";
}

function setEditing(on) {
  state.editing = on;
  for (const side of ["chosen", "rejected"]) {
    $(side).hidden = on;
    $(`${side}-edit`).hidden = !on;
  }
  $("save-edit").hidden = !on;
  $("cancel-edit").hidden = !on;
  for (const id of ["keep", "swap", "reject", "edit"]) $(id).disabled = on;
}

function startEdit() {
  const pair = state.pairs[state.index];
  if (!pair) return;
  $("chosen-edit").value = $("chosen").textContent;
  $("rejected-edit").value = $("rejected").textContent;
  setEditing(true);
  $("chosen-edit").focus();
}

async function decide(decision) {
  const pair = state.pairs[state.index];
  if (!pair) return;
  const body = { decision, note: $("note").value };
  if (decision === "edit") {
    body.chosen = $("chosen-edit").value;
    body.rejected = $("rejected-edit").value;
  }
  try {
    const saved = await api(`/label/api/pairs/${pair.id}/label`, { method: "PUT", body: JSON.stringify(body) });
    pair.label = saved;
    if (state.index < state.pairs.length - 1) state.index += 1;
    render();
    $("message").textContent = `Saved: ${decision}`;
  } catch (error) {
    if (error.message !== "unauthorised") $("message").textContent = `Not saved: ${error.message}`;
  }
}

function move(step) {
  const next = state.index + step;
  if (next >= 0 && next < state.pairs.length) {
    state.index = next;
    render();
  }
}

function onKey(event) {
  if ($("workspace").hidden) return;
  if (state.editing) {
    if (event.key === "Escape") { event.preventDefault(); setEditing(false); render(); }
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); decide("edit"); }
    return;
  }
  const typing = ["TEXTAREA", "INPUT", "SELECT"].includes(document.activeElement.tagName);
  if (typing) {
    if (event.key === "Escape") document.activeElement.blur();
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const actions = {
    k: () => decide("keep"), s: () => decide("swap"), r: () => decide("reject"), e: startEdit,
    ArrowRight: () => move(1), j: () => move(1), n: () => move(1),
    ArrowLeft: () => move(-1), p: () => move(-1), "/": () => $("note").focus(),
  };
  const action = actions[event.key];
  if (action) {
    event.preventDefault();
    action();
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("login-form").addEventListener("submit", (event) => {
    event.preventDefault();
    state.key = $("key").value.trim();
    sessionStorage.setItem(KEY_STORAGE, state.key);
    $("key").value = "";
    start().catch((error) => { if (error.message !== "unauthorised") $("login-error").textContent = error.message; });
  });
  $("logout").addEventListener("click", () => forgetKey(""));
  $("dataset").addEventListener("change", (event) => loadDataset(event.target.value));
  $("keep").addEventListener("click", () => decide("keep"));
  $("swap").addEventListener("click", () => decide("swap"));
  $("reject").addEventListener("click", () => decide("reject"));
  $("edit").addEventListener("click", startEdit);
  $("save-edit").addEventListener("click", () => decide("edit"));
  $("cancel-edit").addEventListener("click", () => { setEditing(false); render(); });
  $("prev").addEventListener("click", () => move(-1));
  $("next").addEventListener("click", () => move(1));
  document.addEventListener("keydown", onKey);
  start().catch((error) => { if (error.message !== "unauthorised") $("login-error").textContent = error.message; });
});
