#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The station image's figures, for `make bench` (scripts/bench.py reads
the JSON list on the last line).  Nothing is measured here: building and
booting the image takes minutes and root, so the rows are the figures the
last `make image` (build/image/image.json) and `make check-image`
(build/image/check.json) wrote on this machine.  Without them, one row
says how to make them.

  * the disk image's size: installed (the root's files), the raw disk
    (all four partitions) and compressed (zstd -6, what is written to a
    card)
  * build time: the root's bootstrap (mmdebstrap under qemu-user, the
    cold part, cached afterwards) and the image built from the cached root
  * the signed update bundle's size, and how long RAUC took to install it
    in the guest
  * boot to READY: retourd's READY=1 (its unit's active time) in
    qemu-system-aarch64 -M virt under TCG (U-Boot as the boot loader),
    far slower than a board
  * the fall-back: how long the boot of a slot whose retourd fails took
    (U-Boot to the reboot into the other slot) and when boot-check
    decided it had failed for good
  * make check-image's whole wall time, for each kind of run last seen
    (cold: the root bootstrapped; root cached; image cached; bundles made
    or cached)
"""
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
OUT = os.environ.get("RETOUR_IMAGE_DIR", os.path.join(ROOT, "build", "image"))


def row(name, value, unit, note=""):
    return {"name": name, "value": value, "unit": unit, "target": "",
            "note": note}


def load(name):
    try:
        with open(os.path.join(OUT, name)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def seconds(text):
    """'52441e-3' (the driver's READY time) or a number, as seconds."""
    try:
        return round(float(text), 1)
    except (TypeError, ValueError):
        return None


def main():
    rows = []
    image = load("image.json")
    check = load("check.json")
    if not image:
        rows.append(row("station image: not built", None, "",
                        "run make image (root) for these rows"))
    else:
        mib = 1048576
        rows.append(row("image, installed root", round(
            image["installed_kb"] / 1024), "MiB"))
        rows.append(row("image, raw disk (boot, A, B, data)", round(
            image["disk_bytes"] / mib), "MiB"))
        rows.append(row("image, compressed (zstd -6)", round(
            image["compressed_bytes"] / mib), "MiB"))
        if image.get("bootstrap_seconds") is not None:
            rows.append(row("image build, root bootstrap (cold, cached "
                            "after)", image["bootstrap_seconds"], "s",
                            "mmdebstrap under qemu-user"))
        # build_seconds holds the bootstrap too when it ran
        rows.append(row("image build from the cached root",
                        image["build_seconds"] - image["rootfs_seconds"],
                        "s", "make image with the root in the cache"))
    if not check:
        rows.append(row("station image in qemu: not checked", None, "",
                        "run make check-image (root) for these rows"))
    else:
        if check.get("bundle_bytes"):
            rows.append(row("update bundle, signed (verity)", round(
                check["bundle_bytes"] / 1048576), "MiB"))
        if check.get("bundle_seconds"):
            rows.append(row("update bundle, make time",
                            round(check["bundle_seconds"]), "s"))
        inst = check.get("install_s") or []
        if inst and inst[0].endswith("s"):
            rows.append(row("update install in the guest (TCG)",
                            int(inst[0][:-1]), "s", "rauc install, qemu"))
        for key, what in (("first_boot_ready_s", "first boot"),
                          ("updated_boot_ready_s", "boot after an update")):
            v = seconds(check.get(key))
            if v is not None:
                rows.append(row(f"image boot to READY, {what}, qemu TCG",
                                v, "s", "kernel start to READY=1; a board "
                                "is far faster"))
        if check.get("fallback_boot_wall_s") is not None:
            rows.append(row("fall-back boot, retourd failing, qemu TCG",
                            round(check["fallback_boot_wall_s"]), "s",
                            "U-Boot to the reboot into the old slot; "
                            "decided %ss after boot-check started" %
                            check.get("fallback_decided_s")))
        rows.append(row("make check-image (image ready)",
                        round(check["check_seconds"]), "s",
                        "%d failed" % len(check.get("failures", []))))
        for kind, secs in sorted((check.get("runs") or {}).items()):
            rows.append(row(f"make check-image, whole run ({kind})", secs,
                            "s", "the last run of this kind"))
    for r in rows:
        print("%-56s %10s %s" % (r["name"], r["value"], r["unit"]))
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
