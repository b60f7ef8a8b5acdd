# SPDX-License-Identifier: MIT
"""A fake shop: an HTTP server on 127.0.0.1 that receives the station's
Standard Webhooks POSTs, verifies each signature, records what arrived and
can fail on demand (500, 429 + Retry-After, 400, a slow answer, bad JSON).
"""
import base64
import hashlib
import hmac
import http.server
import json
import threading
import time


def webhook_signature(secret, msg_id, timestamp, body):
    key = secret
    if key.startswith("whsec_"):
        key = base64.b64decode(key[len("whsec_"):])
    else:
        key = key.encode()
    signed = msg_id.encode() + b"." + timestamp.encode() + b"." + body
    return "v1," + base64.b64encode(
        hmac.new(key, signed, hashlib.sha256).digest()).decode()


class FakeShop:
    def __init__(self, secret, port=0):
        self.secret = secret
        self.received = []          # every request, verified or not
        self.failures = []          # queued answers: (status, headers, body)
        self.delay_s = 0.0
        self.lock = threading.Lock()
        shop = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                msg_id = self.headers.get("webhook-id", "")
                ts = self.headers.get("webhook-timestamp", "")
                sig = self.headers.get("webhook-signature", "")
                good = sig == webhook_signature(shop.secret, msg_id, ts, body)
                try:
                    payload = json.loads(body)
                except ValueError:
                    payload = None
                with shop.lock:
                    answer = shop.failures.pop(0) if shop.failures else None
                    shop.received.append({
                        "id": msg_id, "timestamp": ts, "signature_ok": good,
                        "payload": payload, "at": time.time(),
                        "answered": answer[0] if answer else 200,
                        "idempotency_key": self.headers.get("Idempotency-Key"),
                    })
                if shop.delay_s:
                    time.sleep(shop.delay_s)
                if answer:
                    status, headers, text = answer
                else:
                    status, headers = 200, {}
                    text = json.dumps({"id": "shop-ref-%d" % len(shop.received)})
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                self.wfile.write(text.encode())

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port),
                                                      Handler)
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d/hooks/retour" % self.port
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()

    def fail_next(self, status, headers=None, body='{"error":"no"}'):
        with self.lock:
            self.failures.append((status, headers or {}, body))

    def delivered(self, type_=None):
        """Requests answered 2xx, by event type."""
        with self.lock:
            return [r for r in self.received
                    if 200 <= r["answered"] < 300 and r["payload"] and
                    (type_ is None or r["payload"].get("type") == type_)]

    def close(self):
        self.server.shutdown()
        self.server.server_close()
