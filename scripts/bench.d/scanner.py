#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Scanner latency: a code's keystrokes written to the evdev scanner's
node (a pipe of input_event records) to the code classified, p50 and p99
over 3000 codes (tests/bench/bench_scanner.c); beside it the same code as
bytes through the tty backend on a pty, the serial scanner's path."""
import json
import os
import subprocess
import sys

BUILD = os.environ.get("RETOUR_BUILD", "build")


def main():
    out = subprocess.run([os.path.join(BUILD, "bench", "bench_scanner")],
                         capture_output=True, text=True, timeout=60,
                         check=True)
    got = {r["name"]: r for r in map(json.loads, out.stdout.split("\n")[:-1])}
    ev, tty = got["evdev"], got["tty"]
    note = ("GS1-128 ]C1...<FNC1 Ctrl+]>... typed on us, %d codes, "
            "write to classified" % ev["n"])
    if ev["bad"] or tty["bad"]:
        note += "; MISREAD %d/%d" % (ev["bad"], tty["bad"])
    rows = [
        {"name": "scanner evdev latency p50", "value": ev["p50_us"] / 1000,
         "unit": "ms", "target": "", "note": note},
        {"name": "scanner evdev latency p99", "value": ev["p99_us"] / 1000,
         "unit": "ms", "target": "< 1", "note": note},
        {"name": "scanner tty latency p50 (peer path)",
         "value": tty["p50_us"] / 1000, "unit": "ms", "target": "",
         "note": "the same code as bytes on a pty"},
        {"name": "scanner tty latency p99 (peer path)",
         "value": tty["p99_us"] / 1000, "unit": "ms", "target": "",
         "note": "the same code as bytes on a pty"},
        {"name": "scanner evdev/tty p99 ratio",
         "value": round(ev["p99_us"] / max(tty["p99_us"], 0.001), 2),
         "unit": "x", "target": "", "note": "keystrokes vs bytes"},
    ]
    for r in rows:
        r["value"] = round(r["value"], 4)
        print("%-40s %10.3f %s" % (r["name"], r["value"], r["unit"]),
              file=sys.stderr)
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
