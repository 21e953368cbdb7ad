/* evalkit regression report: tabs, the case table (filters, search, pages) and case details.
 *
 * Every string from the data (model outputs, case ids, tags, inputs, reasons) reaches the
 * page through textContent or createTextNode only, never innerHTML, and nothing from the data
 * ever becomes a link: untrusted text stays inert. Case data is parsed from the
 * JSON block (script type application/json) of a comparison when its tab is first shown.
 *
 * Every such string also goes through iso(): its own <bdi>, with every bidi, invisible or
 * C0/C1 control character shown as a marked escape, never obeyed, so an override can neither
 * reorder the text around it ("groundedness 0.91 → 0.62" must not read as "26.0 → 19.0") nor
 * the value itself ("\u202E0001 DSU" must not read as "USD 1000"). Search ignores them.
 */
(function () {
  "use strict";
  var PAGE_SIZE = 100;
  var CHANGED = ["regression", "improvement", "baseline_only", "candidate_only",
    "content_changed", "baseline_not_run", "candidate_not_run"];
  var MAX_DIFF_CELLS = 4000000; // LCS table size above which a word diff is not attempted

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  /* Data as the reviewer must see it: in its own isolate (<bdi>), with every bidi control,
     invisible character and C0/C1 control shown as a marked escape ("\u202E") instead of
     obeyed. Isolating alone still obeyed an override inside the value: a tool argument
     "\u202E0001 DSU" read "USD 1000", a tag "on\u202Eerror" read "onrorre". The pattern is
     the one evalkit.terminal_text defines (the terminal and Markdown summaries use it too),
     embedded in the page; it keeps joiners inside emoji sequences and joining scripts.
     Replaced one for one, so offsets hold. */
  var CONTROLS = new RegExp(JSON.parse(document.getElementById("evalkit-main").dataset.controls), "gu");
  var ESCAPE_TITLE = "an invisible or bidirectional control character, shown instead of obeyed";

  function escapeChar(ch) {
    var code = ch.codePointAt(0), hex = code.toString(16).toUpperCase();
    if (code < 0x100) return "\\x" + ("0" + code.toString(16)).slice(-2);
    return code <= 0xffff ? "\\u" + ("000" + hex).slice(-4) : "\\U" + ("0000000" + hex).slice(-8);
  }

  /* [text, control, text, control, ..., text]: odd items are one character to escape */
  function splitControls(text) {
    var out = [], start = 0, m;
    text = String(text);
    CONTROLS.lastIndex = 0;
    while ((m = CONTROLS.exec(text)) !== null) {
      if (m[2] === undefined) continue;
      out.push(text.slice(start, m.index), m[2]);
      start = m.index + m[2].length;
    }
    out.push(text.slice(start));
    return out;
  }

  /* Plain-text places (a tooltip): every control as its escape, unmarked. */
  function shownText(text) {
    return splitControls(text).map(function (p, i) { return i % 2 ? escapeChar(p) : p; }).join("");
  }

  function escapeMark(ch) {
    var mark = el("span", "bidi", escapeChar(ch));
    mark.title = ESCAPE_TITLE;
    return mark;
  }

  function marked(text) {
    var frag = document.createDocumentFragment();
    splitControls(text).forEach(function (part, i) {
      if (i % 2 === 1) frag.appendChild(escapeMark(part));
      else if (part) frag.appendChild(document.createTextNode(part));
    });
    return frag;
  }

  /* The offsets of the characters splitControls() shows escaped, decided on the whole text:
     whether a joiner or a mark is kept depends on its neighbours, which a piece of the text
     (a run of a word diff) may have cut off. */
  function controlOffsets(text) {
    var at = 0, out = {};
    splitControls(text).forEach(function (part, i) {
      if (i % 2 === 1) out[at] = true;
      at += part.length;
    });
    return out;
  }

  /* text, which starts at offset `from` of a whole whose controlOffsets() are `controls` */
  function markedAt(text, from, controls) {
    var frag = document.createDocumentFragment(), plain = "", i = 0;
    while (i < text.length) {
      var ch = String.fromCodePoint(text.codePointAt(i));
      if (controls[from + i]) {
        if (plain) frag.appendChild(document.createTextNode(plain));
        frag.appendChild(escapeMark(ch));
        plain = "";
      } else {
        plain += ch;
      }
      i += ch.length;
    }
    if (plain) frag.appendChild(document.createTextNode(plain));
    return frag;
  }

  function iso(text) {
    var node = el("bdi");
    node.appendChild(marked(text));
    return node;
  }

  /* An element of our words and isolated data: parts are strings (ours) or nodes. */
  function mix(tag, cls, parts) {
    var node = el(tag, cls);
    parts.forEach(function (p) {
      if (p === null || p === undefined || p === "") return;
      node.appendChild(typeof p === "string" ? document.createTextNode(p) : p);
    });
    return node;
  }

  /* Search ignores every character the page shows as an escape somewhere, kept as text or
     not: "case-01" finds "case-\u202E01", "ภาษาไทย" finds "ภาษา\u200Bไทย" (kept there). */
  var INVISIBLE = new RegExp(JSON.parse(document.getElementById("evalkit-main").dataset.invisible), "gu");
  function unmarked(text) {
    return String(text).replace(INVISIBLE, "");
  }

  function fmtNum(v, digits) {
    return v === null || v === undefined ? "–" : Number(v).toFixed(digits);
  }

  /* "+12 ms", "-3 ms"; a change that rounds to nothing is "0 ms", without a sign */
  function signed(v, digits, unit) {
    if (v === null || v === undefined) return "–";
    var text = Math.abs(v).toFixed(digits);
    if (!/[1-9]/.test(text)) return text + (unit || "");
    return (v > 0 ? "+" : "-") + text + (unit || "");
  }

  /* Dollars as evalkit.report.metrics.money() writes them: four significant digits, no
     exponent, never rounded to nothing ("$0.0000042", "$0.001235", "$12.35", "$0"). */
  function money(usd) {
    if (usd === 0) return "$0";
    var decimals = Math.min(12, Math.max(0, 3 - Math.floor(Math.log10(usd))));
    var text = usd.toFixed(decimals);
    if (text.indexOf(".") >= 0) text = text.replace(/\.?0+$/, "");
    return "$" + text;
  }

  /* ---------- tabs ---------- */

  var tables = {};

  function showSection(index) {
    var sections = document.querySelectorAll("section.comparison");
    for (var i = 0; i < sections.length; i++) {
      sections[i].classList.toggle("hidden", String(i) !== String(index));
    }
    var tabs = document.querySelectorAll("nav.tabs button");
    for (var j = 0; j < tabs.length; j++) {
      tabs[j].setAttribute("aria-selected", tabs[j].dataset.section === String(index) ? "true" : "false");
    }
    if (!tables[index]) tables[index] = new CaseTable(sections[index]);
  }

  /* ---------- the case table ---------- */

  function CaseTable(section) {
    this.section = section;
    var dataNode = section.querySelector("script.case-data");
    this.cases = JSON.parse(dataNode.textContent);
    this.haystacks = null; // lower-cased search text, built on first search
    this.page = 0;
    this.open = {};
    this.controls = {
      status: section.querySelector(".f-status"),
      tag: section.querySelector(".f-tag"),
      scorer: section.querySelector(".f-scorer"),
      text: section.querySelector(".f-text")
    };
    this.rows = section.querySelector("tbody.rows");
    this.info = section.querySelector(".p-info");
    var self = this;
    var refilter = function () { self.page = 0; self.apply(); };
    this.controls.status.addEventListener("change", refilter);
    this.controls.tag.addEventListener("change", refilter);
    this.controls.scorer.addEventListener("change", refilter);
    var timer = null;
    this.controls.text.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refilter, 150);
    });
    /* Column sorting: a click sorts, a second click reverses; ties keep the default order
       (regressions first), and a case with no value on a side sorts last either way. */
    this.sort = { key: "status", dir: 1 };
    this.headers = section.querySelectorAll("table.cases th[aria-sort]");
    Array.prototype.forEach.call(section.querySelectorAll("button.sort"), function (b) {
      b.addEventListener("click", function () {
        var key = b.dataset.key;
        /* what got worse most comes first: the largest drop, cost or latency rise */
        var first = key === "id" || key === "status" ? 1 : -1;
        self.sort = { key: key, dir: self.sort.key === key ? -self.sort.dir : first };
        self.page = 0;
        self.apply();
      });
    });
    section.querySelector(".p-prev").addEventListener("click", function () {
      if (self.page > 0) { self.page--; self.render(); }
    });
    section.querySelector(".p-next").addEventListener("click", function () {
      if ((self.page + 1) * PAGE_SIZE < self.visible.length) { self.page++; self.render(); }
    });
    this.apply();
  }

  CaseTable.prototype.haystack = function (i) {
    if (!this.haystacks) this.haystacks = new Array(this.cases.length);
    var h = this.haystacks[i];
    if (h === undefined) {
      var c = this.cases[i];
      h = [c.id, c.tags.join(" "), c.in, c.b ? c.b.out : "", c.c ? c.c.out : "",
        isFlaky(c) ? "flaky" : "", hasScorerError(c) ? "scorer error" : ""].join("\n");
      h = unmarked(h).toLowerCase();
      this.haystacks[i] = h;
    }
    return h;
  };

  CaseTable.prototype.matches = function (c, i, f) {
    if (f.status === "changed" && CHANGED.indexOf(c.st) < 0) return false;
    if (f.status === "regression" && c.st !== "regression") return false;
    if (f.status === "improvement" && c.st !== "improvement") return false;
    if (f.status === "failing" && c.st !== "regression" && c.st !== "unchanged_fail") return false;
    if (f.status === "flaky" && !isFlaky(c)) return false;
    if (f.status === "scorer_errors" && !hasScorerError(c)) return false;
    if (f.tag && c.tags.indexOf(f.tag) < 0) return false;
    if (f.scorer) {
      var s = c.c && c.c.s[f.scorer];
      if (!s || s[1] !== false) return false;
    }
    if (f.text && this.haystack(i).indexOf(f.text) < 0) return false;
    return true;
  };

  /* Repeats of the case disagree in either run (as the view model counts them). */
  function isFlaky(c) {
    return !!((c.b && c.b.flaky) || (c.c && c.c.flaky));
  }

  /* A scorer error (unscored) in either run (as the view model counts them). */
  function hasScorerError(c) {
    return !!((c.b && c.b.ue) || (c.c && c.c.ue));
  }

  CaseTable.prototype.apply = function () {
    var f = {
      status: this.controls.status.value,
      tag: this.controls.tag.value,
      scorer: this.controls.scorer.value,
      text: unmarked(this.controls.text.value).trim().toLowerCase()
    };
    var visible = [];
    for (var i = 0; i < this.cases.length; i++) {
      if (this.matches(this.cases[i], i, f)) visible.push(i);
    }
    this.visible = this.sorted(visible);
    this.render();
  };

  /* The sort key of a case: numbers or strings; null (no value on a side) sorts last in
     both directions. */
  function sortKey(c, key) {
    if (key === "id") return c.id;
    if (key === "drop") return largestDrop(c);
    if (key === "cost" || key === "lat") {
      if (!c.b || !c.c || c.st === "content_changed" || c.b[key] === null || c.c[key] === null) {
        return null;
      }
      return c.c[key] - c.b[key];
    }
    return null;
  }

  /* The largest fall of a score value from baseline to candidate (a rise is negative), so
     "descending" puts the cases that lost most first. */
  function largestDrop(c) {
    if (!c.b || !c.c || c.st === "content_changed") return null;  /* two different questions */
    var best = null;
    Object.keys(c.c.s).forEach(function (name) {
      var b = c.b.s[name], n = c.c.s[name];
      if (!b || !n || typeof b[0] !== "number" || typeof n[0] !== "number") return;
      var drop = b[0] - n[0];
      if (best === null || drop > best) best = drop;
    });
    return best;
  }

  CaseTable.prototype.sorted = function (visible) {
    var key = this.sort.key, dir = this.sort.dir, cases = this.cases;
    Array.prototype.forEach.call(this.headers, function (th) {
      var b = th.querySelector("button.sort");
      th.setAttribute("aria-sort", b && b.dataset.key === key
        ? (dir > 0 ? "ascending" : "descending") : "none");
    });
    if (key === "status") return dir > 0 ? visible : visible.slice().reverse();
    var keyed = visible.map(function (i) { return [sortKey(cases[i], key), i]; });
    keyed.sort(function (x, y) {
      if (x[0] === null || y[0] === null) {
        if (x[0] === y[0]) return x[1] - y[1];
        return x[0] === null ? 1 : -1;
      }
      var d = typeof x[0] === "string" ? x[0].localeCompare(y[0], undefined, { numeric: true })
        : x[0] - y[0];
      return d !== 0 ? d * dir : x[1] - y[1];
    });
    return keyed.map(function (k) { return k[1]; });
  };

  CaseTable.prototype.render = function () {
    var start = this.page * PAGE_SIZE;
    var end = Math.min(start + PAGE_SIZE, this.visible.length);
    var frag = document.createDocumentFragment();
    for (var k = start; k < end; k++) {
      var idx = this.visible[k];
      frag.appendChild(this.row(idx));
      if (this.open[idx]) frag.appendChild(detailRow(this.cases[idx]));
    }
    this.rows.textContent = "";
    this.rows.appendChild(frag);
    var total = this.cases.length;
    this.info.textContent = this.visible.length === 0
      ? "no cases match (of " + total + ")"
      : "cases " + (start + 1) + "–" + end + " of " + this.visible.length +
        (this.visible.length !== total ? " (filtered from " + total + ")" : "");
    this.section.querySelector(".p-prev").disabled = this.page === 0;
    this.section.querySelector(".p-next").disabled = end >= this.visible.length;
  };

  CaseTable.prototype.row = function (idx) {
    var c = this.cases[idx];
    var tr = el("tr", "case");
    tr.dataset.index = String(idx);
    tr.appendChild(mix("td", "id", [iso(c.id)]));
    var st = el("td");
    st.appendChild(el("span", "badge " + c.st, c.st.split("_").join(" ")));
    [["c", ""], ["b", "baseline "]].forEach(function (p) {
      var side = c[p[0]];
      if (!side || !side.flaky || !side.fk) return;
      var badge = el("span", "badge flaky", p[1] + "flaky " + side.fk[0] + "/" + side.fk[1]);
      badge.title = (p[1] ? "baseline" : "candidate") + ": " + side.fk[0] + " of " + side.fk[1] +
        " repeats passed; the detail shows one that agrees with the majority verdict";
      st.appendChild(document.createTextNode(" "));
      st.appendChild(badge);
    });
    /* A scorer error leaves the case out of that scorer's numbers; a passing scorer beside it
       makes the case "unchanged pass", so the status alone would hide it. */
    [["c", ""], ["b", "baseline "]].forEach(function (p) {
      var side = c[p[0]];
      if (!side || !side.ue) return;
      var badge = el("span", "badge scorer-error", p[1] + "scorer error");
      badge.title = (p[1] ? "baseline" : "candidate") + ": unscored by " + shownText(side.ue.join(", ")) +
        " (a scorer error; the detail shows it)";
      st.appendChild(document.createTextNode(" "));
      st.appendChild(badge);
    });
    /* An answer cut off by max_tokens can still pass scorers of claims and cost less: the
       status alone would call it an unchanged pass. */
    [["c", ""], ["b", "baseline "]].forEach(function (p) {
      var side = c[p[0]];
      if (!side || !side.tr) return;
      var badge = el("span", "badge truncated", p[1] + "truncated");
      badge.title = (p[1] ? "baseline" : "candidate") + ": " + side.tr + " of " + (side.n || 1) +
        " answer(s) cut off by max_tokens (finish reason length)";
      st.appendChild(document.createTextNode(" "));
      st.appendChild(badge);
    });
    tr.appendChild(st);
    var tags = el("td");
    c.tags.forEach(function (t) { tags.appendChild(mix("span", "tag", [iso(t)])); });
    tr.appendChild(tags);
    tr.appendChild(scoreChips(c));
    tr.appendChild(el("td", "num", delta(c, "cost", 4, "$")));
    tr.appendChild(el("td", "num", delta(c, "lat", 0, " ms")));
    var self = this;
    tr.addEventListener("click", function () {
      self.open[idx] = !self.open[idx];
      self.render();
    });
    return tr;
  };

  function delta(c, key, digits, unit) {
    if (!c.b || !c.c || c.b[key] === null || c.c[key] === null) return "–";
    var d = c.c[key] - c.b[key];
    if (unit !== "$") return signed(d, digits, unit);
    /* per-case costs are often below a hundredth of a cent: significant digits, not
       "+$0.0000" on every row */
    if (d === 0) return "$0";
    return (d > 0 ? "+" : "-") + money(Math.abs(d));
  }

  function scoreChips(c) {
    var td = el("td");
    var names = Object.keys((c.c && c.c.s) || (c.b && c.b.s) || {});
    names.forEach(function (name) {
      var b = c.b && c.b.s[name], n = c.c && c.c.s[name];
      var cls = "chip";
      if (b && n && b[1] === true && n[1] === false) cls += " down";
      else if (b && n && b[1] === false && n[1] === true) cls += " up";
      else if (n && n[1] === false) cls += " fail";
      td.appendChild(mix("span", cls, [iso(name), " " + fmtNum(b && b[0], 2) + " → " + fmtNum(n && n[0], 2)]));
    });
    return td;
  }

  /* ---------- case detail ---------- */

  function detailRow(c) {
    var tr = el("tr", "detail");
    var td = el("td");
    td.colSpan = 6;
    if (c.in) {
      td.appendChild(el("h4", null, "input"));
      td.appendChild(mix("div", "input", [iso(c.in)]));
    }
    if (c.ev) td.appendChild(evidence(c.ev, c));
    var diff = wordDiff(c.b ? c.b.out : "", c.c ? c.c.out : "");
    var sides = el("div", "sides");
    sides.appendChild(sidePanel("baseline", c.b, diff.a));
    sides.appendChild(sidePanel("candidate", c.c, diff.b));
    td.appendChild(sides);
    tr.appendChild(td);
    return tr;
  }

  /* What the case expected (from the eval set): context passages, expected answers and tool
     calls, its checks' definitions. Each block is collapsible; the context opens by itself
     when a passage is the best passage of an unsupported claim, which is marked. */
  function evidence(ev, c) {
    var box = el("div", "evidence");
    function block(title, open) {
      var d = el("details", "ev");
      d.open = !!open;
      d.appendChild(el("summary", "small", title));
      box.appendChild(d);
      return d;
    }
    if (ev.ctx && ev.ctx.length) {
      var claimsOf = {};
      [["baseline", c.b], ["candidate", c.c]].forEach(function (p) {
        ((p[1] && p[1].claims) || []).forEach(function (cl) {
          if (cl.ok || cl.p === undefined) return;
          var text = cl.t !== undefined ? cl.t : p[1].out.slice(cl.a, cl.z);
          (claimsOf[cl.p] = claimsOf[cl.p] || []).push([p[0], text]);
        });
      });
      var flagged = ev.ctx.some(function (p) { return p.f; });
      var ctx = block("context (" + ev.ctx.length + " passage" + (ev.ctx.length === 1 ? "" : "s") + ")", flagged);
      ctx.classList.add("ev-context");
      ev.ctx.forEach(function (p) {
        var div = el("div", "passage" + (p.f ? " flagged" : ""));
        div.appendChild(mix("div", "small muted", ["passage ", iso(p.id)].concat(p.src ? [" · ", iso(p.src)] : [])));
        (p.f ? claimsOf[p.id] || [] : []).forEach(function (x) {
          div.appendChild(mix("div", "small worse", ["best passage of an unsupported " + x[0] + " claim: ", iso(x[1])]));
        });
        div.appendChild(mix("div", "passage-text", [iso(p.t)]));
        if (p.more) div.appendChild(el("div", "small muted", "[" + p.more + " more characters not shown]"));
        ctx.appendChild(div);
      });
    }
    if (ev.exp || ev.etc || ev.ref !== undefined) {
      var exp = block("expected", false);
      exp.classList.add("ev-expected");
      var ul = el("ul", "small");
      (ev.exp || []).forEach(function (x) { ul.appendChild(mix("li", "exp-answer", ["answer: ", iso(x)])); });
      if (ev.etc) {
        if (!ev.etc.length) ul.appendChild(el("li", null, "tool calls: none"));
        ev.etc.forEach(function (x) { ul.appendChild(mix("li", "mono exp-call", ["tool call: ", iso(x)])); });
        if (ev.ord) ul.appendChild(el("li", null, "tool call order: strict"));
      }
      if (ev.ref !== undefined) ul.appendChild(el("li", null, ev.ref ? "should refuse" : "should not refuse"));
      exp.appendChild(ul);
    }
    if (ev.chk && ev.chk.length) {
      var chk = block("checks (" + ev.chk.length + ")", false);
      chk.classList.add("ev-checks");
      var ol = el("ul", "small mono");
      ev.chk.forEach(function (k) { ol.appendChild(mix("li", null, [iso(k.l), ": ", iso(k.d)])); });
      chk.appendChild(ol);
    }
    return box;
  }

  function sidePanel(label, side, tokens) {
    var div = el("div", "side " + label);
    div.appendChild(mix("h4", null, [label].concat(side && side.model ? [" · ", iso(side.model)] : [])));
    if (!side) {
      div.appendChild(el("p", "muted", "no record for this case"));
      return div;
    }
    if (side.err) div.appendChild(mix("p", "err", ["error: ", iso(side.err)]));
    var claims = side.claims || [];
    var spans = claims.filter(function (cl) { return !cl.ok && cl.a !== undefined; })
      .map(function (cl) { return [cl.a, cl.z]; });
    div.appendChild(renderTokens(tokens, spans));
    /* one list per scorer (offline groundedness and its judge mode may both check the output) */
    var byScorer = {}, order = [];
    claims.forEach(function (cl) {
      var name = cl.s || "groundedness";
      if (!byScorer[name]) { byScorer[name] = []; order.push(name); }
      byScorer[name].push(cl);
    });
    order.forEach(function (name) {
      var ul = el("ul", "claims small");
      byScorer[name].forEach(function (cl) {
        var text = cl.t !== undefined ? cl.t : side.out.slice(cl.a, cl.z);
        ul.appendChild(mix("li", cl.ok ? "yes" : "no", [cl.ok ? "✓ " : "✗ ", iso(text)].concat(cl.why ? [" — ", iso(cl.why)] : [])));
      });
      div.appendChild(mix("div", "small muted", ["claims (", iso(name), ")"]));
      div.appendChild(ul);
    });
    if (side.calls && side.calls.length) {
      div.appendChild(el("div", "small muted", "tool calls made"));
      var calls = el("ol", "mono small");
      side.calls.forEach(function (call) {
        /* unparsable arguments: the raw string the model sent, and the parser's message */
        calls.appendChild(mix("li", call.perr ? "worse" : null, [iso(call.name), "(", iso(call.args), ")"]
          .concat(call.perr ? [" — malformed arguments: ", iso(call.perr)] : [])));
      });
      div.appendChild(calls);
    }
    if (side.tc && side.tc.length) {
      /* one table per scorer of the tool-call shape (a suite may rename tool_calls) */
      groupBy(side.tc).forEach(function (g) {
        div.appendChild(mix("div", "small muted", ["tool call verdicts (", iso(g[0]), ")"]));
        div.appendChild(toolVerdicts(g[1]));
      });
    }
    if (side.chk && side.chk.length) {
      /* a case's own checks: label, verdict, reason */
      div.appendChild(el("div", "small muted", "checks of this case"));
      var checks = el("ul", "claims checks small");
      side.chk.forEach(function (k) {
        /* a check that could not run is left out of the score: not a failure */
        var mark = k.err ? ["⚠ ", " could not run"] : k.ok ? ["✓ ", " pass"] : ["✗ ", " FAIL"];
        checks.appendChild(mix("li", k.err ? "muted" : k.ok ? "yes" : "no", [mark[0], iso(k.l), mark[1]].concat(k.why ? [" — ", iso(k.why)] : [])));
      });
      div.appendChild(checks);
    }
    var kv = el("dl", "kv");
    /* k and v: a string of ours, or parts for mix() */
    function add(k, v) {
      if (v === null || v === undefined || v === "") return;
      kv.appendChild(mix("dt", null, typeof k === "string" ? [k] : k));
      kv.appendChild(mix("dd", null, typeof v === "string" ? [v] : v));
    }
    if (side.ref) add("refusal verdict", [iso(side.ref.verdict)].concat(side.ref.outcome ? [" (", iso(side.ref.outcome), ")"] : []));
    Object.keys(side.s).forEach(function (name) {
      var s = side.s[name];
      var verdict = s[1] === true ? "pass" : s[1] === false ? "FAIL" : "n/a";
      add([iso(name)], [fmtNum(s[0], 3) + " " + verdict].concat(s[2] ? [" — ", iso(s[2])] : []));
    });
    add("cost", (side.cost === null ? "unknown" : money(side.cost)) +
      (side.est ? " (estimated: the provider reported no usage)" : ""));
    add("latency", side.lat === null ? "–" : fmtNum(side.lat, 0) + " ms");
    if (side.fr) add("finish reason", [iso(side.fr)].concat(side.fr === "length" ? [" (cut off by max_tokens)"] : []));
    if (side.tok) add("tokens in/out", side.tok[0] + " / " + side.tok[1]);
    if (side.n > 1) add("repeats", side.n + " (pass rate " + fmtNum(side.rate, 2) + ")" + (side.flaky ? " · flaky: verdict differs across repeats" : ""));
    div.appendChild(kv);
    (side.dv || []).forEach(function (d) { div.appendChild(scorerDetails(d)); });
    return div;
  }

  /* [[name, rows]] in first-seen order of rows' scorer "s" */
  function groupBy(rows) {
    var by = {}, order = [];
    rows.forEach(function (r) {
      if (!by[r.s]) { by[r.s] = []; order.push(r.s); }
      by[r.s].push(r);
    });
    return order.map(function (name) { return [name, by[name]]; });
  }

  /* A scorer's own details (no dedicated view knows their shape): keys and values, collapsed.
     Values arrive cut (a third item gives the full length) and show their bidi controls. */
  function scorerDetails(d) {
    var box = el("details", "sd small");
    var n = d.kv.length + (d.cut || 0);
    box.appendChild(mix("summary", "muted", ["details of ", iso(d.s), " (" + n + " key" + (n === 1 ? "" : "s") + ")"]));
    var dl = el("dl", "kv mono");
    d.kv.forEach(function (p) {
      dl.appendChild(mix("dt", null, [iso(p[0])]));
      dl.appendChild(mix("dd", null, [iso(p[1])].concat(p.length > 2 ? [el("span", "muted", " … [cut: " + p[2] + " characters in all]")] : [])));
    });
    box.appendChild(dl);
    if (d.cut) box.appendChild(el("div", "muted", d.cut + " more key" + (d.cut === 1 ? "" : "s") + " not shown: the report keeps a bounded amount of scorer details per case"));
    return box;
  }

  function toolVerdicts(tc) {
    var table = el("table", "small");
    var head = el("tr");
    ["", "expected", "made", "why"].forEach(function (h) { head.appendChild(el("th", null, h)); });
    table.appendChild(head);
    tc.forEach(function (v) {
      var tr = el("tr");
      tr.appendChild(el("td", v.ok ? "better" : "worse", v.ok ? "✓" : "✗"));
      tr.appendChild(mix("td", "mono", [v.exp ? iso(v.exp) : "–"]));
      tr.appendChild(mix("td", "mono", [v.got ? iso(v.got) : "–"]));
      var why = el("td");
      if (v.why) why.appendChild(mix("div", null, [iso(v.why)]));
      (v.args || []).forEach(function (a) {
        why.appendChild(mix("div", a.ok ? "better" : "worse", [a.ok ? "✓ " : "✗ ", iso(a.n)].concat(a.why ? [": ", iso(a.why)] : [])));
      });
      tr.appendChild(why);
      table.appendChild(tr);
    });
    return table;
  }

  /* ---------- word diff ---------- */

  /* Words are cut from grapheme clusters, so what belongs to a letter or an emoji stays with
     it: a zero-width non-joiner inside a Persian word ("کتاب\u200Cها" is one word, not three
     tokens), a joiner in a Devanagari conjunct or an emoji sequence, combining marks, skin
     tones. A browser without Intl.Segmenter falls back to code points. */
  var GRAPHEMES = typeof Intl === "object" && Intl.Segmenter
    ? new Intl.Segmenter(undefined, { granularity: "grapheme" }) : null;
  var WORD = /^[\p{L}\p{N}\p{M}_]/u, SPACE = /^\s/u;

  function tokenize(text) {
    var out = [], last = "";
    var parts = GRAPHEMES
      ? Array.from(GRAPHEMES.segment(text), function (g) { return [g.segment, g.index]; })
      : Array.from(text.matchAll(/[^]/gu), function (m) { return [m[0], m.index]; });
    parts.forEach(function (p) {
      var kind = WORD.test(p[0]) ? "w" : SPACE.test(p[0]) ? "s" : "o";
      if (kind !== "o" && kind === last) out[out.length - 1].t += p[0];
      else out.push({ t: p[0], at: p[1], op: "eq" });
      last = kind;
    });
    return out;
  }

  /* LCS over word tokens after trimming the common prefix and suffix; marks each token of
     a as "del" or "eq" and each token of b as "ins" or "eq". */
  function wordDiff(textA, textB) {
    var a = tokenize(textA), b = tokenize(textB);
    var lo = 0;
    while (lo < a.length && lo < b.length && a[lo].t === b[lo].t) lo++;
    var ha = a.length, hb = b.length;
    while (ha > lo && hb > lo && a[ha - 1].t === b[hb - 1].t) { ha--; hb--; }
    var n = ha - lo, m = hb - lo, i, j;
    if (n * m > MAX_DIFF_CELLS) {
      for (i = lo; i < ha; i++) a[i].op = "del";
      for (j = lo; j < hb; j++) b[j].op = "ins";
      return { a: a, b: b };
    }
    var w = m + 1, table = new Uint32Array((n + 1) * w);
    for (i = n - 1; i >= 0; i--) {
      for (j = m - 1; j >= 0; j--) {
        table[i * w + j] = a[lo + i].t === b[lo + j].t
          ? table[(i + 1) * w + j + 1] + 1
          : Math.max(table[(i + 1) * w + j], table[i * w + j + 1]);
      }
    }
    i = 0; j = 0;
    while (i < n && j < m) {
      if (a[lo + i].t === b[lo + j].t) { i++; j++; }
      else if (table[(i + 1) * w + j] >= table[i * w + j + 1]) { a[lo + i].op = "del"; i++; }
      else { b[lo + j].op = "ins"; j++; }
    }
    for (; i < n; i++) a[lo + i].op = "del";
    for (; j < m; j++) b[lo + j].op = "ins";
    return { a: a, b: b };
  }

  /* Render tokens, grouping runs with the same diff op and claim-support flag into one node;
     spans are [start, end) character offsets of unsupported claims in this output. */
  function renderTokens(tokens, spans) {
    var box = el("div", "output");
    var cur = null, curKey = "", text = "", from = 0;
    var controls = controlOffsets(tokens.map(function (tok) { return tok.t; }).join(""));
    function flush() { if (cur) cur.appendChild(markedAt(text, from, controls)); text = ""; }
    tokens.forEach(function (tok) {
      var bad = false;
      for (var s = 0; s < spans.length; s++) {
        if (tok.at < spans[s][1] && tok.at + tok.t.length > spans[s][0]) { bad = true; break; }
      }
      var key = tok.op + (bad ? "!" : "");
      if (!cur || key !== curKey) {
        flush();
        var tag = tok.op === "ins" ? "ins" : tok.op === "del" ? "del" : "span";
        cur = el(tag, bad ? "unsupported" : null);
        if (bad) cur.title = "unsupported claim";
        box.appendChild(cur);
        curKey = key;
        from = tok.at;
      }
      text += tok.t;
    });
    flush();
    if (!tokens.length) box.appendChild(el("span", "muted", "(empty output)"));
    return box;
  }

  /* ---------- start ---------- */

  var tabButtons = document.querySelectorAll("nav.tabs button");
  for (var t = 0; t < tabButtons.length; t++) {
    tabButtons[t].addEventListener("click", function (ev) { showSection(ev.currentTarget.dataset.section); });
  }
  if (document.querySelector("section.comparison")) showSection("0");
  document.body.dataset.readyMs = String(Math.round(performance.now()));
  document.body.dataset.ready = "true";
})();
