"""The mention a groundedness check compares, and the canonical key of a number.

Shared by the readers of numbers (:mod:`~evalkit.scorers._grounding_numbers`), of quantities
written in words (:mod:`~evalkit.scorers._grounding_spelled`) and of names
(:mod:`~evalkit.scorers._grounding_text`); re-exported by the numbers module.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Mention", "canon"]


@dataclass(frozen=True, slots=True)
class Mention:
    """A number or named entity found in a claim, with a normalised key for comparison."""

    text: str
    kind: str
    """``"number"``, ``"date"``, ``"time"`` (a clock time, ``15:00``), ``"amount"`` or
    ``"entity"``."""
    keys: tuple[str, ...]
    """Normalised forms; the mention is found if every key is found (a number with a unit has
    the number's key and the key of the number with its unit, ``("6", "6@year")``)."""
    measures: tuple[str, ...] = ()
    """The quantity on each scale its unit converts on (see
    :func:`~evalkit.scorers._grounding_units.measures`): a claim's
    mention is also found when any of these is found (``"72 months"`` has ``"@mo:72"``, which
    a passage's ``"6 years"`` has too)."""


def canon(value: float) -> str:
    """A number as one key: ``5.0`` is ``"5"``, ``2.50`` is ``"2.5"``."""
    return str(int(value)) if value == int(value) else f"{value:g}"
