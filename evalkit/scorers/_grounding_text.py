"""Text analysis for the groundedness scorer: words, stems, the numbers and names of a
claim.

Everything here is plain regular expressions and small word lists, so the scorer runs
offline, in microseconds per sentence, and pickles trivially for a process pool. The
functions are deliberately lenient towards surface variation that does not change meaning
(accents, case, inflection, ``1,000`` against ``1000``, ``three`` against ``3``) and strict
about what does (a different number, a name the source never mentions). The word lists are
in :mod:`~evalkit.scorers._grounding_lexicon`, dates and clock times in
:mod:`~evalkit.scorers._grounding_dates`, number parsing in
:mod:`~evalkit.scorers._grounding_numbers`.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from evalkit.scorers._grounding_dates import (
    DATE_OR_TIME_HINT,
    MONTHS,
    ambiguous_months,
    dates_and_times,
)
from evalkit.scorers._grounding_lexicon import (
    COMMON_ACRONYMS,
    DISCOURSE,
    LEADING,
    LIGHT_WORDS,
    META_WORDS,
    NEGATIONS,
    PLACE_ACRONYMS,
    QUANTIFIERS,
    STOPWORDS,
)
from evalkit.scorers._grounding_numbers import (
    ATTACHED,
    NUMBER_UNIT,
    NUMBER_WORDS,
    SCALED,
    THOUSANDS,
    Mention,
    canon,
    digit_mentions,
    scaled_word,
    spelled_keys,
)
from evalkit.scorers._grounding_stem import UNIT_SHORT, stem
from evalkit.scorers._grounding_units import DOLLAR_NAMES, DOLLAR_PREFIXES

__all__ = [
    "Claim",
    "Given",
    "Mention",
    "ambiguous_months",
    "content_words",
    "entities",
    "fold",
    "is_content",
    "numbers",
    "stem",
    "words",
]

CAP_TOKEN = re.compile(r"(?<![\w'’])[A-Z][\w'’.-]*")
"""A capitalised token (a name, or a sentence's first word)."""
_WORD = re.compile(r"[^\W_]+(?:[-'’.][^\W_]+)*", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Claim:
    """One checkable statement of a response, with its place in the response text."""

    text: str
    """The claim with citation markers removed."""
    start: int
    end: int
    """Character span ``[start, end)`` in the response (markers included)."""
    citations: tuple[str, ...] = ()
    """Citation targets written in or right after the claim (``[1]`` gives ``"1"``)."""
    checked: str = ""
    """The part of :attr:`text` that is checked, when it differs: without an opening
    interjection ("Sorry,"), a name addressing the user ("Yes, Ada:") or the verb of a
    request ("Please send ..."). Empty when the whole text is checked."""
    wrong: str = ""
    """Why the claim is false whatever the passages say (a comparison the wrong way round:
    see :mod:`~evalkit.scorers._grounding_compare`); empty for most claims."""
    whole: Claim | None = None
    """For a clause cut from its sentence at "and we'll": the claim of the whole stretch,
    which replaces the clauses where it is supported or none of them is (see
    :func:`~evalkit.scorers._grounding_support.check_claims`)."""
    answers: str = ""
    """For a bare "yes" lead ("Almost certainly!"): the user's yes/no question it answers,
    whose statement is :attr:`checked` (see :mod:`~evalkit.scorers._grounding_polarity`)."""

    @property
    def body(self) -> str:
        """The text the checks read (:attr:`checked`, else :attr:`text`)."""
        return self.checked or self.text


@dataclass(frozen=True, slots=True)
class Given:
    """Names and numbers the request supplied (the user's messages, the case's input and
    vars): the user's own order numbers, amounts and name. Repeating them is not
    inventing them, so the support check treats them specially (see
    :mod:`evalkit.scorers._grounding_support`)."""

    names: frozenset[str] = frozenset()
    """Folded words of every capitalised token and name in the request."""
    numbers: frozenset[str] = frozenset()
    """Normalised numbers, amounts and dates of the request (as :func:`number_keys`)."""
    worked: tuple[str, ...] = ()
    """Number keys of the figures the answer stated in its earlier claims, in order: items of
    a later claim's running total, never accepted by themselves (see
    :mod:`~evalkit.scorers._grounding_running`)."""
    question: str = ""
    """The user's last yes/no question ("Can I ...?"), which a bare "yes" lead answers (see
    :mod:`~evalkit.scorers._grounding_polarity`); ``""`` when there is none."""
    words: frozenset[str] = frozenset()
    """Stems of the request's content words: what the user said happened ("my claim was
    approved"), which a congratulation may take up without presupposing anything new (see
    :mod:`~evalkit.scorers._grounding_expressive`)."""

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> Given:
        """Collect the names and numbers of ``texts``. Every capitalised token counts, at
        the start of a sentence too: a template variable is often a bare ``"Ada"``."""
        names: set[str] = set()
        found: set[str] = set()
        said: set[str] = set()
        for text in texts:
            for m in CAP_TOKEN.finditer(text):
                names.update(words(m.group(0)))
            found |= number_keys(text)
            said.update(content_words(text))
        return cls(
            frozenset(names - STOPWORDS - DISCOURSE), frozenset(found), words=frozenset(said)
        )


def fold(text: str) -> str:
    """Lower-case and strip accents, so ``Café`` and ``cafe`` compare equal; clock times
    become 24-hour ``h:mm``, so ``2 pm``, ``2pm``, ``2:00 p.m.`` and ``14:00`` compare equal."""
    if text.isascii():
        out = text.lower()
    else:
        decomposed = unicodedata.normalize("NFKD", text)
        stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
        out = stripped.lower().replace("’", "'")
    # isalpha, then one search for both hints: the cheap common case
    if not out.isalpha() and (DATE_OR_TIME_HINT.search(out) or "noon" in out or "midnight" in out):
        out = dates_and_times(out)
    return out


def words(text: str) -> list[str]:
    """Folded word tokens; hyphenated words also yield their parts."""
    out: list[str] = []
    folded = fold(text)
    # "5,000,000" and "5 million" are one word, "250g" is "250 g", as numbers() reads them
    if "," in folded and THOUSANDS.search(folded):
        folded = THOUSANDS.sub("", folded)
    if ATTACHED.search(folded):
        folded = NUMBER_UNIT.sub(r"\1 \2", SCALED.sub(scaled_word, folded))
    for w in _WORD.findall(folded):
        if "'" not in w and "-" not in w and "." not in w:
            if w[-1].isdigit() and not w[0].isdigit() and (code := _CODE.fullmatch(w)):
                out.extend(code.groups())  # "eu261": the letters and the number, as written apart
            else:
                out.append(w)  # the common case, kept cheap
            continue
        if w.endswith("'s"):
            w = w[:-2]
        out.append(w)
        if "-" in w:
            out.extend(p for p in w.split("-") if p)
        if "." in w and INITIALS.fullmatch(w):
            out.append(w.replace(".", ""))  # "U.S." is also "us", "J.R.R." also "jrr"
        if "." in w and not _DOTTED.fullmatch(w):
            # "2006.New" is two sentences glued together, not one word
            out.extend(p for p in w.split(".") if p)
    return out


_DOTTED = re.compile(r"(?:\w\.)+\w?|[\d.]+")


def content_words(text: str) -> list[str]:
    """Stems of the words that carry meaning (no function words, no bare punctuation)."""
    return [stem(w) for w in words(text) if is_content(w)]


@functools.lru_cache(maxsize=1 << 16)
def is_content(w: str) -> bool:
    """Whether a folded word token carries meaning (see :func:`content_words`)."""
    return (
        w not in STOPWORDS
        and w not in META_WORDS
        and w not in DISCOURSE
        and w not in LIGHT_WORDS
        and w not in NEGATIONS  # polarity is the negation check's business, not coverage's
        and not w.endswith("n't")
        and (len(w) > 2 or w.isdigit())
        and "-" not in w
        and not ("." in w and not w.replace(".", "").isdigit())
    )


def numbers(text: str, *, spelled: bool = False) -> list[Mention]:
    """Numbers, dates and amounts, each normalised to a canonical decimal string.

    Spelled-out numbers are only included with ``spelled``: in a claim they are usually
    counts the writer made up from the text ("two people"), so they are left to the softer
    content-word check instead of failing the claim outright.
    """
    out = list(_digit_mentions(text))
    if spelled:
        for w in words(text):
            if w in NUMBER_WORDS:
                out.append(Mention(w, "number", (canon(NUMBER_WORDS[w]),)))
    return out


@functools.lru_cache(maxsize=1 << 11)
def _digit_mentions(text: str) -> tuple[Mention, ...]:
    """A claim's mentions in digits, read once per text: the checks and the worked figures
    an answer carries forward (:mod:`~evalkit.scorers._grounding_running`) both read them."""
    return tuple(digit_mentions(fold(text), passage=False))


def number_keys(text: str, tokens: list[str] | None = None) -> set[str]:
    """Every number a passage states, scaled and unscaled (``5 million`` gives both), and
    each quantity with a unit on the scales it converts on (see
    :func:`~evalkit.scorers._grounding_units.measures`; a quantity written in words is
    read on demand by :func:`~evalkit.scorers._grounding_numbers.spelled_measures`).

    ``tokens`` are the passage's :func:`words` when the caller already has them.
    """
    keys: set[str] = set()
    for m in digit_mentions(fold(text), keys):
        keys.update(m.keys)
        if m.measures:  # the quantity in other units of its scale ("@mo:72" for "6 years")
            keys.update(m.measures)
    keys |= spelled_keys(tokens if tokens is not None else words(text))
    return keys


_CAPS = re.compile(
    r"(?<![\w'’])(?:[A-Z][\w'’.-]*|[A-Z]\.)(?:\s+(?:(?:of|the|de|da|del|von|van|la|le|and|&)\s+)?"
    r"(?:[A-Z][\w'’.-]*|[A-Z]\.))*",
    re.UNICODE,
)


def entities(text: str) -> list[Mention]:
    """Capitalised names. A lone capitalised word opening the sentence is not a name: it is
    left to the softer novel-word check, because sentence-initial words are mostly ordinary.
    A sentence adverb or interjection opening the sentence ("Unfortunately", "Sorry",
    "However") is not part of the name that follows it, and that name is a name even when
    it is a single word ("However Paris ..."). So is a quantifier ("Several Gold members").
    """
    out: list[Mention] = []
    for m in _CAPS.finditer(text):
        run = m.group(0)
        if text.startswith("$", m.end()):  # "CA$29", "Pro NZ$29": the prefix is a currency's
            head, _, last = run.rpartition(" ")
            if last.lower() in DOLLAR_PREFIXES:
                run = head.rstrip()
                if not run:
                    continue
        elif text.startswith((" dollar", " Dollar"), m.end()):  # "29 Canadian dollars"
            head, _, last = run.rpartition(" ")
            if last.lower() in DOLLAR_NAMES:
                run = head.rstrip()
                if not run:
                    continue
        prefix = text[: m.start()].rstrip()
        if not prefix or prefix[-1] in '.!?:"“(\n':
            surfaces, sentence_start = _after_opener(run)
        else:
            surfaces, sentence_start = [run], False
        for surface in surfaces:
            mention = _entity(surface, sentence_start)
            if mention is not None and mention.keys:
                out.append(mention)
    return out


def _after_opener(surface: str) -> tuple[list[str], bool]:
    """The names of a capitalised run that opens a sentence, and whether they still open it.

    Opening words that belong to no name (:data:`LEADING`) are dropped; after a quantifier
    the connectors before the name go too, and after "Both" the run names two things ("Both
    the Pro and Team plans" names Pro and Team, not one "Pro and Team").
    """
    parts = surface.split()
    opener = ""
    while len(parts) > 1 and (lead := fold(parts[0]).strip(".,")) in LEADING:
        parts.pop(0)
        opener = lead
    if not opener:
        return [surface], True
    if opener in QUANTIFIERS:
        while len(parts) > 1 and parts[0].islower():  # "Both the Pro": the name is "Pro"
            parts.pop(0)
        if opener == "both":
            return [p for p in _AND.split(" ".join(parts)) if p], False
    return [" ".join(parts)], False


_AND = re.compile(r" (?:and|&) ")


def _entity(surface: str, sentence_start: bool) -> Mention | None:
    """The name a capitalised run ``surface`` states, if it is one (see :func:`entities`)."""
    # a code's number is part of the name ("EU261": "eu" and "261", as words() reads it)
    codes = {m.group(2) for m in _CODES.finditer(fold(surface))} if _DIGIT.search(surface) else ()
    toks = [
        t
        for t in words(surface)
        if (t not in STOPWORDS or (t in PLACE_ACRONYMS and t.upper() in surface.replace(".", "")))
        and t not in DISCOURSE
        and (not t.isdigit() or t in codes)
    ]
    if "-" in surface:  # "Mon-Fri" is Monday and Friday, whatever the passage's hyphens
        toks = [t for t in toks if not all(p in UNIT_SHORT for p in t.split("-"))]
    toks = [t for t in toks if t not in MONTHS or len(toks) == 1]
    toks = [t.replace(".", "") if INITIALS.fullmatch(t) else t for t in toks]  # U.S. = US
    # A unit or a common acronym written in capitals is no name, nor part of a longer one:
    # "2:00 PM ET" names nothing, "49 GBP" is an amount, "Help Center FAQ" the Help Center
    written = {fold(w).replace(".", "") for w in surface.split() if w.isupper()}
    toks = [t for t in toks if t not in COMMON_ACRONYMS or t not in written]
    if not toks:
        return None
    whole = "".join(toks) if codes and len(toks) == 2 else toks[0]  # "EU261": "eu", "261"
    acronym = (len(toks) == 1 or whole != toks[0]) and any(
        w.isupper() and len(w) >= 2 and fold(w) == whole
        for w in (p.strip(" .,;:") for p in surface.split())
    )
    if sentence_start and " " not in surface.strip() and not acronym:
        return None
    if sentence_start and words(surface)[0] in STOPWORDS and len(toks) == 1 and not acronym:
        return None
    return Mention(surface, "entity", tuple(t for t in toks if len(t) > 1))


_CODE = re.compile(r"([a-z]{2,})(\d{3,})")
_CODES = re.compile(r"(?<![\w.-])([a-z]{2,})(\d{3,})(?![\w.-])")
_DIGIT = re.compile(r"\d")
"""A code of letters and digits ("EU261"): a passage that names its letters and states its
number has it (a name's key is a word; each part is one), and a wrong number still fails."""
INITIALS = re.compile(r"[a-z](?:\.[a-z])+\.?")
