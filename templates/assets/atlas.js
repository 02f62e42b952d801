/* Policy Atlas: jurisdiction toggles on theme pages, the document picker on the compare page.
   No network, no dependencies; without this script every column is simply shown. */
(function () {
  "use strict";
  var KEY = "policy-atlas-hidden";
  document.documentElement.classList.add("js");

  function load() {
    try { return JSON.parse(window.localStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }
  function save(hidden) {
    try { window.localStorage.setItem(KEY, JSON.stringify(hidden)); } catch (e) { /* file:// may refuse */ }
  }
  function columns(slug) {
    return document.querySelectorAll('.atlas-column[data-doc="' + slug + '"]');
  }

  function setupPicker(picker) {
    var hidden = load();
    picker.hidden = false;
    picker.querySelectorAll("input[type=checkbox]").forEach(function (box) {
      function apply() {
        columns(box.value).forEach(function (col) { col.hidden = !box.checked; });
      }
      box.checked = hidden.indexOf(box.value) < 0;
      apply();
      box.addEventListener("change", function () {
        var now = load().filter(function (s) { return s !== box.value; });
        if (!box.checked) { now.push(box.value); }
        save(now);
        apply();
      });
    });
  }

  function setupCompare(form) {
    var a = form.elements.a, b = form.elements.b;
    var params = new URLSearchParams(window.location.search);
    [[a, "a"], [b, "b"]].forEach(function (pair) {
      var wanted = params.get(pair[1]);
      if (wanted && pair[0].querySelector('option[value="' + CSS.escape(wanted) + '"]')) { pair[0].value = wanted; }
    });
    form.hidden = false;
    function apply() {
      document.querySelectorAll(".atlas-compare .atlas-column").forEach(function (col) {
        var doc = col.getAttribute("data-doc");
        col.hidden = doc !== a.value && doc !== b.value;
        col.style.order = doc === a.value ? "0" : "1";
      });
      try {
        window.history.replaceState(null, "", "?a=" + encodeURIComponent(a.value) + "&b=" + encodeURIComponent(b.value) + window.location.hash);
      } catch (e) { /* some browsers refuse on file:// */ }
    }
    a.addEventListener("change", apply);
    b.addEventListener("change", apply);
    apply();
  }

  function init() {
    document.querySelectorAll("[data-atlas-picker]").forEach(setupPicker);
    document.querySelectorAll("[data-atlas-compare]").forEach(setupCompare);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
