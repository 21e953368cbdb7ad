"""Text analysis for the groundedness scorer: claims, words, numbers, entities, citations.

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
from dataclasses import dataclass

__all__ = [
    "Claim",
    "Mention",
    "content_words",
    "entities",
    "fold",
    "is_content",
    "numbers",
    "split_claims",
    "stem",
    "words",
]


def _wordlist(text: str) -> list[str]:
    return text.split()


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOPWORDS = _wordset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each either
    few for from further had has have having he her here hers herself him himself his how i if
    in into is it its itself just me more most my myself neither no nor not of off on once only
    or other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up upon
    very was we were what when where which while who whom whose why will with within without
    would you your yours yourself yourselves s t also although however thus therefore hence yet
    well still even may might must shall one ones another its it's that's there's yes"""
)
"""Function words: never evidence of support, never counted as novel content."""

META_WORDS = _wordset(
    "passage passages text article document documents source sources summary summarise "
    "summarize summarized summarised context provided provides provide mention mentions "
    "mentioned describe describes described discuss discusses discussed information details "
    "excerpt snippet report reports reported highlight highlights state states stated note "
    "yes overall"
)
"""Words about the source itself ("the passage describes ..."): not claims about the world."""
NEGATIONS = _wordset("not no never none nor neither cannot can't won't n't without")

_WORD = re.compile(r"[^\W_]+(?:[-'’.][^\W_]+)*", re.UNICODE)
_NUM = re.compile(r"(?<![\w.])[-+]?\$?\d(?:[\d,]*\d)?(?:\.\d+)?(?:%|st|nd|rd|th|s)?(?![\w])")
_ORDINAL = re.compile(r"(st|nd|rd|th|s)$")
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
MONTHS = _wordset(
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
_SENTENCE_END = re.compile(r"[.!?]+[\"”’')\]]*(?=\s+|$)|\n\s*\n|\n(?=\s*[-*•\d]+[.)]?\s)")
_ABBREV = _wordset(
    "mr mrs ms dr prof st jr sr vs etc inc ltd co corp no fig e.g i.e u.s u.k a.m p.m approx "
    "dept est gen gov lt col sgt rev mt ft jan feb mar apr jun jul aug sep sept oct nov dec"
)
_LIST_MARKER = re.compile(r"(?:[-*•]+|\d{1,2}[.)]|\*\*)\s+")
_CITATION = re.compile(r"\[([^\[\]\n]{1,40})\]")
_CLAUSE_SPLIT = re.compile(
    r";\s+|,\s+(?=(?:and|but|while|whereas|although|though)\s)|\s+(?=(?:but|whereas)\s)"
)
_PLEASANTRY = re.compile(
    r"^\W*(?:hi|hello|hey|dear \w+|greetings|thanks|thank you|you're welcome|sure|certainly|"
    r"of course|absolutely|okay|ok|great question|good question|happy to help|glad to help|"
    r"here(?:'s| is| are) (?:a |the |an |my )?(?:summary|answer|overview|breakdown|"
    r"information)|based on the (?:provided |given )?(?:context|information|passages?|documents?)"
    r"|according to the (?:provided |given )?(?:context|information|passages?|documents?))\b[\s,!.:;-]*",
    re.IGNORECASE,
)
"""Openers that assert nothing; the rest of the sentence, if any, is still checked."""
_HEDGE = re.compile(
    r"^\W*(?:i hope (?:this|that|it) helps|hope (?:this|that) helps|let me know|feel free|"
    r"please (?:let|feel|reach|ask|contact|note that i|verify|check)|if you have (?:any )?"
    r"(?:other|more|further|additional) questions|i'?m not (?:sure|certain)|i am not (?:sure|"
    r"certain)|i (?:don't|do not|cannot|can't) (?:know|say|be certain)|you (?:may|might) want "
    r"to (?:check|verify|confirm)|is there anything else|anything else i can)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Mention:
    """A number or named entity found in a claim, with a normalised key for comparison."""

    text: str
    kind: str
    """``"number"``, ``"date"``, ``"amount"`` or ``"entity"``."""
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


def fold(text: str) -> str:
    """Lower-case and strip accents, so ``Café`` and ``cafe`` compare equal."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.lower().replace("’", "'")


def words(text: str) -> list[str]:
    """Folded word tokens; hyphenated words also yield their parts."""
    out: list[str] = []
    for w in _WORD.findall(fold(text)):
        if "'" not in w and "-" not in w and "." not in w:
            out.append(w)  # the common case, kept cheap
            continue
        if w.endswith("'s"):
            w = w[:-2]
        out.append(w)
        if "-" in w:
            out.extend(p for p in w.split("-") if p)
        if "." in w and not _DOTTED.fullmatch(w):
            # "2006.New" is two sentences glued together, not one word
            out.extend(p for p in w.split(".") if p)
    return out


_DOTTED = re.compile(r"(?:\w\.)+\w?|[\d.]+")


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
            return base
    return word


def content_words(text: str) -> list[str]:
    """Stems of the words that carry meaning (no function words, no bare punctuation)."""
    return [stem(w) for w in words(text) if is_content(w)]


def is_content(w: str) -> bool:
    """Whether a folded word token carries meaning (see :func:`content_words`)."""
    return (
        w not in STOPWORDS
        and w not in META_WORDS
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
    out: list[Mention] = []
    folded = fold(text)
    for m in _NUM.finditer(folded):
        raw = m.group(0)
        digits = raw.lstrip("+$").rstrip("%")
        digits = _ORDINAL.sub("", digits).replace(",", "")
        try:
            value = float(digits)
        except ValueError:
            continue
        after = folded[m.end() : m.end() + 12].strip().split(" ", 1)[0].strip(".,;")
        before = folded[max(0, m.start() - 10) : m.start()].split()
        month = after if after in MONTHS else (before[-1].strip(".,") if before else "")
        if raw.startswith("$") or raw.endswith("%") or after in _SCALES or after == "percent":
            kind = "amount"
            if after in _SCALES:
                value *= _SCALES[after]
            out.append(Mention(raw, kind, (_canon(value),)))
        elif month in MONTHS:
            # "March 5" must match a March 5 in the passage, not any 5 (e.g. "5 days")
            surface = f"{raw} {month.title()}" if after == month else f"{month.title()} {raw}"
            out.append(Mention(surface, "date", (_canon(value), f"{month[:3]} {_canon(value)}")))
        else:
            out.append(Mention(raw, "number", (_canon(value),)))
    if spelled:
        for w in words(text):
            if w in _NUMBER_WORDS:
                out.append(Mention(w, "number", (_canon(_NUMBER_WORDS[w]),)))
    return out


def number_keys(text: str, tokens: list[str] | None = None) -> set[str]:
    """Every number a passage states, scaled and unscaled (``5 million`` gives both).

    ``tokens`` are the passage's :func:`words` when the caller already has them.
    """
    keys = {k for m in numbers(text) for k in m.keys}
    for w in tokens if tokens is not None else words(text):
        if w in _NUMBER_WORDS:
            keys.add(_canon(_NUMBER_WORDS[w]))
    for m in _NUM.finditer(fold(text)):
        digits = _ORDINAL.sub("", m.group(0).lstrip("+$").rstrip("%"))
        try:
            keys.add(_canon(float(digits.replace(",", ""))))
        except ValueError:
            continue
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
    """
    out: list[Mention] = []
    for m in _CAPS.finditer(text):
        toks = [t for t in words(m.group(0)) if t not in STOPWORDS and not t.isdigit()]
        toks = [t for t in toks if t not in MONTHS or len(toks) == 1]
        if not toks:
            continue
        prefix = text[: m.start()].rstrip()
        sentence_start = not prefix or prefix[-1] in '.!?:"“(\n'
        if sentence_start and " " not in m.group(0).strip():
            continue
        if sentence_start and words(m.group(0))[0] in STOPWORDS and len(toks) == 1:
            continue
        if len(toks) == 1 and m.group(0).strip(" .").isupper() and len(toks[0]) <= 3:
            continue  # short acronyms (UK, TV) are often world knowledge; checked softly
        out.append(Mention(m.group(0), "entity", tuple(t for t in toks if len(t) > 1)))
    return [e for e in out if e.keys]


def split_claims(text: str) -> list[Claim]:
    """Sentences and clauses of ``text`` that assert something, with their spans.

    Greetings, hedges, questions back to the user and lines that only introduce a list are
    skipped: they state nothing that the context could support or contradict.
    """
    claims: list[Claim] = []
    for start, end in _sentence_spans(text):
        raw = text[start:end]
        cites = tuple(c.strip() for m in _CITATION.finditer(raw) for c in m.group(1).split(","))
        body = _CITATION.sub(" ", raw).strip()
        if _skip(body):
            continue
        for cstart, cend in _clause_spans(raw):
            clause = _CITATION.sub(" ", raw[cstart:cend]).strip(" ,;\n")
            if not clause or _skip(clause):
                continue
            tidy = re.sub(r"\s+([.,;:!?])", r"\1", " ".join(clause.split()))
            claims.append(Claim(tidy, start + cstart, start + cend, cites))
    return claims


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        end = m.end()
        before = text[start : m.start()].split()
        last = before[-1].lower().strip('("“') if before else ""
        line_start = text.rfind("\n", 0, m.start()) + 1
        if m.group(0).startswith(".") and (
            last in _ABBREV
            or (len(last) == 1 and last.isalpha())
            or re.fullmatch(r"\w\.\w", last)
            or re.fullmatch(r"\s*\d{1,2}", text[max(start, line_start) : m.start()])
        ):
            continue
        cite = re.match(r"\s*(?:\[[^\[\]\n]{1,40}\]\s*)+", text[end:])
        if cite:  # a citation placed after the full stop belongs to the sentence before it
            end += len(cite.group(0).rstrip())
        _add_span(text, start, end, spans)
        start = end
    _add_span(text, start, len(text), spans)
    return spans


def _add_span(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    marker = _LIST_MARKER.match(text, start, end)
    if marker:  # "1. ", "- ", "* " open a list item; they are layout, not content
        start = marker.end()
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


def _clause_spans(sentence: str) -> list[tuple[int, int]]:
    """Split at ``;`` and at conjunctions between clauses that are each long enough alone."""
    cuts = [0]
    for m in _CLAUSE_SPLIT.finditer(sentence):
        left = sentence[cuts[-1] : m.start()]
        right = sentence[m.end() :]
        if len(content_words(left)) >= 3 and len(content_words(right)) >= 3:
            cuts.append(m.end())
    bounds = [*cuts, len(sentence)]
    return [(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]


def _skip(sentence: str) -> bool:
    s = sentence.strip()
    if not s or s.endswith("?") or s.endswith(":"):
        return True
    if _HEDGE.match(s) and not _has_facts(s):
        return True
    opener = _PLEASANTRY.match(s)
    if opener:
        s = s[opener.end() :]
    return len(content_words(s)) + len(numbers(s)) < 1


def _has_facts(sentence: str) -> bool:
    """A hedge that still states numbers or names ("not sure, but it was 1990") is checked."""
    return bool(numbers(sentence)) or bool(entities(sentence))


def citations_in(text: str) -> list[str]:
    """Citation targets written as ``[1]``, ``[doc-7]`` or ``[1, 2]``."""
    return [c.strip() for m in _CITATION.finditer(text) for c in m.group(1).split(",")]
