/* The portal's few behaviours, no framework, no CDN. Everything works without it (the server
   checks every input); it only makes the pages easier to use:
   - [data-datepicker]: a dd/mm/yyyy calendar under a text input, whatever the browser's locale;
   - [data-confirm]: asks before a form is sent (e.g. "allocate the number and issue");
   - [data-maxchars]: a live character counter that refuses (not cuts) text over the limit;
   - [data-bulk]: tick all, count of ticked rows, the bulk bar shows the fields of its action;
   - .menu-toggle: the collapsible menu on a phone. */
(function () {
  "use strict";
  var lang = document.documentElement.lang || "vi";
  var MONTHS = lang === "en"
    ? ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
    : ["Tháng 1", "Tháng 2", "Tháng 3", "Tháng 4", "Tháng 5", "Tháng 6", "Tháng 7", "Tháng 8", "Tháng 9", "Tháng 10", "Tháng 11", "Tháng 12"];
  var DAYS = lang === "en" ? ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"] : ["T2", "T3", "T4", "T5", "T6", "T7", "CN"];
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function fmt(d) { return pad(d.getDate()) + "/" + pad(d.getMonth() + 1) + "/" + d.getFullYear(); }
  function parse(text) {
    var m = /^\s*(\d{1,2})[\/.\-](\d{1,2})[\/.\-](\d{4})\s*$/.exec(text || "");
    if (!m) { return null; }
    var d = new Date(+m[3], +m[2] - 1, +m[1]);
    return d.getMonth() === +m[2] - 1 ? d : null;
  }

  function datepicker(input) {
    var box = document.createElement("div");
    box.className = "dp";
    box.hidden = true;
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-label", lang === "en" ? "Calendar" : "Lịch");
    input.insertAdjacentElement("afterend", box);
    var shown = null;
    function render() {
      var first = new Date(shown.getFullYear(), shown.getMonth(), 1);
      var start = (first.getDay() + 6) % 7;
      var days = new Date(shown.getFullYear(), shown.getMonth() + 1, 0).getDate();
      var chosen = parse(input.value);
      var html = '<div class="dp-head"><button type="button" class="dp-prev" aria-label="&lt;">‹</button><span>' +
        MONTHS[shown.getMonth()] + " " + shown.getFullYear() +
        '</span><button type="button" class="dp-next" aria-label="&gt;">›</button></div><table><tr>';
      DAYS.forEach(function (d) { html += "<th>" + d + "</th>"; });
      html += "</tr><tr>";
      for (var i = 0; i < start; i++) { html += "<td></td>"; }
      for (var day = 1; day <= days; day++) {
        var cur = new Date(shown.getFullYear(), shown.getMonth(), day);
        var sel = chosen && cur.getTime() === chosen.getTime() ? ' aria-pressed="true"' : "";
        html += '<td><button type="button" data-day="' + fmt(cur) + '"' + sel + ">" + day + "</button></td>";
        if ((start + day) % 7 === 0 && day < days) { html += "</tr><tr>"; }
      }
      box.innerHTML = html + "</tr></table>";
    }
    function open() { shown = parse(input.value) || new Date(); shown.setDate(1); render(); box.hidden = false; }
    input.addEventListener("focus", open);
    input.addEventListener("click", open);
    input.addEventListener("keydown", function (e) { if (e.key === "Escape") { box.hidden = true; } });
    box.addEventListener("mousedown", function (e) { e.preventDefault(); });  // keep the focus in the input
    box.addEventListener("click", function (e) {
      var t = e.target;
      if (t.dataset.day) { input.value = t.dataset.day; box.hidden = true; input.dispatchEvent(new Event("change", {bubbles: true})); }
      else if (t.classList.contains("dp-prev")) { shown.setMonth(shown.getMonth() - 1); render(); }
      else if (t.classList.contains("dp-next")) { shown.setMonth(shown.getMonth() + 1); render(); }
    });
    input.addEventListener("blur", function () {
      box.hidden = true;
      var d = parse(input.value);
      if (d) { input.value = fmt(d); }  // 5/3/2026 → 05/03/2026
    });
  }

  function counter(field) {
    var max = +field.dataset.maxchars;
    var out = document.createElement("span");
    out.className = "help counter";
    out.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", out);
    function update() {
      var n = field.value.length;
      out.textContent = n + "/" + max;
      out.classList.toggle("over", n > max);
      field.setCustomValidity(n > max ? (lang === "en" ? "At most " + max + " characters (now " + n + ")."
        : "Tối đa " + max + " ký tự (hiện có " + n + ").") : "");
    }
    field.addEventListener("input", update);
    update();
  }

  function bulk(form) {
    var all = form.querySelector("[data-bulk-all]");
    var count = form.querySelector("[data-bulk-count]");
    var action = form.querySelector("[data-bulk-action]");
    function boxes() { return form.querySelectorAll("input[name=ids]"); }
    function update() {
      var n = form.querySelectorAll("input[name=ids]:checked").length;
      if (count) { count.textContent = "(" + n + ")"; }
      form.classList.toggle("has-ticked", n > 0);
      if (action) {
        form.querySelectorAll("[data-for-action]").forEach(function (el) { el.hidden = el.dataset.forAction.split(" ").indexOf(action.value) < 0; });
      }
    }
    if (all) { all.addEventListener("change", function () { boxes().forEach(function (b) { b.checked = all.checked; }); update(); }); }
    form.addEventListener("change", update);
    update();
  }

  function init(root) {
    root.querySelectorAll("[data-datepicker]").forEach(function (el) { if (!el.dataset.dpReady) { el.dataset.dpReady = "1"; datepicker(el); } });
    root.querySelectorAll("[data-maxchars]").forEach(function (el) { if (!el.dataset.ccReady) { el.dataset.ccReady = "1"; counter(el); } });
    root.querySelectorAll("form[data-bulk]").forEach(bulk);
  }
  document.addEventListener("submit", function (e) {
    var form = e.target;
    var btn = e.submitter;
    var message = (btn && btn.dataset.confirm) || form.dataset.confirm;
    if (message && !window.confirm(message)) { e.preventDefault(); }
  });
  document.addEventListener("click", function (e) {
    var t = e.target.closest(".menu-toggle");
    if (!t) { return; }
    var bar = document.getElementById(t.getAttribute("aria-controls"));
    var open = t.getAttribute("aria-expanded") !== "true";
    t.setAttribute("aria-expanded", open ? "true" : "false");
    bar.classList.toggle("open", open);
  });
  document.addEventListener("DOMContentLoaded", function () {
    init(document);
    // Filters take the whole screen of a phone: folded there unless a filter is in use. So is the
    // inline PDF viewer: phone browsers hardly show a PDF in a frame, and the viewer (a frame of
    // its own process) caught the taps meant for the buttons below it right after a scroll.
    if (window.matchMedia("(max-width: 700px)").matches) {
      document.querySelectorAll("details[data-collapse-phone='']").forEach(function (d) { d.open = false; });
    }
  });
  document.addEventListener("htmx:afterSwap", function (e) { init(e.target); });
}());
