"""Everyday paraphrase for the word-level checks: a small equivalence lexicon and derivation.

Support answers restate a help-centre article in their own everyday words: "a fee" for "a
charge", "free of charge" for "at no cost", "you'll receive" for "you'll get", "delivery" for
"delivered", "refundable" for "refund". The word checks (coverage, locality, proximity) read
each such word as missing, and a claim that restates one sentence then looks scattered.

This module gives each content word a *canonical* form used by those checks only, on both
sides (claim and passage) alike:

- :data:`PHRASES` rewrites a few fixed multi-word expressions to one word ("free of charge",
  "at no cost" -> ``free``; "prior to" -> ``before``; "money back" -> ``refund``);
- :data:`SYNONYMS` puts near-synonyms of support vocabulary in one class (fee, charge, cost,
  price; cancel, terminate; refund, reimburse; ...); :data:`LIGHT` maps a few verbs and
  adverbs to a function word that is no content word at all ("receive" is "get", "able to" is
  "can", "approximately" is "about");
- a passage sentence that states a sum of money states a price (see
  :func:`is_amount_key`).

Derivational roots (``delivery``/``deliver``, ``refundable``/``refund``) were measured too and
not kept: they removed no false alarm on the support probes and cost the summary gate one
FaithBench summary (see ``docs/scorers/groundedness.md``).

**Decision:** the hard checks never see these forms. Numbers, amounts, dates, names,
negation, relations and citations are compared on the text as written
(:mod:`~evalkit.scorers._grounding_checks`), so a synonym cannot make a wrong fee, a
different plan or a dropped "not" pass; it only stops an everyday word from counting as a
word the passage lacks. A class holds words a support agent would swap without changing the
policy; pairs that differ in promise ("free" and "discounted", "usually" and "always") are
never merged.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence, Set

from evalkit.scorers._grounding_lexicon import NEGATIONS, wordlist
from evalkit.scorers._grounding_stem import stem
from evalkit.scorers._grounding_text import is_content

__all__ = [
    "LIGHT",
    "PHRASES",
    "SYNONYMS",
    "Canonical",
    "Lexical",
    "canon",
    "canon_tokens",
    "canon_words",
    "is_amount_key",
    "rewrite",
]


PHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), word)
    for pattern, word in (
        (r"\bfree of (?:charge|cost)\b", "free"),
        (r"\b(?:at|for|with) no (?:extra |additional )?(?:cost|charge|fee)\b", "free"),
        (r"\bwithout (?:any )?(?:extra |additional )?(?:cost|charge|fee)\b", "free"),
        (r"\bno (?:extra |additional )?(?:cost|charge)\b", "free"),
        (r"\bfor free\b", "free"),
        (r"\bmoney back\b", "refund"),
        (r"\bprior to\b", "before"),
        (r"\bsend (?:it |them |this |that |these |those )?back\b", "return"),
        (r"\bmust\b(?! not)", "need"),
    )
)
"""Fixed multi-word expressions and the one word they are read as, in folded token text. The
negated cost phrases become ``free`` before anything else, so "no charge" never meets the
``fee`` class as its opposite would. "must" is "need" (a passage's "you must bring photo
ID" is restated "you'll need photo ID"; "required" already stems to "need"), but "must not"
forbids where "need not" releases, so it stays as written."""

_PHRASE_HINT = re.compile(r"\b(?:charge|cost|fee|free|back|prior|must)\b")
_HINTS = frozenset({"charge", "cost", "fee", "free", "back", "prior", "must"})

SYNONYMS: tuple[str, ...] = (
    "fee fees charge charges charged cost costs price prices priced",
    "free complimentary",
    "cancel cancels cancelled canceled cancelling canceling cancellation terminate "
    "terminated termination",
    "refund refunded refunds reimburse reimbursed reimbursement repay repaid",
    "buy buys bought purchase purchased",
    "change changed modify modified amend amended alter altered switch switched",
    "limit limits maximum max cap capped ceiling",
    "allow allowed permit permitted",
    "include included includes contain contains",
    "tell told inform informed notify notified",
    "ask asked request requested enquire inquire",
    "help helped assist assisted assistance",
    "photo photos photograph picture pictures image images",
    "parcel parcels package packages",
    "item items product products",
    "bill bills invoice invoices",
    "large big",
    "larger bigger",
    "largest biggest",
    "increase increased raise raised",
    "decrease decreased reduce reduced lower lowered",
    "dispatch dispatched ship shipped",
    "usually typically normally generally",
    "immediately instantly",
    "full entire whole",
    "extra additional",
    "period window",
    "phone telephone",
    "start started begin began commence",
    "stop stopped cease ceased",
    "talk speak spoke",
    "bring brought carry carried",
    "need needs needed necessary mandatory compulsory obligatory",
)
"""Classes of everyday support vocabulary that restate one another. Each line is one class;
its words are read through :func:`~evalkit.scorers._grounding_stem.stem`, so inflections
follow."""

LIGHT: dict[str, str] = {
    "receive": "get",
    "received": "get",
    "receives": "get",
    "obtain": "get",
    "obtained": "get",
    "give": "get",
    "given": "get",
    "gives": "get",
    "able": "can",
    "unable": "cannot",
    "inside": "within",
    "approximately": "about",
    "roughly": "about",
    "around": "about",
    "though": "although",
    "rather": "so",
    "plus": "and",
}
"""Words that say what a light verb or a function word says ("you'll receive a voucher" is
"you'll get a voucher", "able to" is "can", "inside 30 days" is "within 30 days"): read as
that word, which is no content word."""


def _classes() -> dict[str, str]:
    out: dict[str, str] = {}
    for line in SYNONYMS:
        forms = wordlist(line)
        head = stem(forms[0])
        for w in forms:
            out.setdefault((stem(w)), head)
    return out


_CLASS = _classes()
_LIGHT_STEMS = {(stem(w)): v for w, v in LIGHT.items()}


@functools.lru_cache(maxsize=1 << 16)
def canon(s: str) -> str:
    """A content stem's canonical form for the word checks: its class's head; ``""`` for a
    stem that :data:`LIGHT` reads as a function word (no content)."""
    if s in _LIGHT_STEMS:
        return ""
    return _CLASS.get(s, s)


def rewrite(tokens: list[str]) -> list[str]:
    """Folded tokens with :data:`PHRASES` read as one word each and :data:`LIGHT` words as
    their function word; the same list when nothing applies (the common case)."""
    if not (_HINTS.intersection(tokens) or LIGHT.keys() & tokens):
        return tokens
    joined = " ".join(tokens)
    if _PHRASE_HINT.search(joined):
        for pattern, word in PHRASES:
            joined = pattern.sub(word, joined)
    out = [LIGHT.get(w, w) for w in joined.split()]
    return out if out != tokens else tokens


def canon_words(tokens: list[str]) -> list[str]:
    """The canonical content words of folded tokens (a claim's or a passage sentence's)."""
    out: list[str] = []
    for w in rewrite(tokens):
        if is_content(w):
            c = canon(stem(w))
            if c:
                out.append(c)
    return out


PRICE = "fee"
"""The head of the price class (:data:`SYNONYMS`), read before a passage's sum of money."""
_CURRENCIES = frozenset({"dollar", "euro", "gbp", "pounds", "yen", "rupee", "franc", "cent"})


@functools.lru_cache(maxsize=1 << 14)
def is_amount_key(key: str) -> bool:
    """Whether a number key is a sum of money (``55@euro``, ``29@dollar/month``): a passage
    sentence stating one states a price, so :data:`PRICE` counts as one of its words for
    coverage and locality ("travel in the cabin for €55" says what "the fee is €55" says);
    not for proximity, where an added word would stretch the sentence. The amount itself is
    still checked as written."""
    unit = key.partition("@")[2]
    return bool(unit) and unit.split("/", 1)[0].split(":", 1)[0].rstrip("=") in _CURRENCIES


def canon_tokens(tokens: list[str], negations: Set[str]) -> list[str]:
    """Every folded token in canonical form, negations as written: the negation check reads
    these beside the tokens as written, so a synonym never hides a "not" ("can't cancel"
    against "you can terminate")."""
    return [
        t if t in negations or t.endswith("n't") else (canon(stem(t)) or t) for t in rewrite(tokens)
    ]


class Lexical:
    """A passage in canonical word forms (see :meth:`PassageIndex.lexical`)."""

    __slots__ = ("_prefixes", "content_sentences", "same", "sentence_sets", "sentences", "stems")

    def __init__(
        self,
        stems: set[str],
        sentence_sets: list[set[str]],
        content_sentences: list[list[str]],
        sentences: Sequence[list[str]],
        same: bool,
    ) -> None:
        self.stems = stems
        self.sentence_sets = sentence_sets
        self.content_sentences = content_sentences
        self.sentences = sentences
        """Every token in canonical form, negations as written (for the negation check)."""
        self._prefixes: dict[str, list[str]] | None = None
        self.same = same
        """Whether no word of the passage reads otherwise in canonical form."""

    @property
    def prefixes(self) -> dict[str, list[str]]:
        """:attr:`stems` by their first four letters, as the passage index keeps them for
        ``has_stem`` (made on first use: most claims find every word exactly)."""
        if self._prefixes is None:
            prefixes: dict[str, list[str]] = {}
            for s in self.stems:
                if len(s) >= 4 and not s.isdigit():
                    prefixes.setdefault(s[:4], []).append(s)
            self._prefixes = prefixes
        return self._prefixes


class Canonical(Sequence[list[str]]):
    """A passage's sentences in canonical tokens, each made when first read: the negation
    check reads one sentence per claim."""

    def __init__(self, sentences: list[list[str]]) -> None:
        self._sentences = sentences
        self._made: dict[int, list[str]] = {}

    def __len__(self) -> int:
        return len(self._sentences)

    def __getitem__(self, j: int) -> list[str]:  # type: ignore[override]
        if j not in self._made:
            self._made[j] = canon_tokens(self._sentences[j], NEGATIONS)
        return self._made[j]
