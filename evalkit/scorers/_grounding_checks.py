"""The hard checks of a claim against one passage: names, numbers, negation, relations.

Similarity can say a claim looks like a passage; these say where it cannot be right: a
number, date, amount or name the passage lacks, a negation on one side only, or two facts the
passage never states together. Each returns a reason a reviewer can read, or ``None``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Set

from evalkit.scorers._grounding_index import PassageIndex, has_stem, stem_tokens
from evalkit.scorers._grounding_lexicon import NEGATIONS, STOPWORDS, UNIT_WORDS
from evalkit.scorers._grounding_numbers import (
    Mention,
    has_number,
    may_spell_quantity,
    spelled_measures,
    spelled_quantities,
)
from evalkit.scorers._grounding_proximity import word_order
from evalkit.scorers._grounding_text import (
    Claim,
    Given,
    entities,
    fold,
    number_keys,
    numbers,
    stem,
    words,
)

__all__ = ["ClaimView", "mismatch", "negation_mismatch", "relation_mismatch"]


class ClaimView:
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
        tokens = words(text)
        self.tokens = stem_tokens(tokens)
        self.given = given
        self.negated = any(t in NEGATIONS or t.endswith("n't") for t in self.tokens)
        self.number_keys = {k for m in self.numbers for k in m.keys}
        # Quantities written in words ("two weeks", "half an hour"): not checked as numbers
        # (see numbers()), but words a passage's "14 days" or "30 minutes" accounts for.
        self.spelled = (
            [q for q, _, _ in spelled_quantities(self.folded)] if may_spell_quantity(tokens) else []
        )
        self.names = {stem(k) for e in self.entities for k in e.keys}
        self.order = word_order(cwords, self.names)

    def owned(self, surface: str) -> bool:
        """Whether a mention is the user's own thing ("your order A1234", "your $62 order")."""
        at = self.folded.find(fold(surface.strip(" .,;")))
        return at >= 0 and "your" in self.folded[:at].split()[-3:]


def mismatch(
    view: ClaimView, i: int, index: PassageIndex, region: tuple[int, int]
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
    for q in view.spelled:
        if not all(has_number(index.numbers[i], k) for k in q.keys) and _converted(
            q, i, index, region
        ):
            excused |= _quantity_stems(q)
    for m in view.numbers:
        if all(has_number(index.numbers[i], k) for k in m.keys):
            continue
        if m.measures and _converted(m, i, index, region):
            excused |= _quantity_stems(m)  # "72 months" for "6 years": no novel words either
            continue
        if all(has_number(view.given.numbers, k) for k in m.keys) and (
            view.negated or view.owned(m.text) or not _rival_number(view, m, i, index, region)
        ):
            excused.update(m.keys)
            continue
        return f"{m.kind} mismatch: {m.text.strip()} not in passage {pid}", excused
    for e in view.entities:
        if all(
            key in index.words[i] or has_stem(stem(key), index.stems[i], index.prefixes[i])
            for key in e.keys
        ):
            continue
        if all(k in view.given.names for k in e.keys) and (view.negated or view.owned(e.text)):
            excused.update(stem(k) for k in e.keys)
            continue
        return f"entity mismatch: {e.text.strip(' .,;')} not in passage {pid}", excused
    return None, excused


def _converted(m: Mention, i: int, index: PassageIndex, region: tuple[int, int]) -> bool:
    """Whether passage ``i`` states the quantity ``m`` in another unit of its scale, in
    digits ("6 years" for "72 months") or in words ("half an hour" for "30 minutes"), in
    the sentences the claim's other words rest on (``region``). Its words are then excused
    from the word checks, so they cannot place it: "the Basic plan's warranty is 36 months"
    must not borrow the Pro plan's "3 years" from the next sentence."""
    have = index.numbers[i]
    spelled = _spelled(i, index)
    if not any(k in have or k in spelled for k in m.measures):
        return False
    numbers, texts = index.sentence_numbers(i), index.sentence_texts(i)
    return any(
        k in numbers[j] or (spelled and k in spelled_measures(texts[j]))
        for j in range(region[0], min(region[1], len(numbers)))
        for k in m.measures
    )


def _spelled(i: int, index: PassageIndex) -> frozenset[str]:
    """The measures of the quantities passage ``i`` writes in words, read only when its
    words allow one."""
    if not may_spell_quantity(index.words[i]):
        return frozenset()
    return spelled_measures(index.texts[i])


def _quantity_stems(m: Mention) -> frozenset[str]:
    """The stems a converted quantity's words give: its number's and its unit's in any
    spelling ("72", "month"; "half", "hour" for "half an hour")."""
    unit = m.keys[-1].partition("@")[2]
    return frozenset(stem(w) for w in words(m.text)) | _unit_stems(unit)


@functools.lru_cache(maxsize=64)
def _unit_stems(unit: str) -> frozenset[str]:
    written = UNIT_WORDS.get("day" if unit == "bday" else unit, "")
    return frozenset(stem(w) for w in written.split())


def _rival_number(
    view: ClaimView, m: Mention, i: int, index: PassageIndex, region: tuple[int, int]
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
        if (
            not units
            and {k for k in index.sentence_numbers(i)[j] if "@" not in k} - view.number_keys
        ):  # numbers, not their unit keys ("6@year")
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


def negation_mismatch(
    view: ClaimView, sentences: list[list[str]], sets: list[set[str]]
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


def relation_mismatch(
    view: ClaimView,
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
        facts.append((m.text.strip(), _sentences_with_number(m, i, index)))
    column = _column_mismatch(view, i, index)
    if column is not None:
        return column
    row = _named_row(view, i, index, excused)
    if row is not None:  # "The Pro plan costs $99": the row it names must hold the rest
        facts.insert(0, row)
    if len(facts) < 2:
        return None
    follows = index.pronoun_openers(i)
    if follows:  # "Rice was born in 1941. She moved to Texas": the second sentence is hers too
        facts = [(name, _carried(sents, follows)) for name, sents in facts]
    titles = index.title_rows[i]
    titled = [f for f in facts if titles.keys() & f[1]] if titles else []
    if titled and len(titled) < len(facts):  # a table title's words: checked after the rest
        facts = [f for f in facts if not titles.keys() & f[1]]
    else:
        titled = []
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
    pid = index.passages[i].id
    if len(group) == len(facts):
        apart = _apart_from_rows(titled, facts, reach, titles)
        if apart is None:
            return None
        return (
            f"relation mismatch: {facts[0][0]} and {apart} are never stated together in "
            f"passage {pid}"
        )
    lone = next((name for name, sents in facts if not sents), None)
    if lone is not None:
        return f"relation mismatch: {lone} is never stated within one sentence of passage {pid}"
    other = next(facts[k][0] for k in range(len(facts)) if k not in group)
    return (
        f"relation mismatch: {facts[0][0]} and {other} are never stated together in passage {pid}"
    )


def _apart_from_rows(
    titled: list[tuple[str, set[int]]],
    facts: list[tuple[str, set[int]]],
    reach: set[int],
    titles: Mapping[int, frozenset[int]],
) -> str | None:
    """The first fact from a table's title (``titled``: "EU" of "Prices for EU customers:")
    that the claim's other, linked ``facts`` do not place in that table: it is linked when a
    sentence holding all of them is a row of the title's table ("EU customers pay €99 for
    Pro": the Pro row), or, as any fact, when its own sentences are in their ``reach``. The
    title is not a link between rows: "EU customers pay €49 for Pro" stays a mismatch when
    €49 is the Team row's price, and so does a row of another table with the same name."""
    if not titled:
        return None
    common = set.intersection(*(sents for _, sents in facts))
    for name, sents in titled:
        rows = set().union(*(titles[t] for t in sents if t in titles))
        if not (rows & common or sents & reach):
            return name
    return None


def _column_mismatch(view: ClaimView, i: int, index: PassageIndex) -> str | None:
    """A number the claim gives as a column of a table ("29 seats") must be in that column.

    Read as a sentence, the row "Plan: Pro; Price: $29; Seats: 5" holds 29, so "The Pro plan
    has 29 seats" would pass every other check. When the word after a claim's number is a
    column header of the rows that state the number, some such row must have the number in
    that column. A claim that does not name a column ("costs $29") is not checked here.
    """
    rows = index.table_rows[i]
    if not rows or not view.numbers:
        return None
    texts = index.sentence_texts(i)
    cells = {j: _row_cells(texts[j]) for j in rows}
    have = set(view.cwords)
    named_rows = [fold(key) for key, ws in index.row_keys[i] if all(w in have for w in ws)]
    if len(named_rows) == 1:  # "the Team plan has ...": only the Team row can hold it
        cells = {j: c for j, c in cells.items() if any(cell == named_rows[0] for _, cell in c)}
    for m in view.numbers:
        at = view.folded.find(fold(m.text.strip()))
        if at < 0:
            continue
        # the words right after the number ("50 GB of storage": gb, storage)
        after = [w for w in words(view.folded[at + len(m.text) :])[:3] if w not in STOPWORDS]
        holding = [j for j, row in cells.items() if any(_has(m, cell) for _, cell in row)]
        headers = {h for j in holding for h, _ in cells[j]}
        named = next((w for w in after if stem(w) in headers), None)
        if named is None:
            continue
        column = stem(named)
        if not any(_has(m, cell) for j in holding for h, cell in cells[j] if h == column):
            pid = index.passages[i].id
            return f"relation mismatch: {m.text.strip()} is no {named} value in passage {pid}"
    return None


def _row_cells(sentence: str) -> list[tuple[str, str]]:
    """A row sentence's ``(header stem, cell)`` pairs ("seats: 5" gives ("seat", "5"))."""
    out = []
    for part in sentence.rstrip(".").split("; "):
        header, sep, cell = part.partition(": ")
        if sep and len(header.split()) == 1:
            out.append((stem(header.strip()), cell))
    return out


def _has(m: Mention, cell: str) -> bool:
    keys = number_keys(cell)  # read as passage text: a bare "50" is 50 of any unit
    return all(has_number(keys, k) for k in m.keys) or any(k in keys for k in m.measures)


def _named_row(
    view: ClaimView, i: int, index: PassageIndex, excused: Set[str]
) -> tuple[str, set[int]] | None:
    """The table row of passage ``i`` the claim names by its first cell ("the *Pro* plan"),
    as a fact for the relation check, with the sentences holding that cell. Only a claim
    naming exactly one row: one comparing two rows ("Team costs more than Pro") takes its
    facts from both."""
    if not index.row_keys[i]:
        return None
    have = set(view.cwords)
    named = [(cell, ws) for cell, ws in index.row_keys[i] if all(w in have for w in ws)]
    if len(named) != 1:
        return None
    cell, ws = named[0]
    if all(w in view.names or w in excused for w in ws):
        return None  # already a fact as a name, or the user's own word
    return cell, set.intersection(*(_sentences_with(w, i, index) for w in ws))


def _carried(sents: set[int], follows: Set[int]) -> set[int]:
    """``sents`` plus the run of pronoun-opened sentences right after each of them."""
    out = set(sents)
    for j in sents:
        k = j + 1
        while k in follows:
            out.add(k)
            k += 1
    return out


def _sentences_with_number(m: Mention, i: int, index: PassageIndex) -> set[int]:
    """Sentences of passage ``i`` stating the number ``m``. A plain number written the same
    way is found through the word index; only amounts, dates and ``1,000``-style numbers
    need the (slower) per-sentence number parsing. A unit's key (``6@year``) is left to
    :func:`mismatch`: here it is the number that must sit in the sentence, or, when no
    sentence writes it so, the same quantity in another unit ("6 years" for "72 months")."""
    keys = tuple(k for k in m.keys if "@" not in k)
    if len(keys) == 1 and keys[0].isdigit():
        found = index.where(i).get(keys[0])
        if found:
            return set(found)
    numbers = index.sentence_numbers(i)
    out = {j for j, have in enumerate(numbers) if all(k in have for k in keys)}
    if out or not m.measures:
        return out
    texts = index.sentence_texts(i)
    spelled = _spelled(i, index)
    return {
        j
        for j, have in enumerate(numbers)
        if any(k in have or (spelled and k in spelled_measures(texts[j])) for k in m.measures)
    }


def _sentences_with(key: str, i: int, index: PassageIndex) -> set[int]:
    """Sentences of passage ``i`` holding the word ``key`` (exactly or as an inflection)."""
    where = index.where(i)
    st = stem(key)
    out = set(where.get(st, ())) | set(where.get(key, ()))
    if len(st) >= 4 and not st.isdigit():
        for other in index.prefixes[i].get(st[:4], ()):
            if other != st and has_stem(st, {other}, {st[:4]: [other]}):
                out |= where.get(other, set())
    return out


_RESTRICTIVE = frozenset({"only", "exclusively", "solely"})


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
