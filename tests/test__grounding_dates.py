"""Numeric dates with a two-digit year, read as the written date where the order is certain."""

from __future__ import annotations

import pytest

from evalkit.dataset import Case, ContextPassage
from evalkit.providers.base import Response
from evalkit.scorers._grounding_text import fold
from evalkit.scorers.groundedness import Groundedness
from evalkit.scoring import Score, ScoreContext

_DEADLINE = "Membership renewals are due by {} or the account is paused."


def run(text: str, passage: str) -> Score:
    case = Case(id="d", input="question", context=(ContextPassage("d", passage),))
    result = Groundedness().score(ScoreContext(case, Response(text=text)))
    assert isinstance(result, Score)
    return result


@pytest.mark.parametrize(
    ("numeric", "written"),
    [
        ("31/03/25", "31 march 2025"),  # day first: 31 cannot be a month
        ("03/31/25", "31 march 2025"),  # month first
        ("31-03-25", "31 march 2025"),
        ("31.03.25", "31 march 2025"),
        ("12/12/25", "12 december 2025"),  # day and month equal: one reading
        ("15/08/99", "15 august 1999"),  # 70-99 are the 1900s, as strptime's %y reads them
    ],
)
def test_a_two_digit_year_date_reads_as_the_written_date(numeric: str, written: str) -> None:
    assert fold(f"due {numeric}.") == f"due {written}."


@pytest.mark.parametrize(
    "kept",
    [
        "03/04/25",  # day and month either way round
        "1.21.10",  # month first with dots: a version number far more often
        "2.4.25",
        "192.168.1.25",
        "13/13/25",
        "score 3-4-25",
    ],
)
def test_what_is_not_certainly_a_date_stays_as_written(kept: str) -> None:
    assert fold(kept) == kept


@pytest.mark.parametrize("numeric", ["31/03/25", "03/31/25", "31.03.25"])
@pytest.mark.parametrize("written", ["31 March 2025", "March 31, 2025", "2025-03-31"])
def test_two_digit_year_dates_match_their_written_forms_both_ways(
    numeric: str, written: str
) -> None:
    assert run(_DEADLINE.format(numeric), _DEADLINE.format(written)).value == 1.0
    assert run(_DEADLINE.format(written), _DEADLINE.format(numeric)).value == 1.0


def test_a_wrong_two_digit_year_date_fails_with_a_date_or_year_reason() -> None:
    passage = _DEADLINE.format("31 March 2025")
    for claim_date, reason in (
        ("30/03/25", "date mismatch: 30 March not in passage d"),
        ("31/03/24", "number mismatch: 2024 not in passage d"),
        ("03/30/25", "date mismatch: 30 March not in passage d"),
    ):
        (claim,) = run(_DEADLINE.format(claim_date), passage).details["claims"]
        assert claim["reason"] == reason, claim_date
