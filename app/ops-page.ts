/**
 * The ops page: one scope's intents with their phase and live progress, a
 * form to enqueue example work, cancel buttons, the ledger as it grows, and
 * a streamed text generation. Plain HTML, CSS and a little script: the
 * browser's EventSource already reconnects with Last-Event-ID.
 */
export const opsPage = /* html */ `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>durable-triggers · ops</title>
<style>
  :root { --bg: #f6f7f9; --card: #fff; --ink: #1d2330; --muted: #6b7385; --line: #e3e6ec; --accent: #f38020;
          --ok: #1f9d55; --warn: #c98a00; --bad: #cc3340; --run: #2f6fde; font: 14px/1.45 system-ui, sans-serif; }
  body { margin: 0; background: var(--bg); color: var(--ink); }
  header { display: flex; gap: 1rem; align-items: center; padding: .8rem 1.5rem; background: var(--ink); color: #fff; }
  header h1 { font-size: 1rem; margin: 0; font-weight: 600; } header h1 b { color: var(--accent); }
  header label { margin-left: auto; color: #c9cdd6; } header input { width: 9rem; }
  main { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 1rem; padding: 1rem 1.5rem; }
  section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 1rem; }
  h2 { font-size: .8rem; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 0 0 .75rem; }
  form { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin-bottom: 1rem; }
  input, select, button { font: inherit; padding: .35rem .55rem; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
  button { cursor: pointer; background: var(--ink); color: #fff; border-color: var(--ink); }
  button.cancel { background: #fff; color: var(--bad); border-color: var(--bad); padding: .15rem .5rem; }
  button:disabled { opacity: .35; cursor: default; }
  table { width: 100%; border-collapse: collapse; }
  th, td { text-align: left; padding: .4rem .3rem; border-bottom: 1px solid var(--line); vertical-align: middle; }
  th { font-size: .75rem; color: var(--muted); font-weight: 500; }
  .phase { font-size: .75rem; padding: .1rem .45rem; border-radius: 999px; background: var(--line); white-space: nowrap; }
  .phase.claimed, .phase.redriven { background: #dfe9fb; color: var(--run); }
  .phase.completed, .phase.completed_after_cancel_requested { background: #dcf3e5; color: var(--ok); }
  .phase.cancelled, .phase.cancel_requested { background: #fbeed0; color: var(--warn); }
  .phase.failed, .phase.rejected { background: #f9dde0; color: var(--bad); }
  .bar { height: 8px; background: var(--line); border-radius: 4px; overflow: hidden; min-width: 8rem; }
  .bar > span { display: block; height: 100%; width: 0; background: var(--run); transition: width .3s; }
  tr[data-phase^="completed"] .bar > span { background: var(--ok); }
  tr[data-phase="cancelled"] .bar > span, tr[data-phase="cancel_requested"] .bar > span { background: var(--warn); }
  tr[data-phase="failed"] .bar > span, tr[data-phase="rejected"] .bar > span { background: var(--bad); }
  ol.ledger { list-style: none; margin: 0; padding: 0; max-height: 24rem; overflow: auto; font: 12px/1.5 ui-monospace, monospace; }
  ol.ledger li { padding: .2rem 0; border-bottom: 1px dashed var(--line); overflow-wrap: anywhere; }
  ol.ledger .kind { color: var(--run); }
  #generated { min-height: 3rem; padding: .5rem; background: var(--bg); border-radius: 6px; margin: .5rem 0; }
  .muted { color: var(--muted); }
</style>
</head>
<body>
<header>
  <h1><b>durable</b>-triggers · ops</h1>
  <label>scope <input id="scope" data-testid="scope"></label>
</header>
<main>
  <section>
    <h2>Intents</h2>
    <form id="enqueue">
      <select id="kind" data-testid="kind">
        <option value="timer.countdown">timer.countdown</option>
        <option value="tutorial.cancelable">tutorial.cancelable</option>
      </select>
      <input id="seconds" type="number" min="1" max="600" value="8" title="seconds" data-testid="seconds">
      <button type="submit" data-testid="enqueue">Enqueue</button>
      <span id="message" class="muted" data-testid="message"></span>
    </form>
    <table>
      <thead><tr><th>id</th><th>trigger</th><th>phase</th><th>progress</th><th>attempts</th><th></th></tr></thead>
      <tbody id="intents" data-testid="intents"></tbody>
    </table>
  </section>
  <section>
    <h2>Ledger, live</h2>
    <ol class="ledger" id="ledger" data-testid="ledger"></ol>
    <h2 style="margin-top:1.25rem">Attached stream · text.generate</h2>
    <form id="generate">
      <input id="prompt" value="tell me about durable work" size="28">
      <button type="submit">Generate</button>
      <button type="button" id="stop" class="cancel" disabled>Cancel</button>
    </form>
    <div class="bar"><span id="generate-bar"></span></div>
    <div id="generated" data-testid="generated"></div>
  </section>
</main>
<script type="module">
const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const scope = params.get("scope") || "demo";
$("scope").value = scope;
$("scope").addEventListener("change", () => { location.search = "?scope=" + encodeURIComponent($("scope").value); });
const base = "/scopes/" + encodeURIComponent(scope);
const SETTLED = new Set(["completed", "completed_after_cancel_requested", "cancelled", "failed", "rejected"]);
const rows = new Map();

async function api(path, body) {
  const response = await fetch(base + path, body === undefined ? {} : {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
  });
  const json = await response.json();
  if (!response.ok) throw new Error(json.error || response.statusText);
  return json;
}

/** Progress payloads say how far along they are in their own words. */
function fraction(p) {
  if (!p || typeof p.of !== "number" || p.of <= 0) return null;
  if (typeof p.remaining === "number") return (p.of - p.remaining) / p.of;
  const done = p.written ?? p.step ?? p.done;
  return typeof done === "number" ? done / p.of : null;
}

function render(intent) {
  let row = rows.get(intent.intentEventId);
  if (!row) {
    const tr = document.createElement("tr");
    tr.dataset.intent = intent.intentEventId;
    tr.innerHTML = '<td></td><td></td><td><span class="phase"></span></td><td><div class="bar"><span></span></div></td><td></td>' +
      '<td><button class="cancel" data-testid="cancel">Cancel</button></td>';
    tr.querySelector("button").addEventListener("click", () => cancel(intent.intentEventId));
    $("intents").prepend(tr);
    row = { tr, intent };
    rows.set(intent.intentEventId, row);
  }
  Object.assign(row.intent, intent);
  const cells = row.tr.children;
  cells[0].textContent = row.intent.intentEventId;
  cells[1].textContent = row.intent.triggerKind;
  const badge = cells[2].firstChild;
  badge.textContent = row.intent.phase;
  badge.className = "phase " + row.intent.phase;
  row.tr.dataset.phase = row.intent.phase;
  cells[4].textContent = row.intent.attempts ?? "";
  const settled = SETTLED.has(row.intent.phase);
  row.tr.classList.toggle("settled", settled);
  cells[5].firstChild.disabled = settled;
  if (settled && row.intent.phase.startsWith("completed")) setProgress(row, 1);
  if (!settled && !row.watch) watch(row);
}

function setProgress(row, value) {
  if (value === null) return;
  const bar = row.tr.querySelector(".bar > span");
  bar.style.width = Math.round(Math.min(1, Math.max(0, value)) * 100) + "%";
  row.tr.dataset.progress = String(Math.round(value * 100));
}

function watch(row) {
  const source = new EventSource(base + "/intents/" + row.intent.intentEventId + "/watch");
  row.watch = source;
  source.addEventListener("phase", (e) => render({ intentEventId: row.intent.intentEventId, phase: JSON.parse(e.data).phase }));
  source.addEventListener("progress", (e) => setProgress(row, fraction(JSON.parse(e.data).payload)));
  for (const terminal of SETTLED) source.addEventListener(terminal, () => { source.close(); refresh(); });
}

async function refresh() {
  const intents = await api("/intents?limit=50");
  for (const intent of intents.reverse()) render(intent);
}

async function cancel(id) {
  const { triggerKind } = rows.get(id).intent;
  const result = await api("/intents/" + id + "/cancel", { triggerKind, reason: "cancelled from the ops page" });
  $("message").textContent = "cancel " + id + ": " + result.status;
}

$("enqueue").addEventListener("submit", async (e) => {
  e.preventDefault();
  const triggerKind = $("kind").value;
  const id = triggerKind + "-" + Date.now().toString(36);
  const payload = triggerKind === "timer.countdown" ? { id, seconds: Number($("seconds").value) } : { id };
  try {
    const { id: intentEventId } = await api("/intents", { triggerKind, payload });
    $("message").textContent = "enqueued " + intentEventId;
    render({ intentEventId, triggerKind, phase: "scheduled", attempts: 0 });
  } catch (error) {
    $("message").textContent = error.message;
  }
});

const ledger = new EventSource(base + "/events/stream");
ledger.onmessage = (e) => {
  const event = JSON.parse(e.data);
  const li = document.createElement("li");
  li.dataset.kind = event.kind;
  li.innerHTML = '#<span></span> <span class="kind"></span> <span class="muted"></span>';
  li.children[0].textContent = event.id;
  li.children[1].textContent = event.kind;
  li.children[2].textContent = JSON.stringify(event.payload);
  $("ledger").prepend(li);
};

let streamRef = null;
$("generate").addEventListener("submit", async (e) => {
  e.preventDefault();
  $("generated").textContent = "";
  $("generate-bar").style.width = "0";
  const response = await fetch(base + "/streams/text.generate", { method: "POST", body: JSON.stringify({ prompt: $("prompt").value }) });
  if (!response.ok) { $("generated").textContent = (await response.json()).error; return; }
  $("stop").disabled = false;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\\n\\n")) !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? "null");
      if (event === "opened") streamRef = data.streamRef;
      else if (event === "output") $("generated").textContent += data.payload.word + " ";
      else if (event === "progress") $("generate-bar").style.width = Math.round(fraction(data.payload) * 100) + "%";
      else if (event) { $("generated").append(" [" + event + "]"); $("stop").disabled = true; }
    }
  }
});
$("stop").addEventListener("click", () => streamRef && api("/streams/" + streamRef + "/cancel", { reason: "stopped from the ops page" }));

refresh();
</script>
</body>
</html>
`;
