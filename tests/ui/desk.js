// SPDX-License-Identifier: MIT
// What the screen's tests share: a real retourd with simulated devices
// (station.py, as tests/system/helpers.py makes one), taps, and the layout
// check that fails when an element the clerk needs is missing, cut off or
// overlapping another.
const { spawn } = require("child_process");
const fs = require("fs");
const path = require("path");
const readline = require("readline");
const { expect } = require("@playwright/test");

const REPO = path.resolve(__dirname, "../..");
const SHOTS = path.join(REPO, "build", "ui-shots");
const SIZES = [[800, 480], [1024, 600], [1280, 800]];

class Desk {
  static async start(env = {}) {
    const d = new Desk();
    d.proc = spawn("/usr/bin/python3", [path.join(__dirname, "station.py")], {
      cwd: REPO, env: { ...process.env, RETOUR_BUILD: process.env.RETOUR_BUILD || "build", ...env },
      stdio: ["pipe", "pipe", "inherit"],
    });
    d.lines = readline.createInterface({ input: d.proc.stdout });
    d.waiting = [];
    d.lines.on("line", (l) => { const w = d.waiting.shift(); if (w) w.ok(l); });
    d.proc.on("exit", (c) => { for (const w of d.waiting.splice(0)) w.fail(new Error("station.py exited " + c)); });
    const ready = await d.next();
    if (!ready.startsWith("ready ")) throw new Error("station.py: " + ready);
    Object.assign(d, JSON.parse(ready.slice(6)));
    return d;
  }
  next() {
    return new Promise((ok, fail) => { this.waiting.push({ ok, fail }); });
  }
  async cmd(line) {
    this.proc.stdin.write(line + "\n");
    const r = await this.next();
    if (r !== "ok") throw new Error(line + ": " + r);
  }
  scan(code) { return this.cmd("feed " + code); }
  async status() {
    const r = await fetch(this.url + "/api/v1/status");
    return r.json();
  }
  async stop() {
    if (this.proc.exitCode == null) {
      this.proc.stdin.write("stop\n");
      await new Promise((ok) => this.proc.once("exit", ok));
    }
  }
}

// A tap, as a finger does it.
async function tap(page, locator) {
  await expect(locator).toBeVisible();
  await locator.tap();
}
async function tapNeed(page, need) {
  await tap(page, page.locator(`[data-need="${need}"]`).first());
}
async function typeKeys(page, text) {
  for (const ch of text) {
    const k = ch === " " ? " " : ch.toUpperCase();
    await tap(page, page.locator(`#overlay .key[data-key="${k}"]`));
  }
  await expect(page.locator("#entry")).toHaveText(new RegExp(text.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&"), "i"));
  await tapNeed(page, "keypad-ok");
}
async function waitStep(page, step) {
  await expect(page.locator("body")).toHaveAttribute("data-step", step, { timeout: 10000 });
}

// Every [data-need] element shown: inside the viewport, not clipped by an
// ancestor, not overlapping another.  Returns the problems found.
async function layoutProblems(page) {
  return page.evaluate(() => {
    const vw = window.innerWidth, vh = window.innerHeight;
    const out = [];
    const overlay = document.getElementById("overlay");
    const scope = overlay && !overlay.hidden ? overlay : document;
    const els = [...scope.querySelectorAll("[data-need]")].filter((e) => {
      const r = e.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== "hidden";
    });
    const name = (e) => e.dataset.need;
    for (const e of els) {
      const r = e.getBoundingClientRect();
      let inScroll = false;
      for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
        const cs = getComputedStyle(a);
        if (/(auto|scroll)/.test(cs.overflowY) && a.scrollHeight > a.clientHeight) inScroll = true;
      }
      if (!inScroll && (r.left < -0.5 || r.top < -0.5 || r.right > vw + 0.5 || r.bottom > vh + 0.5))
        out.push(`${name(e)} is outside the ${vw}x${vh} viewport (${Math.round(r.left)},${Math.round(r.top)},${Math.round(r.right)},${Math.round(r.bottom)})`);
      if (e.scrollWidth > e.clientWidth + 2 && getComputedStyle(e).overflowX === "hidden")
        out.push(`${name(e)} has its text cut off`);
      for (let a = e.parentElement; a && a !== document.body && !inScroll; a = a.parentElement) {
        const cs = getComputedStyle(a);
        if (cs.overflow !== "visible") {
          const p = a.getBoundingClientRect();
          if (r.left < p.left - 0.5 || r.right > p.right + 0.5 || r.top < p.top - 0.5 || r.bottom > p.bottom + 0.5) {
            out.push(`${name(e)} is clipped by its container`);
            break;
          }
        }
      }
    }
    for (let i = 0; i < els.length; i++)
      for (let j = i + 1; j < els.length; j++) {
        const a = els[i], b = els[j];
        if (a.contains(b) || b.contains(a)) continue;
        const p = a.getBoundingClientRect(), q = b.getBoundingClientRect();
        const w = Math.min(p.right, q.right) - Math.max(p.left, q.left);
        const h = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top);
        if (w > 1 && h > 1) out.push(`${name(a)} overlaps ${name(b)}`);
      }
    return out;
  });
}

// In Polish, what the desk says is said in Polish: every code the status
// carries has a Polish sentence (web/i18n.js), and no English sentence of
// the server's (prompt, problem, a reason) is on the page.
async function englishShown(page) {
  return page.evaluate(async () => {
    let s;
    try { s = await (await fetch("/api/v1/status")).json(); } catch (e) { return []; } /* daemon down */
    const pl = window.RETOUR_I18N.pl;
    const text = document.body.innerText;
    const out = [];
    const said = [["say.", s.prompt_code, s.prompt], ["say.", s.problem_code, s.problem]];
    for (const r of (s.proposal && s.proposal.reasons) || []) said.push(["why.", r.text_code, r.text]);
    for (const [prefix, code, english] of said) {
      if (!english) continue;
      if (!code) out.push(`no code for "${english}"`);
      else if (!pl[prefix + code]) out.push(`no Polish for ${prefix}${code}`);
      /* a checklist prompt is the checklist's own text_pl */
      if (english.length > 12 && text.includes(english) && !(s.step === "checklist" && code === "checklist_step"))
        out.push(`English on the page: "${english}"`);
    }
    return out;
  });
}

// The screen in every size and both languages: a screenshot each, and the
// layout checked in each.  @needs: data-need names that must be shown.
async function shots(page, screen, needs = []) {
  fs.mkdirSync(SHOTS, { recursive: true });
  const problems = [];
  for (const lang of ["en", "pl"]) {
    if ((await page.evaluate(() => window.retourLang())) !== lang) {
      if (await page.locator("#overlay").isHidden()) await tapNeed(page, "lang");
      else await page.evaluate((l) => window.retourSetLang(l), lang);
    }
    for (const [w, h] of SIZES) {
      await page.setViewportSize({ width: w, height: h });
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      for (const n of needs) {
        const loc = page.locator(`[data-need="${n}"]`).first();
        if (!(await loc.isVisible())) problems.push(`${lang} ${w}x${h} ${screen}: ${n} is missing`);
      }
      for (const p of await layoutProblems(page)) problems.push(`${lang} ${w}x${h} ${screen}: ${p}`);
      if (lang === "pl" && w === SIZES[0][0])
        for (const p of await englishShown(page)) problems.push(`pl ${screen}: ${p}`);
      await page.screenshot({ path: path.join(SHOTS, `${screen}-${lang}-${w}x${h}.png`) });
    }
  }
  await page.setViewportSize({ width: 1024, height: 600 });
  expect(problems).toEqual([]);
}

module.exports = { Desk, tap, tapNeed, typeKeys, waitStep, shots, layoutProblems, englishShown };
