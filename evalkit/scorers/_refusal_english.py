"""Whether a response reads as English: the lexicon and the model know English only.

Moved out of :mod:`evalkit.scorers.refusal` (which re-exports it) to keep that module small.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["reads_as_english"]

_ENGLISH_WORDS: Final = (
    "the a an and or but of to in on for with is are was were be it this that you your i "
    "we not can can't cannot will would have has do does please here there our my me he "
    "she they them from at by as if so all any no yes what which who how when"
)
_OTHER_WORDS: Final = (
    # Spanish, French, German, Portuguese, Italian and Dutch function words, not English
    "el la los las del que y por para con es lo una le les des et est je pas vous nous "
    "une der die das und ist nicht ich sie mit ein eine zu wir não é um uma com você il "
    "che non di per sono het een niet ik de pero en su mais avec dans kann auf für"
)
_ENGLISH: Final = frozenset(_ENGLISH_WORDS.split())
_OTHER: Final = frozenset(_OTHER_WORDS.split())
_WORD: Final = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def reads_as_english(text: str) -> bool:
    """Whether the text reads as English, from its function words and script.

    The lexicon and the model were written and trained on English: a French or Chinese refusal
    scores as confident compliance. Text mostly in a non-Latin script, or with more function
    words of other European languages than of English, does not read as English; short texts,
    code and anything undecided do (no note is better than a wrong one). Only the first 300
    characters (about 50 words) are read.
    """
    words = _WORD.findall(text[:300].lower())  # the opening decides; long texts cost no more
    if not words:
        return True
    latin = sum(w.isascii() or w[0] < "\u0250" for w in words)
    if latin < len(words) / 2:
        return False
    english = sum(w in _ENGLISH for w in words)
    other = sum(w in _OTHER for w in words)
    return not (other >= 2 and other > english)
