// "Select all" for the moderation table's checkboxes; without this file each box is ticked by hand.
(function () {
  "use strict";
  var all = document.getElementById("select-all");
  if (!all) { return; }
  all.addEventListener("change", function () {
    document.querySelectorAll('#bulk-form input[name="ids"]').forEach(function (box) { box.checked = all.checked; });
  });
})();
