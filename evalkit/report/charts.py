"""Inline SVG charts for the report, drawn server-side from the page's view model.

Server-side SVG shows without JavaScript and keeps the page script small. Every piece of text
in a chart (scorer names, tags) comes from the data and is escaped with :func:`html.escape`
here, because the result is inserted into the page as markup. SVG text cannot isolate a part
of itself, so its bidi controls are shown as escapes (:func:`evalkit.report.bidi.shown`): an
override in a tag must not turn "billing (12)" around, nor a tooltip's "0.91 → 0.62".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from evalkit.report.bidi import shown
from evalkit.report.metrics import money

__all__ = ["Chart", "charts_for_section", "cost_quality", "distributions", "tag_deltas"]

Chart = dict[str, str]
"""``{"title": plain text, "svg": SVG markup}``."""

BINS = 10
MAX_TAGS = 24
"""Tags shown in per-tag charts (largest slices first); the case table filters all tags."""


def _t(x: float, y: float, text: str, anchor: str = "start", cls: str = "") -> str:
    c = f' class="{cls}"' if cls else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{c}>{_x(text)}</text>'


def _x(text: str) -> str:
    """Data as SVG text: markup escaped, bidi controls shown."""
    return escape(shown(text))


def _svg(width: int, height: int, body: Sequence[str], label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{_x(label)}">'
        + "".join(body)
        + "</svg>"
    )


def _hist(values: Sequence[float]) -> list[int]:
    counts = [0] * BINS
    for v in values:
        counts[min(BINS - 1, max(0, int(v * BINS)))] += 1
    return counts


def distributions(cases: Sequence[Mapping[str, Any]], scorers: Sequence[str]) -> list[Chart]:
    """One histogram per scorer of per-case values in [0, 1], baseline beside candidate."""
    charts: list[Chart] = []
    for name in scorers:
        sides = {}
        for side in ("b", "c"):
            vals = []
            for c in cases:
                s = (c.get(side) or {}).get("s", {}).get(name)
                if s and isinstance(s[0], (int, float)) and 0 <= s[0] <= 1:
                    vals.append(float(s[0]))
            sides[side] = _hist(vals)
        if not any(sum(h) for h in sides.values()):
            continue
        w, h, left, bottom, top = 300, 150, 34, 22, 8
        plot_w, plot_h = w - left - 8, h - bottom - top
        peak = max(max(sides["b"]), max(sides["c"]), 1)
        body = [
            f'<line class="axis" x1="{left}" y1="{h - bottom}" x2="{w - 8}" y2="{h - bottom}"/>'
        ]
        bw = plot_w / BINS
        for i in range(BINS):
            for j, side in enumerate(("b", "c")):
                n = sides[side][i]
                bh = plot_h * n / peak
                x = left + i * bw + 1 + j * (bw - 2) / 2
                body.append(
                    f'<rect class="{side}" x="{x:.1f}" y="{h - bottom - bh:.1f}" '
                    f'width="{(bw - 2) / 2:.1f}" height="{bh:.1f}"><title>'
                    f"{'baseline' if side == 'b' else 'candidate'} {i / BINS:.1f}–"
                    f"{(i + 1) / BINS:.1f}: {n}</title></rect>"
                )
        for v in (0, 0.5, 1):
            body.append(_t(left + v * plot_w, h - 6, f"{v:g}", "middle"))
        body.append(_t(left - 4, top + 10, str(peak), "end"))
        body.append(_t(left - 4, h - bottom, "0", "end"))
        charts.append({"title": f"{name}: per-case values", "svg": _svg(w, h, body, name)})
    return charts


def _delta_fill(d: float) -> str:
    # Saturates at |Δ| = 0.25: beyond that every regression is equally alarming.
    a = min(1.0, abs(d) / 0.25)
    return f"rgba(207,34,46,{a:.2f})" if d < 0 else f"rgba(26,127,55,{a:.2f})"


def tag_deltas(tags: Sequence[Mapping[str, Any]], scorers: Sequence[str]) -> Chart | None:
    """A grid, tags by scorers, each cell the change of the mean (red worse, green better)."""
    rows = sorted(tags, key=lambda t: -int(t.get("n", 0)))[:MAX_TAGS]
    if not rows or not scorers:
        return None
    label_w, cell_w, cell_h, head = 150, 92, 20, 34
    w = label_w + cell_w * len(scorers) + 8
    h = head + cell_h * len(rows) + 6
    body = []
    for j, name in enumerate(scorers):
        x = label_w + j * cell_w + cell_w / 2
        body.append(_t(x, head - 10, name[:14], "middle"))
    for i, row in enumerate(rows):
        y = head + i * cell_h
        tag = str(row["tag"])
        body.append(_t(label_w - 6, y + 14, f"{tag[:18]} ({row.get('n', 0)})", "end"))
        for j, name in enumerate(scorers):
            d = (row.get("scorers") or {}).get(name, {}).get("d")
            x = label_w + j * cell_w
            if d is None:
                body.append(_t(x + cell_w / 2, y + 14, "–", "middle"))
                continue
            body.append(
                f'<rect x="{x + 1}" y="{y + 1}" width="{cell_w - 2}" height="{cell_h - 2}" '
                f'fill="{_delta_fill(d)}"><title>{_x(tag)} · {_x(name)}: '
                f"Δ {d:+.3f}</title></rect>"
            )
            body.append(_t(x + cell_w / 2, y + 14, f"{d:+.3f}", "middle"))
    return {"title": "Per-tag change of the mean score", "svg": _svg(w, h, body, "per-tag deltas")}


def cost_quality(overall: Mapping[str, Any], tags: Sequence[Mapping[str, Any]]) -> Chart | None:
    """Mean cost per case against mean quality, baseline → candidate, overall and per tag."""
    points = [("all cases", overall, True)] + [
        (str(t["tag"]), t, False) for t in sorted(tags, key=lambda t: -int(t.get("n", 0)))[:12]
    ]
    pts = [
        (label, p["cost"]["b"], p["cost"]["c"], p["quality"]["b"], p["quality"]["c"], big)
        for label, p, big in points
        if None not in (p["cost"]["b"], p["cost"]["c"], p["quality"]["b"], p["quality"]["c"])
    ]
    if not pts:
        return None
    costs = [v for p in pts for v in (p[1], p[2])]
    quals = [v for p in pts for v in (p[3], p[4])]
    cmin, cmax = min(costs), max(costs)
    qmin, qmax = min(quals), max(quals)
    cpad, qpad = (cmax - cmin) * 0.1 or cmax * 0.1 or 1e-6, (qmax - qmin) * 0.1 or 0.05
    cmin, cmax, qmin, qmax = max(0.0, cmin - cpad), cmax + cpad, qmin - qpad, qmax + qpad
    w, h, left, bottom, top, right = 380, 240, 52, 30, 10, 90

    def px(cost: float) -> float:
        return left + (cost - cmin) / (cmax - cmin) * (w - left - right)

    def py(q: float) -> float:
        return top + (qmax - q) / (qmax - qmin) * (h - top - bottom)

    body = [
        f'<line class="axis" x1="{left}" y1="{h - bottom}" x2="{w - right}" y2="{h - bottom}"/>',
        f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{h - bottom}"/>',
        _t((left + w - right) / 2, h - 4, "mean cost per case (USD)", "middle"),
        _t(left - 4, py(qmax) + 10, f"{qmax:.2f}", "end"),
        _t(left - 4, py(qmin), f"{qmin:.2f}", "end"),
        _t(left, h - bottom + 12, money(cmin), "middle"),
        _t(w - right, h - bottom + 12, money(cmax), "middle"),
        f'<text x="12" y="{(top + h - bottom) / 2:.0f}" transform="rotate(-90 12 '
        f'{(top + h - bottom) / 2:.0f})" text-anchor="middle">mean quality</text>',
    ]
    labelled: list[tuple[float, float]] = []
    for label, cb, cc, qb, qc, big in pts:
        r = 5 if big else 3
        x1, y1, x2, y2 = px(cb), py(qb), px(cc), py(qc)
        tip = f"{label}: {money(cb)} → {money(cc)}, quality {qb:.3f} → {qc:.3f}"
        body.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#8c959f" '
            f'stroke-width="{1.5 if big else 1}"/>'
            f'<circle class="b" cx="{x1:.1f}" cy="{y1:.1f}" r="{r}"><title>{_x(tip)}</title>'
            f'</circle><circle class="c" cx="{x2:.1f}" cy="{y2:.1f}" r="{r}"><title>'
            f"{_x(tip)}</title></circle>"
        )
        # A tag label that would overlap one already drawn is left to the tooltip.
        if big or all(abs(y2 - ly) > 11 or abs(x2 - lx) > 70 for lx, ly in labelled):
            labelled.append((x2, y2))
            cls = "major" if big else "minor"
            body.append(_t(x2 + 7, y2 + 4, label if big else label[:16], cls=cls))
    return {
        "title": "Cost versus quality (all cases and largest tags)",
        "svg": _svg(w, h, body, "cost vs quality"),
    }


def charts_for_section(section: Mapping[str, Any]) -> list[Chart]:
    """Every chart for one comparison, in page order."""
    quality = [s for s in section["scorers"] if s not in ("cost", "latency")]
    out = distributions(section["cases"], section["scorers"])
    for chart in (
        tag_deltas(section["tags"], quality),
        cost_quality(section["overall"], section["tags"]),
    ):
        if chart is not None:
            out.append(chart)
    return out
