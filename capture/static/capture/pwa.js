// On every page: install the service worker, keep the queue badge current, and send the
// queue whenever the phone is online — from the page now and whenever the connection comes
// back; what could not be sent is handed to Background Sync where the browser has it, so the
// service worker sends it even with no page open.
(function () {
  "use strict";
  var queue = window.LQAQueue;
  var badge = document.getElementById("queue-badge");
  var token = (document.querySelector("meta[name=csrf-token]") || {}).content;
  // Items are sent only as the person who captured them (a shared phone, another sign-in).
  var user = (document.querySelector("meta[name=capture-user]") || {}).content;
  var workers = "serviceWorker" in navigator && document.body.dataset.serviceWorker;
  function show() {
    if (!badge || !queue) { return; }
    queue.pending().then(function (count) {
      badge.hidden = count === 0;
      badge.querySelector(".count").textContent = String(count);
      badge.dataset.count = String(count);
    });
  }
  function later() {
    if (!workers) { return; }
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.sync) { return registration.sync.register("lqa-capture"); }
    }).catch(function () {});
  }
  function send() {
    if (!queue || !token) { return; }
    if (!navigator.onLine) { later(); return; }
    queue.flush({
      csrf: token,
      user: user,
      onChange: function (item, fraction) {
        if (window.LQAQueueReport) { window.LQAQueueReport(item, fraction); }
      }
    }).then(function () {
      return queue.all();
    }).then(function (items) {
      if (items.some(function (i) { return i.state === "waiting"; })) { later(); }
    }).then(show, show);
  }
  if (workers) {
    // The page opened now is kept for offline use too, even on the first visit, before the
    // worker controlled it.
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.active) { registration.active.postMessage({ keep: location.href }); }
    });
    navigator.serviceWorker.register(document.body.dataset.serviceWorker, { scope: "/" }).catch(function () {});
  }
  window.addEventListener("online", send);
  window.addEventListener("lqa-queue-changed", show);
  if (queue && queue.channel) { queue.channel.addEventListener("message", show); }
  window.LQASend = send;
  show();
  // After the page's own scripts (deferred too), which may want to hear about each item.
  document.addEventListener("DOMContentLoaded", send);
})();
