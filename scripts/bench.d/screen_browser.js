// SPDX-License-Identifier: MIT
// The screen's figures, measured in Debian's headless Chromium against a
// real retourd with simulated devices (tests/ui/station.py); run by
// scripts/bench.d/screen.py, which prints the rows.  Prints one JSON object.
//  * scan to screen: a code written to the scanner pty until the page has
//    drawn the step it brings (the page records each drawn status, after
//    the animation frame that paints it, in window.retourRenders)
//  * SSE fan-out: 10 streams open; a desk command's change until the last
//    of the 10 has the event
//  * page weight: bytes transferred for the routine screen's first paint
const path = require("path");
const http = require("http");
const REPO = path.resolve(__dirname, "../..");
const { chromium } = require(path.join(REPO, "tests/ui/node_modules/@playwright/test"));
const { Desk } = require(path.join(REPO, "tests/ui/desk.js"));

const SCANS = parseInt(process.env.RETOUR_BENCH_SCREEN_SCANS || "120", 10);
const EVENTS = parseInt(process.env.RETOUR_BENCH_SSE_EVENTS || "50", 10);

function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))];
}
async function post(url, body) {
  const r = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" },
    body: body == null ? undefined : JSON.stringify(body) });
  if (!r.ok) throw new Error(url + ": " + r.status + " " + (await r.text()));
}

async function pageWeight(browser, url) {
  const ctx = await browser.newContext({ viewport: { width: 1024, height: 600 }, hasTouch: true });
  const page = await ctx.newPage();
  const reqs = [];
  page.on("requestfinished", (r) => reqs.push(r));
  await page.goto(url + "/");
  await page.waitForFunction(() => window.retourRenders.length > 0);
  let bytes = 0;
  const files = [];
  for (const r of reqs) {
    const s = await r.sizes();
    bytes += s.responseBodySize + s.responseHeadersSize;
    files.push(r.url().replace(url, ""));
  }
  // the stream never finishes: its first event, the status, is what the
  // first paint needs of it
  const status = await (await fetch(url + "/api/v1/status")).text();
  bytes += status.length + 300;
  await ctx.close();
  return { bytes, files };
}

async function scanToScreen(browser, desk) {
  const ctx = await browser.newContext({ viewport: { width: 1024, height: 600 }, hasTouch: true });
  const page = await ctx.newPage();
  await page.goto(desk.url + "/");
  await post(desk.url + "/api/v1/clerk", { badge: "CLERK-0001" });
  await page.waitForFunction(() => document.body.dataset.step === "scan");
  const lat = [];
  for (let i = 0; i < SCANS; i++) {
    const mark = await page.evaluate(() => window.retourRenders.length);
    const t0 = Date.now();
    await desk.scan("RMA-10001");
    const at = await page.waitForFunction((m) => {
      const r = window.retourRenders.slice(m).find((x) => x.step !== "scan");
      return r && r.at;
    }, mark, { polling: "raf" });
    lat.push((await at.jsonValue()) - t0);
    await post(desk.url + "/api/v1/cancel");
    await page.waitForFunction(() => document.body.dataset.step === "scan");
  }
  await ctx.close();
  return lat;
}

// One stream: resolves each time an event with an id arrives.
function stream(url) {
  return new Promise((ok, fail) => {
    const s = { seq: 0, waiters: [] };
    http.get(url + "/api/v1/events", (res) => {
      let buf = "";
      res.setEncoding("utf8");
      res.on("data", (d) => {
        buf += d;
        let i;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          const ev = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const m = /^id: (\d+)$/m.exec(ev);
          if (m) {
            s.seq = +m[1];
            const now = process.hrtime.bigint();
            s.waiters = s.waiters.filter((w) => !(s.seq >= w.seq && (w.ok(now), true)));
          }
        }
      });
      s.res = res;
      ok(s);
    }).on("error", fail);
  });
}

async function fanOut(desk) {
  const streams = [];
  for (let i = 0; i < 10; i++) streams.push(await stream(desk.url));
  await new Promise((r) => setTimeout(r, 300));
  const lat = [];
  let routine = "ship_qc";
  for (let i = 0; i < EVENTS; i++) {
    const before = Math.max(...streams.map((s) => s.seq));
    const got = streams.map((s) => new Promise((ok) => s.waiters.push({ seq: before + 1, ok })));
    const t0 = process.hrtime.bigint();
    await post(desk.url + "/api/v1/routine", { routine });
    routine = routine === "ship_qc" ? "return" : "ship_qc";
    const times = await Promise.all(got);
    lat.push(Number(times.reduce((a, b) => (a > b ? a : b)) - t0) / 1e6);
  }
  streams.forEach((s) => s.res.destroy());
  return lat;
}

(async () => {
  const desk = await Desk.start({ RETOUR_UI_GRACE_S: "30" });
  const browser = await chromium.launch({ executablePath: process.env.RETOUR_CHROMIUM || "/usr/bin/chromium" });
  try {
    const weight = await pageWeight(browser, desk.url);
    const scans = await scanToScreen(browser, desk);
    await post(desk.url + "/api/v1/clerk", null).catch(() => {});
    const fan = await fanOut(desk);
    console.log(JSON.stringify({
      weight,
      scan: { n: scans.length, p50: pct(scans, 50), p99: pct(scans, 99) },
      fan: { n: fan.length, p50: pct(fan, 50), p99: pct(fan, 99) },
    }));
  } finally {
    await browser.close();
    await desk.stop();
  }
})().catch((e) => { console.error(e); process.exit(1); });
