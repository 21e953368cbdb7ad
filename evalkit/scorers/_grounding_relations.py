"""The relation checks of a claim against one passage: facts the passage never states together.

A claim can hold only words, names and numbers the passage has and still be wrong, by joining
facts from unrelated sentences ("Lee Ralph ... Twin Peaks") or by reading a table row's number
as another column's ("the Pro plan has 29 seats" from "Price: $29; Seats: 5").
:func:`relation_mismatch` finds both. It runs after
:func:`~evalkit.scorers._grounding_checks.mismatch` and skips the words that one excused.
Each check returns a reason a reviewer can read, or ``None``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Set
from typing import TYPE_CHECKING

from evalkit.scorers._grounding_index import PassageIndex, has_stem
from evalkit.scorers._grounding_lexicon import STOPWORDS
from evalkit.scorers._grounding_numbers import (
    Mention,
    has_number,
    may_spell_quantity,
    spelled_measures,
)
from evalkit.scorers._grounding_text import content_words, fold, number_keys, stem, words

if TYPE_CHECKING:  # the checks module imports this one, for its re-export
    from evalkit.scorers._grounding_checks import ClaimView

__all__ = ["relation_mismatch"]


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
    items = _row_items(view, facts, i, index)
    if items is not None:  # "Basic has 2 passes, Plus 6 and Premier 12": one row per item
        return next(filter(None, (_unlinked(f, i, index) for f in items if len(f) > 1)), None)
    return _unlinked(facts, i, index)


def _row_items(
    view: ClaimView, facts: list[tuple[str, set[int]]], i: int, index: PassageIndex
) -> list[list[tuple[str, set[int]]]] | None:
    """The claim's facts per list item, when two or more items name their own table row.

    "$8 for Basic, $25 for Premier" joins two rows, which the chain of sentences never links;
    each item must take its facts from its own row, so a swapped value still fails. Items are
    cut at commas, semicolons and "and"; an item naming no row belongs to the one before it
    (or, at the start, to the first that names one). ``None`` when fewer than two items name
    a row, and the claim is checked whole. (The same reading of prose, one name with its
    numbers per item, cost FaithBench's summary gate 0.649 -> 0.636 and was left out.)"""
    cuts = [m.start() for m in _LIST_CUT.finditer(view.folded)]
    if not cuts:
        return None
    rows = index.table_rows[i]
    keys = [set(ws) for _, ws in index.row_keys[i]]
    items: dict[int, list[tuple[str, set[int]]]] = {}
    named: dict[int, int] = {}  # item -> the row sentence it names
    for name, sents in facts:
        at = view.folded.find(fold(name))
        item = sum(c < at for c in cuts) if at >= 0 else 0
        items.setdefault(item, []).append((name, sents))
        stems = set(content_words(name))
        in_rows = sents & rows
        if stems and len(in_rows) == 1 and any(k <= stems or stems <= k for k in keys):
            named.setdefault(item, min(in_rows))
    if len(set(named.values())) < 2:
        return None
    out: list[list[tuple[str, set[int]]]] = []
    for item in sorted(items):
        if item in named or not out:
            out.append([])
        out[-1].extend(items[item])
    return out


_LIST_CUT = re.compile(r"[,;]\s| and ")


def _unlinked(facts: list[tuple[str, set[int]]], i: int, index: PassageIndex) -> str | None:
    """The reason when some of ``facts`` are not linked by a chain of passage sentences
    (see :func:`relation_mismatch`)."""
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
        # up to the next clause or list item: "250 MB and Business 2 GB" names no column
        tail = _NEXT_ITEM.split(view.folded[at + len(m.text) :], maxsplit=1)[0]
        after = [w for w in words(tail)[:3] if w not in STOPWORDS]
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


_NEXT_ITEM = re.compile(r"[,;(]| (?:and|or|but|while|whereas) ")


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


def _spelled(i: int, index: PassageIndex) -> frozenset[str]:
    """The measures of the quantities passage ``i`` writes in words, read only when its
    words allow one."""
    if not may_spell_quantity(index.words[i]):
        return frozenset()
    return spelled_measures(index.texts[i])
