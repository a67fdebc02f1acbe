// bench.mjs - make web-bench's browser half: boot TQ_WEB_CMDLINE in the page
// (served at TQ_WEB_URL) in headless Chromium, and print one JSON line: the
// seconds from page load and from the emulator's start to the shell prompt,
// the guest instructions per second v86 ran, and the serial transcript
// (tools/web.py bench reads the counters' counts in it).
import { chromium } from "playwright-core";

const browser = await chromium.launch({
  executablePath: process.env.TQ_CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage();
  await page.goto(`${process.env.TQ_WEB_URL}index.html?cmdline=${encodeURIComponent(process.env.TQ_WEB_CMDLINE)}`);
  await page.waitForFunction(() => window.tq && window.tq.state.promptAfter !== null, null, { timeout: 120000 });
  const s = await page.evaluate(() => window.tq.state);
  console.log(JSON.stringify({ prompt_after_s: s.promptAfter, prompt_since_load_s: s.promptSinceLoad,
                               instructions_per_s: s.instructionsPerSecond, transcript: s.transcript }));
} finally {
  await browser.close();
}
