# SPDX-License-Identifier: MIT
"""A simulated Mettler Toledo MT-SICS scale on a pty.

The station opens the pty's slave (a symlink at `link`) exactly as it opens
/dev/ttyUSB0 on a desk and speaks MT-SICS to it; this object answers from
the master side.  Tests set `weight_g` and `mode` to make the scale stable,
slow to settle, overloaded, broken or silent, and read `commands` to see
what the station sent.

The simulated desk (scripts/simdesk.py) gives the scale a control: a FIFO
(`control`, run/scale-control there) that takes one line per change, so
the next parcel weighs what it should:

    echo 370 > run/scale-control          # the next reading: 370 g
    echo "mode settle" > run/scale-control

The station never sees the control: it reads the pty as it reads a real
scale.
"""
import os
import pty
import select
import stat
import termios
import threading
import time
import tty

MAX_GRAMS = 999999      # what "S S %10d g" can show and a desk scale carries


def parse_control_line(line):
    """One control line: "370", "370 g", "weight 370" or "mode MODE".
    Answers ("weight", grams) or ("mode", name); raises ValueError with a
    sentence for anything else."""
    words = line.split()
    if not words:
        raise ValueError("empty line")
    if words[0] == "mode":
        if len(words) != 2 or words[1] not in SimScale.MODES:
            raise ValueError("mode takes one of: " +
                             ", ".join(SimScale.MODES))
        return ("mode", words[1])
    if words[0] == "weight":
        words = words[1:]
    if words and words[-1] == "g":
        words = words[:-1]
    if len(words) != 1 or not words[0].isdigit() or \
            int(words[0]) > MAX_GRAMS:
        raise ValueError("'%s' is not a weight: write whole grams, 0..%d, "
                         "or 'mode MODE'" % (line.strip()[:40], MAX_GRAMS))
    return ("weight", int(words[0]))


class SimScale:
    MODES = ("stable", "settle", "overload", "underload", "error",
             "busy", "silent", "garbage", "partial")

    def __init__(self, link, weight_g=1000, mode="stable", settle_replies=2,
                 control=None, log=None):
        """@control: path of a FIFO to create for control lines (see
        above), None for none; @log: called with one line of text for each
        change made through it (and each refused line)."""
        self.link = link
        self.weight_g = weight_g
        self.mode = mode
        self.settle_replies = settle_replies
        self.commands = []
        self._pending_settle = 0
        self._stop = False
        # The control first: a path that cannot be a FIFO leaves no pty open.
        self.control = control
        self._log = log or (lambda text: None)
        self._control_fd = None
        self._control_thread = None
        if control:
            self._open_control(control)
        self.master, self.slave = pty.openpty()
        tty.setraw(self.slave)
        attrs = termios.tcgetattr(self.slave)
        attrs[3] &= ~termios.ECHO
        termios.tcsetattr(self.slave, termios.TCSANOW, attrs)
        self.slave_path = os.ttyname(self.slave)
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(self.slave_path, link)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    # ---- the control FIFO ----

    def _open_control(self, path):
        if os.path.lexists(path):
            if not stat.S_ISFIFO(os.lstat(path).st_mode):
                raise FileExistsError("%s exists and is not a FIFO" % path)
            os.unlink(path)
        os.mkfifo(path, 0o600)
        # Read-write, so the FIFO never reads EOF when a writer closes.
        self._control_fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)
        self._control_thread = threading.Thread(target=self._run_control,
                                                daemon=True)
        self._control_thread.start()

    def apply_control(self, line):
        """Apply one control line; answers the sentence it logged."""
        try:
            what, value = parse_control_line(line)
        except ValueError as e:
            text = "scale: %s" % e
        else:
            if what == "weight":
                self.weight_g = value
                text = "scale: the next reading is %d g" % value
            else:
                self.mode = value
                text = "scale: mode %s" % value
        self._log(text)
        return text

    def _run_control(self):
        buf = b""
        while not self._stop:
            r, _, _ = select.select([self._control_fd], [], [], 0.1)
            if not r:
                continue
            try:
                data = os.read(self._control_fd, 256)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                return
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                self.apply_control(line.decode("utf-8", "replace"))
            if len(buf) > 256:          # no newline in sight: drop it
                self._log("scale: control line too long, dropped")
                buf = b""

    def _reply(self, command):
        if self.mode == "silent":
            return b""
        if self.mode == "garbage":
            return b"\x00\xffZZ not mt-sics \x07\r\n"
        if self.mode == "partial":
            return b"S S    12"          # no terminator, never finished
        if self.mode == "overload":
            return b"S +\r\n"
        if self.mode == "underload":
            return b"S -\r\n"
        if self.mode == "error":
            return b"EL\r\n"
        if self.mode == "busy":
            return b"S I\r\n"
        if command not in (b"SI", b"S"):
            return b"ES\r\n"
        if self.mode == "settle":
            if self._pending_settle < self.settle_replies:
                self._pending_settle += 1
                return ("S D %10d g\r\n" % (self.weight_g - 7)).encode()
            self._pending_settle = 0
        return ("S S %10d g\r\n" % self.weight_g).encode()

    def _run(self):
        buf = b""
        while not self._stop:
            r, _, _ = select.select([self.master], [], [], 0.1)
            if not r:
                continue
            try:
                data = os.read(self.master, 256)
            except OSError:
                time.sleep(0.05)
                continue
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                line = line.rstrip(b"\r")
                self.commands.append(line)
                reply = self._reply(line)
                if reply:
                    os.write(self.master, reply)

    def close(self):
        self._stop = True
        self._thread.join(timeout=2)
        if self._control_thread:
            self._control_thread.join(timeout=2)
            os.close(self._control_fd)
            if os.path.lexists(self.control):
                os.unlink(self.control)
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass
        if os.path.islink(self.link):
            os.unlink(self.link)
