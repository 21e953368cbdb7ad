"""Splitting a response into the claims the groundedness scorer checks.

A claim is a sentence or a clause that states something checkable. Greetings, hedges,
questions back to the user and offers are skipped; an opening interjection ("Sorry,"), a name
addressing the user ("Yes, Ada:") or the verb of a request ("Please send ...") is left out of
the checked part; citation markers (``[1]``, ``[doc-id]``) are taken off the text and kept.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Set
from dataclasses import replace

from evalkit.scorers._grounding_compare import comparison_parts
from evalkit.scorers._grounding_expressive import is_expressive, presupposes
from evalkit.scorers._grounding_frames import drop_frames, is_vague_lead
from evalkit.scorers._grounding_greeting import greeting_end
from evalkit.scorers._grounding_lexicon import (
    DISCOURSE,
    REQUEST_VERBS,
    STOPWORDS,
    UI_IMPERATIVES,
    wordset,
)
from evalkit.scorers._grounding_paraphrase import canon_words
from evalkit.scorers._grounding_polarity import lead_claims
from evalkit.scorers._grounding_stem import stem
from evalkit.scorers._grounding_text import (
    Claim,
    Given,
    content_words,
    entities,
    fold,
    is_content,
    numbers,
    words,
)

__all__ = ["ABBREVIATIONS", "claim_words", "split_claims"]

_SENTENCE_END = re.compile(r"[.!?]+[\"”’')\]]*(?=\s+|$)|\n\s*\n|\n(?=\s*[-*•\d]+[.)]?\s)")
ABBREVIATIONS = wordset(
    "mr mrs ms dr prof st jr sr vs etc inc ltd co corp no fig e.g i.e u.s u.k a.m p.m approx "
    "dept est gen gov lt col sgt rev mt ft jan feb mar apr jun jul aug sep sept oct nov dec"
)
_LIST_MARKER = re.compile(r"(?:[-*•]+|\d{1,2}[.)]|\*\*)\s+")
_CITATION = re.compile(r"\[([^\[\]\n]{1,40})\]")
_CLAUSE_SPLIT = re.compile(
    r";\s+|,\s+(?=(?:and|but|while|whereas|although|though)\s)|\s+(?=(?:but|whereas)\s)"
    r"|\s+(?=and\s+(?i:we|you|i|then)(?:['’](?:ll|ve|re|d))?\s)"
)
"""Where a sentence's clauses meet (each side must also hold three content words, see
:func:`_clause_spans`): at ``;``, at a conjunction after a comma, before "but" and
"whereas", and before an "and" that opens a clause with its own first- or second-person
subject ("Click Forgot password on the sign-in page and we'll email you a link that expires
after 24 hours"). Such a clause states a fact of its own, usually from another sentence of
the passage, as the same words split by a full stop would; read as one claim, its name and
figure were "never stated together". An "and" before a noun or a third person ("Rice was born
in New Orleans and moved to Texas") is no cut: that is the gluing of facts the relation
check exists for."""
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
    r"to (?:check|verify|confirm)|is there anything else|anything else i can|"
    r"(?:the |our )?(?:provided |available )?(?:passages?|context|documents?|help[- ]?cent(?:er|re)"
    r"(?: articles?| passages?)?|sources?|policy|policies|information (?:i have|provided)) "
    r"(?:doesn't|don't|does not|do not) (?:say|mention|cover|specify|state|include|contain|"
    r"address|explain)|i (?:don't|do not) have (?:any )?(?:information|details|data)|"
    r"i (?:couldn't|could not|can't|cannot) find (?:any )?(?:information|details|anything))\b",
    re.IGNORECASE,
)


_ABSTENTION = re.compile(
    r"^\W*(?:the |our )?(?:provided |available )?(?:passages?|context|documents?|"
    r"help[- ]?cent(?:er|re)(?: articles?| passages?)?|sources?|information (?:i have|provided)) "
    r"(?:doesn't|don't|does not|do not) (?:say|mention|specify|state|explain)(?: anything)? "
    r"(?:whether|if|how|when|what|which|where|who|why|about)\b"
    r"|^\W*i (?:don't|do not) have (?:any )?(?:information|details|data) (?:on|about)\b",
    re.IGNORECASE,
)
"""That the source is silent on a question: it asserts nothing about the world even where the
question names a place or a number ("does not say whether we deliver to Norway"), unlike a
hedge. Sentences that go on past it (", but ...", ";") are left to the checks."""
_COURTESY = re.compile(
    r"(?:(?:i'?m|i am|we'?re|we are) )?(?:so |very |really |truly )?sorry"
    r"(?: (?:to hear|to learn|about|for|that|you(?:'re| are))(?: \w+(?:-\w+)?){0,5})?"
    r"|(?:i'?m|i am) afraid(?: not)?|(?:please )?(?:don'?t|do not) worry|no need to worry"
    r"|no (?:problem|worries)|not a problem|good luck|take care|safe travels|all the best"
    r"|happy (?:shopping|travels|travelling|traveling|flying|holidays)|best wishes"
    r"|enjoy (?:your|the) \w+|have a (?:\w+ )?(?:day|trip|flight|stay|weekend|holiday)"
    r"|thanks?(?: you)?(?: so much)?(?: for (?:\w+ ){0,3}\w+)?|glad (?:i could|to) help"
    r"|(?:yes|no|not yet|not just yet|(?:unfortunately|sadly) not|not at the moment|not right"
    r" now|of course|sure)(?: in (?:this|your) case)?",
    re.IGNORECASE,
)
"""Social phrases: sympathy, reassurance, well-wishing and thanks ("Sorry to hear that!",
"No problem.", "Enjoy your trip!"), and bare answer particles. A sentence made only of them
states nothing the context could support; one with a number or a name is still checked, and
the sympathy's object is kept short ("sorry about the delay", not a whole invented cause)."""
_COURTESY_PIECES = re.compile(r"\s*(?:[,;:!.\u2014]+|\s-\s|\band\b)\s*")


def _social(sentence: str, given: Given | None = None) -> bool:
    """Whether ``sentence`` is courtesy only (see :data:`_COURTESY`): with ``given``, not
    when it presupposes an event the user did not report ("Enjoy your payout!")."""
    if _has_facts(sentence) or (given is not None and presupposes(content_words(sentence), given)):
        return False
    pieces = [p for p in _COURTESY_PIECES.split(sentence.replace("’", "'")) if p.strip()]
    return bool(pieces) and all(_COURTESY.fullmatch(p.strip()) for p in pieces)


_GOES_ON = re.compile(r"[;]|,\s*(?:but|however|although|though|yet|and)\b|\bhowever\b", re.I)


_IDIOMS = re.compile(
    r"\b(?:bear in mind|keep in mind|on the other hand|right away|straight away|as soon as"
    r"|as long as|in the meantime|take care of|let (?:you|us|me) know|get in touch"
    r"|at the moment|for now|by the way|in (?:this|that|your) case)\b",
    re.IGNORECASE,
)
"""Set phrases that state no fact of their own ("Bear in mind that ...", "we'll take care of
it", "as soon as it's approved"): no content a passage must hold; the facts around them are."""


def claim_words(body: str) -> list[str]:
    """The content words of a claim's checked text, without :data:`_IDIOMS`."""
    return [stem(w) for w in _claim_tokens(body) if is_content(w)]


def claim_canon_words(body: str) -> list[str]:
    """:func:`claim_words` in their canonical forms for the word checks (everyday paraphrase:
    see :mod:`~evalkit.scorers._grounding_paraphrase`)."""
    return canon_words(list(_claim_tokens(body)))


@functools.lru_cache(maxsize=1 << 10)
def _claim_tokens(body: str) -> tuple[str, ...]:
    """The words of a claim's checked text without :data:`_IDIOMS` and without an opening
    imperative of a user interface ("Click", "Type", "Enter": a passage saying "enter the code"
    supports "Type the code"), tokenised once for both :func:`claim_words` and
    :func:`claim_canon_words` (a tuple: the cache shares it)."""
    body = drop_frames(body)
    tokens = words(_IDIOMS.sub(" ", body) if _IDIOM_HINT.search(body) else body)
    if tokens and tokens[0] in UI_IMPERATIVES:  # "Type SPRING10 at checkout": the how, not a fact
        tokens = tokens[1:]
    if "must" in tokens:  # a claim's "must" asks nothing of the passage (see PHRASES)
        tokens = [t for t in tokens if t != "must"]
    return tuple(tokens)


_IDIOM_HINT = re.compile(
    r"\b(?:mind|hand|away|soon|long|meantime|care|know|touch|moment|now|way|case)\b", re.I
)


def split_claims(
    text: str, given: Given | None = None, known: Set[str] | None = None
) -> list[Claim]:
    """Sentences and clauses of ``text`` that assert something, with their spans.

    Greetings, hedges, questions back to the user and lines that only introduce a list are
    skipped: they state nothing that the context could support or contradict. So is a
    clause left without content once its interjections, a name addressing the user
    (one of ``given``'s names, or a greeting's addressee none of whose words is among
    ``known``, the stems of the passages) and the verb of a request are set aside ("Thanks,
    Ada!"). Clauses cut at "and we'll" carry the whole sentence (:attr:`Claim.whole`).
    """
    claims: list[Claim] = []
    given = given or Given()
    for start, end in _sentence_spans(text):
        raw = text[start:end]
        cites = tuple(c.strip() for m in _CITATION.finditer(raw) for c in m.group(1).split(","))
        body = _CITATION.sub(" ", raw).strip()
        if _skip(body, known, given) or is_expressive(body, known, given) or is_vague_lead(body):
            claims.extend(lead_claims(body, start, end, cites, given))  # "Yes!" to "Can I ...?"
            continue
        run: list[Claim | None] = []
        for cstart, cend, wrong, soft in _parts(raw):
            if not soft:
                claims.extend(_joined(run, raw, start, cites, given, known))
                run = []
            run.append(_claim(raw, start, cstart, cend, cites, wrong, given, known))
        claims.extend(_joined(run, raw, start, cites, given, known))
    return claims


def _claim(
    raw: str,
    start: int,
    cstart: int,
    cend: int,
    cites: tuple[str, ...],
    wrong: str,
    given: Given,
    known: Set[str] | None,
) -> Claim | None:
    """The claim of the clause ``raw[cstart:cend]`` of a sentence at ``start``, or None."""
    clause = _CITATION.sub(" ", raw[cstart:cend]).strip(" ,;\n")
    if not clause or _skip(clause, known, given) or is_expressive(clause, known, given):
        return None
    tidy = re.sub(r"\s+([.,;:!?])", r"\1", " ".join(clause.split()))
    checked = claim_body(tidy, given, known)
    if checked != tidy and _skip(checked, known, given):
        return None
    body = "" if checked == tidy else checked
    return Claim(tidy, start + cstart, start + cend, cites, body, wrong)


def _joined(
    run: list[Claim | None],
    raw: str,
    start: int,
    cites: tuple[str, ...],
    given: Given,
    known: Set[str] | None,
) -> list[Claim]:
    """The claims of clauses cut at "and we'll" (a ``run``), each carrying the claim of the
    whole stretch, which the support check falls back on: a cut must never turn a sentence
    the passage supports into unsupported halves. A stretch with a skipped clause or a
    comparison stays cut."""
    found = [c for c in run if c is not None]
    if len(run) < 2 or len(found) < len(run) or any(c.wrong for c in found):
        return found
    whole = _claim(
        raw, start, found[0].start - start, found[-1].end - start, cites, "", given, known
    )
    if whole is None:
        return found
    return [replace(c, whole=whole) for c in found]


def _parts(sentence: str) -> list[tuple[int, int, str, bool]]:
    """The clauses of a sentence, a comparison of two stated facts cut into its two sides
    (with the reason the comparison is false, if it is: see _grounding_compare), and whether
    each was cut from the one before at "and we'll" (see :func:`_clause_spans`)."""
    out: list[tuple[int, int, str, bool]] = []
    for cstart, cend, soft in _clause_spans(sentence):
        spans, wrong = comparison_parts(sentence[cstart:cend])
        out.extend(
            (cstart + a, cstart + b, wrong, soft and k == 0) for k, (a, b) in enumerate(spans)
        )
    return out


_OPENER = re.compile(
    r"(?P<w>(?:good|great|bad) news|[^\W\d_]+(?:\s+you)?)(?P<sep>\s*[,!:;.\u2014\u2013-]+\s*|\s+)",
    re.UNICODE | re.IGNORECASE,
)
_OPENERS = frozenset({"thank you", "also", "however", "good news", "great news", "bad news"})
_PARTICLES = wordset("yes no so well great perfect good alright right oh ah")
"""Answer particles that open a sentence only when punctuation follows ("No, ...", but
"No refunds are given" is a claim)."""
_VOCATIVE_START = re.compile(
    r"(?P<name>[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,2})\s*[,:!\u2014]+\s*"
)
_VOCATIVE_END = re.compile(r",\s*(?P<name>[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,2})\s*[.!]*$")
_OBJECT_START = wordset(
    "the your us me a an it them this these those that all any to sure in back our both"
)


def claim_body(clause: str, given: Given, known: Set[str] | None = None) -> str:
    """What of ``clause`` is checked: without opening interjections and sentence adverbs
    ("Sorry,", "Unfortunately", "Yes,"), without a name from the request that addresses
    the user ("Yes, Ada:", "..., Ada."), and without the verb of a request ("Please send
    your order number" checks "your order number": the request states what the source
    requires, and an invented requirement still fails on its own words)."""
    s, request = clause, False
    while True:
        greeted = greeting_end(s, known)
        if greeted:
            s = s[greeted:]
            continue
        m = _OPENER.match(s)
        if m:
            w = fold(m.group("w"))
            punct = bool(m.group("sep").strip())
            if w in DISCOURSE or w in _OPENERS or (punct and w in _PARTICLES):
                request = request or w in ("please", "kindly")
                s = s[m.end() :]
                continue
        v = _VOCATIVE_START.match(s)
        if v and _is_given_name(v.group("name"), given):
            s = s[v.end() :]
            continue
        break
    v = _VOCATIVE_END.search(s)
    if v and _is_given_name(v.group("name"), given):
        s = s[: v.start()].rstrip() + "."
    first = s.split(maxsplit=2)
    if first:
        verb = fold(first[0])
        nxt = fold(first[1]) if len(first) > 1 else ""
        if request or (verb in REQUEST_VERBS and nxt in _OBJECT_START):
            drop = 2 if (verb, nxt) == ("make", "sure") else 1
            s = " ".join(first[drop:])
    return s.strip()


def _is_given_name(name: str, given: Given) -> bool:
    keys = [w for w in words(name) if w not in STOPWORDS]
    return bool(keys) and all(k in given.names for k in keys)


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        end = m.end()
        before = text[start : m.start()].split()
        last = before[-1].lower().strip('("“') if before else ""
        line_start = text.rfind("\n", 0, m.start()) + 1
        if m.group(0).startswith(".") and (
            (last in ABBREVIATIONS and (last != "no" or text[m.end() :].lstrip()[:1].isdigit()))
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


def _clause_spans(sentence: str) -> list[tuple[int, int, bool]]:
    """Split at ``;`` and at conjunctions between clauses that are each long enough alone:
    three content words each, not counting citation markers ("[kb-support]") or set phrases
    ("we'll take care of it"), which state nothing of their own. Each span says whether it
    was cut from the one before at an "and" with its own subject (a soft cut: the check falls
    back on the whole, see :func:`_joined`)."""
    cuts, soft = [0], [False]
    for m in _CLAUSE_SPLIT.finditer(sentence):
        left = sentence[cuts[-1] : m.start()]
        right = sentence[m.end() :]
        if _long_enough(left) and _long_enough(right):
            cuts.append(m.end())
            soft.append(m.group(0).isspace() and right.startswith("and"))
    bounds = [*cuts, len(sentence)]
    return [(bounds[i], bounds[i + 1], soft[i]) for i in range(len(bounds) - 1)]


def _long_enough(clause: str) -> bool:
    """Whether ``clause`` holds three content words of its own (see :func:`_clause_spans`)."""
    return len(claim_words(_CITATION.sub(" ", clause) if "[" in clause else clause)) >= 3


def _skip(sentence: str, known: Set[str] | None = None, given: Given | None = None) -> bool:
    s = sentence.strip()
    if not s or s.endswith("?") or s.endswith(":"):
        return True
    greeted = greeting_end(s, known)
    if greeted:  # "Hi Sam!", "Hello Maria, ..." (the rest, if any, is read on)
        s = s[greeted:].strip()
        if not s:
            return True
    if _HEDGE.match(s) and not _has_facts(s):
        return True
    if _ABSTENTION.match(s) and not _GOES_ON.search(s):
        return True
    if _social(s, given):
        return True
    opener = _PLEASANTRY.match(s)
    if opener:
        s = s[opener.end() :]
    return len(content_words(s)) + len(numbers(s)) < 1


def _has_facts(sentence: str) -> bool:
    """A hedge that still states numbers or names ("not sure, but it was 1990") is checked."""
    return bool(numbers(sentence)) or bool(entities(sentence))
