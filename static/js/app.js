// Small page behaviours shared by every page. Everything here is an
// enhancement: the pages work without it.
(function () {
  "use strict";

  // Buttons with data-confirm ask before their form is sent.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  // The browser's "select all on this page" box.
  document.addEventListener("change", function (event) {
    if (event.target.id !== "select-all") return;
    var form = event.target.closest("form");
    form.querySelectorAll('input[name="card_ids"]').forEach(function (box) {
      box.checked = event.target.checked;
    });
  });

  function csrfToken() {
    var headers = document.body.getAttribute("hx-headers");
    try { return JSON.parse(headers)["X-CSRFToken"]; } catch (e) { return ""; }
  }

  function insertAtCursor(textarea, text) {
    var start = textarea.selectionStart || textarea.value.length;
    var end = textarea.selectionEnd || start;
    var before = textarea.value.slice(0, start);
    var spacer = before && !/\s$/.test(before) ? " " : "";
    textarea.value = before + spacer + text + textarea.value.slice(end);
    textarea.selectionStart = textarea.selectionEnd = start + spacer.length + text.length;
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function upload(form, file, textarea) {
    var data = new FormData();
    data.append("file", file, file.name || "pasted.png");
    return fetch(form.getAttribute("data-upload-url"), {
      method: "POST",
      body: data,
      headers: { "X-CSRFToken": csrfToken() },
      credentials: "same-origin",
    })
      .then(function (response) { return response.json(); })
      .then(function (result) {
        if (result.error) { window.alert(result.error); return; }
        insertAtCursor(textarea, result.snippet);
      });
  }

  function pastedName(file) {
    var ext = (file.type.split("/")[1] || "png").replace("jpeg", "jpg").replace("svg+xml", "svg");
    return "paste-" + Date.now() + "." + ext;
  }

  // Editor: paste a picture into a field to upload it and insert it there.
  document.addEventListener("paste", function (event) {
    var textarea = event.target.closest && event.target.closest("textarea.note-field");
    if (!textarea || !event.clipboardData) return;
    var files = Array.prototype.slice.call(event.clipboardData.files || []);
    if (!files.length) return;
    event.preventDefault();
    var form = textarea.closest("form");
    files.forEach(function (file) {
      var named = file.name && file.name !== "image.png" ? file : new File([file], pastedName(file), { type: file.type });
      upload(form, named, textarea);
    });
  });

  // Editor: a picked file uploads at once and goes in at the cursor.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches('.note-form input[type="file"]')) return;
    var field = input.closest(".field");
    var textarea = field && field.querySelector("textarea.note-field");
    if (!textarea || !input.files.length) return;
    var form = input.closest("form");
    Array.prototype.forEach.call(input.files, function (file) { upload(form, file, textarea); });
    input.value = "";
  });

  // Editor: Ctrl+Enter (Cmd+Enter) adds or saves the note.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    var form = event.target.closest && event.target.closest("form.note-form");
    if (!form) return;
    event.preventDefault();
    form.requestSubmit();
  });
})();
