// The audited reveal in a dialog (projects/partials/reveal_dialog.html): a "show the full
// number" link opens the dialog instead of the reveal page; the reason is posted to the same
// page, whose answer (the number, once, or why not) is shown in the dialog and dropped when
// it closes. Without script, the link opens the reveal page with the same form.
(function () {
  "use strict";
  var dialog = document.getElementById("reveal-dialog");
  if (!dialog || typeof dialog.showModal !== "function") return;
  var form = dialog.querySelector("[data-reveal-form]");
  var body = dialog.querySelector("[data-reveal-body]");
  var slot = dialog.querySelector("[data-reveal-answer-slot]");
  var what = dialog.querySelector("[data-reveal-what]");

  function reset() {
    slot.replaceChildren();
    form.reset();
    body.hidden = false;
  }

  document.querySelectorAll("a[data-reveal]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      reset();
      form.action = link.href;
      form.elements.field.value = link.dataset.field;
      what.textContent = link.dataset.what;
      dialog.showModal();
      form.elements.reason.focus();
    });
  });

  dialog.querySelectorAll("[data-reveal-close]").forEach(function (button) {
    button.addEventListener("click", function () { dialog.close(); });
  });
  dialog.addEventListener("close", reset);

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      cache: "no-store",
      headers: { "X-Requested-With": "fetch" },
    })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var answer = page.querySelector("[data-reveal-answer]");
        if (!answer) {
          // A refusal from the error page (403, 404): its reason in words.
          answer = document.createElement("p");
          answer.className = "error";
          answer.setAttribute("role", "alert");
          var reason = page.querySelector("main [role=alert]");
          answer.textContent = reason ? reason.textContent : dialog.dataset.failed || "";
        }
        slot.replaceChildren(document.importNode(answer, true));
        if (answer.hasAttribute("data-revealed")) body.hidden = true;
      })
      .catch(function () {
        var failed = document.createElement("p");
        failed.className = "error";
        failed.setAttribute("role", "alert");
        failed.textContent = dialog.dataset.failed || "";
        slot.replaceChildren(failed);
      })
      .finally(function () { button.disabled = false; });
  });
})();
