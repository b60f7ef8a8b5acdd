# SPDX-License-Identifier: MIT
"""What the screen reads from GET /api/v1/status: the change counter
("seq") the live events follow, the live scale reading, the open parcel
(its expected return, weights, photos, items, label preview) and the last
decision's refund state."""
import time

import helpers


def test_seq_counts_changes_and_stays_still_when_nothing_changes(station):
    s = station.status()
    assert isinstance(s["seq"], int) and s["seq"] > 0
    # the tick runs every second; with nothing to do it is no change
    time.sleep(2.5)
    idle = station.status()["seq"]
    time.sleep(2.5)
    assert station.status()["seq"] == idle
    station.import_expected(helpers.expected_return())
    station.scan_code("RMA-10001")
    assert station.status()["seq"] > idle
    before = station.status()["seq"]
    station.ok("POST", "/api/v1/cancel")
    station.wait_step("scan")
    assert station.status()["seq"] > before
