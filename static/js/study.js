// Study screen keys: Space/Enter show the answer (then mean "Good"), 1-4 grade,
// u or Ctrl+Z undo, s suspend, b bury, f flag, r replay audio.
// Every key clicks a real button or link (marked data-key), so the page does what the
// plain forms do; htmx swaps #study in place when it is loaded.
(function () {
  "use strict";

  function study() {
    return document.getElementById("study");
  }

  function press(key) {
    var root = study();
    if (!root) return false;
    var target = root.querySelector('[data-key="' + key + '"]');
    if (!target || target.disabled) return false;
    target.click();
    return true;
  }

  // The sounds of the side on show: the question's on the front, the back's own on the
  // back (the back's copy of the front keeps its "q:" players, as in Anki).
  function audios() {
    var root = study();
    if (!root) return [];
    var side = root.getAttribute("data-side") === "answer" ? "a:" : "q:";
    var players = root.querySelectorAll(
      '.study-face audio[data-av^="' + side + '"], .study-face .tts-play[data-av^="' + side + '"]'
    );
    return Array.prototype.slice.call(players);
  }

  // Play the side's sounds one after another, as Anki does.
  function playAll() {
    var list = audios();
    list.forEach(function (player) {
      if (player.tagName === "AUDIO") { player.pause(); player.currentTime = 0; }
    });
    var index = 0;
    function next() {
      if (index >= list.length) return;
      var player = list[index++];
      if (player.tagName !== "AUDIO") {
        if (window.deckhandSpeak) window.deckhandSpeak(player);
        next();
        return;
      }
      player.addEventListener("ended", next, { once: true });
      var played = player.play();
      if (played && played.catch) played.catch(function () { /* autoplay refused */ });
    }
    next();
  }

  function focusCard() {
    var root = study();
    if (!root) return;
    var typed = root.querySelector("#typeans");
    if (typed) {
      typed.focus();
    } else if (document.activeElement && root.contains(document.activeElement)) {
      document.activeElement.blur();
    }
  }

  function cardShown() {
    focusCard();
    if (audios().length) playAll();
  }

  document.addEventListener("keydown", function (event) {
    var root = study();
    if (!root || event.defaultPrevented) return;
    var key = event.key;
    var target = event.target;
    var typing = target && target.matches && target.matches("input, textarea, select, [contenteditable]");
    // While typing an answer, keys (Ctrl+Z included) edit the text, and Enter submits
    // the type-in box's form by itself.
    if (typing) return;
    if ((event.ctrlKey || event.metaKey) && !event.altKey && key.toLowerCase() === "z") {
      if (press("undo")) event.preventDefault();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target && target.matches && target.matches("button, a, summary") && (key === "Enter" || key === " ")) {
      // A focused control keeps its own Space/Enter, except in the study area's buttons,
      // where the shortcut is what a learner means.
      if (!root.contains(target)) return;
    }
    var side = root.getAttribute("data-side");
    var handled = false;
    if (key === " " || key === "Enter") {
      handled = side === "question" ? press("show") : press("3") || press("next");
    } else if (key >= "1" && key <= "4") {
      handled = side === "answer" && press(key);
    } else if (key === "u") {
      handled = press("undo");
    } else if (key === "s") {
      handled = press("suspend");
    } else if (key === "b") {
      handled = press("bury");
    } else if (key === "f") {
      handled = press("flag");
    } else if (key === "r") {
      if (audios().length) { playAll(); handled = true; }
    }
    if (handled) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest('[data-key="replay"]');
    if (button) { event.preventDefault(); playAll(); }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var elt = event.detail && event.detail.elt;
    if (elt && elt.closest && elt.closest("#flag-form")) return; // only the flag changed
    if (study()) cardShown();
  });
  document.addEventListener("DOMContentLoaded", cardShown);
})();
