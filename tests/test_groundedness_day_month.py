"""A day and month in words or in full against the passage's numeric date ("01/03/2025").

Every sentence is invented for the test; each case has both sides (a British help centre's
01/03 is 1 March, an American one's is January 3: either reading passes, another day fails).
"""

from __future__ import annotations

import pytest

from tests.helpers.grounding import reason, run


@pytest.mark.parametrize(
    ("claim", "passage"),
    [
        ("The sale ends on 1 March.", "The sale ends on 01/03/2025."),
        ("The sale ends on March 1.", "The sale ends on 01/03/2025."),
        ("The sale ends on 3 January.", "The sale ends on 01/03/2025."),
        ("The sale ends on the first of March.", "The sale ends on 01/03/2025."),
        ("The sale ends on the first of March.", "The sale ends on 1 March 2025."),
        ("The sale ends on March the first.", "The sale ends on 01/03/2025."),
        ("The sale ends on the twenty-first of March.", "The sale ends on 21/03/2025."),
    ],
)
def test_the_same_day_written_another_way_is_supported(claim: str, passage: str) -> None:
    score = run(claim, passage)
    assert score.value == 1.0, score.details["claims"]


@pytest.mark.parametrize(
    ("claim", "passage"),
    [
        ("The sale ends on 2 March.", "The sale ends on 01/03/2025."),
        ("The sale ends on 1 April.", "The sale ends on 01/03/2025."),
        ("The sale ends on the second of March.", "The sale ends on 01/03/2025."),
        ("The sale ends on the first of April.", "The sale ends on 01/03/2025."),
        ("The sale ends on the twentieth of March.", "The sale ends on 21/03/2025."),
    ],
)
def test_another_day_is_a_date_mismatch(claim: str, passage: str) -> None:
    assert reason(claim, passage).startswith("date mismatch")
