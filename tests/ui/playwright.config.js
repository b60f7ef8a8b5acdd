// SPDX-License-Identifier: MIT
// The screen's tests: Debian's Chromium, headless, with touch, against a
// real retourd per test (station.py).  Screenshots go to build/ui-shots/.
const { defineConfig } = require("@playwright/test");

module.exports = defineConfig({
  testDir: __dirname,
  testMatch: /.*\.spec\.js$/,
  outputDir: "../../build/ui-results",
  timeout: 120000,
  workers: 1,
  reporter: [["list"]],
  use: {
    headless: true,
    hasTouch: true,
    viewport: { width: 1024, height: 600 },
    launchOptions: { executablePath: process.env.RETOUR_CHROMIUM || "/usr/bin/chromium" },
  },
});
