// The service worker of release {{ version }} (capture/views.py service_worker): it serves
// the site's static files from the cache of its release and the pages from the network,
// falling back to the last copy seen, so the capture and queue pages open without signal.
// The capture queue is in IndexedDB (capture/queue.js), which an update never touches.
"use strict";
var VERSION = "{{ version|escapejs }}";
var STATIC_CACHE = "lqa-static-" + VERSION;
var PAGE_CACHE = "lqa-pages";
var STATIC_URLS = [{% for url in static_urls %}"{{ url|escapejs }}"{% if not forloop.last %}, {% endif %}{% endfor %}];
var PAGES = [{% for url in pages %}"{{ url|escapejs }}"{% if not forloop.last %}, {% endif %}{% endfor %}];
importScripts("{{ queue_script|escapejs }}");

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(STATIC_CACHE).then(function (cache) { return cache.addAll(STATIC_URLS); }).then(function () {
      return caches.open(PAGE_CACHE).then(function (cache) {
        return Promise.all(PAGES.map(function (url) {
          return fetch(url, { credentials: "same-origin" }).then(function (r) {
            return r.ok && !r.redirected ? cache.put(url, r) : null;
          }).catch(function () { return null; });
        }));
      });
    }).then(function () { return self.skipWaiting(); })
  );
});

// The old release's static files go; the pages kept are fetched again where possible, so
// they name the new release's files.
self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (key) {
        return key.indexOf("lqa-static-") === 0 && key !== STATIC_CACHE;
      }).map(function (key) { return caches.delete(key); }));
    }).then(function () {
      return caches.open(PAGE_CACHE).then(function (cache) {
        return cache.keys().then(function (requests) {
          return Promise.all(requests.map(function (request) {
            return fetch(request.url, { credentials: "same-origin" }).then(function (r) {
              return r.ok && !r.redirected ? cache.put(request.url, r) : null;
            }).catch(function () { return null; });
          }));
        });
      });
    }).then(function () { return self.clients.claim(); })
  );
});

function isPage(request, url) {
  return request.mode === "navigate" && url.pathname.indexOf("/api/") !== 0 &&
    url.pathname.indexOf("/admin/") !== 0;
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) { return; }
  if (url.pathname.indexOf("{{ static_prefix|default:'/static/' }}") === 0) {
    event.respondWith(caches.open(STATIC_CACHE).then(function (cache) {
      return cache.match(request).then(function (hit) {
        return hit || fetch(request).then(function (response) {
          if (response.ok) { cache.put(request, response.clone()); }
          return response;
        });
      });
    }));
    return;
  }
  if (isPage(request, url)) {
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok && !response.redirected && response.type === "basic") {
        var copy = response.clone();
        caches.open(PAGE_CACHE).then(function (cache) { cache.put(request.url, copy); });
      }
      return response;
    }, function () {
      return caches.open(PAGE_CACHE).then(function (cache) {
        return cache.match(request.url).then(function (hit) {
          return hit || cache.match(PAGES[0]); // a page never opened: the queue, at least
        }).then(function (page) { return page || Response.error(); });
      });
    }));
  }
});

// A page asks to be kept for offline use (pwa.js), on its first visit too.
self.addEventListener("message", function (event) {
  var url = event.data && event.data.keep;
  if (!url || new URL(url).origin !== self.location.origin) { return; }
  event.waitUntil(fetch(url, { credentials: "same-origin" }).then(function (response) {
    if (response.ok && !response.redirected) {
      return caches.open(PAGE_CACHE).then(function (cache) { return cache.put(url, response); });
    }
  }).catch(function () {}));
});

// Background Sync (where the browser has it): the queue is sent even with no page open.
self.addEventListener("sync", function (event) {
  if (event.tag === "lqa-capture") { event.waitUntil(self.LQAQueue.flush()); }
});
