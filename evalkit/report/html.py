"""Render the page view model (:mod:`evalkit.report.viewmodel`) to one self-contained HTML file.

Rendering is kept apart from the data: this module only knows the view model's shape, never a
:class:`~evalkit.compare.Comparison`. The page carries its CSS, JS and SVG inline and a
Content-Security-Policy that forbids every fetch and every script but our own (by hash), so
the file opens offline and an escaping bug elsewhere still could not run injected code.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from evalkit.jsonfiles import dumps
from evalkit.report.bidi import invisible_json, marked, pattern_json, shown
from evalkit.report.charts import charts_for_section

__all__ = ["TEMPLATES", "embed_json", "render_html"]

TEMPLATES = Path(__file__).parent / "templates"

# What JSON may not contain verbatim inside <script>: "</script>" or "<!--" would end or
# confuse the element, and U+2028/2029 break older JS parsers. JSON.parse reads the escapes
# back as the same characters.
_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_JSON_TABLE = str.maketrans(_JSON_ESCAPES)


def embed_json(value: Any) -> Markup:
    """JSON safe to place inside ``<script type="application/json">`` (no ``<``, ``>``, ``&``)."""
    text = dumps(value, ensure_ascii=False, separators=(",", ":"))  # NaN as null
    return Markup(text.translate(_JSON_TABLE))


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["shown"] = shown  # plain-text places (title, option labels): escapes as text
    env.filters["data"] = marked  # everywhere else: <bdi> with each escape marked up
    return env


@lru_cache(maxsize=1)
def _assets() -> tuple[Markup, Markup, str]:
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    js = (TEMPLATES / "report.js").read_text(encoding="utf-8")
    # Our own assets; they must not close their element early.
    assert "</style" not in css.lower() and "</script" not in js.lower()
    digest = base64.b64encode(hashlib.sha256(js.encode("utf-8")).digest()).decode("ascii")
    return Markup(css), Markup(js), f"sha256-{digest}"


def render_html(view: Mapping[str, Any]) -> str:
    """The whole page for a view model built by :func:`evalkit.report.viewmodel.build_view`."""
    css, js, script_hash = _assets()
    sections = view["sections"]
    charts = [
        [{"title": c["title"], "svg": Markup(c["svg"])} for c in charts_for_section(s)]
        for s in sections
    ]
    template = _environment().get_template("report.html.j2")
    return template.render(
        view=view,
        css=css,
        js=js,
        script_hash=script_hash,
        charts=charts,
        case_json=[embed_json(s["cases"]) for s in sections],
        controls=_controls(),  # the page script's control pattern (evalkit.report.bidi)
        invisible=_invisible(),  # what its search ignores
    )


@lru_cache(maxsize=1)
def _controls() -> str:
    return pattern_json()  # an attribute value: autoescaped by the template


@lru_cache(maxsize=1)
def _invisible() -> str:
    return invisible_json()
