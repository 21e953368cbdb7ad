"""A table's title (the sentence right before it, a heading or a caption) describes its rows."""

from __future__ import annotations

import pytest

from evalkit.dataset import Case, ContextPassage
from evalkit.providers.base import Response
from evalkit.scorers._grounding_index import PassageIndex
from evalkit.scorers._grounding_tables import read_tables
from evalkit.scorers.groundedness import Groundedness
from evalkit.scoring import Score, ScoreContext

MARKDOWN = """Our plans changed in 2024. Prices for EU customers:

| Plan | Price | Seats |
|------|------:|------:|
| Pro | €99 | 5 |
| Team | €49 | 20 |

## Prices for US customers
| Plan | Price | Seats |
|------|------:|------:|
| Pro | $109 | 5 |
| Team | $59 | 20 |
"""
HTML = """<p>Prices for EU customers:</p>
<table>
  <tr><th>Plan</th><th>Price</th><th>Seats</th></tr>
  <tr><td>Pro</td><td>€99</td><td>5</td></tr>
  <tr><td>Team</td><td>€49</td><td>20</td></tr>
</table>
<table><caption>Prices for US customers</caption>
  <tr><th>Plan</th><th>Price</th><th>Seats</th></tr>
  <tr><td>Pro</td><td>$109</td><td>5</td></tr>
  <tr><td>Team</td><td>$59</td><td>20</td></tr>
</table>"""


def run(text: str, passage: str) -> Score:
    case = Case(id="t", input="question", context=(ContextPassage("p", passage),))
    result = Groundedness().score(ScoreContext(case, Response(text=text)))
    assert isinstance(result, Score)
    return result


@pytest.mark.parametrize("table", [MARKDOWN, HTML], ids=["markdown", "html"])
def test_each_row_records_its_tables_title(table: str) -> None:
    read = read_tables(table)
    assert (
        read.titles
        == ("Prices for EU customers:",) * 2
        + ("Prices for US customers" + ("." if table is HTML else ""),) * 2
    )
    index = PassageIndex([ContextPassage("p", table)])
    sentences = index.sentence_texts(0)
    (eu, us) = sorted(index.title_rows[0])
    assert "prices for eu customers:" in sentences[eu] and "us customers" in sentences[us]
    assert [sentences[j] for j in sorted(index.title_rows[0][eu])] == [
        "plan: pro; price: €99; seats: 5.",
        "plan: team; price: €49; seats: 20.",
    ]


@pytest.mark.parametrize(
    "before",
    [
        "",  # nothing before the table
        "We have revised every plan this year, and the prices below apply to all customers "
        "who signed up after March 2024 in any region.",  # prose, not a title
        "| a | b |\n|---|---|\n| 1 | 2 |",  # another table right before it
    ],
)
def test_no_title_without_a_short_sentence_right_before_the_table(before: str) -> None:
    table = before + "\n\n| Plan | Price |\n|---|---|\n| Pro | €99 |\n"
    assert read_tables(table).titles[-1] == ""


@pytest.mark.parametrize("table", [MARKDOWN, HTML], ids=["markdown", "html"])
def test_a_claim_naming_the_title_is_supported_by_the_row(table: str) -> None:
    for good in (
        "EU customers pay €99 for Pro.",
        "The Team plan costs €49 for EU customers.",
        "US customers pay $109 for the Pro plan.",
        "EU customers get 20 seats with Team.",
    ):
        score = run(good, table)
        assert score.value == 1.0, (good, score.details["claims"])


@pytest.mark.parametrize("table", [MARKDOWN, HTML], ids=["markdown", "html"])
def test_the_title_does_not_link_one_row_or_table_with_another(table: str) -> None:
    for bad, reason in (
        # €49 is the Team row's price: the title (in every row) must not bridge the two rows
        ("EU customers pay €49 for Pro.", "relation mismatch: Pro and 49"),
        # €99 is Pro's price in the EU table, not under the US title
        ("US customers pay €99 for Pro.", "relation mismatch: Pro and US"),
        ("EU customers pay $109 for Pro.", "relation mismatch: Pro and EU"),
    ):
        (claim,) = run(bad, table).details["claims"]
        assert str(claim["reason"]).startswith(reason), (bad, claim)
