// Behaviour that used to sit in inline event handlers: the Content-Security-Policy allows no inline script.
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el.matches && el.matches("[data-autosubmit]") && el.form) el.form.submit();
});
document.addEventListener("click", function (event) {
  var el = event.target.closest ? event.target.closest("[data-action=print]") : null;
  if (el) { event.preventDefault(); window.print(); }
});
