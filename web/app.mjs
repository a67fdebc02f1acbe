// app.mjs - the page: a form that builds the kernel's command line, the
// real kernel (build/tourniquet.elf) booted by v86 with it, its VGA screen,
// its serial console in a terminal, and what its output says: KTAP
// verdicts after a test or a demo, the Gantt chart and the metrics table
// after a workload (drawn by gantt.mjs, the same picture as tools/gantt.py),
// and the trace it writes to COM2.
//
// For the tests and for links: index.html?cmdline=... boots that command
// line at once; window.tq exposes what the page read.
import { V86 } from "./v86/libv86.mjs";
import { Terminal } from "./xterm/xterm.mjs";
import { parseRuns, draw } from "./gantt.mjs";

const $ = id => document.getElementById(id);

// The course's worked examples first, then the rest of what a class shows.
const PRESETS = [
  ["Course example, FIFO", "run=workload workload=course sched=fifo"],
  ["Course example, SJF", "run=workload workload=course sched=sjf"],
  ["Course example, SRT", "run=workload workload=course sched=srt"],
  ["Course example, round robin, quantum 2", "run=workload workload=course sched=rr quantum=2"],
  ["Course example, priorities", "run=workload workload=course sched=prio"],
  ["Course example, MLFQ", "run=workload workload=course sched=mlfq"],
  ["Course example, round robin, slowly (a tick every 250 ms)", "run=workload workload=course sched=rr quantum=2 slow=250"],
  ["Exercise, round robin, quantum 3", "run=workload workload=exercise sched=rr quantum=3"],
  ["Mixed CPU and I/O tasks, fair", "run=workload workload=mixed sched=fair"],
  ["Every in-kernel test", "test=all exit=1"],
  ["The race on a shared counter", "run=race"],
  ["Producer / consumer", "run=prodcons"],
  ["Dining philosophers", "run=philosophers"],
  ["Readers / writers", "run=readers-writers"],
  ["Sleeping barber", "run=barber"],
  ["Priority inversion", "run=inversion sched=prio"],
  ["A process: the racing counter, threads with and without a lock", "run=prog:compteur"],
  ["Processes: the course's pthread programs (mutex, condition, barrier)", "run=prog:threads"],
  ["Just the shell", "run=shell"],
];

let options = {};     // the kernel's own option list (options.json, from its `help`)
let emulator = null;
let term = null;
let bootedAt = 0;
let boots = 0;        // boot() calls so far: a boot overtaken by a later click stops where it is
const state = { cmdline: "", transcript: "", trace: [], verdicts: [], runs: [], status: "", promptAfter: null,
                promptSinceLoad: null, instructionsPerSecond: null, exitStatus: null, refused: [] };
window.tq = {
  state,
  boot: cmdline => boot(cmdline),
  transcript: () => state.transcript,
  terminalText: () => terminalText(),
  trace: () => lastTrace(),
  /* (for web/test/check.mjs: bytes as if the kernel had written them on COM1 or COM2) */
  feedSerial: text => { for (const b of new TextEncoder().encode(text)) onSerialByte(b); },
  feedTrace: text => { for (const b of new TextEncoder().encode(text)) onTraceByte(b); updateTraceButtons(); },
};

function setStatus(text) {
  /* (what the kernel refused of the command line stays said: its results are the defaults') */
  const refused = state.refused.length ? ` The kernel refused part of the command line: ${state.refused.join(" ")}` : "";
  state.status = text + refused;
  $("status").textContent = state.status;
}

// ---- The form -----------------------------------------------------------------------

function fill(select, values) {
  for (const v of values) {
    const o = document.createElement("option");
    o.value = o.textContent = v;
    select.append(o);
  }
}

function defaults() {
  for (const key of ["quantum", "aging", "boost", "seed", "hz", "slow", "jitter"])
    $(key).value = options[key] ? options[key].now : "";
  $("sched").value = options.sched.now;
  $("run").value = "workload";
  $("workload").value = "course";
  $("test").value = "";
  $("exit").checked = false;
  $("custom").value = "";
}

// The words of the command line that no field of the form shows (lang=, trace=, a
// value not in a list...): kept as they are, after the form's own.
let formExtra = [];

// The options the form has a field of the same id for.
const FIELDS = ["run", "test", "sched", "quantum", "aging", "boost", "seed", "hz", "slow", "jitter"];

// The command line the form describes: only what differs from the kernel's defaults.
function formCmdline() {
  const parts = [];
  if ($("test").value) parts.push(`test=${$("test").value}`);
  else parts.push(`run=${$("run").value}`);
  if (!$("test").value && $("run").value === "workload") {
    const w = $("workload").value === "custom" ? $("custom").value.trim() : $("workload").value;
    if (w) parts.push(`workload=${w}`);
  }
  const workload = !$("test").value && $("run").value === "workload";
  if (workload || $("sched").value !== options.sched.now) parts.push(`sched=${$("sched").value}`); /* (a workload says which) */
  for (const key of ["quantum", "aging", "boost", "seed", "hz", "slow", "jitter"])
    if ($(key).value !== "" && $(key).value !== options[key].now) parts.push(`${key}=${$(key).value}`);
  if ($("exit").checked) parts.push("exit=1");
  const said = new Set(parts.map(w => w.split("=", 1)[0]));
  return parts.concat(formExtra.filter(w => !said.has(w.split("=", 1)[0]))).join(" ");
}

// Set the form from a command line (a preset, or the URL's).
function formFrom(cmdline) {
  defaults();
  formExtra = [];
  for (const kv of cmdline.split(/\s+/).filter(Boolean)) {
    const [k, v = ""] = kv.split("=", 2);
    const field = FIELDS.includes(k) ? $(k) : null;
    if (k === "workload") {
      const known = options.workload.kinds.includes(v);
      $("workload").value = known ? v : "custom";
      if (!known) $("custom").value = v;
    } else if (k === "exit") {
      $("exit").checked = v === "1" || v === "on";
    } else if (field && (field.tagName !== "SELECT" || [...field.options].some(o => o.value === v))) {
      field.value = v;
    } else {
      formExtra.push(kv); /* (no field for it, or a value its list has not: kept, for the kernel to judge) */
    }
  }
  showWorkloadBox();
}

function showWorkloadBox() {
  $("workload-box").hidden = $("run").value !== "workload" || $("test").value !== "";
  $("custom-box").hidden = $("workload").value !== "custom";
}

function setupForm() {
  fill($("run"), options.run.valid);
  fill($("test"), options.test.valid);
  fill($("sched"), options.sched.valid);
  fill($("workload"), [...options.workload.kinds, "custom"]);
  const preset = $("preset");
  fill(preset, ["(choose)"]);
  for (const [name, line] of PRESETS) {
    const o = document.createElement("option");
    o.textContent = name;
    o.value = line;
    preset.append(o);
  }
  preset.addEventListener("change", () => {
    if (preset.selectedIndex === 0) return;
    formFrom(preset.value);
    $("cmdline").value = preset.value;
  });
  $("form").addEventListener("input", e => {
    if (e.target.id === "cmdline") { // typed by hand: boot it as it is, and the fields follow it
      formFrom(e.target.value);
      return;
    }
    showWorkloadBox();
    $("cmdline").value = formCmdline();
  });
  $("form").addEventListener("submit", e => {
    e.preventDefault();
    boot($("cmdline").value.trim()).catch(e => setStatus(`The boot failed: ${e}`));
  });
}

// ---- What the kernel says -------------------------------------------------------------

let line = "";
let pending = [];
let utf8 = new TextDecoder();  // (the kernel writes UTF-8: lang=fr's accents are two bytes)
let details = [];              // "# " lines not yet given to a verdict

function onSerialByte(b) {
  pending.push(b);
  if (pending.length === 1) setTimeout(flushTerminal, 15);
  const text = utf8.decode(new Uint8Array([b]), { stream: true });
  state.transcript += text;
  for (const c of text) {
    if (c === "\n") {
      const done = line.replace(/\r$/, "");
      line = ""; /* (first: a line the page cannot read must not glue the next ones to it) */
      try {
        onLine(done);
      } catch (e) {
        setStatus(`The page could not read this line of the kernel's: ${done.slice(0, 80)} (${e.message})`);
      }
    } else {
      line += c;
      if (line === "tourniquet> " && state.promptAfter === null) onPrompt();
    }
  }
}

function flushTerminal() {
  term.write(new Uint8Array(pending));
  pending = [];
}

// A verdict's figures: an in-kernel test prints them before its ok line,
// after a "# NAME: what it checks" header; a demo prints them after it.
function giveDetails(verdict) {
  if (verdict && details.length) {
    verdict.details.push(...details);
    drawVerdicts();
  }
  details = [];
}

function onLine(text) {
  let m;
  if ((m = /^(not )?ok (\d+) (\S+)(.*)$/.exec(text))) {
    const v = { ok: !m[1], number: +m[2], name: m[3] + m[4], details: [], skipped: /# SKIP\b/.test(m[4]) };
    if (details.length && details[0].startsWith(`${m[3]}: `)) {
      giveDetails(v);  /* (its own header first: they were its) */
    } else {
      giveDetails(state.verdicts[state.verdicts.length - 1]);
    }
    state.verdicts.push(v);
    drawVerdicts();
  } else if (/^# /.test(text) && !/^# \d+ tests?, \d+ failed/.test(text)) {
    details.push(text.slice(2));
  } else {
    giveDetails(state.verdicts[state.verdicts.length - 1]);
    if (text.startsWith("cmdline: ")) {
      state.refused.push(text.slice(9));
      setStatus(state.status.replace(/ The kernel refused part of the command line: .*$/, ""));
    } else if (text.startsWith("RESULT ")) {
      state.runs = parseRuns(state.transcript);
      drawWorkload(); /* (a RESULT line it cannot draw throws: onSerialByte says so) */
    } else if ((m = /^tourniquet ?: (?:exit status|statut de sortie) (\d+) \((.*)\)$/.exec(text))) {
      state.exitStatus = +m[1];
      setStatus(`The kernel ended: exit status ${m[1]} (${m[2]}). Boot again from the form.`);
    }
  }
}

function onPrompt() {
  const seconds = (performance.now() - bootedAt) / 1000;
  state.promptAfter = seconds;
  state.promptSinceLoad = performance.now() / 1000; /* (performance.now() counts from the page's load) */
  state.instructionsPerSecond = emulator.get_instruction_counter() / seconds;
  setStatus(`Shell prompt after ${seconds.toFixed(1)} s (${(state.instructionsPerSecond / 1e6).toFixed(0)} ` +
            `million guest instructions per second). Type in the serial console; try help.`);
}

function drawVerdicts() {
  $("verdicts-box").hidden = false;
  const list = $("verdicts");
  list.textContent = "";
  for (const v of state.verdicts) {
    const li = document.createElement("li");
    li.value = v.number;
    li.className = v.skipped ? "skip" : v.ok ? "ok" : "notok";
    li.textContent = `${v.ok ? "ok" : "not ok"} ${v.name}`;
    if (v.details.length) {
      const d = document.createElement("div");
      d.className = "details";
      d.textContent = v.details.join("\n");
      li.append(d);
    }
    list.append(li);
  }
  const bad = state.verdicts.filter(v => !v.ok).length, skipped = state.verdicts.filter(v => v.skipped).length;
  $("verdict-count").textContent = `(${state.verdicts.length - bad - skipped} ok, ${bad} not ok` +
    (skipped ? `, ${skipped} skipped)` : ")");
}

function drawWorkload() {
  const { tasks, result, lang } = state.runs[state.runs.length - 1];
  $("workload-results").hidden = false;
  state.svg = draw(tasks, result, lang); /* (the text tools/gantt.py would write: the web test compares them) */
  $("gantt").innerHTML = state.svg;
  $("gantt-title").textContent = lang === "fr" ? `Charge ${result.workload} sous ${result.policy}`
    : `Workload ${result.workload} under ${result.policy}`;
  const table = $("metrics");
  table.textContent = "";
  const cols = ["name", "arrival", "burst", "first", "completion", "turnaround", "waiting", "response"];
  const head = table.insertRow();
  const fr = { name: "tâche", arrival: "arrivée", burst: "durée", first: "début", completion: "fin",
               turnaround: "séjour", waiting: "attente", response: "réponse" }; /* (the kernel's table's words) */
  for (const c of cols) {
    const th = document.createElement("th");
    th.textContent = lang === "fr" ? fr[c] : c === "name" ? "task" : c;
    head.append(th);
  }
  for (const t of tasks) {
    const r = table.insertRow();
    for (const c of cols) r.insertCell().textContent = t[c];
  }
  const avg = table.insertRow();
  avg.className = "average";
  for (const c of cols) {
    const cell = avg.insertCell();
    cell.textContent = c === "name" ? (lang === "fr" ? "moyenne" : "average") : result[`avg_${c}`] || "";
    if (result[`avg_${c}`]) cell.dataset.key = `avg_${c}`;
  }
}

// ---- The trace on COM2 ---------------------------------------------------------------

// The last complete trace COM2 carried (the shell's `trace json` may send
// more than one): the kernel ends each with "\n]}\n"; one still arriving
// is not offered (it would download cut short).
const TRACE_END = "\n]}\n";
function lastTrace() {
  const text = new TextDecoder().decode(new Uint8Array(state.trace));
  const end = text.lastIndexOf(TRACE_END);
  const start = end < 0 ? -1 : text.lastIndexOf('{"displayTimeUnit"', end);
  return start < 0 ? "" : text.slice(start, end + TRACE_END.length);
}

let traceUpdate = null;
function onTraceByte(b) {
  state.trace.push(b);
  if ((b === 0x0a || state.trace.length % 512 === 1) && !traceUpdate) /* (a newline: a trace may just have ended) */
    traceUpdate = setTimeout(() => { traceUpdate = null; updateTraceButtons(); }, 100);
}

function updateTraceButtons() {
  const have = lastTrace().length > 0;
  const text = new TextDecoder().decode(new Uint8Array(state.trace.slice(-4)));
  const arriving = state.trace.length > 0 && text !== TRACE_END;
  $("download").disabled = $("perfetto").disabled = !have;
  $("trace-size").textContent = state.trace.length === 0 ? "" :
    `${state.trace.length} bytes received on COM2` + (arriving ? " (a trace is still arriving)" : "");
}

function setupTrace() {
  $("download").addEventListener("click", () => {
    const url = URL.createObjectURL(new Blob([lastTrace()], { type: "application/json" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = "trace.json";
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  });
  // Perfetto's documented way in: open the UI, PING until it answers PONG,
  // then post the trace's bytes.
  $("perfetto").addEventListener("click", () => {
    const origin = "https://ui.perfetto.dev";
    const win = window.open(`${origin}/#!/`);
    if (!win) return setStatus("The browser blocked the Perfetto window: allow pop-ups for this page.");
    const buffer = new TextEncoder().encode(lastTrace()).buffer;
    const ping = setInterval(() => win.postMessage("PING", origin), 100);
    const giveUp = setTimeout(() => { /* (offline, or the window closed: say so, and stop asking) */
      clearInterval(ping);
      setStatus("Perfetto did not answer in 30 s (offline, or its window was closed): download the trace instead.");
    }, 30000);
    window.addEventListener("message", function pong(e) {
      if (e.origin !== origin || e.data !== "PONG") return;
      clearInterval(ping);
      clearTimeout(giveUp);
      window.removeEventListener("message", pong);
      win.postMessage({ perfetto: { buffer, title: `Tourniquet: ${state.cmdline}`, fileName: "trace.json" } }, origin);
    });
  });
}

// ---- Booting ----------------------------------------------------------------------------

function terminalText() {
  const buf = term.buffer.active;
  const lines = [];
  for (let i = 0; i < buf.length; i++) lines.push(buf.getLine(i).translateToString(true));
  return lines.join("\n");
}

async function boot(cmdline) {
  const me = ++boots;
  if (emulator) {
    const old = emulator;
    emulator = null;
    await old.destroy();
  }
  if (me !== boots) return; /* (a later click boots instead: one emulator at a time) */
  Object.assign(state, { cmdline, transcript: "", trace: [], verdicts: [], runs: [], svg: "", promptAfter: null,
                         promptSinceLoad: null, instructionsPerSecond: null, exitStatus: null, refused: [] });
  line = "";
  pending = [];
  details = [];
  utf8 = new TextDecoder();
  term.reset();
  $("verdicts").textContent = "";
  $("verdicts-box").hidden = $("workload-results").hidden = true;
  $("gantt").textContent = "";
  updateTraceButtons();
  $("cmdline").value = cmdline;
  const url = new URL(location);
  url.searchParams.set("cmdline", cmdline);
  history.replaceState(null, "", url);
  setStatus(`Booting: ${cmdline}`);
  const image = await fetch("tourniquet.elf", { method: "HEAD" }).catch(e => ({ ok: false, statusText: `${e}` }));
  if (!image.ok) /* (v86 would only say so on the console, and wait for ever) */
    return setStatus(`The kernel's image tourniquet.elf did not load (${image.status || ""} ${image.statusText}): ` +
                     "serve this folder over HTTP (make web-serve), with every file make web wrote.");
  /* The user programs (run=prog:NAME), as one module: without them the kernel still boots, and says so. */
  const programs = await fetch("programs.bundle", { method: "HEAD" }).then(r => r.ok, () => false);
  if (me !== boots) return;
  bootedAt = performance.now(); /* (again when the emulator has loaded its files and starts) */
  emulator = new V86({
    wasm_path: "v86/v86.wasm",
    memory_size: 64 * 1024 * 1024,
    vga_memory_size: 2 * 1024 * 1024,
    screen_container: $("screen"),
    bios: { url: "bios/bios.bin" },
    vga_bios: { url: "bios/vgabios-stdvga.bin" },
    multiboot: { url: "tourniquet.elf" },
    ...(programs ? { initrd: { url: "programs.bundle" } } : {}),
    cmdline,
    uart1: true,        // COM2: the trace
    disable_speaker: true,
    disable_mouse: true,
    autostart: true,
  });
  window.tq.emulator = emulator;
  emulator.add_listener("emulator-started", () => { bootedAt = performance.now(); });
  emulator.add_listener("serial0-output-byte", onSerialByte);
  emulator.add_listener("serial1-output-byte", onTraceByte);
  emulator.keyboard_set_enabled(document.activeElement === $("screen"));
}

async function main() {
  options = await (await fetch("options.json")).json();
  term = new Terminal({ cols: 100, rows: 32, scrollback: 5000, fontSize: 13 });
  term.open($("term"));
  term.onData(data => emulator && emulator.serial0_send(data));
  $("screen").addEventListener("focus", () => emulator && emulator.keyboard_set_enabled(true));
  $("screen").addEventListener("blur", () => emulator && emulator.keyboard_set_enabled(false));
  setupForm();
  setupTrace();
  const asked = new URLSearchParams(location.search).get("cmdline");
  const first = asked !== null ? asked : PRESETS[0][1];
  formFrom(first);
  $("cmdline").value = first;
  await boot(first);
}

main().catch(e => setStatus(`The page failed: ${e}`));
