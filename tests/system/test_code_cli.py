# SPDX-License-Identifier: MIT
"""`retourctl code` classifies as the desk does: with the station's
configuration (badges from [clerks], the RMA and order patterns), it says
which configuration it used, and it shows every reading of a code that
reads two ways (a GTIN-14 whose check digit fails is also a DPD number)."""
import json
import subprocess

from helpers import Station, binary, REPO


def code(*args, cwd=REPO):
    p = subprocess.run([binary("retourctl"), "code", *args], cwd=str(cwd),
                       capture_output=True, text=True, timeout=20)
    return p


def code_json(*args, cwd=REPO):
    p = code(*args, "--json", cwd=cwd)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def test_checkout_config_gives_badges_and_orders():
    # in a checkout retourctl reads conf/sim.conf, as `make run`'s desk
    j = code_json("CLERK-0001")
    assert j["kind"] == "badge" and j["valid"], j
    assert j["config"]["file"] == "conf/sim.conf"
    j = code_json("ORD-2001")
    assert j["kind"] == "order" and j["valid"], j
    human = code("ORD-2001")
    assert human.returncode == 0
    assert "conf/sim.conf (rma RMA-*, order ORD-*, 3 badges)" in human.stdout


def test_given_config_patterns_are_used(tmp_path):
    st = Station()
    try:
        st.cfg["shop"].update({"rma_pattern": "RET-####",
                               "order_pattern": "#######"})
        st.cfg["clerks"] = {"B-77": "Ola"}
        st.write_config()
        for args in (["-c", st.conf_path], ["--config", st.conf_path]):
            j = code_json(*args, "RET-1234", cwd=tmp_path)
            assert j["kind"] == "rma", j
            assert j["config"] == {"file": st.conf_path,
                                   "rma_pattern": "RET-####",
                                   "order_pattern": "#######",
                                   "badges": 1}
        assert code_json("-c", st.conf_path, "B-77")["kind"] == "badge"
        assert code_json("-c", st.conf_path, "CLERK-0001")["kind"] != "badge"
        assert code_json("-c", st.conf_path, "1234567")["kind"] == "order"
        assert code_json("-c", st.conf_path, "RMA-10001")["kind"] == "unknown"
        # the command line still wins over the file
        assert code_json("-c", st.conf_path, "--rma-pattern", "RMA-*",
                         "RMA-10001")["kind"] == "rma"
    finally:
        st.close()
        st.cleanup()


def test_bad_config_is_a_failure_naming_the_line(tmp_path):
    bad = tmp_path / "bad.conf"
    bad.write_text("[shop]\nno_such_key = 1\n")
    p = code("-c", str(bad), "RMA-1")
    assert p.returncode == 1
    assert str(bad) + ":2" in p.stderr, p.stderr


def test_without_config_says_so(tmp_path):
    j = code_json("RMA-10001", cwd=tmp_path)
    assert j["config"]["file"] is None
    assert j["kind"] == "rma"
    assert "built-in" in code("RMA-10001", cwd=tmp_path).stdout


def test_gtin14_with_wrong_check_digit_shows_both_readings():
    j = code_json("05901234123458")
    assert j["kind"] == "gtin" and j["valid"] is False, j
    kinds = [(r["kind"], r["valid"], r["check_digit"]) for r in j["readings"]]
    assert kinds == [("gtin", False, "bad"), ("dpd", True, "none")], j
    human = code("05901234123458").stdout
    assert "GTIN product code with a wrong check digit (misread?)" in human
    assert "DPD parcel number (no check digit to verify)" in human


def test_upc_a_with_wrong_check_digit_is_invalid_not_gls():
    j = code_json("036000291453")
    assert j["valid"] is False, j
    assert j["kind"] == "gtin"
    assert [r["kind"] for r in j["readings"]] == ["gtin"]
    # a real GLS number (its own check digit holds) is still one
    j = code_json("036000291451")
    assert j["kind"] == "gls" and j["valid"] and j["check_digit"] == "ok", j
