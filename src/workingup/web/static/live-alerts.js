// Live coordinated-voting alert on every facilitator page: polls the dialogue's alert feed every few seconds
// and shows what a bloc is pushing while it happens. Text is set with textContent only, never as HTML: the
// statements shown are participants' words.
(function () {
  "use strict";
  var box = document.getElementById("live-alert");
  if (!box || !window.fetch) { return; }
  var PERIOD_MS = 5000;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }

  function clock(iso) {
    var d = new Date(iso.endsWith("Z") || iso.indexOf("+") > 0 ? iso : iso + "Z");
    return isNaN(d.getTime()) ? iso : d.toISOString().slice(11, 16);
  }

  function voteWord(vote) {
    if (vote === 1) { return box.dataset.voteAgree; }
    if (vote === -1) { return box.dataset.voteDisagree; }
    return box.dataset.votePass;
  }

  function show(data) {
    while (box.firstChild) { box.removeChild(box.firstChild); }
    if (!data.blocs.length) { box.hidden = true; box.removeAttribute("data-state"); return; }
    var people = data.blocs.reduce(function (sum, b) { return sum + b.size; }, 0);
    var values = { people: people, n: data.blocs.length, minutes: Math.round(data.window_seconds / 60) };
    var headline = document.createElement("p");
    headline.className = "live-alert-headline";
    headline.textContent = fill(data.under_way ? box.dataset.underWay : box.dataset.recent, values);
    box.appendChild(headline);
    var list = document.createElement("ul");
    data.blocs.forEach(function (b) {
      var item = document.createElement("li");
      item.textContent = fill(box.dataset.bloc, {
        size: b.size, agreement: Math.round(100 * b.agreement), shared: Math.round(b.mean_shared),
        first: clock(b.first_vote_at), last: clock(b.last_vote_at)
      });
      var pushes = document.createElement("ul");
      b.pushes.forEach(function (p) {
        var push = document.createElement("li");
        push.textContent = voteWord(p.vote) + ": " + p.text;
        pushes.appendChild(push);
      });
      item.appendChild(pushes);
      list.appendChild(item);
    });
    box.appendChild(list);
    var advice = document.createElement("p");
    advice.textContent = box.dataset.advice;
    box.appendChild(advice);
    box.dataset.state = data.under_way ? "under-way" : "recent";
    box.hidden = false;
  }

  function poll() {
    fetch(box.dataset.src, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { show(data); } })
      .catch(function () { /* offline for a moment: try again at the next tick */ })
      .finally(function () { window.setTimeout(poll, PERIOD_MS); });
  }
  poll();
})();
