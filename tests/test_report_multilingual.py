"""Legitimate multilingual text reads as written on the report; controls that could reorder or
hide text stay escaped (headless Chromium, like tests/test_report_bidi.py).

QA16 F9: the case detail's word diff cut a Persian word at its zero-width non-joiner, so the
joiner, alone at the edge of a diff run, lost the letters that made it legitimate and was
drawn as a red ``\\u200C`` that also broke the word's shaping; the same for the joiner of a
Devanagari conjunct and of an emoji sequence.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from evalkit.compare import compare
from evalkit.report import write_report
from tests.helpers.browser import open_page
from tests.helpers.report_runs import spec_run

ZWNJ, ZWJ, RLO, PDF = "\u200c", "\u200d", "\u202e", "\u202c"

PAIRS: dict[str, tuple[str, str]] = {
    # QA16 F9: the two outputs differ around a joiner that belongs where it is
    "fa-plural": (f"کتاب{ZWNJ}ها را پس بدهید.", f"کتاب{ZWNJ}های خود را پس بدهید."),
    "fa-verb": (f"می{ZWNJ}توانید بازگردانید.", f"می{ZWNJ}خواهید بازگردانید."),
    "emoji-family": (
        f"Family plan: \U0001f468{ZWJ}\U0001f469{ZWJ}\U0001f467",
        f"Family plan: \U0001f468{ZWJ}\U0001f469{ZWJ}\U0001f466",
    ),
    "emoji-tone": (
        f"Support: \U0001f469\U0001f3fd{ZWJ}\U0001f4bb",
        f"Support: \U0001f468\U0001f3fd{ZWJ}\U0001f4bb",
    ),
    "hi-conjunct": (f"श्{ZWJ}र", f"क्{ZWJ}ष"),
    "si-shri": (f"ශ්{ZWJ}රී ලංකා", f"ශ්{ZWJ}රී ලංකාව"),
    # a joiner with no business there, and overrides, stay escaped in a diff
    "latin-joiner": (f"login as ad{ZWJ}min now", f"login as ad{ZWJ}min later"),
    "override": (f"pay {RLO}0001 DSU{PDF} today", f"pay {RLO}0002 DSU{PDF} today"),
    "fa-override": (f"کتاب{RLO}ها را", f"کتاب{RLO}های ما را"),
}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("multilingual")
    runs = [
        spec_run(
            tmp,
            name,
            [
                {"id": cid, "output": pair[side], "scores": {"acc": side == 0}}
                for cid, pair in PAIRS.items()
            ],
        )
        for side, name in enumerate(("base", "cand"))
    ]
    return write_report(compare(*runs, n_boot=20), tmp / "report.html")


# Each output panel of the case's detail: its text, its marked escapes, its changed runs.
_OUTPUTS = """(detail) => Array.from(detail.querySelectorAll("div.output")).map((o) => ({
  text: o.textContent,
  marks: Array.from(o.querySelectorAll("span.bidi")).map((s) => s.textContent),
  changed: Array.from(o.querySelectorAll("ins, del")).map((s) => s.textContent),
}))"""


def outputs(page: Any, case_id: str) -> list[dict[str, Any]]:
    """The baseline's and the candidate's output panels of case ``case_id``'s detail."""
    row = page.locator("#section-0 tbody.rows tr.case").filter(
        has=page.locator("td.id", has_text=re.compile(f"^{case_id}$"))
    )
    row.click()
    detail = row.locator("xpath=following-sibling::tr[1]")
    assert "detail" in (detail.get_attribute("class") or "")
    out: list[dict[str, Any]] = detail.evaluate(_OUTPUTS)
    row.click()
    return out


@pytest.fixture(scope="module")
def panels(browser: Any, report: Path) -> dict[str, list[dict[str, Any]]]:
    page, watch = open_page(browser, report, width=1400)
    got = {cid: outputs(page, cid) for cid in PAIRS}
    assert watch.clean, watch
    page.close()
    return got


@pytest.mark.parametrize(
    "case_id", ["fa-plural", "fa-verb", "emoji-family", "emoji-tone", "hi-conjunct", "si-shri"]
)
def test_a_joiner_that_belongs_is_text_in_the_word_diff(
    panels: dict[str, list[dict[str, Any]]], case_id: str
) -> None:
    base, cand = panels[case_id]
    assert (base["marks"], cand["marks"]) == ([], [])
    assert (base["text"], cand["text"]) == PAIRS[case_id]


def test_the_diff_of_two_persian_outputs_keeps_the_word_whole(
    panels: dict[str, list[dict[str, Any]]],
) -> None:
    base, cand = panels["fa-plural"]
    # the word that changed is one deleted and one inserted run, joiner inside
    assert base["changed"] == [f"کتاب{ZWNJ}ها"]
    assert cand["changed"][0].startswith(f"کتاب{ZWNJ}های")
    base, cand = panels["fa-verb"]
    assert base["changed"] == [f"می{ZWNJ}توانید"] and cand["changed"] == [f"می{ZWNJ}خواهید"]
    base, cand = panels["emoji-family"]  # the family is one token, not three emoji
    assert base["changed"] == [f"\U0001f468{ZWJ}\U0001f469{ZWJ}\U0001f467"]


def test_controls_in_a_diff_stay_escaped(panels: dict[str, list[dict[str, Any]]]) -> None:
    for side in panels["latin-joiner"]:
        assert side["marks"] == ["\\u200D"] and ZWJ not in side["text"]
    for case_id in ("override", "fa-override"):
        for side in panels[case_id]:
            assert RLO not in side["text"] and PDF not in side["text"]
            assert side["marks"] == (
                ["\\u202E", "\\u202C"] if case_id == "override" else ["\\u202E"]
            )
