/* Policy Atlas: the theme reader (narrow, pick up to six, share the address) and the compare page's pickers.
   Data comes as classic scripts (cells/index.js, cells/ID.js, written by generator/cells.py), so it all works
   from file:// too. No network, no dependencies; without this script a page shows the columns it was built with. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var script = document.currentScript;
  var ROOT = script ? script.src.replace(/assets\/atlas\.js(?:[?#].*)?$/, "") : "";
  var PAGE = 50;  // rows of the jurisdiction list shown at a time

  // ---- data, as its scripts deliver it ---------------------------------------------------------------------
  var index = null, indexWaiting = [], cells = {}, cellsWaiting = {};
  window.atlasIndex = function (data) {
    index = data;
    indexWaiting.splice(0).forEach(function (f) { f(data); });
  };
  window.atlasCells = function (id, data) {
    cells[id] = data;
    (cellsWaiting[id] || []).splice(0).forEach(function (f) { f(data); });
  };
  function addScript(src) {
    var s = document.createElement("script");
    s.src = src;
    document.head.appendChild(s);
  }
  function withIndex(f) {
    if (index) { f(index); return; }
    indexWaiting.push(f);
    if (indexWaiting.length === 1) { addScript(ROOT + "cells/index.js"); }
  }
  function withCells(id, f) {
    if (cells[id]) { f(cells[id]); return; }
    var waiting = cellsWaiting[id] = cellsWaiting[id] || [];
    waiting.push(f);
    if (waiting.length === 1) { addScript(ROOT + "cells/" + encodeURIComponent(id) + ".js"); }
  }

  /* One document's column on `theme` as an element: its fragment, links made relative to this page. */
  function column(data, theme, anchor, root) {
    var holder = document.createElement("div");
    holder.innerHTML = data.themes[theme] || data.silent;  // escaped HTML written by the generator
    var col = holder.firstElementChild;
    col.id = anchor;
    col.querySelectorAll("a[href]").forEach(function (a) { a.setAttribute("href", root + a.getAttribute("href")); });
    return col;
  }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function fill(select, values, label) {
    var keep = select.value;
    select.textContent = "";
    select.appendChild(el("option", { value: "" }, "全部 All"));
    values.forEach(function (v) { select.appendChild(el("option", { value: v }, label ? label(v) : v)); });
    select.value = values.indexOf(keep) >= 0 ? keep : "";
  }
  function distinct(values) {
    return values.filter(function (v, i) { return v && values.indexOf(v) === i; });
  }
  function byChinese(a, b) { return a.localeCompare(b, "zh-CN"); }
  function setAddress(params) {
    var query = params.toString();
    try {
      window.history.replaceState(null, "", window.location.pathname + (query ? "?" + query : "") + window.location.hash);
    } catch (e) { /* some browsers refuse on file:// */ }
  }

  // ---- theme pages: narrow, pick, read side by side ----------------------------------------------------------
  function setupReader(form) {
    var theme = form.getAttribute("data-theme"), root = form.getAttribute("data-root") || "";
    var box = document.querySelector("[data-atlas-columns]");
    var f = form.elements, status = form.querySelector(".atlas-reader-status");
    var list = form.querySelector(".atlas-reader-list"), more = form.querySelector(".atlas-reader-more");
    var params = new URLSearchParams(window.location.search);

    withIndex(function (idx) {
      var t = idx.themes.indexOf(theme), docs = idx.docs, order = {}, byId = {};
      docs.forEach(function (d, i) { order[d.id] = i; byId[d.id] = d; });
      var picks = Array.prototype.map.call(box.querySelectorAll(".atlas-column"), function (c) { return c.getAttribute("data-doc"); });
      if (params.has("pick")) {
        picks = params.get("pick").split(",").filter(function (id) { return byId[id]; }).slice(0, idx.picked);
      }
      var wanted = decodeURIComponent(window.location.hash.slice(1)).replace(/^doc-/, "");
      if (byId[wanted] && picks.indexOf(wanted) < 0) {  // a link to a column not shown yet (a document's theme chip)
        picks = picks.slice(0, idx.picked - 1).concat([wanted]);
      }
      var limit = PAGE;

      fill(f.level, Object.keys(idx.levels).filter(function (l) { return docs.some(function (d) { return d.level === l; }); }),
           function (l) { return idx.levels[l]; });
      fill(f.province, distinct(docs.map(function (d) { return d.province; })).sort(byChinese));
      fill(f.year, distinct(docs.map(function (d) { return d.date.slice(0, 4); })).sort().reverse());
      ["level", "province", "prefecture", "year"].forEach(function (k) {
        if (params.get(k)) { f[k].value = params.get(k); }
      });
      function prefectures() {
        fill(f.prefecture, distinct(docs.filter(function (d) { return !f.province.value || d.province === f.province.value; })
          .map(function (d) { return d.prefecture; })).sort(byChinese));
      }
      prefectures();
      if (params.get("prefecture")) { f.prefecture.value = params.get("prefecture"); }
      f.addressed.checked = params.get("addressed") === "1";

      function matching() {
        return docs.filter(function (d) {
          return (!f.level.value || d.level === f.level.value) && (!f.province.value || d.province === f.province.value)
            && (!f.prefecture.value || d.prefecture === f.prefecture.value)
            && (!f.year.value || d.date.slice(0, 4) === f.year.value) && (!f.addressed.checked || d.n[t] > 0);
        });
      }
      function remember() {
        var p = new URLSearchParams();
        p.set("pick", picks.join(","));
        ["level", "province", "prefecture", "year"].forEach(function (k) { if (f[k].value) { p.set(k, f[k].value); } });
        if (f.addressed.checked) { p.set("addressed", "1"); }
        setAddress(p);
      }
      function say(found, extra) {
        status.textContent = "符合条件 " + found + " 份,已选 " + picks.length + " / " + idx.picked + " 份 · " + found
          + " match, " + picks.length + " of " + idx.picked + " picked" + (extra ? " · " + extra : "");
      }

      function showList() {
        var found = matching();
        var table = el("table", { "class": "atlas-reader-table" });
        var head = table.createTHead().insertRow();
        ["并排 Pick", "地区 Jurisdiction", "层级 Level", "日期 Date", "本主题条目 On this theme", "文件 Document"].forEach(function (h) {
          head.appendChild(el("th", { scope: "col" }, h));
        });
        var body = table.createTBody();
        found.slice(0, limit).forEach(function (d) {
          var row = body.insertRow();
          var box = el("input", { type: "checkbox", value: d.id, "aria-label": d.j + " " + d.title });
          box.checked = picks.indexOf(d.id) >= 0;
          row.insertCell().appendChild(box);
          var place = row.insertCell();
          place.appendChild(el("strong", {}, d.j));
          place.appendChild(document.createTextNode(" "));
          place.appendChild(el("span", { lang: "en" }, d.je));
          row.insertCell().textContent = idx.levels[d.level];
          row.insertCell().textContent = d.date || "—";
          var n = row.insertCell();
          if (d.n[t]) { n.textContent = d.n[t] + " 条"; } else { n.appendChild(el("em", { "class": "atlas-silent" }, "未涉及 Not addressed")); }
          row.insertCell().appendChild(el("a", { href: root + d.url }, d.title));
        });
        list.textContent = "";
        list.appendChild(table);
        more.hidden = found.length <= limit;
        say(found.length);
      }

      function showColumns(scroll) {
        var sorted = picks.slice().sort(function (a, b) { return order[a] - order[b]; });
        box.querySelectorAll(".atlas-column").forEach(function (c) {
          if (picks.indexOf(c.getAttribute("data-doc")) < 0) { c.remove(); }
        });
        var empty = box.querySelector(".atlas-reader-empty");
        if (empty) { empty.remove(); }
        if (!sorted.length) {
          box.appendChild(el("p", { "class": "atlas-reader-empty atlas-silent" }, "未选择文件:在上表中勾选。 No document picked: tick some above."));
        }
        sorted.forEach(function (id) {
          var have = box.querySelector('.atlas-column[data-doc="' + CSS.escape(id) + '"]');
          if (have) { box.appendChild(have); return; }  // keeps column order
          var slot = el("section", { "class": "atlas-column atlas-loading", "data-doc": id, id: "doc-" + id }, "…");
          box.appendChild(slot);
          withCells(id, function (data) {
            if (!slot.parentNode) { return; }  // unpicked while loading
            var col = column(data, theme, "doc-" + id, root);
            slot.replaceWith(col);
            if (scroll === id) { col.classList.add("atlas-arrived"); col.scrollIntoView(); }
          });
        });
      }

      list.addEventListener("change", function (event) {
        var id = event.target.value, at = picks.indexOf(id);
        if (event.target.checked && at < 0) {
          if (picks.length >= idx.picked) {
            event.target.checked = false;
            say(matching().length, "最多并排 " + idx.picked + " 份,请先取消一份 At most " + idx.picked + " side by side: unpick one first");
            return;
          }
          picks.push(id);
        } else if (!event.target.checked && at >= 0) {
          picks.splice(at, 1);
        }
        showColumns();
        remember();
        say(matching().length);
      });
      ["level", "province", "prefecture", "year", "addressed"].forEach(function (k) {
        f[k].addEventListener("change", function () {
          if (k === "province") { prefectures(); }
          limit = PAGE;
          showList();
          remember();
        });
      });
      more.addEventListener("click", function () { limit += PAGE; showList(); });
      form.hidden = false;
      showList();
      showColumns(byId[wanted] ? wanted : null);
    });
  }

  // ---- the compare page: two documents, theme by theme --------------------------------------------------------
  function setupCompare(form) {
    var a = form.elements.a, b = form.elements.b, root = form.getAttribute("data-root") || "";
    var params = new URLSearchParams(window.location.search);
    withIndex(function (idx) {
      var ids = {};
      [a, b].forEach(function (select) {
        var groups = {};
        idx.docs.forEach(function (d) {
          var name = d.province || "全国 National";
          if (!groups[name]) { groups[name] = select.appendChild(el("optgroup", { label: name })); }
          groups[name].appendChild(el("option", { value: d.id }, d.j + " · " + d.title + " (" + (d.date || "—") + ")"));
          ids[d.id] = true;
        });
      });
      a.value = ids[params.get("a")] ? params.get("a") : form.getAttribute("data-first");
      b.value = ids[params.get("b")] ? params.get("b") : form.getAttribute("data-second");
      function apply() {
        var chosen = [a.value, b.value];
        document.querySelectorAll(".atlas-compare[data-theme]").forEach(function (row) {
          var theme = row.getAttribute("data-theme");
          var now = Array.prototype.map.call(row.children, function (c) { return c.getAttribute("data-doc"); });
          if (now.join() === chosen.join()) { return; }
          row.textContent = "";
          chosen.forEach(function (id) {
            var slot = row.appendChild(el("section", { "class": "atlas-column atlas-loading", "data-doc": id }, "…"));
            withCells(id, function (data) { slot.replaceWith(column(data, theme, theme + "--" + id, root)); });
          });
        });
        var p = new URLSearchParams();
        p.set("a", a.value);
        p.set("b", b.value);
        setAddress(p);
      }
      a.addEventListener("change", apply);
      b.addEventListener("change", apply);
      form.hidden = false;
      apply();
    });
  }

  // ---- document pages: cite a provision ------------------------------------------------------------------------
  /* The date the atlas was built, as the footer gives it (empty when it gives none). */
  function builtDate() {
    var footer = document.querySelector(".atlas-built");
    return footer ? footer.getAttribute("data-built") : "";
  }

  /* The citation of one provision, in Chinese and in English (format documented on the Sources and method page). */
  function citation(doc, anchor, built) {
    var p = doc.provisions[anchor], id = p[0], caption = p[1] || id.split(":")[1];
    var here = window.location;
    var url = /^https?:$/.test(here.protocol) ? here.origin + here.pathname + "#" + anchor
      : "policy-atlas/" + doc.url + "#" + anchor + "(离线存档 offline archive)";
    var meta = [doc.number, doc.date].filter(Boolean);
    var zh = doc.issuer + "《" + doc.title + "》" + (meta.length ? "(" + meta.join(",") + ")" : "") + "," + caption
      + " [" + id + "]。城镇化政策对照 Policy Atlas," + url + (built ? ",数据截至 " + built : "") + "。";
    var en = doc.issuer + ", \u201c" + (doc.title_en || doc.title) + "\u201d" + (doc.title_en ? " [" + doc.title + "]" : "")
      + (meta.length ? ", " + meta.join(", ") : "") + ", provision " + id.split(":")[1] + " \u201c" + caption + "\u201d. Policy Atlas, "
      + url + (built ? ", data as of " + built : "") + ".";
    return zh + "\n" + en;
  }

  function setupCite(holder) {
    var doc = JSON.parse(holder.getAttribute("data-cite"));
    var built = builtDate();
    var box = el("div", { "class": "atlas-cite-box", role: "dialog", "aria-label": "引用 Citation" });
    var text = el("textarea", { readonly: "", rows: "5", "aria-label": "引用文字 Citation text" });
    var status = el("p", { "class": "atlas-cite-status", role: "status" });
    var close = el("button", { type: "button", "class": "atlas-cite-close" }, "关闭 Close");
    box.appendChild(text);
    box.appendChild(status);
    box.appendChild(close);
    box.hidden = true;
    close.addEventListener("click", function () { box.hidden = true; });
    function selected() {
      text.focus();
      text.select();
      var copied = false;
      try { copied = document.execCommand("copy"); } catch (e) { copied = false; }
      status.textContent = copied ? "已复制 Copied" : "已选中,请按 Ctrl+C 复制 Selected: press Ctrl+C to copy";
    }
    Object.keys(doc.provisions).forEach(function (anchor) {
      var target = document.getElementById(anchor);
      if (!target) { return; }
      var button = el("button", { type: "button", "class": "atlas-cite", title: "引用本条 Cite this provision",
                                  "aria-label": "引用 Cite " + doc.provisions[anchor][0] }, "引用 Cite");
      var permalink = target.querySelector(".headerlink, .atlas-permalink");
      if (permalink) { permalink.after(button); } else { target.appendChild(button); }
      button.addEventListener("click", function () {
        text.value = citation(doc, anchor, built);
        target.after(box);
        box.hidden = false;
        status.textContent = "";
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text.value).then(function () {
            status.textContent = "已复制到剪贴板 Copied to the clipboard";
          }, selected);
        } else {
          selected();
        }
      });
    });
  }

  /* Chips beyond a provision's primary and two more fold behind "more". */
  function setupChips(button) {
    var line = button.parentNode;
    line.classList.add("atlas-chips-folded");
    button.hidden = false;
    button.addEventListener("click", function () {
      line.classList.remove("atlas-chips-folded");
      button.hidden = true;
    });
  }

  /* Print: every page says where it comes from and when the atlas was built; folded content prints open. */
  function setupPrint() {
    var article = document.querySelector("article.md-content__inner") || document.querySelector("article");
    var built = builtDate();
    if (article) {
      article.insertBefore(el("p", { "class": "atlas-print-stamp" }, window.location.href.split("#")[0]
        + (built ? " · 数据截至 Data as of " + built : "")), article.firstChild);
    }
    var opened = [];
    window.addEventListener("beforeprint", function () {
      opened = Array.prototype.filter.call(document.querySelectorAll("details:not([open])"), function (d) {
        d.open = true;
        return true;
      });
    });
    window.addEventListener("afterprint", function () {
      opened.forEach(function (d) { d.open = false; });
      opened = [];
    });
  }

  // The theme's drawer and search toggles are checkboxes: a browser restoring the page from its cache must not
  // reopen them (the theme's autocomplete="off" did this, invalidly; templates/theme/hooks.py drops it).
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      ["__drawer", "__search"].forEach(function (id) {
        var toggle = document.getElementById(id);
        if (toggle) { toggle.checked = false; }
      });
    }
  });

  /* A matrix's cells as counts or as shares of the provisions (the legend follows). */
  function setupShares(legend) {
    var matrix = legend.nextElementSibling;
    var toggle = legend.querySelector(".atlas-share-toggle"), box = toggle.querySelector("input");
    if (!matrix || !matrix.classList.contains("atlas-matrix")) { return; }
    toggle.hidden = false;
    box.addEventListener("change", function () {
      var share = box.checked;
      legend.querySelector(".atlas-legend-count").hidden = share;
      legend.querySelector(".atlas-legend-share").hidden = !share;
      matrix.querySelectorAll("a[data-share]").forEach(function (cell) {
        cell.textContent = cell.getAttribute(share ? "data-share" : "data-count");
        cell.className = "atlas-heat-" + cell.getAttribute(share ? "data-share-shade" : "data-shade");
      });
    });
  }

  function init() {
    setupPrint();
    document.querySelectorAll(".atlas-legend").forEach(setupShares);
    document.querySelectorAll(".atlas-chips-toggle").forEach(setupChips);
    document.querySelectorAll(".atlas-cite-data").forEach(setupCite);
    document.querySelectorAll("[data-atlas-reader]").forEach(setupReader);
    document.querySelectorAll("[data-atlas-compare]").forEach(setupCompare);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
