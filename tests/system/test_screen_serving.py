# SPDX-License-Identifier: MIT
"""The screen's serving: its files from the binary (type, ETag and 304, a
gzip copy only when asked) and its Server-Sent Events (a change brings a
whole status with a larger id; a screen that stops reading is dropped and
the desk goes on answering)."""
import gzip
import json
import socket
import time

from helpers import UnixHTTPConnection


def get(st, path, headers=None):
    c = UnixHTTPConnection(st.socket, timeout=10)
    c.request("GET", path, headers=headers or {})
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, body


def test_files_have_their_type_an_etag_and_a_gzip_copy(station):
    status, h, body = get(station, "/ui/app.js")
    assert status == 200 and h["content-type"].startswith("text/javascript")
    assert "content-encoding" not in h and b"EventSource" in body
    status, hz, zbody = get(station, "/ui/app.js",
                            {"Accept-Encoding": "gzip, deflate"})
    assert hz["content-encoding"] == "gzip"
    assert gzip.decompress(zbody) == body
    status, h304, empty = get(station, "/ui/app.js",
                              {"If-None-Match": h["etag"]})
    assert status == 304 and empty == b""
    status, h, page = get(station, "/")
    assert status == 200 and b'<html lang="pl">' in page  # the default


def read_event(f):
    """The next event with an id: (id, data)."""
    ev = {}
    while True:
        line = f.readline()
        assert line, "the stream ended"
        line = line.decode().rstrip("\n")
        if not line:
            if "id" in ev:
                return int(ev["id"]), ev.get("data")
            ev = {}
            continue
        k, _, v = line.partition(": ")
        ev[k] = v


def test_a_change_brings_a_whole_status(station):
    c = UnixHTTPConnection(station.socket, timeout=10)
    c.request("GET", "/api/v1/events")
    r = c.getresponse()
    assert r.headers["Content-Type"] == "text/event-stream"
    first, data = read_event(r.fp)
    assert json.loads(data)["seq"] == first
    if json.loads(data)["step"] == "sign_in":
        station.sign_in()
    station.ok("POST", "/api/v1/routine", {"routine": "ship_qc"})
    while True:
        seq, data = read_event(r.fp)
        assert seq > first
        if json.loads(data)["routine"] == "ship_qc":
            break
    c.close()


def test_a_screen_that_stops_reading_is_dropped_not_waited_for(station):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(station.socket)
    s.sendall(b"GET /api/v1/events HTTP/1.1\r\nHost: x\r\n\r\n")
    # never read; the desk changes often meanwhile and keeps answering
    station.sign_in()
    t0 = time.monotonic()
    for i in range(300):
        station.ok("POST", "/api/v1/routine",
                   {"routine": "ship_qc" if i % 2 == 0 else "return"})
    assert time.monotonic() - t0 < 30
    assert station.status()["clerk"] == "Ola"
    s.close()
