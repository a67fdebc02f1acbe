// check.mjs - the web page in headless Chromium (tests/integration.py's
// web check runs it; it needs web/node_modules and a Chromium).
//
//   TQ_WEB_URL=http://127.0.0.1:PORT/ TQ_WEB_OUT=DIR node web/test/check.mjs
//
// Boots the real kernel in the page several times and prints one JSON line:
// {"checks": [{"name", "ok", "why"}...]}. It also writes, into DIR, the
// workload's serial transcript and the SVG the page drew, which the Python
// side compares with tools/gantt.py's picture of the same transcript.
import { chromium } from "playwright-core";
import { writeFileSync } from "fs";
import { inflateSync } from "zlib";
import { join } from "path";

const url = process.env.TQ_WEB_URL;
const outDir = process.env.TQ_WEB_OUT;
const checks = [];
const check = (name, ok, why) => checks.push({ name, ok: !!ok, why: ok ? "" : why });

const browser = await chromium.launch({
  executablePath: process.env.TQ_CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});

// withoutPrograms: the page finds no programs.bundle (as when a host leaves it out).
async function open(cmdline, { withoutPrograms = false } = {}) {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1200 } });
  const errors = [];
  page.on("pageerror", e => errors.push(String(e)));
  if (withoutPrograms)
    await page.route("**/programs.bundle", route => route.fulfill({ status: 404, body: "" }));
  await page.goto(`${url}index.html?cmdline=${encodeURIComponent(cmdline)}`);
  return { page, errors };
}

// Wait until fn() (run in the page) is true, or `seconds` pass; returns whether it became true.
async function until(page, fn, seconds, arg) {
  try {
    await page.waitForFunction(fn, arg, { timeout: seconds * 1000, polling: 200 });
    return true;
  } catch {
    return false;
  }
}

// How many colours a PNG (8-bit RGB or RGBA, as Chromium's screenshots are) shows, up to 64.
function pngColours(png) {
  let pos = 8, width = 0, height = 0, channels = 4;
  const idat = [];
  while (pos < png.length) {
    const len = png.readUInt32BE(pos), type = png.toString("latin1", pos + 4, pos + 8);
    const data = png.subarray(pos + 8, pos + 8 + len);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      channels = data[9] === 6 ? 4 : 3;
    } else if (type === "IDAT") idat.push(data);
    pos += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat)), stride = width * channels;
  const prev = Buffer.alloc(stride), cur = Buffer.alloc(stride), seen = new Set();
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)], line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? cur[i - channels] : 0, b = prev[i], c = i >= channels ? prev[i - channels] : 0;
      const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
      const pred = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][f];
      cur[i] = (line[i] + pred) & 255;
    }
    for (let x = 0; x < width && seen.size < 64; x++)
      seen.add(cur.readUIntBE(x * channels, 3));
    cur.copy(prev);
  }
  return seen.size;
}

const tail = (text, n = 6) => text.replace(/\r/g, "").trim().split("\n").slice(-n).join(" | ");

try {
  // 1. Every in-kernel test: the KTAP verdicts as the page lists them. Without the bundle of
  // programs, so that nomem (it spawns one) has nothing to run, and says so.
  {
    const { page, errors } = await open("test=all exit=1", { withoutPrograms: true });
    const ended = await until(page, () => window.tq && window.tq.state.exitStatus !== null, 180);
    const s = await page.evaluate(() => window.tq.state);
    const items = await page.$$eval("#verdicts li", lis => lis.map(li => [li.className, li.textContent]));
    check("ktap-ends", ended && s.exitStatus === 33,
          `test=all did not end with status 33 (status ${s.exitStatus}; last lines: ${tail(s.transcript)})`);
    const bad = s.verdicts.filter(v => !v.ok).map(v => v.name);
    const plan = /^1\.\.(\d+)\r?$/m.exec(s.transcript);
    const planned = plan ? +plan[1] : 0;
    check("ktap-all-ok", planned >= 9 && s.verdicts.length === planned && bad.length === 0,
          `${s.verdicts.length} verdicts of the ${planned} planned (1..N), not ok: ${bad.join(", ") || "none"}`);
    check("ktap-listed", items.length === s.verdicts.length && items.every(([cls, text]) => (cls === "ok" || cls === "skip") && text.startsWith("ok ")),
          `the page lists ${items.length} verdicts for the ${s.verdicts.length} the kernel printed`);
    // The tests that cannot run here (nomem spawns a user program: this boot has none;
    // yield_affinity needs a second CPU) are listed as skipped and counted apart, not
    // among the ok.
    const counted = await page.$eval("#verdict-count", e => e.textContent);
    const skipped = items.filter(([cls]) => cls === "skip");
    check("ktap-skip", ["nomem", "yield_affinity"].every(n => skipped.some(([, text]) => text.startsWith(`ok ${n} # SKIP `))) &&
          new RegExp(`, ${skipped.length} skipped\\)$`).test(counted),
          `nomem's and yield_affinity's SKIPs are not listed apart (count: '${counted}'; ${JSON.stringify(items.filter(([c]) => c !== "ok"))})`);
    // Each test's figures under its own verdict (an in-kernel test prints them before its ok line).
    const sleep = s.verdicts.find(v => v.name === "sleep"), yieldv = s.verdicts.find(v => v.name === "yield");
    check("ktap-details", !!sleep && sleep.details.some(d => /^sleep: /.test(d)) &&
          !!yieldv && !yieldv.details.some(d => /^sleep: /.test(d)),
          `sleep's figures are not under sleep (sleep: ${JSON.stringify(sleep && sleep.details.slice(0, 2))}; ` +
          `yield: ${JSON.stringify(yieldv && yieldv.details.slice(0, 2))})`);
    // (exit=1: the kernel halts with interrupts off at the end, which v86 reports as HALT)
    check("no-page-errors-tests", errors.every(e => /HALT/.test(e)), `page errors: ${errors.join("; ")}`);
    await page.close();
  }

  // 1b. A command line the kernel refuses in part is said; French output ends as English does.
  {
    const { page } = await open("lang=fr run=workload workload=A:0:0 sched=fifo exit=1");
    const ended = await until(page, () => window.tq && window.tq.state.exitStatus !== null, 120);
    const s = await page.evaluate(() => window.tq.state);
    check("refused-said", /The kernel refused part of the command line: workload=A:0:0 ?: /.test(s.status),
          `the status does not say what the kernel refused: '${s.status}'`);
    check("exit-fr", ended && s.exitStatus === 33, `with lang=fr the page did not see the end (status '${s.status}')`);
    check("utf8", /événements|moyenne|séjour/.test(s.transcript) && !/Ã/.test(s.transcript),
          "the transcript's accents are not decoded as UTF-8");
    const head = await page.$$eval("#metrics tr:first-child th", ths => ths.map(t => t.textContent));
    check("table-fr", head.join(" ") === "tâche arrivée durée début fin séjour attente réponse",
          `the metrics table's headers under lang=fr: ${head.join(" ")}`);
    await page.close();
  }

  // 1c. A process in ring 3 from the bundle of programs (v86 brings one module: the kernel takes
  // it apart): the course's racing counter between threads, with its own checks.
  {
    const { page, errors } = await open("run=prog:compteur exit=1");
    const ended = await until(page, () => window.tq && window.tq.state.exitStatus !== null, 180);
    const s = await page.evaluate(() => window.tq.state);
    check("prog-compteur", ended && s.exitStatus === 33 && /^programs: .*\bcompteur\b/m.test(s.transcript) &&
          /^compteur = 400 \(un seul calcul de 400\)\r?$/m.test(s.transcript) &&
          /^process 1 'compteur' ended with status 0\r?$/m.test(s.transcript),
          `run=prog:compteur did not run to its end (status ${s.exitStatus}; last lines: ${tail(s.transcript)})`);
    check("no-page-errors-prog", errors.every(e => /HALT/.test(e)), `page errors: ${errors.join("; ")}`);
    await page.close();
  }

  // 2. The course's workload under srt: table, chart, trace; then the shell.
  {
    const { page, errors } = await open("run=workload workload=course sched=srt");
    const drawn = await until(page, () => window.tq && window.tq.state.runs.length > 0, 120);
    const s = await page.evaluate(() => window.tq.state);
    const avg = await page.$$eval("#metrics tr.average td", tds => Object.fromEntries(
      tds.filter(td => td.dataset.key).map(td => [td.dataset.key, td.textContent])));
    check("workload-result", drawn, `no RESULT line within 120 s (last lines: ${tail(s.transcript)})`);
    check("workload-table", avg.avg_turnaround === "6.25" && avg.avg_waiting === "2.75",
          `the page's table says turnaround ${avg.avg_turnaround}, waiting ${avg.avg_waiting} (course answer: 6.25, 2.75)`);
    const runs = await page.$$eval("#gantt svg rect.run", rs => rs.map(r => r.dataset.task + ":" + r.getAttribute("width")));
    check("workload-chart", runs.join(",") === "A:24,A:96,B:72,C:48,D:96",
          `the chart's runs are ${runs.join(",")} (A:1+4, B:3, C:2, D:4 ticks of 24 px expected)`);
    writeFileSync(join(outDir, "workload-transcript.txt"), s.transcript, "latin1");
    writeFileSync(join(outDir, "workload-page.svg"), await page.evaluate(() => window.tq.state.svg));

    const traced = await until(page, () => !document.getElementById("download").disabled, 30);
    let trace = null;
    try {
      trace = JSON.parse(await page.evaluate(() => window.tq.trace())); /* (what the download button gives) */
    } catch (e) {
      trace = null;
    }
    check("trace-json", traced && trace && Array.isArray(trace.traceEvents) && trace.traceEvents.length > 10,
          `the COM2 trace did not arrive as Chrome Trace Event JSON (download button ${traced ? "on" : "off"})`);

    const prompt = await until(page, () => window.tq.state.promptAfter !== null, 60);
    check("shell-prompt", prompt, `no shell prompt after the workload (last lines: ${tail(s.transcript)})`);
    await page.click("#term");
    await page.keyboard.type("help\n");
    const helped = await until(page, () => /Commands:[\s\S]*stats/.test(window.tq.terminalText()), 30);
    await page.keyboard.type("ps\n");
    const psed = await until(page, () => /tourniquet> ps\n +id +name +state[^\n]*\n +0 +idle /.test(window.tq.terminalText()), 30);
    const text = await page.evaluate(() => window.tq.terminalText());
    check("shell-help", helped, `help typed in the terminal got no command list (terminal ends: ${tail(text)})`);
    check("shell-ps", psed, `ps typed in the terminal did not list the tasks (terminal ends: ${tail(text)})`);
    const colours = pngColours(await (await page.$("#screen")).screenshot());
    check("vga-not-blank", colours > 2, `a screenshot of the VGA screen shows ${colours} colour(s): blank`);
    const vgaText = await page.$eval("#screen .text", d => d.textContent);
    check("vga-text", /Tourniquet/.test(vgaText) && /tourniquet> /.test(vgaText),
          `the VGA screen's text does not show the banner and the prompt: ${vgaText.slice(0, 200)}`);
    check("no-page-errors-workload", errors.length === 0, `page errors: ${errors.join("; ")}`);

    // What any program may print: a RESULT line the page cannot draw is
    // said, and the lines after it are still read (they were glued to it).
    await page.evaluate(() => window.tq.feedSerial("\nRESULT = 42\ncmdline: after-a-bad-result\n"));
    const after = await page.evaluate(() => ({ refused: window.tq.state.refused,
                                               status: document.getElementById("status").textContent }));
    check("bad-result-line", after.refused.includes("after-a-bad-result") && /could not read/.test(after.status),
          `after a RESULT line with no schedule: refused ${JSON.stringify(after.refused)}, status "${after.status}"`);
    // A second trace still arriving is not offered: the download stays the last whole one.
    await page.evaluate(() => window.tq.feedTrace('{"displayTimeUnit":"ns","traceEvents":[\n{"name":"cut'));
    let whole = null;
    try {
      whole = JSON.parse(await page.evaluate(() => window.tq.trace()));
    } catch (e) {
      whole = null;
    }
    const size = await page.$eval("#trace-size", d => d.textContent);
    check("trace-whole-only", whole && whole.traceEvents.length > 10 && /still arriving/.test(size),
          `with a trace cut short after a whole one: download ${whole ? "whole" : "not JSON"}, "${size}"`);
    await page.close();
  }

  // 3. Tasks that do I/O under mlfq: the chart hatches the waits and shows the levels.
  {
    const { page, errors } = await open("run=workload workload=mixed sched=mlfq");
    const drawn = await until(page, () => window.tq && window.tq.state.runs.length > 0, 120);
    const s = await page.evaluate(() => window.tq.state);
    const hatched = await page.$$eval("#gantt svg rect.io", rs => rs.length);
    check("mixed-io-hatched", drawn && hatched > 0, `the mixed workload's chart hatches ${hatched} I/O waits`);
    writeFileSync(join(outDir, "mixed-transcript.txt"), s.transcript, "latin1");
    writeFileSync(join(outDir, "mixed-page.svg"), s.svg || "");
    check("no-page-errors-mixed", errors.length === 0, `page errors: ${errors.join("; ")}`);
    await page.close();
  }

  // 4. The form: a preset fills the fields and the command line, and Boot boots it.
  {
    const { page, errors } = await open("run=shell");
    await until(page, () => window.tq && window.tq.state.promptAfter !== null, 60);
    await page.selectOption("#preset", { label: "Course example, round robin, quantum 2" });
    const line = await page.inputValue("#cmdline");
    const fields = [await page.inputValue("#sched"), await page.inputValue("#quantum"), await page.inputValue("#run")];
    check("form-preset", line === "run=workload workload=course sched=rr quantum=2" &&
          fields.join(" ") === "rr 2 workload", `the preset gave '${line}' and fields ${fields.join(" ")}`);
    await page.fill("#quantum", "3");
    await page.dispatchEvent("#quantum", "input");
    const edited = await page.inputValue("#cmdline");
    check("form-edit", edited === "run=workload workload=course sched=rr quantum=3", `quantum 3 gave '${edited}'`);
    // Words the form has no field for stay; a line typed by hand is what the fields then edit.
    await page.fill("#cmdline", "lang=fr run=workload workload=exercise sched=rr quantum=3");
    await page.dispatchEvent("#cmdline", "input");
    await page.selectOption("#sched", "fifo");
    const typed = await page.inputValue("#cmdline");
    check("form-keeps", typed === "run=workload workload=exercise sched=fifo quantum=3 lang=fr",
          `fifo picked after a typed line gave '${typed}'`);
    await page.fill("#cmdline", "run=workload workload=course sched=rr quantum=3");
    await page.dispatchEvent("#cmdline", "input");
    await page.click("#boot");
    const rebooted = await until(page, () => window.tq.state.runs.length > 0, 120);
    const result = await page.evaluate(() => window.tq.state.runs.length ? window.tq.state.runs[0].result : {});
    check("form-boot", rebooted && result.policy === "rr" && result.quantum === "3",
          `Boot did not run the form's workload (result: ${JSON.stringify(result)})`);
    check("no-page-errors-form", errors.length === 0, `page errors: ${errors.join("; ")}`);
    await page.close();
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify({ checks }));
