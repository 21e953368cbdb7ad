"""Finding a claim's best supporting passage and checking it against that passage.

Support is measured three ways because each alone fails somewhere: TF-IDF cosine (from
scikit-learn) rewards shared rare words, rapidfuzz's ``partial_ratio`` rewards a claim
copied nearly verbatim from part of a long passage, and ``token_set_ratio`` tolerates
reordering. On top of the blended score come the checks that similarity cannot make: every
number, date, amount and name in the claim must occur in the chosen passage, the claim's
content words must mostly occur there, and a cited passage must exist and be the support.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence, Set
from dataclasses import dataclass, field, replace
from typing import Any

from rapidfuzz import fuzz
from sklearn.feature_extraction.text import TfidfVectorizer

from evalkit.dataset import ContextPassage
from evalkit.scorers._grounding_proximity import (
    local_coverage,
    proximity,
    transplanted,
    word_order,
)
from evalkit.scorers._grounding_text import (
    ABBREVIATIONS,
    NEGATIONS,
    PLACE_ACRONYMS,
    STOPWORDS,
    Claim,
    Given,
    Mention,
    content_words,
    entities,
    fold,
    is_content,
    number_keys,
    numbers,
    stem,
    words,
)

SHORTLIST = 2
"""Passages per claim compared in full (besides cited ones)."""
_ARTICLES = frozenset({"the", "a", "an", "our", "your", "this", "that"})

__all__ = ["ClaimResult", "PassageIndex", "SupportOptions", "check_claim", "check_claims"]


@dataclass(frozen=True)
class SupportOptions:
    """Thresholds of the offline check; defaults were chosen with grouped cross-validation
    (see ``benchmarks/bench_groundedness.py``), not per example."""

    min_support: float = 0.3
    """Blended similarity below which a claim has no supporting passage at all."""
    min_coverage: float = 0.8
    """Share of the claim's content words that must occur in the passage."""
    min_local: float = 0.8
    """Share of the claim's content words that must occur within two adjacent sentences."""
    min_proximity: float = 0.6
    """Distinct claim words over the shortest passage stretch holding them all: a claim
    assembled from words scattered over the passage states a relation the passage lacks."""
    verbatim: float = 0.95
    """A claim whose ``partial_ratio`` reaches this is near-verbatim text of the passage and
    is supported without the word-level conditions."""
    check_negation: bool = True
    """Flag a claim whose negation disagrees with the passage sentence closest to it."""
    check_relations: bool = True
    """Flag a claim whose names and numbers the passage never states together (see
    :func:`_relation_mismatch`)."""


@dataclass(frozen=True)
class ClaimResult:
    """The verdict on one claim, as stored in ``details["claims"]``."""

    text: str
    start: int
    end: int
    passage: str | None
    """Id of the best supporting passage (``None`` when there is no context)."""
    support: float
    """Blended similarity in [0, 1] between the claim and that passage."""
    supported: bool
    reason: str | None = None
    """Why the claim is unsupported: ``no support``, ``number mismatch: 45 not in passage 2``,
    ``wrong citation [3]``, ..."""
    citations: tuple[str, ...] = ()
    features: dict[str, float] = field(default_factory=dict)
    strongly_unsupported: bool = False
    """Unsupported with strong evidence: a name, number, date, relation or negation the
    passage contradicts or lacks, or two or more content words found in no passage at all
    (a paraphrase can still qualify: this ranks responses, it is no verdict of invention).
    Counted per response as ``strongly_unsupported_claims``."""

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "text": self.text,
            "span": [self.start, self.end],
            "passage": self.passage,
            "support": round(self.support, 4),
            "supported": self.supported,
        }
        if self.reason:
            d["reason"] = self.reason
        if self.citations:
            d["citations"] = list(self.citations)
        if self.features:
            d["features"] = {k: round(v, 4) for k, v in self.features.items()}
        if self.strongly_unsupported:
            d["strongly_unsupported"] = True
        return d


class PassageIndex:
    """Everything about a case's passages that every claim needs, computed once per case."""

    def __init__(self, passages: Sequence[ContextPassage]) -> None:
        self.passages = tuple(passages)
        self.texts = [fold(p.text) for p in self.passages]
        self._ids = [fold(p.id) for p in self.passages]
        # Folded source names worth matching in prose (three characters or more), else "".
        self._sources = [
            fold(p.source) if p.source and len(p.source) >= 3 else "" for p in self.passages
        ]
        # Each passage is tokenised once, sentence by sentence; everything else derives from it.
        raw = [passage_sentences(t) for t in self.texts]
        tokens: list[list[list[str]]] = []
        for p, text, sents in zip(self.passages, self.texts, raw, strict=True):
            written = _written_acronyms(p.text)
            if written or any(hint in text for hint in _SPELLED_HINTS) or "u." in text:
                tokens.append([_with_aliases(s, words(s), written) for s in sents])
            else:  # the common case: no place named, nothing to add
                tokens.append([words(s) for s in sents])
        self.words = [{w for sent in sents for w in sent} for sents in tokens]
        self.stems = [{stem(w) for w in ws} for ws in self.words]
        self.prefixes = [_prefix_map(s) for s in self.stems]
        self.numbers = [
            number_keys(p.text, [w for sent in sents for w in sent])
            for p, sents in zip(self.passages, tokens, strict=True)
        ]
        self.sentences = [[_stem_tokens(sent) for sent in sents if sent] for sents in tokens]
        self.sentence_sets = [[set(s) for s in sents] for sents in self.sentences]
        # Content stems per sentence, for proximity: function words would dilute it unevenly
        # (a long sentence full of "of the ... from" looks scattered when it is not).
        self.content_sentences = [
            [[stem(w) for w in sent if is_content(w)] for sent in sents if sent] for sents in tokens
        ]
        self._raw = raw
        self._tokens = tokens
        self._where: dict[int, dict[str, set[int]]] = {}
        self._openers: dict[int, frozenset[int]] = {}
        self._sentence_numbers: dict[int, list[set[str]]] = {}
        self.vectorizer = TfidfVectorizer(analyzer=_identity, sublinear_tf=True)
        content = [[w for sent in sents for w in sent] for sents in self.content_sentences]
        try:
            self.matrix = self.vectorizer.fit_transform(content)
        except ValueError:  # passages without a single content word
            self.matrix = None

    def pronoun_openers(self, i: int) -> frozenset[int]:
        """Sentences of passage ``i`` (after the first) that open with a personal pronoun,
        so they continue the previous sentence's subject."""
        if i not in self._openers:
            self._openers[i] = frozenset(
                j
                for j, sent in enumerate(self.sentences[i])
                if j and sent and sent[0] in _PRONOUN_OPENERS
            )
        return self._openers[i]

    def where(self, i: int) -> dict[str, set[int]]:
        """Passage ``i``'s stems, each with the sentences holding it (built on first use:
        only claims with two or more names or numbers need it)."""
        if i not in self._where:
            where: dict[str, set[int]] = {}
            for j, sent in enumerate(self.sentence_sets[i]):
                for w in sent:
                    where.setdefault(w, set()).add(j)
            self._where[i] = where
        return self._where[i]

    def sentence_texts(self, i: int) -> list[str]:
        """Passage ``i``'s folded sentences, indexed like :attr:`sentences`."""
        return [s for s, w in zip(self._raw[i], self._tokens[i], strict=True) if w]

    def sentence_numbers(self, i: int) -> list[set[str]]:
        """The numbers each sentence of passage ``i`` states (built on first use)."""
        if i not in self._sentence_numbers:
            self._sentence_numbers[i] = [
                number_keys(s, w) for s, w in zip(self._raw[i], self._tokens[i], strict=True) if w
            ]
        return self._sentence_numbers[i]

    def similarities(self, claims: Sequence[list[str]]) -> Any:
        """TF-IDF cosine of each claim (as content stems) with each passage, in one batch."""
        if self.matrix is None or not claims:
            return [[0.0] * len(self.passages) for _ in claims]
        return (self.vectorizer.transform(claims) @ self.matrix.T).toarray()

    def resolve(self, citation: str) -> int | None:
        """The passage a citation names: its id, its source, or ``doc-2``/``source 2`` for 2."""
        key = fold(citation).strip()
        for i, p in enumerate(self.passages):
            if self._ids[i] == key or (p.source and fold(p.source) == key):
                return i
        digits = re.fullmatch(r"(?:[a-z]+[\s_-]*)?(\d+)", key)
        if digits:
            for i, p in enumerate(self.passages):
                if p.id == digits.group(1):
                    return i
        return None

    def names_a_source(self, mention: str) -> bool:
        """Whether a name in a claim is a passage's source name ("the Returns Policy"): a
        citation, checked by :func:`check_claim`, not a name the passage must contain."""
        if not any(self._sources):
            return False
        key = f" {fold(mention).strip(' .,;:!?')} "
        return len(key) >= 5 and any(
            src and (f" {src} " in key or (key.strip() not in _ARTICLES and key in f" {src} "))
            for src in self._sources
        )

    def named_sources(self, claim: str) -> list[int]:
        """Passages whose source name the claim mentions ("according to the Handbook")."""
        if not any(self._sources):
            return []
        folded = fold(claim)
        return [i for i, src in enumerate(self._sources) if src and src in folded]


def _with_aliases(sentence: str, tokens: list[str], written: frozenset[str]) -> list[str]:
    """A passage sentence's tokens plus the other spellings a claim may use for a place:
    ``us`` where it says "United States", and "united", "states" where the passage writes "US"
    in capitals (not the pronoun: ``written`` holds the acronyms it writes so)."""
    extra = [a for a, spelled in _SPELLED.items() if spelled.search(sentence)]
    # "U.S." writes the acronym too; other initials ("D.C.") are no place acronym.
    dotted = {t.replace(".", "") for t in tokens if "." in t} & PLACE_ACRONYMS.keys()
    for acronym in (written | dotted).intersection(tokens):
        for form in PLACE_ACRONYMS[acronym]:
            extra.extend(form.split())
    return tokens + extra if extra else tokens


_SPELLED = {
    acronym: re.compile(r"\b(?:" + "|".join(re.escape(f) for f in forms) + r")\b")
    for acronym, forms in PLACE_ACRONYMS.items()
}
"""Each place acronym's other spellings as whole words ("usage" does not spell "usa")."""


def _written_acronyms(text: str) -> frozenset[str]:
    """The place acronyms a passage writes in capitals ("US", not the pronoun "us")."""
    if not any(a.upper() in text for a in PLACE_ACRONYMS):  # the cheap common case
        return frozenset()
    return frozenset(m.lower() for m in _WRITTEN.findall(text))


_WRITTEN = re.compile(r"\b(" + "|".join(a.upper() for a in PLACE_ACRONYMS) + r")\b")
_SPELLED_HINTS = ("united", "usa", "britain")


def check_claims(
    claims: Sequence[Claim],
    index: PassageIndex,
    options: SupportOptions,
    given: Given | None = None,
) -> list[ClaimResult]:
    """Check every claim of a response (TF-IDF is computed for all claims at once).

    ``given`` holds the names and numbers of the request, which the user supplied: see
    :func:`_mismatch` for when a claim may repeat them although the passage lacks them.
    """
    cwords = [content_words(c.body) for c in claims]
    sims = index.similarities(cwords)
    results = [
        check_claim(c, index, options, cw, [float(x) for x in row], given)
        for c, cw, row in zip(claims, cwords, sims, strict=True)
    ]
    anywhere = set().union(*index.stems) if index.stems else set()
    return [
        replace(r, strongly_unsupported=_strongly_unsupported(r, cw, anywhere))
        if not r.supported
        else r
        for r, cw in zip(results, cwords, strict=True)
    ]


_HARD_REASONS = tuple(
    f"{kind} mismatch" for kind in ("entity", "number", "amount", "date", "relation", "negation")
)


def _strongly_unsupported(result: ClaimResult, cwords: Sequence[str], anywhere: Set[str]) -> bool:
    """Strong evidence that an unsupported claim was made up rather than paraphrased: a hard
    mismatch, or two or more of its content words found in no passage at all. On FaithBench
    the number of such claims ranks hallucinated summaries better (AUROC 0.66) than the
    supported fraction does, see docs/scorers/groundedness.md."""
    if result.reason and result.reason.startswith(_HARD_REASONS):
        return True
    return len({w for w in cwords if w not in anywhere}) >= 2


def check_claim(
    claim: Claim,
    index: PassageIndex,
    options: SupportOptions,
    cwords: list[str] | None = None,
    sims: Sequence[float] | None = None,
    given: Given | None = None,
) -> ClaimResult:
    """Score ``claim`` against every passage, pick the best one and run the hard checks."""
    cited = [c for c in claim.citations if c]
    targets = [index.resolve(c) for c in cited]
    unknown = [c for c, t in zip(cited, targets, strict=True) if t is None]
    named = index.named_sources(claim.body)
    candidates = sorted({t for t in targets if t is not None} | set(named))
    if cwords is None:
        cwords = content_words(claim.body)
    if named:  # "according to the Returns Policy": the attribution is a citation, not content
        attribution = {"accord"} | {
            w for i in named for w in content_words(index.passages[i].source or "")
        }
        cwords = [w for w in cwords if w not in attribution]
    if sims is None:
        sims = [float(x) for x in index.similarities([cwords])[0]]
    view = _ClaimView(claim, cwords, given or Given(), index.names_a_source)
    # Only the few passages that a cheap score ranks highest (and the cited ones) get the
    # full, costlier comparison; the others cannot be the best support anyway.
    cset = set(cwords)
    quick = [sims[i] + len(cset & index.stems[i]) / max(len(cset), 1) for i in range(len(sims))]
    shortlist = set(sorted(range(len(sims)), key=lambda i: -quick[i])[:SHORTLIST]) | set(candidates)
    checked = {i: _judge(claim, i, index, options, view, sims[i]) for i in sorted(shortlist)}
    best_any = max(checked.values(), key=_rank)
    if unknown:
        return _with(best_any, False, f"citation [{unknown[0]}] matches no passage")
    if candidates:
        best_cited = max((checked[i] for i in candidates), key=_rank)
        if best_cited.supported:
            return best_cited
        if best_any.supported:
            label = cited[0] if cited else index.passages[candidates[0]].source
            return _with(best_any, False, f"wrong citation [{label}]")
        return best_cited
    return best_any


def _rank(r: ClaimResult) -> tuple[bool, float]:
    return (r.supported, r.support)


def _with(r: ClaimResult, supported: bool, reason: str) -> ClaimResult:
    return ClaimResult(
        r.text, r.start, r.end, r.passage, r.support, supported, reason, r.citations, r.features
    )


class _ClaimView:
    """What every passage comparison needs from one claim, computed once."""

    def __init__(
        self,
        claim: Claim,
        cwords: list[str],
        given: Given,
        is_source: Callable[[str], bool] = lambda _: False,
    ) -> None:
        text = claim.body
        self.folded = fold(text)
        self.cwords = cwords
        self.numbers = numbers(text)
        # Names are found in the whole claim ("Yes, Bob: ..." names Bob although the checked
        # part starts with him) and kept where they are in the checked part.
        # A passage's source name ("according to the Returns Policy") is a citation, which
        # check_claim resolves; it is not a name the passage itself has to contain.
        self.entities = [
            e
            for e in (
                entities(text)
                if not claim.checked
                else [
                    e for e in entities(claim.text) if fold(e.text.strip(" .,;:!")) in self.folded
                ]
            )
            if not is_source(e.text)
        ]
        self.tokens = _stem_tokens(words(text))
        self.given = given
        self.negated = any(t in NEGATIONS or t.endswith("n't") for t in self.tokens)
        self.number_keys = {k for m in self.numbers for k in m.keys}
        self.names = {stem(k) for e in self.entities for k in e.keys}
        self.order = word_order(cwords, self.names)

    def owned(self, surface: str) -> bool:
        """Whether a mention is the user's own thing ("your order A1234", "your $62 order")."""
        at = self.folded.find(fold(surface.strip(" .,;")))
        return at >= 0 and "your" in self.folded[:at].split()[-3:]


def _judge(
    claim: Claim,
    i: int,
    index: PassageIndex,
    options: SupportOptions,
    view: _ClaimView,
    tfidf: float,
) -> ClaimResult:
    pid = index.passages[i].id
    text, cwords = view.folded, view.cwords
    partial = fuzz.partial_ratio(text, index.texts[i]) / 100.0 if text else 0.0
    tset = fuzz.token_set_ratio(text, index.texts[i]) / 100.0 if text else 0.0
    local, region = local_coverage(cwords, index.sentence_sets[i], options.min_local)
    reason, excused = _mismatch(view, i, index, region)
    order = view.order
    if excused:  # the user's own names and numbers are neither support nor novel words
        cwords = [w for w in cwords if w not in excused]
        local, region = local_coverage(cwords, index.sentence_sets[i], options.min_local)
        order = word_order(cwords, view.names)
    found = [_has_stem(w, index.stems[i], index.prefixes[i]) for w in cwords]
    coverage = sum(found) / len(found) if found else 1.0
    near = proximity(order, index.content_sentences[i], region)
    support = 0.3 * tfidf + 0.2 * partial + 0.2 * tset + 0.3 * coverage
    features = {
        "tfidf": tfidf,
        "partial": partial,
        "token_set": tset,
        "coverage": coverage,
        "local": local,
        "proximity": near,
        "length": float(len(set(cwords))),
    }
    if reason is None and options.check_negation:
        reason = _negation_mismatch(view, index.sentences[i], index.sentence_sets[i])
    if reason is None and options.check_relations:
        reason = _relation_mismatch(view, i, index, excused)
    if reason is None and partial < options.verbatim:
        novel = [w for w, ok in zip(cwords, found, strict=True) if not ok]
        if support < options.min_support or coverage < options.min_coverage:
            reason = "no support" + (
                f": {', '.join(novel[:3])} not in passage {pid}" if novel else ""
            )
        elif (
            local < options.min_local
            or near < options.min_proximity
            or transplanted(cwords, index.content_sentences[i], region)
        ):
            reason = f"no support: the claim's words are scattered over passage {pid}"
    return ClaimResult(
        claim.text,
        claim.start,
        claim.end,
        pid,
        support,
        reason is None,
        reason,
        claim.citations,
        features,
    )


def _mismatch(
    view: _ClaimView, i: int, index: PassageIndex, region: tuple[int, int]
) -> tuple[str | None, set[str]]:
    """The first number, date, amount or name of the claim that passage ``i`` lacks, and
    the stems of the request's own names and numbers that the claim may repeat.

    A name or number the user supplied (``view.given``) is not invented, but a claim can
    still misuse it: "We ship to Mexico" after "Do you ship to Mexico?" answers the
    question with the user's word. So a given mention the passage lacks is accepted only
    where it cannot be the claim's answer: in a negated claim ("we don't ship to Mexico"),
    as the user's own thing ("your order A1234", "your $62 order"), or, for a number, when
    the passage sentences the claim rests on (``region``) state no other number it could
    replace ("at 8 months you are inside the 12-month warranty", but not "returns are
    accepted within 60 days" against "within 30 days").
    """
    pid = index.passages[i].id
    excused: set[str] = set()
    for m in view.numbers:
        if all(k in index.numbers[i] for k in m.keys):
            continue
        if all(k in view.given.numbers for k in m.keys) and (
            view.negated or view.owned(m.text) or not _rival_number(view, m, i, index, region)
        ):
            excused.update(m.keys)
            continue
        return f"{m.kind} mismatch: {m.text.strip()} not in passage {pid}", excused
    for e in view.entities:
        if all(
            key in index.words[i] or _has_stem(stem(key), index.stems[i], index.prefixes[i])
            for key in e.keys
        ):
            continue
        if all(k in view.given.names for k in e.keys) and (view.negated or view.owned(e.text)):
            excused.update(stem(k) for k in e.keys)
            continue
        return f"entity mismatch: {e.text.strip(' .,;')} not in passage {pid}", excused
    return None, excused


def _rival_number(
    view: _ClaimView, m: Mention, i: int, index: PassageIndex, region: tuple[int, int]
) -> bool:
    """Whether the region's sentences state another number the user's number ``m`` could
    be replacing: one counting the same thing ("30 days" for "60 days"), or, when ``m``
    counts nothing, any number the claim does not repeat."""
    units = {u for k, u in _counted(view.folded) if k in m.keys}
    texts = index.sentence_texts(i)
    for j in range(region[0], min(region[1], len(texts))):
        for k, u in _counted(texts[j]):
            if k not in view.number_keys and (not units or u in units):
                return True
        if not units and index.sentence_numbers(i)[j] - view.number_keys:
            return True
    return False


_COUNTED = re.compile(r"(?<![\w.])\$?(\d[\d,]*(?:\.\d+)?)[ -]+([^\W\d_]+)(?:[ -]([^\W\d_]+))?")


def _counted(folded: str) -> list[tuple[str, str]]:
    """(number, stem of a word it counts) pairs, for the two words after the number:
    ``12-month`` gives ``("12", "month")``, ``5 business days`` ``("5", "business")`` and
    ``("5", "day")``."""
    out: list[tuple[str, str]] = []
    for m in _COUNTED.finditer(folded):
        key = _canon_number(m.group(1))
        out.extend((key, stem(u)) for u in m.groups()[1:] if u and u not in STOPWORDS)
    return out


def _canon_number(digits: str) -> str:
    try:
        value = float(digits.replace(",", ""))
    except ValueError:  # "1,2,3"
        return digits
    return str(int(value)) if value == int(value) else f"{value:g}"


def _negation_mismatch(
    view: _ClaimView, sentences: list[list[str]], sets: list[set[str]]
) -> str | None:
    """A negation next to a shared word on one side only: "did not win" against "won".

    The passage sentence compared is the one sharing most of the claim's words; only a
    negation within three words before a word both sides share counts, so an unrelated
    "not" elsewhere in a long sentence does not flag the claim. A passage sentence that
    restricts ("We ship to the United States and Canada only") licenses negating it for
    something it does not list ("we don't ship to Mexico").
    """
    if not sentences or len(view.cwords) < 3:
        return None
    target = set(view.cwords)
    j = max(range(len(sets)), key=lambda k: len(target & sets[k]))
    best, shared = sentences[j], target & sets[j]
    if len(shared) < max(3, 0.6 * len(target)):
        return None
    claim_neg = _negated(view.tokens, shared)
    passage_neg = _negated(best, shared)
    if claim_neg and not passage_neg:
        if _RESTRICTIVE & sets[j] and _negated_scope(view.tokens) - sets[j] - STOPWORDS:
            return None
        return "negation mismatch: the claim negates what the passage states"
    if passage_neg and not claim_neg:
        return "negation mismatch: the passage negates what the claim states"
    return None


def _relation_mismatch(
    view: _ClaimView,
    i: int,
    index: PassageIndex,
    excused: Set[str] = frozenset(),
) -> str | None:
    """Two names or numbers of the claim that no chain of passage sentences links.

    Each name (all its words) and number must sit inside one passage sentence; two facts
    are linked when some sentence holds both, and linking is transitive, so a claim that
    merges "Rice was born in New Orleans" with "Rice moved to Texas" passes, while one that
    pins a role, date or place of one entity on another ("Lee Ralph ... Twin Peaks" when
    the passage names them in unrelated sentences) fails. Claims with fewer than two such
    facts are left to the word-level checks.
    """
    facts: list[tuple[str, set[int]]] = []
    seen: set[tuple[str, ...]] = set()
    for e in view.entities:
        if e.keys in seen or all(stem(k) in excused for k in e.keys):
            continue
        seen.add(e.keys)
        found = [_sentences_with(k, i, index) for k in e.keys]
        facts.append((e.text.strip(" .,;"), set.intersection(*found) if found else set()))
    for m in view.numbers:
        if m.keys in seen or all(k in excused for k in m.keys):
            continue
        seen.add(m.keys)
        facts.append((m.text.strip(), _sentences_with_number(m.keys, i, index)))
    if len(facts) < 2:
        return None
    follows = index.pronoun_openers(i)
    if follows:  # "Rice was born in 1941. She moved to Texas": the second sentence is hers too
        facts = [(name, _carried(sents, follows)) for name, sents in facts]
    # Grow one linked group from the first fact; any fact left outside it is unrelated.
    group, reach = [0], set(facts[0][1])
    changed = True
    while changed:
        changed = False
        for k, (_, sents) in enumerate(facts):
            if k not in group and sents & reach:
                group.append(k)
                reach |= sents
                changed = True
    if len(group) == len(facts):
        return None
    pid = index.passages[i].id
    lone = next((name for name, sents in facts if not sents), None)
    if lone is not None:
        return f"relation mismatch: {lone} is never stated within one sentence of passage {pid}"
    other = next(facts[k][0] for k in range(len(facts)) if k not in group)
    return (
        f"relation mismatch: {facts[0][0]} and {other} are never stated together in passage {pid}"
    )


def _carried(sents: set[int], follows: Set[int]) -> set[int]:
    """``sents`` plus the run of pronoun-opened sentences right after each of them."""
    out = set(sents)
    for j in sents:
        k = j + 1
        while k in follows:
            out.add(k)
            k += 1
    return out


def _sentences_with_number(keys: tuple[str, ...], i: int, index: PassageIndex) -> set[int]:
    """Sentences of passage ``i`` stating a number. A plain number written the same way is
    found through the word index; only amounts, dates and ``1,000``-style numbers need the
    (slower) per-sentence number parsing."""
    if len(keys) == 1 and keys[0].isdigit():
        found = index.where(i).get(keys[0])
        if found:
            return set(found)
    return {j for j, have in enumerate(index.sentence_numbers(i)) if all(k in have for k in keys)}


def _sentences_with(key: str, i: int, index: PassageIndex) -> set[int]:
    """Sentences of passage ``i`` holding the word ``key`` (exactly or as an inflection)."""
    where = index.where(i)
    st = stem(key)
    out = set(where.get(st, ())) | set(where.get(key, ()))
    if len(st) >= 4 and not st.isdigit():
        for other in index.prefixes[i].get(st[:4], ()):
            if other != st and _has_stem(st, {other}, {st[:4]: [other]}):
                out |= where.get(other, set())
    return out


def _stem_tokens(tokens: list[str]) -> list[str]:
    return [w if w in NEGATIONS or w.endswith("n't") else stem(w) for w in tokens]


def _identity(tokens: list[str]) -> list[str]:
    return tokens


_RESTRICTIVE = frozenset({"only", "exclusively", "solely"})
_PRONOUN_OPENERS = frozenset({"he", "she", "they", "his", "her", "their", "it", "its"})


def _negated_scope(tokens: list[str]) -> set[str]:
    """The words within three after a negation."""
    return {
        w
        for j, t in enumerate(tokens)
        if t in NEGATIONS or t.endswith("n't")
        for w in tokens[j + 1 : j + 4]
    }


def _negated(tokens: list[str], shared: set[str]) -> bool:
    for j, t in enumerate(tokens):
        if (t in NEGATIONS or t.endswith("n't")) and shared & set(tokens[j + 1 : j + 4]):
            return True
    return False


def _has_stem(word: str, stems: set[str], prefixes: dict[str, list[str]]) -> bool:
    """Exact stem, or an inflection/derivation sharing all but the last letter of the
    shorter form (``direct``/``director``, ``Canada``/``Canadian``) but not ``Austria``/
    ``Australia``."""
    if word in stems:
        return True
    if len(word) < 4 or word.isdigit():
        return False
    for other in prefixes.get(word[:4], ()):
        shorter = min(len(word), len(other))
        common = 0
        for a, b in zip(word, other, strict=False):
            if a != b:
                break
            common += 1
        if common >= max(4, shorter - 1):
            return True
    return False


def _prefix_map(stems: set[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for s in stems:
        if len(s) >= 4 and not s.isdigit():
            out.setdefault(s[:4], []).append(s)
    return out


_SENT = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"”’')\]]))(?<!\b[a-z]\.)\s+|\n+")
"""Candidate sentence ends in folded passage text; not after an initial ("the u.s. market",
"j. smith"); :func:`passage_sentences` also rejoins what an abbreviation ended."""


def passage_sentences(folded: str) -> list[str]:
    """A folded passage's sentences. "Mr. Lee", "Jan. 5" or "St. Louis" do not end one: the
    claim splitter knows the same abbreviations, and cutting a name from its verb makes the
    relation check see two sentences where the passage wrote one."""
    out: list[str] = []
    for piece in _SENT.split(folded):
        if out and out[-1].endswith(".") and _last_word(out[-1]) in ABBREVIATIONS:
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    return out


def _last_word(sentence: str) -> str:
    cut = sentence.rfind(" ")
    return sentence[cut + 1 : -1].lstrip("(\"'")
