# SPDX-License-Identifier: MIT
"""A fake WooCommerce (REST API v3) for the woocommerce connector.

Speaks what the station uses:
  POST /wp-json/wc/v3/orders/{id}/refunds   create a refund (201)
  GET  /wp-json/wc/v3/orders/{id}/refunds   the order's refunds
  GET  /wp-json/wc/v3/orders?status=...     orders in a status (the pull)
with basic auth (consumer key:secret), WooCommerce's error object
{code, message, data: {status}}, and a refund applied as
wc_create_refund() does: no idempotency key (the same body twice makes two
refunds), an amount over what is left refused with 500
woocommerce_rest_cannot_create_order_refund "Invalid refund amount.",
line_items matched to the order's items by id (shipping lines included),
meta_data kept and listed back.

Usage by hand: python3 -m sim.shops.woocommerce --port 8081 (from scripts/).
"""
import base64
import copy
import itertools
import json
import os
import re
import threading
import time
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

from .base import Answer, ShopServer

API = "/wp-json/wc/v3"
META_KEY = "_retour_refund_key"
EXPONENT = {"JPY": 0, "KRW": 0, "HUF": 2, "KWD": 3, "BHD": 3}


def _minor(text, currency):
    """'112.97' -> 11297 without floating point; ValueError if not a
    decimal with at most the currency's digits."""
    if isinstance(text, (int,)) and not isinstance(text, bool):
        text = str(text)
    if not isinstance(text, str) or not re.fullmatch(r"\d+(\.\d+)?", text):
        raise ValueError("not a decimal: %r" % (text,))
    exp = EXPONENT.get(currency, 2)
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0")
    if len(frac) > exp:
        raise ValueError("too many decimals: %r" % text)
    return int(whole) * 10 ** exp + int((frac or "0").ljust(exp, "0") or 0)


def _text(minor, currency):
    exp = EXPONENT.get(currency, 2)
    if exp == 0:
        return str(minor)
    return "%d.%0*d" % (minor // 10 ** exp, exp, minor % 10 ** exp)


def _gmt(t):
    return datetime.fromtimestamp(t, timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S")


def _error(status, code, message):
    return Answer(status, {"code": code, "message": message,
                           "data": {"status": status}})


class Shop(ShopServer):
    name = "woocommerce"

    def __init__(self, port=0, tls=None, log=None):
        self.consumer_key = "ck_" + os.urandom(20).hex()
        self.consumer_secret = "cs_" + os.urandom(20).hex()
        self.delay_s = 0.0
        self.orders = {}        # id -> order dict (the shop's shape)
        self.refund_rows = {}   # order id -> [refund dict]
        self.made = []          # every refund made, in order (for refunds())
        self._ids = itertools.count(101)
        self._clock = 0.0
        super().__init__(port=port, tls=tls, log=log)

    # -- what a test uses ---------------------------------------------------
    def connector_section(self, secrets_dir):
        keys = {}
        for name, value in (("consumer_key", self.consumer_key),
                            ("consumer_secret", self.consumer_secret)):
            path = os.path.join(str(secrets_dir), "woo-%s" % name)
            with open(path, "w") as f:
                f.write(value + "\n")
            os.chmod(path, 0o600)
            keys[name + "_file"] = path
        return {"type": "woocommerce", "url": self.url,
                "consumer_key_file": keys["consumer_key_file"],
                "consumer_secret_file": keys["consumer_secret_file"]}

    def _now(self):
        # Strictly increasing whole seconds, so "modified after" works
        # like the shop's own clock in a quick test.
        with self.lock:
            self._clock = max(self._clock + 1, float(int(time.time())))
            return self._clock

    def add_order(self, currency, items, shipping_minor=0, status="completed",
                  number=None):
        """items: [{"sku", "name", "quantity", "total_minor"}] (gross,
        no tax).  Returns the order dict."""
        with self.lock:
            oid = next(self._ids)
            lines = []
            for it in items:
                lines.append({"id": next(self._ids), "name": it.get("name",
                                                                    ""),
                              "sku": it.get("sku", ""),
                              "quantity": it["quantity"],
                              "total": _text(it["total_minor"], currency),
                              "total_tax": _text(0, currency)})
            ship = []
            if shipping_minor:
                ship = [{"id": next(self._ids), "method_title": "Courier",
                         "total": _text(shipping_minor, currency),
                         "total_tax": _text(0, currency)}]
            now = self._now()
            order = {"id": oid, "number": number or str(oid),
                     "status": status, "currency": currency,
                     "date_created_gmt": _gmt(now),
                     "date_modified_gmt": _gmt(now),
                     "date_completed_gmt": _gmt(now),
                     "total": _text(sum(i["total_minor"] for i in items) +
                                    shipping_minor, currency),
                     "shipping_total": _text(shipping_minor, currency),
                     "shipping_tax": _text(0, currency),
                     "line_items": lines, "shipping_lines": ship,
                     "refunds": []}
            self.orders[oid] = order
            self.refund_rows[oid] = []
            return order

    def set_status(self, oid, status):
        with self.lock:
            self.orders[oid]["status"] = status
            self.orders[oid]["date_modified_gmt"] = _gmt(self._now())

    def add_expected(self, er):
        """The order behind @er; a copy of @er with the shop's ids."""
        er = copy.deepcopy(er)
        items = [{"sku": it.get("sku", ""), "name": it.get("name", ""),
                  "quantity": it["quantity"],
                  "total_minor": it["quantity"] * it["unit_price_minor"]}
                 for it in er["items"]]
        order = self.add_order(er["currency"], items,
                               shipping_minor=er.get("delivery_basic_minor")
                               or 0)
        er["shop_order_id"] = str(order["id"])
        if order["shipping_lines"]:
            er["shop_payment_id"] = "shipping:%d" % (
                order["shipping_lines"][0]["id"])
        for it, line in zip(er["items"], order["line_items"]):
            it["shop_line_id"] = str(line["id"])
        return er

    def refunds(self):
        with self.lock:
            return [copy.deepcopy(r) for r in self.made]

    # -- the shop's own answers -------------------------------------------
    def throttle_answer(self, req):
        # Core WooCommerce does not throttle its REST API; hosts and
        # security plugins answer 429 with Retry-After.
        return Answer(429, {"code": "rest_too_many_requests",
                            "message": "Too many requests.",
                            "data": {"status": 429}},
                      {"Retry-After": "1"})

    def business_error_answer(self, req):
        return _error(500, "woocommerce_rest_cannot_create_order_refund",
                      "Invalid refund amount.")

    # -- routing --------------------------------------------------------------
    def _auth_ok(self, req):
        h = req.headers.get("Authorization") or ""
        if not h.startswith("Basic "):
            return False
        try:
            user, _, pw = base64.b64decode(h[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return user == self.consumer_key and pw == self.consumer_secret

    def route(self, req):
        if self.delay_s:
            time.sleep(self.delay_s)
        url = urlsplit(req.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        if not url.path.startswith(API + "/"):
            return _error(404, "rest_no_route",
                          "No route was found matching the URL and "
                          "request method.")
        if not self._auth_ok(req):
            return _error(401, "woocommerce_rest_cannot_view",
                          "Sorry, you cannot list resources.")
        m = re.fullmatch(API + r"/orders/(\d+)/refunds", url.path)
        if m and req.method == "POST":
            return self._create_refund(int(m.group(1)), req)
        if m and req.method == "GET":
            return self._list_refunds(int(m.group(1)), query)
        if url.path == API + "/orders" and req.method == "GET":
            return self._list_orders(query)
        return _error(404, "rest_no_route",
                      "No route was found matching the URL and request "
                      "method.")

    def _create_refund(self, oid, req):
        if req.headers.get("Content-Type", "").split(";")[0] != \
                "application/json":
            return _error(400, "rest_invalid_json", "Invalid JSON body.")
        body = req.json()
        if not isinstance(body, dict):
            return _error(400, "rest_invalid_json",
                          "Invalid JSON body passed.")
        with self.lock:
            order = self.orders.get(oid)
            if order is None:
                return _error(404, "woocommerce_rest_invalid_order_id",
                              "Invalid order ID.")
            cur = order["currency"]
            for key in ("api_refund", "api_restock"):
                if key in body and not isinstance(body[key], bool):
                    return _error(400, "rest_invalid_param",
                                  "Invalid parameter(s): %s" % key)
            if not isinstance(body.get("amount"), str):
                return _error(400, "rest_invalid_param",
                              "Invalid parameter(s): amount")
            try:
                amount = _minor(body["amount"], cur)
            except ValueError:
                return _error(400, "rest_invalid_param",
                              "Invalid parameter(s): amount")
            if amount <= 0:
                return _error(400, "woocommerce_rest_invalid_order_refund",
                              "Refund amount must be greater than zero.")
            meta = body.get("meta_data") or []
            if not isinstance(meta, list) or not all(
                    isinstance(e, dict) and "key" in e and "value" in e
                    for e in meta):
                return _error(400, "rest_invalid_param",
                              "Invalid parameter(s): meta_data")
            by_id = {i["id"]: ("line", i) for i in order["line_items"]}
            by_id.update({s["id"]: ("shipping", s)
                          for s in order["shipping_lines"]})
            lines, delivery, seen = [], 0, set()
            for li in body.get("line_items") or []:
                if not isinstance(li, dict) or not isinstance(
                        li.get("id"), int) or li["id"] in seen:
                    return _error(400, "rest_invalid_param",
                                  "Invalid parameter(s): line_items")
                seen.add(li["id"])
                kind, item = by_id.get(li["id"], (None, None))
                try:
                    total = _minor(li.get("refund_total", "0"), cur)
                except ValueError:
                    return _error(400, "rest_invalid_param",
                                  "Invalid parameter(s): line_items")
                if not isinstance(li.get("refund_tax", []), list):
                    return _error(400, "rest_invalid_param",
                                  "Invalid parameter(s): line_items")
                if kind is None:
                    continue    # wc_create_refund skips unknown items
                if kind == "shipping":
                    delivery += total
                    continue
                qty = li.get("quantity", 0)
                if not isinstance(qty, int) or qty < 0 or \
                        qty > item["quantity"]:
                    return _error(400, "rest_invalid_param",
                                  "Invalid parameter(s): line_items")
                lines.append({"line": str(li["id"]), "quantity": qty,
                              "amount_minor": total})
            refunded = sum(_minor(r["amount"], cur)
                           for r in self.refund_rows[oid])
            if amount > _minor(order["total"], cur) - refunded:
                return self.business_error_answer(req)
            meta_cur = [e["value"] for e in meta
                        if e["key"] == "_retour_currency"]
            if meta_cur and meta_cur[0] != cur:
                return _error(500,
                              "woocommerce_rest_cannot_create_order_refund",
                              "Refund currency %s is not the order's %s."
                              % (meta_cur[0], cur))
            rid = next(self._ids)
            refund = {"id": rid, "date_created_gmt": _gmt(time.time()),
                      "amount": _text(amount, cur),
                      "reason": body.get("reason") or "",
                      "refunded_by": 1,
                      "refunded_payment": body.get("api_refund", True),
                      "meta_data": [{"id": next(self._ids),
                                     "key": e["key"], "value": e["value"]}
                                    for e in meta],
                      "line_items": [{"id": next(self._ids),
                                      "quantity": -ln["quantity"],
                                      "total": "-" + _text(
                                          ln["amount_minor"], cur)}
                                     for ln in lines],
                      "shipping_lines": []}
            self.refund_rows[oid].insert(0, refund)   # newest first
            order["refunds"].insert(0, {"id": rid,
                                        "reason": refund["reason"],
                                        "total": "-" + refund["amount"]})
            order["date_modified_gmt"] = _gmt(self._now())
            key = [e["value"] for e in meta if e["key"] == META_KEY]
            self.made.append({"key": key[0] if key else None,
                              "order": str(oid), "amount_minor": amount,
                              "currency": cur, "lines": lines,
                              "delivery_minor": delivery, "ref": str(rid),
                              "api_refund": body.get("api_refund", True),
                              "api_restock": body.get("api_restock", True)})
            return Answer(201, refund)

    def _list_refunds(self, oid, query):
        with self.lock:
            if oid not in self.orders:
                return _error(404, "woocommerce_rest_invalid_order_id",
                              "Invalid order ID.")
            rows = self.refund_rows[oid]
            per = int(query.get("per_page", 10))
            page = int(query.get("page", 1))
            pages = max(1, -(-len(rows) // per))
            part = rows[(page - 1) * per:page * per]
            return Answer(200, part, {"X-WP-Total": len(rows),
                                      "X-WP-TotalPages": pages})

    def _list_orders(self, query):
        statuses = (query.get("status") or "any").split(",")
        after = query.get("modified_after")
        per = int(query.get("per_page", 10))
        page = int(query.get("page", 1))
        with self.lock:
            rows = [o for o in self.orders.values()
                    if ("any" in statuses or o["status"] in statuses) and
                    (after is None or o["date_modified_gmt"] > after)]
            if query.get("orderby") == "modified":
                rows.sort(key=lambda o: (o["date_modified_gmt"], o["id"]),
                          reverse=query.get("order") != "asc")
            pages = max(1, -(-len(rows) // per))
            part = copy.deepcopy(rows[(page - 1) * per:page * per])
        return Answer(200, part, {"X-WP-Total": len(rows),
                                  "X-WP-TotalPages": pages})


if __name__ == "__main__":
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=8081)
    args = ap.parse_args()
    shop = Shop(port=args.port, log=print)
    print("woocommerce fake shop on %s" % shop.url)
    print("consumer key %s, secret %s" % (shop.consumer_key,
                                          shop.consumer_secret))
    threading.Event().wait()
