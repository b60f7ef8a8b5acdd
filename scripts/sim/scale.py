# SPDX-License-Identifier: MIT
"""A simulated Mettler Toledo MT-SICS scale on a pty.

The station opens the pty's slave (a symlink at `link`) exactly as it opens
/dev/ttyUSB0 on a desk and speaks MT-SICS to it; this object answers from
the master side.  Tests set `weight_g` and `mode` to make the scale stable,
slow to settle, overloaded, broken or silent, and read `commands` to see
what the station sent.
"""
import os
import pty
import select
import termios
import threading
import time
import tty


class SimScale:
    MODES = ("stable", "settle", "overload", "underload", "error",
             "busy", "silent", "garbage", "partial")

    def __init__(self, link, weight_g=1000, mode="stable", settle_replies=2):
        self.link = link
        self.weight_g = weight_g
        self.mode = mode
        self.settle_replies = settle_replies
        self.commands = []
        self._pending_settle = 0
        self.master, self.slave = pty.openpty()
        tty.setraw(self.slave)
        attrs = termios.tcgetattr(self.slave)
        attrs[3] &= ~termios.ECHO
        termios.tcsetattr(self.slave, termios.TCSANOW, attrs)
        self.slave_path = os.ttyname(self.slave)
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(self.slave_path, link)
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

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
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass
        if os.path.islink(self.link):
            os.unlink(self.link)
