"""Text analysis for the groundedness scorer: words, stems, numbers, dates and names.

Everything here is plain regular expressions and small word lists, so the scorer runs
offline, in microseconds per sentence, and pickles trivially for a process pool. The
functions are deliberately lenient towards surface variation that does not change meaning
(accents, case, inflection, ``1,000`` against ``1000``, ``three`` against ``3``) and strict
about what does (a different number, a name the source never mentions).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

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


def _wordlist(text: str) -> list[str]:
    return text.split()


def wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOPWORDS = wordset(
    """a about above across after again against all along also am amid among an and any are as
    at be because been
    before being below between both but by can could did do does doing down during each either
    few for from further had has have having he her here hers herself him himself his how i if
    in into is it its itself just me more most my myself neither no nor not of off on once only
    or other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up upon
    very was we were what when where which while who whom whose why will with within without
    would you your yours yourself yourselves s t also although however thus therefore hence yet
    well still even may might must shall one ones another its it's that's there's yes
    i'm i've i'll i'd you're you've you'll you'd we're we've we'll we'd they're they've they'll
    it'll here's what's let's per via onto till since toward towards despite versus vs every"""
)
"""Function words: never evidence of support, never counted as novel content."""

META_WORDS = wordset(
    "passage passages text article document documents source sources summary summarise "
    "summarize summarized summarised context provided provides provide mention mentions "
    "mentioned describe describes described discuss discusses discussed information details "
    "excerpt snippet report reports reported highlight highlights state states stated note "
    "yes overall"
)
"""Words about the source itself ("the passage describes ..."): not claims about the world."""
NEGATIONS = wordset("not no never none nor neither cannot can't won't n't without non")
"""Negation words. ``non`` is the prefix of a hyphenated word ("non-refundable" is also read
as "non", "refundable"): it flips the word after it exactly as "not" does."""
DISCOURSE = wordset(
    """sorry apologies apologise apologize unfortunately fortunately luckily sadly regrettably
    happily please kindly thanks thank hi hello hey okay ok yeah yep yup nope sure certainly
    absolutely definitely alright indeed actually basically additionally moreover furthermore"""
)
"""Interjections, apologies, politeness and sentence adverbs: the tone of an answer, not its
content. They are never content words, never part of a name ("Unfortunately Final Sale" is
the name "Final Sale") and never evidence of support."""
REQUEST_VERBS = wordset(
    """send email mail call contact visit include attach provide reply share keep bring upload
    submit enter fill print pack return check click open select go use make remember ensure"""
)
"""Verbs that open an instruction addressed to the user ("Send us the order number ...")."""
LIGHT_WORDS = wordset(
    """go goes going went gone get gets getting got gotten come comes came back
    dollar dollars usd euro euros eur pound pounds gbp sterling yen jpy cad aud chf cent cents
    percent"""
)
"""Light verbs and particles that carry no fact of their own ("your refund goes back to the
card" for "refunds are issued to the card"), and currency names, which say in words what a
symbol says ("29 euros" for "€29", "15 percent" for "15%"; the amount itself is checked as a
number): never content
words."""

CAP_TOKEN = re.compile(r"(?<![\w'’])[A-Z][\w'’.-]*")
"""A capitalised token (a name, or a sentence's first word)."""
_WORD = re.compile(r"[^\W_]+(?:[-'’.][^\W_]+)*", re.UNICODE)
_NUM = re.compile(r"(?<![\w.])[-+]?\$?\d(?:[\d,]*\d)?(?:\.\d+)*(?:%|[a-z]{1,4})?(?![\w])")
"""A number in folded text: a dotted version or address (``2.4.1``) compared as written, or a
value with an optional ``$``, ``%``, ordinal, or a unit or scale written onto it (``250g``,
``10k``, ``$5m``), which must not hide the number from the checks."""
_SUFFIX_SCALES = {"k": 1e3}
"""Scales written onto a number whatever it counts; ``m`` and ``bn`` scale only an amount
(``$5m``: 5 metres or minutes are common too)."""
_AMOUNT_SUFFIX_SCALES = {"k": 1e3, "m": 1e6, "mn": 1e6, "mm": 1e6, "b": 1e9, "bn": 1e9}
_ORDINALS = frozenset({"st", "nd", "rd", "th", "s"})
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_NUMBER_WORDS = {
    w: float(i)
    for i, w in enumerate(
        _wordlist(
            "zero _ two three four five six seven eight nine ten eleven twelve thirteen "
            "fourteen fifteen sixteen seventeen eighteen nineteen twenty"
        )
    )
    if w != "_"
} | {
    "thirty": 30.0,
    "forty": 40.0,
    "fifty": 50.0,
    "sixty": 60.0,
    "seventy": 70.0,
    "eighty": 80.0,
    "ninety": 90.0,
    "hundred": 100.0,
    "dozen": 12.0,
    "second": 2.0,
    "third": 3.0,
    "fourth": 4.0,
    "fifth": 5.0,
    "sixth": 6.0,
    "seventh": 7.0,
    "eighth": 8.0,
    "ninth": 9.0,
    "tenth": 10.0,
    "twice": 2.0,
    "double": 2.0,
}
"""``one``/``first`` are left out on purpose: as pronoun and adverb they rarely count."""
MONTHS = wordset(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec"
)
_SUFFIXES = (
    "ational",
    "ations",
    "ation",
    "ments",
    "ment",
    "ingly",
    "ings",
    "ing",
    "edly",
    "ied",
    "ies",
    "ed",
    "es",
    "ly",
    "s",
)


@dataclass(frozen=True, slots=True)
class Mention:
    """A number or named entity found in a claim, with a normalised key for comparison."""

    text: str
    kind: str
    """``"number"``, ``"date"``, ``"time"`` (a clock time, ``15:00``), ``"amount"`` or
    ``"entity"``."""
    keys: tuple[str, ...]
    """Normalised forms; the mention is found if every key is found."""


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

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> Given:
        """Collect the names and numbers of ``texts``. Every capitalised token counts, at
        the start of a sentence too: a template variable is often a bare ``"Ada"``."""
        names: set[str] = set()
        found: set[str] = set()
        for text in texts:
            for m in CAP_TOKEN.finditer(text):
                names.update(words(m.group(0)))
            found |= number_keys(text)
        return cls(frozenset(names - STOPWORDS - DISCOURSE), frozenset(found))


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
    if not out.isalpha() and _HINT.search(out):
        if _DATE_HINT.search(out):
            out = _NUMERIC_DATE.sub(_written_date, out)
        if _TIME_HINT.search(out):
            out = _CLOCK_12.sub(_to_24h, out)
            out = _CLOCK_24.sub(lambda m: f"{int(m.group(1))}:{m.group(2)}", out)
    return out


_TIME_HINT = re.compile(r"\d\s*[ap]\.?m\b|\d:\d\d")
_HINT = re.compile(r"\d(?:\s*[ap]\.?m\b|:\d\d|[-/.]\d{1,2}[-/.]\d)")
"""A clock time or a numeric date may follow (:data:`_TIME_HINT` or :data:`_DATE_HINT`)."""
_CLOCK_12 = re.compile(r"\b(\d{1,2})(?::([0-5]\d))?\s*([ap])(?:m\b|\.m\.)")
_CLOCK_24 = re.compile(r"\b([01]?\d|2[0-3]):([0-5]\d)\b")


_DATE_HINT = re.compile(r"\d[-/.]\d{1,2}[-/.]\d")
_NUMERIC_DATE = re.compile(
    r"(?<![\w./-])(?:(\d{4})([-/.])(\d{1,2})\2(\d{1,2})|(\d{1,2})([-/.])(\d{1,2})\6(\d{4}))"
    r"(?:(?![\w/-]|\.\d)|t(?=\d))"
)
"""A numeric date: ``2025-03-31`` (also with ``/`` or ``.``, or a time after a ``T``),
``31/03/2025`` or ``03/31/2025`` (also with ``-`` or ``.``)."""
MONTH_NAMES = _wordlist(
    "january february march april may june july august september october november december"
)


def _written_date(m: re.Match[str]) -> str:
    """A numeric date as the words a passage would write (``2025-03-31`` and ``31/03/2025``
    become ``31 march 2025``), so the month + day check of :func:`numbers`, the words and the
    fuzzy ratios see one form. A day-first or month-first date is read the way its numbers
    allow (a part above 12 is the day); when both parts could be the month (``03/04/2025``)
    it becomes ``3/4/2025``, which :func:`numbers` matches against either reading. Anything
    that is no valid date is left as written."""
    if m.group(1):  # year first: always year-month-day
        year, month, day = int(m.group(1)), int(m.group(3)), int(m.group(4))
    else:
        a, b, year = int(m.group(5)), int(m.group(7)), int(m.group(8))
        if a <= 12 and b <= 12 and a != b:
            if not (a and b and 1000 <= year < 3000) or m.group(0).endswith("t"):
                return m.group(0)
            return f"{a}/{b}/{year}"
        month, day = (b, a) if a > 12 else (a, b)
    if not (1 <= month <= 12 and 1 <= day <= 31 and 1000 <= year < 3000):
        return m.group(0)
    time = " " if m.group(0).endswith("t") else ""  # "2025-03-31t10:00"
    return f"{day} {MONTH_NAMES[month - 1]} {year}{time}"


def _to_24h(m: re.Match[str]) -> str:
    hour = int(m.group(1))
    if hour > 12:
        return m.group(0)
    hour = hour % 12 + (12 if m.group(3) == "p" else 0)
    return f"{hour}:{m.group(2) or '00'}"


def words(text: str) -> list[str]:
    """Folded word tokens; hyphenated words also yield their parts."""
    out: list[str] = []
    folded = fold(text)
    # "5,000,000" and "5 million" are one word, "250g" is "250 g", as numbers() reads them
    if "," in folded and _THOUSANDS.search(folded):
        folded = _THOUSANDS.sub("", folded)
    if _ATTACHED.search(folded):
        folded = _NUMBER_UNIT.sub(r"\1 \2", _SCALED.sub(_scaled_word, folded))
    for w in _WORD.findall(folded):
        if "'" not in w and "-" not in w and "." not in w:
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
_ATTACHED = re.compile(r"\d(?:[^\W\d_]| (?:thousand|[mbtr]illion)\b)")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_NUMBER_UNIT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)([^\W\d_]+)\b")
_SCALED = re.compile(
    r"(?<![\w.])(\$?)(\d+(?:\.\d+)?) ?(thousand|million|billion|trillion|k|mn|m|bn|b)\b"
)


def _scaled_word(m: re.Match[str]) -> str:
    """``5 million``, ``$5m`` and ``10k`` as the one word ``5000000`` / ``10000`` that
    ``5,000,000`` and ``10,000`` are (``m`` and ``b`` scale only an amount: ``5m`` is metres)."""
    scale = _SCALES.get(m.group(3)) or (
        _AMOUNT_SUFFIX_SCALES if m.group(1) else _SUFFIX_SCALES
    ).get(m.group(3))
    if scale is None:
        return m.group(0)
    return m.group(1) + _canon(float(m.group(2)) * scale)


@functools.lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """A light suffix stripper: enough to equate ``directed``/``directs``, cheap to run."""
    if word in _NUMBER_WORDS:  # "three" and "3" are the same word
        return _canon(_NUMBER_WORDS[word])
    if len(word) <= 4 or word.isdigit():
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)]
            if suffix in ("ies", "ied"):
                return base + "y"
            if suffix == "es" and not base.endswith(("s", "x", "z", "ch", "sh")):
                base += "e"  # pag-es is page-s; box-es is box
            elif (  # ship-ped, ship-ping: one consonant
                suffix[0] in "ei"
                and len(base) >= 4
                and base[-1] == base[-2]
                and base[-1] not in "aeioulsz"
            ):
                return base[:-1]
            return _final_e(base)
    return _final_e(word)


def _final_e(word: str) -> str:
    """change/changed/changes all give ``chang``; short words (``page``) keep their e."""
    if len(word) >= 5 and word.endswith("e") and not word.endswith("ee"):
        return word[:-1]
    return word


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
    out = _numbers(fold(text), passage=False)
    if spelled:
        for w in words(text):
            if w in _NUMBER_WORDS:
                out.append(Mention(w, "number", (_canon(_NUMBER_WORDS[w]),)))
    return out


def _numbers(
    folded: str, unscaled: set[str] | None = None, *, passage: bool = True
) -> list[Mention]:
    """The digit-written mentions of ``folded`` text; the unscaled value of an amount such
    as ``5 million`` (``"5"``) is added to ``unscaled`` when given.

    A date whose day and month could be swapped (``3/4/2025``) is matched by either reading:
    its key in a claim is the unordered pair ``"3/4"``, which a ``passage`` gives for every
    date whose day is 12 or less, and a passage gives both readings' keys for it.
    """
    out: list[Mention] = []
    ambiguous = {d.start(): d for d in _AMBIGUOUS.finditer(folded)} if "/" in folded else {}
    second = {d.start(2) for d in ambiguous.values()}
    clocks = {c.end(1): c for c in _CLOCK.finditer(folded)} if ":" in folded else {}
    minutes = {c.start(2) for c in clocks.values()}
    for m in _NUM.finditer(folded):
        if clocks:  # "15:00" is one time, never the counts 15 and 0
            if m.start() in minutes:
                continue
            clock = clocks.get(m.end())
            if clock is not None:
                key = f"{int(clock.group(1))}:{clock.group(2)}"
                out.append(Mention(clock.group(0), "time", (key,)))
                continue
        if ambiguous:
            if m.start() in second:
                continue
            if m.start() in ambiguous:
                out.append(_ambiguous_date(ambiguous[m.start()], passage))
                continue
        raw = m.group(0)
        digits = raw.rstrip(_LETTERS)
        suffix = raw[len(digits) :]
        if digits.count(".") >= 2:  # a version or an address: compared as written
            out.append(Mention(digits, "number", (digits.lstrip("+$"),)))
            continue
        if suffix in _ORDINALS:  # "3rd", "1990s"
            suffix = ""
        digits = digits.lstrip("+$").rstrip("%").replace(",", "")
        try:
            value = float(digits)
        except ValueError:
            continue
        after = folded[m.end() : m.end() + 12].strip().split(" ", 1)[0].strip(".,;")
        before = folded[max(0, m.start() - 10) : m.start()].split()
        month = after if after in MONTHS else (before[-1].strip(".,") if before else "")
        scales = _AMOUNT_SUFFIX_SCALES if raw.startswith("$") else _SUFFIX_SCALES
        if suffix in scales:  # "10k", "$5m": the scaled value, and the written one as well
            if unscaled is not None:
                unscaled.add(_canon(value))
            kind = "amount" if raw.startswith("$") else "number"
            out.append(Mention(raw, kind, (_canon(value * scales[suffix]),)))
            continue
        if suffix:  # a unit written onto the number ("250g", "40hrs"): the number counts
            out.append(Mention(raw, "number", (_canon(value),)))
            continue
        if raw.startswith("$") or raw.endswith("%") or after in _SCALES or after == "percent":
            kind = "amount"
            if after in _SCALES:
                if unscaled is not None:
                    unscaled.add(_canon(value))
                value *= _SCALES[after]
            out.append(Mention(raw, kind, (_canon(value),)))
        elif month in MONTHS and 1 <= value <= 31 and value == int(value):
            # "March 5" must match a March 5 in the passage, not any 5 (e.g. "5 days"); a
            # year next to a month ("3 March 2025", "March 2025") is a plain number
            surface = f"{raw} {month.title()}" if after == month else f"{month.title()} {raw}"
            keys: tuple[str, ...] = (_canon(value), f"{month[:3]} {_canon(value)}")
            if passage and value <= 12:  # the day could be the month of a claim's "3/4/2025"
                keys += (_pair(_MONTH_NUMBER[month[:3]], int(value)),)
            out.append(Mention(surface, "date", keys))
        else:
            out.append(Mention(raw, "number", (_canon(value),)))
    return out


_CLOCK = re.compile(r"(?<![\w.:])([01]?\d|2[0-3]):([0-5]\d)(?![\w:]|\.\d)")
"""A clock time as :func:`fold` leaves it (``3 pm`` and ``15:00`` are both ``15:00``)."""
_AMBIGUOUS = re.compile(r"(?<![\w./-])(1[0-2]|[1-9])/(1[0-2]|[1-9])/(\d{4})(?![\w/-]|\.\d)")
"""A date :func:`fold` could not order (``3/4/2025``: March 4 or April 3)."""
_MONTH_NUMBER = {name[:3]: i + 1 for i, name in enumerate(MONTH_NAMES)}


def _pair(a: int, b: int) -> str:
    return f"{min(a, b)}/{max(a, b)}"


def _ambiguous_date(m: re.Match[str], passage: bool) -> Mention:
    """``3/4/2025``: a claim needs a passage date of March 4 or April 3 (its year is checked
    as the plain number after it); a passage states both readings."""
    a, b = int(m.group(1)), int(m.group(2))
    keys: tuple[str, ...] = (_pair(a, b),)
    if passage:
        keys += (str(a), str(b), f"{MONTH_NAMES[a - 1][:3]} {b}", f"{MONTH_NAMES[b - 1][:3]} {a}")
    return Mention(m.group(0), "date", keys)


def ambiguous_months(folded: str) -> list[str]:
    """The month names either reading of the ambiguous dates in ``folded`` text gives
    (``3/4/2025``: ``march``, ``april``), so a passage that writes such a date also has the
    words of a claim that writes it in full ("March 4")."""
    if "/" not in folded:
        return []
    return [
        MONTH_NAMES[int(g) - 1]
        for d in _AMBIGUOUS.finditer(folded)
        for g in (d.group(1), d.group(2))
    ]


def number_keys(text: str, tokens: list[str] | None = None) -> set[str]:
    """Every number a passage states, scaled and unscaled (``5 million`` gives both).

    ``tokens`` are the passage's :func:`words` when the caller already has them.
    """
    keys: set[str] = set()
    keys.update(k for m in _numbers(fold(text), keys) for k in m.keys)
    for w in tokens if tokens is not None else words(text):
        if w in _NUMBER_WORDS:
            keys.add(_canon(_NUMBER_WORDS[w]))
    return keys


def _canon(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


_CAPS = re.compile(
    r"(?:[A-Z][\w'’.-]*|[A-Z]\.)(?:\s+(?:(?:of|the|de|da|del|von|van|la|le|and|&)\s+)?"
    r"(?:[A-Z][\w'’.-]*|[A-Z]\.))*",
    re.UNICODE,
)


def entities(text: str) -> list[Mention]:
    """Capitalised names. A lone capitalised word opening the sentence is not a name: it is
    left to the softer novel-word check, because sentence-initial words are mostly ordinary.
    A sentence adverb or interjection opening the sentence ("Unfortunately", "Sorry",
    "However") is not part of the name that follows it, and that name is a name even when
    it is a single word ("However Paris ...").
    """
    out: list[Mention] = []
    for m in _CAPS.finditer(text):
        surface = m.group(0)
        prefix = text[: m.start()].rstrip()
        sentence_start = not prefix or prefix[-1] in '.!?:"“(\n'
        if sentence_start:
            parts = surface.split()
            while len(parts) > 1 and fold(parts[0]).strip(".,") in _LEADING:
                parts.pop(0)
                sentence_start = False
            surface = " ".join(parts)
        toks = [
            t
            for t in words(surface)
            if (
                t not in STOPWORDS
                or (t in PLACE_ACRONYMS and t.upper() in surface.replace(".", ""))
            )
            and t not in DISCOURSE
            and not t.isdigit()
        ]
        toks = [t for t in toks if t not in MONTHS or len(toks) == 1]
        toks = [t.replace(".", "") if INITIALS.fullmatch(t) else t for t in toks]  # U.S. = US
        # A unit or a common acronym written in capitals is no name, nor part of a longer one:
        # "2:00 PM ET" names nothing, "49 GBP" is an amount, "Help Center FAQ" the Help Center
        written = {fold(w).replace(".", "") for w in surface.split() if w.isupper()}
        toks = [t for t in toks if t not in COMMON_ACRONYMS or t not in written]
        if not toks:
            continue
        acronym = len(toks) == 1 and any(
            w.isupper() and len(w) >= 2 and fold(w) == toks[0]
            for w in (p.strip(" .,;:") for p in surface.split())
        )
        if sentence_start and " " not in surface.strip() and not acronym:
            continue
        if sentence_start and words(surface)[0] in STOPWORDS and len(toks) == 1 and not acronym:
            continue
        out.append(Mention(surface, "entity", tuple(t for t in toks if len(t) > 1)))
    return [e for e in out if e.keys]


COMMON_ACRONYMS = wordset(
    """tv pc id ok ai it hr pr qa faq faqs usb gps pdf pdfs url urls
    ceo cfo cto coo vp dna rna hiv aids covid gdp vat gst pst hst tax am pm est pst cst mst
    gmt utc et pt ct mt edt pdt cdt mdt cet cest bst ist aest
    usd eur gbp jpy cad aud chf cny inr nzd sek nok dkk
    bc ad ce bce km kg mg ml cm mm mph kph fbi cia nasa nato who irs sms atm pin
    api sdk app faq diy asap rsvp fyi etc ie eg nb ps vs mr mrs ms dr st jr sr ltd inc llc
    co corp plc"""
)
"""Acronyms that are common knowledge rather than names a passage must contain, and units
written in capitals (currency codes: "49 GBP" says what "£49" says, the amount is checked as a
number; clock and time-zone abbreviations: "2:00 PM ET"). Places are not among them: see
:data:`PLACE_ACRONYMS`. Any
other all-capital word ("UPS", "DHL", "ACME") is a name: an invented carrier or product is
exactly what a support answer must not make up."""

INITIALS = re.compile(r"[a-z](?:\.[a-z])+\.?")

PLACE_ACRONYMS: dict[str, tuple[str, ...]] = {
    "us": ("united states", "usa"),
    "usa": ("united states", "us"),
    "uk": ("united kingdom", "great britain", "britain"),
    "eu": ("european union",),
    "un": ("united nations",),
    "uae": ("united arab emirates",),
}
"""Place acronyms are names ("We ship to the US" against a passage that ships to Canada
only), matched against their other spellings too, each a whole word or phrase (the passage
index adds the acronym where a sentence spells it out, and the spelled-out words where it
writes the acronym; "U.S." is "us" already, see :func:`words`)."""

_LEADING = DISCOURSE | wordset(
    """also however yes no so well still then now thus therefore hence see contact call visit
    email ask check use try read open select choose reach message text tell write go"""
)
"""Words that open a sentence without belonging to the name after them: discourse words and
the imperatives support answers open with ("Contact the Help Desk", "See the FAQ")."""
