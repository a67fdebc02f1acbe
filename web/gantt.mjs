// gantt.mjs - the workload picture of tools/gantt.py, in the browser.
//
// The same reading of the kernel's TASK/RESULT lines and the same SVG,
// element for element and number for number, so that the page and
// `make gantt` show one picture: the web test compares the two texts.
// Change both together.

// Task i's colour, as on the VGA screen and in the terminal (kernel/sched/workload.c's
// task_colours: ANSI backgrounds 41..46, then 41 and 42 again), in VGA's palette.
export const COLOURS = ["#aa0000", "#00aa00", "#aa5500", "#0000aa", "#aa00aa", "#00aaaa", "#aa0000", "#00aa00"];

// The picture's words, in the transcript's language (tools/gantt.py's LABELS):
// the kernel's table opens with "Workload NAME under POLICY", or with lang=fr
// "Charge NAME sous POLICY".
export const LABELS = {
  en: { under: "under", onCpus: n => ` on ${n} CPUs`, legend: "triangle: arrival; bar: completion; pale band: " +
    "time in the system; grey: idle", io: "; hatched: I/O", digits: d => `; digits: ${d}`, and: " and ",
    theCpu: "the CPU", theLevel: "the level",
    cols: ["task", "arrival", "burst", "first", "completion", "turnaround", "waiting", "response"],
    average: "average", switches: (s, i, cpu, more) => `${s} context switches, ${i} idle ${cpu}ticks${more}`,
    cpu_: "CPU-", migrations: m => `, ${m} migrations` },
  fr: { under: "sous", onCpus: n => ` sur ${n} processeurs`, legend: "triangle : arrivée ; barre : fin ; " +
    "bande pâle : temps de séjour ; gris : inactif", io: " ; hachures : entrées-sorties", digits: d => ` ; chiffres : ${d}`,
    and: " et ", theCpu: "le processeur", theLevel: "le niveau",
    cols: ["tâche", "arrivée", "durée", "début", "fin", "séjour", "attente", "réponse"],
    average: "moyenne", switches: (s, i, cpu, more) => `${s} commutations de contexte, ${i} ticks ${cpu}inactifs${more}`,
    cpu_: "de CPU ", migrations: m => `, ${m} migrations` },
};

// Python's html.escape (quote=True).
function esc(s) {
  return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;").replace(/'/g, "&#x27;");
}

// A number as Python prints a float (82 -> "82.0").
function pyFloat(x) {
  return Number.isInteger(x) ? `${x}.0` : String(x);
}

function fields(rest) {
  const out = {};
  for (const kv of rest.split(/\s+/).filter(Boolean)) {
    const i = kv.indexOf("=");
    if (i > 0) out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

// Every run in the text, in order: [{tasks, result, lang}], the first two dicts
// of key=value, lang that of the table before them.
export function parseRuns(text) {
  const runs = [];
  let tasks = [], lang = "en";
  for (const line of text.replace(/\r/g, "").split("\n")) {
    if (line.startsWith("Workload ")) lang = "en";
    else if (line.startsWith("Charge ")) lang = "fr";
    else if (line.startsWith("TASK ")) tasks.push(fields(line.slice(5)));
    else if (line.startsWith("RESULT ")) {
      runs.push({ tasks, result: fields(line.slice(7)), lang });
      tasks = [];
    }
  }
  return runs;
}

// "A:5,B:3,.:1" -> [[start, length, name]] ("." is idle). A part that is
// not NAME:LENGTH throws, saying which (as tools/gantt.py refuses it).
export function segments(schedule) {
  const out = [];
  let t = 0;
  for (const part of schedule.split(",")) {
    const i = part.lastIndexOf(":");
    if (i < 1 || !/^[1-9][0-9]{0,5}$/.test(part.slice(i + 1)))
      throw new Error(`schedule part "${part}" is not NAME:LENGTH (a length from 1 to 999999)`);
    const n = parseInt(part.slice(i + 1), 10);
    out.push([t, n, part.slice(0, i)]);
    t += n;
  }
  return out;
}

// The picture: a row per task (where it ran, on which CPU), then with
// several CPUs a row per CPU (what it ran), and the metrics table.
export function draw(tasks, result, lang = "en") {
  if (typeof result.schedule !== "string" || !result.schedule)
    throw new Error("the RESULT line has no schedule=");
  const words = LABELS[lang];
  const cell = 24, row = 28, left = 70, top = 60;
  const rows = result.schedule.split("/").map(segments);
  const ncpus = rows.length;
  const segs = [];
  rows.forEach((r, k) => r.forEach(([start, n, name]) => segs.push([start, n, name, k])));
  const length = Math.max(...rows.map(r => r.reduce((s, [, n]) => s + n, 0)));
  const names = tasks.map(t => t.name);
  const colour = {};
  names.forEach((n, i) => { colour[n] = COLOURS[i % COLOURS.length]; });
  const chart_w = left + cell * length + 20;
  const table_x = chart_w + 20;
  const width = table_x + 560;
  const cpu_top = top + row * names.length + (ncpus > 1 ? 20 : 0);
  const bottom = cpu_top + (ncpus > 1 ? row * ncpus : 0);
  const height = Math.max(bottom + 60, top + 22 * (names.length + 3) + 20);
  const skip = ["policy", "workload", "schedule", "cpus", "switches", "idle", "migrations", "levels"];
  const params = Object.entries(result).filter(([k]) => !skip.includes(k) && !k.startsWith("avg_"))
    .map(([k, v]) => `${k}=${v}`).join(" ");
  const title = `${result.workload} ${words.under} ${result.policy}` + (params ? ` (${params})` : "") +
    (ncpus > 1 ? words.onCpus(ncpus) : "");
  const levels = "levels" in result ? result.levels.split("/") : null;
  const hasIo = tasks.some(t => "io" in t);
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `font-family="sans-serif" font-size="13">`,
  `<title>${esc(title)}</title>`,
  `<rect class="background" x="0" y="0" width="${width}" height="${height}" fill="#fff"/>`,
  '<defs><pattern id="io" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">' +
  '<rect width="6" height="6" fill="#fff"/><line x1="0" y1="0" x2="0" y2="6" stroke="#555" stroke-width="2"/>' +
  '</pattern></defs>',
  `<text class="axis-label" x="${left - 10}" y="${top - 10}" text-anchor="end" font-size="11">tick</text>`,
  `<text x="${left}" y="24" font-size="16" font-weight="bold">${esc(title)}</text>`];
  // The tick axis.
  for (let t = 0; t <= length; t++) {
    const x = left + t * cell;
    out.push(`<line x1="${x}" y1="${top - 6}" x2="${x}" y2="${bottom}" stroke="#ddd"/>`);
    if (t % 5 === 0 || length <= 20)
      out.push(`<text x="${x}" y="${top - 10}" text-anchor="middle" font-size="11">${t}</text>`);
  }
  // A row per task.
  tasks.forEach((t, i) => {
    const y = top + i * row;
    out.push(`<text x="${left - 10}" y="${y + 18}" text-anchor="end">${esc(t.name)}</text>`);
    // waiting: from arrival to completion, a pale band
    const a = parseInt(t.arrival, 10), c = parseInt(t.completion, 10);
    out.push(`<rect class="waiting" x="${left + a * cell}" y="${y + 8}" width="${(c - a) * cell}" height="8" ` +
      `fill="${colour[t.name]}" fill-opacity="0.18"/>`);
    // I/O waits: hatched over that band, apart from the time ready
    for (const part of "io" in t ? t.io.split(",") : []) {
      const [start, n] = part.split(":").map(Number);
      out.push(`<rect class="io" x="${left + start * cell}" y="${y + 6}" width="${n * cell}" height="12" ` +
        `fill="url(#io)" stroke="#555"/>`);
    }
    for (const [start, n, name, k] of segs) {
      if (name !== t.name) continue;
      out.push(`<rect class="run" data-task="${esc(name)}" data-cpu="${k}" ` +
        `x="${left + start * cell}" y="${y + 2}" ` +
        `width="${n * cell}" height="${row - 6}" fill="${colour[name]}" stroke="#333"/>`);
      if (ncpus > 1 || levels) // the CPU, the level
        for (let x = start; x < start + n; x++) {
          const label = [...(ncpus > 1 ? [String(k)] : []), ...(levels ? [levels[k][x]] : [])].join(":");
          out.push(`<text x="${pyFloat(left + x * cell + cell / 2)}" y="${y + 18}" text-anchor="middle" ` +
            `font-size="10" fill="#fff">${label}</text>`);
        }
    }
    // arrival: a triangle; completion: a bar
    const ax = left + a * cell, cx = left + c * cell;
    out.push(`<path class="arrival" d="M${ax - 5},${y + row - 2} L${ax + 5},${y + row - 2} L${ax},${y + row - 10} Z" ` +
      `fill="#000"/>`);
    out.push(`<rect class="completion" x="${cx - 1}" y="${y}" width="3" height="${row - 2}" fill="#000"/>`);
  });
  let y;
  if (ncpus === 1) { // idle ticks along the bottom
    y = top + row * names.length + 6;
    for (const [start, n, name] of segs)
      if (name === ".")
        out.push(`<rect class="idle" x="${left + start * cell}" y="${y}" width="${n * cell}" height="6" ` +
          `fill="#999"/>`);
  } else { // a row per CPU: what it ran, grey where it idled
    rows.forEach((r, k) => {
      const yk = cpu_top + k * row;
      out.push(`<text x="${left - 10}" y="${yk + 18}" text-anchor="end">CPU${k}</text>`);
      for (const [start, n, name] of r) {
        const fill = name === "." ? "#999" : (colour[name] || "#999");
        out.push(`<rect class="${name === "." ? "idle" : "cpu-run"}" data-cpu="${k}" ` +
          `data-task="${esc(name)}" x="${left + start * cell}" y="${yk + 2}" ` +
          `width="${n * cell}" height="${name !== "." ? row - 6 : 6}" fill="${fill}"/>`);
        if (name !== ".")
          out.push(`<text x="${left + start * cell + 4}" y="${yk + 18}" font-size="11" ` +
            `fill="#fff">${esc(name)}</text>`);
      }
    });
    y = bottom - 6;
  }
  const digits = [...(ncpus > 1 ? [words.theCpu] : []), ...(levels ? [words.theLevel] : [])].join(words.and);
  out.push(`<text x="${left}" y="${y + 26}" font-size="11">` + esc(words.legend) + (hasIo ? esc(words.io) : "") +
    (digits ? esc(words.digits(digits)) : "") + `</text>`);
  // The metrics table.
  const keys = ["name", "arrival", "burst", "first", "completion", "turnaround", "waiting", "response"];
  const cols = keys.map((key, k) => [words.cols[k], key]);
  const widths = [50, 65, 50, 45, 90, 90, 70, 75];
  const xs = cols.map((_, k) => table_x + widths.slice(0, k).reduce((s, w) => s + w, 0));
  cols.forEach(([label], k) => out.push(`<text x="${xs[k]}" y="${top}" font-weight="bold">${label}</text>`));
  tasks.forEach((t, i) => cols.forEach(([, key], k) =>
    out.push(`<text x="${xs[k]}" y="${top + 22 * (i + 1)}">${esc(t[key])}</text>`)));
  const yt = top + 22 * (tasks.length + 1);
  out.push(`<text x="${xs[0]}" y="${yt}" font-weight="bold">${words.average}</text>`);
  for (const [key, x] of [["avg_turnaround", xs[5]], ["avg_waiting", xs[6]], ["avg_response", xs[7]]])
    out.push(`<text x="${x}" y="${yt}" font-weight="bold">${result[key]}</text>`);
  const more = "migrations" in result ? words.migrations(result.migrations) : "";
  out.push(`<text x="${xs[0]}" y="${yt + 24}">` +
    esc(words.switches(result.switches, result.idle, ncpus > 1 ? words.cpu_ : "", more)) + `</text>`);
  out.push("</svg>");
  return out.join("\n") + "\n";
}
