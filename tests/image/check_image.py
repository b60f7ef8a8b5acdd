#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""make check-image: the station image (make image, firmware/) booted in
qemu-system-aarch64 (virt, TCG) four times, as a desk lives it:

0. the built disk's boot partition holds what U-Boot and a Raspberry Pi 4
   need (mtools, no boot): boot.scr, boot.env, config.txt, the GPU
   firmware, u-boot.bin, the device trees.
1. first boot from slot A: the data partition grows, retour.txt on the
   boot partition sets the board (sim), the station's name and the first
   supervisor; retourd reaches READY, reads the slots from RAUC as user
   retour, and the slot is marked good; a record is made (an expected
   return imported); bundles with a bad signature, a wrong compatible
   string and a truncated file are refused by RAUC as root (`retourctl
   system update`), and one sent to retourd is refused too: nothing
   changes.  Then a bundle whose retourd cannot start is sent to
   retourd, which has RAUC install it (B), as the station page does.
2. slot B on trial: retourd fails for good, B is marked bad at once (not
   after the 300 s a hang is given) and the guest reboots.
3. slot A again (fallback), a FAT USB stick plugged in: the record is
   there; the image mounts the stick read-only, retourd lists the good
   bundle on it and installs it from there (B).
4. slot B: READY with the new version; the record and the outbox are
   as they were; B is marked good.

The boot loader is the real one: qemu runs Debian's U-Boot
(u-boot-qemu, -bios) which runs the image's boot.scr
(firmware/boot/boot.cmd): it counts the tries down in boot.env on the
boot partition and boots the chosen slot's kernel.  The test's copies of
the image and bundles carry one more unit, retour-test.service, which
runs tests/image/driver.sh from a second drive (the step to run is the
file `step` on the disk's boot partition); the image make image made is
not changed.  Every qemu
run has a time limit.  The bundles are kept in the image cache, keyed on
the image's inputs (make image's stamp) and these test files.  Figures
go to OUT/check.json (make bench reads them).
   check_image.py OUT        OUT: make image's folder (build/image)
"""
import hashlib
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
FW = REPO / "firmware" / "scripts"
BOOT_LIMIT = int(os.environ.get("RETOUR_IMAGE_BOOT_LIMIT", "600"))
UBOOT = Path(os.environ.get("RETOUR_UBOOT_QEMU",
                            "/usr/lib/u-boot/qemu_arm64/u-boot.bin"))
QEMU_CPU = os.environ.get("RETOUR_QEMU_CPU", "cortex-a72")
# what a Raspberry Pi 4 (and 400, CM4) needs on the boot partition
PI_FILES = ("config.txt", "start4.elf", "fixup4.dat", "u-boot.bin",
            "bcm2711-rpi-4-b.dtb", "bcm2711-rpi-400.dtb",
            "bcm2711-rpi-cm4-io.dtb")

failures = []


def say(msg):
    print(f"check-image: {msg}", flush=True)


def check(ok, what):
    say(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)
    return ok


def run(cmd, **kw):
    kw.setdefault("check", True)
    return subprocess.run(cmd, **kw)


def part_offset(disk, n):
    out = run(["sfdisk", "-J", str(disk)], capture_output=True,
              text=True).stdout
    table = json.loads(out)["partitiontable"]
    return table["partitions"][n - 1]["start"] * table.get("sectorsize", 512)


def debugfs(fs, commands, write=False):
    """Run debugfs commands on an ext4 image (a path, maybe with
    ?offset=N)."""
    args = ["debugfs"] + (["-w"] if write else []) + ["-f", "-", fs]
    r = run(args, input="\n".join(commands) + "\n", capture_output=True,
            text=True)
    return r.stdout


def ext4_put(fs, path, data, mode=0o644):
    with tempfile.NamedTemporaryFile("wb", delete=False) as f:
        f.write(data)
        name = f.name
    os.chmod(name, mode)
    parents = []
    d = os.path.dirname(path)
    while d not in ("/", ""):
        parents.insert(0, f"mkdir {d}")
        d = os.path.dirname(d)
    try:
        debugfs(fs, parents + [f"rm {path}", f"write {name} {path}"],
                write=True)
    finally:
        os.unlink(name)
    got = run(["debugfs", "-R", f"cat {path}", fs], capture_output=True).stdout
    if got != data:
        raise SystemExit(f"check-image: could not write {path} into {fs}")


def add_driver(fs, version=None, extra=()):
    """The test's unit into a root filesystem (an ext4 image or a slot in
    the disk), and maybe another version string and more files."""
    unit = (HERE / "retour-test.service").read_bytes()
    ext4_put(fs, "/etc/systemd/system/retour-test.service", unit)
    debugfs(fs, ["symlink /etc/systemd/system/multi-user.target.wants/"
                 "retour-test.service /etc/systemd/system/retour-test.service"],
            write=True)
    if version:
        ext4_put(fs, "/usr/lib/retour-image/version",
                 (version + "\n").encode())
    for path, data, mode in extra:
        ext4_put(fs, path, data, mode)


def make_bundle(src_ext4, out, version, pki=None, compatible=None):
    if out.exists():
        say(f"{out.name}: kept from the last run")
        return None
    env = dict(os.environ)
    if pki:
        env["RETOUR_PKI"] = str(pki)
    if compatible:
        env["RETOUR_COMPATIBLE"] = compatible
    t = time.monotonic()
    run([str(FW / "bundle.sh"), str(src_ext4), str(out), version], env=env)
    return time.monotonic() - t


def expected_json():
    return json.dumps({"returns": [{
        "rma": "RMA-IMAGE-1", "order": "ORD-IMAGE-1", "shop": "shop",
        "kind": "withdrawal", "lookup_codes": ["RMA-IMAGE-1"],
        "currency": "PLN", "delivered_at": "2026-11-20T10:00:00Z",
        "requested_at": None, "delivery_basic_minor": 0,
        "items": [{"sku": "TSHIRT-M", "gtin": "05901234123457",
                   "name": "T-shirt M", "category": "apparel",
                   "quantity": 1, "unit_price_minor": 4999,
                   "weight_g": 200, "personalised": False,
                   "made_to_order": False, "perishable": False,
                   "sealed_hygiene": False}],
        "order_lines": [{"sku": "TSHIRT-M", "gtin": "05901234123457",
                         "quantity": 1}]}]})


def boot(disk, media, step, log, stick=None):
    """One boot under U-Boot, maybe with a USB stick plugged in; the slot
    its script chose, the findings, the wall time."""
    stepfile = log.with_suffix(".step")
    stepfile.write_text(step + "\n")
    run(["mcopy", "-o", "-i", f"{disk}@@{part_offset(disk, 1)}",
         str(stepfile), "::step"])
    usb = ["-device", "qemu-xhci,id=xhci",
           "-drive", f"file={stick},format=raw,if=none,id=stick,"
           "readonly=on",
           "-device", "usb-storage,bus=xhci.0,drive=stick"] if stick else []
    t = time.monotonic()
    cmd = ["timeout", "--kill-after=10", str(BOOT_LIMIT),
           "qemu-system-aarch64", "-M", "virt", "-cpu", QEMU_CPU,
           "-smp", "2", "-m", "1024", "-nographic", "-nic", "none",
           "-no-reboot", "-monitor", "none", "-serial", f"file:{log}",
           "-bios", str(UBOOT),
           "-drive", f"file={disk},format=raw,if=virtio",
           "-drive", f"file={media},format=raw,if=virtio,readonly=on"] + usb
    r = run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
            check=False)
    wall = time.monotonic() - t
    if r.returncode != 0:
        say(f"qemu exited {r.returncode}"
            f"{' (timed out)' if r.returncode == 124 else ''}: "
            f"{r.stderr.strip()[:300]}")
    found = {}
    text = log.read_text(errors="replace") if log.exists() else ""
    m = re.search(r"retour-boot: slot ([AB]) ", text)
    slot = m.group(1) if m else None
    for line in text.splitlines():
        m = re.search(r"retour-test: ([a-z_.]+)=(.*)$", line)
        if m:
            found[m.group(1)] = m.group(2).strip()
    say(f"boot {step}: U-Boot chose slot {slot}, {wall:.0f} s, "
        f"qemu {r.returncode}")
    return slot, found, wall, r.returncode, text


def boot_env(disk):
    """boot.env on the boot partition, as U-Boot and the backend keep it."""
    r = run(["mtype", "-i", f"{disk}@@{part_offset(disk, 1)}",
             "::boot.env"], capture_output=True, check=False)
    text = r.stdout.decode(errors="replace").replace("\0", "")
    return dict(line.split("=", 1) for line in text.splitlines()
                if "=" in line)


def state(disk):
    env = boot_env(disk)
    return {"order": env.get("BOOT_ORDER", ""),
            "left.A": env.get("BOOT_A_LEFT", ""),
            "left.B": env.get("BOOT_B_LEFT", ""),
            "trial.B": env.get("BOOT_B_TRIAL", "")}


def check_boot_partition(disk):
    """0. what U-Boot and a Raspberry Pi 4 need, read with mtools."""
    img = f"{disk}@@{part_offset(disk, 1)}"
    r = run(["mdir", "-b", "-i", img, "::"], capture_output=True, text=True,
            check=False)
    names = {line.strip().split("/")[-1].lower()
             for line in r.stdout.splitlines()}
    for f in ("boot.scr", "boot.env") + PI_FILES:
        check(f in names, f"boot partition holds {f}")

    def cat(name):
        return run(["mtype", "-i", img, f"::{name}"], capture_output=True,
                   check=False).stdout
    check(cat("boot.scr")[:4] == b"\x27\x05\x19\x56",
          "boot.scr is a U-Boot script image (mkimage)")
    conf = cat("config.txt").decode(errors="replace").split()
    check("arm_64bit=1" in conf and "kernel=u-boot.bin" in conf
          and "enable_uart=1" in conf,
          "config.txt starts the 64-bit U-Boot with the UART on")
    check(b"U-Boot 2023.01" in cat("u-boot.bin"),
          "u-boot.bin is Debian's U-Boot 2023.01 (u-boot-rpi)")
    check(state(disk) == {"order": "A B", "left.A": "3", "left.B": "0",
                          "trial.B": "0"},
          f"boot.env: slot A first with 3 tries ({state(disk)})")


def make_test_bundles(out, bundles, version, figures):
    """The test's bundles and its drive (media.img) in BUNDLES, from the
    image in OUT: broken (retourd exits at once), three that must be
    refused (another CA, another compatible string, half a file), and the
    good one (the update) on a FAT USB stick (stick.img)."""
    media_dir = bundles / "media"
    media_dir.mkdir(parents=True, exist_ok=True)
    t = time.monotonic()
    stick_dir = bundles / "stick"
    stick_dir.mkdir(exist_ok=True)
    good = bundles / "good.ext4"
    if not (stick_dir / "good.raucb").exists():
        run(["cp", "--sparse=always", str(out / "rootfs.ext4"),
             str(good)])
        add_driver(str(good), version + "-update")
        figures["bundle_seconds"] = make_bundle(
            good, stick_dir / "good.raucb", version + "-update")
        good.unlink()
    broken = bundles / "broken.ext4"
    if not (media_dir / "broken.raucb").exists():
        run(["cp", "--sparse=always", str(out / "rootfs.ext4"),
             str(broken)])
        # the shipped timeout (300 s) is kept: boot-check must see
        # that retourd failed for good and not wait it out
        add_driver(str(broken), version + "-broken", [
            ("/usr/bin/retourd",
             b"#!/bin/sh\necho 'retourd: broken on purpose by "
             b"check-image' >&2\nexit 1\n", 0o755)])
        make_bundle(broken, media_dir / "broken.raucb",
                    version + "-broken")
        broken.unlink()
    # small payloads for the bundles that must be refused before
    # anything is written
    tiny = bundles / "tiny.ext4"
    filler = bundles / "tiny"
    filler.mkdir(exist_ok=True)
    (filler / "noise").write_bytes(os.urandom(1 << 20))
    run(["mkfs.ext4", "-q", "-L", "rootfs", "-d", str(filler),
         str(tiny), "8M"])
    rogue = bundles / "rogue"
    run([str(FW / "pki.sh")], env=dict(os.environ,
                                       RETOUR_IMAGE_CACHE=str(rogue)),
        capture_output=True)
    make_bundle(tiny, media_dir / "badsig.raucb", version + "-badsig",
                pki=rogue / "pki")
    make_bundle(tiny, media_dir / "wrongcompat.raucb",
                version + "-wrongcompat", compatible="another-product")
    size = (stick_dir / "good.raucb").stat().st_size
    with open(stick_dir / "good.raucb", "rb") as src, \
            open(media_dir / "truncated.raucb", "wb") as dst:
        dst.write(src.read(size // 2))
    shutil.copy(HERE / "driver.sh", media_dir / "driver.sh")
    (media_dir / "expected.json").write_text(expected_json())
    total = sum(f.stat().st_size for f in media_dir.iterdir())
    run(["mkfs.ext4", "-q", "-L", "test", "-d", str(media_dir),
         str(bundles / "media.img"), f"{total // 1048576 + 64}M"])
    # the update on a USB stick as a warehouse writes one: FAT
    stick = bundles / "stick.img"
    stick.unlink(missing_ok=True)
    run(["mkfs.vfat", "-n", "RETOUR-UPD", "-C", str(stick),
         str(size // 1024 + 16384)], capture_output=True)
    run(["mcopy", "-i", str(stick), str(stick_dir / "good.raucb"),
         "::retour-update.raucb"])
    figures["bundle_bytes"] = size
    figures["bundles_seconds"] = time.monotonic() - t


def bundles_key(out):
    """The bundles' cache key: the image's inputs (make image's stamp),
    the squashfs options, and what makes the bundles and the test drive
    (these functions and the files they copy)."""
    h = hashlib.sha256((out / "stamp").read_bytes())
    h.update(os.environ.get("RETOUR_SQUASHFS_ARGS", "").encode())
    for fn in (make_test_bundles, add_driver, make_bundle, ext4_put,
               expected_json):
        h.update(inspect.getsource(fn).encode())
    for f in ("retour-test.service", "driver.sh"):
        h.update((HERE / f).read_bytes())
    return h.hexdigest()[:16]


def record_run(out, image, figures):
    """The whole make check-image's wall time (RETOUR_CHECK_START, set by
    the Makefile) and what kind of run it was: cold (the root
    bootstrapped), root cached (the image built from it), or image
    cached; the bundles made or cached.  The last figure of each kind is
    kept from the previous check.json."""
    start = os.environ.get("RETOUR_CHECK_START", "")
    if not start.isdigit():
        return
    built = (out / "image.json").stat().st_mtime >= int(start)
    kind = ("cold" if built and image.get("bootstrapped") else
            "root cached" if built else "image cached")
    kind += ", bundles " + ("cached" if figures.get("bundles_cached")
                            else "made")
    seconds = round(time.time() - int(start))
    runs = {}
    try:
        runs = json.loads((out / "check.json").read_text()).get("runs", {})
    except (OSError, ValueError):
        pass
    runs[kind] = seconds
    figures["make_check_image_seconds"] = seconds
    figures["make_check_image_kind"] = kind
    figures["runs"] = runs


def prepare_disk(out, disk):
    """The test's copy of the disk: 1 GiB more card for the first boot to
    grow into, the driver in slot A, a retour.txt on the boot partition."""
    run(["cp", "--sparse=always", str(out / "disk.img"), str(disk)])
    run(["truncate", "-s", "+1G", str(disk)])
    add_driver(f"{disk}?offset={part_offset(disk, 2)}")
    txt = disk.with_suffix(".txt")
    txt.write_text("board=sim\nstation=qemu-desk\nadmin=SUP-0001\n")
    run(["mcopy", "-o", "-i", f"{disk}@@{part_offset(disk, 1)}", str(txt),
         "::retour.txt"])
    return disk


def story(disk, media, steps, logs, sticks):
    """The disk's boots, one after the other: each boot's slot, findings,
    wall time, console text, and the boot state it left.  @sticks: the
    USB stick plugged in for a step."""
    done = []
    for i, step in enumerate(steps, 1):
        slot, found, wall, rc, text = boot(
            disk, media, step, logs / f"boot{i}.log",
            stick=sticks.get(step))
        done.append({"slot": slot, "found": found, "wall": wall, "rc": rc,
                     "text": text, "state": state(disk)})
    return done


def main():
    if len(sys.argv) != 2:
        print("usage: check_image.py OUT", file=sys.stderr)
        return 2
    out = Path(sys.argv[1]).resolve()
    for f in ("disk.img", "rootfs.ext4", "image.json", "stamp"):
        if not (out / f).exists():
            say(f"no {out / f}: run make image")
            return 1
    for tool in ("qemu-system-aarch64", "debugfs", "rauc", "mcopy", "mdir",
                 "mtype", "sfdisk", "mkfs.ext4", "mkfs.vfat", "openssl"):
        if not shutil.which(tool):
            say(f"{tool} is missing: scripts/deps.sh image installs it")
            return 1
    if not UBOOT.exists():
        say(f"no {UBOOT}: scripts/deps.sh image installs u-boot-qemu")
        return 1
    image = json.loads((out / "image.json").read_text())
    version = image["version"]
    work = out / "check"
    work.mkdir(exist_ok=True)
    t_start = time.monotonic()
    figures = {"version": version}

    check_boot_partition(out / "disk.img")

    # the bundles, kept in the image cache for the same image inputs
    # and the same recipe (bundles_key)
    cache = Path(os.environ.get("RETOUR_IMAGE_CACHE") or Path(
        os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        / "retour-image")
    bundles = cache / f"check-{bundles_key(out)}"
    if not (bundles / "done").exists():
        for old in list(cache.glob("check-*")) + list(work.glob("bundles-*")):
            if old != bundles:
                shutil.rmtree(old)
        make_test_bundles(out, bundles, version, figures)
        (bundles / "figures.json").write_text(json.dumps(figures))
        (bundles / "done").write_text("")
        figures["bundles_cached"] = False
    else:
        figures.update(json.loads((bundles / "figures.json").read_text()))
        figures["bundles_cached"] = True
        say(f"bundles for {version}: kept from the last run ({bundles})")
    media = bundles / "media.img"

    # the test's copy of the disk, booted four times; the USB stick is
    # plugged in for the third boot (back on A after the fallback)
    disk = prepare_disk(out, work / "disk.img")
    first, trial, back, updated = story(
        disk, media, ("first", "trial", "fallback", "updated"), work,
        {"fallback": bundles / "stick.img"})

    # 1. first boot, A
    f = first["found"]
    figures["first_boot_ready_s"] = f.get("ready_s")
    check(first["slot"] == "A" and f.get("slot") == "A",
          "first boot is slot A")
    check(f.get("ready") == "yes", "retourd READY on the first boot")
    check(int(f.get("data_kb", "0")) > 1024 * 1024,
          f"data partition grown to the card ({f.get('data_kb')} KiB)")
    check(f.get("board", "").endswith("board-sim.conf"),
          f"board from retour.txt ({f.get('board')})")
    check(f.get("desk") == "qemu-desk", "station name from retour.txt")
    check(f.get("admin") == "1", "first supervisor from retour.txt")
    check(f.get("root_ro") == "1", "root mounted read-only")
    check(f.get("import") == "rc0" and f.get("expected") == "1",
          "a record made (an expected return imported)")
    check(f.get("api_slot") == "A",
          f"retourd reads the slots from RAUC as user retour "
          f"({f.get('api_slot')})")
    for b, why in (("badsig", "signature"), ("wrongcompat", "compatible"),
                   ("truncated", "")):
        got = f.get(f"refused.{b}", "")
        check(got.startswith("rc1") and "refused, nothing was changed" in got
              and why in got.lower(), f"{b} bundle refused: {got[:160]}")
    got = f.get("refused.daemon", "")
    check(got.startswith("rc1") and "refused, nothing was changed" in got
          and "signature" in got.lower(),
          f"a bundle sent to retourd with a bad signature is refused: "
          f"{got[:160]}")
    check(f.get("unchanged") == "yes",
          "the refused bundles changed nothing (boot state, slot B)")
    check(f.get("install.broken", "").startswith("rc0"),
          f"broken bundle sent to retourd and installed by RAUC as user "
          f"retour: {f.get('install.broken', '')[:80]}")
    check(f.get("update", "").startswith("installed:")
          and "by Admin" in f.get("update", ""),
          f"retourd says who installed it ({f.get('update', '')[:100]})")
    s = first["state"]
    check(s["order"] == "B A" and s["left.B"] == "3" and s["trial.B"] == "1",
          f"B is next, on trial ({s})")
    figures["install_broken_s"] = f.get(
        "install.broken", "").split(" ")[1:2]

    # 2. B on trial: retourd never READY, marked bad, reboot
    figures["fallback_boot_wall_s"] = trial["wall"]
    check(trial["slot"] == "B", "second boot tries slot B")
    check("marked bad, rebooting" in trial["text"],
          "B's retourd not READY: marked bad, rebooting")
    m = re.search(r"retour-image: retourd failed \(.*?\) after (\d+)s",
                  trial["text"])
    check(m is not None, "retourd failed for good: decided at once, not "
          f"after the 300 s timeout ({m.group(0) if m else 'no such line'})")
    if m:
        figures["fallback_decided_s"] = int(m.group(1))
    s = trial["state"]
    check(s["order"] == "A B" and s["left.B"] == "0",
          f"boot state falls back to A ({s})")

    # 3. A again, a USB stick plugged in
    f = back["found"]
    check(back["slot"] == "A" and f.get("slot") == "A"
          and f.get("ready") == "yes", "third boot: back on slot A, READY")
    check(f.get("expected") == "1", "the record is there after the fallback")
    outbox_before = f.get("outbox")
    check(f.get("listed", "").startswith("/run/media/retour/sd"),
          f"the USB stick is mounted and its bundle listed "
          f"({f.get('listed')})")
    check(f.get("stick_mount") == "vfat ro",
          f"the stick is mounted read-only ({f.get('stick_mount')})")
    check(f.get("install.good", "").startswith("rc0"),
          f"good bundle installed from the stick through retourd: "
          f"{f.get('install.good', '')[:80]}")
    figures["install_s"] = f.get("install.good", "").split(" ")[1:2]

    # 4. the update
    f = updated["found"]
    figures["updated_boot_ready_s"] = f.get("ready_s")
    figures["updated_boot_wall_s"] = updated["wall"]
    check(updated["slot"] == "B" and f.get("slot") == "B"
          and f.get("ready") == "yes", "fourth boot: slot B, READY")
    check(f.get("version") == version + "-update",
          f"slot B runs the update ({f.get('version')})")
    check(f.get("expected") == "1", "the record survived the update")
    check(f.get("outbox") == outbox_before and outbox_before,
          "the outbox is as it was before the update")
    check(f.get("db") == "ok", "the database checks out after the update")
    s = updated["state"]
    check(s["order"] == "B A" and s["left.B"] == "3" and s["trial.B"] == "0",
          f"B marked good ({s})")

    figures["check_seconds"] = time.monotonic() - t_start
    record_run(out, image, figures)
    figures["failures"] = failures
    (out / "check.json").write_text(json.dumps(figures, indent=1) + "\n")
    say(f"{len(failures)} failed; {figures['check_seconds']:.0f} s; "
        f"logs in {work}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
