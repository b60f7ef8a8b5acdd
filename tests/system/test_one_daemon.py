# SPDX-License-Identifier: MIT
"""One daemon per database: a second retourd on the same configuration
refuses to start, names the process that holds the database, and exits
non-zero without touching it; once the first stops, a new one starts."""
import subprocess

import pytest

from helpers import Station, binary, REPO


@pytest.fixture
def station():
    s = Station()
    yield s
    s.close()
    s.cleanup()


def run_second(station):
    return subprocess.run([binary("retourd"), "-c", station.conf_path],
                          cwd=str(REPO), capture_output=True, text=True,
                          timeout=20)


def test_second_daemon_on_the_same_database_is_refused(station):
    first = station.start()
    before = station.db.stat().st_mtime_ns
    second = run_second(station)
    assert second.returncode != 0, second.stderr
    said = second.stdout + second.stderr
    assert "pid %d" % first.pid in said, said
    assert str(station.db) in said, said
    assert station.alive(), "the first daemon must keep running"
    assert station.db.stat().st_mtime_ns == before
    assert station.status()["step"] == "sign_in"


def test_a_new_daemon_starts_once_the_first_stopped(station):
    station.start()
    station.stop()
    proc = station.start()
    assert station.alive()
    lock = station.dir / "retour.db.lock"
    assert lock.read_text().strip() == str(proc.pid)


def test_config_check_does_not_claim_the_database(station):
    station.start()
    p = subprocess.run([binary("retourd"), "-n", "-c", station.conf_path],
                       cwd=str(REPO), capture_output=True, text=True,
                       timeout=20)
    assert p.returncode == 0, p.stdout + p.stderr
