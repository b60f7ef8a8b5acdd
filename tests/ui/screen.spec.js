// SPDX-License-Identifier: MIT
// The desk's screen driven by taps against a real retourd: a whole return,
// a whole ship-QC, an override, an undo, a device fault, the station page,
// the numbers, and a lost connection.  Each step checks what is shown;
// screenshots of each screen in three sizes and both languages go to
// build/ui-shots/, and a needed element missing, cut off or overlapping
// another fails the test.
const { test, expect } = require("@playwright/test");
const { Desk, tap, tapNeed, typeKeys, waitStep, shots } = require("./desk");

const GTIN_TSHIRT = "05901234123457";
let desk;

test.beforeEach(async ({ page }) => {
  desk = await Desk.start();
  await page.goto(desk.url + "/");
  await expect(page.locator("body")).not.toHaveClass(/connecting/);
});
test.afterEach(async () => { await desk.stop(); });

async function signIn(page) {
  await waitStep(page, "sign_in");
  await tapNeed(page, "clerk-Ola");
  await waitStep(page, "scan");
  await expect(page.locator("#who")).toContainText("Ola");
}

// From the parcel's scan to the proposal, by taps (the items by the scanner).
async function toConfirm(page, { shoot = false } = {}) {
  await tapNeed(page, "type-code");
  await typeKeys(page, "RMA-10001");
  await waitStep(page, "items");
  await expect(page.locator("aside.parcel")).toContainText("RMA-10001");
  if (shoot) await shots(page, "return-items", ["step-title", "prompt", "items-done", "back", "cancel"]);
  await desk.scan(GTIN_TSHIRT);
  await expect(page.locator('[data-need="prompt"]')).toContainText(/2 (of|z) 2/);
  await desk.scan(GTIN_TSHIRT);
  await waitStep(page, "checklist");
  if (shoot) await shots(page, "return-checklist", ["step-title", "prompt", "pass", "fail"]);
  for (let i = 0; i < 10; i++) {
    const s = await desk.status();
    if (s.step !== "checklist") break;
    const c = s.checklist;
    const before = s.seq;
    if (c.kind === "pass_fail") await tapNeed(page, "pass");
    else if (c.kind === "choice") await tapNeed(page, "choice-A");
    else if (c.kind === "photo") { /* the camera answers it by itself */ }
    else await tapNeed(page, "done");
    await expect.poll(async () => (await desk.status()).seq).toBeGreaterThan(before);
  }
  await waitStep(page, "confirm");
  await expect(page.locator('[data-need="proposal"]')).toContainText(/Accept|Przyjąć/);
}

test("a whole return, by taps", async ({ page }) => {
  // a big button per clerk (GET /api/v1/clerks), no badge on the page
  await shots(page, "sign-in", ["step-title", "what-next", "clerk-Jan", "clerk-Marta", "clerk-Ola",
    "clerk-Piotr", "type-badge", "light", "nav-routine", "lang"]);
  expect(await page.locator("body").innerText()).not.toContain("CLERK-0001");
  await tapNeed(page, "type-badge");
  await shots(page, "keypad-badge", ["keypad-entry", "keypad-ok", "keypad-close"]);
  await tapNeed(page, "keypad-close");
  await signIn(page);
  await shots(page, "scan", ["step-title", "type-code", "sign-out"]);
  await toConfirm(page, { shoot: true });
  await shots(page, "return-confirm", ["proposal", "confirm", "override", "back"]);
  await tapNeed(page, "confirm");
  await waitStep(page, "scan");
  await expect(page.locator('[data-need="last"]')).toContainText(/1/);
  await expect(page.locator('[data-need="last"]')).toContainText(/Accept|Przyjąć/);
  await expect(page.locator('[data-need="undo"]')).toBeVisible();
  await shots(page, "return-decided", ["last", "undo", "reprint"]);
  const s = await desk.status();
  expect(s.last_decision.verdict).toBe("accept");
});

test("an override asks for a reason", async ({ page }) => {
  await signIn(page);
  await toConfirm(page);
  await tapNeed(page, "override");
  await shots(page, "override-verdict", ["pick-reject", "pick-close"]);
  await tapNeed(page, "pick-reject");
  await tapNeed(page, "pick-oreason.tags");
  await shots(page, "override-note", ["pick-none", "pick-note"]);
  await tapNeed(page, "pick-none");
  await waitStep(page, "scan");
  await expect(page.locator('[data-need="last"]')).toContainText(/Reject|Odrzucić/);
  const r = await (await fetch(desk.url + "/api/v1/returns/1")).json();
  expect(r.overridden).toBe(true);
  expect(r.override_reason).toMatch(/^(Tags removed|Usunięte metki)$/);
});

test("an undo takes the decision back", async ({ page }) => {
  await signIn(page);
  await toConfirm(page);
  await tapNeed(page, "confirm");
  await waitStep(page, "scan");
  await tapNeed(page, "undo");
  await expect(page.locator('[data-need="last"]')).toHaveCount(0);
  expect((await desk.status()).last_decision).toBeUndefined();
});

test("a device fault says what to do, and the weight is typed in", async ({ page }) => {
  await signIn(page);
  await desk.cmd("scale-mode overload");
  await tapNeed(page, "type-code");
  await typeKeys(page, "RMA-10001");
  await waitStep(page, "weigh");
  await expect(page.locator('[data-need="problem"], .fault').first()).toBeVisible({ timeout: 10000 });
  await shots(page, "weigh-fault", ["step-title", "weigh", "manual-weight", "skip"]);
  await tapNeed(page, "manual-weight");
  await typeKeys(page, "420");
  await tapNeed(page, "pick-reason.scale_broken");
  await tapNeed(page, "pick-none");
  await expect(page.locator("body")).not.toHaveAttribute("data-step", "weigh", { timeout: 10000 });
});

test("a refused action shows the server's message", async ({ page }) => {
  await signIn(page);
  await tapNeed(page, "type-code");
  await typeKeys(page, "RMA-99999");
  await expect(page.locator('[data-need="problem"]')).toBeVisible();
  await shots(page, "not-found", ["problem", "prompt", "unexpected", "search"]);
  // a command the desk refuses here: its problem, in the page's language
  await page.evaluate(() => window.retourSetLang("pl"));
  await tapNeed(page, "sign-out");
  await waitStep(page, "sign_in");
  await tapNeed(page, "type-badge");
  await typeKeys(page, "NOBODY");
  await expect(page.locator('[data-need="message"]')).toContainText(/Nie znaleziono/);
  await page.evaluate(() => window.retourSetLang("en"));
  await tapNeed(page, "type-badge");
  await typeKeys(page, "NOBODY");
  await expect(page.locator('[data-need="message"]')).toContainText(/unknown badge/i);
  await shots(page, "refused", ["message", "message-close"]);
});

test("the screen says when it is disconnected, and comes back", async ({ page }) => {
  await signIn(page);
  // the daemon gone: the stream fails, the page says so and greys the desk
  await desk.cmd("kill-daemon");
  await expect(page.locator('[data-need="disconnected"]')).toBeVisible({ timeout: 10000 });
  await expect(page.locator("body")).toHaveClass(/offline/);
  // the light was the desk's: unknown now, never shown as current
  await expect(page.locator("#light")).toContainText(/Offline|Brak połączenia/);
  await shots(page, "disconnected", ["disconnected", "light"]);
  // back: the browser reconnects by itself and shows the current state
  await desk.cmd("start-daemon");
  await expect(page.locator('[data-need="disconnected"]')).toHaveCount(0, { timeout: 15000 });
  await expect(page.locator("body")).not.toHaveClass(/offline/);
  await waitStep(page, (await desk.status()).step);
  await page.reload();
  await waitStep(page, (await desk.status()).step);
});

test("a whole ship-QC, by taps", async ({ page }) => {
  await desk.cmd('expected {"rma": "", "order": "ORD-2001", "kind": "shipment", "delivered_days_ago": null, "delivery_basic_minor": 0}');
  await signIn(page);
  await tapNeed(page, "routine");
  await expect(page.locator("#who")).toContainText(/Ship-QC|Kontrola/);
  await tapNeed(page, "type-code");
  await typeKeys(page, "ORD-2001");
  await waitStep(page, "items");
  await shots(page, "qc-items", ["step-title", "prompt", "items-done", "remove"]);
  await desk.scan(GTIN_TSHIRT);
  await desk.scan(GTIN_TSHIRT);
  for (let i = 0; i < 20; i++) {
    const s = await desk.status();
    if (s.step === "confirm" || s.step === "scan") break;
    const before = s.seq;
    if (s.step === "checklist") {
      await waitStep(page, "checklist");
      const c = s.checklist;
      if (c.kind === "pass_fail") await tapNeed(page, "pass");
      else if (c.kind === "choice") await tapNeed(page, "choice-" + c.choices[0]);
      else if (c.kind === "photo") { /* the camera */ }
      else await tapNeed(page, "done");
    } /* photo steps: the camera takes them by itself */
    await expect.poll(async () => (await desk.status()).seq, { timeout: 10000 }).toBeGreaterThan(before);
  }
  await waitStep(page, "confirm");
  await expect(page.locator('[data-need="proposal"]')).toContainText(/QC passed|Kontrola zaliczona/);
  await shots(page, "qc-confirm", ["proposal", "confirm", "override"]);
  await tapNeed(page, "confirm");
  await waitStep(page, "scan");
  await expect(page.locator('[data-need="last"]')).toContainText(/QC passed|Kontrola zaliczona/);
});

test("the station page: devices, outbox, complaints", async ({ page }) => {
  await signIn(page);
  await tapNeed(page, "nav-station");
  await expect(page.locator('[data-need="device-scanner"]')).toBeVisible();
  await expect(page.locator('[data-need="device-printer"]')).toContainText(/Working|Działa/);
  await shots(page, "station", ["device-scanner", "device-scale", "device-printer", "device-camera"]);
});

test("the numbers load Chart.js only on their page", async ({ page }) => {
  const scripts = [];
  page.on("request", (r) => scripts.push(r.url()));
  await signIn(page);
  await toConfirm(page);
  await tapNeed(page, "confirm");
  await waitStep(page, "scan");
  expect(scripts.some((u) => u.includes("chart.min.js"))).toBe(false);
  await tapNeed(page, "nav-kpi");
  await expect(page.locator('[data-need="kpi-today"]')).toBeVisible();
  await expect.poll(() => scripts.some((u) => u.includes("chart.min.js"))).toBe(true);
  await expect(page.locator(".kpi .charts")).not.toBeEmpty({ timeout: 10000 });
  await shots(page, "kpi", ["kpi-today", "kpi-week", "kpi-month", "kpi-csv"]);
  // the CSV is what is shown: today's one accepted return among it
  const [download] = await Promise.all([page.waitForEvent("download"), tapNeed(page, "kpi-csv")]);
  const csv = require("fs").readFileSync(await download.path(), "utf8");
  expect(csv).toContain("section,key,value");
  expect(csv).toContain("verdicts,accept,1");
});

test("the label preview shows the record's values", async ({ page }) => {
  await signIn(page);
  await toConfirm(page);
  const lp = (await desk.status()).parcel.label_preview;
  expect(lp).toBeTruthy();
  const preview = page.locator('[data-need="label-preview"]');
  await expect(preview).toBeVisible();
  // what the label will print: the disposition, the RMA (or the order)
  // and the grade, each from the record
  for (const k of ["disposition", "grade", lp.rma ? "rma" : "order"]) {
    expect(lp[k]).toBeTruthy();
    await expect(preview.locator(`dd[data-field="${k}"]`)).toHaveText(String(lp[k]));
  }
  expect(lp.rma).toBe("RMA-10001");
  await shots(page, "label-preview", ["label-preview", "proposal", "confirm"]);
});

test.describe("a refund the shop refused", () => {
  test.beforeEach(async ({ page }) => {
    // no grace: the refund goes to the shop at once
    await desk.stop();
    desk = await Desk.start({ RETOUR_UI_GRACE_S: "0" });
    await page.goto(desk.url + "/");
  });

  test("shows the shop's message and is sent again by its button", async ({ page }) => {
    await desk.cmd('shop-fail 400 {"error":"refund refused: order 1001 is locked"}');
    await signIn(page);
    await toConfirm(page);
    await tapNeed(page, "confirm");
    await waitStep(page, "scan");
    const refund = page.locator('[data-need="refund"]');
    await expect(refund).toHaveClass(/refund-failed/, { timeout: 15000 });
    // the shop's own message, as it said it
    await expect(refund).toContainText("order 1001 is locked");
    await expect(refund).toContainText(/Refund failed|Zwrot nieudany/);
    await shots(page, "refund-failed", ["refund", "retry", "last"]);
    // sent again by its button: the shop is busy once (503, tried again
    // after the backoff), then takes it
    await desk.cmd('shop-fail 503 {"error":"busy"}');
    await tapNeed(page, "retry");
    const seen = [];
    await expect.poll(async () => {
      const cls = (await refund.getAttribute("class")) || "";
      const m = cls.match(/refund-(\w+)/);
      if (m && seen[seen.length - 1] !== m[1]) seen.push(m[1]);
      return m && m[1];
    }, { timeout: 15000, intervals: [25] }).toBe("confirmed");
    // failed, then on its way (queued and/or sent), then confirmed
    expect(seen[0]).toBe("failed");
    expect(seen.slice(1, -1).length).toBeGreaterThan(0);
    expect(seen.slice(1, -1).every((x) => x === "queued" || x === "sent")).toBe(true);
    await expect(refund).toContainText(/Refund confirmed|Zwrot potwierdzony/);
    const s = await desk.status();
    expect(s.last_decision.refund.state).toBe("confirmed");
    expect(s.last_decision.refund.shop_ref).toBeTruthy();
    await shots(page, "refund-confirmed", ["refund", "last"]);
  });
});
