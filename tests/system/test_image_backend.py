# SPDX-License-Identifier: MIT
"""The station image's RAUC boot loader backend
(firmware/rootfs/usr/lib/retour-image/rauc-backend) on the host: the boot
state it keeps in boot.env for U-Boot's script (firmware/boot/boot.cmd:
BOOT_ORDER, BOOT_X_LEFT, BOOT_X_TRIAL) through an install, a good boot, a
bad one, a file U-Boot wrote, and what it refuses.  make check-image runs
the same script under RAUC, and the real U-Boot, in qemu; this is its
quick check."""
import os
import subprocess
from pathlib import Path

BACKEND = (Path(__file__).resolve().parents[2] / "firmware" / "rootfs" /
           "usr" / "lib" / "retour-image" / "rauc-backend")


def backend(env, *args):
    return subprocess.run([str(BACKEND)] + list(args), capture_output=True,
                          text=True, timeout=10,
                          env=dict(os.environ, RETOUR_BOOT_ENV=str(env)))


def state(env):
    return dict(line.split("=", 1) for line in
                env.read_text().replace("\0", "").splitlines() if line)


def fresh(tmp_path):
    """boot.env as make image writes it."""
    env = tmp_path / "boot.env"
    env.write_text("BOOT_ORDER=A B\nBOOT_A_LEFT=3\nBOOT_B_LEFT=0\n"
                   "BOOT_A_TRIAL=0\nBOOT_B_TRIAL=0\n")
    return env


def test_install_then_good(tmp_path):
    env = fresh(tmp_path)
    assert backend(env, "get-primary").stdout.strip() == "A"
    assert backend(env, "get-state", "B").stdout.strip() == "bad"
    # rauc install into B
    assert backend(env, "set-primary", "B").returncode == 0
    assert state(env) == {"BOOT_ORDER": "B A", "BOOT_A_LEFT": "3",
                          "BOOT_B_LEFT": "3", "BOOT_A_TRIAL": "0",
                          "BOOT_B_TRIAL": "1"}
    assert backend(env, "get-primary").stdout.strip() == "B"
    assert backend(env, "trial", "B").returncode == 0
    assert backend(env, "trial", "A").returncode == 1
    # U-Boot lowered B's tries and wrote the file its way (sorted, with a
    # NUL at the end); retourd READY: mark-good
    env.write_bytes(b"BOOT_A_LEFT=3\nBOOT_A_TRIAL=0\nBOOT_B_LEFT=2\n"
                    b"BOOT_B_TRIAL=1\nBOOT_ORDER=B A\n\0")
    assert backend(env, "set-state", "B", "good").returncode == 0
    assert state(env) == {"BOOT_ORDER": "B A", "BOOT_A_LEFT": "3",
                          "BOOT_B_LEFT": "3", "BOOT_A_TRIAL": "0",
                          "BOOT_B_TRIAL": "0"}
    assert backend(env, "get-state", "B").stdout.strip() == "good"
    assert backend(env, "trial", "B").returncode == 1


def test_install_then_bad_falls_back(tmp_path):
    env = fresh(tmp_path)
    backend(env, "set-primary", "B")
    assert backend(env, "set-state", "B", "bad").returncode == 0
    assert state(env) == {"BOOT_ORDER": "A B", "BOOT_A_LEFT": "3",
                          "BOOT_B_LEFT": "0", "BOOT_A_TRIAL": "0",
                          "BOOT_B_TRIAL": "0"}
    assert backend(env, "get-primary").stdout.strip() == "A"
    assert backend(env, "get-state", "B").stdout.strip() == "bad"


def test_tries_used_up_skips_the_slot(tmp_path):
    env = fresh(tmp_path)
    backend(env, "set-primary", "B")
    # three boots that never got far
    env.write_text(env.read_text().replace("BOOT_B_LEFT=3", "BOOT_B_LEFT=0"))
    assert backend(env, "get-primary").stdout.strip() == "A"


def test_a_file_it_cannot_read_is_not_run(tmp_path):
    """Lines other than the five names (or odd values) are ignored: the
    file is on a FAT partition anyone can write."""
    env = tmp_path / "boot.env"
    env.write_text("BOOT_ORDER=B A; touch pwned\nBOOT_A_LEFT=$(touch x)\n"
                   "BOOT_B_LEFT=2\nPATH=/nowhere\n")
    assert backend(env, "get-primary").stdout.strip() == "B"
    assert backend(env, "get-state", "A").stdout.strip() == "bad"
    assert not (tmp_path / "pwned").exists()


def test_refuses_what_it_does_not_know(tmp_path):
    env = fresh(tmp_path)
    before = env.read_text()
    for args in (["set-primary", "C"], ["set-state", "A", "fine"],
                 ["get-state", "../order"], ["set-state", "B"],
                 ["trial", "AB"]):
        r = backend(env, *args)
        assert r.returncode == 1, args
        assert "rauc-backend:" in r.stderr
    assert backend(env, "frobnicate").returncode == 2
    assert env.read_text() == before
