"""Legitimate multilingual text reads as written on the report; controls that could reorder or
hide text stay escaped (headless Chromium, like tests/test_report_bidi.py).

QA16 F9: the case detail's word diff cut a Persian word at its zero-width non-joiner, so the
joiner, alone at the edge of a diff run, lost the letters that made it legitimate and was
drawn as a red ``\\u200C`` that also broke the word's shaping; the same for the joiner of a
Devanagari conjunct and of an emoji sequence.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips, or fails under CI=true
    expect = None  # type: ignore[assignment]

from evalkit.compare import compare
from evalkit.report import write_report
from evalkit.report.bidi import shown
from evalkit.terminal_text import escape_char, inert, split
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


# ---------------------------------------------------------------------------------------------
# QA16 F10: the invisible characters legitimate text uses, where it uses them, are text.

ZWSP, SHY, LRM, RLM, ALM = "\u200b", "\u00ad", "\u200e", "\u200f", "\u061c"
OVERRIDES = [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]
"""LRE RLE PDF LRO RLO, LRI RLI FSI PDI: escaped wherever they are."""

LEGIT = {
    "khmer": f"ភាសា{ZWSP}ខ្មែរ{ZWSP}គឺ{ZWSP}ជា{ZWSP}ភាសា",
    "thai": f"คุณสามารถ{ZWSP}คืนสินค้า{ZWSP}ได้ภายใน 30 วัน",
    "lao": f"ພາສາ{ZWSP}ລາວ",
    "myanmar": f"မြန်မာ{ZWSP}ဘာသာ",
    "hebrew": f"המחיר הוא {RLM}₪100{RLM} כולל מע״מ",
    "hebrew-order": f"הזמנה {RLM}5521{RLM} נשלחה",
    "arabic": f"السعر {ALM}١٢٣٫٥{ALM} ريال، و{RLM}(20%){RLM} خصم",
    "german": f"Versicherungs{SHY}bedingungen und Kündigungs{SHY}frist",
    "russian": f"страхо{SHY}вание",
    "persian": f"کتاب{ZWNJ}ها را می{ZWNJ}خواهم",
}

ESCAPED = {
    # the same characters where they could reorder or hide text, or where nothing needs them
    f"z{ZWSP}z": ["\\u200B"],
    f"ภาษา{ZWSP} ไทย": ["\\u200B"],  # beside a space, not between letters
    f"{ZWSP}ไทย": ["\\u200B"],
    f"ad{SHY}": ["\\xad"],
    f"pass{SHY}-word": ["\\xad"],
    f"{RLM}שלום": ["\\u200F"],  # a line's edge: it would set the line's direction
    f"abc {RLM}- def": ["\\u200F"],  # a left-to-right word on one side
    f"הזמנה {RLM}ORD-5521{RLM} נשלחה": ["\\u200F", "\\u200F"],
    f"שלום {RLM}10 - 20 abc": ["\\u200F"],
    f"א\n{RLM} ב": ["\\u200F"],  # another line
    f"אבג{LRM} - דהו": ["\\u200E"],  # an LRM can swap two right-to-left words
    f"abc{LRM}def": ["\\u200E"],
    f"ב{ALM}c": ["\\u061C"],
}


def _contexts(ch: str) -> list[str]:
    """``ch`` inside every kind of text that keeps some invisible character."""
    return [
        f"کتاب{ch}ها",
        f"کتاب{ZWNJ}{ch}ها",
        f"ภาษา{ch}{ZWSP}ไทย",
        f"ภาษา{ZWSP}{ch}ไทย",
        f"Versicherungs{SHY}{ch}bedingungen",
        f"הוא {RLM}{ch}₪100{RLM} כולל",
        f"הוא {ch}{RLM}₪100 כולל",
        f"א {ch} ב",
        f"\U0001f468{ZWJ}{ch}\U0001f469",
        f"श्{ZWJ}{ch}र",
    ]


@pytest.mark.parametrize("name", sorted(LEGIT))
def test_legitimate_invisible_characters_are_text(name: str) -> None:
    assert split(LEGIT[name]) == [LEGIT[name]]
    assert inert(LEGIT[name]) == LEGIT[name]


@pytest.mark.parametrize("text", sorted(ESCAPED))
def test_the_same_characters_elsewhere_are_escaped(text: str) -> None:
    assert [escape_char(c) for c in split(text)[1::2]] == ESCAPED[text]
    assert [e for e in ESCAPED[text] if e not in inert(text)] == []


@pytest.mark.parametrize("ch", OVERRIDES, ids=[f"U+{ord(c):04X}" for c in OVERRIDES])
def test_every_override_and_isolate_is_escaped_in_every_context(ch: str) -> None:
    for text in _contexts(ch):
        assert escape_char(ch) in shown(text) and ch not in inert(text), text
        assert ch in split(text)[1::2], text


def test_what_may_sit_beside_a_kept_mark_holds_no_letter_control_or_line_break() -> None:
    from evalkit import terminal_text as tt

    def chars(ranges: tuple[tuple[int, int], ...]) -> list[str]:
        return [chr(c) for a, b in ranges for c in range(a, b + 1)]

    neutral = chars(tt._NEUTRAL)
    assert [c for c in neutral if unicodedata.bidirectional(c) in ("L", "R", "AL", "B", "S")] == []
    assert [c for c in chars(tt._RTL) if unicodedata.bidirectional(c) not in ("R", "AL")] == []
    every = neutral + chars(tt._RTL) + chars(tt._NO_SPACES) + chars(tt._HYPHENATED)
    assert [c for c in every if len(split(c)) > 1 or unicodedata.category(c) == "Cf"] == []
    assert "\n" not in neutral and "\u2028" not in neutral and "\t" not in neutral


@pytest.fixture(scope="module")
def legit_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Each legitimate text as a case's input, tag and output; the candidate adds a word."""
    tmp = tmp_path_factory.mktemp("legit")
    runs = [
        spec_run(
            tmp,
            name,
            [
                {
                    "id": cid,
                    "input": text,
                    "tags": [text],
                    "output": text + (" ok" if name == "cand" else ""),
                    "scores": {"acc": name == "base"},
                }
                for cid, text in LEGIT.items()
            ],
        )
        for name in ("base", "cand")
    ]
    return write_report(compare(*runs, n_boot=20), tmp / "report.html")


def test_legitimate_multilingual_texts_render_without_escapes(
    browser: Any, legit_report: Path
) -> None:
    page, watch = open_page(browser, legit_report, width=1400)
    for cid in LEGIT:
        base, cand = outputs(page, cid)
        assert (base["marks"], cand["marks"]) == ([], []), cid
        assert (base["text"], cand["text"]) == (LEGIT[cid], LEGIT[cid] + " ok")
    s = page.locator("#section-0")
    rows = s.locator("tbody.rows tr.case")
    for i in range(rows.count()):
        rows.nth(i).click()  # every detail open: input, tags, outputs
    assert s.locator("span.bidi").count() == 0
    cells = s.locator("tbody.rows").evaluate("n => n.textContent")
    assert [cid for cid, text in LEGIT.items() if cells.count(text) < 4] == []
    options = s.locator("option").all_inner_texts()
    assert [t for t in LEGIT.values() if not any(o.startswith(t) for o in options)] == []
    assert watch.clean, watch
    page.close()


# The page's own pattern, compiled as report.js compiles it, cutting `texts` like split().
_PAGE_SPLIT = """(texts) => {
  const re = new RegExp(JSON.parse(document.getElementById("evalkit-main").dataset.controls), "gu");
  return texts.map((text) => {
    const out = [];
    let start = 0;
    for (const m of text.matchAll(re)) {
      if (m[2] === undefined) continue;
      out.push(text.slice(start, m.index), m[2]);
      start = m.index + m[2].length;
    }
    out.push(text.slice(start));
    return out;
  });
}"""


def test_the_page_and_python_keep_and_escape_the_same_characters(
    browser: Any, legit_report: Path
) -> None:
    texts = [*LEGIT.values(), *ESCAPED, *(t for ch in OVERRIDES for t in _contexts(ch))]
    page, watch = open_page(browser, legit_report)
    assert page.evaluate(_PAGE_SPLIT, texts) == [split(t) for t in texts]
    assert watch.clean, watch
    page.close()


def test_search_finds_text_with_or_without_its_invisible_characters(
    browser: Any, legit_report: Path
) -> None:
    page, watch = open_page(browser, legit_report)
    s = page.locator("#section-0")
    ids = s.locator("tbody.rows tr.case td.id")
    for typed, found in (
        ("คุณสามารถคืนสินค้า", "thai"),  # typed without the zero-width space it holds
        ("Versicherungsbedingungen", "german"),
        (f"Versicherungs{SHY}bedingungen", "german"),
        ("کتابها را", "persian"),
        (f"کتاب{ZWNJ}ها را", "persian"),
    ):
        s.locator(".f-text").fill(typed)
        expect(ids).to_have_text([found])
    assert watch.clean, watch
    page.close()


# Where each space-separated word of the text in element `id` is drawn (its left edge).
_LEFTS = """(id) => {
  const n = document.getElementById(id).firstChild, out = [];
  let at = 0;
  for (const word of n.data.split(" ")) {
    const r = document.createRange();
    r.setStart(n, at);
    r.setEnd(n, at + word.length);
    out.push(Math.round(r.getBoundingClientRect().left));
    at += word.length + 1;
  }
  return out;
}"""


@pytest.mark.parametrize("name", ["hebrew", "hebrew-order", "arabic"])
def test_a_kept_right_to_left_mark_moves_nothing(browser: Any, name: str) -> None:
    # Why the marks may stay: laid out with and without them, in a left-to-right and in a
    # right-to-left line, every word is drawn where it was (the marks are zero-width).
    text = LEGIT[name]
    bare = text.replace(RLM, "").replace(ALM, "")
    page = browser.new_page()
    page.set_content(
        '<meta charset="utf-8">'
        + "".join(
            f'<div id="{d}{i}" dir="{d}" style="width:600px">{t}</div>'
            for d in ("ltr", "rtl")
            for i, t in enumerate((text, bare))
        )
    )
    for d in ("ltr", "rtl"):
        assert page.evaluate(_LEFTS, f"{d}0") == page.evaluate(_LEFTS, f"{d}1"), d
    page.close()
