# SPDX-License-Identifier: MIT
"""A fake shop: an HTTP server on 127.0.0.1 that receives the station's
Standard Webhooks POSTs, verifies each signature, records what arrived and
can fail on demand (500, 429 + Retry-After, 400, a slow answer, bad JSON).

For a person at the simulated desk it also says what it got: one line per
request through `log` (`shop: refund.requested RMA-10001 112.97 PLN ...`),
and a page on GET `/` (the refunds and every event), `/refunds` and
`/events`: HTML for a browser, JSON with `?format=json` or
`Accept: application/json`.
"""
import base64
import hashlib
import hmac
import html
import http.server
import json
import threading
import time
import urllib.parse

ZERO_DECIMAL_CURRENCIES = ("JPY", "KRW", "ISK", "CLP", "VND")


def money_text(minor, currency):
    """11297, "PLN" -> "112.97 PLN" (the station's own format)."""
    if not isinstance(minor, int) or isinstance(minor, bool):
        return "?"
    currency = currency if isinstance(currency, str) else ""
    if currency.upper() in ZERO_DECIMAL_CURRENCIES:
        return "%d %s" % (minor, currency)
    sign = "-" if minor < 0 else ""
    return "%s%d.%02d %s" % (sign, abs(minor) // 100, abs(minor) % 100,
                             currency)


def _text(value):
    return value if isinstance(value, str) else ""


def request_summary(r):
    """One received request as the page's row (a dict of plain values)."""
    p = r["payload"] if isinstance(r["payload"], dict) else {}
    row = {"id": r["id"], "at": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                              time.gmtime(r["at"])),
           "type": _text(p.get("type")) or "(not JSON)",
           "rma": _text(p.get("rma")), "order": _text(p.get("order")),
           "code": _text(p.get("code")), "receipt": p.get("receipt"),
           "verdict": _text(p.get("verdict")),
           "signature_ok": r["signature_ok"], "answered": r["answered"]}
    if "amount_minor" in p:
        row["amount_minor"] = p.get("amount_minor")
        row["currency"] = _text(p.get("currency"))
        row["amount"] = money_text(p.get("amount_minor"), row["currency"])
    return row


def request_line(r):
    """One received request as the line the shop prints."""
    row = request_summary(r)
    what = row["rma"] or row["order"] or row["code"] or "-"
    if "amount" in row:
        detail = row["amount"]
    else:
        detail = row["verdict"] or "-"
    return "shop: %s %s %s (receipt %s, signature %s, answered %d)" \
        % (row["type"], what, detail, row["receipt"],
           "ok" if row["signature_ok"] else "BAD", row["answered"])


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
    def __init__(self, secret, port=0, log=None):
        """@log: called with one line of text per request received (the
        simulated desk prints them); None prints nothing."""
        self.secret = secret
        self.log = log
        self.received = []          # every request, verified or not
        self.processed = {}         # webhook-id -> the first 2xx answer
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
                    answer = shop.next_failure(payload)
                    # A correct receiver answers a webhook-id it has
                    # processed already with what it answered then, and
                    # does nothing again (one refund per webhook-id).
                    first = shop.processed.get(msg_id) if good else None
                    record = {
                        "id": msg_id, "timestamp": ts, "signature_ok": good,
                        "payload": payload, "at": time.time(),
                        "answered": answer[0] if answer else 200,
                        "idempotency_key": self.headers.get("Idempotency-Key"),
                    }
                    shop.received.append(record)
                if shop.log:
                    shop.log(request_line(record))
                if shop.delay_s:
                    time.sleep(shop.delay_s)
                if answer:
                    status, headers, text = answer
                elif first:
                    status, headers, text = 200, {}, first
                else:
                    status, headers = 200, {}
                    text = json.dumps({"id": "shop-ref-%d" % len(shop.received)})
                    if good and msg_id:
                        with shop.lock:
                            shop.processed.setdefault(msg_id, text)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                self.wfile.write(text.encode())

            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                query = urllib.parse.parse_qs(url.query)
                if url.path not in ("/", "/refunds", "/events"):
                    self._answer(404, "text/plain; charset=utf-8",
                                 "no such page: try / or /refunds\n")
                    return
                want_json = query.get("format") == ["json"] or \
                    "application/json" in self.headers.get("Accept", "")
                page = shop.page(url.path)
                if want_json:
                    self._answer(200, "application/json",
                                 json.dumps(page, indent=1) + "\n")
                else:
                    self._answer(200, "text/html; charset=utf-8",
                                 page_html(page))

            def _refuse_method(self):
                self.send_response(405)
                self.send_header("Allow", "GET, POST")
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_PUT = do_DELETE = do_PATCH = _refuse_method

            def _answer(self, status, content_type, text):
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port),
                                                      Handler)
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d/hooks/retour" % self.port
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()

    def fail_next(self, status, headers=None, body='{"error":"no"}',
                  only=None):
        """Answer the next request with @status; @only: the next one of
        these event types (the others are answered as usual)."""
        with self.lock:
            self.failures.append((status, headers or {}, body, only))

    def next_failure(self, payload):
        """The queued failure for a request with @payload (lock held)."""
        type_ = payload.get("type") if isinstance(payload, dict) else None
        for i, (status, headers, body, only) in enumerate(self.failures):
            if only is None or type_ in only:
                del self.failures[i]
                return status, headers, body
        return None

    def delivered(self, type_=None):
        """Requests answered 2xx, by event type."""
        with self.lock:
            return [r for r in self.received
                    if 200 <= r["answered"] < 300 and r["payload"] and
                    (type_ is None or r["payload"].get("type") == type_)]

    def refunds(self):
        """The refunds this shop accepted: each refund.requested answered
        2xx with a good signature, once per webhook-id (a shop drops a
        repeated id), oldest first."""
        seen, out = set(), []
        for r in self.delivered("refund.requested"):
            if r["signature_ok"] and r["id"] not in seen:
                seen.add(r["id"])
                out.append(r)
        return out

    def refunds_made(self):
        """How many refunds this shop made: one per webhook-id of a
        refund.requested it accepted, however often it came."""
        return len(self.refunds())

    def page(self, path="/"):
        """What GET @path shows, as plain data."""
        with self.lock:
            received = list(self.received)
        page = {"shop": "demo fake shop", "url": self.url}
        if path in ("/", "/refunds"):
            refunds = [request_summary(r) for r in self.refunds()]
            page["refunds"] = refunds
            totals = {}
            for r in refunds:
                if isinstance(r.get("amount_minor"), int):
                    totals[r["currency"]] = (totals.get(r["currency"], 0) +
                                             r["amount_minor"])
            page["refunded"] = [{"currency": c, "amount_minor": m,
                                 "amount": money_text(m, c)}
                                for c, m in sorted(totals.items())]
        if path in ("/", "/events"):
            page["events"] = [request_summary(r) for r in received]
        return page

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _cell(value):
    if isinstance(value, bool):
        value = "yes" if value else "NO"
    return "<td>%s</td>" % html.escape("" if value is None else str(value))


def _table(rows, columns):
    head = "".join("<th>%s</th>" % html.escape(title) for title, _ in columns)
    body = "".join(
        "<tr>%s</tr>" % "".join(_cell(row.get(key)) for _, key in columns)
        for row in rows)
    return "<table><tr>%s</tr>%s</table>" % (head, body or "")


def page_html(page):
    """The page for a browser: refunds first, then every request."""
    parts = ["<!DOCTYPE html><html><head><meta charset=\"utf-8\">",
             "<meta http-equiv=\"refresh\" content=\"5\">",
             "<title>Demo shop</title><style>body{font-family:sans-serif}"
             "td,th{padding:2px 8px;text-align:left}"
             "tr:nth-child(even){background:#eee}</style></head><body>",
             "<h1>Demo shop</h1><p>Webhooks arrive at %s.  This page "
             "refreshes every 5 s; <a href=\"?format=json\">JSON</a>.</p>"
             % html.escape(page["url"])]
    if "refunds" in page:
        parts.append("<h2>Refunds (%d)</h2>" % len(page["refunds"]))
        if page["refunds"]:
            parts.append(_table(page["refunds"], (
                ("received (UTC)", "at"), ("RMA", "rma"),
                ("order", "order"), ("receipt", "receipt"),
                ("verdict", "verdict"), ("amount", "amount"),
                ("idempotency key", "id"))))
            parts.append("<p>Refunded in all: %s</p>" % html.escape(
                ", ".join(t["amount"] for t in page["refunded"])))
        else:
            parts.append("<p>No refund yet.  A confirmed return's refund "
                         "comes after the station's grace period.</p>")
    if "events" in page:
        parts.append("<h2>Everything received (%d)</h2>" %
                     len(page["events"]))
        parts.append(_table(page["events"], (
            ("received (UTC)", "at"), ("event", "type"), ("RMA", "rma"),
            ("order", "order"), ("code scanned", "code"),
            ("receipt", "receipt"),
            ("verdict", "verdict"), ("amount", "amount"),
            ("signature ok", "signature_ok"), ("answered", "answered"))))
    parts.append("</body></html>\n")
    return "".join(parts)
