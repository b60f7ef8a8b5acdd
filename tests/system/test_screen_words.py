# SPDX-License-Identifier: MIT
"""Every sentence the desk can send to the screen has its Polish words.

The desk's prompts and problems (desk_prompt(), desk_problem(),
desk_refuse(), said_set() in src/core/desk*.c) and the rules' reasons
(rules_note() in src/core/rules*.c) each name their sentence by a code
that the status carries (prompt_code, problem_code, a reason's
text_code).  The screen says them from web/i18n.js: "say.CODE",
"what.CODE" (what a refusal refused) and "why.CODE".  A code with no
Polish, a Polish sentence using a value the English does not have, or a
Polish sentence for a code nothing sends any more fails here; and a
running desk's status carries the codes."""
import re

from helpers import REPO, expected_return

CORE = REPO / "src" / "core"
STRS = r'((?:"(?:[^"\\]|\\.)*"\s*)+)'


def literal(text):
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', text))


def conversions(fmt):
    """The values a printf format takes (a "*" takes one more, but it
    is a width, not a value the sentence shows)."""
    return len(re.findall(r"%(?!%)[-+ #0]*(?:\*|\d+)?(?:\.(?:\*|\d+))?"
                          r"(?:hh|h|ll|l|z|j|t)?[diuxXocs]", fmt))


def sent_codes():
    """{key: values the English takes} for every sentence the core sends."""
    codes = {}
    for f in sorted(CORE.glob("desk*.c")):
        src = f.read_text()
        for m in re.finditer(r'\b(?:desk_problem|desk_prompt)\(\s*(?:&?r|d)'
                             r'\s*,\s*"(\w+)"\s*,\s*(' + STRS[1:-1] +
                             r'|DESK_CLOCK_WHY)', src):
            codes["say." + m.group(1)] = conversions(literal(m.group(2)))
        for m in re.finditer(r'\bsaid_set\([^,]+,\s*"(\w+)"\)', src):
            codes.setdefault("say." + m.group(1), 0)
        for m in re.finditer(r'\bdesk_refuse\(\s*&?r\s*,\s*"(\w+)"', src):
            codes["what." + m.group(1)] = 0
    for f in sorted(CORE.glob("rules*.c")):
        src = f.read_text()
        for m in re.finditer(r'\brules_note\(\s*&?run\s*,\s*REASON_\w+\s*,'
                             r'[^,]+,\s*"(\w+)"\s*,\s*' + STRS, src):
            codes["why." + m.group(1)] = conversions(literal(m.group(2)))
    return codes


def polish():
    """web/i18n.js's Polish sentences of the desk: {key: template}."""
    text = (REPO / "web" / "i18n.js").read_text()
    pl = text[text.index("\n  pl: {"):]
    return {m.group(1): m.group(2) for m in re.finditer(
        r'"((?:say|what|why)\.\w+)":\s*"((?:[^"\\]|\\.)*)"', pl)}


def test_the_walk_finds_the_sentences():
    """The walk itself sees what the desk says (a walk that found nothing
    would pass everything)."""
    codes = sent_codes()
    for key in ("say.scan_item", "say.scale_empty", "say.not_expected_now",
                "say.waits_for_clock", "what.scan", "why.within_window",
                "why.warranty_passed_defect"):
        assert key in codes, key
    assert codes["say.scan_item"] == 3
    assert len(codes) > 120, len(codes)


def test_every_sentence_has_its_polish():
    codes, pl = sent_codes(), polish()
    missing = sorted(set(codes) - set(pl))
    assert not missing, "no Polish in web/i18n.js for: " + ", ".join(missing)
    for key, n in codes.items():
        used = [int(i) for i in re.findall(r"\{(\d)(?:\|\w+)?\}", pl[key])]
        assert all(i < n for i in used), \
            "%s: the Polish uses value %d, the English has %d" % (
                key, max(used), n)


def test_no_polish_for_what_is_never_said():
    codes, pl = sent_codes(), polish()
    stale = sorted(set(pl) - set(codes))
    assert not stale, "web/i18n.js says what the desk never sends: " + \
        ", ".join(stale)


def test_the_status_carries_the_codes(station):
    st = station
    s = st.status()
    assert s["prompt_code"] == "scan_return_label", s
    assert s["prompt_args"] == [] and s["problem_code"] is None, s
    status, body = st.call("POST", "/api/v1/answer", {"answer": "pass"})
    assert status == 409, body
    s = st.status()
    assert s["problem_code"] == "not_expected_now", s
    assert s["problem_args"] == ["answer", "scan"], s
    assert s["problem"] == "An answer not expected now (step scan)", s
    st.import_expected(expected_return())
    s = st.run_to("RMA-10001", items=["05901234123457"] * 2)
    assert s["prompt_code"] == "proposal_refund", s
    assert s["prompt_args"][0] == "ACCEPT", s
    reasons = s["proposal"]["reasons"]
    assert reasons and all(r["text_code"] for r in reasons), reasons
    within = [r for r in reasons if r["code"] == "within_window"]
    assert within and within[0]["text_code"].startswith("within_window"), \
        reasons
    assert len(within[0]["text_args"]) == 3, within
