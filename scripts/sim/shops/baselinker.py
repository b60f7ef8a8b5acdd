# SPDX-License-Identifier: MIT
"""A fake BaseLinker: POST /connector.php with X-BLToken and a form body
method=NAME&parameters=<JSON>, answering 200 {"status":"SUCCESS",...} or
{"status":"ERROR","error_code","error_message"} as BaseLinker does.

Methods: setOrderReturnRefund (sets the return's refund: the amount
replaces the previous one, it is not added; no money moves),
setOrderReturnStatus, getOrderReturns (return_id / id_from / date_from /
status_id filters, at most 100 returns).  BaseLinker has no idempotency
key: the same refund sent twice with the same amount still leaves one
refund on the return, which is what refunds() counts (a refund whose
amount changes is counted again: that would be a second refund).
"""
import json
import os
import threading
import time
import urllib.parse

from .base import Answer, ShopServer

TOKEN = "1-23-FAKEBLTOKEN"


def _minor(amount, exp=2):
    """A JSON number (float or int) in minor units, exactly as its decimal
    text says."""
    text = "%.*f" % (exp, float(amount))
    whole, _, frac = text.partition(".")
    neg = whole.startswith("-")
    value = int(whole.lstrip("-")) * 10 ** exp + (int(frac) if frac else 0)
    return -value if neg else value


def _price(minor):
    return round(minor / 100.0, 2)


class Shop(ShopServer):
    name = "baselinker"

    def __init__(self, port=0, tls=None, log=None):
        self.delay_s = 0.0
        self.token = TOKEN
        self.returns = {}          # return_id -> dict as getOrderReturns
        self.made = []             # the refunds made, refunds()' shape
        self.status_changes = []   # (return_id, status_id)
        # every setOrderReturnRefund applied, repeats included: a repeat
        # with the same amount is no second refund at BaseLinker (it sets
        # the value), but a station that looks first never sends one
        self.applied = []
        self._next_return = 1000
        self._next_order = 5000
        self._next_line = 70000
        self._clock = int(time.time())
        super().__init__(port=port, tls=tls, log=log)

    # -- what a station is told -------------------------------------------
    def connector_section(self, secrets_dir):
        path = os.path.join(str(secrets_dir), "baselinker-token")
        with open(path, "w") as f:
            f.write(self.token + "\n")
        os.chmod(path, 0o600)
        return {"type": "baselinker", "url": self.url, "token_file": path}

    def add_expected(self, er, status_id=1006):
        """Create the order and its return behind @er; return @er with the
        shop's ids (shop_order_id, shop_payment_id = the return_id)."""
        er = json.loads(json.dumps(er))
        with self.lock:
            self._next_return += 1
            self._next_order += 1
            rid, oid = self._next_return, self._next_order
            products = []
            for it in er["items"]:
                self._next_line += 1
                it["shop_line_id"] = str(self._next_line)
                products.append({
                    "order_return_product_id": self._next_line,
                    "storage": "db", "storage_id": 1,
                    "product_id": it.get("sku", ""), "variant_id": 0,
                    "name": it.get("name", ""), "sku": it.get("sku", ""),
                    "ean": it.get("gtin", ""), "location": "",
                    "price_brutto": _price(it["unit_price_minor"]),
                    "tax_rate": 23, "quantity": it["quantity"],
                    "weight": 0.2, "bundle_id": 0, "status_id": 1001,
                    "return_reason_id": 1020})
            self._clock += 1
            self.returns[rid] = {
                "return_id": rid, "order_id": oid, "shop_order_id": -1,
                "external_order_id": "", "reference_number": er.get("rma"),
                "order_return_source": "personal",
                "order_return_source_id": 0, "status_id": status_id,
                "date_add": self._clock, "date_in_status": self._clock,
                "currency": er.get("currency", "PLN"), "refunded": "0.00",
                "delivery_price": _price(er.get("delivery_basic_minor",
                                                0) or 0),
                "delivery_package_nr": (er.get("lookup_codes") or [""])[0],
                "admin_comments": "", "products": products,
                "external_refund_id": "", "refund_comment": "",
                "fulfillment_status": 0}
        er["shop_order_id"] = str(oid)
        er["shop_payment_id"] = str(rid)
        return er

    def refunds(self):
        with self.lock:
            return [dict(r) for r in self.made]

    # -- BaseLinker's answers ------------------------------------------------
    @staticmethod
    def _error(code, message):
        return Answer(200, {"status": "ERROR", "error_code": code,
                            "error_message": message})

    def throttle_answer(self, req):
        until = time.strftime("%Y-%m-%d %H:%M:%S",
                              time.localtime(time.time() + 60))
        return self._error("ERROR_BLOCKED_TOKEN",
                           "Query limit exceeded, token blocked until " +
                           until)

    def business_error_answer(self, req):
        return self._error("ERROR_RETURN_REFUND",
                           "Refund amount exceeds the return value")

    def route(self, req):
        if self.delay_s:
            time.sleep(self.delay_s)
        if req.method != "POST" or req.path.split("?")[0] != "/connector.php":
            return Answer(404, "Not Found", content_type="text/html")
        if req.headers.get("X-BLToken") != self.token:
            return self._error("ERROR_USER_NOT_FOUND",
                               "Invalid user token")
        ctype = req.headers.get("Content-Type", "")
        if not ctype.startswith("application/x-www-form-urlencoded"):
            return self._error("ERROR_BAD_REQUEST", "Bad content type")
        try:
            form = urllib.parse.parse_qs(req.body.decode("utf-8"),
                                         strict_parsing=True)
            method = form["method"][0]
            params = json.loads(form["parameters"][0])
        except (KeyError, ValueError, UnicodeDecodeError):
            return self._error("ERROR_BAD_REQUEST",
                               "Missing method or parameters")
        if not isinstance(params, dict):
            return self._error("ERROR_BAD_REQUEST", "Bad parameters")
        handler = {"setOrderReturnRefund": self._refund,
                   "setOrderReturnStatus": self._status,
                   "getOrderReturns": self._list}.get(method)
        if handler is None:
            return self._error("ERROR_UNKNOWN_METHOD",
                               "An unknown method has been used")
        with self.lock:
            return handler(params)

    def _return_of(self, params):
        rid = params.get("return_id")
        if not isinstance(rid, int) or isinstance(rid, bool):
            return None, self._error("ERROR_BAD_REQUEST",
                                     "return_id must be an int")
        r = self.returns.get(rid)
        if r is None:
            return None, self._error("ERROR_RETURN_NOT_FOUND",
                                     "Order return not found")
        return r, None

    def _refund(self, p):
        r, bad = self._return_of(p)
        if bad:
            return bad
        amount = p.get("order_refund_done")
        comment = p.get("refund_comment", "")
        ext = p.get("external_refund_id", "")
        if (not isinstance(amount, (int, float)) or isinstance(amount, bool)
                or amount < 0 or
                not isinstance(p.get("refund_date"), int) or
                not isinstance(comment, str) or len(comment) > 50 or
                not isinstance(ext, str) or len(ext) > 50):
            return self._error("ERROR_BAD_REQUEST",
                               "Invalid refund parameters")
        minor = _minor(amount)
        products_total = sum(_minor(x["price_brutto"]) * x["quantity"]
                             for x in r["products"])
        delivery = _minor(r["delivery_price"])
        if minor > products_total + delivery:
            return self.business_error_answer(None)
        previous = _minor(r["refunded"])
        self.applied.append((r["return_id"], ext, minor))
        r["refunded"] = "%d.%02d" % divmod(minor, 100)
        r["external_refund_id"] = ext
        r["refund_comment"] = comment
        if minor != previous:
            # what the lines took and, over them, the delivery once
            lines = [{"line": str(x["order_return_product_id"]),
                      "quantity": x["quantity"],
                      "amount_minor": _minor(x["price_brutto"]) *
                      x["quantity"]} for x in r["products"]]
            self.made.append({
                "key": ext, "order": str(r["order_id"]),
                "amount_minor": minor, "currency": r["currency"],
                "lines": lines,
                "delivery_minor": max(0, minor - products_total),
                "ref": str(r["return_id"])})
        return Answer(200, {"status": "SUCCESS"})

    def _status(self, p):
        r, bad = self._return_of(p)
        if bad:
            return bad
        sid = p.get("status_id")
        if not isinstance(sid, int) or isinstance(sid, bool):
            return self._error("ERROR_BAD_REQUEST",
                               "status_id must be an int")
        r["status_id"] = sid
        self.status_changes.append((r["return_id"], sid))
        return Answer(200, {"status": "SUCCESS"})

    def _list(self, p):
        out = sorted(self.returns.values(), key=lambda r: r["return_id"])
        if "return_id" in p:
            out = [r for r in out if r["return_id"] == p["return_id"]]
        if "id_from" in p:
            out = [r for r in out if r["return_id"] >= p["id_from"]]
        if "date_from" in p:
            out = [r for r in out if r["date_add"] >= p["date_from"]]
        if p.get("status_id"):
            out = [r for r in out if r["status_id"] == p["status_id"]]
        return Answer(200, {"status": "SUCCESS", "returns": out[:100]})


def main():
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=8088)
    args = ap.parse_args()
    shop = Shop(port=args.port, log=print)
    print("fake BaseLinker on %s, token %s" % (shop.url, shop.token))
    threading.Event().wait()


if __name__ == "__main__":
    main()
