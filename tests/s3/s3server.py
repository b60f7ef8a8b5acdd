# SPDX-License-Identifier: MIT
"""A fake S3 server on 127.0.0.1 for the photo upload's tests and bench:
npm's s3rver (pinned in tests/s3/package-lock.json, installed by
`make test-deps` / `make bench`), one bucket, its objects on disk so that
it can be stopped and started again (an outage) without losing them; and
s3cmd, Debian's S3 client, to check from outside what arrived.

s3rver checks the access key id (an unknown one is answered 403
InvalidAccessKeyId) but not a SigV4 signature's bytes."""
import hashlib
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
S3RVER = HERE / "node_modules" / "s3rver" / "bin" / "s3rver.js"
KEY_ID = "S3RVER"      # s3rver's built-in account
SECRET = "S3RVER"


def available():
    """Why the server cannot run here, or "" when it can."""
    if not S3RVER.exists():
        return "s3rver not installed (make test-deps)"
    if not shutil.which("node"):
        return "node not installed"
    if not shutil.which("s3cmd"):
        return "s3cmd not installed (make test-deps)"
    return ""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class S3Server:
    """s3rver with bucket @bucket on a free port; start()/stop() keep the
    objects (an outage), close() removes everything."""

    def __init__(self, bucket="photos"):
        self.bucket = bucket
        self.dir = Path(tempfile.mkdtemp(prefix="s3-", dir="/tmp"))
        self.data = self.dir / "data"
        self.data.mkdir()
        self.port = free_port()
        self.log_path = self.dir / "s3rver.log"
        self.proc = None
        self.s3cfg = self.dir / "s3cfg"
        self.s3cfg.write_text(
            "[default]\naccess_key = %s\nsecret_key = %s\n"
            "host_base = 127.0.0.1:%d\nhost_bucket = 127.0.0.1:%d\n"
            "use_https = False\nsignature_v2 = False\n"
            "bucket_location = us-east-1\n"
            % (KEY_ID, SECRET, self.port, self.port))
        self.start()

    @property
    def endpoint(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self):
        assert self.proc is None
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            ["node", str(S3RVER), "-d", str(self.data), "-a", "127.0.0.1",
             "-p", str(self.port), "--configure-bucket", self.bucket],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        log.close()
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port),
                                              timeout=0.5):
                    return
            except OSError:
                if self.proc.poll() is not None or \
                        time.monotonic() > deadline:
                    raise AssertionError("s3rver did not start:\n" +
                                         self.log())
                time.sleep(0.05)

    def stop(self):
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
        self.proc = None

    def close(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def log(self):
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def puts(self):
        """How many times s3rver stored each key (its log's lines)."""
        counts = {}
        for m in re.finditer(r'Stored object "([^"]+)" in bucket',
                             self.log()):
            counts[m.group(1)] = counts.get(m.group(1), 0) + 1
        return counts

    # ---- s3cmd, the independent client ----

    def s3cmd(self, *args, timeout=60):
        return subprocess.run(
            ["s3cmd", "-c", str(self.s3cfg), "--no-progress"] + list(args),
            capture_output=True, text=True, timeout=timeout, check=True
        ).stdout

    def listing(self):
        """{key: size} of every object in the bucket, as s3cmd lists it."""
        out = {}
        for line in self.s3cmd("ls", "-r", "s3://%s/" % self.bucket) \
                .splitlines():
            parts = line.split()
            if len(parts) >= 4 and parts[-1].startswith("s3://"):
                key = parts[-1][len("s3://%s/" % self.bucket):]
                out[key] = int(parts[2])
        return out

    def sha256_of(self, key):
        """The SHA-256 of the object's bytes, fetched with s3cmd get."""
        with tempfile.TemporaryDirectory(dir=self.dir) as d:
            dest = os.path.join(d, "obj")
            self.s3cmd("get", "s3://%s/%s" % (self.bucket, key), dest)
            with open(dest, "rb") as f:
                return hashlib.sha256(f.read()).hexdigest()
