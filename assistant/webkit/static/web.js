/* The web kit's small enhancements, for every page set. Every page works without this file.
   - focus the error summary, and make its links focus their field
   - "Show PIN" toggles
   - "Read aloud" with the browser's speech synthesis, when the customer turned it on
   - a second click on a submit button within a moment is ignored (the server is idempotent
     anyway; this only avoids a confusing double page load) */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fn);
    } else {
      fn();
    }
  }

  function errorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) return;
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a");
      if (!link) return;
      var id = (link.getAttribute("href") || "").slice(1);
      var field = id && document.getElementById(id);
      if (!field) return;
      event.preventDefault();
      var group = field.closest(".form-group") || field;
      group.scrollIntoView();
      field.focus({ preventScroll: true });
    });
  }

  function showPin() {
    var buttons = document.querySelectorAll("[data-show-pin]");
    Array.prototype.forEach.call(buttons, function (button) {
      var input = document.getElementById(button.getAttribute("data-show-pin"));
      if (!input) return;
      var status = document.querySelector(
        '[data-show-pin-status="' + button.getAttribute("data-show-pin") + '"]'
      );
      button.hidden = false;
      button.setAttribute("aria-pressed", "false");
      button.addEventListener("click", function () {
        var showing = input.type === "password";
        input.type = showing ? "text" : "password";
        button.textContent = button.getAttribute(showing ? "data-hide-text" : "data-show-text");
        button.setAttribute("aria-pressed", showing ? "true" : "false");
        if (status) {
          status.textContent = button.getAttribute(
            showing ? "data-shown-status" : "data-hidden-status"
          );
        }
      });
      // The PIN is never left visible when the form is sent.
      if (input.form) {
        input.form.addEventListener("submit", function () {
          input.type = "password";
        });
      }
    });
  }

  function readAloud() {
    var root = document.documentElement;
    var button = document.querySelector(".js-read-aloud");
    if (!button || root.getAttribute("data-read-aloud") !== "on") return;
    if (!("speechSynthesis" in window) || typeof SpeechSynthesisUtterance === "undefined") return;
    var synth = window.speechSynthesis;
    var rate = root.getAttribute("data-speech-rate") === "slow" ? 0.75 : 0.9;

    function words() {
      var first = document.querySelector("[data-read-first]");
      var main = document.getElementById("main-content");
      var text = (first || main).innerText || "";
      return text.replace(/\s+/g, " ").trim();
    }

    function setSpeaking(speaking) {
      button.textContent = button.getAttribute(speaking ? "data-stop-text" : "data-start-text");
      button.setAttribute("aria-pressed", speaking ? "true" : "false");
    }

    function speak() {
      synth.cancel();
      var utterance = new SpeechSynthesisUtterance(words());
      utterance.lang = root.getAttribute("lang") || "en";
      utterance.rate = rate;
      utterance.onend = function () { setSpeaking(false); };
      utterance.onerror = function () { setSpeaking(false); };
      setSpeaking(true);
      synth.speak(utterance);
    }

    button.hidden = false;
    setSpeaking(false);
    button.addEventListener("click", function () {
      if (synth.speaking) {
        synth.cancel();
        setSpeaking(false);
      } else {
        speak();
      }
    });
    window.addEventListener("pagehide", function () { synth.cancel(); });
    // Browsers may refuse to speak before the first click; then the button is there.
    try { speak(); } catch (e) { setSpeaking(false); }
  }

  function preventDoubleClick() {
    document.addEventListener("submit", function (event) {
      var form = event.target;
      var button = form.querySelector("[data-prevent-double-click]");
      if (!button) return;
      var last = Number(form.getAttribute("data-submitted-at") || 0);
      var now = Date.now();
      if (now - last < 2000) {
        event.preventDefault();
        return;
      }
      form.setAttribute("data-submitted-at", String(now));
    });
  }

  ready(function () {
    errorSummary();
    showPin();
    readAloud();
    preventDoubleClick();
  });
})();
