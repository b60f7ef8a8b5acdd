#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Scale: report to stable weight, for the HID POS and the Toledo 8217
backends, measured by build/bench/bench_scale (tests/bench/bench_scale.c)
against a fake scale on a pty, through the backends' own code paths.

The target: the configured settle time and nothing more.  Each backend
runs with settle_ms 0 and SETTLE_MS; a row gives the p50 report-to-weight
time, a row what comes on top of the settle time at p50 (target at most
1 ms: the pty, the event loop, the timer), and one the same at p99, with
the machine's load average in its note (on a shared machine the p99 is
the scheduler's, not the scale's).  No peer exists to
compare with: a scale's own stable flag is the only other clock, and the
0 ms rows are the station's cost of taking it.

Prints its rows as one JSON list on its last line."""
import json
import os
import statistics
import subprocess
import sys

BUILD = os.environ.get("RETOUR_BUILD", "build")
SETTLE_MS = 200
ROUNDS = 25


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100.0 * (len(values) - 1))))]


def run(backend, settle_ms):
    exe = os.path.join(BUILD, "bench", "bench_scale")
    out = subprocess.run([exe, backend, str(settle_ms), str(ROUNDS)],
                         capture_output=True, text=True, timeout=60,
                         check=True)
    return [v / 1000.0 for v in json.loads(out.stdout.strip().splitlines()[-1])["lat_us"]]


def main():
    rows = []
    for backend in ("hidpos", "toledo8217"):
        for settle in (0, SETTLE_MS):
            lat = run(backend, settle)
            over = [v - settle for v in lat]
            note = "settle_ms=%d, %d rounds through a pty; min %.3f ms" % (
                settle, ROUNDS, min(lat))
            if settle:
                rows.append({"name": "scale %s: report to stable weight, "
                                     "settle %d ms (p50)" % (backend, settle),
                             "value": round(statistics.median(lat), 3),
                             "unit": "ms", "target": "", "note": note})
            rows.append({"name": "scale %s: beyond the settle time, "
                                 "settle %d ms (p50)" % (backend, settle),
                         "value": round(statistics.median(over), 3),
                         "unit": "ms", "target": "<= 1", "note": note})
            with open("/proc/loadavg") as f:
                load = f.read().split()[0]
            rows.append({"name": "scale %s: beyond the settle time, "
                                 "settle %d ms (p99)" % (backend, settle),
                         "value": round(pct(over, 99), 3), "unit": "ms",
                         "target": "", "note": note +
                         "; load average %s" % load})
    print(json.dumps(rows))


if __name__ == "__main__":
    sys.exit(main())
