#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Authorise the station at Allegro with the OAuth device flow and write
the refresh token the allegro connector reads (refresh_token_file), 0600.

    scripts/allegro-device-flow.py --client-id ID \\
        --client-secret-file /etc/retour/allegro-client-secret \\
        --out /etc/retour/allegro-refresh-token [--sandbox | --auth-url URL]

It asks Allegro for a device code (POST {auth_url}/auth/oauth/device,
basic auth client_id:client_secret), prints the address and code a person
with the seller's account opens and confirms, then polls {auth_url}/auth/
oauth/token with grant_type=urn:ietf:params:oauth:grant-type:device_code
at the interval Allegro gives (slower on slow_down) until it is confirmed,
refused or expired.  Only the refresh token is written; no token is
printed.  Python's standard library only; no retourctl, no station.
Restart retourd afterwards: it reads the file when it starts.
"""
import argparse
import base64
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

ALLEGRO = "https://allegro.pl"
SANDBOX = "https://allegro.pl.allegrosandbox.pl"
GRANT = "urn:ietf:params:oauth:grant-type:device_code"


def post(url, auth, fields, cafile=None):
    """POST a form; (status, JSON answer or {})."""
    data = urllib.parse.urlencode(fields).encode()
    req = urllib.request.Request(url, data=data, method="POST", headers={
        "Authorization": "Basic " + auth,
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/json"})
    ctx = None
    if cafile:
        import ssl
        ctx = ssl.create_default_context(cafile=cafile)
    try:
        with urllib.request.urlopen(req, timeout=30, context=ctx) as r:
            status, body = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, body = e.code, e.read()
    try:
        answer = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        answer = {}
    return status, answer if isinstance(answer, dict) else {}


def write_secret(path, value):
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(value + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--client-id", required=True)
    ap.add_argument("--client-secret-file", required=True)
    ap.add_argument("--out", required=True,
                    help="the refresh_token_file to write (0600)")
    ap.add_argument("--sandbox", action="store_true",
                    help="Allegro's sandbox (%s)" % SANDBOX)
    ap.add_argument("--auth-url", help="another OAuth host (a fake shop)")
    ap.add_argument("--ca-file", help="a CA to trust for --auth-url")
    ap.add_argument("--timeout", type=int, default=900,
                    help="give up after this many seconds (900)")
    a = ap.parse_args(argv)

    base = (a.auth_url or (SANDBOX if a.sandbox else ALLEGRO)).rstrip("/")
    with open(a.client_secret_file) as f:
        secret = f.readline().strip()
    auth = base64.b64encode(("%s:%s" % (a.client_id, secret)).encode()) \
        .decode()
    status, dev = post(base + "/auth/oauth/device", auth,
                       {"client_id": a.client_id}, a.ca_file)
    if status != 200 or "device_code" not in dev:
        print("allegro: no device code (HTTP %d): %s" %
              (status, dev.get("error_description") or dev.get("error") or
               "no answer"), file=sys.stderr)
        return 1
    print("Open %s and confirm the code %s with the seller's account." % (
        dev.get("verification_uri_complete") or dev.get("verification_uri"),
        dev.get("user_code")))
    interval = max(int(dev.get("interval") or 5), 1)
    deadline = time.monotonic() + min(int(dev.get("expires_in") or 900),
                                      a.timeout)
    while time.monotonic() < deadline:
        time.sleep(interval)
        status, tok = post(base + "/auth/oauth/token", auth,
                           {"grant_type": GRANT,
                            "device_code": dev["device_code"]}, a.ca_file)
        if status == 200 and tok.get("refresh_token"):
            write_secret(a.out, tok["refresh_token"])
            print("allegro: authorised; refresh token written to %s "
                  "(restart retourd to use it)" % a.out)
            return 0
        err = tok.get("error")
        if err == "authorization_pending":
            continue
        if err == "slow_down":
            interval += 5
            continue
        print("allegro: not authorised (HTTP %d): %s" %
              (status, tok.get("error_description") or err or "no answer"),
              file=sys.stderr)
        return 1
    print("allegro: the code expired before it was confirmed",
          file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
