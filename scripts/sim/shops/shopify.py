# SPDX-License-Identifier: MIT
"""A fake Shopify shop: the GraphQL Admin API's refund calls as the station's
`shopify` connector makes them.

    POST /admin/api/{YYYY-MM}/graphql.json
    X-Shopify-Access-Token: <token>
    {"query": "...", "variables": {...}}

It keeps orders (line items, one payment transaction, the delivery paid)
and the refunds made, and answers:

  - refundCreate(input: RefundInput!) @idempotent(key: "...") : checks the
    order, the lines and quantities left, `shipping` against the delivery
    not refunded yet, the REFUND transaction against the order's payment
    (parentId, gateway) and the amount left, the currency; refuses with
    userErrors like Shopify.  The same key again with the same variables
    answers the first result and makes nothing; with other variables it
    is refused.  Without the directive (2026-04 and later) it is an error.
  - returnProcess(input: ReturnProcessInput!) : a return added with
    add_return(), refunded through financialTransfer.issueRefund.
  - order(id:) { refunds { id note createdAt } } : the lookup.
  - orders(query: "updated_at:>='...'") : orders with returns (the pull).

Auth: a wrong or missing token is 401 {"errors": "[API] Invalid API key or
access token (unrecognized login or wrong password)"}; an unknown API
version is 404.  Throttle: a 200 with errors[].extensions.code THROTTLED
and extensions.cost (requestedQueryCost 100, currentlyAvailable 50,
restoreRate 50: one second).  Business error: a 200 whose refundCreate has
userErrors.

Use: python3 -m sim.shops.shopify --port 8089 (from scripts/), token
"shpat_sim" (printed).
"""
import copy
import decimal
import itertools
import json
import os
import re
import threading
import time

from .base import Answer, ShopServer

TOKEN = "shpat_retour_sim_0123456789abcdef"
VERSION_RE = re.compile(r"^/admin/api/(\d{4}-\d{2})/graphql\.json$")
IDEM_RE = re.compile(r'@idempotent\(\s*key:\s*"([^"]*)"\s*\)')
SINCE_RE = re.compile(r"updated_at:>=?'([^']+)'")
EXPONENT = {"JPY": 0, "KRW": 0, "HUF": 2, "KWD": 3, "BHD": 3}


def exponent(currency):
    return EXPONENT.get(currency, 2)


def to_minor(text, currency):
    """A decimal text as minor units; None when it is not one."""
    if not isinstance(text, str) or not re.match(r"^-?\d+(\.\d+)?$", text):
        return None
    d = decimal.Decimal(text).scaleb(exponent(currency))
    if d != d.to_integral_value():
        return None
    return int(d)


def to_text(minor, currency):
    e = exponent(currency)
    return str(decimal.Decimal(minor).scaleb(-e).quantize(
        decimal.Decimal(1).scaleb(-e)))


def now_iso():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class Shop(ShopServer):
    name = "shopify"

    def __init__(self, port=0, tls=None, log=None, token=TOKEN,
                 min_version="2026-04"):
        self.token = token
        self.min_version = min_version
        self.delay_s = 0.0
        self.orders = {}        # gid -> order
        self.returns_ = {}      # gid -> return
        self._refunds = []      # as refunds() gives them, in order
        self._idem = {}         # key -> (variables json, answer)
        self._ids = itertools.count(1001)
        super().__init__(port=port, tls=tls, log=log)

    # -- what a test sets up ----------------------------------------------
    def connector_section(self, secrets_dir):
        path = os.path.join(str(secrets_dir), "shopify-token")
        with open(path, "w") as f:
            f.write(self.token + "\n")
        os.chmod(path, 0o600)
        return {"type": "shopify", "url": self.url,
                "api_version": self.min_version,
                "access_token_file": path}

    def add_expected(self, er):
        """Create the order behind @er; @er with the shop's ids filled in."""
        er = copy.deepcopy(er)
        with self.lock:
            n = next(self._ids)
            oid = "gid://shopify/Order/%d" % n
            pay = "gid://shopify/OrderTransaction/%d" % (n * 10 + 1)
            cur = er.get("currency", "PLN")
            lines = {}
            for i, it in enumerate(er["items"]):
                lid = "gid://shopify/LineItem/%d" % (n * 100 + i + 1)
                it["shop_line_id"] = lid
                lines[lid] = {"id": lid, "sku": it.get("sku", ""),
                              "name": it.get("name", ""),
                              "quantity": it["quantity"],
                              "unit_minor": it["unit_price_minor"],
                              "discount": it.get("discount_minor", 0),
                              "refunded": 0}
            shipping = er.get("delivery_basic_minor") or 0
            paid = sum(l["quantity"] * l["unit_minor"]
                       for l in lines.values()) + shipping
            self.orders[oid] = {
                "id": oid, "name": "#%d" % n, "currency": cur,
                "lines": lines, "payment": pay, "gateway": "shopify_payments",
                "paid": paid, "refunded": 0, "shipping": shipping,
                "shipping_refunded": 0, "refunds": [],
                "updated_at": now_iso()}
            er["shop_order_id"] = oid
            er["shop_payment_id"] = pay
        return er

    def add_return(self, shop_order_id, quantities=None, status="OPEN"):
        """A Shopify return of an order's lines ({line gid: quantity}, all
        by default); its gid."""
        with self.lock:
            o = self.orders[shop_order_id]
            n = next(self._ids)
            rid = "gid://shopify/Return/%d" % n
            rlines = {}
            for i, (lid, l) in enumerate(o["lines"].items()):
                q = (quantities or {}).get(lid, l["quantity"])
                if q:
                    rl = "gid://shopify/ReturnLineItem/%d" % (n * 100 + i)
                    rlines[rl] = {"id": rl, "line": lid, "quantity": q,
                                  "processed": 0}
            self.returns_[rid] = {"id": rid, "name": "%s-R1" % o["name"],
                                  "order": shop_order_id, "status": status,
                                  "lines": rlines, "refunds": []}
            o["updated_at"] = now_iso()
        return rid

    def refunds(self):
        with self.lock:
            return copy.deepcopy(self._refunds)

    # -- faults in Shopify's own shapes -------------------------------------
    def throttle_answer(self, req):
        return Answer(200, {
            "errors": [{"message": "Throttled",
                        "extensions": {
                            "code": "THROTTLED",
                            "documentation":
                                "https://shopify.dev/api/usage/rate-limits"}}],
            "extensions": {"cost": {
                "requestedQueryCost": 100, "actualQueryCost": None,
                "throttleStatus": {"maximumAvailable": 2000.0,
                                   "currentlyAvailable": 50,
                                   "restoreRate": 50.0}}}})

    def business_error_answer(self, req):
        return Answer(200, {"data": {"refundCreate": {
            "refund": None, "order": None,
            "userErrors": [{"field": ["transactions", "0", "amount"],
                            "message": "Refund amount exceeds the "
                                       "refundable amount of the order"}]}},
            "extensions": self._cost(10)})

    # -- the API ------------------------------------------------------------
    @staticmethod
    def _cost(n):
        return {"cost": {"requestedQueryCost": n, "actualQueryCost": n,
                         "throttleStatus": {"maximumAvailable": 2000.0,
                                            "currentlyAvailable": 1990.0,
                                            "restoreRate": 100.0}}}

    def route(self, req):
        if self.delay_s:
            time.sleep(self.delay_s)
        m = VERSION_RE.match(req.path)
        if not m or m.group(1) < "2025-01":
            return Answer(404, {"errors": "Not Found"})
        if req.method != "POST":
            return Answer(405, {"errors": "Method Not Allowed"})
        if req.headers.get("X-Shopify-Access-Token") != self.token:
            return Answer(401, {"errors": "[API] Invalid API key or access "
                                          "token (unrecognized login or "
                                          "wrong password)"})
        if not (req.headers.get("Content-Type") or "").startswith(
                "application/json"):
            return Answer(415, {"errors": "Unsupported Media Type"})
        doc = req.json()
        if not isinstance(doc, dict) or not isinstance(doc.get("query"),
                                                       str):
            return Answer(400, {"errors": {"query": "Required parameter "
                                                    "missing or invalid"}})
        q = doc["query"]
        var = doc.get("variables") or {}
        with self.lock:
            if "refundCreate" in q:
                return self._refund_create(q, var, m.group(1))
            if "returnProcess" in q:
                return self._return_process(var)
            if re.search(r"\borders\(", q):
                return self._orders(var)
            if re.search(r"\border\(", q):
                return self._order(var)
        return self._gql_error("Field doesn't exist on type 'QueryRoot'",
                               "undefinedField")

    def _gql_error(self, message, code):
        return Answer(200, {"errors": [{"message": message,
                                        "extensions": {"code": code}}]})

    def _user_errors(self, field, message, mutation="refundCreate"):
        return Answer(200, {"data": {mutation: {
            "refund" if mutation == "refundCreate" else "return": None,
            "userErrors": [{"field": field, "message": message}]}},
            "extensions": self._cost(10)})

    def _refund_create(self, q, var, version):
        km = IDEM_RE.search(q)
        if not km:
            if version >= "2026-04":
                return self._gql_error(
                    "The @idempotent directive is required for this "
                    "mutation", "BAD_REQUEST")
            key = None
        else:
            key = km.group(1)
            if not key or len(key) > 255:
                return self._gql_error("Invalid idempotency key",
                                       "BAD_REQUEST")
        canon = json.dumps(var, sort_keys=True)
        if key is not None and key in self._idem:
            seen, answer = self._idem[key]
            if seen != canon:
                return self._gql_error(
                    "The idempotency key was already used with different "
                    "parameters", "IDEMPOTENCY_KEY_PARAMETER_MISMATCH")
            return Answer(200, answer)
        answer = self._apply_refund(var.get("input"), key)
        if key is not None and "refundCreate" in answer.get("data", {}) \
                and answer["data"]["refundCreate"]["refund"]:
            self._idem[key] = (canon, answer)
        return Answer(200, answer)

    def _err(self, field, message, mutation="refundCreate"):
        return {"data": {mutation: {
            "refund" if mutation == "refundCreate" else "return": None,
            "userErrors": [{"field": field, "message": message}]}},
            "extensions": self._cost(10)}

    def _money_checks(self, o, amount_minor, ship_minor, parent, gateway,
                      mutation):
        if parent != o["payment"]:
            return self._err(["transactions", "0", "parentId"],
                             "Parent transaction could not be found",
                             mutation)
        if gateway is not None and gateway != o["gateway"]:
            return self._err(["transactions", "0", "gateway"],
                             "Gateway does not match the parent "
                             "transaction", mutation)
        if amount_minor is None or amount_minor <= 0:
            return self._err(["transactions", "0", "amount"],
                             "Amount is invalid", mutation)
        if amount_minor > o["paid"] - o["refunded"]:
            return self._err(["transactions", "0", "amount"],
                             "Refund amount exceeds the refundable amount "
                             "of the order", mutation)
        if ship_minor is not None and \
                ship_minor > o["shipping"] - o["shipping_refunded"]:
            return self._err(["shipping", "amount"],
                             "Shipping refund amount exceeds the "
                             "refundable shipping", mutation)
        return None

    def _apply_refund(self, inp, key):
        if not isinstance(inp, dict):
            return {"errors": [{"message": "Variable $input of type "
                                           "RefundInput! was provided "
                                           "invalid value",
                                "extensions": {"code": "INVALID_VARIABLE"}}]}
        o = self.orders.get(inp.get("orderId"))
        if not o:
            return self._err(["orderId"], "Order does not exist")
        cur = inp.get("currency") or o["currency"]
        if cur != o["currency"]:
            return self._err(["currency"], "Currency does not match the "
                                           "order's presentment currency")
        lines = []
        for i, rl in enumerate(inp.get("refundLineItems") or []):
            l = o["lines"].get(rl.get("lineItemId"))
            if not l:
                return self._err(["refundLineItems", str(i), "lineItemId"],
                                 "Line item does not exist")
            qty = rl.get("quantity")
            if not isinstance(qty, int) or qty < 1 or \
                    qty > l["quantity"] - l["refunded"]:
                return self._err(["refundLineItems", str(i), "quantity"],
                                 "Quantity cannot refund more items than "
                                 "were purchased")
            if rl.get("restockType") not in ("RETURN", "NO_RESTOCK",
                                             "CANCEL"):
                return self._err(["refundLineItems", str(i),
                                  "restockType"], "Restock type is invalid")
            lines.append((l, qty))
        ship = None
        if inp.get("shipping") is not None:
            ship = to_minor(inp["shipping"].get("amount"), cur)
            if ship is None:
                return self._err(["shipping", "amount"], "Amount is "
                                                         "invalid")
        txs = inp.get("transactions") or []
        if len(txs) != 1:
            # A refund without a transaction moves no money: the fake shop,
            # like the station, wants exactly one.
            return self._err(["transactions"], "Exactly one transaction "
                                               "is expected")
        tx = txs[0]
        if tx.get("kind") != "REFUND" or tx.get("orderId") != o["id"]:
            return self._err(["transactions", "0", "kind"],
                             "Transaction kind must be REFUND for this "
                             "order")
        amount = to_minor(tx.get("amount"), cur)
        bad = self._money_checks(o, amount, ship, tx.get("parentId"),
                                 tx.get("gateway"), "refundCreate")
        if bad:
            return bad
        line_total = sum(l["unit_minor"] * q for l, q in lines)
        if amount > line_total + (ship or 0):
            return self._err(["transactions", "0", "amount"],
                             "Refund amount exceeds the refundable amount "
                             "of the refunded items and shipping")
        return self._make_refund(o, key, inp.get("note") or "", amount, cur,
                            [(l["id"], q, l["unit_minor"] * q)
                             for l, q in lines], ship or 0, lines,
                            "refundCreate")

    def _make_refund(self, o, key, note, amount, cur, lines, ship, line_objs,
                mutation, ret=None):
        rid = "gid://shopify/Refund/%d" % next(self._ids)
        for l, q in line_objs:
            l["refunded"] += q
        o["refunded"] += amount
        o["shipping_refunded"] += ship
        o["updated_at"] = now_iso()
        refund = {"id": rid, "note": note, "createdAt": now_iso(),
                  "totalRefundedSet": {"presentmentMoney": {
                      "amount": to_text(amount, cur), "currencyCode": cur}}}
        o["refunds"].append(refund)
        if key is None:
            m = re.search(r"\b(rr-[0-9a-f]{32})\b", note)
            key = m.group(1) if m else None
        self._refunds.append({
            "key": key, "order": o["id"], "amount_minor": amount,
            "currency": cur,
            "lines": [{"line": lid, "quantity": q, "amount_minor": a}
                      for lid, q, a in lines],
            "delivery_minor": ship, "ref": rid, "note": note})
        if ret is not None:
            ret["refunds"].append({"id": rid, "note": note})
            return {"data": {mutation: {
                "return": {"id": ret["id"], "status": ret["status"],
                           "refunds": {"nodes": ret["refunds"]}},
                "userErrors": []}}, "extensions": self._cost(10)}
        return {"data": {mutation: {"refund": refund, "userErrors": []}},
                "extensions": self._cost(10)}

    def _return_process(self, var):
        inp = var.get("input") if isinstance(var, dict) else None
        if not isinstance(inp, dict):
            return self._gql_error("Variable $input was provided invalid "
                                   "value", "INVALID_VARIABLE")
        ret = self.returns_.get(inp.get("returnId"))
        if not ret:
            return Answer(200, self._err(["returnId"], "Return does not "
                                         "exist", "returnProcess"))
        o = self.orders[ret["order"]]
        cur = o["currency"]
        lines, objs = [], []
        for i, rl in enumerate(inp.get("returnLineItems") or []):
            r = ret["lines"].get(rl.get("id"))
            q = rl.get("quantity")
            if not r or not isinstance(q, int) or q < 1 or \
                    q > r["quantity"] - r["processed"]:
                return Answer(200, self._err(
                    ["returnLineItems", str(i), "quantity"],
                    "Return line item quantity is greater than the "
                    "unprocessed quantity", "returnProcess"))
            l = o["lines"][r["line"]]
            lines.append((r["line"], q, l["unit_minor"] * q))
            objs.append((r, l, q))
        ship = None
        rs = inp.get("refundShipping")
        if rs is not None:
            ship = to_minor((rs.get("shippingRefundAmount") or {})
                            .get("amount"), cur)
        issue = (inp.get("financialTransfer") or {}).get("issueRefund") \
            or {}
        txs = issue.get("orderTransactions") or []
        if len(txs) != 1:
            return Answer(200, self._err(["financialTransfer"], "Exactly "
                                         "one transaction is expected",
                                         "returnProcess"))
        tm = txs[0].get("transactionAmount") or {}
        amount = to_minor(tm.get("amount"), cur) \
            if tm.get("currencyCode") == cur else None
        bad = self._money_checks(o, amount, ship, txs[0].get("parentId"),
                                 None, "returnProcess")
        if bad:
            return Answer(200, bad)
        for r, l, q in objs:
            r["processed"] += q
        return Answer(200, self._make_refund(
            o, None, inp.get("note") or "", amount, cur, lines, ship or 0,
            [(l, q) for _, l, q in objs], "returnProcess", ret))

    def _order(self, var):
        o = self.orders.get(var.get("id") if isinstance(var, dict) else None)
        if not o:
            return Answer(200, {"data": {"order": None},
                                "extensions": self._cost(5)})
        return Answer(200, {"data": {"order": {
            "id": o["id"],
            "refunds": [{"id": r["id"], "note": r["note"],
                         "createdAt": r["createdAt"]}
                        for r in o["refunds"]]}},
            "extensions": self._cost(5)})

    def _orders(self, var):
        q = var.get("q", "") if isinstance(var, dict) else ""
        m = SINCE_RE.search(q)
        since = m.group(1) if m else ""
        n = var.get("n", 25) if isinstance(var, dict) else 25
        nodes = []
        for o in sorted(self.orders.values(),
                        key=lambda o: (o["updated_at"], o["id"])):
            rets = [r for r in self.returns_.values()
                    if r["order"] == o["id"]]
            if o["updated_at"] < since or not rets:
                continue
            nodes.append(self._order_node(o, rets))
        more = len(nodes) > n
        return Answer(200, {"data": {"orders": {
            "nodes": nodes[:n], "pageInfo": {"hasNextPage": more}}},
            "extensions": self._cost(50)})

    def _order_node(self, o, rets):
        cur = o["currency"]
        return {
            "id": o["id"], "name": o["name"], "updatedAt": o["updated_at"],
            "presentmentCurrencyCode": cur,
            "transactions": [{"id": o["payment"], "kind": "SALE",
                              "status": "SUCCESS", "gateway": o["gateway"]}],
            "returns": {"nodes": [{
                "id": r["id"], "name": r["name"], "status": r["status"],
                "returnLineItems": {"nodes": [{
                    "id": rl["id"], "quantity": rl["quantity"],
                    "fulfillmentLineItem": {"lineItem": {
                        "id": rl["line"],
                        "sku": o["lines"][rl["line"]]["sku"],
                        "name": o["lines"][rl["line"]]["name"],
                        # the list price before discounts, and what
                        # was paid for one (Shopify's is approximate)
                        "originalUnitPriceSet": {"presentmentMoney": {
                            "amount": to_text(
                                o["lines"][rl["line"]]["unit_minor"] +
                                o["lines"][rl["line"]].get("discount", 0),
                                cur),
                            "currencyCode": cur}},
                        "discountedUnitPriceAfterAllDiscountsSet": {
                            "presentmentMoney": {
                                "amount": to_text(
                                    o["lines"][rl["line"]]["unit_minor"],
                                    cur),
                                "currencyCode": cur}}}}}
                    for rl in r["lines"].values()]}} for r in rets]}}


def main():
    import argparse
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port", type=int, default=8089)
    args = p.parse_args()
    shop = Shop(port=args.port, log=print)
    print("fake shopify on %s, token %s" % (shop.url, shop.token))
    threading.Event().wait()


if __name__ == "__main__":
    main()
