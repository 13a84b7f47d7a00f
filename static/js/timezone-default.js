// Pre-select the browser's own time zone on a fresh form. Without JavaScript the
// select keeps its server-side default (UTC), which the learner can change.
(function () {
  "use strict";
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (error) {
    return;
  }
  if (!zone) return;
  document.querySelectorAll("select[data-browser-timezone]").forEach(function (select) {
    var known = Array.prototype.some.call(select.options, function (option) {
      return option.value === zone;
    });
    if (known) select.value = zone;
  });
})();
