// The phone's capture queue (IndexedDB), shared by the pages and the service worker: items
// are hashed (WebCrypto) when captured, kept across restarts, and sent one by one to the
// capture API with an Idempotency-Key, so a retry after a lost answer makes no second record.
(function (root) {
  "use strict";
  var DB = "lqa-capture";
  var STORE = "items";
  var STALE_MS = 2 * 60 * 1000; // an item "sending" this long was cut off: send it again
  var channel = typeof BroadcastChannel === "function" ? new BroadcastChannel("lqa-capture") : null;

  function req(r) {
    return new Promise(function (resolve, reject) {
      r.onsuccess = function () { resolve(r.result); };
      r.onerror = function () { reject(r.error); };
    });
  }
  function open() {
    var r = indexedDB.open(DB, 1);
    r.onupgradeneeded = function () { r.result.createObjectStore(STORE, { keyPath: "id" }); };
    return req(r);
  }
  function withStore(mode, fn) {
    return open().then(function (db) {
      var t = db.transaction(STORE, mode);
      var done = new Promise(function (resolve, reject) {
        t.oncomplete = resolve;
        t.onerror = t.onabort = function () { reject(t.error); };
      });
      var out = fn(t.objectStore(STORE));
      return done.then(function () { db.close(); return out; });
    });
  }
  function changed() {
    if (channel) { channel.postMessage("changed"); }
    if (root.dispatchEvent && typeof CustomEvent === "function") {
      root.dispatchEvent(new CustomEvent("lqa-queue-changed"));
    }
  }
  function uuid() {
    if (root.crypto && root.crypto.randomUUID) { return root.crypto.randomUUID(); }
    var b = root.crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
  }
  function sha256(blob) {
    return blob.arrayBuffer().then(function (buffer) {
      return root.crypto.subtle.digest("SHA-256", buffer);
    }).then(function (digest) {
      return Array.prototype.map.call(new Uint8Array(digest), function (x) {
        return (x + 256).toString(16).slice(1);
      }).join("");
    });
  }
  function all() {
    return withStore("readonly", function (store) { return req(store.getAll()); }).then(function (items) {
      return items.sort(function (a, b) { return a.createdAt - b.createdAt; });
    });
  }
  function put(item) {
    return withStore("readwrite", function (store) { return req(store.put(item)); }).then(function () {
      changed();
      return item;
    });
  }
  function remove(id) {
    return withStore("readwrite", function (store) { return req(store.delete(id)); }).then(changed);
  }
  // A new item: its files are hashed now, on the phone, before anything can change them.
  function add(item) {
    var files = item.files || [];
    return Promise.all(files.map(function (f) { return sha256(f.blob); })).then(function (hashes) {
      files.forEach(function (f, i) { f.sha256 = hashes[i]; });
      item.id = uuid();
      item.key = uuid();
      item.state = "waiting";
      item.createdAt = Date.now();
      return put(item);
    });
  }
  // A refused item sent again to another record: a new key, since it is a new request.
  function retarget(item, field, value, label) {
    item.fields[field] = value;
    item.targetLabel = label;
    item.key = uuid();
    item.state = "waiting";
    item.reason = "";
    return put(item);
  }
  function body(item) {
    var data = new FormData();
    data.append("kind", item.kind);
    if (item.user) { data.append("captured_by", item.user); }
    Object.keys(item.fields || {}).forEach(function (name) {
      var value = item.fields[name];
      if (value !== "" && value !== null && value !== undefined) { data.append(name, value); }
    });
    (item.files || []).forEach(function (f) {
      data.append("files", f.blob, f.name);
      data.append("sha256", f.sha256);
    });
    if (item.capturedAt) { data.append("captured_at", new Date(item.capturedAt).toISOString()); }
    if (item.position) {
      data.append("latitude", item.position.latitude.toFixed(6));
      data.append("longitude", item.position.longitude.toFixed(6));
      data.append("accuracy", item.position.accuracy);
    }
    return data;
  }
  // One request; resolves {status, body} or {status: 0} when the network failed.
  function post(item, csrf, onProgress) {
    var headers = { "Idempotency-Key": item.key, "X-CSRFToken": csrf || item.csrf, "Accept": "application/json" };
    if (typeof XMLHttpRequest === "function") {
      return new Promise(function (resolve) {
        var xhr = new XMLHttpRequest();
        xhr.open("POST", item.url);
        Object.keys(headers).forEach(function (h) { xhr.setRequestHeader(h, headers[h]); });
        xhr.upload.onprogress = function (e) { if (e.lengthComputable && onProgress) { onProgress(e.loaded / e.total); } };
        xhr.onerror = xhr.onabort = xhr.ontimeout = function () { resolve({ status: 0 }); };
        xhr.onload = function () {
          var parsed = {};
          try { parsed = JSON.parse(xhr.responseText); } catch (e) { parsed = {}; }
          resolve({ status: xhr.status, body: parsed });
        };
        xhr.send(body(item));
      });
    }
    return fetch(item.url, { method: "POST", headers: headers, body: body(item), credentials: "same-origin" })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (b) { return { status: r.status, body: b }; });
      }, function () { return { status: 0 }; });
  }
  var flushing = null;
  // Send every waiting item, oldest first; stop at the first network failure (offline).
  function flush(options) {
    options = options || {};
    if (flushing) { return flushing; }
    var report = options.onChange || function () {};
    flushing = all().then(function (items) {
      var due = items.filter(function (item) {
        if (options.user && item.user && item.user !== options.user) { return false; }
        return item.state === "waiting" || (item.state === "sending" && Date.now() - (item.sentAt || 0) > STALE_MS);
      });
      var chain = Promise.resolve(true);
      due.forEach(function (item) {
        chain = chain.then(function (goOn) {
          if (!goOn) { return false; }
          item.state = "sending";
          item.sentAt = Date.now();
          return put(item).then(function () {
            report(item, 0);
            return post(item, options.csrf, function (fraction) { report(item, fraction); });
          }).then(function (answer) {
            if (answer.status >= 200 && answer.status < 300) {
              item.state = "stored";
              item.result = answer.body;
              return remove(item.id).then(function () { report(item, 1); return true; });
            }
            if (answer.body && answer.body.refused) {
              item.state = "refused";
              item.reason = answer.body.detail;
              item.code = answer.body.code;
            } else {
              item.state = "waiting";
              item.reason = answer.body && answer.body.detail ? answer.body.detail : "";
            }
            return put(item).then(function () { report(item, 0); return answer.status !== 0 && answer.status < 500 && answer.status !== 403; });
          });
        });
      });
      return chain;
    }).then(function () { flushing = null; }, function (error) { flushing = null; throw error; });
    return flushing;
  }
  function pending() {
    return all().then(function (items) { return items.filter(function (i) { return i.state !== "stored"; }).length; });
  }
  root.LQAQueue = {
    add: add, all: all, put: put, remove: remove, flush: flush, pending: pending,
    retarget: retarget, sha256: sha256, channel: channel
  };
})(self);
