# SPDX-License-Identifier: MIT
"""Every fake shop a station can refund through, behind one small interface
(the one of scripts/sim/shops/<type>.py, RULES of issue 8):

    shop = make_shop(kind, tls=None)  # kind: "webhook" or a module's name
    shop.name, shop.url, shop.delay_s
    shop.connector_section(secrets_dir) -> the [connector NAME] keys
    shop.add_expected(er) -> er with the shop's ids, ready to import
    shop.refunds() -> [{"key", "amount_minor", ...}], the refunds it MADE
    shop.close()

KINDS lists "webhook" and every scripts/sim/shops/<type>.py that exists,
so a test parametrized over it picks up each connector as it lands.
"""
import importlib
import os
import threading
from pathlib import Path

import helpers
from sim.shop import FakeShop

SHOPS_DIR = helpers.REPO / "scripts" / "sim" / "shops"


def _kinds():
    kinds = ["webhook"]
    for p in sorted(SHOPS_DIR.glob("*.py")):
        if p.stem not in ("__init__", "base"):
            kinds.append(p.stem)
    return kinds


KINDS = _kinds()


class WebhookShop:
    """scripts/sim/shop.py's FakeShop with the shops' interface."""

    name = "webhook"

    def __init__(self, tls=None, secret=helpers.SECRET):
        self.secret = secret
        self.tls = tls
        self.fake = FakeShop(secret, tls=tls)
        self.url = self.fake.url
        self.before = []      # the servers of before an outage
        self._down = None

    def go_down(self, seconds):
        """Stop listening, and come back on the same port after @seconds
        (0: only come_up() brings it back)."""
        self.before.append(self.fake)
        self.fake.close()
        self._down = threading.Timer(seconds, self.come_up) \
            if seconds else None
        if self._down:
            self._down.daemon = True
            self._down.start()

    def come_up(self):
        if self.fake in self.before:
            delay = self.fake.delay_s
            self.fake = FakeShop(self.secret, port=self.fake.port,
                                 tls=self.tls)
            self.fake.delay_s = delay

    @property
    def delay_s(self):
        return self.fake.delay_s

    @delay_s.setter
    def delay_s(self, value):
        self.fake.delay_s = value

    def connector_section(self, secrets_dir):
        os.makedirs(secrets_dir, exist_ok=True)
        path = os.path.join(secrets_dir, "webhook-refunds.secret")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(self.secret + "\n")
        return {"type": "webhook", "url": self.url, "secret_file": path}

    def add_expected(self, er):
        return dict(er)

    def refunds(self):
        """The refunds the receiver made: each refund.requested answered
        2xx with a good signature, once per webhook-id, as a Standard
        Webhooks receiver drops a repeated id (FakeShop.refunds()).  A
        webhook is at least once by contract; the id is what makes it
        exactly once, and a refund under two ids would show here twice."""
        seen, out = set(), []
        for fake in self.before + [self.fake]:
            for r in fake.refunds():
                if r["id"] in seen:
                    continue
                seen.add(r["id"])
                out.append({"key": r["id"], "order": r["payload"].get("order"),
                            "amount_minor": r["payload"].get("amount_minor"),
                            "currency": r["payload"].get("currency")})
        return out

    def close(self):
        if self._down:
            self._down.cancel()
        if self.fake not in self.before:
            self.fake.close()


def make_shop(kind, tls=None):
    if kind == "webhook":
        return WebhookShop(tls=tls)
    mod = importlib.import_module("sim.shops." + kind)
    return mod.Shop(tls=tls)


def secret_values(section):
    """The secrets a [connector] section hands the station: the first line
    of each *_file."""
    out = []
    for k, v in section.items():
        if k.endswith("_file") and v:
            text = Path(v).read_text().splitlines()
            if text and text[0].strip():
                out.append(text[0].strip())
    return out


def shop_secrets(shop):
    """Secrets the fake shop made itself (tokens it issued): its string
    attributes, and lists of strings, named like a token or a secret."""
    out = []
    for k, v in vars(shop).items():
        if not any(w in k.lower() for w in ("token", "secret", "password")):
            continue
        vals = v if isinstance(v, (list, tuple, set)) else \
            list(v.keys()) + list(v.values()) if isinstance(v, dict) else [v]
        out += [x for x in vals if isinstance(x, str) and len(x) >= 8]
    return out


def routed_station(make_station, shop, grace_s=0, outbox=None, start=True):
    """A station whose refunds go to @shop through [connector shop] and
    whose events stay with [outbox]'s own webhook (st.shop)."""
    st = make_station(start=False, grace_s=grace_s, outbox=outbox)
    st.cfg["outbox"]["refunds"] = "shop"
    (st.dir / "secrets").mkdir(mode=0o700, exist_ok=True)
    st.cfg["connector shop"] = shop.connector_section(
        str(st.dir / "secrets"))
    st.write_config()
    if start:
        st.start()
        st.sign_in()
    return st
