# SPDX-License-Identifier: MIT
"""The station's database stays shared safely with tools beside the
daemon: a sqlite3 shell or a backup tool that opens and closes the file
must not take the write-ahead log away from under retourd.  That holds
only while retourd keeps its POSIX locks on the file, which any close()
of a descriptor of it in the daemon's process would drop."""
import sqlite3

from helpers import expected_return, wait_for


def receipts_seen_by_a_fresh_connection(db):
    c = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=10)
    try:
        return c.execute("SELECT count(*) FROM receipt").fetchone()[0]
    finally:
        c.close()


def test_a_tool_closing_beside_the_daemon_leaves_its_log_alone(station):
    station.import_expected(expected_return())
    # a tool looks at the file and goes away, as `sqlite3 retour.db` would
    receipts_seen_by_a_fresh_connection(station.db)
    with open("/proc/locks") as f:
        locks = f.read()
    ino = station.db.stat().st_ino
    assert (":%d " % ino) in locks, \
        "retourd holds no lock on its database (inode %d)" % ino
    station.feed("RMA-10001")
    wait_for(lambda: station.status()["receipt"], timeout=15,
             what="a receipt opened for the parcel")
    # what the daemon wrote since is seen by the next reader at once
    wait_for(lambda: receipts_seen_by_a_fresh_connection(station.db) >= 1,
             timeout=2, what="the new receipt seen by another connection")
