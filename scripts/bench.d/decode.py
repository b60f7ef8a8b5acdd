#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Bench of the camera's barcode decoder, beside zbarimg in the same run.

  * throughput: 1280x720 frames (GRAY and YUYV) with codes, frames/s with
    one worker and with two (tests/bench/bench_decode.c links the decoder);
    zbarimg on the same images as PNG, one whole process per image, images/s
  * detection rate per symbology on the generated set
    (tests/images/make_set.py: clean, rotation, blur, noise, low contrast,
    perspective), the station's decoder (retourctl decode --json) beside
    zbarimg on the same images, and false positives on pages with no code
    (a code read that is not the one on the page counts too)

Env RETOUR_BUILD: the build dir (bench_decode and retourctl built there).
The last line of stdout is the JSON list of rows.
"""
import json
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
BUILD = os.environ.get("RETOUR_BUILD", os.path.join(ROOT, "build"))
SYMS = ["code128", "ean13", "qr", "datamatrix", "gs1-128"]
ZBAR_NAMES = {"CODE-128": ["code128", "gs1-128"], "EAN-13": ["ean13"],
              "QR-Code": ["qr"]}


def row(name, value, unit, target="", note=""):
    return {"name": name, "value": value, "unit": unit, "target": target,
            "note": note}


def station_decode(files):
    out = {}
    for i in range(0, len(files), 50):
        batch = files[i:i + 50]
        p = subprocess.run([os.path.join(BUILD, "retourctl"), "--json",
                            "decode", *batch], capture_output=True, text=True)
        for r in json.loads(p.stdout):
            out[r["file"]] = [(c["symbology"], c.get("data"))
                              for c in r.get("codes", [])]
    return out


def zbarimg_decode(path):
    p = subprocess.run(["zbarimg", "--nodbus", "-q", "--raw", "-Sbinary",
                        path], capture_output=True)
    if p.returncode not in (0, 4):
        return None
    # --raw: the data bytes, each symbol ended by a newline
    return p.stdout


def main():
    rows = []
    imgdir = os.path.join(BUILD, "images")
    shutil.rmtree(imgdir, ignore_errors=True)
    subprocess.run(["/usr/bin/python3",
                    os.path.join(ROOT, "tests/images/make_set.py"), imgdir,
                    "--per", "3"], check=True, capture_output=True)
    with open(os.path.join(imgdir, "manifest.json")) as f:
        manifest = json.load(f)
    files = [os.path.join(imgdir, m["file"]) for m in manifest]

    # ---- throughput ----
    clean = [os.path.join(imgdir, m["file"]) for m in manifest
             if m["variant"] == "clean" and m["symbology"] != "datamatrix"]
    dm = [os.path.join(imgdir, m["file"]) for m in manifest
          if m["variant"] == "clean" and m["symbology"] == "datamatrix"]
    fps = {}
    for workers in (1, 2):
        p = subprocess.run([os.path.join(BUILD, "bench", "bench_decode"),
                            "3", str(workers), *clean],
                           capture_output=True, text=True, check=True)
        fps[workers] = json.loads(p.stdout.strip().splitlines()[-1])
    t0 = time.monotonic()
    n = 0
    for path in clean:
        zbarimg_decode(path)
        n += 1
    zbar_ips = n / (time.monotonic() - t0)
    one = fps[1]["frames_per_s"]
    rows.append(row("decode 1280x720, 1 worker", one, "frames/s", ">= 30",
                    "code128, ean13, qr, gs1-128 frames, GRAY and YUYV, "
                    "every symbology on; %d/%d frames read" % (
                        fps[1]["found"], fps[1]["frames"])))
    rows.append(row("decode 1280x720, 1 worker, per CPU second",
                    fps[1]["frames_per_cpu_s"], "frames/s", ">= 30",
                    "the worker's own CPU time: what a core of its own "
                    "does, whatever the neighbours"))
    rows.append(row("decode 1280x720, 2 workers", fps[2]["frames_per_s"],
                    "frames/s", "", "%.2fx one worker, on %d cores" % (
                        fps[2]["frames_per_s"] / one, os.cpu_count())))
    rows.append(row("zbarimg, whole process per image", round(zbar_ips, 1),
                    "images/s", "", "same images as PNG"))
    rows.append(row("decode vs zbarimg", round(one / zbar_ips, 1), "x",
                    ">= 3", "1 worker frames/s over zbarimg images/s"))
    nocode = [os.path.join(imgdir, m["file"]) for m in manifest
              if m["symbology"] is None]
    p = subprocess.run([os.path.join(BUILD, "bench", "bench_decode"),
                        "3", "1", *nocode], capture_output=True, text=True,
                       check=True)
    r = json.loads(p.stdout.strip().splitlines()[-1])
    rows.append(row("decode 1280x720 with no code, 1 worker",
                    r["frames_per_s"], "frames/s", "",
                    "%.1f per CPU second; ZBar, then zxing-cpp on every "
                    "frame (noise, stripes, marks: the worst case)" %
                    r["frames_per_cpu_s"]))
    if dm:
        p = subprocess.run([os.path.join(BUILD, "bench", "bench_decode"),
                            "2", "1", *dm], capture_output=True, text=True)
        if p.returncode == 0:
            r = json.loads(p.stdout.strip().splitlines()[-1])
            rows.append(row("decode 1280x720 DataMatrix (zxing), 1 worker",
                            r["frames_per_s"], "frames/s", "",
                            "ZBar first, then zxing-cpp"))

    # ---- detection ----
    ours = station_decode(files)
    hit = {s: [0, 0, 0] for s in SYMS}  # station, zbarimg, total
    fp_ours = fp_zbar = nocode = 0
    misses = []
    for m, path in zip(manifest, files):
        got = ours.get(path, [])
        zraw = zbarimg_decode(path)
        zgot = [] if not zraw else zraw.rstrip(b"\n").split(b"\n")
        if m["symbology"] is None:
            nocode += 1
            fp_ours += len(got)
            fp_zbar += len(zgot)
            continue
        s = m["symbology"]
        want = m["data"]
        hit[s][2] += 1
        ok = any(d == want for (_, d) in got)
        hit[s][0] += ok
        if not ok:
            misses.append(m["file"])
        fp_ours += sum(1 for (_, d) in got if d != want)
        zok = any(z == want.encode() for z in zgot)
        hit[s][1] += zok
        fp_zbar += sum(1 for z in zgot if z != want.encode())
    for s in SYMS:
        a, b, t = hit[s]
        rows.append(row("detection %s" % s, round(100.0 * a / t, 1), "%",
                        ">= %.1f" % (100.0 * b / t),
                        "%d/%d; zbarimg %d/%d" % (a, t, b, t)))
    rows.append(row("false positives", fp_ours, "codes", "<= 0",
                    "%d pages with no code + wrong reads; zbarimg %d" % (
                        nocode, fp_zbar)))
    if misses:
        print("missed: " + ", ".join(misses))
    for r in rows:
        print("%-45s %10s %-9s %-8s %s" % (r["name"], r["value"], r["unit"],
                                          r["target"], r["note"]))
    print(json.dumps(rows))


if __name__ == "__main__":
    sys.exit(main())
