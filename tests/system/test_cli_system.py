# SPDX-License-Identifier: MIT
"""`retourctl system update FILE` (src/cli/cli_system.c): what it says and
how it exits when RAUC installs the bundle, refuses it, or is not there,
and for a file that is not a bundle.  RAUC itself is played by a script
(RETOUR_RAUC); the real one is run by make check-image in the image."""
import json
import os
import subprocess

from helpers import binary


def run(args, rauc=None, tmp_path=None):
    env = dict(os.environ)
    if rauc is not None:
        env["RETOUR_RAUC"] = rauc
    return subprocess.run([str(binary("retourctl"))] + args, env=env,
                          capture_output=True, text=True, timeout=30)


def fake_rauc(tmp_path, status, lines):
    script = tmp_path / "rauc"
    log = tmp_path / "rauc.args"
    body = "".join(f"echo '{line}' >&2\n" for line in lines)
    script.write_text(f"#!/bin/sh\necho \"$@\" > {log}\n{body}exit {status}\n")
    script.chmod(0o755)
    return str(script), log


def bundle(tmp_path):
    b = tmp_path / "update.raucb"
    b.write_bytes(b"hsqs" + b"\0" * 60)
    return str(b)


def test_installed(tmp_path):
    rauc, log = fake_rauc(tmp_path, 0, ["Installing done."])
    b = bundle(tmp_path)
    r = run(["system", "update", b], rauc)
    assert r.returncode == 0, r.stderr
    assert log.read_text().split() == ["install", b]
    assert "installed in the other slot" in r.stdout
    r = run(["--json", "system", "update", b], rauc)
    assert r.returncode == 0
    assert json.loads(r.stdout)["installed"] is True


def test_refused_says_why(tmp_path):
    rauc, _ = fake_rauc(tmp_path, 1, [
        "installing: started",
        "LastError: Failed to check bundle signature: signature "
        "verification failed: certificate verify failed",
        "Installing bundle failed"])
    b = bundle(tmp_path)
    r = run(["system", "update", b], rauc)
    assert r.returncode == 1
    assert "refused, nothing was changed" in r.stderr
    # RAUC's reason, not its last line
    assert "signature verification failed" in r.stderr
    assert "LastError" not in r.stderr
    r = run(["--json", "system", "update", b], rauc)
    assert r.returncode == 1
    answer = json.loads(r.stdout)
    assert answer["installed"] is False and answer["rauc_status"] == 1
    assert "signature verification failed" in answer["rauc_output"]


def test_refused_without_last_error(tmp_path):
    rauc, _ = fake_rauc(tmp_path, 1, ["installing", "Failed to mount bundle",
                                      "done"])
    r = run(["system", "update", bundle(tmp_path)], rauc)
    assert r.returncode == 1
    assert r.stderr.strip().endswith("Failed to mount bundle")


def test_no_rauc(tmp_path):
    r = run(["system", "update", bundle(tmp_path)],
            str(tmp_path / "no-such-rauc"))
    assert r.returncode == 1
    assert "cannot run rauc" in r.stderr


def test_not_a_file(tmp_path):
    rauc, log = fake_rauc(tmp_path, 0, [])
    r = run(["system", "update", str(tmp_path / "missing.raucb")], rauc)
    assert r.returncode == 1 and "No such file" in r.stderr
    r = run(["system", "update", str(tmp_path)], rauc)
    assert r.returncode == 1 and "not a bundle file" in r.stderr
    assert not log.exists(), "rauc ran for a file that is not a bundle"
    r = run(["system", "update"], rauc)
    assert r.returncode == 2
