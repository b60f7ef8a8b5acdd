# SPDX-License-Identifier: MIT
"""The station image's RAUC boot loader backend
(firmware/rootfs/usr/lib/retour-image/rauc-backend) on the host: the boot
state it keeps for the boot loader (order, left.X, trial.X) through an
install, a good boot, a bad one, and what it refuses.  make check-image
runs the same script under RAUC in qemu; this is its quick check."""
import os
import subprocess
from pathlib import Path

BACKEND = (Path(__file__).resolve().parents[2] / "firmware" / "rootfs" /
           "usr" / "lib" / "retour-image" / "rauc-backend")


def backend(state, *args):
    return subprocess.run([str(BACKEND)] + list(args), capture_output=True,
                          text=True, timeout=10,
                          env=dict(os.environ, RETOUR_BOOT_STATE=str(state)))


def files(state):
    return {p.name: p.read_text().strip() for p in state.iterdir()}


def fresh(tmp_path):
    """The data partition's /data/boot as make image writes it."""
    state = tmp_path / "boot"
    state.mkdir()
    (state / "order").write_text("A B\n")
    (state / "left.A").write_text("3\n")
    (state / "left.B").write_text("0\n")
    return state


def test_install_then_good(tmp_path):
    state = fresh(tmp_path)
    assert backend(state, "get-primary").stdout.strip() == "A"
    assert backend(state, "get-state", "B").stdout.strip() == "bad"
    # rauc install into B
    assert backend(state, "set-primary", "B").returncode == 0
    assert files(state) == {"order": "B A", "left.A": "3", "left.B": "3",
                            "trial.B": "1"}
    assert backend(state, "get-primary").stdout.strip() == "B"
    # the boot loader lowered B's tries; retourd READY: mark-good
    (state / "left.B").write_text("2\n")
    assert backend(state, "set-state", "B", "good").returncode == 0
    assert files(state) == {"order": "B A", "left.A": "3", "left.B": "3"}
    assert backend(state, "get-state", "B").stdout.strip() == "good"


def test_install_then_bad_falls_back(tmp_path):
    state = fresh(tmp_path)
    backend(state, "set-primary", "B")
    assert backend(state, "set-state", "B", "bad").returncode == 0
    assert files(state) == {"order": "A B", "left.A": "3", "left.B": "0"}
    assert backend(state, "get-primary").stdout.strip() == "A"
    assert backend(state, "get-state", "B").stdout.strip() == "bad"


def test_tries_used_up_skips_the_slot(tmp_path):
    state = fresh(tmp_path)
    backend(state, "set-primary", "B")
    (state / "left.B").write_text("0\n")  # three boots that never got far
    assert backend(state, "get-primary").stdout.strip() == "A"


def test_refuses_what_it_does_not_know(tmp_path):
    state = fresh(tmp_path)
    before = files(state)
    for args in (["set-primary", "C"], ["set-state", "A", "fine"],
                 ["get-state", "../order"], ["set-state", "B"]):
        r = backend(state, *args)
        assert r.returncode == 1, args
        assert "rauc-backend:" in r.stderr
    assert backend(state, "frobnicate").returncode == 2
    assert files(state) == before
