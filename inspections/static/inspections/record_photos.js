// An acceptance record's photos (on its page): each photo taken or chosen uploads on its own,
// with its own progress bar and the server's verdict. The page hands over its addresses and words in
// data-* attributes of #upload-form (the Content-Security-Policy allows no inline script).
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form) { return; }
  var url = form.dataset.uploadUrl;
  var photoListUrl = form.dataset.photoListUrl;
  var csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
  var words = {
    accepted: form.dataset.wordAccepted,
    duplicate: form.dataset.wordDuplicate,
    refused: form.dataset.wordRefused,
    failed: form.dataset.wordFailed,
    retry: form.dataset.wordRetry,
    pending: form.dataset.wordPending
  };
  function upload(file, row) {
    var bar = row.querySelector("progress");
    var data = new FormData();
    data.append("files", file, file.name);
    data.append("caption", document.getElementById("caption").value);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("X-CSRFToken", csrf);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = function (event) {
      if (event.lengthComputable) { bar.value = event.loaded / event.total; }
    };
    xhr.onerror = function () { show(row, "refused", words.failed, file); };
    xhr.onload = function () {
      var body = {};
      try { body = JSON.parse(xhr.responseText); } catch (e) { body = {}; }
      var result = (body.results || [])[0];
      if (!result) { show(row, "refused", body.detail || words.failed, file); return; }
      bar.value = 1;
      if (result.status === "refused") {
        var reasons = [];
        Object.keys(result.errors || {}).forEach(function (key) {
          reasons = reasons.concat(result.errors[key]);
        });
        show(row, "refused", words.refused + ": " + reasons.join(" "), null);
      } else {
        show(row, result.status, words[result.status], null);
        var shown;
        if (result.photo.downloads && result.photo.downloads.thumbnail) {
          shown = document.createElement("img");
          shown.src = photoListUrl + result.photo.id + "/thumbnail/";
          shown.alt = file.name;
        } else {  // the preview job has not made it yet
          shown = document.createElement("span");
          shown.className = "badge neutral photo-pending";
          shown.textContent = words.pending;
        }
        document.getElementById("photo-list").appendChild(shown);
        var none = document.getElementById("no-photos");
        if (none) { none.remove(); }
      }
    };
    xhr.send(data);
  }
  function show(row, kind, text, retryFile) {
    row.className = "file " + kind;
    row.dataset.status = kind;
    row.querySelector(".verdict").textContent = text;
    if (retryFile) {
      var again = document.createElement("button");
      again.type = "button";
      again.textContent = words.retry;
      again.addEventListener("click", function () { again.remove(); upload(retryFile, row); });
      row.appendChild(again);
    }
  }
  // "Take a photo" opens the camera (one photo); "choose photos" picks several from the phone.
  function chosen(event) {
    Array.prototype.forEach.call(event.target.files, function (file) {
      var row = document.createElement("div");
      row.className = "file";
      var name = document.createElement("div");
      name.className = "name";
      name.textContent = file.name;
      var bar = document.createElement("progress");
      bar.max = 1;
      bar.value = 0;
      bar.setAttribute("aria-label", file.name);
      var verdict = document.createElement("div");
      verdict.className = "verdict";
      row.append(name, bar, verdict);
      document.getElementById("uploads").appendChild(row);
      upload(file, row);
    });
    event.target.value = "";
  }
  document.getElementById("camera").addEventListener("change", chosen);
  document.getElementById("files").addEventListener("change", chosen);
})();
