# SPDX-License-Identifier: MIT
"""A real retourd with simulated devices for the screen's tests.

Made exactly as the system tests make a desk (tests/system/helpers.py:
scanner pty, MT-SICS scale on a pty, TCP label printer, camera from a
directory, simulated GPIO, a fake shop), plus the API on a free loopback
TCP port for the browser.  Prints one line, "ready {json}", then takes
commands on stdin, one a line, and answers "ok" or "error: ...":

  feed CODE           a line on the scanner pty
  scale GRAMS         what the scale reads
  scale-mode MODE     stable | unstable | silent | overload ...
  printer MODE        the printer listener's mode for the next label
  shop-fail STATUS BODY  the fake shop answers the next refund so
  expected JSON       import one expected return (helpers' fields)
  kill-daemon         kill -9 the daemon (the screen loses its stream)
  start-daemon        start it again
  rauc-go             the fake rauc ends the install it holds
  stop                stop the daemon and exit

RETOUR_UI_SYSTEM=1 makes the desk an image (slot A) with the fake rauc of
tests/system/test_system_update.py, holding an install until rauc-go,
and an update bundle on a drive; RETOUR_UI_SETUP_MISSING=WORDS is what
the first boot found missing.
"""
import json
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "system"))

from helpers import Station, expected_return, free_port  # noqa: E402


def main():
    port = free_port()
    lang = os.environ.get("RETOUR_UI_LANGUAGE", "en")
    st = Station(grace_s=int(os.environ.get("RETOUR_UI_GRACE_S", "30")),
                 station={"language": lang})
    st.cfg["api"]["listen"] = "127.0.0.1:%d" % port
    st.cfg["clerks"]["SUPER-0001"] = "Marta, supervisor"
    st.cfg["clerks"]["PACK-0001"] = "Jan, packer"
    if os.environ.get("RETOUR_UI_SYSTEM") == "1":
        from test_system_update import FAKE_RAUC, RAUC_STATUS
        fake = st.dir / "rauc"
        fake.write_text(FAKE_RAUC)
        fake.chmod(0o755)
        (st.dir / "rauc.mode").write_text("wait")
        (st.dir / "rauc-status.json").write_text(json.dumps(RAUC_STATUS))
        usb = st.dir / "media" / "usb"
        usb.mkdir(parents=True)
        (usb / "retour-0.11.0.raucb").write_bytes(b"r" * (3 << 20))
        (st.dir / "cmdline").write_text("root=/dev/vda2 ro rauc.slot=A\n")
        st.cfg["update"]["command"] = str(fake)
    if os.environ.get("RETOUR_UI_SETUP_MISSING"):
        (st.dir / "firstboot.missing").write_text(
            os.environ["RETOUR_UI_SETUP_MISSING"] + "\n")
    st.write_config()
    st.start()
    st.import_expected(expected_return())
    print("ready " + json.dumps({
        "url": "http://127.0.0.1:%d" % port, "dir": str(st.dir),
        "scanner": st.feed_path, "socket": st.socket}), flush=True)
    try:
        for line in sys.stdin:
            cmd, _, arg = line.strip().partition(" ")
            try:
                if cmd == "feed":
                    st.feed(arg)
                elif cmd == "scale":
                    st.scale.weight_g = int(arg)
                elif cmd == "scale-mode":
                    st.scale.mode = arg
                elif cmd == "printer":
                    st.printer.mode = arg
                elif cmd == "shop-fail":
                    code, _, body = arg.partition(" ")
                    st.shop.fail_next(int(code), body=body,
                                      only=("refund.requested",))
                elif cmd == "expected":
                    st.import_expected(expected_return(**json.loads(arg)))
                elif cmd == "kill-daemon":
                    st.kill9()
                elif cmd == "start-daemon":
                    st.start()
                elif cmd == "rauc-go":
                    (st.dir / "go").write_text("")
                elif cmd == "stop":
                    break
                else:
                    raise ValueError("unknown command %r" % cmd)
                print("ok", flush=True)
            except Exception as e:  # the test sees it and fails
                print("error: %s" % e, flush=True)
    finally:
        st.close()
        if os.environ.get("RETOUR_UI_KEEP") != "1":
            st.cleanup()


if __name__ == "__main__":
    main()
