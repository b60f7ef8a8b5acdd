# SPDX-License-Identifier: MIT
"""What every fake shop shares: a real HTTP (or HTTPS) server on 127.0.0.1,
a log of each request, and faults injected on demand.

A mode (a subclass) implements `route(req)` and returns an Answer; it keeps
its own state (orders, refunds) under `self.lock`.  Faults wrap route():

    shop.fault("500_after_apply")          # apply it, then answer 500
    shop.fault("429", retry_after=2)       # 429 (Retry-After: 2), not applied
    shop.fault("429")                      # 429 without Retry-After
    shop.fault("throttle")                 # the mode's own throttle answer
    shop.fault("hang", seconds=30)         # read it, answer nothing, close
    shop.fault("reset")                    # read it, then RST the connection
    shop.fault("malformed")                # 200 with a body that is not JSON
    shop.fault("truncated")                # Content-Length more than is sent
    shop.fault("business_error")           # the mode's 200-with-errors answer
    shop.fault("down", seconds=120)        # stop listening for that long

Each takes `times=` (how many requests it hits, default 1), `apply=` (apply
the request before failing: default True for 500_after_apply, malformed
and truncated, False otherwise) and `match=` (a function of the Request:
only matching requests are hit, e.g. lambda r: r.method == "POST").
"""
import http.server
import json
import socket
import socketserver
import ssl
import struct
import threading
import time


class Request:
    """One request as it arrived: method, path (with the query), headers
    (a case-insensitive email.message.Message), raw body bytes."""

    def __init__(self, method, path, headers, body):
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
        self.at = time.time()

    def json(self):
        """The body as JSON, or None when it is not."""
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None


class Answer:
    def __init__(self, status, body=b"", headers=None,
                 content_type="application/json"):
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode()
        self.status = status
        self.body = body
        self.headers = dict(headers or {})
        self.content_type = content_type


class _Fault:
    def __init__(self, kind, times, apply, seconds, retry_after, match):
        self.kind = kind
        self.times = times
        self.apply = apply
        self.seconds = seconds
        self.retry_after = retry_after
        self.match = match


_APPLIED_BY_DEFAULT = ("500_after_apply", "malformed", "truncated")


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class ShopServer:
    """Subclass and implement route(req) -> Answer, throttle_answer() and
    business_error_answer().  `url` is the base URL (no trailing slash)."""

    name = "shop"

    def __init__(self, port=0, tls=None, log=None):
        """tls: (certfile, keyfile) to serve HTTPS; log: a function taking
        one line for each request."""
        self.lock = threading.RLock()
        self.requests = []          # every Request, in order
        self.answered = []          # (Request, status or the fault's kind)
        self._faults = []
        self._log = log
        self._tls = tls
        self._port = port
        self._server = None
        self._thread = None
        self._down_until = 0.0
        self._start()

    # -- what a mode implements ---------------------------------------------
    def route(self, req):
        return Answer(404, {"error": "no such path"})

    def throttle_answer(self, req):
        return Answer(429, {"error": "throttled"})

    def business_error_answer(self, req):
        return Answer(422, {"error": "refused"})

    # -- faults ----------------------------------------------------------------
    def fault(self, kind, times=1, apply=None, seconds=None, retry_after=None,
              match=None):
        if apply is None:
            apply = kind in _APPLIED_BY_DEFAULT
        f = _Fault(kind, times, apply, seconds, retry_after, match)
        if kind == "down":
            self.go_down(seconds if seconds is not None else 60)
            return
        with self.lock:
            self._faults.append(f)

    def clear_faults(self):
        with self.lock:
            self._faults = []

    def _take_fault(self, req):
        with self.lock:
            for f in self._faults:
                if f.match is None or f.match(req):
                    f.times -= 1
                    if f.times <= 0:
                        self._faults.remove(f)
                    return f
        return None

    # -- down and up -----------------------------------------------------------
    def go_down(self, seconds):
        """Stop listening now and come back on the same port after
        @seconds (0: stay down until come_up())."""
        self._stop_server()
        if seconds:
            t = threading.Timer(seconds, self.come_up)
            t.daemon = True
            t.start()

    def come_up(self):
        with self.lock:
            if self._server is None:
                self._start()

    # -- plumbing --------------------------------------------------------------
    @property
    def url(self):
        scheme = "https" if self._tls else "http"
        return "%s://127.0.0.1:%d" % (scheme, self._port)

    def _start(self):
        shop = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _handle(self):
                if shop._server is not server:
                    # down (or restarted): a connection kept alive from
                    # before goes down with the shop, as a real one would
                    self.close_connection = True
                    shop._reset(self)
                    return
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n > 0 else b""
                req = Request(self.command, self.path, self.headers, body)
                with shop.lock:
                    shop.requests.append(req)
                shop._serve(self, req)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        server = _Server(("127.0.0.1", self._port), Handler)
        if self._tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*self._tls)
            server.socket = ctx.wrap_socket(server.socket, server_side=True)
        self._port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    def _stop_server(self):
        with self.lock:
            server, self._server = self._server, None
        if server:
            server.shutdown()
            server.server_close()

    def _send(self, handler, answer):
        handler.send_response(answer.status)
        handler.send_header("Content-Type", answer.content_type)
        for k, v in answer.headers.items():
            handler.send_header(k, str(v))
        handler.send_header("Content-Length", str(len(answer.body)))
        handler.end_headers()
        handler.wfile.write(answer.body)

    def _record(self, req, what):
        with self.lock:
            self.answered.append((req, what))
        if self._log:
            self._log("%s: %s %s -> %s" % (self.name, req.method, req.path,
                                           what))

    def _serve(self, handler, req):
        f = self._take_fault(req)
        if f is None:
            answer = self.route(req)
            self._send(handler, answer)
            self._record(req, answer.status)
            return
        if f.apply:
            self.route(req)
        kind = f.kind
        if kind == "500_after_apply":
            self._send(handler, Answer(500, {"error": "internal"}))
        elif kind == "429":
            headers = {}
            if f.retry_after is not None:
                headers["Retry-After"] = f.retry_after
            self._send(handler, Answer(429, {"error": "too many requests"},
                                       headers))
        elif kind == "throttle":
            self._send(handler, self.throttle_answer(req))
        elif kind == "business_error":
            self._send(handler, self.business_error_answer(req))
        elif kind == "malformed":
            self._send(handler, Answer(200, b"{\"id\": 12, oops <html>"))
        elif kind == "truncated":
            body = b"{\"id\": 1234, \"status\": \"done\", \"amou"
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(body) + 40))
            handler.end_headers()
            handler.wfile.write(body)
            handler.wfile.flush()
            handler.close_connection = True
            self._reset(handler)
        elif kind == "hang":
            time.sleep(f.seconds if f.seconds is not None else 30)
            handler.close_connection = True
        elif kind == "reset":
            handler.close_connection = True
            self._reset(handler)
        else:
            raise ValueError("unknown fault %r" % kind)
        self._record(req, kind)

    @staticmethod
    def _reset(handler):
        """Close with RST: SO_LINGER on, timeout 0."""
        try:
            handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                          struct.pack("ii", 1, 0))
            handler.connection.close()
        except OSError:
            pass

    def close(self):
        self._stop_server()


def self_signed_cert(directory, name="127.0.0.1"):
    """Write a throwaway self-signed certificate for 127.0.0.1 into
    @directory; returns (certfile, keyfile), the certfile also being the CA
    a client must be given to trust it."""
    import os
    import subprocess
    cert = os.path.join(directory, "shop-cert.pem")
    key = os.path.join(directory, "shop-key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                    "-subj", "/CN=%s" % name,
                    "-addext", "subjectAltName=IP:%s" % name],
                   check=True, capture_output=True, timeout=60)
    return cert, key
