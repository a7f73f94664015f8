// The queue page: every item still on this phone with its state (waiting, sending with its
// progress, stored, refused with the server's reason). A refused item can be sent to
// another record of its kind, or discarded.
(function () {
  "use strict";
  var box = document.getElementById("queue");
  if (!box || !window.LQAQueue) { return; }
  var queue = window.LQAQueue;
  var words = box.dataset;
  var list = document.getElementById("queue-list");
  var stored = {}; // items stored while this page is open: shown until it is left
  var progress = {};

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function row(item) {
    var li = el("li");
    li.dataset.state = item.state;
    li.dataset.id = item.id;
    li.appendChild(el("span", "state", words["word" + item.state.charAt(0).toUpperCase() + item.state.slice(1)]));
    li.appendChild(document.createTextNode(" · " + item.kindLabel + " · " + item.projectName));
    var about = el("div", "about");
    about.appendChild(el("span", "", item.targetLabel || ""));
    (item.files || []).forEach(function (f) {
      about.appendChild(el("br"));
      about.appendChild(el("small", "", f.name + " · SHA-256 " + (f.sha256 || "").slice(0, 16) + "…"));
    });
    about.appendChild(el("br"));
    about.appendChild(el("small", "", words.wordTaken + " " + new Date(item.capturedAt).toLocaleString()));
    li.appendChild(about);
    if (item.state === "sending") {
      var bar = el("progress");
      bar.max = 1;
      bar.value = progress[item.id] || 0;
      bar.setAttribute("aria-label", words.wordSending);
      li.appendChild(bar);
    }
    if (item.reason) { li.appendChild(el("p", "reason", item.reason)); }
    if (item.state === "refused") { li.appendChild(actions(item)); }
    return li;
  }
  function actions(item) {
    var box = el("div", "actions");
    var others = (item.alternatives || []).filter(function (o) {
      return String(o.value) !== String(item.fields[item.targetField]);
    });
    if (item.targetField && others.length && item.code !== "sha256_mismatch") {
      var id = "other-" + item.id;
      var label = el("label", "", words.wordOther);
      label.htmlFor = id;
      var select = el("select", "other");
      select.id = id;
      others.forEach(function (o) {
        var option = el("option", "", o.label);
        option.value = o.value;
        select.appendChild(option);
      });
      var again = el("button", "send-to", words.wordSendTo);
      again.type = "button";
      again.addEventListener("click", function () {
        queue.retarget(item, item.targetField, select.value, select.options[select.selectedIndex].textContent)
          .then(function () { if (window.LQASend) { window.LQASend(); } });
      });
      var wrap = el("div");
      wrap.appendChild(label);
      wrap.appendChild(select);
      box.appendChild(wrap);
      box.appendChild(again);
    }
    var discard = el("button", "discard secondary", words.wordDiscard);
    discard.type = "button";
    discard.addEventListener("click", function () {
      if (window.confirm(words.wordConfirmDiscard)) { queue.remove(item.id); }
    });
    box.appendChild(discard);
    return box;
  }
  function render() {
    queue.all().then(function (items) {
      var shown = items.concat(Object.keys(stored).map(function (k) { return stored[k]; }));
      list.replaceChildren.apply(list, shown.map(row));
      document.getElementById("queue-empty").hidden = items.length > 0;
    });
  }
  // pwa.js sends the queue; it reports each item's progress here.
  window.LQAQueueReport = function (item, fraction) {
    progress[item.id] = fraction;
    if (item.state === "stored") { stored[item.id] = item; }
    var bar = list.querySelector('li[data-id="' + item.id + '"] progress');
    if (bar && item.state === "sending") { bar.value = fraction; } else { render(); }
  };
  document.getElementById("send-now").addEventListener("click", function () {
    if (window.LQASend) { window.LQASend(); }
  });
  window.addEventListener("lqa-queue-changed", render);
  if (queue.channel) { queue.channel.addEventListener("message", render); }
  render();
})();
