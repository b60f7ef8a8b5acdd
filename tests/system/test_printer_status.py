# SPDX-License-Identifier: MIT
"""A printer that says it cannot print holds its label: through the dir
printer's status file (the same path a real printer's ~HS answer takes
through the spool), paper out shows on the status as a printer fault, the
label is not printed and not recorded as failed; when the paper is back it
is printed, exactly once, and recorded as printed."""
import time

from helpers import GTIN_TSHIRT, expected_return, wait_for


def label_files(st):
    return sorted(p.name for p in (st.dir / "labels").glob("*.zpl"))


def test_paper_out_holds_the_label_until_it_is_back(make_station):
    st = make_station(printer=False)
    st.sign_in()
    status_file = st.dir / "labels" / "status"
    status_file.write_text("paper out\n")

    st.import_expected(expected_return())
    st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    rid = st.confirm("accept")

    s = wait_for(lambda: (x := st.status())["devices"]["printer"]
                 ["last_error"] and x, what="the printer's fault shown")
    assert s["devices"]["printer"]["last_error"] == "paper out", s
    assert s["devices"]["printer"]["ok"] is False, s
    # the desk goes on: the decision is taken, the next parcel is asked for
    assert s["step"] == "scan", s
    assert st.receipt(rid)["verdict"] == "accept"

    # held across rechecks (every 2 s): not printed, not given up on
    time.sleep(2.5)
    assert label_files(st) == []
    labels = st.receipt(rid)["labels"]
    assert len(labels) == 1 and labels[0]["printed"] is not True, labels
    assert "not printed" not in (st.status().get("problem") or "")

    status_file.write_text("ready\n")
    wait_for(lambda: label_files(st), timeout=6, what="the held label")
    wait_for(lambda: st.receipt(rid)["labels"][0]["printed"] is True,
             what="the label recorded as printed")
    s = st.status()
    assert s["devices"]["printer"]["ok"] is True, s
    assert s["devices"]["printer"]["last_error"] == "", s

    # exactly once: rechecks after the fault cleared print nothing more
    time.sleep(2.5)
    files = label_files(st)
    assert len(files) == 1, files
    zpl = (st.dir / "labels" / files[0]).read_bytes()
    assert b"^FDReceipt %d^FS" % rid in zpl, zpl
    assert len(st.receipt(rid)["labels"]) == 1


def test_a_fault_after_a_label_holds_the_next_one(make_station):
    st = make_station(printer=False)
    st.sign_in()
    status_file = st.dir / "labels" / "status"

    st.import_expected(expected_return())
    st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    first = st.confirm("accept")
    wait_for(lambda: len(label_files(st)) == 1, what="the first label")

    status_file.write_text("head open, ribbon out\n")
    st.import_expected(expected_return(rma="RMA-10005", order="ORD-1005"))
    st.run_to("RMA-10005", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    second = st.confirm("accept")
    s = wait_for(lambda: (x := st.status())["devices"]["printer"]
                 ["last_error"] and x, what="the printer's fault shown")
    assert s["devices"]["printer"]["last_error"] == \
        "ribbon out, head open", s
    time.sleep(1)
    assert len(label_files(st)) == 1

    status_file.unlink()              # no status file: a ready printer
    wait_for(lambda: len(label_files(st)) == 2, timeout=6,
             what="the second label")
    wait_for(lambda: st.receipt(second)["labels"][0]["printed"] is True,
             what="the second label recorded as printed")
    assert st.receipt(first)["labels"][0]["printed"] is True


def test_a_reprint_is_held_too_and_recorded(make_station):
    """Only the clerk's reprint prints a label again: held like any label
    while the printer is faulted, printed once, and recorded as its own
    label row with a label.reprint audit entry."""
    import sqlite3

    st = make_station(printer=False)
    st.sign_in()
    status_file = st.dir / "labels" / "status"
    st.import_expected(expected_return())
    st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    rid = st.confirm("accept")
    wait_for(lambda: st.receipt(rid)["labels"][0]["printed"] is True,
             what="the label printed")

    status_file.write_text("paused\n")
    code, answer = st.call("POST", "/api/v1/reprint", {"receipt": rid})
    assert code == 202, answer
    wait_for(lambda: st.status()["devices"]["printer"]["last_error"] ==
             "paused", what="the pause shown")
    time.sleep(1)
    assert len(label_files(st)) == 1
    status_file.write_text("ready\n")
    wait_for(lambda: len(label_files(st)) == 2, timeout=6,
             what="the reprint")
    wait_for(lambda: [lb["printed"] for lb in st.receipt(rid)["labels"]] ==
             [True, True], what="both labels recorded as printed")
    files = label_files(st)
    first, again = [(st.dir / "labels" / f).read_bytes() for f in files]
    assert first == again
    con = sqlite3.connect("file:%s?mode=ro" % st.db, uri=True, timeout=5)
    try:
        actions = [a for (a,) in con.execute(
            "SELECT action FROM audit WHERE subject = ? ORDER BY id",
            ("receipt:%d" % rid,))]
    finally:
        con.close()
    assert actions.count("label.reprint") == 1, actions
    time.sleep(2.5)
    assert len(label_files(st)) == 2


def test_a_printer_at_fault_at_start_is_shown(make_station):
    st = make_station(printer=False, start=False)
    (st.dir / "labels" / "status").write_text("head open\n")
    st.start()
    s = wait_for(lambda: (x := st.status())["devices"]["printer"]
                 ["last_error"] and x, what="the fault found at start")
    assert s["devices"]["printer"]["last_error"] == "head open", s
    assert s["devices"]["printer"]["ok"] is False, s


def test_a_printer_gone_is_shown_back_before_the_next_label(make_station):
    """The dir printer's folder stands for a printer unplugged: the label
    fails; plugged back in (the folder made again), the status says so
    with no label asked, and scanning the parcel again prints it."""
    st = make_station(printer=False)
    st.sign_in()
    labels_dir = st.dir / "labels"
    st.import_expected(expected_return())
    st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    labels_dir.rmdir()
    rid = st.confirm("accept")
    s = wait_for(lambda: "not printed" in ((x := st.status())["problem"]
                                            or "") and x,
                 what="the label not printed")
    assert "is gone" in s["devices"]["printer"]["last_error"], s
    assert s["devices"]["printer"]["ok"] is False, s

    # still gone across rechecks (every 2 s): still shown as gone
    time.sleep(2.5)
    s = st.status()
    assert s["devices"]["printer"]["ok"] is False, s

    labels_dir.mkdir()
    s = wait_for(lambda: (x := st.status())["devices"]["printer"]["ok"]
                 and x, timeout=6, what="the printer back, no label asked")
    assert s["devices"]["printer"]["last_error"] == "", s
    assert label_files(st) == []
    assert st.receipt(rid)["labels"][0]["printed"] is not True

    st.scan_code("RMA-10001", expect_step_change=False)
    wait_for(lambda: label_files(st), what="the label after the rescan")
    wait_for(lambda: st.receipt(rid)["labels"][-1]["printed"] is True,
             what="the label recorded as printed")
    zpl = (labels_dir / label_files(st)[0]).read_bytes()
    assert b"^FDReceipt %d^FS" % rid in zpl, zpl
