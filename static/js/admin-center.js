// The few lines of JavaScript the Admin Center needs on top of htmx. Everything works without
// them (plain links and forms); with them: confirmation dialogs, picked-people chips, focus
// management after panel swaps, and server refusals shown as messages.
(function () {
  "use strict";

  function showMessage(text, level) {
    var region = document.getElementById("messages");
    if (!region) return;
    var item = document.createElement("div");
    item.className = "message " + (level || "error");
    var p = document.createElement("p");
    p.textContent = text;
    item.appendChild(p);
    item.appendChild(dismissButton());
    region.appendChild(item);
  }

  function dismissButton() {
    var button = document.createElement("button");
    button.type = "button";
    button.setAttribute("aria-label", "Dismiss message");
    button.textContent = "×";
    return button;
  }

  // Confirmations fade after a while; refusals and errors stay until dismissed.
  function expireSuccesses() {
    document.querySelectorAll("#messages .message.success:not([data-expiring])").forEach(function (item) {
      item.setAttribute("data-expiring", "");
      setTimeout(function () { item.remove(); }, 8000);
    });
  }
  document.addEventListener("DOMContentLoaded", expireSuccesses);
  document.addEventListener("htmx:afterSettle", expireSuccesses);

  document.addEventListener("click", function (event) {
    var dismiss = event.target.closest(".message button");
    if (dismiss) dismiss.closest(".message").remove();
    // A click outside an open menu closes it.
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      menu.removeAttribute("open");
      menu.querySelector("summary").focus();
    });
  });

  // Confirmations in a <dialog> that names what will happen (hx-confirm holds the question,
  // data-confirm-detail the consequence, data-confirm-action the button's words).
  document.addEventListener("htmx:confirm", function (event) {
    var source = event.detail.elt;
    var question = event.detail.question;
    if (!question) return;
    event.preventDefault();
    var dialog = document.getElementById("confirm-dialog");
    var opener = document.activeElement;
    dialog.querySelector("[data-confirm-title]").textContent = question;
    dialog.querySelector("[data-confirm-detail]").textContent = source.getAttribute("data-confirm-detail") || "";
    var ok = dialog.querySelector("[data-confirm-ok]");
    ok.textContent = source.getAttribute("data-confirm-action") || "Confirm";
    // A confirmation that undoes a loss (Restore) is not red: data-confirm-tone="primary".
    var primary = source.getAttribute("data-confirm-tone") === "primary";
    ok.classList.toggle("btn-primary", primary);
    ok.classList.toggle("btn-danger", !primary);
    dialog.returnValue = "";
    dialog.showModal();
    dialog.querySelector("[data-confirm-cancel]").focus();
    dialog.addEventListener("close", function onClose() {
      dialog.removeEventListener("close", onClose);
      if (dialog.returnValue === "confirm") {
        event.detail.issueRequest(true);
      } else if (opener && document.contains(opener)) {
        opener.focus();
      }
    });
  });

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var status = xhr.status;
    var plain = (xhr.getResponseHeader("Content-Type") || "").indexOf("text/plain") === 0;
    // A 400 in plain text is the server's own explanation (a form field it does not take).
    var text = (status === 400 && plain && xhr.responseText) || {
      403: "You do not have permission to do that.",
      404: "That no longer exists, or you cannot see it. Reload the page to see the current state.",
    }[status] || "Something went wrong on our side (" + status + "). Nothing was changed; try again.";
    showMessage(text, "error");
  });
  document.addEventListener("htmx:sendError", function () {
    showMessage("The server could not be reached. Check your connection and try again.", "error");
  });

  // Picked people are kept as chips (hidden inputs) so a new search does not lose them.
  function pickedArea() { return document.getElementById("picked"); }
  function chipFor(id) {
    var area = pickedArea();
    return area && area.querySelector('[data-user-id="' + id + '"]');
  }
  function syncCount() {
    var area = pickedArea();
    if (!area) return;
    var count = area.querySelectorAll(".chip").length;
    var button = document.getElementById("add-members-submit");
    if (button) button.textContent = count > 1 ? "Add " + count + " Members" : "Add Members";
    var empty = document.getElementById("picked-empty");
    if (empty) empty.hidden = count > 0;
  }
  function addChip(id, name) {
    if (chipFor(id)) return;
    var chip = document.createElement("span");
    chip.className = "chip";
    chip.setAttribute("data-user-id", id);
    var label = document.createElement("span");
    label.textContent = name;
    var input = document.createElement("input");
    input.type = "hidden"; input.name = "users"; input.value = id;
    var remove = document.createElement("button");
    remove.type = "button";
    remove.setAttribute("aria-label", "Remove " + name + " from the people to add");
    remove.textContent = "×";
    remove.addEventListener("click", function () {
      chip.remove();
      var box = document.querySelector('input[type=checkbox][name="users"][value="' + id + '"]');
      if (box) box.checked = false;
      syncCount();
      var search = document.getElementById("member-search");
      if (search) search.focus();
    });
    chip.append(label, input, remove);
    pickedArea().appendChild(chip);
    syncCount();
  }
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches('#search-results input[type=checkbox][name="users"]')) return;
    if (box.checked) {
      addChip(box.value, box.getAttribute("data-name"));
    } else {
      var chip = chipFor(box.value);
      if (chip) chip.remove();
      syncCount();
    }
  });

  // Tabs (WAI-ARIA tabs pattern, manual activation): the arrow keys, Home and End move between
  // the tabs, Enter or Space opens the focused one, and focus stays on it once its panel loads.
  var tabToFocus = null;
  document.addEventListener("keydown", function (event) {
    var tab = event.target.closest && event.target.closest('[role="tab"]');
    if (!tab) return;
    var tabs = Array.prototype.slice.call(tab.closest('[role="tablist"]').querySelectorAll('[role="tab"]'));
    var index = tabs.indexOf(tab);
    var next = {
      ArrowRight: tabs[(index + 1) % tabs.length],
      ArrowLeft: tabs[(index - 1 + tabs.length) % tabs.length],
      Home: tabs[0],
      End: tabs[tabs.length - 1],
    }[event.key];
    if (next) {
      event.preventDefault();
      next.focus();
    } else if (event.key === " ") {
      event.preventDefault();
      tab.click();
    }
  });
  document.addEventListener("click", function (event) {
    var tab = event.target.closest('[role="tab"]');
    tabToFocus = tab && document.activeElement === tab ? tab.id : null;
  });

  // The browser may focus a swapped-in [autofocus] search box a moment before htmx has wired
  // it up: what was typed in that moment raised no request. Search for it once htmx is ready.
  document.addEventListener("htmx:load", function (event) {
    var search = event.detail.elt.querySelector && event.detail.elt.querySelector("#member-search");
    if (search && search.value !== search.defaultValue && window.htmx) window.htmx.trigger(search, "search");
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    // New search results: say what they are in the stable status line (the results
    // themselves are replaced, so a live region inside them would not be announced).
    if (target.id === "search-results" || target.id === "group-panel") {
      var results = document.getElementById("search-results");
      var status = document.getElementById("search-status");
      if (results && status) status.textContent = results.getAttribute("data-status") || "";
    }
    // New results: tick the people already picked.
    document.querySelectorAll('#search-results input[type=checkbox][name="users"]').forEach(function (box) {
      if (chipFor(box.value)) box.checked = true;
    });
    syncCount();
    var panel = document.getElementById("group-panel");
    if (!panel) return;
    // Mark the group on screen in the list (after the list or the panel changed).
    var current = panel.getAttribute("data-group-id");
    document.querySelectorAll(".group-row").forEach(function (row) {
      if (current && row.getAttribute("data-group-id") === current) row.setAttribute("aria-current", "true");
      else row.removeAttribute("aria-current");
    });
    if (target === panel || target.id === "group-panel") {
      var workspace = document.querySelector(".workspace");
      if (workspace) workspace.classList.toggle("has-panel", Boolean(panel.querySelector(".panel-head")));
      // Move focus into the panel that just opened: to the first field the server refused,
      // else to the tab just chosen from the keyboard, else to the panel's heading.
      var invalid = panel.querySelector('[aria-invalid="true"]');
      var tab = tabToFocus && document.getElementById(tabToFocus);
      tabToFocus = null;
      if (invalid) {
        invalid.focus();
      } else if (tab && panel.contains(tab)) {
        tab.focus();
      } else if (!panel.querySelector("[autofocus]")) {
        var heading = panel.querySelector("[data-panel-focus]");
        if (heading) heading.focus({ preventScroll: false });
      }
    }
  });
})();

// --- Bulk membership (Members tab): tick several members, remove them at once. The dialog
// names who will lose access; "select all" ticks every direct member on the page. Without
// JavaScript the form still posts and the server asks for confirmation on its own page.
(function () {
  "use strict";

  function names(list) {
    if (list.length <= 1) return list.join("");
    if (list.length <= 5) return list.slice(0, -1).join(", ") + " and " + list[list.length - 1];
    return list.slice(0, 4).join(", ") + " and " + (list.length - 4) + " others";
  }

  function syncBulk() {
    var form = document.getElementById("bulk-remove-form");
    if (!form) return;
    var boxes = Array.prototype.slice.call(document.querySelectorAll('input[form="bulk-remove-form"][name="users"]'));
    var picked = boxes.filter(function (box) { return box.checked; });
    var group = form.getAttribute("data-group-name");
    var who = picked.map(function (box) { return box.getAttribute("data-name"); });
    var button = document.getElementById("bulk-remove-submit");
    var status = document.getElementById("bulk-selected");
    button.disabled = picked.length === 0;
    button.textContent = picked.length ? "Remove " + picked.length + " selected" : "Remove selected";
    status.textContent = picked.length
      ? picked.length + " selected"
      : "Tick members to remove several at once.";
    form.setAttribute("hx-confirm", "Remove " + picked.length + (picked.length === 1 ? " member" : " members") + " from " + group + "?");
    form.setAttribute("data-confirm-detail", names(who) + " will lose the access " + group + " gives.");
    var all = document.querySelector("[data-select-all]");
    if (all) {
      all.hidden = boxes.length === 0;
      all.checked = boxes.length > 0 && picked.length === boxes.length;
      all.indeterminate = picked.length > 0 && picked.length < boxes.length;
    }
  }

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box.matches("[data-select-all]")) {
      document.querySelectorAll('input[form="bulk-remove-form"][name="users"]').forEach(function (item) {
        item.checked = box.checked;
      });
      syncBulk();
    } else if (box.matches('input[form="bulk-remove-form"]')) {
      syncBulk();
    }
  });
  document.addEventListener("DOMContentLoaded", syncBulk);
  document.addEventListener("htmx:afterSettle", syncBulk);
})();
