// The capture page: what the user records goes into the phone's queue (queue.js), one item
// per photo (or one delivery with its label photos), hashed at once, and is sent when the
// phone is online. The page hands over its addresses and words in data-* attributes.
(function () {
  "use strict";
  var form = document.getElementById("capture-form");
  if (!form || !window.LQAQueue) { return; }
  var FIELDS = {
    record_photo: ["record", "caption", "files"],
    delivery_photo: ["delivery", "photo_of", "files"],
    defect_photo: ["case", "caption", "files"],
    delivery: ["batch", "quantity", "unit", "delivered_on", "inspected_by", "files"],
    sample: ["delivery", "seal_number", "sampling_location", "sampled_on", "sampler", "witness", "testing_lab"],
    self_check: ["record", "note"]
  };
  var TARGET = { record_photo: "record", delivery_photo: "delivery", defect_photo: "case", sample: "delivery", self_check: "record" };
  var PER_PHOTO = { record_photo: true, delivery_photo: true, defect_photo: true };
  var kind = document.getElementById("id_kind");
  var status = document.getElementById("capture-status");
  var error = document.getElementById("capture-error");
  var csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;

  function showFields() {
    var wanted = FIELDS[kind.value] || [];
    form.querySelectorAll("[data-field]").forEach(function (block) {
      block.hidden = wanted.indexOf(block.dataset.field) < 0;
    });
  }
  function value(name) {
    var input = form.elements[name];
    return input ? input.value : "";
  }
  function options(select) {
    return Array.prototype.filter.call(select.options, function (o) { return o.value; }).map(function (o) {
      return { value: o.value, label: o.textContent };
    });
  }
  function position(wanted) {
    if (!wanted || !navigator.geolocation) { return Promise.resolve(null); }
    return new Promise(function (resolve) {
      navigator.geolocation.getCurrentPosition(function (p) {
        resolve({ latitude: p.coords.latitude, longitude: p.coords.longitude, accuracy: p.coords.accuracy });
      }, function () { resolve(null); }, { timeout: 5000, maximumAge: 60000 });
    });
  }
  function fail(text) {
    error.textContent = text;
    error.hidden = false;
  }
  kind.addEventListener("change", showFields);
  showFields();
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    error.hidden = true;
    var k = kind.value;
    var wanted = FIELDS[k];
    var target = TARGET[k];
    if (target && !value(target)) { fail(form.dataset.wordNeedTarget); return; }
    var files = [];
    ["camera", "photos"].forEach(function (id) {
      Array.prototype.forEach.call(document.getElementById(id).files, function (f) { files.push(f); });
    });
    if (PER_PHOTO[k] && !files.length) { fail(form.dataset.wordNeedFiles); return; }
    if (wanted.indexOf("files") < 0) { files = []; }
    var fields = {};
    wanted.forEach(function (name) { if (name !== "files") { fields[name] = value(name); } });
    if (k === "record_photo" && form.dataset.location) { fields.location = form.dataset.location; }
    var targetSelect = target ? form.elements[target] : null;
    function item(group, capturedAt, place) {
      return {
        kind: k,
        url: form.dataset.apiUrl,
        project: form.dataset.project,
        projectName: form.dataset.projectName,
        kindLabel: kind.options[kind.selectedIndex].textContent,
        fields: Object.assign({}, fields),
        files: group.map(function (f) {
          return { name: f.name, type: f.type, blob: f.slice(0, f.size, f.type) };
        }),
        capturedAt: capturedAt,
        position: place,
        csrf: csrf,
        user: (document.querySelector("meta[name=capture-user]") || {}).content || "",
        targetField: target || "",
        targetLabel: targetSelect ? targetSelect.options[targetSelect.selectedIndex].textContent : "",
        alternatives: targetSelect ? options(targetSelect) : []
      };
    }
    document.getElementById("add").setAttribute("aria-busy", "true");
    position(form.elements.position.checked).then(function (place) {
      var items = PER_PHOTO[k]
        ? files.map(function (f) { return item([f], f.lastModified || Date.now(), place); })
        : [item(files, Date.now(), place)];
      return items.reduce(function (chain, it) {
        return chain.then(function () { return window.LQAQueue.add(it); });
      }, Promise.resolve()).then(function () { return items.length; });
    }).then(function (count) {
      document.getElementById("add").removeAttribute("aria-busy");
      ["camera", "photos"].forEach(function (id) { document.getElementById(id).value = ""; });
      if (form.elements.note) { form.elements.note.value = ""; }
      status.textContent = form.dataset.wordAdded + " (" + count + ")";
      if (window.LQASend) { window.LQASend(); }
    });
  });
})();
