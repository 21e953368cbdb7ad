"""The passages of a case, read once: sentences, tokens, stems, numbers and TF-IDF.

Every claim of every response is compared with the same passages, so everything that depends
only on them is computed once per case here. Reading the passages well matters as much as
comparing well: a sentence split after "U.S." or "Dr." cuts a name from its verb, and a
sentence that opens with "She" continues the previous one's subject.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sklearn import config_context
from sklearn.feature_extraction.text import TfidfVectorizer

from evalkit.dataset import ContextPassage
from evalkit.scorers._grounding_claims import ABBREVIATIONS
from evalkit.scorers._grounding_dates import with_months
from evalkit.scorers._grounding_lexicon import NEGATIONS, PLACE_ACRONYMS
from evalkit.scorers._grounding_paraphrase import (
    PRICE,
    Canonical,
    Lexical,
    canon,
    canon_words,
    is_amount_key,
    rewrite,
)
from evalkit.scorers._grounding_tables import read_tables, title_rows
from evalkit.scorers._grounding_text import (
    content_words,
    fold,
    is_content,
    number_keys,
    stem,
    words,
)

__all__ = ["PassageIndex", "has_stem", "passage_sentences", "stem_tokens"]


_MONEY = re.compile(
    r"[$€£¥₹¢]|\b(?:usd|eur|gbp|cad|aud|nzd|hkd|sgd|jpy|inr|chf|dollars?|euros?|pounds?|"
    r"cents?|yen|rupees?|francs?)\b"
)
"""A sum of money may be stated here (the cheap test before reading the passage's amounts)."""

_TRUSTED: dict[str, bool] = {"skip_parameter_validation": True, "assume_finite": True}
"""scikit-learn settings for the TF-IDF of every case: the vectoriser's parameters are ours
and fixed, its input is counts, so re-validating both on every call only costs time (about a
quarter of the TF-IDF's time on a typical case); the figures are the same."""

_ARTICLES = frozenset({"the", "a", "an", "our", "your", "this", "that"})


class PassageIndex:
    """Everything about a case's passages that every claim needs, computed once per case."""

    def __init__(self, passages: Sequence[ContextPassage]) -> None:
        self.passages = tuple(passages)
        # Tables are read row by row before anything else (see _grounding_tables).
        read = [read_tables(p.text) for p in self.passages]
        originals = [r.text for r in read]
        # Per passage, the rows a table's first column names, as (cell, content stems).
        self.row_keys = [
            [(key, tuple(ws)) for key in r.row_keys if (ws := content_words(key))] for r in read
        ]
        self.texts = [fold(t) for t in originals]
        self._ids = [fold(p.id) for p in self.passages]
        # Folded source names worth matching in prose (three characters or more), else "".
        self._sources = [
            fold(p.source) if p.source and len(p.source) >= 3 else "" for p in self.passages
        ]
        # Each passage is tokenised once, sentence by sentence; everything else derives from it.
        raw = [passage_sentences(t) for t in self.texts]
        tokens: list[list[list[str]]] = []
        for original, text, sents in zip(originals, self.texts, raw, strict=True):
            written = _written_acronyms(original)
            if written or any(hint in text for hint in _SPELLED_HINTS) or "u." in text:
                sent_tokens = [_with_aliases(s, words(s), written) for s in sents]
            else:  # the common case: no place named, nothing to add
                sent_tokens = [words(s) for s in sents]
            if "/" in text:  # "3/4/2025" is March 4 or April 3: both month names are its words
                sent_tokens = [with_months(t, s) for s, t in zip(sents, sent_tokens, strict=True)]
            tokens.append(sent_tokens)
        self.words = [{w for sent in sents for w in sent} for sents in tokens]
        self.stems = [{stem(w) for w in ws} for ws in self.words]
        self.prefixes = [_prefix_map(s) for s in self.stems]
        self.numbers = [
            number_keys(original, [w for sent in sents for w in sent])
            for original, sents in zip(originals, tokens, strict=True)
        ]
        self.sentences = [[stem_tokens(sent) for sent in sents if sent] for sents in tokens]
        self.sentence_sets = [[set(s) for s in sents] for sents in self.sentences]
        # Content stems per sentence, for proximity: function words would dilute it unevenly
        # (a long sentence full of "of the ... from" looks scattered when it is not).
        self.content_sentences = [
            [[stem(w) for w in sent if is_content(w)] for sent in sents if sent] for sents in tokens
        ]
        self._raw = raw
        self._tokens = tokens
        # Per passage, the sentences (indexed like self.sentences) that are table rows.
        self.table_rows = [
            _row_sentences(r.rows, sents, toks) if r.rows else frozenset()
            for r, sents, toks in zip(read, raw, tokens, strict=True)
        ]
        # A table's title ("Prices for EU customers:") describes every row of it: its words
        # count for support in each row sentence. Not for the relation check, which reads
        # sentences as written (where) and links a title's words to its rows itself, without
        # letting the title link one row with another (see relation_mismatch).
        self.title_rows = [
            title_rows(r, self.sentence_texts(i), fold) if r.titles else {}
            for i, r in enumerate(read)
        ]
        self._relation_sets = list(self.sentence_sets)
        for i, titles in enumerate(self.title_rows):
            for t, rows in titles.items():
                self._attach(i, t, rows)
        self._where: dict[int, dict[str, set[int]]] = {}
        self._lexical: dict[int, Lexical] = {}
        self._openers: dict[int, frozenset[int]] = {}
        self._sentence_numbers: dict[int, list[set[str]]] = {}
        self.figures: dict[int, object] = {}
        """Per passage, what :mod:`~evalkit.scorers._grounding_checks` derives figures from
        (built on first use, for a claim's figure the passage lacks)."""
        self.vectorizer = TfidfVectorizer(analyzer=_identity, sublinear_tf=True)
        content = [[w for sent in sents for w in sent] for sents in self.content_sentences]
        try:
            with config_context(**_TRUSTED):
                self.matrix = self.vectorizer.fit_transform(content)
        except ValueError:  # passages without a single content word
            self.matrix = None

    def _attach(self, i: int, title: int, rows: frozenset[int]) -> None:
        """Add the content words of passage ``i``'s sentence ``title`` to its ``rows`` for
        support (sentence sets and content sentences), leaving the relation sets as read."""
        words = self.content_sentences[i][title]
        self.sentence_sets[i] = [
            s | set(words) if j in rows else s for j, s in enumerate(self.sentence_sets[i])
        ]
        self.content_sentences[i] = [
            words + s if j in rows else s for j, s in enumerate(self.content_sentences[i])
        ]

    def lexical(self, i: int) -> Lexical:
        """Passage ``i`` in the canonical word forms of everyday paraphrase, for the word
        checks only (see :mod:`~evalkit.scorers._grounding_paraphrase`; built on first use)."""
        if i not in self._lexical:
            content: list[list[str]] = []
            own = [sent for sent in self._tokens[i] if sent]
            for sent, stems in zip(own, self.content_sentences[i], strict=True):
                if rewrite(sent) is sent:  # the common case: word by word
                    content.append([c for w in stems if (c := canon(w))])
                    continue
                title = len(stems) - sum(is_content(w) for w in sent)  # see _attach
                content.append([c for w in stems[:title] if (c := canon(w))] + canon_words(sent))
            # the words as written stay too: the claim's canonical words never need them, and
            # sharing the sets is cheaper than rewriting every function word
            sets = [
                base if cs == stems else base | set(cs)
                for base, cs, stems in zip(
                    self.sentence_sets[i], content, self.content_sentences[i], strict=True
                )
            ]
            # the passage's sums of money first: most passages state none, and then the
            # costlier money search over the whole text is not needed
            amounts = {k.partition("@")[0] for k in self.numbers[i] if is_amount_key(k)}
            if PRICE and amounts and _MONEY.search(self.texts[i]):
                numbers = self.sentence_numbers(i)
                for j, sent in enumerate(own):
                    if amounts.intersection(sent) and any(is_amount_key(k) for k in numbers[j]):
                        sets[j] = sets[j] | {PRICE}
            stems_all = self.stems[i].union(*sets)
            same = all(a is b for a, b in zip(sets, self.sentence_sets[i], strict=True))
            self._lexical[i] = Lexical(stems_all, sets, content, Canonical(own), same)
        return self._lexical[i]

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
            for j, sent in enumerate(self._relation_sets[i]):
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
        with config_context(**_TRUSTED):
            return (self.vectorizer.transform(claims) @ self.matrix.T).toarray()

    def resolve(self, citation: str) -> int | None:
        """The passage a citation names: its id, its source, or ``doc-2``/``source 2`` for 2.

        A bare number that is no passage's id counts passages (``[3]`` is the third) when no
        passage has a numeric id: prompts often number the passages they paste in, whatever
        the case calls them. With numeric ids a number is only ever an id, never a position.
        """
        key = fold(citation).strip()
        for i, p in enumerate(self.passages):
            if self._ids[i] == key or (p.source and fold(p.source) == key):
                return i
        digits = re.fullmatch(r"(?:[a-z]+[\s_-]*)?(\d+)", key)
        if digits:
            for i, p in enumerate(self.passages):
                if p.id == digits.group(1):
                    return i
            if key.isdigit() and not any(k.isdigit() for k in self._ids):
                n = int(key)
                return n - 1 if 1 <= n <= len(self.passages) else None
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


def _row_sentences(
    rows: Sequence[str], sentences: list[str], tokens: list[list[str]]
) -> frozenset[int]:
    """Which of a passage's non-empty sentences are whole table rows."""
    lines = {fold(r).strip() for r in rows}
    kept = [s for s, t in zip(sentences, tokens, strict=True) if t]
    return frozenset(j for j, s in enumerate(kept) if s.strip() in lines)


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


def stem_tokens(tokens: list[str]) -> list[str]:
    return [w if w in NEGATIONS or w.endswith("n't") else stem(w) for w in tokens]


def _identity(tokens: list[str]) -> list[str]:
    return tokens


_PRONOUN_OPENERS = frozenset({"he", "she", "they", "his", "her", "their", "it", "its"})


def has_stem(word: str, stems: set[str], prefixes: dict[str, list[str]]) -> bool:
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
        if (
            out
            and out[-1].endswith(".")
            and (last := _last_word(out[-1])) in ABBREVIATIONS
            and (last != "no" or piece[:1].isdigit())  # "No. 5", but a table's "no." cell
        ):
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    return out


def _last_word(sentence: str) -> str:
    cut = sentence.rfind(" ")
    return sentence[cut + 1 : -1].lstrip("(\"'")
