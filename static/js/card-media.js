// Card audio: the speak buttons that {{tts lang:Field}} makes read their text
// aloud with the browser's speech synthesis. Without JavaScript (or without
// speech synthesis) the button does nothing and the card still shows.
(function () {
  "use strict";
  if (window.deckhandCardMedia) return; // the card partial may load this twice
  window.deckhandCardMedia = true;

  function speak(button) {
    if (!("speechSynthesis" in window)) return;
    var utterance = new SpeechSynthesisUtterance(button.getAttribute("data-tts-text") || "");
    var lang = (button.getAttribute("data-tts-lang") || "").replace("_", "-");
    if (lang) utterance.lang = lang;
    var rate = parseFloat(button.getAttribute("data-tts-speed"));
    if (rate > 0) utterance.rate = Math.min(rate, 10);
    var wanted = (button.getAttribute("data-tts-voices") || "").split(",").filter(Boolean);
    var voices = window.speechSynthesis.getVoices();
    var voice =
      voices.find(function (v) { return wanted.indexOf(v.name) !== -1; }) ||
      voices.find(function (v) {
        return lang && v.lang.replace("_", "-").toLowerCase().indexOf(lang.toLowerCase()) === 0;
      });
    if (voice) utterance.voice = voice;
    window.speechSynthesis.cancel();
    window.speechSynthesis.speak(utterance);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".tts-play");
    if (!button) return;
    event.preventDefault();
    speak(button);
  });

  // For the study screen's autoplay and replay key.
  window.deckhandSpeak = speak;
})();
