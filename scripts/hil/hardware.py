# SPDX-License-Identifier: MIT
"""The hardware-in-the-loop guest's virtual devices (scripts/hil/desk.py
plays them): USB gadgets on dummy_hcd through configfs (a keyboard-wedge
scanner, a HID POS scale, a printer-class label printer), vivid's output
looped into its capture node, and a gpio-sim chip.  Each keeps a
transcript of what it sent and received (build/hil/*.log on the host).

Every wait here has a timeout; a device that the host never reads is a
failure with a message, not a hang."""
import os
import select
import stat
import struct
import subprocess
import threading
import time
from pathlib import Path

GADGETS = Path("/sys/kernel/config/usb_gadget")
GPIO_SIM = Path("/sys/kernel/config/gpio-sim")


def wait_until(fn, timeout, what):
    """Poll @fn until it returns something truthy (the kernel's sysfs and
    device nodes have no event to wait on here); fail after @timeout s."""
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() > deadline:
            raise TimeoutError("timed out after %.1f s waiting for %s" %
                               (timeout, what))
        time.sleep(0.02)


def char_node(devnum):
    """The /dev node of character device "major:minor"."""
    major, minor = (int(x) for x in devnum.strip().split(":"))
    want = os.makedev(major, minor)

    def find():
        for name in os.listdir("/dev"):
            p = "/dev/" + name
            try:
                st = os.lstat(p)
            except OSError:
                continue
            if stat.S_ISCHR(st.st_mode) and st.st_rdev == want:
                return p
        return None
    return wait_until(find, 5, "the node of device %s" % devnum)


class Transcript:
    def __init__(self, path):
        self.f = open(path, "a", buffering=1)
        self.t0 = time.monotonic()

    def line(self, text):
        self.f.write("%8.3f %s\n" % (time.monotonic() - self.t0, text))


class Gadget:
    """One USB device on one dummy_hcd controller, with one function."""

    def __init__(self, name, udc, vid, pid, serial, product, function,
                 attrs, transcript):
        self.dir = GADGETS / name
        self.udc = udc
        self.log = transcript
        self.function = function
        d = self.dir
        d.mkdir()
        (d / "idVendor").write_text("0x%04x" % vid)
        (d / "idProduct").write_text("0x%04x" % pid)
        (d / "bcdUSB").write_text("0x0200")
        (d / "strings/0x409").mkdir()
        (d / "strings/0x409/manufacturer").write_text("retour hil")
        (d / "strings/0x409/product").write_text(product)
        (d / "strings/0x409/serialnumber").write_text(serial)
        (d / "configs/c.1").mkdir()
        (d / "configs/c.1/MaxPower").write_text("100")
        f = d / "functions" / function
        f.mkdir()
        for k, v in attrs.items():
            if isinstance(v, bytes):
                (f / k).write_bytes(v)
            else:
                (f / k).write_text(str(v))
        os.symlink(f, d / "configs/c.1" / function)
        self.plug()

    def plug(self):
        (self.dir / "UDC").write_text(self.udc)
        self.log.line("plugged into %s" % self.udc)
        self.reopen()

    def unplug(self):
        # Linux 6.1's f_hid and f_printer set their character device up
        # again on the next bind in the same memory: a file still open
        # across it corrupts the list the kernel drops it from when it is
        # closed (kernel BUG in cd_forget).  So the gadget's side closes
        # its node first, as the device's firmware would lose it.
        self.close_node()
        (self.dir / "UDC").write_text("\n")
        self.log.line("unplugged")

    fd = None

    def reopen(self):
        pass

    def close_node(self):
        fd, self.fd = self.fd, None
        if fd is not None:
            os.close(fd)

    def function_file(self, name):
        return (self.dir / "functions" / self.function / name).read_text()


class HidGadget(Gadget):
    """A HID function: reports written to /dev/hidgN reach the host as
    interrupt IN reports once it polls (usbhid polls only while the
    device is open), one at a time."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)

    def reopen(self):
        self.node = char_node(self.function_file("dev"))
        self.fd = os.open(self.node, os.O_RDWR | os.O_NONBLOCK)

    def report(self, data, timeout=5.0):
        """Send one report; return when the host took it (a hidg write
        waits until the previous report was read)."""
        _, w, _ = select.select([], [self.fd], [], timeout)
        if not w:
            raise TimeoutError("%s: the host read no report for %.1f s" %
                               (self.node, timeout))
        os.write(self.fd, data)
        self.log.line("report %s" % data.hex())


# The boot keyboard's report descriptor (HID 1.11, appendix B.1).
KEYBOARD_DESC = bytes.fromhex(
    "05010906a101050719e029e71500250175019508810295017508810395057501"
    "05081901290591029501750391039506750815002565050719002965810 0c0"
    .replace(" ", ""))
# A HID POS scale: usage page 0x8D, the data report (id 3: status, unit,
# exponent, weight LSB, MSB) as Dymo's scales describe it.
SCALE_DESC = bytes.fromhex(
    "058d0920a101" "8503" "0930" "15002 6ff00".replace(" ", "") +
    "75089505" "8102" "c0")

SHIFT = 0x02
US_KEYS = {"-": (0x2D, 0), "_": (0x2D, SHIFT), "=": (0x2E, 0),
           "+": (0x2E, SHIFT), ";": (0x33, 0), ":": (0x33, SHIFT),
           "/": (0x38, 0), "?": (0x38, SHIFT), ".": (0x37, 0),
           ">": (0x37, SHIFT), ",": (0x36, 0), "<": (0x36, SHIFT),
           " ": (0x2C, 0), "!": (0x1E, SHIFT), "#": (0x20, SHIFT),
           "\n": (0x28, 0)}


def us_key(ch):
    """The usage and modifier that type @ch on a US layout."""
    if "a" <= ch <= "z":
        return 4 + ord(ch) - ord("a"), 0
    if "A" <= ch <= "Z":
        return 4 + ord(ch) - ord("A"), SHIFT
    if "1" <= ch <= "9":
        return 0x1E + ord(ch) - ord("1"), 0
    if ch == "0":
        return 0x27, 0
    return US_KEYS[ch]


class Scanner(HidGadget):
    """A keyboard-wedge scanner (Honeywell's id, as the rules know it)."""

    def __init__(self, udc, transcript):
        super().__init__("scanner", udc, 0x0C2E, 0x0B61, "HIL-SCAN-1",
                         "Vuquest 3310g (hil)", "hid.usb0",
                         {"protocol": 1, "subclass": 1, "report_length": 8,
                          "report_desc": KEYBOARD_DESC}, transcript)

    def type_code(self, code, per_report=False):
        """Type @code and Enter.  per_report: as a slow scanner does, the
        shift key pressed in a report of its own before the key, and
        released in one after it: every change is one report."""
        self.log.line("types %r%s" % (code, " (report by report)"
                                      if per_report else ""))
        up = bytes(8)
        for ch in code + "\n":
            usage, mod = us_key(ch)
            if per_report and mod:
                self.report(bytes([mod]) + bytes(7))
            self.report(bytes([mod, 0, usage]) + bytes(5))
            if per_report and mod:
                self.report(bytes([mod]) + bytes(7))
            self.report(up)


class Scale(HidGadget):
    """A HID POS scale (Dymo M10's id).  A thread sends the current
    reading whenever the host polls, at most every 50 ms, as the scale
    itself repeats its reading."""
    ZERO, IN_MOTION, STABLE, OVERLOAD = 2, 3, 4, 6

    def __init__(self, udc, transcript):
        super().__init__("scale", udc, 0x0922, 0x8003, "HIL-SCALE-1",
                         "M10 (hil)", "hid.usb1",
                         {"protocol": 0, "subclass": 0, "report_length": 8,
                          "report_desc": SCALE_DESC}, transcript)
        self.reading = None
        self.sent = 0
        self.changed = threading.Event()
        self.stopping = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def set(self, status, grams):
        """What the scale reads from now on (None: nothing sent)."""
        self.reading = (status, grams)
        self.sent = 0
        self.log.line("reads status %d, %d g" % (status, grams))
        self.changed.set()

    def sent_since_set(self, n, timeout=5.0):
        """Wait until the host has taken @n reports of the reading."""
        wait_until(lambda: self.sent >= n, timeout,
                   "the host to read %d scale reports" % n)

    def _run(self):
        while not self.stopping:
            self.changed.wait(0.05)     # the scale's own report rate
            self.changed.clear()
            r = self.reading
            if r is None:
                continue
            data = struct.pack("<BBBbH", 3, r[0], 2, 0, r[1]) + bytes(2)
            fd = self.fd
            if fd is None:
                continue
            try:
                _, w, _ = select.select([], [fd], [], 0.2)
                if w:
                    os.write(fd, data[:6])
                    if self.reading == r:
                        self.sent += 1
            except OSError:
                pass                    # unplugged: nothing reads


class Printer(Gadget):
    """A Zebra label printer (printer class, bidirectional).  A thread
    reads what the host sends on /dev/g_printer0, answers ~HS with the
    status set now (paper out or ready) and keeps every ^XA...^XZ job."""

    def __init__(self, udc, transcript, out_dir):
        self.node = "/dev/g_printer0"
        self.out_dir = Path(out_dir)
        self.paper_out = False
        self.jobs = []
        self.queries_before_job = []    # ~HS count when each job came
        self.status_queries = 0
        self.buf = b""
        self.lock = threading.Lock()
        self.log = transcript
        super().__init__("printer", udc, 0x0A5F, 0x0181, "HIL-ZD420-1",
                         "ZD420 (hil)", "printer.usb0",
                         {"pnp_string": "MFG:Zebra Technologies;"
                          "CMD:ZPL;MDL:ZD420;CLS:PRINTER;", "q_len": 10},
                         transcript)
        self.stopping = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def reopen(self):
        # the node answers ENODEV until the host has configured the gadget
        self.fd = wait_until(self._open, 10, "g_printer0 to open")

    def _open(self):
        try:
            return os.open(self.node, os.O_RDWR | os.O_NONBLOCK)
        except OSError as e:
            self.log.line("open: %s" % e)
            return None

    def hs_answer(self):
        # ~HS: three framed strings; line 1's second field is paper out
        return (b"\x02030,%d,0,1245,000,0,0,0,000,0,0,0\x03\r\n"
                b"\x02000,0,0,0,0,2,4,0,00000000,1,000\x03\r\n"
                b"\x021234,0\x03\r\n") % (1 if self.paper_out else 0)

    def _run(self):
        while not self.stopping:
            fd = self.fd
            if fd is None:
                self.changed_wait()
                continue
            try:
                r, _, _ = select.select([fd], [], [], 0.2)
                if not r:
                    continue
                data = os.read(fd, 65536)
            except OSError:
                # not configured (unplugged): nothing to read for now
                self.changed_wait()
                continue
            if data:
                self._take(data)

    def changed_wait(self):
        threading.Event().wait(0.1)

    def _take(self, data):
        with self.lock:
            self.buf += data
            while True:
                hs = self.buf.find(b"~HS")
                xa = self.buf.find(b"^XA")
                if hs >= 0 and (xa < 0 or hs < xa):
                    self.buf = self.buf[hs + 3:]
                    self.status_queries += 1
                    ans = self.hs_answer()
                    self.log.line("~HS asked: answers %s" %
                                  ("paper out" if self.paper_out
                                   else "ready"))
                    try:
                        os.write(self.fd if self.fd is not None else -1,
                                 ans)
                    except OSError as e:
                        self.log.line("answer not sent: %s" % e)
                    continue
                if xa >= 0:
                    xz = self.buf.find(b"^XZ", xa)
                    if xz < 0:
                        break
                    job = self.buf[xa:xz + 3]
                    self.buf = self.buf[xz + 3:]
                    self.jobs.append(job)
                    self.queries_before_job.append(self.status_queries)
                    n = len(self.jobs)
                    (self.out_dir / ("label-%d.zpl" % n)).write_bytes(job)
                    self.log.line("label %d received (%d bytes)" %
                                  (n, len(job)))
                    continue
                break

    def jobs_with(self, text):
        with self.lock:
            return [j for j in self.jobs if text.encode() in j]


def ean13_frame(digits, width=720, height=576):
    """A YUYV frame, white, with @digits (13) as an EAN-13 barcode."""
    L = ["0001101", "0011001", "0010011", "0111101", "0100011",
         "0110001", "0101111", "0111011", "0110111", "0001011"]
    G = ["".join("1" if c == "0" else "0" for c in p)[::-1] for p in L]
    R = ["".join("1" if c == "0" else "0" for c in p) for p in L]
    parity = ["LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL", "LGLLGG",
              "LGGLLG", "LGGGLL", "LGLGLG", "LGLGGL", "LGGLGL"]
    d = [int(c) for c in digits]
    bits = "101"
    for i, c in enumerate(d[1:7]):
        bits += (L if parity[d[0]][i] == "L" else G)[c]
    bits += "01010"
    for c in d[7:]:
        bits += R[c]
    bits += "101"
    module = 4
    x0 = (width - len(bits) * module) // 2
    row = bytearray()
    for x in range(0, width, 2):
        ys = []
        for px in (x, x + 1):
            i = (px - x0) // module
            black = 0 <= px - x0 and i < len(bits) and bits[i] == "1"
            ys.append(16 if black else 235)
        row += bytes([ys[0], 128, ys[1], 128])
    white = bytes([235, 128]) * width
    top, bar = 150, 260
    return white * top + bytes(row) * bar + white * (height - top - bar)


class Camera:
    """vivid: its output node looped into its capture node (S-Video, PAL,
    720x576 YUYV).  show() streams a frame file to the output; blank()
    streams a white one (the item taken away: vivid's capture would keep
    showing the last frame looped in)."""

    def __init__(self, transcript, out_dir):
        self.log = transcript
        self.out_dir = Path(out_dir)
        self.capture = self._node("vid-cap")
        self.output = self._node("vid-out")
        self.proc = None
        for cmd in (["-d", self.capture, "-i", "0", "-s", "pal",
                     "-c", "loop_video=1"],
                    ["-d", self.output, "-o", "0", "-s",
                     "pal", "--set-fmt-video-out",
                     "width=720,height=576,pixelformat=YUYV"]):
            self._ctl(cmd)

    def _ctl(self, cmd):
        p = subprocess.run(["v4l2-ctl"] + cmd, capture_output=True,
                           text=True, timeout=10)
        self.log.line("v4l2-ctl %s -> %d %s" % (" ".join(cmd), p.returncode,
                                                p.stderr.strip()))
        if p.returncode:
            raise RuntimeError("v4l2-ctl %s: %s" % (" ".join(cmd),
                                                    p.stderr.strip()))

    @staticmethod
    def _node(kind):
        def find():
            for v in sorted(Path("/sys/class/video4linux").iterdir()):
                name = (v / "name").read_text().strip()
                if name.startswith("vivid") and name.endswith(kind):
                    return "/dev/" + v.name
            return None
        return wait_until(find, 10, "vivid's %s node" % kind)

    def show(self, frame, name):
        self.stop()
        path = self.out_dir / (name + ".yuv")
        path.write_bytes(frame)
        self.log.line("shows %s" % name)
        self.proc = subprocess.Popen(
            ["v4l2-ctl", "-d", self.output, "--stream-out-mmap",
             "--stream-from", str(path), "--stream-loop"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self):
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=5)
            self.proc = None
            self.log.line("output stopped")

    def blank(self):
        self.show(bytes([235, 128]) * (720 * 576), "white")


class GpioSim:
    """A gpio-sim chip with named lines: inputs driven through the
    simulated pull, outputs read back from the simulated value."""
    PRESS_GAP_S = 0.1
    PRESS_HOLD_S = 0.08

    def __init__(self, label, names, transcript):
        self.log = transcript
        self.cfg = GPIO_SIM / "hil"
        self.cfg.mkdir()
        bank = self.cfg / "bank0"
        bank.mkdir()
        (bank / "label").write_text(label)
        (bank / "num_lines").write_text(str(len(names)))
        self.offset = {}
        for i, n in enumerate(names):
            (bank / ("line%d" % i)).mkdir()
            (bank / ("line%d" % i) / "name").write_text(n)
            self.offset[n] = i
        (self.cfg / "live").write_text("1")
        dev = (self.cfg / "dev_name").read_text().strip()
        chip = (bank / "chip_name").read_text().strip()
        self.sys = Path("/sys/devices/platform") / dev / chip
        self.chip = chip
        self.last_press = {}

    def _line(self, name):
        return self.sys / ("sim_gpio%d" % self.offset[name])

    def pull(self, name, up):
        (self._line(name) / "pull").write_text("pull-up" if up
                                               else "pull-down")

    def press(self, name):
        """A contact to ground closed and opened (active low).  A second
        press of a button within the board's debounce_ms is a bounce to
        the daemon: no hand presses that fast, so neither does this."""
        since = time.monotonic() - self.last_press.get(name, 0)
        if since < self.PRESS_GAP_S:
            threading.Event().wait(self.PRESS_GAP_S - since)
        self.last_press[name] = time.monotonic()
        self.log.line("press %s" % name)
        self.pull(name, False)
        wait_until(lambda: self.value(name) == 0, 2, name + " low")
        # held as long as a hand holds it: the kernel tells the edge of a
        # both-edges request from the line's value when its interrupt
        # runs, so a press shorter than that latency reads as a release
        threading.Event().wait(self.PRESS_HOLD_S)
        self.pull(name, True)

    def value(self, name):
        return int((self._line(name) / "value").read_text())
