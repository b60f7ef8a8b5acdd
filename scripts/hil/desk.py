#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The hardware-in-the-loop scenarios, run in the guest by
scripts/hil/guest.sh: the real retourd with boards/hil.conf, driven
through its real devices (scripts/hil/hardware.py plays them).  The local
API is used only to read the status and receipts and to import the
expected returns; a checklist's choice (the grade), which the desk takes
only from the screen, is answered the way the screen answers it.

Each check writes one line to the results file, "ok NAME" or
"FAIL NAME: why"; a scenario that ends writes "ok scenario NAME";
"END N" (N checks written) closes the file.  scripts/hil/run.sh reads
them."""
import argparse
import os
import re
import sys
import time
import traceback
from pathlib import Path

ap = argparse.ArgumentParser()
ap.add_argument("--repo", required=True)
ap.add_argument("--build", required=True)
ap.add_argument("--out", required=True)
ap.add_argument("--results", required=True)
args = ap.parse_args()
REPO = Path(args.repo)
OUT = Path(args.out)
os.environ["RETOUR_BUILD"] = args.build
sys.path.insert(0, str(REPO / "tests" / "system"))
sys.path.insert(0, str(REPO / "scripts" / "hil"))

import helpers                                      # noqa: E402
from helpers import GTIN_TSHIRT, expected_return, tshirt  # noqa: E402
import hardware                                     # noqa: E402
from sim.shop import FakeShop                       # noqa: E402

LINES = ["DESK_ACCEPT", "DESK_REJECT", "DESK_PEDAL", "DESK_PARCEL",
         "TOWER_GREEN", "TOWER_AMBER", "TOWER_RED", "TOWER_BUZZER"]
TOWER = ["TOWER_GREEN", "TOWER_AMBER", "TOWER_RED", "TOWER_BUZZER"]
BADGE = "CLERK-0001"
# the return label's code: mixed case and punctuation, typed by the
# scanner one HID report at a time, shift in reports of its own
RMA = "RMA-Rt9xQ/b.7:Zk_2"


class Results:
    def __init__(self, path):
        self.f = open(path, "a", buffering=1)
        self.n = 0

    def line(self, text):
        self.n += 1
        self.f.write(text + "\n")
        print(text, flush=True)

    def check(self, name, cond, why=""):
        self.line("ok " + name if cond else "FAIL %s: %s" % (name, why))
        return cond

    def end(self):
        self.f.write("END %d\n" % self.n)
        self.f.close()


R = Results(args.results)
T0 = time.monotonic()


def log(text):
    print("desk.py %6.1f s: %s" % (time.monotonic() - T0, text), flush=True)


def wait(fn, what, timeout=10.0):
    return helpers.wait_for(fn, timeout=timeout, interval=0.05, what=what)


class Desk:
    """The hardware and one retourd at a time."""

    def __init__(self):
        tr = hardware.Transcript
        udcs = sorted(os.listdir("/sys/class/udc"))
        assert len(udcs) >= 3, "dummy_hcd gave %r" % udcs
        self.gpio = hardware.GpioSim("retour-hil", LINES,
                                     tr(OUT / "gpio.log"))
        for n in LINES[:4]:
            self.gpio.pull(n, True)         # buttons open: pulled up
        self.scanner = hardware.Scanner(udcs[0], tr(OUT / "scanner.log"))
        self.scale = hardware.Scale(udcs[1], tr(OUT / "scale.log"))
        self.printer = hardware.Printer(udcs[2], tr(OUT / "printer.log"),
                                        OUT)
        self.camera = hardware.Camera(tr(OUT / "camera.log"), OUT)
        self.camera.blank()
        self.ops = FakeShop(helpers.SECRET)
        self.st = None

    def links(self):
        return all(os.path.exists("/dev/retour/" + n)
                   for n in ("scanner", "scale", "printer", "camera"))

    def start(self, routine="return"):
        if self.st is None:
            st = helpers.Station()
            st.log_path = OUT / "retourd.log"
            st.cfg["station"]["board"] = str(REPO / "boards" / "hil.conf")
            st.cfg["station"]["photo_min_free_mb"] = 1
            # this shop's RMA numbers carry punctuation (RMA above)
            st.cfg["shop"]["rma_pattern"] = "RMA-*/*.*:*_*"
            st.cfg["outbox"]["devices"] = "ops"
            st.cfg["connector ops"] = {
                "type": "webhook", "url": self.ops.url,
                "secret_file": st.cfg["outbox"]["secret_file"]}
            self.st = st
        self.st.cfg["station"]["routine"] = routine
        self.st.write_config()
        self.st.start(timeout=30)
        return self.st

    def stop(self):
        if self.st is not None:
            self.st.stop()

    def close(self):
        for step in (lambda: self.st and self.st.close(), self.ops.close,
                     self.camera.stop):
            try:
                step()
            except Exception:   # the rest still closes
                traceback.print_exc()

    def status(self):
        return self.st.status()

    def tower(self):
        return tuple(self.gpio.value(n) for n in TOWER)

    def tower_samples(self, seconds):
        """The tower lines read for @seconds, as (t, lines) pairs."""
        out = []
        t0 = time.monotonic()
        while time.monotonic() - t0 < seconds:
            out.append((time.monotonic() - t0, self.tower()))
        return out

    def press(self, name):
        self.gpio.press("DESK_" + name.upper())

    def step(self):
        return self.status()["step"]

    def leave(self, step, what, timeout=10.0):
        return wait(lambda: (s := self.status())["step"] != step and s,
                    what, timeout)


def steady(samples, lines):
    return all(v == lines for _, v in samples)


def walk_checklist(d, s, max_steps=20):
    """Answer the checklist through the buttons (pass, done, a photo: the
    pedal); a choice on the screen, as the kiosk posts it."""
    for _ in range(max_steps):
        if s["step"] != "checklist":
            return s
        c = s["checklist"]
        key = (c["item"], c["step"])
        if c["kind"] == "choice":
            choices = c.get("choices") or []
            d.st.ok("POST", "/api/v1/answer",
                    {"answer": "A" if "A" in choices else choices[0]})
        elif c["kind"] == "photo":
            d.press("pedal")
        else:
            d.press("accept")

        def moved():
            n = d.status()
            nc = n.get("checklist") or {}
            return (n["step"] != "checklist" or
                    (nc.get("item"), nc.get("step")) != key) and n
        s = wait(moved, "checklist past %r" % (key,))
    raise AssertionError("checklist did not end: %r" % s)


def put_on_scale(d, grams):
    """The parcel put on the scale as its code is scanned: the scale
    swings (in motion) until weigh() lets it settle."""
    d.scale.set(hardware.Scale.IN_MOTION, grams)


def weigh(d, grams):
    """At the weigh step: in-motion reports (no weight taken), then
    stable ones (taken after settle_ms)."""
    d.scale.sent_since_set(5)
    R.check("scale in motion holds the weigh step", d.step() == "weigh",
            "step %s" % d.step())
    d.scale.set(hardware.Scale.STABLE, grams)
    return d.leave("weigh", "the stable weight taken")


def until_confirm(d, s, item_gtin=None, grams=None):
    """On to the confirm step: the weight (in motion, then @grams stable),
    the photos the station takes, the item by the camera, items done and
    the checklist by the buttons."""
    for _ in range(30):
        step = s["step"]
        if step == "confirm":
            return s
        if step in ("photo", "photo_sealed"):
            # the station's turn: the camera takes it on its own (a pedal
            # pressed now could land on the next step, the decision)
            s = d.leave(step, "the photo taken by itself")
        elif step == "items":
            rid = s["receipt"]
            if item_gtin:
                n0 = len(d.st.receipt(rid).get("items") or [])
                d.camera.show(hardware.ean13_frame(item_gtin[-13:]),
                              "item-" + item_gtin)
                rec = wait(lambda: len((r := d.st.receipt(rid)).get(
                    "items") or []) > n0 and r,
                    "the camera to read the item's code", timeout=20)
                d.camera.blank()
                d.camera.log.line("receipt items: %r" % rec["items"])
                R.check("camera decodes the item's barcode",
                        any(i.get("gtin") == item_gtin
                            for i in rec["items"]), repr(rec["items"]))
                item_gtin = None
                s = d.status()
                continue
            d.press("accept")
            s = d.leave("items", "items done by the accept button")
        elif step == "checklist":
            s = walk_checklist(d, s)
        elif step == "weigh":
            assert grams, "at weigh again: %r" % s
            s = weigh(d, grams)
            grams = None
        else:
            s = d.leave(step, "step %s to end" % step)
    raise AssertionError("no confirm step: %r" % s)


def scenario(name, fn, d):
    log("scenario " + name)
    try:
        fn(d)
        R.line("ok scenario " + name)
    except Exception as e:     # the rest still runs; this one failed
        traceback.print_exc()
        R.line("FAIL scenario %s: %s" % (name, str(e).splitlines()[0]
                                         if str(e) else repr(e)))
        try:
            log("status: %r" % d.status())
        except Exception:
            pass


def the_return(d):
    st = d.st
    st.import_expected(expected_return(
        rma=RMA, items=[tshirt(quantity=1)]))
    samples = d.tower_samples(0.3)
    R.check("tower signed out: amber steady", steady(samples, (0, 1, 0, 0)),
            repr(samples[-1]))
    d.scanner.type_code(BADGE)
    s = wait(lambda: (x := d.status())["clerk"] == "Ola" and
             x["step"] == "scan" and x, "the badge signs Ola in")
    R.check("scanner badge signs in", s["clerk"] == "Ola")
    wait(lambda: d.tower() == (1, 0, 0, 0), "the tower green")
    R.check("tower ready: green steady",
            steady(d.tower_samples(0.3), (1, 0, 0, 0)), repr(d.tower()))
    put_on_scale(d, 150)
    d.scanner.type_code(RMA, per_report=True)
    s = d.leave("scan", "the label code to open the return")
    rid = s["receipt"]
    R.check("label code typed report by report opens the return",
            s["step"] == "weigh" and d.st.receipt(rid).get("rma") == RMA,
            repr(s.get("problem")))
    R.check("tower working at weigh: amber steady",
            d.tower() == (0, 1, 0, 0), repr(d.tower()))
    s = weigh(d, 212)
    rec = st.receipt(rid)  # noqa
    R.check("stable weight recorded, not the one in motion",
            rec.get("weight_g") == 212, repr(rec.get("weight_g")))
    s = until_confirm(d, s, GTIN_TSHIRT)
    R.check("proposal accept", s["proposal"]["verdict"] == "accept",
            repr(s["proposal"]))
    samples = d.tower_samples(1.3)
    greens = {v[1] for _, v in samples}
    R.check("tower needs you: amber blinking",
            greens == {0, 1} and all(v[0] == 0 and v[2] == 0
                                     for _, v in samples), repr(greens))
    d.press("accept")
    wait(lambda: d.step() == "scan", "the decision confirmed by accept")
    rec = st.receipt(rid)
    R.check("accept button confirms the decision",
            rec.get("verdict") == "accept" and rec.get("decided_at"),
            repr({k: rec.get(k) for k in ("verdict", "decided_at")}))
    photos = rec.get("photos") or []
    R.check("photos stored",
            photos and all((Path(st.cfg["station"]["photos"]) /
                            p["path"]).exists() if "path" in p else True
                           for p in photos), repr(photos))
    check_label(d, rid, [RMA, "Order ORD-1001", "ACCEPT", "TSHIRT-M",
                         "Ola"])


def zpl_text(job):
    """The label's text with ^FH_ escapes (_XX: a byte in hex) undone."""
    return re.sub(rb"_([0-9A-Fa-f]{2})",
                  lambda m: bytes([int(m.group(1), 16)]), job).decode(
                      "utf-8", "replace")


def check_label(d, rid, values, name="label"):
    """Exactly one label for receipt @rid reached the printer gadget, and
    it carries @values."""
    mark = "^FDReceipt %d^FS" % rid

    def labels():
        return [t for t in map(zpl_text, list(d.printer.jobs)) if mark in t]
    got = wait(labels, "the label of receipt %d on the printer" % rid)
    missing = [v for v in values if v not in got[0]]
    R.check(name + " printed with the record's values",
            not missing and got[0].startswith("^XA"),
            "missing %r" % missing)
    return got


def open_return(d, rma, order):
    """Import a one-shirt return and scan its label (the clerk is signed
    in); the desk is at the weigh step after."""
    d.st.import_expected(expected_return(rma=rma, order=order,
                                         items=[tshirt(quantity=1)]))
    put_on_scale(d, 100)
    d.scanner.type_code(rma)
    s = d.leave("scan", "the label code %s to open the return" % rma)
    assert s["step"] == "weigh", s
    return s


def device_event(d, device, type_):
    return [e for e in d.ops.delivered(type_)
            if e["payload"].get("device") == device]


def scale_faults(d):
    """Overload, then the scale unplugged and plugged back mid-weigh."""
    s = open_return(d, "RMA-Ov1/a.2:Bc_3", "ORD-1002")
    rid = s["receipt"]
    d.scale.set(hardware.Scale.OVERLOAD, 65000)
    d.press("pedal")
    s = wait(lambda: (x := d.status())["problem"] and x,
             "the overload problem")
    R.check("scale overload is told to the clerk",
            "overloaded" in s["problem"] and s["step"] == "weigh",
            repr(s["problem"]))
    # refused: red for 1 s with two short beeps, then the step's own state
    samples = d.tower_samples(1.6)
    R.check("tower refused: red, beeps, then back to amber",
            any(v[2] == 1 for _, v in samples) and
            any(v[3] == 1 for _, v in samples) and
            samples[-1][1] == (0, 1, 0, 0), repr(samples[-1]))
    d.scale.unplug()
    # not "ok" already (overloaded): wait for the unplug itself
    s = wait(lambda: "overload" not in
             (x := d.status())["devices"]["scale"]["last_error"] and
             not x["devices"]["scale"]["ok"] and x, "the scale missing")
    R.check("scale unplugged: the status says it is gone",
            "gone" in s["devices"]["scale"]["last_error"],
            repr(s["devices"]["scale"]))
    ev = wait(lambda: device_event(d, "scale", "device.fault"),
              "the scale's device.fault event")
    R.check("scale unplugged: device.fault event with the parcel",
            ev[0]["payload"].get("receipt") == rid and
            ev[0]["payload"].get("step") == "weigh", repr(ev[0]["payload"]))
    s = d.status()
    R.check("scale unplugged: the clerk is told how to go on",
            "Scale unplugged" in (s["problem"] or ""), repr(s["problem"]))
    # unplugged is missing, not failing: no alarm (a fault would be red)
    R.check("tower: no alarm with the scale missing (not red steady)",
            not steady(d.tower_samples(1.2), (0, 0, 1, 0)), repr(d.tower()))
    # plugged back: opened again as soon as udev makes its node, before
    # anyone asks for a weight; then the clerk presses the pedal
    d.scale.plug()
    d.scale.set(hardware.Scale.STABLE, 205)
    wait(lambda: device_event(d, "scale", "device.ok"),
         "the scale's device.ok event, with no weigh asked")
    s = d.status()
    R.check("scale replugged: the status shows it back before a weigh",
            s["devices"]["scale"]["ok"] and s["step"] == "weigh",
            repr(s["devices"]["scale"]))
    d.press("pedal")
    s = d.leave("weigh", "the weight after the replug")
    R.check("weight taken after the replug",
            d.st.receipt(rid).get("weight_g") == 205,
            repr(d.st.receipt(rid).get("weight_g")))
    return s


def printer_paper_out(d):
    """The return of scale_faults, decided while ~HS says paper out: the
    label is held, then printed once when the printer is ready."""
    s = scale_faults(d)
    rid = s["receipt"]
    s = until_confirm(d, s, GTIN_TSHIRT)
    d.printer.paper_out = True
    asked = d.printer.status_queries
    d.press("accept")
    wait(lambda: d.step() == "scan", "the decision confirmed")
    s = wait(lambda: "paper" in ((x := d.status())["problem"] or "") + \
             x["devices"]["printer"]["last_error"] and x,
             "the paper-out problem")
    R.check("paper out is told to the clerk", True,
            repr(s["problem"]))
    # a device fault is an error: red steady, a long beep
    samples = d.tower_samples(1.2)
    R.check("tower error: red steady with a beep",
            all(v[:3] == (0, 0, 1) for _, v in samples) and
            any(v[3] == 1 for _, v in samples), repr(samples[-1]))
    R.check("label held while paper is out",
            d.printer.status_queries > asked and
            not [j for j in d.printer.jobs
                 if ("^FDReceipt %d^FS" % rid).encode() in j],
            "%d labels" % len(d.printer.jobs))
    d.printer.paper_out = False
    got = check_label(d, rid, ["RMA-Ov1/a.2:Bc_3", "Order ORD-1002"],
                      "held label")
    # the status asked after the label: no second copy came before it
    i = next(k for k, j in enumerate(d.printer.jobs)
             if ("^FDReceipt %d^FS" % rid).encode() in j)
    n = d.printer.queries_before_job[i]
    wait(lambda: d.printer.status_queries > n,
         "the status asked after the label", timeout=15)
    got = [j for j in d.printer.jobs
           if ("^FDReceipt %d^FS" % rid).encode() in j]
    R.check("held label printed once", len(got) == 1,
            "%d copies" % len(got))


def printer_unplugged(d):
    s = open_return(d, "RMA-Up1/p.2:Rn_3", "ORD-1003")
    rid = s["receipt"]
    s = until_confirm(d, s, GTIN_TSHIRT, grams=210)
    d.printer.unplug()
    d.press("accept")
    wait(lambda: d.step() == "scan", "the decision confirmed")
    s = wait(lambda: "not plugged in" in
             ((x := d.status())["devices"]["printer"]["last_error"] +
              (x["problem"] or "")) and x, "the printer missing")
    R.check("printer unplugged is told to the clerk", True,
            repr((s["problem"], s["devices"]["printer"])))
    ev = wait(lambda: device_event(d, "printer", "device.fault"),
              "the printer's device.fault event")
    R.check("printer unplugged: device.fault event", True,
            repr(ev[0]["payload"]))
    R.check("label recorded as not printed",
            "not printed" in (s["problem"] or ""), repr(s["problem"]))
    # DESIGN.md: a printer that cannot be reached fails the label; it is
    # printed when the parcel is scanned again.  Plugged back in, it is
    # asked while idle: the clerk sees it back before scanning again.
    oks = len(device_event(d, "printer", "device.ok"))
    d.printer.plug()
    s = wait(lambda: (x := d.status())["devices"]["printer"]["ok"] and x,
             "the printer back in the status, with no label asked",
             timeout=15)
    # ...by asking it, not by printing the label behind the clerk's back
    R.check("printer replugged: the status shows it back before a label",
            not d.printer.jobs_with("^FDReceipt %d^FS" % rid),
            repr(s["devices"]["printer"]))
    wait(lambda: len(device_event(d, "printer", "device.ok")) > oks,
         "the printer's device.ok event")
    R.check("printer replugged: device.ok event", True)
    d.scanner.type_code("RMA-Up1/p.2:Rn_3")
    check_label(d, rid, ["RMA-Up1/p.2:Rn_3", "Order ORD-1003"],
                "label after the replug and a scan")


def ship_qc(d):
    """A packer's desk: the station restarted with routine = ship_qc."""
    d.stop()
    d.start(routine="ship_qc")
    st = d.st
    mug = dict(tshirt(quantity=1), sku="MUG-W", name="Mug white",
               category="home", weight_g=400)
    st.import_expected(expected_return(
        rma="", order="ORD-2001", kind="shipment", delivered_days_ago=None,
        delivery_basic_minor=0, items=[mug]))
    d.scanner.type_code(BADGE)
    wait(lambda: (x := d.status())["clerk"] == "Ola" and
         x["step"] == "scan" and x, "the badge signs Ola in")
    R.check("ship-QC routine at start", d.status()["routine"] == "ship_qc")
    put_on_scale(d, 300)
    d.scanner.type_code("ORD-2001")
    s = d.leave("scan", "the order code")
    rid = s["receipt"]
    s = until_confirm(d, s, GTIN_TSHIRT, grams=405)
    R.check("ship-QC proposal passes", s["proposal"]["verdict"] == "accept",
            repr(s["proposal"]))
    d.press("accept")
    wait(lambda: d.step() == "scan", "the QC confirmed")
    rec = st.receipt(rid)
    steps = {p.get("step") for p in rec.get("photos") or []}
    R.check("ship-QC photos of the open and sealed box",
            {"open_box", "sealed_box"} <= steps, repr(steps))
    ev = wait(lambda: st.shop.delivered("shipment.qc_passed"),
              "the shipment.qc_passed event", timeout=15)
    R.check("ship-QC event upstream",
            ev[0]["payload"].get("order") == "ORD-2001", repr(ev[0]))
    check_label(d, rid, ["ORD-2001"], "QC label")


def main():
    d = None
    try:
        d = Desk()
        log("hardware ready; links: %r" % sorted(os.listdir("/dev/retour"))
            if os.path.isdir("/dev/retour") else "hardware ready, no links")
        wait(d.links, "udev's /dev/retour links", timeout=20)
        R.check("udev links the gadgets under /dev/retour", True)
        d.start()
        scenario("return", the_return, d)
        scenario("scale overload, unplug, replug; printer paper out",
                 printer_paper_out, d)
        scenario("printer unplugged", printer_unplugged, d)
        scenario("ship-QC", ship_qc, d)
    except Exception as e:
        traceback.print_exc()
        R.line("FAIL setup: %s" % e)
    finally:
        if d is not None:
            d.close()
    R.end()


main()
# the fake shops' and helpers' threads must not hold the guest up
sys.stdout.flush()
os._exit(0)
