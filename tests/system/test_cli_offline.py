# SPDX-License-Identifier: MIT
"""retourctl without retourd: `code`, `rules check`, usage errors, and the
API commands against a small fake API on a Unix socket (so their output
and error handling are checked without starting the daemon).

Run: /usr/bin/python3 -m pytest tests/system/test_cli_offline.py
The binary is $RETOUR_BUILD/retourctl (default build/retourctl).
"""
import glob
import http.server
import json
import os
import socketserver
import subprocess
import threading

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("RETOUR_BUILD", "build")
RETOURCTL = os.path.join(BUILD if os.path.isabs(BUILD) else os.path.join(ROOT, BUILD),
                         "retourctl")
RULES_DIR = os.path.join(ROOT, "tests", "data", "rules")


def run(*args, stdin=None, env=None):
    full_env = dict(os.environ)
    full_env.pop("RETOUR_SOCKET", None)
    if env:
        full_env.update(env)
    return subprocess.run([RETOURCTL, *args], input=stdin, capture_output=True,
                          text=True, timeout=30, env=full_env)


@pytest.fixture(scope="module", autouse=True)
def binary():
    if not os.access(RETOURCTL, os.X_OK):
        pytest.skip(f"{RETOURCTL} not built")


# ---- code ----

def code_json(*args):
    r = run("code", *args, "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


@pytest.mark.parametrize("raw,kind,value", [
    ("5901234123457", "gtin", "05901234123457"),
    ("RR123456785PL", "upu_s10", "RR123456785PL"),
    ("1Z999AA10123456784", "ups", "1Z999AA10123456784"),
    ("RMA-10001", "rma", "RMA-10001"),
])
def test_code_valid_kinds(raw, kind, value):
    j = code_json(raw)
    assert j["kind"] == kind
    assert j["value"] == value
    assert j["valid"] is True
    assert j["problem"] == ""


def test_code_bad_check_digit_is_reported_not_guessed():
    j = code_json("5901234123458")
    assert j["kind"] == "gtin"
    assert j["valid"] is False
    assert j["check_digit"] == "bad"
    assert j["problem"]
    human = run("code", "5901234123458")
    assert human.returncode == 0          # a report, not a failure
    assert "check digit: bad" in human.stdout
    assert "valid:       no" in human.stdout


def test_code_bad_s10_check_digit():
    j = code_json("RR123456784PL")
    assert j["valid"] is False
    assert j["check_digit"] == "bad"


def test_code_gs1_element_strings():
    j = code_json("]C1(01)05901234123457(10)ABC123(17)261231(21)SN42")
    assert j["kind"] == "gs1"
    assert j["symbology"] == "]C1"
    assert j["gs1"] == {"gtin": "05901234123457", "batch": "ABC123",
                        "expiry": "261231", "serial": "SN42"}
    human = run("code", "]C1(01)05901234123457(10)ABC123(17)261231(21)SN42")
    assert "(01) GTIN    05901234123457" in human.stdout
    assert "(10) batch   ABC123" in human.stdout


def test_code_gs_written_as_escape():
    # FNC1 between a variable-length batch and the next AI.
    j = code_json("]C10105901234123457" "10ABC<GS>21SN42")
    assert j["gs1"].get("batch") == "ABC"
    assert j["gs1"].get("serial") == "SN42"


def test_code_patterns_are_configurable():
    assert code_json("RMA-10001", "--rma-pattern", "")["kind"] != "rma"
    assert code_json("RET-555", "--rma-pattern", "RET-###")["kind"] == "rma"
    assert code_json("ORD-77A", "--order-pattern", "ORD-*")["kind"] == "order"


def test_code_garbage_is_a_report():
    j = code_json("???")
    assert j["kind"] == "unknown"
    assert j["valid"] is False
    assert j["problem"]


# ---- rules check ----

def rule_cases():
    return sorted(p for p in glob.glob(os.path.join(RULES_DIR, "*.json"))
                  if not p.endswith(".expected.json"))


def expected_answer_path(case):
    return case[:-len(".json")] + ".expected.json"


def test_rules_cases_exist():
    # An empty folder would make every case test vanish without a failure.
    assert rule_cases(), f"no rules cases (*.json) in {RULES_DIR}"


def test_rules_answers_have_their_case():
    # An answer whose case was renamed or removed checks nothing.
    cases = set(rule_cases())
    for answer in glob.glob(os.path.join(RULES_DIR, "*.expected.json")):
        case = answer[:-len(".expected.json")] + ".json"
        assert case in cases, f"{answer} has no case file {case}"


@pytest.mark.parametrize("case", rule_cases(),
                         ids=lambda p: os.path.basename(p))
def test_rules_cases_match_expected(case):
    answer_path = expected_answer_path(case)
    assert os.path.exists(answer_path), (
        f"{case} has no expected answer: write {answer_path} with the "
        f"verdict and refund the rules must give")
    with open(answer_path) as f:
        want = json.load(f)
    assert "verdict" in want, f"{answer_path}: no \"verdict\""
    want_refund = want.get("refund_minor", want.get("refund"))
    assert want_refund is not None, f"{answer_path}: no \"refund\""
    r = run("--json", "rules", "check", case)
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert got["verdict"] == want["verdict"]
    assert got["refund_minor"] == want_refund
    # Every reason carries its code name, item and text.
    for reason in got["reasons"]:
        assert set(reason) == {"code", "item", "text"}
        assert reason["code"] != "unknown"
    # And the human output says the same.
    human = run("rules", "check", case)
    assert human.returncode == 0, human.stderr
    assert f"verdict:          {want['verdict']}" in human.stdout


BASIC_CASE = {
    "expected": {"rma": "RMA-10001", "order": "1001", "kind": "withdrawal",
                 "currency": "PLN", "delivered_at": "2026-11-10T12:00:00Z",
                 "requested_at": None, "delivery_basic": 1299,
                 "order_lines": [{"sku": "TSHIRT-M", "quantity": 2}],
                 "items": [{"sku": "TSHIRT-M", "gtin": "05901234123457",
                            "name": "T-shirt M", "category": "apparel",
                            "quantity": 2, "unit_price": 4999, "weight_g": 200,
                            "personalised": False, "made_to_order": False,
                            "perishable": False, "sealed_hygiene": False}]},
    "found": {"weighed": True, "weight_g": 420, "photographed": True,
              "wrong_item": False,
              "items": [{"quantity": 2, "gtin_matched": True,
                         "seal_broken": False, "buyer_damage": False,
                         "defect": False, "handled_beyond_trial": False,
                         "grade": "A"}]},
    "policy": {"withdrawal_days": 14},
    "now": "2026-11-20T10:00:00Z",
}


def write_case(tmp_path, case, name="case.json"):
    p = tmp_path / name
    p.write_text(json.dumps(case) if not isinstance(case, str) else case)
    return str(p)


def test_rules_check_human_output(tmp_path):
    r = run("rules", "check", write_case(tmp_path, BASIC_CASE))
    assert r.returncode == 0, r.stderr
    assert "refund:           112.97 PLN" in r.stdout
    assert "delivery refund:  12.99 PLN" in r.stdout
    assert "window ends:      2026-11-24T22:59:59.999999Z" in r.stdout
    assert "within_window" in r.stdout
    assert "TSHIRT-M" in r.stdout and "restock" in r.stdout


def test_rules_check_json_and_stdin(tmp_path):
    r = run("rules", "check", "-", "--json", stdin=json.dumps(BASIC_CASE))
    assert r.returncode == 0, r.stderr
    j = json.loads(r.stdout)
    assert j["verdict"] == "accept"
    assert j["refund_minor"] == 11297
    assert j["delivery_refund_minor"] == 1299
    assert j["currency"] == "PLN"
    assert j["window_ends_at"] == "2026-11-24T22:59:59.999999Z"
    assert j["items"][0]["quantity_accepted"] == 2
    assert j["items"][0]["disposition"] == "restock"


def test_rules_check_late_parcel_without_statement_is_held(tmp_path):
    # Rewritten for issue 6: this test used to pin REJECT.  The law counts
    # the day the consumer's statement was sent, not the day the parcel
    # arrived; with no statement date a late parcel is held for a person to
    # check the posting date, never refused.
    case = json.loads(json.dumps(BASIC_CASE))
    case["now"] = "2026-12-20"
    r = run("--json", "rules", "check", write_case(tmp_path, case))
    assert r.returncode == 0, r.stderr
    j = json.loads(r.stdout)
    assert j["verdict"] == "hold"
    codes = [x["code"] for x in j["reasons"]]
    assert "check_posting_date" in codes
    assert "window_passed" not in codes
    text = [x["text"] for x in j["reasons"]
            if x["code"] == "check_posting_date"][0]
    assert "check the posting date" in text
    human = run("rules", "check", write_case(tmp_path, case))
    assert "verdict:          hold" in human.stdout
    assert "reject" not in human.stdout
    # With the statement's date known and in time, it decides.
    case["expected"]["requested_at"] = "2026-11-24T20:00:00Z"
    j = json.loads(run("--json", "rules", "check",
                       write_case(tmp_path, case)).stdout)
    assert j["verdict"] == "accept"
    assert j["refund_minor"] == 11297


def test_rules_check_late_statement_is_rejected(tmp_path):
    # A statement sent after the window is what the law refuses.
    case = json.loads(json.dumps(BASIC_CASE))
    case["expected"]["requested_at"] = "2026-11-25T08:00:00Z"
    case["now"] = "2026-11-27"
    r = run("--json", "rules", "check", write_case(tmp_path, case))
    assert r.returncode == 0, r.stderr
    j = json.loads(r.stdout)
    assert j["verdict"] == "reject"
    assert j["refund_minor"] == 0
    assert "window_passed" in [x["code"] for x in j["reasons"]]


def test_rules_check_only_the_returned_item_listed_refunds_no_delivery(
        tmp_path):
    # Issue 6: a shop that lists only the returned item, and not the order,
    # used to get its delivery refunded too.
    case = json.loads(json.dumps(BASIC_CASE))
    del case["expected"]["order_lines"]
    j = json.loads(run("--json", "rules", "check",
                       write_case(tmp_path, case)).stdout)
    assert j["verdict"] == "accept"
    assert j["delivery_refund_minor"] == 0
    assert j["refund_minor"] == 9998
    assert "delivery_not_refunded" in [x["code"] for x in j["reasons"]]
    human = run("rules", "check", write_case(tmp_path, case)).stdout
    assert "order lines:      0 (not given)" in human


def test_rules_check_shows_the_law_fields(tmp_path):
    case = json.loads(json.dumps(BASIC_CASE))
    case["expected"].update(kind="complaint", delivery_paid_minor=2499,
                            complaint_received_at="2026-11-01T09:00:00Z",
                            defect_appeared_at="2026-11-12")
    case["found"]["items"][0].update(defect=True, grade="C")
    r = run("rules", "check", write_case(tmp_path, case))
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "complaint recvd:  2026-11-01T09:00:00Z" in out
    assert "the complaint date the shop imported" in out
    assert "counts as accepted" in out
    assert "remedy:           refund" in out
    assert "delivery paid:    24.99 PLN" in out
    assert "delivery basic:   12.99 PLN" in out
    j = json.loads(run("--json", "rules", "check",
                       write_case(tmp_path, case)).stdout)
    assert j["complaint_deemed_accepted"] is True
    assert j["complaint_received_from"] == "import"
    assert j["remedy"] == "refund"
    assert j["answer_due_at"] == "2026-11-15T22:59:59.999999Z"


def test_rules_check_before_refunds_only_what_is_left(tmp_path):
    case = json.loads(json.dumps(BASIC_CASE))
    case["before"] = {"item_refunded": [1], "order_returned": [1]}
    case["found"]["items"][0]["quantity"] = 1
    case["found"]["weight_g"] = 210
    j = json.loads(run("--json", "rules", "check",
                       write_case(tmp_path, case)).stdout)
    assert j["verdict"] == "accept"
    assert j["items"][0]["quantity_accepted"] == 1
    assert j["refund_minor"] == 4999 + 1299


@pytest.mark.parametrize("edit,message", [
    (lambda c: c["expected"]["items"][0].update(quantity="2"),
     "expected.items[0].quantity: expected an integer"),
    (lambda c: c["expected"]["items"][0].update(unit_price=49.99),
     "expected.items[0].unit_price: expected an integer"),
    (lambda c: c["expected"].update(colour="red"),
     "expected.colour: unknown field"),
    (lambda c: c["found"]["items"][0].update(grade="Z"),
     "found.items[0].grade"),
    (lambda c: c["policy"].update(withdrawal_days="14"),
     "policy.withdrawal_days: expected an integer"),
    (lambda c: c.pop("now"), "now: missing"),
    (lambda c: c["expected"].update(delivered_at="10.11.2026"),
     "expected.delivered_at"),
    (lambda c: c["expected"].update(complaint_received_at="2026-11-31"),
     "expected.complaint_received_at"),
    (lambda c: c["expected"].update(defect_appeared_at=20261112),
     "expected.defect_appeared_at: expected an RFC 3339"),
    (lambda c: c["expected"].update(delivery_paid_minor=12.5),
     "expected.delivery_paid_minor: expected an integer"),
    (lambda c: c["expected"]["order_lines"][0].update(quantity=-1),
     "expected.order_lines[0].quantity"),
    (lambda c: c["expected"]["order_lines"][0].update(sku="OTHER"),
     "expected.items[0]: not among order_lines"),
    (lambda c: c.update(before={"item_refunded": [-1]}),
     "before.item_refunded[0]"),
    (lambda c: c.update(before={"colour": 1}), "before.colour: unknown"),
])
def test_rules_check_bad_case_names_the_field(tmp_path, edit, message):
    case = json.loads(json.dumps(BASIC_CASE))
    edit(case)
    r = run("rules", "check", write_case(tmp_path, case))
    assert r.returncode == 1
    assert r.stdout == ""
    assert r.stderr.startswith("retourctl: rules check: ")
    assert message in r.stderr


def test_rules_check_bad_json_has_line_and_column(tmp_path):
    path = write_case(tmp_path, '{\n  "expected": {,\n}\n')
    r = run("rules", "check", path)
    assert r.returncode == 1
    assert f"{path}:2:" in r.stderr


def test_rules_check_missing_file():
    r = run("rules", "check", "/nonexistent/case.json")
    assert r.returncode == 1
    assert "/nonexistent/case.json" in r.stderr


# ---- usage ----

@pytest.mark.parametrize("args", [
    [], ["bogus"], ["code"], ["code", "a", "b"], ["rules"], ["rules", "check"],
    ["rules", "verify", "x.json"], ["--frobnicate", "status"],
    ["returns", "list", "--limit", "0"], ["returns", "list", "--limit", "x"],
    ["returns", "show", "abc"], ["returns", "show"], ["outbox", "retry", "-1"],
    ["outbox", "list", "--state", "lost"], ["status", "--limit", "5"],
    ["scan"], ["status", "extra"], ["db"], ["audit", "check"],
    ["expected", "import"], ["--socket"],
])
def test_usage_errors_exit_2(args):
    r = run(*args)
    assert r.returncode == 2, (args, r.stdout, r.stderr)
    assert r.stderr.startswith("retourctl: ")
    assert "usage: retourctl" in r.stderr


def test_help_lists_every_command():
    r = run("help")
    assert r.returncode == 0
    for cmd in ("status", "scan CODE", "returns list", "returns show",
                "expected import", "outbox list", "outbox retry", "db check",
                "audit verify", "code CODE", "rules check"):
        assert cmd in r.stdout


def test_a_usage_error_says_its_command_not_the_whole_help():
    """The message first, then the usage line and that command's lines
    only: a newcomer's mistake is not buried under every command."""
    r = run("returns", "show")
    assert r.returncode == 2
    lines = r.stderr.splitlines()
    assert lines[0].startswith("retourctl: "), r.stderr
    assert lines[1].startswith("usage: retourctl"), r.stderr
    assert "returns show ID" in r.stderr and "outbox" not in r.stderr
    assert len(lines) < 20, r.stderr
    r = run("desk", "signin")
    assert r.returncode == 2
    assert "desk signin BADGE" in r.stderr and "desk weigh" not in r.stderr


def test_one_commands_help_and_the_version():
    r = run("evidence", "--help")
    assert r.returncode == 0
    assert "evidence verify FILE.zip" in r.stdout
    assert "backup" not in r.stdout and "--json" in r.stdout
    r = run("desk", "--help")
    assert r.returncode == 0 and "desk signin BADGE" in r.stdout
    version = open(os.path.join(ROOT, "packaging/deb/changelog")).read().split(
        "(")[1].split("-")[0]
    for args in (["--version"], ["version"]):
        r = run(*args)
        assert r.returncode == 0 and r.stdout == "retourctl %s\n" % version
    r = subprocess.run([os.path.join(os.path.dirname(RETOURCTL), "retourd"),
                        "--version"], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 0 and r.stdout == "retourd %s\n" % version


# ---- API commands against a fake retourd ----

class FakeRetourd(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    # (method, path) -> (status, body); requests are recorded
    routes = {}
    seen = []


class FakeHandler(http.server.BaseHTTPRequestHandler):
    def address_string(self):
        return "unix"

    def log_message(self, *args):
        pass

    def answer(self, method):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.seen.append((method, self.path, body))
        status, reply = self.server.routes.get(
            (method, self.path), (404, {"error": f"no such endpoint: {self.path}"}))
        data = json.dumps(reply).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.answer("GET")

    def do_POST(self):
        self.answer("POST")


STATUS = {"desk": "desk-1", "routine": "return", "step": "weigh", "clerk": "Ola",
          "receipt": 12, "code": "RMA-10001",
          "prompt": "Put the parcel on the scale", "problem": "",
          "light": "amber", "buzzer": False,
          "devices": {"scanner": {"ok": True, "feed": "run/scanner"},
                      "scale": {"ok": True},
                      "printer": {"ok": False, "last_error": "out of paper"},
                      "camera": {"ok": True}},
          "outbox": {"pending": 1, "dead": 0}}


@pytest.fixture
def fake(tmp_path):
    path = str(tmp_path / "retourd.sock")
    server = FakeRetourd(path, FakeHandler)
    server.routes = {}
    server.seen = []
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield server, path
    server.shutdown()
    server.server_close()


def test_not_running_says_so(tmp_path):
    sock = str(tmp_path / "none.sock")
    r = run("--socket", sock, "status")
    assert r.returncode == 1
    assert r.stderr.startswith(f"retourctl: cannot reach retourd at {sock}: ")
    assert "is it running?" in r.stderr


def test_socket_from_environment(fake):
    server, path = fake
    server.routes[("GET", "/api/v1/status")] = (200, STATUS)
    r = run("status", env={"RETOUR_SOCKET": path})
    assert r.returncode == 0, r.stderr
    assert "weigh" in r.stdout


def test_status_human_and_json(fake):
    server, path = fake
    server.routes[("GET", "/api/v1/status")] = (200, STATUS)
    r = run("--socket", path, "status")
    assert r.returncode == 0, r.stderr
    assert "step:      weigh" in r.stdout
    assert "Put the parcel on the scale" in r.stdout
    assert "printer    FAULT: out of paper" in r.stdout
    assert "1 pending, 0 dead" in r.stdout
    r = run("--socket", path, "status", "--json")
    assert json.loads(r.stdout)["step"] == "weigh"


def test_scan_posts_the_code(fake):
    server, path = fake
    server.routes[("POST", "/api/v1/scan")] = (200, STATUS)
    r = run("--socket", path, "scan", "RMA-10001")
    assert r.returncode == 0, r.stderr
    assert json.loads(server.seen[-1][2]) == {"code": "RMA-10001"}
    assert "step:      weigh" in r.stdout


def test_server_error_text_is_shown(fake):
    server, path = fake
    server.routes[("POST", "/api/v1/scan")] = (
        409, {"error": "sign in first"})
    r = run("--socket", path, "scan", "RMA-10001")
    assert r.returncode == 1
    assert "sign in first" in r.stderr
    assert "HTTP 409" in r.stderr
    r = run("--socket", path, "returns", "show", "99")
    assert r.returncode == 1
    assert "no such endpoint" in r.stderr


def test_returns_list_and_show(fake):
    server, path = fake
    row = {"id": 12, "routine": "return", "code": "RMA-10001",
           "state": "decided", "received_at": "2026-11-20T10:00:00Z",
           "verdict": "accept", "refund_minor": 11297, "currency": "PLN",
           "rma": "RMA-10001", "photos": [{"sha256": "ab", "step": "photo"}],
           "proposal": {"verdict": "accept", "refund_minor": 11297,
                        "currency": "PLN",
                        "reasons": [{"code": "within_window", "item": -1,
                                     "text": "In time."}]}}
    server.routes[("GET", "/api/v1/returns?limit=5")] = (200, [row])
    server.routes[("GET", "/api/v1/returns/12")] = (200, row)
    r = run("--socket", path, "returns", "list", "--limit", "5")
    assert r.returncode == 0, r.stderr
    assert "RMA-10001" in r.stdout and "112.97 PLN" in r.stdout
    r = run("--socket", path, "returns", "show", "12")
    assert r.returncode == 0, r.stderr
    assert "within_window" in r.stdout
    assert "photos (1):" in r.stdout


def test_expected_import(fake, tmp_path):
    server, path = fake
    server.routes[("POST", "/api/v1/expected")] = (200, {"imported": 2})
    body = {"returns": [BASIC_CASE["expected"], BASIC_CASE["expected"]]}
    f = write_case(tmp_path, body, "expected.json")
    r = run("--socket", path, "expected", "import", f)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "imported 2 expected returns"
    assert json.loads(server.seen[-1][2]) == body
    r = run("--socket", path, "expected", "import", "-",
            stdin=json.dumps(BASIC_CASE["expected"]))
    assert r.returncode == 0, r.stderr


def test_expected_import_bad_json_sends_nothing(fake, tmp_path):
    server, path = fake
    f = write_case(tmp_path, '[\n {"rma": "R",\n  oops}\n]', "bad.json")
    r = run("--socket", path, "expected", "import", f)
    assert r.returncode == 1
    assert f"{f}:3:" in r.stderr
    assert "nothing sent" in r.stderr
    case = json.loads(json.dumps(BASIC_CASE["expected"]))
    case["items"][0]["quantity"] = -2
    f = write_case(tmp_path, [case], "bad2.json")
    r = run("--socket", path, "expected", "import", f)
    assert r.returncode == 1
    assert "[0].items[0].quantity" in r.stderr
    assert server.seen == []


def test_outbox_list_and_retry(fake):
    server, path = fake
    server.routes[("GET", "/api/v1/outbox?state=dead")] = (200, [
        {"id": 3, "receipt_id": 12, "action": "refund.requested",
         "state": "dead", "attempts": 9, "next_attempt_at": None,
         "last_error": "HTTP 500"}])
    server.routes[("POST", "/api/v1/outbox/3/retry")] = (200, {"ok": True, "id": 3})
    r = run("--socket", path, "outbox", "list", "--state", "dead")
    assert r.returncode == 0, r.stderr
    assert "refund.requested" in r.stdout and "HTTP 500" in r.stdout
    r = run("--socket", path, "outbox", "retry", "3")
    assert r.returncode == 0, r.stderr
    assert server.seen[-1][:2] == ("POST", "/api/v1/outbox/3/retry")


def test_db_check_and_audit_verify_exit_codes(fake):
    server, path = fake
    server.routes[("GET", "/api/v1/db/check")] = (200, {"ok": True, "detail": "ok"})
    server.routes[("GET", "/api/v1/audit/verify")] = (
        200, {"ok": False, "entries": 40, "bad_entry": 17})
    r = run("--socket", path, "db", "check")
    assert r.returncode == 0 and "ok" in r.stdout
    r = run("--socket", path, "audit", "verify")
    assert r.returncode == 1
    assert "entry 17" in r.stderr
    r = run("--socket", path, "--json", "audit", "verify")
    assert r.returncode == 1
    assert json.loads(r.stdout)["bad_entry"] == 17
    server.routes[("GET", "/api/v1/db/check")] = (
        200, {"ok": False, "detail": "row 3 missing from index"})
    r = run("--socket", path, "db", "check")
    assert r.returncode == 1
    assert "row 3 missing from index" in r.stderr
