import { readSse } from "../client.ts";

/**
 * The operator console: one page, no build step, driven by the registration
 * it reads from the API. It lists the scope's intents with their phase, live
 * progress, attempts, next attempt and failure reason; builds an enqueue form
 * for each trigger from its intent JSON Schema; cancels; tails the ledger; and
 * opens the registered attached streams; appends the declared events; lists
 * the scope's schedules with their next fire time, and removes those made
 * through the API. Server-sent events are read with
 * fetch and the client's own `readSse` (its source, inlined below), so the
 * console sends the same Authorization header as every other call.
 */
export const consolePage = /* html */ `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>durable-triggers · console</title>
<style>
  :root { --bg: #f6f7f9; --card: #fff; --ink: #1d2330; --muted: #6b7385; --line: #e3e6ec; --accent: #f38020;
          --ok: #1f9d55; --warn: #c98a00; --bad: #cc3340; --run: #2f6fde; font: 14px/1.45 system-ui, sans-serif; }
  body { margin: 0; background: var(--bg); color: var(--ink); }
  header { display: flex; gap: 1rem; align-items: center; padding: .8rem 1.5rem; background: var(--ink); color: #fff; }
  header h1 { font-size: 1rem; margin: 0; font-weight: 600; } header h1 b { color: var(--accent); }
  header label { color: #c9cdd6; } header label:first-of-type { margin-left: auto; } header input { width: 9rem; }
  main { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 1rem; padding: 1rem 1.5rem; }
  section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 1rem; margin-bottom: 1rem; }
  h2 { font-size: .8rem; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 0 0 .75rem; }
  h3 { font-size: .9rem; margin: 0 0 .4rem; } h3 small { color: var(--muted); font-weight: 400; }
  form { display: flex; flex-wrap: wrap; gap: .5rem; align-items: flex-start; margin-bottom: .75rem; }
  .field { display: flex; flex-direction: column; gap: .15rem; } .field span { font-size: .75rem; color: var(--muted); }
  .field .error { color: var(--bad); font-size: .75rem; min-height: 1em; }
  input, select, button, textarea { font: inherit; padding: .35rem .55rem; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
  textarea { font: 12px/1.4 ui-monospace, monospace; width: 16rem; min-height: 3rem; }
  [aria-invalid="true"] { border-color: var(--bad); }
  button { cursor: pointer; background: var(--ink); color: #fff; border-color: var(--ink); align-self: flex-end; }
  button.cancel { background: #fff; color: var(--bad); border-color: var(--bad); padding: .15rem .5rem; }
  button:disabled { opacity: .35; cursor: default; }
  table { width: 100%; border-collapse: collapse; }
  th, td { text-align: left; padding: .4rem .3rem; border-bottom: 1px solid var(--line); vertical-align: middle; }
  th { font-size: .75rem; color: var(--muted); font-weight: 500; }
  td.why { color: var(--bad); font-size: .8rem; overflow-wrap: anywhere; max-width: 16rem; }
  .phase { font-size: .75rem; padding: .1rem .45rem; border-radius: 999px; background: var(--line); white-space: nowrap; }
  .phase.claimed, .phase.redriven { background: #dfe9fb; color: var(--run); }
  .phase.completed, .phase.completed_after_cancel_requested { background: #dcf3e5; color: var(--ok); }
  .phase.cancelled, .phase.cancel_requested, .phase.retry_scheduled { background: #fbeed0; color: var(--warn); }
  .phase.failed, .phase.rejected { background: #f9dde0; color: var(--bad); }
  .bar { height: 8px; background: var(--line); border-radius: 4px; overflow: hidden; min-width: 6rem; }
  .bar > span { display: block; height: 100%; width: 0; background: var(--run); transition: width .3s; }
  tr[data-phase^="completed"] .bar > span { background: var(--ok); }
  ol.ledger { list-style: none; margin: 0; padding: 0; max-height: 24rem; overflow: auto; font: 12px/1.5 ui-monospace, monospace; }
  ol.ledger li { padding: .2rem 0; border-bottom: 1px dashed var(--line); overflow-wrap: anywhere; }
  ol.ledger .kind { color: var(--run); }
  .output { min-height: 2rem; padding: .5rem; background: var(--bg); border-radius: 6px; margin: .5rem 0; white-space: pre-wrap; }
  .muted { color: var(--muted); } p.about { margin: 0 0 .4rem; font-size: .8rem; }
  .scroll { overflow-x: auto; }
  button.link { background: none; border: 0; color: var(--run); padding: 0; text-decoration: underline; }
  #detail pre { font: 12px/1.4 ui-monospace, monospace; background: var(--bg); padding: .5rem; border-radius: 6px; overflow: auto; max-height: 14rem; margin: .25rem 0 .75rem; }
  #detail dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem .75rem; margin: 0 0 .75rem; }
  #detail dt { color: var(--muted); } #detail dd { margin: 0; overflow-wrap: anywhere; }
  /* A phone (390 px): one column, the header wraps, wide tables scroll inside their card. */
  @media (max-width: 700px) {
    header { flex-wrap: wrap; padding: .6rem .8rem; gap: .5rem; } header label:first-of-type { margin-left: 0; }
    header input { width: 8rem; }
    main { grid-template-columns: minmax(0, 1fr); padding: .6rem; gap: 0; }
    section { padding: .75rem; } textarea { width: 100%; box-sizing: border-box; }
    /* Wide enough that a long reason does not squeeze its column to a letter a line: the card scrolls. */
    .scroll table { min-width: 40rem; } td.why { min-width: 10rem; }
  }
</style>
</head>
<body>
<header>
  <h1><b>durable</b>-triggers · console</h1>
  <label>scope <input id="scope" data-testid="scope"></label>
  <label>token <input id="token" type="password" placeholder="none" data-testid="token"></label>
</header>
<main>
  <div>
    <section><h2>Enqueue</h2><div id="triggers" data-testid="triggers"></div><p id="message" class="muted" data-testid="message"></p></section>
    <section>
      <h2>Schedules</h2>
      <div class="scroll"><table>
        <thead><tr><th>key</th><th>trigger</th><th>when</th><th>next fire</th><th>last fired</th><th>from</th><th></th></tr></thead>
        <tbody id="schedules" data-testid="schedules"><tr><td colspan="7" class="muted">none</td></tr></tbody>
      </table></div>
    </section>
    <section>
      <h2>Intents</h2>
      <div class="scroll"><table>
        <thead><tr><th>id</th><th>trigger</th><th>phase</th><th>progress</th><th>attempts</th><th>next attempt</th><th>why</th><th></th></tr></thead>
        <tbody id="intents" data-testid="intents"></tbody>
      </table></div>
    </section>
    <section id="detail" data-testid="detail" hidden></section>
  </div>
  <div>
    <section><h2>Ledger, live</h2><ol class="ledger" id="ledger" data-testid="ledger"></ol></section>
    <section><h2>Attached streams</h2><div id="streams" data-testid="streams"><p class="muted">none registered</p></div></section>
    <section><h2>Declared events</h2><div id="declared" data-testid="declared"><p class="muted">none declared</p></div></section>
  </div>
</main>
<script type="module">
${readSse.toString()}

const $ = (id) => document.getElementById(id);
/** An element with properties and children (nodes or text; empty arrays for none). */
function build(tag, props, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  for (const child of children.flat()) node.append(child);
  return node;
}
const params = new URLSearchParams(location.search);
const scope = params.get("scope") || "demo";
$("scope").value = scope;
$("scope").addEventListener("change", () => { location.search = "?scope=" + encodeURIComponent($("scope").value); });
// The token is kept in this origin's localStorage, so every tab has it; an empty field forgets it.
const TOKEN_KEY = "durable-triggers-token";
$("token").value = localStorage.getItem(TOKEN_KEY) || "";
const saveToken = () => {
  if ($("token").value) localStorage.setItem(TOKEN_KEY, $("token").value);
  else localStorage.removeItem(TOKEN_KEY);
  location.reload();
};
$("token").addEventListener("change", saveToken);
$("token").addEventListener("keydown", (e) => { if (e.key === "Enter") saveToken(); });
// The console may be mounted under any path: every call is relative to where it is served.
const base = location.pathname.replace(/\\/?$/, "/") + "scopes/" + encodeURIComponent(scope);
const SETTLED = new Set(["completed", "completed_after_cancel_requested", "cancelled", "failed", "rejected"]);
const rows = new Map();
const reasons = new Map();

function headers(json) {
  const h = json ? { "content-type": "application/json" } : {};
  const token = $("token").value;
  if (token) h.authorization = "Bearer " + token;
  return h;
}

async function api(path, body, method = body === undefined ? "GET" : "POST") {
  const response = await fetch(base + path, body === undefined ? { method, headers: headers(false) } : { method, headers: headers(true), body: JSON.stringify(body) });
  const json = await response.json();
  if (!response.ok) throw Object.assign(new Error(json.error || response.statusText), { status: response.status });
  return json;
}

/** Reads a server-sent-event endpoint with the client's readSse; each message goes to onMessage. */
async function sse(path, init, onMessage, onOpen) {
  const response = await fetch(base + path, { ...init, headers: { ...headers(init.body !== undefined), ...(init.headers || {}) } });
  if (!response.ok) throw new Error((await response.json()).error || response.statusText);
  onOpen?.();
  for await (const message of readSse(response.body)) onMessage(message);
}

/**
 * How far along a progress payload says it is: \`{ of, remaining }\`, or \`{ of }\` with
 * one of \`done\`, \`written\` or \`step\` (README, "Progress the console draws").
 * Any other payload is shown as text next to an empty bar.
 */
function fraction(p) {
  if (!p || typeof p.of !== "number" || p.of <= 0) return null;
  if (typeof p.remaining === "number") return (p.of - p.remaining) / p.of;
  const done = p.written ?? p.step ?? p.done;
  return typeof done === "number" ? done / p.of : null;
}

/** A duration in words: "30 s", "10 min", "1 h", "2 days"; \`every\` says "every hour" for one of a unit. */
const UNITS = [["day", "days", "day", 86400000], ["h", "h", "hour", 3600000], ["min", "min", "minute", 60000], ["s", "s", "second", 1000]];
function inWords(ms) {
  for (const [one, many, , size] of UNITS) if (ms >= size && ms % size === 0) return ms / size + " " + (ms === size ? one : many);
  return ms < 1000 ? ms + " ms" : (ms / 1000).toFixed(1) + " s";
}
function every(ms) {
  const unit = UNITS.find(([, , , size]) => ms === size);
  return "every " + (unit ? unit[2] : inWords(ms));
}

// ---- forms built from JSON Schema -------------------------------------------------------------

/** What a JSON pointer within the same document (\`#\`, \`#/definitions/Money\`) points at; {} (anything) where nothing is. */
function pointer(root, ref) {
  let node = root;
  for (const token of ref.slice(1).split("/").slice(1)) {
    let key;
    try { key = decodeURIComponent(token).split("~1").join("/").split("~0").join("~"); } catch { return {}; }
    if (!node || typeof node !== "object" || !Object.prototype.hasOwnProperty.call(node, key)) return {};
    node = node[key];
  }
  return node;
}

/**
 * A schema as the form reads it, with its local references followed: a \`$ref\` (generated constants state
 * each shared schema once, under \`definitions\`) and an \`allOf\` of one schema (how draft 7 puts a reference
 * beside other keywords), the schema's own keywords kept over what they point at. Only this node's chain
 * is followed, never the properties below it, and a reference met twice stops it: a recursive schema
 * does not loop. A reference outside the document reads as any value.
 */
function resolveLocal(schema, root) {
  const seen = new Set();
  while (schema && typeof schema === "object") {
    if (typeof schema.$ref === "string") {
      const { $ref, ...own } = schema;
      if (seen.has($ref) || !$ref.startsWith("#")) return own;
      seen.add($ref);
      schema = { ...pointer(root, $ref), ...own };
    } else if (Array.isArray(schema.allOf) && schema.allOf.length === 1) {
      const { allOf, ...own } = schema;
      schema = { ...allOf[0], ...own };
    } else break;
  }
  return schema;
}

/** One input per top-level property the schema describes simply; a JSON textarea for the rest. */
function schemaForm(root, testid, onSubmit, label) {
  // The object is the one judge of a payload: the browser's own checks (min, max) would hide its answer.
  const form = build("form", { className: "schema-form", noValidate: true }, []);
  form.dataset.testid = testid;
  const schema = resolveLocal(root, root);
  const properties = schema && schema.type === "object" && schema.properties ? schema.properties : null;
  const required = new Set((schema && schema.required) || []);
  const readers = [];
  const fieldBox = (name, input, hint) => {
    const error = build("span", { className: "error" }, []);
    error.dataset.testid = "error-" + name;
    input.dataset.testid = "field-" + name;
    input.name = name;
    const box = build("label", { className: "field" }, build("span", {}, name + (required.has(name) ? " *" : "") + (hint ? " · " + hint : "")), input, error);
    form.append(box);
    return { name, input, error };
  };
  if (!properties) {
    const field = fieldBox("payload", build("textarea", { value: "{}" }, []), "JSON");
    readers.push(() => ({ whole: JSON.parse(field.input.value) }));
  } else {
    for (const [name, property] of Object.entries(properties)) {
      const p = resolveLocal(property || {}, root) || {};
      const types = [].concat(p.type || []);
      let field;
      if (Array.isArray(p.enum)) {
        const select = build("select", {}, ...p.enum.map((v) => build("option", { value: JSON.stringify(v), textContent: String(v) }, [])));
        if (p.default !== undefined) select.value = JSON.stringify(p.default);
        field = fieldBox(name, select);
        readers.push(() => ({ [name]: JSON.parse(field.input.value) }));
      } else if (types.includes("boolean") && types.length === 1) {
        field = fieldBox(name, build("input", { type: "checkbox", checked: p.default === true }, []));
        readers.push(() => ({ [name]: field.input.checked }));
      } else if ((types.includes("integer") || types.includes("number")) && types.every((t) => t === "integer" || t === "number")) {
        const input = build("input", { type: "number", value: p.default ?? p.minimum ?? "" }, []);
        if (p.minimum !== undefined) input.min = p.minimum;
        if (p.maximum !== undefined) input.max = p.maximum;
        field = fieldBox(name, input, types.includes("integer") ? "integer" : "number");
        readers.push(() => (field.input.value === "" ? {} : { [name]: Number(field.input.value) }));
      } else if (types.length === 1 && types[0] === "string") {
        const input = build("input", { value: p.default ?? (name === "id" ? "job-" + Date.now().toString(36) : "") }, []);
        field = fieldBox(name, input, p.format);
        readers.push(() => (field.input.value === "" && !required.has(name) ? {} : { [name]: field.input.value }));
      } else {
        field = fieldBox(name, build("textarea", { value: p.default === undefined ? "" : JSON.stringify(p.default) }, []), "JSON");
        readers.push(() => (field.input.value.trim() === "" ? {} : { [name]: JSON.parse(field.input.value) }));
      }
    }
  }
  const button = build("button", { type: "submit", textContent: label }, []);
  button.dataset.testid = testid + "-submit";
  form.append(button);
  const fields = () => [...form.querySelectorAll(".field")];
  const clear = () => fields().forEach((f) => { f.querySelector(".error").textContent = ""; f.querySelector("[name]").removeAttribute("aria-invalid"); });
  /** Puts each refusal (\`path: message\`) next to the field it names; what names no field goes to \`rest\`. */
  const showErrors = (message, rest) => {
    const issues = /refused: (.*)$/.exec(message)?.[1]?.split("; ") ?? [message];
    const unplaced = [];
    for (const issue of issues) {
      const at = /^([^:.[]+)[^:]*: (.*)$/.exec(issue);
      const box = at && form.querySelector('[data-testid="error-' + CSS.escape(at[1]) + '"]');
      if (box) { box.textContent = at[2]; box.parentElement.querySelector("[name]").setAttribute("aria-invalid", "true"); }
      else unplaced.push(issue);
    }
    rest(unplaced.join("; "));
  };
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    clear();
    let value = {};
    try {
      for (const read of readers) Object.assign(value, read());
      if ("whole" in value) value = value.whole;
    } catch (error) {
      $("message").textContent = "not JSON: " + error.message;
      return;
    }
    onSubmit(value, showErrors);
  });
  return form;
}

// ---- intents ------------------------------------------------------------------------------------

function render(intent) {
  let row = rows.get(intent.intentEventId);
  if (!row) {
    const tr = build("tr", {}, ...Array.from({ length: 8 }, () => build("td", {}, [])));
    tr.dataset.intent = intent.intentEventId;
    const open = build("button", { type: "button", className: "link", textContent: String(intent.intentEventId), title: "details" }, []);
    open.dataset.testid = "open-detail";
    open.addEventListener("click", () => showDetail(intent.intentEventId));
    tr.children[0].append(open);
    tr.children[2].append(build("span", { className: "phase" }, []));
    tr.children[3].append(build("div", { className: "bar" }, build("span", {}, [])));
    tr.children[6].className = "why";
    const cancel = build("button", { className: "cancel", textContent: "Cancel" }, []);
    cancel.dataset.testid = "cancel";
    cancel.addEventListener("click", () => cancelIntent(intent.intentEventId));
    tr.children[7].append(cancel);
    $("intents").prepend(tr);
    row = { tr, intent: {} };
    rows.set(intent.intentEventId, row);
  }
  Object.assign(row.intent, intent);
  const { tr } = row;
  const cells = tr.children;
  cells[1].textContent = row.intent.triggerKind ?? "";
  cells[2].firstChild.textContent = row.intent.phase;
  cells[2].firstChild.className = "phase " + row.intent.phase;
  tr.dataset.phase = row.intent.phase;
  cells[4].textContent = row.intent.attempts ?? "";
  const waiting = row.intent.phase === "retry_scheduled" || row.intent.phase === "scheduled";
  cells[5].textContent = waiting && row.intent.fireAt ? new Date(row.intent.fireAt).toLocaleTimeString() : "";
  const error = row.intent.lastError;
  // Why it failed (its last error), was cancelled (\`timeout:finish\`, \`event:…\`, the caller's reason) or was rejected.
  cells[6].textContent = error ? error.name + ": " + error.message : row.intent.cancelReason ?? reasons.get(row.intent.intentEventId) ?? "";
  cells[6].dataset.testid = "why";
  const settled = SETTLED.has(row.intent.phase);
  cells[7].firstChild.disabled = settled;
  if (settled && row.intent.phase.startsWith("completed")) setProgress(row, 1);
  if (detailId === row.intent.intentEventId) showDetail(detailId);
}

function setProgress(row, value, payload) {
  // A payload the bar cannot read is still shown, as text.
  row.tr.querySelector(".bar").title = payload === undefined ? "" : JSON.stringify(payload);
  if (value === null) return;
  row.tr.querySelector(".bar > span").style.width = Math.round(Math.min(1, Math.max(0, value)) * 100) + "%";
  row.tr.dataset.progress = String(Math.round(value * 100));
}

/**
 * One stream for every intent of the scope (GET …/intents/watch), whatever
 * the number of rows: a browser opens at most six connections per host, and
 * a stream per row would leave none for enqueue, cancel or append. After each
 * (re)connect the list is read again, so nothing sent while away is missed.
 */
async function watchScope() {
  for (;;) {
    let opened = false;
    await sse("/intents/watch", {}, ({ event, data }) => {
      const frame = JSON.parse(data);
      const row = rows.get(frame.intentEventId);
      if (event === "progress") { if (row) setProgress(row, fraction(frame.payload), frame.payload); return; }
      // A row this page has not listed yet (enqueued elsewhere) comes with the next list read.
      if (!row) { refresh(); return; }
      if (event === "phase") render({ intentEventId: frame.intentEventId, phase: frame.phase });
      // The terminal frame carries the last error, as JSON text.
      else render({ intentEventId: frame.intentEventId, phase: frame.phase, settledAt: frame.settledAt, lastError: frame.error ? JSON.parse(frame.error) : null });
      // Attempts, due times and cancel reasons come with the list (reads in flight share one more).
      refresh();
    }, () => { opened = true; refresh(); }).catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, opened ? 250 : 2000));
  }
}

let refreshing = null;
let again = false;
/** Reads the list again; calls while a read is under way share one more read after it. */
function refresh() {
  if (refreshing) { again = true; return refreshing; }
  refreshing = readAll().catch(() => {}).finally(() => { refreshing = null; if (again) { again = false; refresh(); } });
  return refreshing;
}

async function readAll() {
  const [intents, facts, schedules] = await Promise.all([api("/intents?limit=100"), api("/events?kinds=durable_trigger.rejected"), api("/schedules")]);
  // A rejection's reason is in its fact; a failure's error is on the intent itself.
  for (const { payload } of facts) if (payload.reason) reasons.set(payload.intentEventId, payload.reason);
  for (const intent of intents.reverse()) render(intent);
  renderSchedules(schedules);
}

// ---- schedules ----------------------------------------------------------------------------------

let schedulesPending = null;
/** At most one schedules read a second, however busy the ledger. */
function refreshSchedules() {
  schedulesPending ??= new Promise((resolve) => setTimeout(resolve, 1000))
    .then(() => api("/schedules")).then(renderSchedules).catch(() => {}).finally(() => { schedulesPending = null; });
}

const when = (ms) => (ms === null ? "" : new Date(ms).toLocaleString());
function renderSchedules(schedules) {
  if (schedules.length === 0) {
    $("schedules").replaceChildren(build("tr", {}, build("td", { colSpan: 7, className: "muted", textContent: "none" }, [])));
    return;
  }
  $("schedules").replaceChildren(...schedules.map((s) => {
    const timing = s.cron !== null ? s.cron + (s.timezone ? " (" + s.timezone + ")" : " (UTC)") : every(s.everyMs);
    const tr = build("tr", {}, ...[s.key, s.triggerKind, timing, when(s.nextFireAt), when(s.lastFiredAt), s.origin, ""].map((text) => build("td", { textContent: text }, [])));
    tr.dataset.schedule = s.key;
    // A spec's default is changed in the spec; the API refuses to remove it, so no button is offered.
    if (s.origin === "api") {
      const remove = build("button", { className: "cancel", textContent: "Remove" }, []);
      remove.dataset.testid = "remove-schedule";
      remove.addEventListener("click", () => removeSchedule(s.key));
      tr.children[6].append(remove);
    }
    return tr;
  }));
}

async function removeSchedule(key) {
  try {
    const { removed } = await api("/schedules/" + encodeURIComponent(key), undefined, "DELETE");
    $("message").textContent = "schedule " + key + (removed ? " removed" : " was already gone");
    renderSchedules(await api("/schedules"));
  } catch (error) {
    $("message").textContent = error.message;
  }
}

async function cancelIntent(id) {
  const { triggerKind } = rows.get(id).intent;
  if (!confirm("Cancel intent " + id + " (" + triggerKind + ")?")) return;
  try {
    const result = await api("/intents/" + id + "/cancel", { triggerKind, reason: "cancelled from the console" });
    $("message").textContent = "cancel " + id + ": " + result.status;
  } catch (error) {
    $("message").textContent = error.message;
  }
}

// ---- one intent in detail -------------------------------------------------------------------------

let detailId = null;
const RUN_AGAIN_PHASES = new Set(["failed", "rejected", "cancelled"]);
/**
 * An intent's payload (its intent event), state, last error, cancel reason and
 * the facts that name it. A failed intent can be run again: that enqueues a
 * new intent with the same payload (there is no retry of a settled intent:
 * its settlement is final, and its facts say so).
 */
async function showDetail(id) {
  detailId = id;
  const box = $("detail");
  const intent = rows.get(id)?.intent ?? {};
  const [[event], after] = await Promise.all([api("/events?afterId=" + (id - 1) + "&limit=1"), api("/events?afterId=" + id + "&limit=1000")]);
  if (detailId !== id) return;
  const facts = after.filter((e) => e.payload && typeof e.payload === "object" && e.payload.intentEventId === id);
  const pre = (value, testid) => { const node = build("pre", { textContent: JSON.stringify(value, null, 2) }, []); node.dataset.testid = testid; return node; };
  const fields = [
    ["trigger", intent.triggerKind], ["phase", intent.phase], ["attempts", intent.attempts],
    ["due", intent.fireAt ? new Date(intent.fireAt).toLocaleString() : ""], ["settled", intent.settledAt ? new Date(intent.settledAt).toLocaleString() : ""],
    ["last error", intent.lastError ? intent.lastError.name + ": " + intent.lastError.message : ""], ["cancel reason", intent.cancelReason ?? ""],
  ];
  const close = build("button", { type: "button", className: "cancel", textContent: "Close" }, []);
  close.addEventListener("click", () => { detailId = null; box.hidden = true; });
  const actions = build("p", {}, close);
  if (RUN_AGAIN_PHASES.has(intent.phase) && event) {
    const again = build("button", { type: "button", textContent: "Run again" }, []);
    again.dataset.testid = "run-again";
    again.addEventListener("click", async () => {
      try {
        const { id: newId } = await api("/intents", { triggerKind: intent.triggerKind, payload: event.payload });
        $("message").textContent = "enqueued " + newId + " again from " + id;
        render({ intentEventId: newId, triggerKind: intent.triggerKind, phase: "scheduled", attempts: 0 });
      } catch (error) {
        $("message").textContent = error.message;
      }
    });
    actions.prepend(again, " ");
  }
  box.replaceChildren(
    build("h2", { textContent: "Intent " + id }, []),
    build("dl", {}, fields.flatMap(([name, value]) => [build("dt", { textContent: name }, []), build("dd", { textContent: String(value ?? "") }, [])])),
    build("h3", { textContent: "payload" }, []), pre(event ? event.payload : null, "detail-payload"),
    build("h3", { textContent: "facts (" + facts.length + ")" }, []),
    pre(facts.map((f) => ({ id: f.id, kind: f.kind, payload: f.payload })), "detail-facts"),
    actions,
  );
  box.hidden = false;
}

// ---- the ledger, live ---------------------------------------------------------------------------

let lastId = 0;
async function tail() {
  for (;;) {
    await sse("/events/stream", { headers: lastId ? { "last-event-id": String(lastId) } : {} }, ({ data }) => {
      const event = JSON.parse(data);
      lastId = event.id;
      const li = build("li", {}, "#" + event.id + " ", build("span", { className: "kind", textContent: event.kind }, []), " ", build("span", { className: "muted", textContent: JSON.stringify(event.payload) }, []));
      li.dataset.kind = event.kind;
      $("ledger").prepend(li);
      if (event.kind.startsWith("durable_trigger.")) refresh();
      else refreshSchedules(); // a firing appends its intent: the schedule's next fire time moved
    }).catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

// ---- declared events ----------------------------------------------------------------------------

/** A form that appends a declared fact, as a webhook would (POST /events): it may cancel work (cancelOn). */
function eventCard(event) {
  const form = schemaForm(event.payloadSchema, "emit-" + event.kind, async (payload, showErrors) => {
    try {
      const { id } = await api("/events", { kind: event.kind, payload });
      $("message").textContent = "appended " + event.kind + " " + id;
    } catch (error) {
      showErrors(error.message, (rest) => { $("message").textContent = rest; });
    }
  }, "Append");
  return build("div", {}, build("h3", {}, event.kind + " ", build("small", { textContent: event.description || "" }, [])), form);
}

// ---- attached streams ---------------------------------------------------------------------------

function streamCard(stream) {
  const output = build("div", { className: "output" }, []);
  output.dataset.testid = "output-" + stream.kind;
  const bar = build("div", { className: "bar" }, build("span", {}, []));
  const stop = build("button", { type: "button", className: "cancel", textContent: "Cancel", disabled: true }, []);
  let streamRef = null;
  stop.addEventListener("click", () => streamRef && api("/streams/" + encodeURIComponent(streamRef) + "/cancel", { reason: "stopped from the console" }));
  const form = schemaForm(stream.startSchema, "open-" + stream.kind, (start, showErrors) => {
    output.textContent = "";
    bar.firstChild.style.width = "0";
    sse("/streams/" + encodeURIComponent(stream.kind), { method: "POST", body: JSON.stringify(start) }, ({ event, data }) => {
      const frame = JSON.parse(data);
      if (event === "opened") { streamRef = frame.streamRef; stop.disabled = false; }
      else if (event === "output") output.textContent += (typeof frame.payload === "object" && frame.payload !== null && Object.keys(frame.payload).length === 1 ? Object.values(frame.payload)[0] : JSON.stringify(frame.payload)) + " ";
      else if (event === "progress") bar.firstChild.style.width = Math.round((fraction(frame.payload) ?? 0) * 100) + "%";
      else { output.append(" [" + event + "]"); stop.disabled = true; }
    }).catch((error) => showErrors(error.message, (rest) => { output.textContent = rest; }));
  }, "Open");
  return build("div", {}, build("h3", {}, stream.kind + " ", build("small", { textContent: stream.cancellation + ", on detach " + stream.onDetach }, [])), form, stop, bar, output);
}

async function start() {
  const registration = await api("/registration");
  for (const trigger of registration.triggers) {
    const form = schemaForm(trigger.intentSchema, "enqueue-" + trigger.kind, async (payload, showErrors) => {
      try {
        const { id } = await api("/intents", { triggerKind: trigger.kind, payload });
        $("message").textContent = "enqueued " + id;
        render({ intentEventId: id, triggerKind: trigger.kind, phase: "scheduled", attempts: 0 });
      } catch (error) {
        showErrors(error.message, (rest) => { $("message").textContent = rest; });
      }
    }, "Enqueue");
    const timeouts = trigger.timeouts || {};
    const about = trigger.cancellation + ", concurrency " + trigger.concurrency + ", " + trigger.retry.maxAttempts + " attempts" +
      (timeouts.startMs ? ", start within " + inWords(timeouts.startMs) : "") + (timeouts.finishMs ? ", finish within " + inWords(timeouts.finishMs) : "") +
      trigger.schedules.map((s) => ", " + (typeof s.cron === "string" ? s.cron : every(s.everyMs))).join("");
    const description = trigger.description || "";
    const card = build("div", {}, build("h3", {}, trigger.kind + " ", build("small", { textContent: about }, [])), description ? build("p", { className: "muted about", textContent: description }, []) : [], form);
    card.dataset.testid = "trigger-" + trigger.kind;
    $("triggers").append(card);
  }
  if (registration.streams.length > 0) $("streams").replaceChildren(...registration.streams.map(streamCard));
  if (registration.events.length > 0) $("declared").replaceChildren(...registration.events.map(eventCard));
  watchScope();
  tail();
}
start().catch((error) => {
  // The page loads without a token (a navigation sends none); the API's 401 says one is needed.
  $("message").textContent = error.status === 401 ? error.message + ": enter the operator token above" : error.message;
  if (error.status === 401 || error.status === 403) $("token").focus();
});
</script>
</body>
</html>
`;
