#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Per architecture, for `make bench` (scripts/bench.py runs every
scripts/bench.d/*.py and reads the JSON list on its last line): what the
station costs on amd64 (this machine) and on the boards' arm64 and armhf.

  * stripped size of retourd and retourctl: a copy stripped with the
    architecture's own strip (binutils for the triplet)
  * idle private dirty memory (Private_Dirty, /proc/PID/smaps) and RSS of
    retourd on the sim board (boards/sim.conf: scanner and scale on ptys,
    the simulated scale behind the scale's, printer and camera on
    directories, GPIO simulated), ready and left alone SETTLE_S seconds.
    amd64 runs natively.  arm64 and armhf run under qemu-user, whose
    process holds the emulator (its code, its heap, the translated code)
    beside the guest: the row "qemu-user, emulator included" is that
    process.  The guest's own figure is separated with qemu's page log
    (-d page): after every guest mmap it prints the guest's address
    space; the host mappings inside the last of those ranges (shifted by
    the guest base qemu reports) are the guest's, and only their pages
    are counted
  * start to READY (sd_notify), median of STARTS starts of the same
    configuration, the first of which creates the database; under
    qemu-user too (the emulator translates the code as it first runs, so
    a board's own start is faster than its qemu figure)
  * the installed size of each build's Debian package, only where `make
    deb` has left one in the build folder (its Installed-Size field, and
    the files it holds summed from `dpkg-deb -c` to check it)

A build folder without retourd gives one row saying how to build it.
"""
import glob
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from sim.scale import SimScale  # noqa: E402
from sim.station import start_ready, station_config, stop  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))
BUILD = os.environ.get("RETOUR_BUILD", "build")
SETTLE_S = float(os.environ.get("RETOUR_BENCH_ARCH_SETTLE_S", "2"))
STARTS = int(os.environ.get("RETOUR_BENCH_ARCH_STARTS", "5"))

# name, Debian architecture, build folder, strip, qemu-user runner
ARCHES = [
    ("amd64", "amd64", BUILD, "strip", None),
    ("arm64", "arm64", os.environ.get("RETOUR_BUILD_ARM64",
                                      os.path.join(ROOT, "build", "arm64")),
     "aarch64-linux-gnu-strip", "qemu-aarch64"),
    ("armhf", "armhf", os.environ.get("RETOUR_BUILD_ARMHF",
                                      os.path.join(ROOT, "build", "armhf")),
     "arm-linux-gnueabihf-strip", "qemu-arm"),
]


def row(name, value, unit, note=None):
    r = {"name": name, "value": value, "unit": unit, "target": ""}
    if note:
        r["note"] = note
    return r


def stripped_kib(strip, binary, d):
    out = os.path.join(d, os.path.basename(binary) + ".stripped")
    subprocess.run([strip, "-o", out, binary], check=True)
    return os.path.getsize(out) / 1024


def config(d):
    """The sim board as it is, its relative paths (run/..., tests/data/...)
    resolved in @d, where retourd is started."""
    os.makedirs(os.path.join(d, "run", "labels"))
    os.symlink(os.path.join(ROOT, "tests"), os.path.join(d, "tests"))
    return station_config(d, "arch", os.path.join(ROOT, "boards", "sim.conf"),
                          clock=None)


def start(argv, d, conf):
    """retourd started in @d; answers (process, seconds to READY=1)."""
    return start_ready(argv + ["-c", conf], d, cwd=d)


def smaps(pid):
    """[(start, end, {field: kB})] of every mapping of @pid."""
    maps, cur = [], None
    head = re.compile(r"^([0-9a-f]+)-([0-9a-f]+) ")
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            m = head.match(line)
            if m:
                cur = (int(m.group(1), 16), int(m.group(2), 16), {})
                maps.append(cur)
            elif cur is not None and line.endswith(" kB\n"):
                k, v = line.split(":", 1)
                cur[2][k] = int(v.split()[0])
    return maps


def guest_ranges(log):
    """The guest's address space as qemu's page log last printed it, in
    host addresses (guest address + guest base)."""
    base, ranges, block = 0, [], None
    with open(log) as f:
        for line in f:
            m = re.match(r"^Locating guest address space @ (0x[0-9a-f]+)",
                         line)
            if m:
                base = int(m.group(1), 16)
            elif line.startswith("start ") and "prot" in line:
                block = []
            elif block is not None:
                m = re.match(r"^([0-9a-f]+)-([0-9a-f]+) [0-9a-f]+ (\S+)$",
                             line.strip())
                if m:
                    block.append((int(m.group(1), 16) + base,
                                  int(m.group(2), 16) + base))
                else:
                    ranges, block = block, None
    if block:
        ranges = block
    return ranges


def guest_share(maps, ranges):
    """Private_Dirty and Rss, in kB, of the host mappings that lie in the
    guest's ranges; a mapping half in is counted pro rata, and how many
    were is said."""
    pd = rss = 0.0
    straddling = 0
    for start_, end, fields in maps:
        inside = sum(max(0, min(end, b) - max(start_, a))
                     for a, b in ranges)
        if not inside:
            continue
        share = inside / (end - start_)
        if share < 1:
            straddling += 1
        pd += fields.get("Private_Dirty", 0) * share
        rss += fields.get("Rss", 0) * share
    return pd, rss, straddling


def total(maps, field):
    return sum(m[2].get(field, 0) for m in maps)


def package_rows(name, debarch, build):
    """Installed size of a package `make deb` left in @build, if any."""
    rows = []
    for deb in sorted(glob.glob(os.path.join(build,
                                             "retour_*_%s.deb" % debarch))):
        out = subprocess.run(["dpkg-deb", "-f", deb, "Installed-Size"],
                             capture_output=True, text=True)
        listing = subprocess.run(["dpkg-deb", "-c", deb],
                                 capture_output=True, text=True)
        if out.returncode or not out.stdout.strip().isdigit():
            continue
        files = sum(int(line.split()[2]) for line in
                    listing.stdout.splitlines()
                    if line.startswith("-"))
        rows.append(row("%s package, installed size" % name,
                        int(out.stdout.strip()), "KiB",
                        note="%s: Installed-Size; its files sum to %.0f KiB"
                        % (os.path.basename(deb), files / 1024)))
    return rows


def arch_rows(name, debarch, build, strip, runner, scratch):
    retourd = os.path.join(build, "retourd")
    retourctl = os.path.join(build, "retourctl")
    how = "make%s" % ("" if runner is None else " ARCH=" + name)
    if not (os.path.exists(retourd) and os.path.exists(retourctl)):
        return [row("%s: not built" % name, None, "",
                    note="not measured: no %s (%s)" % (retourd, how))]
    if shutil.which(strip) is None or (runner and
                                       shutil.which(runner) is None):
        return [row("%s: no tools" % name, None, "",
                    note="not measured: %s or %s missing (make deps "
                    "ARCH=%s)" % (strip, runner, name))]
    rows = [row("%s retourd, stripped" % name,
                round(stripped_kib(strip, retourd, scratch), 1), "KiB",
                note="%s of a copy%s" % (strip, " (with zxing-cpp)"
                                          if runner is None else "")),
            row("%s retourctl, stripped" % name,
                round(stripped_kib(strip, retourctl, scratch), 1), "KiB")]

    argv = ([runner] if runner else []) + [os.path.abspath(retourd)]
    where = "native" if runner is None else "under %s" % runner
    d = tempfile.mkdtemp(prefix="retour-arch-%s-" % name, dir=scratch)
    conf = config(d)
    scale = SimScale(os.path.join(d, "run", "scale"), weight_g=1000)
    try:
        readies = []
        for _ in range(STARTS):
            proc, ready = start(argv, d, conf)
            readies.append(ready)
            if runner is None and len(readies) == STARTS:
                break  # the native memory is read from this one
            stop(proc)
        if runner:
            log = os.path.join(d, "qemu-page.log")
            proc, _ = start([runner, "-d", "page", "-D", log] + argv[1:],
                            d, conf)
        try:
            time.sleep(SETTLE_S)
            maps = smaps(proc.pid)
        finally:
            stop(proc)
    finally:
        scale.close()
    rows.append(row("%s start to READY, %s (median of %d)"
                    % (name, where, STARTS),
                    round(statistics.median(readies) * 1e3, 1), "ms",
                    note="worst %.1f ms; the first start creates the "
                    "database" % (max(readies) * 1e3)))
    pd, rss = total(maps, "Private_Dirty"), total(maps, "Rss")
    idle = "idle %g s after READY, sim board" % SETTLE_S
    if runner is None:
        rows += [row("%s idle private dirty of retourd, native" % name,
                     round(pd / 1024, 2), "MiB", note=idle),
                 row("%s idle RSS of retourd, native" % name,
                     round(rss / 1024, 2), "MiB")]
        return rows
    gpd, grss, straddling = guest_share(maps, guest_ranges(log))
    note = "host mappings in the guest's address space (qemu -d page)"
    if straddling:
        note += "; %d half in, counted pro rata" % straddling
    rows += [
        row("%s idle private dirty of retourd, qemu + guest" % name,
            round(pd / 1024, 2), "MiB",
            note="%s; the whole %s process, emulator included"
            % (idle, runner)),
        row("%s idle RSS of retourd, qemu + guest" % name,
            round(rss / 1024, 2), "MiB"),
        row("%s idle private dirty of retourd, guest alone" % name,
            round(gpd / 1024, 2), "MiB", note=note),
        row("%s idle RSS of retourd, guest alone" % name,
            round(grss / 1024, 2), "MiB"),
    ]
    return rows


def main():
    rows = []
    scratch = tempfile.mkdtemp(prefix="retour-arch-")
    try:
        for name, debarch, build, strip, runner in ARCHES:
            try:
                rows += arch_rows(name, debarch, build, strip, runner,
                                  scratch)
            except (OSError, RuntimeError, subprocess.SubprocessError) as e:
                rows.append(row("%s: failed" % name, None, "",
                                note="not measured: %s" % e))
            rows += package_rows(name, debarch, build)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    for r in rows:
        print("%-56s %10s %s" % (r["name"], r["value"], r["unit"]))
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
