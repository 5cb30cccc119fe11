// The language menu switches as soon as a language is chosen; without script, its
// "Changer" button submits the same form.
document.documentElement.classList.add("js");
document.addEventListener("DOMContentLoaded", function () {
  var select = document.getElementById("lang-select");
  if (select && select.form) {
    select.addEventListener("change", function () { select.form.submit(); });
  }
});
