// Keyboard voting: A agree, D disagree, P pass. The buttons work without this file; it only adds the keys.
(function () {
  "use strict";
  var form = document.getElementById("vote-form");
  if (!form) { return; }
  var sent = false;
  document.addEventListener("keydown", function (event) {
    if (sent || event.altKey || event.ctrlKey || event.metaKey || event.repeat) { return; }
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) { return; }
    var button = form.querySelector('button[data-key="' + event.key.toLowerCase() + '"]');
    if (!button) { return; }
    event.preventDefault();
    sent = true;
    button.focus();
    form.requestSubmit(button);
  });
})();
