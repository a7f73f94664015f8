// A new acceptance record: the division kind matters only for (sub-)divisions, so it is
// shown only when one of those levels is chosen. Without this script it is always shown.
(function () {
  "use strict";
  var level = document.getElementById("id_level");
  var group = document.getElementById("division-kind");
  if (!level || !group) { return; }
  var levels = group.dataset.levels.split(" ");
  function update() { group.hidden = levels.indexOf(level.value) === -1; }
  level.addEventListener("change", update);
  update();
})();
