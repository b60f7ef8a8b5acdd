# SPDX-License-Identifier: MIT
"""The desk reads a code by its step, through the real daemon: the same
14 digits are a DPD parcel number at the scan step when an expected
return carries them, and a misread GTIN-14 at the item step."""
import subprocess
import json

from helpers import GTIN_TSHIRT, REPO, binary, expected_return, wait_for

DPD_OR_MISREAD = "05901234123458"   # GTIN-14 check digit 8, expected 7


def problem_after(st, code):
    st.feed(code)
    return wait_for(lambda: st.status()["problem"], what="problem")


def test_dpd_number_opens_only_the_return_that_carries_it(station):
    st = station
    assert "rejected" in problem_after(st, DPD_OR_MISREAD)
    s = st.status()
    assert s["step"] == "scan" and s["receipt"] is None, s

    st.import_expected(expected_return(lookup_codes=[DPD_OR_MISREAD]))
    st.feed(DPD_OR_MISREAD)
    s = st.wait_step("weigh", "photo", "items")
    assert s["rma"] == "RMA-10001", s
    assert s["code"] == DPD_OR_MISREAD
    assert st.receipt(s["receipt"])["code"] == DPD_OR_MISREAD


def test_misread_gtin_at_the_item_step_is_refused(station):
    st = station
    st.import_expected(expected_return(lookup_codes=[DPD_OR_MISREAD]))
    s = st.run_to("RMA-10001", stop_at="items")
    rid = s["receipt"]
    problem = problem_after(st, DPD_OR_MISREAD)
    assert "scan again" in problem and "misread" in problem, problem
    assert st.status()["step"] == "items"
    assert st.receipt(rid).get("items", []) == []
    st.scan_item(GTIN_TSHIRT)
    assert [i["gtin"] for i in st.receipt(rid)["items"]] == [GTIN_TSHIRT]


def test_desk_and_cli_read_a_badge_alike(station):
    st = station
    p = subprocess.run([binary("retourctl"), "code", "-c", st.conf_path,
                        "--json", "CLERK-0002"], cwd=str(REPO),
                       capture_output=True, text=True, timeout=20)
    assert json.loads(p.stdout)["kind"] == "badge", p.stdout + p.stderr
    st.ok("DELETE", "/api/v1/clerk")
    st.sign_in("CLERK-0002", "Piotr")
