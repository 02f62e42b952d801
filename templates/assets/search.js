/* Policy Atlas search: a character-bigram index in classic scripts, loaded on demand, from a web server and
   from the unzipped archive over file:// alike (no fetch, no modules, no worker). The index is written by
   generator/search.py, which documents its shape; normalise() and shardOf() here mirror it exactly. */
(function () {
  "use strict";
  var script = document.currentScript;
  var ROOT = script ? script.src.replace(/assets\/search\.js(?:[?#].*)?$/, "") : "";
  var PAGE = 20;  // candidates read, and results shown, at a time (generator/search.py: PAGE)
  var ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  var DIGIT = {};
  for (var a = 0; a < ALPHABET.length; a++) { DIGIT[ALPHABET.charAt(a)] = a; }

  // ---- the index, as its scripts deliver it -------------------------------------------------------------
  var data = { meta: null, shards: {}, chunks: {}, docs: {}, fold: null, starts: null };
  var loading = {};
  window.AtlasSearch = {
    meta: function (m) {
      data.meta = m;
      data.fold = {};
      for (var i = 0; i + 1 < m.fold.length; i += 2) { data.fold[m.fold.charAt(i)] = m.fold.charAt(i + 1); }
      data.starts = decode(m.starts);
    },
    shard: function (x) { data.shards[x[0]] = x[1]; },
    chunk: function (x) { data.chunks[x[0]] = x[1]; },
    docs: function (x) { data.docs[x[0]] = x[1]; }
  };

  function load(path) {
    if (!loading[path]) {
      loading[path] = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = ROOT + path;
        s.async = true;
        s.onload = function () { resolve(); };
        s.onerror = function () { delete loading[path]; reject(new Error("search: could not load " + path)); };
        document.head.appendChild(s);
      });
    }
    return loading[path];
  }
  function hex(n, width) { var h = n.toString(16); while (h.length < width) { h = "0" + h; } return h; }

  function decode(text) {
    var out = [], value = 0, shift = 0, last = -1;
    for (var i = 0; i < text.length; i++) {
      var d = DIGIT[text.charAt(i)];
      if (d >= 32) { value += (d - 32) * Math.pow(2, shift); shift += 5; continue; }
      value += d * Math.pow(2, shift);
      last = last + value + 1;
      out.push(last);
      value = 0; shift = 0;
    }
    return out;
  }

  function shardOf(key) {
    var h = 0x811c9dc5;
    for (var i = 0; i < key.length; i++) { h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0; }
    return h % data.meta.shards;
  }

  // One character as the index reads it: simplified, lower case; "" for anything not a letter, digit or Han.
  function normChar(ch) {
    var c = ch.charCodeAt(0);
    if (c >= 0xff01 && c <= 0xff5e) { ch = String.fromCharCode(c - 0xfee0); }
    ch = data.fold[ch] || ch.toLowerCase();
    c = ch.charCodeAt(0);
    if ((c >= 0x3400 && c <= 0x9fff) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57)) { return ch; }
    return "";
  }
  // The normalised text, and for each of its characters the offset in `text` (to mark a match where it stands).
  function normalise(text) {
    var s = "", at = [];
    for (var i = 0; i < text.length; i++) {
      var n = normChar(text.charAt(i));
      if (n) { s += n; at.push(i); }
    }
    return { s: s, at: at };
  }

  function keysOf(part) {
    if (part.length === 1) { return [part]; }
    var keys = [];
    for (var i = 0; i + 1 < part.length; i++) { if (keys.indexOf(part.substr(i, 2)) < 0) { keys.push(part.substr(i, 2)); } }
    return keys;
  }
  function postings(key, field) {
    var shard = data.shards[shardOf(key)], entry = shard && shard[key];
    if (!entry) { return []; }
    if (typeof entry[field] === "string") { entry[field] = decode(entry[field]); }
    return entry[field];
  }
  function intersect(lists) {
    if (!lists.length) { return []; }
    lists = lists.slice().sort(function (x, y) { return x.length - y.length; });
    var out = lists[0];
    for (var i = 1; i < lists.length && out.length; i++) {
      var other = lists[i], next = [], j = 0;
      for (var k = 0; k < out.length; k++) {
        while (j < other.length && other[j] < out[k]) { j++; }
        if (j < other.length && other[j] === out[k]) { next.push(out[k]); }
      }
      out = next;
    }
    return out;
  }
  function docOf(entry) {  // the document an entry belongs to: binary search over where each document starts
    var lo = 0, hi = data.starts.length - 1;
    while (lo < hi) { var mid = (lo + hi + 1) >> 1; if (data.starts[mid] <= entry) { lo = mid; } else { hi = mid - 1; } }
    return lo;
  }

  // A query: quoted phrases and space-separated words, each normalised; every one must occur (AND).
  function parse(query) {
    var parts = [], re = /["“”「」『』]([^"“”「」『』]+)["“”「」『』]|(\S+)/g, m;
    while ((m = re.exec(query))) {
      var n = normalise(m[1] || m[2]).s;
      if (n && parts.indexOf(n) < 0) { parts.push(n); }
    }
    return parts;
  }

  // Candidates for `parts`, in rank order: heading matches first, documents taking turns so a long one
  // does not drown the rest, ties in site order. Filters narrow by document facets and by theme.
  function candidates(parts, filters) {
    var all = [], head = [];
    parts.forEach(function (p) {
      var keys = keysOf(p);
      all.push(intersect(keys.map(function (k) { return postings(k, 0); })));
      head.push(intersect(keys.map(function (k) { return postings(k, 1); })));
    });
    var found = intersect(all), inHead = {};
    intersect(head).forEach(function (e) { inHead[e] = true; });
    var theme = filters.theme ? postings("#" + filters.theme, 0) : null, themed = {};
    if (theme) { theme.forEach(function (e) { themed[e] = true; }); }
    var tiers = [[], []];
    found.forEach(function (e) {
      var d = docOf(e), f = data.meta.facets[d];
      if (filters.level !== "" && String(f[0]) !== filters.level) { return; }
      if (filters.province !== "" && String(f[1]) !== filters.province) { return; }
      if (filters.year !== "" && String(f[2]) !== filters.year) { return; }
      if (filters.doc !== "" && String(d) !== filters.doc) { return; }
      if (theme && !themed[e]) { return; }
      tiers[inHead[e] ? 0 : 1].push(e);
    });
    var out = [];
    tiers.forEach(function (tier) {
      var byDoc = [], order = [];
      tier.forEach(function (e) { var d = docOf(e); if (!byDoc[d]) { byDoc[d] = []; order.push(d); } byDoc[d].push(e); });
      for (var round = 0, more = true; more; round++) {
        more = false;
        order.forEach(function (d) { if (byDoc[d].length > round) { out.push(byDoc[d][round]); more = true; } });
      }
    });
    return { ordered: out, total: found.length };
  }

  function entryOf(e) { var c = data.chunks[Math.floor(e / data.meta.chunk)]; return c && c[e % data.meta.chunk]; }
  function docInfo(d) { var c = data.docs[Math.floor(d / data.meta.docChunk)]; return c && c[d % data.meta.docChunk]; }

  // Load what the next results need; keep those whose text holds every part (the index can over-match).
  function verify(list, from, parts, phrase) {
    var slice = list.slice(from, from + PAGE);
    var need = {};
    slice.forEach(function (e) {
      need["search/t/" + hex(Math.floor(e / data.meta.chunk), 5) + ".js"] = true;
      need["search/d/" + hex(Math.floor(docOf(e) / data.meta.docChunk), 3) + ".js"] = true;
    });
    return Promise.all(Object.keys(need).map(load)).then(function () {
      var kept = [];
      slice.forEach(function (e, i) {
        var row = entryOf(e), head = normalise(row[2]).s, text = normalise(row[2] + "\n" + row[3] + (row[6] ? "\n" + row[6] : "")).s;
        if (!parts.every(function (p) { return text.indexOf(p) >= 0; })) { return; }
        var rank = (parts.every(function (p) { return head.indexOf(p) >= 0; }) ? 0 : 2) + (text.indexOf(phrase) >= 0 ? 0 : 1);
        kept.push({ entry: e, row: row, rank: rank, order: i });
      });
      kept.sort(function (x, y) { return x.rank - y.rank || x.order - y.order; });
      return { items: kept, next: from + slice.length };
    });
  }

  // Everything a query needs, loaded: its candidates in rank order, its parts and phrase.
  function prepare(query, f) {
    return load("search/meta.js").then(function () {
      var parts = parse(query), paths = {};  // normalising needs the folding table in meta.js
      parts.forEach(function (p) { keysOf(p).forEach(function (k) { paths["search/p/" + hex(shardOf(k), 3) + ".js"] = true; }); });
      if (f.theme) { paths["search/p/" + hex(shardOf("#" + f.theme), 3) + ".js"] = true; }
      return Promise.all(Object.keys(paths).map(load)).then(function () {
        var found = parts.length ? candidates(parts, f) : { ordered: [], total: 0 };
        return { parts: parts, phrase: parts.join(""), list: found.ordered, total: found.total, next: 0 };
      });
    });
  }
  function hrefOf(e, row) { var doc = docInfo(docOf(e)); return row[5] || doc[1] + (row[1] ? "#" + row[1] : ""); }

  // For tests and benchmarks: every verified result of a query, as site-relative hrefs, in rank order.
  window.AtlasSearch.query = function (query, f) {
    f = f || { level: "", province: "", year: "", theme: "", doc: "" };
    return prepare(query, f).then(function (q) {
      var out = [];
      function step(from) {
        if (from >= q.list.length) { return out; }
        return verify(q.list, from, q.parts, q.phrase).then(function (page) {
          page.items.forEach(function (it) { out.push(hrefOf(it.entry, it.row)); });
          return step(page.next);
        });
      }
      return step(0);
    });
  };

  // ---- the page ---------------------------------------------------------------------------------------
  var ui = {};
  function el(tag, attrs, text) {
    var n = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { n.setAttribute(k, attrs[k]); });
    if (text !== undefined) { n.textContent = text; }
    return n;
  }

  function snippet(row, parts) {
    var text = row[3] || "", n = normalise(text), best = -1, len = 0;
    parts.forEach(function (p) { var i = n.s.indexOf(p); if (i >= 0 && (best < 0 || i < best)) { best = i; len = p.length; } });
    var p = el("p", { "class": "atlas-search-snippet" });
    if (best < 0) { p.textContent = text.length > 120 ? text.slice(0, 120) + "…" : text; return p; }
    var start = n.at[best], end = n.at[best + len - 1] + 1, from = Math.max(0, start - 40), to = Math.min(text.length, end + 80);
    p.appendChild(document.createTextNode((from > 0 ? "…" : "") + text.slice(from, start)));
    p.appendChild(el("mark", {}, text.slice(start, end)));
    p.appendChild(document.createTextNode(text.slice(end, to) + (to < text.length ? "…" : "")));
    return p;
  }

  function render(items, parts, append) {
    if (!append) { ui.list.textContent = ""; }
    items.forEach(function (it) {
      var d = docOf(it.entry), doc = docInfo(d), row = it.row;
      var li = el("li", { "class": "atlas-search-result" });
      var page = row[5];  // a page of the atlas (a theme, an agency) rather than a document
      var a = el("a", { href: ROOT + hrefOf(it.entry, row), "class": "atlas-search-link" });
      a.appendChild(el("span", { "class": "atlas-search-where" }, doc[3] + " · "));
      a.appendChild(el("span", { "class": "atlas-search-head" }, row[1] || page ? row[2] : "《" + row[2] + "》"));
      li.appendChild(a);
      li.appendChild(el("p", { "class": "atlas-search-meta" },
        page ? doc[4] : [doc[5], doc[6], row[1] ? "《" + doc[2] + "》" : doc[4]].filter(Boolean).join(" · ")));
      if (row[1]) { li.appendChild(snippet(row, parts)); }
      ui.list.appendChild(li);
    });
  }

  var state = { seq: 0 };
  function filters() {
    return { level: ui.level.value, province: ui.province.value, year: ui.year.value, theme: ui.theme.value,
      doc: ui.doc.value };
  }

  function run() {
    var query = ui.input.value, seq = ++state.seq;
    if (!query.trim()) { ui.status.textContent = ""; ui.list.textContent = ""; ui.more.hidden = true; return; }
    ui.status.textContent = "正在搜索… Searching…";
    load("search/meta.js").then(function () {
      fillFilters();
      return prepare(query, filters());
    }).then(function (q) {
      if (seq !== state.seq) { return; }
      if (!q.parts.length) { ui.status.textContent = "请输入汉字、字母或数字 Type characters, letters or digits"; return; }
      state.q = q;
      return found(q, 0, seq).then(function (page) {
        if (seq !== state.seq) { return; }
        q.next = page.next;
        render(page.items, q.parts, false);
        fillDocs(q.list);
        // Two-character words are exact in a bigram index; longer ones are exact once every candidate is read.
        var read = page.next >= q.list.length, exact = read || q.parts.every(function (p) { return p.length <= 2; });
        var n = read ? page.items.length : q.total;
        ui.status.textContent = page.items.length ? (exact ? "找到 " : "约 ") + n + " 条 " + (exact ? "" : "about ") + n + " result" + (n === 1 ? "" : "s")
          : "没有结果。请试更短的词,或换用简体/繁体。 No results: try a shorter query, or the other script.";
        ui.more.hidden = read;
      });
    }).catch(function (err) {
      if (seq === state.seq) { ui.status.textContent = "搜索出错 Search failed: " + err.message; }
    });
  }

  // The candidates from `from` on, a page at a time, up to the first page with a result: a long query's bigrams can
  // meet in a page of entries that do not hold it (at 10,000 documents the first 20 of 老旧小区改造's did not), and
  // that is not the end of its results.
  function found(q, from, seq) {
    return verify(q.list, from, q.parts, q.phrase).then(function (page) {
      if (page.items.length || page.next >= q.list.length || seq !== state.seq) { return page; }
      return found(q, page.next, seq);
    });
  }

  function more() {
    var seq = state.seq, q = state.q;
    found(q, q.next, seq).then(function (page) {
      if (seq !== state.seq) { return; }
      q.next = page.next;
      render(page.items, q.parts, true);
      ui.more.hidden = q.next >= q.list.length;
    });
  }

  function option(select, value, label) { select.appendChild(el("option", { value: value }, label)); }
  function fillFilters() {
    if (ui.filled) { return; }
    ui.filled = true;
    var m = data.meta;
    m.levels.forEach(function (l, i) { option(ui.level, String(i), l[1] + " " + l[2]); });
    m.provinces.forEach(function (p, i) { option(ui.province, String(i), p); });
    var years = {};
    m.facets.forEach(function (f) { if (f[2]) { years[f[2]] = true; } });
    Object.keys(years).sort().reverse().forEach(function (y) { option(ui.year, y, y); });
    m.themes.forEach(function (t) { option(ui.theme, t[0], t[1] + " " + t[2]); });
  }
  function fillDocs(list) {  // the document filter offers the documents the query found
    var keep = ui.doc.value, seen = {};
    while (ui.doc.options.length > 1) { ui.doc.remove(1); }
    list.forEach(function (e) { seen[docOf(e)] = true; });
    Object.keys(seen).slice(0, 200).forEach(function (d) {
      var info = docInfo(+d);
      option(ui.doc, d, info ? info[3] + " · " + info[2] : d);
    });
    ui.doc.value = seen[keep] ? keep : "";
  }

  function select(name, label) {
    var wrap = el("label", { "class": "atlas-search-filter" });
    wrap.appendChild(el("span", {}, label));
    var s = el("select", { name: name });
    option(s, "", "全部 All");
    wrap.appendChild(s);
    s.addEventListener("change", run);
    ui.filters.appendChild(wrap);
    return s;
  }

  function open() {
    ui.panel.hidden = false;
    ui.button.setAttribute("aria-expanded", "true");
    ui.input.focus();
  }
  function close() {
    ui.panel.hidden = true;
    ui.button.setAttribute("aria-expanded", "false");
    ui.button.focus();
  }

  function links() { return Array.prototype.slice.call(ui.list.querySelectorAll("a.atlas-search-link")); }
  function keys(ev) {
    if (ev.key === "Escape") { close(); ev.preventDefault(); return; }
    if (ev.key !== "ArrowDown" && ev.key !== "ArrowUp") { return; }
    var all = links(), i = all.indexOf(document.activeElement);
    if (!all.length) { return; }
    ev.preventDefault();
    if (ev.key === "ArrowDown") { all[Math.min(i + 1, all.length - 1)].focus(); }
    else if (i <= 0) { ui.input.focus(); } else { all[i - 1].focus(); }
  }

  function setup() {
    var header = document.querySelector(".md-header__inner");
    if (!header) { return; }
    ui.button = el("button", { type: "button", "class": "atlas-search-button", "aria-controls": "atlas-search",
      "aria-expanded": "false", title: "搜索 Search (/)" });
    var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    var path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("d", "M9.5 3A6.5 6.5 0 0 1 16 9.5c0 1.61-.59 3.09-1.56 4.23l.27.27h.79l5 5-1.5 1.5-5-5v-.79l-.27-.27A6.516 6.516 0 0 1 9.5 16 6.5 6.5 0 0 1 3 9.5 6.5 6.5 0 0 1 9.5 3m0 2C7 5 5 7 5 9.5S7 14 9.5 14 14 12 14 9.5 12 5 9.5 5Z");
    svg.appendChild(path);
    ui.button.appendChild(svg);
    ui.button.appendChild(el("span", { "class": "atlas-search-label" }, "搜索 Search"));
    header.appendChild(ui.button);

    ui.panel = el("div", { id: "atlas-search", "class": "atlas-search-panel", role: "search", "aria-label": "搜索全站 Search the atlas" });
    ui.panel.hidden = true;
    var form = el("form", { "class": "atlas-search-form" });
    var label = el("label", { "for": "atlas-search-input", "class": "atlas-search-field" });
    label.appendChild(el("span", { "class": "atlas-visually-hidden" }, "搜索词 Search terms"));
    ui.input = el("input", { id: "atlas-search-input", type: "search", autocomplete: "off", spellcheck: "false",
      placeholder: "搜索条款、文号、地区 Search provisions, numbers, places", "aria-describedby": "atlas-search-status" });
    label.appendChild(ui.input);
    form.appendChild(label);
    var narrow = el("details", { "class": "atlas-search-narrow" });
    narrow.appendChild(el("summary", {}, "筛选 Filter"));
    narrow.open = !window.matchMedia || window.matchMedia("(min-width: 45em)").matches;  // folded away on phones
    ui.filters = el("div", { "class": "atlas-search-filters" });
    narrow.appendChild(ui.filters);
    form.appendChild(narrow);
    ui.level = select("level", "层级 Level");
    ui.province = select("province", "省份 Province");
    ui.year = select("year", "年份 Year");
    ui.theme = select("theme", "主题 Theme");
    ui.doc = select("doc", "文件 Document");
    ui.status = el("p", { id: "atlas-search-status", "class": "atlas-search-status", role: "status", "aria-live": "polite" });
    ui.list = el("ol", { "class": "atlas-search-results", "aria-label": "搜索结果 Results" });
    ui.list.addEventListener("click", function (ev) { if (ev.target.closest("a")) { ui.panel.hidden = true; } });
    ui.more = el("button", { type: "button", "class": "atlas-search-more" }, "更多结果 More results");
    ui.more.hidden = true;
    ui.panel.appendChild(form);
    ui.panel.appendChild(ui.status);
    ui.panel.appendChild(ui.list);
    ui.panel.appendChild(ui.more);
    document.body.appendChild(ui.panel);

    var timer = null;
    ui.input.addEventListener("input", function () {
      clearTimeout(timer);
      state.seq++;  // an answer to an earlier query is dropped
      ui.status.textContent = ui.input.value.trim() ? "正在搜索… Searching…" : "";
      timer = setTimeout(run, 150);
    });
    form.addEventListener("submit", function (ev) { ev.preventDefault(); clearTimeout(timer); run(); });
    ui.more.addEventListener("click", more);
    ui.button.addEventListener("click", function () { if (ui.panel.hidden) { open(); } else { close(); } });
    ui.panel.addEventListener("keydown", keys);
    document.addEventListener("keydown", function (ev) {
      var t = ev.target, typing = t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA");
      if (!typing && (ev.key === "/" || ev.key === "s") && !ev.ctrlKey && !ev.metaKey && !ev.altKey) { ev.preventDefault(); open(); }
    });
    document.addEventListener("click", function (ev) {
      if (!ui.panel.hidden && !ui.panel.contains(ev.target) && !ui.button.contains(ev.target)) { ui.panel.hidden = true; ui.button.setAttribute("aria-expanded", "false"); }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", setup); } else { setup(); }
})();
