/* The staff console's small script: a warning's status page keeps its numbers up to date by
   asking its JSON endpoint every few seconds until nothing more will happen. Every word it
   shows comes from the server (the catalogue); without this script the page has a refresh
   link. */
(function () {
  "use strict";

  var root = document.querySelector("[data-status-url]");
  if (!root || !window.fetch) return;
  var url = root.getAttribute("data-status-url");
  var every = Math.max(1, Number(root.getAttribute("data-poll-seconds")) || 3) * 1000;

  function setText(selector, text) {
    var element = root.querySelector(selector);
    if (element && element.textContent !== text) element.textContent = text;
  }

  function show(data) {
    setText("[data-reached]", data.reached);
    data.counts.forEach(function (count) {
      setText('[data-count="' + count.name + '"]', count.value);
    });
    setText("[data-state]", data.state_text);
    setText("[data-progress]", data.progress);
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) {
        show(data);
        if (!data.done) window.setTimeout(poll, every);
      })
      .catch(function () {
        window.setTimeout(poll, every * 4);
      });
  }

  window.setTimeout(poll, every);
})();
