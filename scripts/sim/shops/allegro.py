# SPDX-License-Identifier: MIT
"""A fake Allegro: OAuth (refresh-token and device flows), checkout forms,
payment refunds and customer returns, in Allegro's REST shapes.

    shop = Shop()
    er = shop.add_expected(helpers.expected_return())   # ids filled in
    section = shop.connector_section("/tmp/secrets")    # [connector NAME]

What it checks, as Allegro does: basic auth (client_id:client_secret) on
/auth/oauth/token, a live Bearer token on every API call (401 otherwise),
the media type application/vnd.allegro.public.v1+json (the beta one for
customer returns) in Accept and, for a body, Content-Type (406 / 415),
and the refund itself: a known payment, a known reason, line items of that
order refunded no further than they were bought, the delivery no further
than it cost.  Allegro has no idempotency key: the same refund sent twice
is made twice (while the order has money left), which is what the
station's lookup before sending must prevent.  Errors are
{"errors": [{"code", "message", "userMessage", "path"}]}.

Refresh tokens rotate: each token answer carries a new one; the old one
stays valid (set `revoke_old_refresh = True` to refuse it, as a shop that
revokes would).
"""
import base64
import os
import secrets
import time
import uuid
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qs, urlsplit

from .base import Answer, ShopServer

MEDIA = "application/vnd.allegro.public.v1+json"
BETA = "application/vnd.allegro.beta.v1+json"
REASONS = ("REFUND", "COMPLAINT", "PRODUCT_NOT_AVAILABLE",
           "PAID_VALUE_TOO_LOW")
EXPONENT = {"JPY": 0, "KWD": 3, "BHD": 3}


def _amount(minor, currency):
    e = EXPONENT.get(currency, 2)
    if e == 0:
        return str(minor)
    sign = "-" if minor < 0 else ""
    minor = abs(minor)
    return "%s%d.%0*d" % (sign, minor // 10 ** e, e, minor % 10 ** e)


def _minor(text, currency):
    """Allegro's decimal text to minor units, None when it is not one."""
    if not isinstance(text, str):
        return None
    try:
        d = Decimal(text)
    except InvalidOperation:
        return None
    e = EXPONENT.get(currency, 2)
    v = d * (10 ** e)
    if v != v.to_integral_value() or not d.is_finite():
        return None
    return int(v)


def _now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] \
        + "Z"


def _error(status, code, message, user=None, path=None):
    return Answer(status, {"errors": [{
        "code": code, "message": message, "details": None, "path": path,
        "userMessage": user if user is not None else message}]},
        content_type=MEDIA)


class Shop(ShopServer):
    name = "allegro"

    def __init__(self, port=0, tls=None, log=None):
        self.delay_s = 0.0
        self.client_id = "retour-" + secrets.token_hex(4)
        self.client_secret = secrets.token_urlsafe(24)
        self.refresh_tokens = {secrets.token_urlsafe(32)}
        self.first_refresh = next(iter(self.refresh_tokens))
        self.access_tokens = {}        # token -> expiry (time.time())
        self.token_ttl = 43200
        self.revoke_old_refresh = False
        self.token_requests = 0
        self.forms = {}                # checkout form id -> form
        self.payments = {}             # payment id -> checkout form id
        self.made = []                 # refunds made, in order
        self.returns = []              # customer returns, in order
        self.devices = {}              # device_code -> approved?
        super().__init__(port=port, tls=tls, log=log)

    # -- what tests use --------------------------------------------------------
    def connector_section(self, secrets_dir):
        os.makedirs(secrets_dir, exist_ok=True)
        files = {}
        for key, value in (("client_secret_file", self.client_secret),
                           ("refresh_token_file", self.first_refresh)):
            path = os.path.join(secrets_dir, "allegro-" + key[:-5])
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(value + "\n")
            os.chmod(path, 0o600)
            files[key] = path
        section = {"type": "allegro", "api_url": self.url,
                   "auth_url": self.url, "client_id": self.client_id}
        section.update(files)
        return section

    def add_expected(self, er):
        """Make the order (a checkout form) behind @er; @er with the
        shop's order, payment and line ids."""
        er = dict(er)
        currency = er.get("currency", "PLN")
        form_id = str(uuid.uuid4())
        payment_id = str(uuid.uuid4())
        lines, items = [], []
        for it in er.get("items", []):
            it = dict(it)
            line_id = str(uuid.uuid4())
            offer_id = str(7000000000 + len(self.forms) * 100 + len(lines))
            lines.append({
                "id": line_id,
                "offer": {"id": offer_id, "name": it.get("name", "item"),
                          "external": {"id": it.get("sku")}
                          if it.get("sku") else None},
                "quantity": it["quantity"],
                "price": {"amount": _amount(it["unit_price_minor"],
                                            currency),
                          "currency": currency},
                "originalPrice": {"amount": _amount(it["unit_price_minor"],
                                                    currency),
                                  "currency": currency},
                "boughtAt": _now(),
            })
            it["shop_line_id"] = line_id
            items.append(it)
        delivery = er.get("delivery_basic_minor") or 0
        total = sum(li["quantity"] * _minor(li["price"]["amount"], currency)
                    for li in lines) + delivery
        form = {
            "id": form_id, "status": "READY_FOR_PROCESSING",
            "buyer": {"id": "12345", "login": "buyer", "email": "b@ex.pl"},
            "payment": {"id": payment_id, "type": "ONLINE",
                        "provider": "P24", "finishedAt": _now(),
                        "paidAmount": {"amount": _amount(total, currency),
                                       "currency": currency}},
            "delivery": {"method": {"id": "1", "name": "Paczkomat"},
                         "cost": {"amount": _amount(delivery, currency),
                                  "currency": currency}},
            "lineItems": lines,
            "summary": {"totalToPay": {"amount": _amount(total, currency),
                                       "currency": currency}},
            "_rma": er.get("rma"),
        }
        with self.lock:
            self.forms[form_id] = form
            self.payments[payment_id] = form_id
        er["shop_order_id"] = form_id
        er["shop_payment_id"] = payment_id
        er["items"] = items
        return er

    def add_customer_return(self, er, waybill=None):
        """A customer return at Allegro for the order behind @er (as
        add_expected returned it): what the station pulls in."""
        form = self.forms[er["shop_order_id"]]
        ret = {
            "id": str(uuid.uuid4()),
            "createdAt": _now(),
            "referenceNumber": "AL" + secrets.token_hex(3).upper(),
            "orderId": form["id"],
            "buyer": {"email": "b@ex.pl", "login": "buyer"},
            "items": [{"offerId": li["offer"]["id"],
                       "quantity": it["quantity"],
                       "name": li["offer"]["name"],
                       "price": li["price"],
                       "reason": {"type": "DONT_LIKE_IT"}}
                      for it in er["items"] for li in form["lineItems"]
                      if li["id"] == it["shop_line_id"]],
            "parcels": ([{"waybill": waybill, "carrierId": "INPOST"}]
                        if waybill else []),
            "marketplaceId": "allegro-pl",
            "status": "DELIVERED",
        }
        with self.lock:
            self.returns.append(ret)
        return ret

    def refunds(self):
        out = []
        with self.lock:
            for r in self.made:
                form = self.forms[self.payments[r["payment"]["id"]]]
                cur = form["summary"]["totalToPay"]["currency"]
                comment = r.get("sellerComment") or ""
                key = next((w for w in comment.split()
                            if w.startswith("rr-")), comment)
                out.append({
                    "key": key, "order": form["id"],
                    "amount_minor": r["_total"], "currency": cur,
                    "lines": [{"line": li["id"],
                               "quantity": li.get("_quantity"),
                               "amount_minor": li["_minor"]}
                              for li in r.get("lineItems", [])],
                    "delivery_minor": r["_delivery"],
                    "ref": r["id"], "reason": r["reason"],
                })
        return out

    # -- faults in Allegro's own shapes ------------------------------------------
    def throttle_answer(self, req):
        return _error(429, "TooManyRequestsException",
                      "Too many requests", "Too many requests, slow down")

    def business_error_answer(self, req):
        return _error(422, "REFUND_NOT_POSSIBLE",
                      "Payment refund is not possible for this payment",
                      "The refund cannot be made: the payment is locked "
                      "by a dispute", "payment.id")

    # -- routing ---------------------------------------------------------------
    def route(self, req):
        if self.delay_s:
            time.sleep(self.delay_s)
        parts = urlsplit(req.path)
        path, query = parts.path, parse_qs(parts.query)
        if path == "/auth/oauth/token" and req.method == "POST":
            return self._token(req)
        if path == "/auth/oauth/device" and req.method == "POST":
            return self._device(req)
        bad = self._check_bearer(req)
        if bad:
            return bad
        if path == "/payments/refunds" and req.method == "POST":
            return self._media(req, MEDIA, True) or self._refund(req)
        if path == "/payments/refunds" and req.method == "GET":
            return self._media(req, MEDIA) or self._list_refunds(query)
        if path.startswith("/order/checkout-forms/") and req.method == "GET":
            return self._media(req, MEDIA) or self._form(path.split("/")[-1])
        if path == "/order/customer-returns" and req.method == "GET":
            return self._media(req, BETA) or self._list_returns(query)
        return _error(404, "NotFoundException", "No such resource")

    # -- OAuth -----------------------------------------------------------------
    def _client_ok(self, req):
        auth = req.headers.get("Authorization") or ""
        if not auth.startswith("Basic "):
            return False
        try:
            pair = base64.b64decode(auth[6:], validate=True).decode()
        except (ValueError, UnicodeDecodeError):
            return False
        return pair == "%s:%s" % (self.client_id, self.client_secret)

    def _token(self, req):
        self.token_requests += 1
        if not self._client_ok(req):
            return Answer(401, {"error": "invalid_client",
                                "error_description": "Bad credentials"})
        form = parse_qs(req.body.decode("utf-8", "replace"))
        grant = (form.get("grant_type") or [""])[0]
        with self.lock:
            if grant == "refresh_token":
                token = (form.get("refresh_token") or [""])[0]
                if token not in self.refresh_tokens:
                    return Answer(400, {"error": "invalid_grant",
                                        "error_description":
                                        "Invalid refresh token"})
                if self.revoke_old_refresh:
                    self.refresh_tokens.discard(token)
            elif grant == "urn:ietf:params:oauth:grant-type:device_code":
                code = (form.get("device_code") or [""])[0]
                if code not in self.devices:
                    return Answer(400, {"error": "invalid_grant"})
                if not self.devices[code]:
                    self.devices[code] = True   # approved on the next poll
                    return Answer(400, {"error": "authorization_pending"})
                del self.devices[code]
            else:
                return Answer(400, {"error": "unsupported_grant_type"})
            access = secrets.token_urlsafe(32)
            refresh = secrets.token_urlsafe(32)
            self.access_tokens[access] = time.time() + self.token_ttl
            self.refresh_tokens.add(refresh)
        return Answer(200, {"access_token": access, "token_type": "bearer",
                            "refresh_token": refresh,
                            "expires_in": self.token_ttl,
                            "scope": "allegro:api:orders:read "
                                     "allegro:api:payments:write",
                            "allegro_api": True, "jti": str(uuid.uuid4())})

    def _device(self, req):
        if not self._client_ok(req):
            return Answer(401, {"error": "invalid_client"})
        code = secrets.token_urlsafe(16)
        with self.lock:
            self.devices[code] = False
        return Answer(200, {"device_code": code, "user_code": "ABCD1234",
                            "verification_uri": self.url + "/skojarz-aplikacje",
                            "verification_uri_complete":
                            self.url + "/skojarz-aplikacje?code=ABCD1234",
                            "expires_in": 3600, "interval": 1})

    def expire_tokens(self):
        """Every access token stops working (the next call gets 401)."""
        with self.lock:
            self.access_tokens.clear()

    def _check_bearer(self, req):
        auth = req.headers.get("Authorization") or ""
        token = auth[7:] if auth.startswith("Bearer ") else None
        with self.lock:
            ok = token and self.access_tokens.get(token, 0) > time.time()
        if not ok:
            return Answer(401, {"error": "invalid_token",
                                "error_description":
                                "Invalid access token"})
        return None

    def _media(self, req, media, body=False):
        if (req.headers.get("Accept") or "") != media:
            return _error(406, "NotAcceptableException",
                          "Accept must be " + media)
        if body and (req.headers.get("Content-Type") or "") != media:
            return _error(415, "UnsupportedMediaTypeException",
                          "Content-Type must be " + media)
        return None

    # -- refunds ---------------------------------------------------------------
    def _refunded(self, form_id):
        lines, delivery, total = {}, 0, 0
        for r in self.made:
            if self.payments[r["payment"]["id"]] != form_id:
                continue
            for li in r.get("lineItems", []):
                q, m = lines.get(li["id"], (0, 0))
                lines[li["id"]] = (q + (li.get("_quantity") or 0),
                                   m + li["_minor"])
            delivery += r["_delivery"]
            total += r["_total"]
        return lines, delivery, total

    def _refund(self, req):
        body = req.json()
        if not isinstance(body, dict):
            return _error(400, "JsonParseException", "Malformed JSON")
        unknown = set(body) - {"payment", "reason", "lineItems", "delivery",
                               "overpaid", "surcharges",
                               "additionalServices", "sellerComment"}
        if unknown:
            return _error(422, "VALIDATION_ERROR",
                          "Unknown fields: %s" % sorted(unknown))
        pid = (body.get("payment") or {}).get("id") \
            if isinstance(body.get("payment"), dict) else None
        with self.lock:
            if pid not in self.payments:
                return _error(422, "PAYMENT_NOT_FOUND",
                              "Payment not found", path="payment.id")
            if body.get("reason") not in REASONS:
                return _error(422, "VALIDATION_ERROR", "Invalid reason",
                              path="reason")
            form = self.forms[self.payments[pid]]
            cur = form["summary"]["totalToPay"]["currency"]
            bought = {li["id"]: li for li in form["lineItems"]}
            done_lines, done_delivery, _ = self._refunded(form["id"])
            made_lines, total = [], 0
            items = body.get("lineItems", [])
            if not isinstance(items, list):
                return _error(422, "VALIDATION_ERROR", "lineItems")
            for i, li in enumerate(items):
                where = "lineItems[%d]" % i
                if not isinstance(li, dict) or li.get("id") not in bought:
                    return _error(422, "LINE_ITEM_NOT_FOUND",
                                  "Line item not found", path=where)
                line = bought[li["id"]]
                price = _minor(line["price"]["amount"], cur)
                q_done, m_done = done_lines.get(li["id"], (0, 0))
                if li.get("type") == "QUANTITY":
                    q = li.get("quantity")
                    if not isinstance(q, int) or isinstance(q, bool) or \
                            q < 1 or "value" in li:
                        return _error(422, "VALIDATION_ERROR",
                                      "quantity", path=where)
                    m = q * price
                    if q_done + q > line["quantity"]:
                        return _error(422, "QUANTITY_EXCEEDED",
                                      "Refund quantity exceeds the bought "
                                      "quantity", path=where)
                elif li.get("type") == "AMOUNT":
                    v = li.get("value")
                    if not isinstance(v, dict) or v.get("currency") != cur \
                            or "quantity" in li:
                        return _error(422, "VALIDATION_ERROR",
                                      "value", path=where)
                    m = _minor(v.get("amount"), cur)
                    if m is None or m <= 0:
                        return _error(422, "VALIDATION_ERROR",
                                      "value.amount", path=where)
                    q = None
                else:
                    return _error(422, "VALIDATION_ERROR", "type",
                                  path=where)
                if m_done + m > line["quantity"] * price:
                    return _error(422, "AMOUNT_EXCEEDED",
                                  "Refund value exceeds the line's value",
                                  path=where)
                made_lines.append({"id": li["id"], "type": li["type"],
                                   "_quantity": q, "_minor": m,
                                   **({"quantity": q} if q else
                                      {"value": li["value"]})})
                total += m
            delivery = 0
            if "delivery" in body:
                v = (body["delivery"] or {}).get("value") \
                    if isinstance(body["delivery"], dict) else None
                if not isinstance(v, dict) or v.get("currency") != cur:
                    return _error(422, "VALIDATION_ERROR", "delivery",
                                  path="delivery.value")
                delivery = _minor(v.get("amount"), cur)
                cost = _minor(form["delivery"]["cost"]["amount"], cur)
                if delivery is None or delivery <= 0:
                    return _error(422, "VALIDATION_ERROR",
                                  "delivery.value.amount")
                if done_delivery + delivery > cost:
                    return _error(422, "DELIVERY_AMOUNT_EXCEEDED",
                                  "Delivery refund exceeds its cost",
                                  path="delivery")
                total += delivery
            if total <= 0:
                return _error(422, "VALIDATION_ERROR",
                              "Nothing to refund")
            refund = {
                "id": str(uuid.uuid4()),
                "payment": {"id": pid},
                "reason": body["reason"],
                "status": "SUCCESS",
                "createdAt": _now(),
                "totalValue": {"amount": _amount(total, cur),
                               "currency": cur},
                "lineItems": made_lines,
                "sellerComment": body.get("sellerComment"),
                "_total": total, "_delivery": delivery,
            }
            if delivery:
                refund["delivery"] = body["delivery"]
            self.made.append(refund)
            return Answer(201, self._public(refund), content_type=MEDIA)

    @staticmethod
    def _public(refund):
        out = {k: v for k, v in refund.items() if not k.startswith("_")}
        out["lineItems"] = [{k: v for k, v in li.items()
                             if not k.startswith("_")}
                            for li in refund.get("lineItems", [])]
        return out

    def _list_refunds(self, query):
        pid = (query.get("payment.id") or [None])[0]
        limit = int((query.get("limit") or ["50"])[0])
        offset = int((query.get("offset") or ["0"])[0])
        with self.lock:
            found = [self._public(r) for r in self.made
                     if pid is None or r["payment"]["id"] == pid]
        page = found[offset:offset + limit]
        return Answer(200, {"refunds": page, "count": len(page),
                            "totalCount": len(found)}, content_type=MEDIA)

    def _form(self, form_id):
        with self.lock:
            form = self.forms.get(form_id)
            if not form:
                return _error(404, "NOT_FOUND", "Checkout form not found")
            return Answer(200, {k: v for k, v in form.items()
                                if not k.startswith("_")},
                          content_type=MEDIA)

    def _list_returns(self, query):
        limit = int((query.get("limit") or ["100"])[0])
        after = (query.get("from") or [None])[0]
        with self.lock:
            rets = list(self.returns)
        if after:
            ids = [r["id"] for r in rets]
            rets = rets[ids.index(after) + 1:] if after in ids else []
        page = rets[:limit]
        return Answer(200, {"customerReturns": page, "count": len(page)},
                      content_type=BETA)


def main():
    """Serve a fake Allegro by hand; print the [connector] section (its
    secret files written 0600 into a fresh directory) that reaches it."""
    import argparse
    import tempfile
    import threading
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port", type=int, default=8090)
    args = p.parse_args()
    shop = Shop(port=args.port, log=print)
    section = shop.connector_section(tempfile.mkdtemp(prefix="allegro-"))
    print("fake allegro on %s; a station reaches it with:" % shop.url)
    print("[connector allegro]")
    for key, value in section.items():
        print("%s = %s" % (key, value))
    threading.Event().wait()


if __name__ == "__main__":
    main()
