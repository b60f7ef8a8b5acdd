#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The screen, for `make bench` (scripts/bench.py reads the JSON list on the
last line): measured by scripts/bench.d/screen_browser.js in Debian's
headless Chromium against a real retourd with simulated devices.

  * scan to screen: a code written to the scanner pty until the page has
    drawn the new step (after the frame that paints it), p50 and p99 over
    RETOUR_BENCH_SCREEN_SCANS (120) scans; target p99 < 50 ms
  * SSE fan-out: one change (POST /api/v1/routine) until the last of 10
    connected streams has its event, p50 and p99 over 50 changes
  * page weight: bytes transferred (headers and bodies, gzip as the browser
    asks) for the first paint of the routine screen, the first status
    event included; target < 200 KiB

Needs `make test-deps` (chromium, tests/ui/node_modules); without them one
row says so.
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def main():
    if not os.path.exists(os.path.join(ROOT, "tests/ui/node_modules")) or \
            not os.path.exists("/usr/bin/chromium"):
        print(json.dumps([{"name": "screen", "value": None, "unit": "",
                           "target": "", "note": "make test-deps first"}]))
        return
    p = subprocess.run(["node", os.path.join(HERE, "screen_browser.js")],
                       cwd=ROOT, capture_output=True, text=True, timeout=900)
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        print(json.dumps([{"name": "screen", "value": None, "unit": "",
                           "target": "", "note": "failed: " +
                           p.stderr.strip().splitlines()[-1][:80]}]))
        return
    got = json.loads(p.stdout.strip().splitlines()[-1])
    scan, fan, weight = got["scan"], got["fan"], got["weight"]
    rows = [
        {"name": "screen scan to screen p50", "value": scan["p50"],
         "unit": "ms", "target": "",
         "note": "pty write to step drawn, %d scans" % scan["n"]},
        {"name": "screen scan to screen p99", "value": scan["p99"],
         "unit": "ms", "target": "< 50",
         "note": "pty write to step drawn, %d scans" % scan["n"]},
        {"name": "screen SSE fan-out to 10 p50", "value": fan["p50"],
         "unit": "ms", "target": "",
         "note": "change to the 10th stream's event, %d changes" % fan["n"]},
        {"name": "screen SSE fan-out to 10 p99", "value": fan["p99"],
         "unit": "ms", "target": "",
         "note": "change to the 10th stream's event, %d changes" % fan["n"]},
        {"name": "screen page weight", "value": weight["bytes"] / 1024,
         "unit": "KiB", "target": "< 200",
         "note": "first paint: " + " ".join(weight["files"]) +
         " + first status event"},
    ]
    for r in rows:
        r["value"] = round(r["value"], 3)
        print("%-40s %10.3f %s" % (r["name"], r["value"], r["unit"]),
              file=sys.stderr)
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
