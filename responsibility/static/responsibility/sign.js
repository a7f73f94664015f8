// The signing page's signature pad: what is drawn goes with the form as a PNG data URL.
(function () {
  "use strict";
  var pad = document.getElementById("pad");
  if (!pad) { return; }
  var ctx = pad.getContext("2d"), drawing = false, drawn = false;
  ctx.lineWidth = 3; ctx.lineCap = "round"; ctx.strokeStyle = "#0b1f3a";
  function point(e) {
    var r = pad.getBoundingClientRect();
    return [(e.clientX - r.left) * pad.width / r.width, (e.clientY - r.top) * pad.height / r.height];
  }
  pad.addEventListener("pointerdown", function (e) { drawing = true; var p = point(e); ctx.beginPath(); ctx.moveTo(p[0], p[1]); });
  pad.addEventListener("pointermove", function (e) { if (!drawing) { return; } var p = point(e); ctx.lineTo(p[0], p[1]); ctx.stroke(); drawn = true; });
  ["pointerup", "pointerleave"].forEach(function (t) { pad.addEventListener(t, function () { drawing = false; }); });
  document.getElementById("clear").addEventListener("click", function (e) { e.preventDefault(); ctx.clearRect(0, 0, pad.width, pad.height); drawn = false; });
  document.getElementById("sign-form").addEventListener("submit", function () {
    document.getElementById("signature").value = drawn ? pad.toDataURL("image/png") : "";
  });
})();
