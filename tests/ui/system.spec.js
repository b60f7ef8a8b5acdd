// SPDX-License-Identifier: MIT
// The desk's system on the screen (issue 13): the first boot's missing
// items as a banner on the desk page and the station page, and the
// station page's System section: the slot and version, an update bundle
// found on a drive installed by taps (pick, confirm, a supervisor's badge
// on the keypad: no keyboard at the desk), its progress and its result.
// The fake rauc (tests/system/test_system_update.py) holds the install
// until the test lets it end.  Screenshots in three sizes and both
// languages go to build/ui-shots/ (desk.js's shots()).
const { test, expect } = require("@playwright/test");
const { Desk, tapNeed, typeKeys, waitStep, shots } = require("./desk");

let desk;
test.afterEach(async () => { if (desk) await desk.stop(); });

async function open(page, env) {
  desk = await Desk.start(env);
  await page.goto(desk.url + "/");
  await expect(page.locator("body")).not.toHaveClass(/connecting/);
}

test("a desk not set up says what is missing, on both pages", async ({ page }) => {
  await open(page, { RETOUR_UI_SETUP_MISSING: "board station admin" });
  await waitStep(page, "sign_in");
  const banner = page.locator('[data-need="setup-missing"]');
  await expect(banner).toBeVisible();
  await expect(banner).toContainText(/not set up|nie jest skonfigurowane/);
  await expect(banner).toContainText("board=");
  await expect(banner).toContainText("admin=");
  await shots(page, "setup-banner", ["setup-missing", "setup-board", "setup-station", "setup-admin"]);
  await tapNeed(page, "clerk-Ola");
  await waitStep(page, "scan");
  await tapNeed(page, "nav-station");
  await expect(page.locator('[data-need="system"]')).toBeVisible();
  await shots(page, "setup-banner-station", ["setup-missing", "device-scanner"]);
});

test("no banner when nothing is missing", async ({ page }) => {
  await open(page, {});
  await waitStep(page, "sign_in");
  await expect(page.locator('[data-need="setup-missing"]')).toHaveCount(0);
});

test("the System section: an update from a drive, by taps", async ({ page }) => {
  await open(page, { RETOUR_UI_SYSTEM: "1" });
  await waitStep(page, "sign_in");
  await tapNeed(page, "clerk-Ola"); /* a clerk: the badge is asked for */
  await waitStep(page, "scan");
  await tapNeed(page, "nav-station");
  await expect(page.locator('[data-need="system-slot"]')).toContainText(/Running slot A|Uruchomiony slot A/);
  await expect(page.locator('[data-need="system-slot"]')).toContainText(/B/); /* the next boot */
  await expect(page.locator('[data-need="bundles"]')).toContainText("retour-0.11.0.raucb");
  await shots(page, "system", ["system", "system-slot", "update-idle", "install-0"]);

  await tapNeed(page, "install-0");
  await expect(page.locator("#overlay")).toContainText(/Install this update|Zainstalować/);
  await tapNeed(page, "pick-yes");
  await typeKeys(page, "SUPER-0001");
  /* the update shows at the top of the page: seen without scrolling */
  await page.locator("#view").evaluate((v) => { v.scrollTop = 0; });
  const installing = page.locator('[data-need="update-installing"]');
  await expect(installing).toBeVisible({ timeout: 10000 });
  await expect(installing).toContainText("20%");
  await expect(installing).toContainText("Marta");
  await expect(page.locator('[data-need="install-0"]')).toBeDisabled();
  await shots(page, "system-installing", ["system", "update-installing"]);

  await desk.cmd("rauc-go");
  await expect(page.locator('[data-need="update-installed"]')).toBeVisible({ timeout: 15000 });
  await expect(page.locator('[data-need="update-restart"]')).toContainText(/Restart the desk|Uruchom stanowisko ponownie/);
  await shots(page, "system-installed", ["system", "update-installed", "update-restart"]);
});

test("an update refused by a clerk's badge says so", async ({ page }) => {
  await open(page, { RETOUR_UI_SYSTEM: "1" });
  await waitStep(page, "sign_in");
  await tapNeed(page, "clerk-Ola");
  await waitStep(page, "scan");
  await tapNeed(page, "nav-station");
  await tapNeed(page, "install-0");
  await tapNeed(page, "pick-yes");
  await typeKeys(page, "CLERK-0001");
  await expect(page.locator('[data-need="message"]')).toContainText(/not a supervisor|tylko kierownik/);
  await expect(page.locator('[data-need="update-idle"]')).toBeVisible();
});
