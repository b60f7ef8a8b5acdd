// SPDX-License-Identifier: MIT
// Renders ZPL labels to PNG with zpl-renderer-js (zebrash, compiled to
// WebAssembly): a renderer no one in this project wrote, so the labels are
// checked by what a printer would make of them, not by our own reading.
//
//   node tests/label/render.mjs < jobs.json
//
// jobs.json: [{"zpl": "a.zpl", "png": "a.png", "width_mm": 100,
//              "height_mm": 50, "dpmm": 8}, ...]
// Each job's PNG is written; a job that fails is reported on stderr and
// the exit status is 1.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const here = path.dirname(new URL(import.meta.url).pathname);
const require = createRequire(path.join(here, "node_modules", "x.js"));
const { ready } = require("zpl-renderer-js");

const jobs = JSON.parse(fs.readFileSync(0, "utf8"));
const { api } = await ready;
let failed = 0;
for (const job of jobs) {
  try {
    const zpl = fs.readFileSync(job.zpl, "utf8");
    const png = await api.zplToBase64Async(zpl, job.width_mm, job.height_mm,
                                           job.dpmm);
    fs.writeFileSync(job.png, Buffer.from(png, "base64"));
  } catch (e) {
    console.error(`${job.zpl}: ${e}`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
