// On every page: install the service worker, keep the queue badge current, and send the
// queue whenever the phone is online (Background Sync where the browser has it; otherwise
// now, and whenever the connection comes back).
(function () {
  "use strict";
  var queue = window.LQAQueue;
  var badge = document.getElementById("queue-badge");
  var token = (document.querySelector("meta[name=csrf-token]") || {}).content;
  function show() {
    if (!badge || !queue) { return; }
    queue.pending().then(function (count) {
      badge.hidden = count === 0;
      badge.querySelector(".count").textContent = String(count);
      badge.dataset.count = String(count);
    });
  }
  function send() {
    if (!queue || !navigator.onLine || !token) { return; }
    queue.flush({
      csrf: token,
      onChange: function (item, fraction) {
        if (window.LQAQueueReport) { window.LQAQueueReport(item, fraction); }
      }
    }).then(show, show);
  }
  if ("serviceWorker" in navigator && document.body.dataset.serviceWorker) {
    // The page opened now is kept for offline use too, even on the first visit, before the
    // worker controlled it.
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.active) { registration.active.postMessage({ keep: location.href }); }
    });
    navigator.serviceWorker.register(document.body.dataset.serviceWorker, { scope: "/" }).then(function (registration) {
      window.addEventListener("lqa-queue-changed", function () {
        if (registration.sync) { registration.sync.register("lqa-capture").catch(function () {}); }
      });
    }).catch(function () {});
  }
  window.addEventListener("online", send);
  window.addEventListener("lqa-queue-changed", show);
  if (queue && queue.channel) { queue.channel.addEventListener("message", show); }
  window.LQASend = send;
  show();
  // After the page's own scripts (deferred too), which may want to hear about each item.
  document.addEventListener("DOMContentLoaded", send);
})();
