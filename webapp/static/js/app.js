/* Soglasie portal: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  var messages = {};
  try {
    messages = JSON.parse(document.getElementById("js-messages").textContent);
  } catch (ignored) { /* the server-side checks still apply */ }

  function msg(id, values) {
    var text = messages[id] || id;
    Object.keys(values || {}).forEach(function (key) { text = text.replace("{" + key + "}", values[key]); });
    return text;
  }

  function all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }

  /* --- checks mirroring soglasie.validation (the server repeats them) ------------------------- */

  var INN10 = [2, 4, 10, 3, 5, 9, 4, 6, 8];
  var INN12A = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
  var INN12B = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8];

  function control(digits, weights) {
    var sum = 0;
    for (var i = 0; i < weights.length; i++) { sum += Number(digits[i]) * weights[i]; }
    return sum % 11 % 10;
  }

  function checkInn(value) {
    var inn = value.replace(/\s/g, "");
    if (!/^(\d{10}|\d{12})$/.test(inn)) { return "inn_length"; }
    if (inn.length === 10) { return control(inn, INN10) === Number(inn[9]) ? null : "inn_checksum"; }
    var ok = control(inn, INN12A) === Number(inn[10]) && control(inn, INN12B) === Number(inn[11]);
    return ok ? null : "inn_checksum";
  }

  function checkKpp(value) {
    var kpp = value.trim().toUpperCase();
    return !kpp || /^\d{4}[\dA-Z]{2}\d{3}$/.test(kpp) ? null : "kpp_format";
  }

  function checkBik(value) { return /^\d{9}$/.test(value.trim()) ? null : "bik_format"; }

  function checkAccount(account, bik) {
    account = account.replace(/\s/g, "");
    if (!/^\d{20}$/.test(account)) { return "account_format"; }
    if (!/^\d{9}$/.test(bik)) { return null; }
    var tail = bik.slice(6, 9);
    var prefix = (tail === "000" || tail === "001" || tail === "002") ? "0" + bik.slice(4, 6) : tail;
    var digits = prefix + account, weights = [7, 1, 3], sum = 0;
    for (var i = 0; i < digits.length; i++) { sum += Number(digits[i]) * weights[i % 3]; }
    return sum % 10 === 0 ? null : "account_key";
  }

  function checkAmount(value) {
    var text = value.replace(/[\s\u00a0]/g, "");
    if (!text) { return "required"; }
    if (text.indexOf(",") >= 0 && text.indexOf(".") < 0) { text = text.replace(",", "."); }
    if (!/^-?\d+(\.\d+)?$/.test(text)) { return "amount_number"; }
    if (Number(text) <= 0) { return "amount_positive"; }
    if (/\.\d{3,}$/.test(text)) { return "amount_decimals"; }
    return null;
  }

  var ALLOWED = /\.(pdf|png|jpe?g|tiff?|docx?|xlsx?)$/i;

  function checkFile(input) {
    var limit = Number((document.querySelector("meta[name=max-upload]") || {}).content || 0);
    for (var i = 0; i < (input.files || []).length; i++) {
      var file = input.files[i];
      if (limit && file.size > limit) {
        return msg("file_too_big", { size: Math.round(limit / 1048576) + " MB" });
      }
      if (!ALLOWED.test(file.name)) { return msg("file_type"); }
    }
    return null;
  }

  function errorBox(input) {
    var field = input.closest(".field, .upload-form, form");
    return field ? field.querySelector("[data-error-for]") : null;
  }

  function show(input, error) {
    var box = errorBox(input);
    var field = input.closest(".field");
    input.setAttribute("aria-invalid", error ? "true" : "false");
    if (field) {
      field.classList.toggle("has-error", !!error);
      field.classList.toggle("is-valid", !error && !!input.value);
    }
    if (box) { box.textContent = error || ""; box.hidden = !error; }
  }

  function validate(input) {
    var kind = input.getAttribute("data-validate");
    var value = input.value || "";
    var form = input.form;
    var error = null;
    if (kind === "file") {
      error = checkFile(input);
    } else if (!value.trim()) {
      error = input.required ? msg("required") : null;
    } else if (kind === "inn") {
      error = checkInn(value);
    } else if (kind === "kpp") {
      error = checkKpp(value);
    } else if (kind === "bik") {
      error = checkBik(value);
    } else if (kind === "account") {
      var bik = form && form.querySelector("[data-validate=bik]");
      error = checkAccount(value, bik ? bik.value.trim() : "");
    } else if (kind === "amount") {
      error = checkAmount(value);
    }
    if (error && kind !== "file") { error = msg(error); }
    show(input, error);
    return !error;
  }

  function inNewCounterparty(input) {
    var box = input.closest(".new-counterparty");
    if (!box) { return true; }
    var toggle = box.querySelector("input[type=checkbox]");
    return toggle && toggle.checked;
  }

  all("[data-validate]").forEach(function (input) {
    var event = input.type === "file" ? "change" : "input";
    input.addEventListener(event, function () {
      if (input.type === "file" || input.value.length > 0 || input.getAttribute("aria-invalid") === "true") {
        if (inNewCounterparty(input)) { validate(input); }
      }
    });
    input.addEventListener("blur", function () { if (input.value && inNewCounterparty(input)) { validate(input); } });
  });

  /* Typing in the new-counterparty fields means the user wants a new counterparty. */
  all(".new-counterparty input:not([type=checkbox])").forEach(function (input) {
    input.addEventListener("input", function () {
      var toggle = input.closest(".new-counterparty").querySelector("input[type=checkbox]");
      if (toggle && input.value) { toggle.checked = true; }
    });
  });

  /* --- server-side check of a new counterparty's details (same rules, localized) --------------- */

  function serverCheck(form) {
    var url = form.getAttribute("data-check-url");
    if (!url) { return; }
    var get = function (kind) { var el = form.querySelector("[data-validate=" + kind + "]"); return el ? el.value : ""; };
    var query = "?inn=" + encodeURIComponent(get("inn")) + "&kpp=" + encodeURIComponent(get("kpp")) +
      "&bik=" + encodeURIComponent(get("bik")) + "&account=" + encodeURIComponent(get("account"));
    fetch(url + query, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (result) {
        if (!result) { return; }
        ["inn", "kpp", "bik", "account"].forEach(function (kind) {
          var input = form.querySelector("[data-validate=" + kind + "]");
          if (input && input.value && result.errors[kind]) { show(input, result.errors[kind]); }
        });
        var inn = form.querySelector("[data-validate=inn]");
        if (inn && result.existing && !inn.readOnly) {
          show(inn, msg("existing", { name: result.existing.name }));
          offerExisting(form, inn, result.existing);
        }
      })
      .catch(function () { /* offline: the submit still validates */ });
  }

  function offerExisting(form, innInput, existing) {
    var picker = form.querySelector("[data-counterparty-picker]");
    var box = errorBox(innInput);
    if (!picker || !box || box.querySelector("button")) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-small";
    button.textContent = msg("use_it");
    button.addEventListener("click", function () {
      picker.value = existing.inn;
      picker.dispatchEvent(new Event("input"));
      var toggle = form.querySelector(".new-counterparty input[type=checkbox]");
      if (toggle) { toggle.checked = false; }
      var details = form.querySelector(".new-counterparty");
      if (details) { details.open = false; }
      picker.focus();
    });
    box.appendChild(document.createTextNode(" "));
    box.appendChild(button);
  }

  all("form[data-check-url]").forEach(function (form) {
    all("[data-validate=inn], [data-validate=kpp], [data-validate=bik], [data-validate=account]", form)
      .forEach(function (input) {
        input.addEventListener("change", function () { if (inNewCounterparty(input)) { serverCheck(form); } });
      });
  });

  /* --- counterparty picker: search the directory as you type ---------------------------------- */

  function debounce(fn, wait) {
    var timer = null;
    return function () { clearTimeout(timer); timer = setTimeout(fn, wait); };
  }

  all("[data-counterparty-picker]").forEach(function (input) {
    var form = input.form;
    var url = input.getAttribute("data-search-url") || (form && form.getAttribute("data-search-url"));
    var list = input.list;
    var status = form && form.querySelector("[data-counterparty-name]");
    var known = {};
    all("option", list || document.createElement("datalist")).forEach(function (option) {
      known[option.value] = option.textContent;
    });
    if (!url || !list) { return; }

    function describe() {
      if (!status) { return; }
      var value = input.value.trim();
      if (known[value]) {
        status.textContent = msg("found", { name: known[value] });
        status.className = "hint found";
      } else if (/^\d{10}(\d{2})?$/.test(value)) {
        status.textContent = msg("not_found");
        status.className = "hint notice";
      }
    }

    var search = debounce(function () {
      var value = input.value.trim();
      if (value.length < 2) { describe(); return; }
      fetch(url + "?limit=20&search=" + encodeURIComponent(value), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : { items: [] }; })
        .then(function (result) {
          list.textContent = "";
          result.items.forEach(function (item) {
            known[item.inn] = item.name;
            var option = document.createElement("option");
            option.value = item.inn;
            option.textContent = item.name;
            list.appendChild(option);
          });
          if (result.items.length === 1 && result.items[0].name === value) { input.value = result.items[0].inn; }
          describe();
        })
        .catch(function () { describe(); });
    }, 200);

    input.addEventListener("input", function () { describe(); search(); });
    describe();
  });

  /* --- the payment form's contract picker: the chosen counterparty's contracts, the remainder -- */

  function amountValue(text) {
    var value = (text || "").replace(/[\s\u00a0]/g, "");
    if (value.indexOf(",") >= 0 && value.indexOf(".") < 0) { value = value.replace(",", "."); }
    return /^\d+(\.\d+)?$/.test(value) ? Number(value) : null;
  }

  all("form[data-new-request]").forEach(function (form) {
    var select = form.querySelector("select[name=contract_id]");
    var picker = form.querySelector("[data-counterparty-picker]");
    var amount = form.querySelector("input[name=amount]");
    var note = form.querySelector("[data-contract-note]");
    if (!select || !note) { return; }

    function narrow() {
      var inn = picker ? picker.value.trim() : "";
      var known = /^\d{10}(\d{2})?$/.test(inn);
      var offered = 0;
      all("option", select).forEach(function (option) {
        if (!option.value) { return; }
        var fits = !known || option.getAttribute("data-inn") === inn;
        option.hidden = !fits;
        option.disabled = !fits;
        if (fits) { offered += 1; }
      });
      if (select.selectedOptions.length && select.selectedOptions[0].disabled) { select.value = ""; }
      return known && offered === 0;
    }

    function explain() {
      var none = narrow();
      var option = select.selectedOptions.length ? select.selectedOptions[0] : null;
      var over = false;
      var text = "";
      if (option && option.value) {
        var remaining = Number(option.getAttribute("data-remaining"));
        var wanted = amountValue(amount ? amount.value : "");
        var left = option.getAttribute("data-remaining-text");
        over = wanted !== null && wanted > remaining;
        text = msg(over ? "contract_over" : "contract_left", { remaining: left });
      } else if (none) {
        text = msg("no_contracts");
      }
      note.textContent = text;
      note.hidden = !text;
      note.className = over ? "hint notice" : "hint";
    }

    select.addEventListener("change", explain);
    if (amount) { amount.addEventListener("input", explain); }
    if (picker) { picker.addEventListener("input", explain); picker.addEventListener("change", explain); }
    explain();
  });

  /* --- forms: confirmation, client checks before sending, no double submits ----------------- */

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); return; }
    var invalid = all("[data-validate]", form).filter(function (input) {
      return inNewCounterparty(input) && (input.value || input.required) && !validate(input);
    });
    if (invalid.length) { event.preventDefault(); invalid[0].focus(); return; }
    if ((form.method || "").toLowerCase() !== "post") { return; }
    if (form.getAttribute("data-sent")) { event.preventDefault(); return; }
    form.setAttribute("data-sent", "1");
    /* Disable after the browser has collected the clicked button's name and value. */
    setTimeout(function () { all("button[type=submit]", form).forEach(function (b) { b.disabled = true; }); }, 0);
  });

  window.addEventListener("pageshow", function () {
    all("form[data-sent]").forEach(function (form) {
      form.removeAttribute("data-sent");
      all("button[type=submit]", form).forEach(function (b) { b.disabled = false; });
    });
  });

  /* Filters apply as soon as a select or checkbox changes. */
  all("form[data-autosubmit]").forEach(function (form) {
    all("select, input[type=checkbox]", form).forEach(function (control) {
      control.addEventListener("change", function () {
        if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
      });
    });
  });

  /* On a phone the main menu scrolls sideways: keep the current page's entry in view. */
  all(".mainnav [aria-current=page]").forEach(function (link) {
    var nav = link.parentNode;
    var overflow = link.getBoundingClientRect().right - nav.getBoundingClientRect().right;
    if (overflow > 0) { nav.scrollLeft += overflow + 8; }
  });

  /* On a phone the filters start folded unless some are active. */
  if (window.matchMedia && window.matchMedia("(max-width: 640px)").matches) {
    all("details[data-collapse-on-mobile=yes]").forEach(function (box) { box.open = false; });
  }

  /* --- dialogs (reject with a reason, request documents, answer, freeze) --------------------- */

  all("[data-dialog]").forEach(function (opener) {
    var dialog = document.getElementById(opener.getAttribute("data-dialog"));
    if (!dialog || typeof dialog.showModal !== "function") { return; }
    opener.addEventListener("click", function (event) {
      event.preventDefault();
      dialog.showModal();
      var first = dialog.querySelector("textarea, input:not([type=hidden])");
      if (first) { first.focus(); }
    });
  });
  all("[data-dialog-close]").forEach(function (button) {
    button.addEventListener("click", function () { button.closest("dialog").close(); });
  });
  all("dialog").forEach(function (dialog) {
    dialog.addEventListener("click", function (event) { if (event.target === dialog) { dialog.close(); } });
  });

  /* --- file inputs: a labelled drop zone around the native input (which still does the work) -- */

  all("input[type=file]").forEach(function (input) {
    var zone = document.createElement("div");
    zone.className = "dropzone";
    var icon = document.createElement("span");
    icon.className = "dz-icon";
    icon.setAttribute("aria-hidden", "true");
    icon.textContent = "⇪";
    var label = document.createElement("span");
    label.className = "dz-text";
    label.textContent = msg(input.multiple ? "choose_files" : "choose_file");
    input.parentNode.insertBefore(zone, input);
    zone.appendChild(icon);
    zone.appendChild(label);
    zone.appendChild(input);
    input.addEventListener("change", function () {
      var names = Array.prototype.map.call(input.files || [], function (file) { return file.name; });
      label.textContent = names.length ? names.join(", ") : msg(input.multiple ? "choose_files" : "choose_file");
      zone.classList.toggle("has-file", names.length > 0);
    });
    ["dragenter", "dragover"].forEach(function (name) {
      input.addEventListener(name, function () { zone.classList.add("dragging"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      input.addEventListener(name, function () { zone.classList.remove("dragging"); });
    });
  });

  /* --- copy buttons next to bank details and new tokens -------------------------------------- */

  all("[data-copy]").forEach(function (element) {
    var value = element.getAttribute("data-copy") || element.textContent.trim();
    if (!navigator.clipboard || !value || value === "—") { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-small btn-ghost copy-btn";
    button.textContent = msg("copy");
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(value).then(function () {
        button.textContent = msg("copied");
        setTimeout(function () { button.textContent = msg("copy"); }, 1500);
      });
    });
    element.appendChild(button);
  });
})();
