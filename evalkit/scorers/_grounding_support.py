"""Finding a claim's best supporting passage and deciding whether it is supported.

Support is measured three ways because each alone fails somewhere: TF-IDF cosine (from
scikit-learn) rewards shared rare words, rapidfuzz's ``partial_ratio`` rewards a claim
copied nearly verbatim from part of a long passage, and ``token_set_ratio`` tolerates
reordering. On top of the blended score come the hard checks that similarity cannot make
(:mod:`evalkit.scorers._grounding_checks`: numbers, dates, amounts, names, negation and
relations), the word-level checks (the claim's content words must mostly occur in the passage,
close together: :mod:`evalkit.scorers._grounding_proximity`), and citations: a cited passage
must exist and be the support. The passages themselves are read once per case by
:mod:`evalkit.scorers._grounding_index`.
"""

from __future__ import annotations

from collections.abc import Sequence, Set
from dataclasses import dataclass, field, replace
from typing import Any

from rapidfuzz import fuzz

from evalkit.scorers._grounding_checks import ClaimView, mismatch
from evalkit.scorers._grounding_claims import claim_canon_words, claim_words
from evalkit.scorers._grounding_index import PassageIndex, has_stem
from evalkit.scorers._grounding_negation import negation_mismatch, region_negation
from evalkit.scorers._grounding_obligation import obligation_mismatch
from evalkit.scorers._grounding_paraphrase import canon
from evalkit.scorers._grounding_proximity import (
    local_coverage,
    proximity,
    transplanted,
    word_order,
)
from evalkit.scorers._grounding_relations import relation_mismatch
from evalkit.scorers._grounding_running import carried_keys
from evalkit.scorers._grounding_text import (
    Claim,
    Given,
    content_words,
    is_content,
    numbers,
    stem,
    words,
)

SHORTLIST = 2
"""Passages per claim compared in full (besides cited ones)."""

__all__ = ["ClaimResult", "SupportOptions", "check_claim", "check_claims", "mismatch_kind"]


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
    :func:`relation_mismatch`)."""


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


def check_claims(
    claims: Sequence[Claim],
    index: PassageIndex,
    options: SupportOptions,
    given: Given | None = None,
) -> list[ClaimResult]:
    """Check every claim of a response (TF-IDF is computed for all claims at once).

    ``given`` holds the names and numbers of the request, which the user supplied: see
    :func:`mismatch` for when a claim may repeat them although the passage lacks them.
    Clauses cut at "and we'll" are kept apart only where that does better than their whole
    sentence: the whole is checked too and replaces them when it is supported or none of
    them is.
    """
    wholes = list({id(c.whole): c.whole for c in claims if c.whole is not None}.values())
    every = [*claims, *wholes]
    cwords = [claim_words(c.body) for c in every]
    sims = index.similarities(cwords)
    given = given or Given()
    results: list[ClaimResult] = [None] * len(every)  # type: ignore[list-item]
    order = {id(w): len(claims) + k for k, w in enumerate(wholes)}
    worked: list[str] = []  # the figures of the answer so far (see _grounding_running)
    for k, c in enumerate(claims):
        now = replace(given, worked=tuple(worked)) if worked else given
        if c.answers:  # a bare "yes" asserts the question's own names and figures too
            now = Given()
        for j in (k, order.get(id(c.whole), -1)):
            if j >= 0 and results[j] is None:  # a whole is checked with its first clause
                row = [float(x) for x in sims[j]]
                results[j] = check_claim(every[j], index, options, cwords[j], row, now)
        if any(ch.isdigit() for ch in c.body):  # figures are written in digits
            worked.extend(carried_keys(numbers(c.body), results[k].reason or ""))
    anywhere = set().union(*index.stems) if index.stems else set()
    results = [
        replace(r, strongly_unsupported=_strongly_unsupported(r, cw, anywhere))
        if not r.supported
        else r
        for r, cw in zip(results, cwords, strict=True)
    ]
    return _settle(claims, results, {id(w): results[len(claims) + k] for k, w in enumerate(wholes)})


def _settle(
    claims: Sequence[Claim], results: Sequence[ClaimResult], wholes: dict[int, ClaimResult]
) -> list[ClaimResult]:
    """The results of ``claims``, each run of clauses sharing a whole replaced by the whole's
    result unless the whole fails and one of the clauses is supported."""
    out: list[ClaimResult] = []
    i = 0
    while i < len(claims):
        whole = claims[i].whole
        j = i + 1
        while whole is not None and j < len(claims) and claims[j].whole is whole:
            j += 1
        parts = results[i:j]
        if whole is not None and (
            wholes[id(whole)].supported or not any(r.supported for r in parts)
        ):
            out.append(wholes[id(whole)])
        else:
            out.extend(parts)
        i = j
    return out


_HARD_REASONS = tuple(
    f"{kind} mismatch"
    for kind in ("entity", "number", "amount", "date", "time", "relation", "negation", "obligation")
)


def mismatch_kind(result: ClaimResult) -> str | None:
    """The hard check an unsupported claim failed (``number``, ``amount``, ``date``, ``time``,
    ``entity``, ``relation``, ``negation`` or ``citation``), else ``None``: a claim that failed
    on wording alone (no support, scattered words), which a faithful paraphrase also does."""
    reason = result.reason or ""
    if result.supported or not reason:
        return None
    if reason.startswith(_HARD_REASONS):
        return reason.split(" ", 1)[0]
    if reason.startswith(("wrong citation", "citation [")):
        return "citation"
    return None


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
    """Score ``claim`` against every passage, pick the best one and run the hard checks; a
    claim false whatever the passages say (``claim.wrong``) fails with that reason."""
    result = _check_claim(claim, index, options, cwords, sims, given)
    return _with(result, False, claim.wrong) if claim.wrong else result


def _check_claim(
    claim: Claim,
    index: PassageIndex,
    options: SupportOptions,
    cwords: list[str] | None = None,
    sims: Sequence[float] | None = None,
    given: Given | None = None,
) -> ClaimResult:
    cited = [c for c in claim.citations if c]
    targets = [index.resolve(c) for c in cited]
    unknown = [c for c, t in zip(cited, targets, strict=True) if t is None]
    named = index.named_sources(claim.body)
    candidates = sorted({t for t in targets if t is not None} | set(named))
    if cwords is None:
        cwords = claim_words(claim.body)
    ccwords = claim_canon_words(claim.body)
    if named:  # "according to the Returns Policy": the attribution is a citation, not content
        attribution = {"accord"} | {
            w for i in named for w in content_words(index.passages[i].source or "")
        }
        cwords = [w for w in cwords if w not in attribution]
        dropped = {canon(w) for w in attribution}
        ccwords = [w for w in ccwords if w not in dropped]
    if sims is None:
        sims = [float(x) for x in index.similarities([cwords])[0]]
    view = ClaimView(claim, cwords, given or Given(), index.names_a_source, ccwords)
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


def _in_rows(cwords: Sequence[str], i: int, index: PassageIndex, sets: Sequence[set[str]]) -> float:
    """Share of the claim's content words found in the table rows of passage ``i``."""
    rows = index.table_rows[i]
    if not rows or not cwords:
        return 0.0
    return sum(any(w in sets[j] for j in rows) for w in cwords) / len(cwords)


def _rank(r: ClaimResult) -> tuple[bool, float]:
    return (r.supported, r.support)


def _with(r: ClaimResult, supported: bool, reason: str) -> ClaimResult:
    return ClaimResult(
        r.text, r.start, r.end, r.passage, r.support, supported, reason, r.citations, r.features
    )


def _judge(
    claim: Claim,
    i: int,
    index: PassageIndex,
    options: SupportOptions,
    view: ClaimView,
    tfidf: float,
) -> ClaimResult:
    pid = index.passages[i].id
    text, cwords = view.folded, view.cwords
    partial = fuzz.partial_ratio(text, index.texts[i]) / 100.0 if text else 0.0
    tset = fuzz.token_set_ratio(text, index.texts[i]) / 100.0 if text else 0.0
    # The hard checks place the claim by its words as written; the word checks below read
    # both sides in the canonical forms of everyday paraphrase (see _grounding_paraphrase).
    local, region = local_coverage(cwords, index.sentence_sets[i], options.min_local)
    reason, excused = mismatch(view, i, index, region)
    lex = index.lexical(i)
    plain = lex.same and view.ccwords == cwords  # no paraphrase read: the words as written
    cwords = view.ccwords
    if excused:  # the user's own names and numbers are neither support nor novel words
        gone = excused | {canon(w) for w in excused}
        cwords = [w for w in cwords if w not in gone]
    if plain and not excused:
        order = view.order
    else:
        local, region = local_coverage(cwords, lex.sentence_sets, options.min_local)
        order = word_order(cwords, {canon(n) for n in view.names})
    stems, prefixes = (index.stems[i], index.prefixes[i]) if plain else (lex.stems, lex.prefixes)
    found = [has_stem(w, stems, prefixes) for w in cwords]
    coverage = sum(found) / len(found) if found else 1.0
    # a claim whose every word is an excused mention ("Call us at 800.555.0199" against
    # "(800) 555-0199") has nothing left to place: its mentions were checked whole
    near = proximity(order, lex.content_sentences, region) if order or not excused else 1.0
    if region[1] - region[0] == 1 and region[0] in index.table_rows[i]:
        near = 1.0  # a table row's cells all describe its row: a claim may pick any of them
    elif local < options.min_local or near < options.min_proximity:
        in_rows = _in_rows(cwords, i, index, lex.sentence_sets)
        if in_rows >= options.min_local:  # "Basic has 2 passes, Plus 6": rows listed in turn
            local, near = max(local, in_rows), 1.0  # (relation_mismatch holds each to its row)
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

        def text_of(j: int) -> str:
            return index.sentence_texts(i)[j]

        reason = negation_mismatch(
            view, index.sentences[i], index.sentence_sets[i], text_of=text_of
        )
        if reason is None and not plain:  # and where paraphrase shares words (never looser)
            reason = negation_mismatch(
                view, lex.sentences, lex.sentence_sets, canonical=True, text_of=text_of
            )
        if reason is None:
            reason = region_negation(
                view, index.sentences[i], index.sentence_sets[i], region, text_of
            )
    if reason is None:  # a "must" where the passage says "may" (see _grounding_obligation)
        said = index.sentence_texts(i)[region[0] : region[1]]
        reason = obligation_mismatch(view.folded, said, pid)
    if reason is None and options.check_relations:
        reason = relation_mismatch(view, i, index, excused)
    if reason is None and partial < options.verbatim:
        novel = _as_written([w for w, ok in zip(cwords, found, strict=True) if not ok], claim.text)
        if support < options.min_support or coverage < options.min_coverage:
            reason = "no support" + (
                f": {', '.join(novel[:3])} not in passage {pid}" if novel else ""
            )
        elif (
            local < options.min_local
            or near < options.min_proximity
            or transplanted(cwords, lex.content_sentences, region)
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


def _as_written(stems: Sequence[str], text: str) -> list[str]:
    """The claim's words behind ``stems``, as the claim writes them: a reason read "no
    support: alway, free not in passage" (stems) where the claim said "always"."""
    written: dict[str, str] = {}
    for w in words(text):
        if is_content(w):
            written.setdefault(stem(w), w)
            written.setdefault(canon(stem(w)), w)  # the word checks' canonical form
    return [written.get(s, s) for s in stems]
