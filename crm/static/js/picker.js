/* The contact form's representative picker, made quicker with JavaScript.
 *
 * Without this script the form works by reloading: "Find" searches, "Add the ticked people"
 * gives each person a stance field, and a save with someone ticked but no stance chosen is
 * refused with a message beside them. With it:
 * - results appear as a name is typed (a fragment of the page, fetched; no reload), and
 *   Enter in the name field searches at once;
 * - ticking someone puts their stance choice right beside them;
 * - ticking someone who asked not to be contacted shows the confirmation and its reason.
 * Ticked people are kept when new results arrive: they move to the list of people met.
 * No inline script, no eval: the page's Content-Security-Policy allows our files only.
 */
(function () {
  "use strict";

  var form = document.getElementById("contact-form");
  if (!form || !window.fetch) {
    return;
  }
  var query = form.querySelector("input[name=q]");
  var peopleUrl = form.getAttribute("data-people-url");
  var stanceTemplate = document.getElementById("stance-template");
  var status = document.getElementById("picker-status");
  var WAIT_MS = 250;
  var timer = null;
  var asked = 0;
  var controller = null;

  function results() {
    return document.getElementById("picker-results");
  }

  function metList() {
    return document.getElementById("met-list");
  }

  /* The people already in the form: chosen, or ticked in the results. */
  function inForm() {
    var ids = {};
    var boxes = form.querySelectorAll("input[name=representatives]");
    for (var i = 0; i < boxes.length; i += 1) {
      if (!boxes[i].closest("#picker-results") || boxes[i].checked) {
        ids[boxes[i].value] = boxes[i];
      }
    }
    return ids;
  }

  function nextStanceIndex() {
    var highest = -1;
    var fields = form.querySelectorAll("input[name^='stances-'][name$='-representative']");
    for (var i = 0; i < fields.length; i += 1) {
      var number = parseInt(fields[i].name.split("-")[1], 10);
      if (!isNaN(number) && number > highest) {
        highest = number;
      }
    }
    return highest + 1;
  }

  /* The stance choice beside someone ticked among the results (a new contact only). */
  function showStance(box) {
    var item = box.closest("li");
    if (!stanceTemplate || !item || item.querySelector(".stance-beside")) {
      return;
    }
    var index = String(nextStanceIndex());
    var holder = document.createElement("div");
    holder.innerHTML = stanceTemplate.innerHTML.split("__n__").join(index);
    var fields = holder.firstElementChild;
    fields.querySelector("input[type=hidden]").value = box.value;
    var slot = fields.querySelector("[data-name-slot]");
    if (slot) {
      slot.textContent = box.getAttribute("data-name") || "";
    }
    item.appendChild(fields);
  }

  function hideStance(box) {
    var item = box.closest("li");
    var fields = item && item.querySelector(".stance-beside");
    if (fields) {
      fields.remove();
    }
  }

  function updateDoNotContact() {
    var block = document.getElementById("do-not-contact");
    if (!block) {
      return;
    }
    var names = [];
    var boxes = form.querySelectorAll("input[name=representatives][data-do-not-contact]");
    for (var i = 0; i < boxes.length; i += 1) {
      if (boxes[i].checked) {
        names.push(boxes[i].getAttribute("data-name"));
      }
    }
    block.hidden = names.length === 0;
    var who = document.getElementById("do-not-contact-names");
    if (who && names.length) {
      who.textContent = names.join(", ");
    }
  }

  /* Someone ticked in the results stays in the form when the results change. */
  function keepTicked() {
    var list = metList();
    var ticked = results().querySelectorAll("input[name=representatives]:checked");
    for (var i = 0; i < ticked.length; i += 1) {
      var item = ticked[i].closest("li");
      if (item && list) {
        item.classList.add("met-item");
        list.appendChild(item);
        list.hidden = false;
        var hint = document.getElementById("nobody-yet");
        if (hint) {
          hint.hidden = true;
        }
      }
    }
  }

  function announce(fresh) {
    if (!status) {
      return;
    }
    var count = fresh.querySelector("#picker-count");
    var lists = fresh.querySelectorAll("details").length;
    status.textContent = count
      ? count.textContent
      : lists + " chamber " + (lists === 1 ? "list" : "lists") + " of members.";
  }

  function search() {
    window.clearTimeout(timer);
    keepTicked();
    var url = new URL(peopleUrl, window.location.href);
    url.searchParams.set("q", query.value.slice(0, 100));
    var present = inForm();
    Object.keys(present).forEach(function (id) {
      url.searchParams.append("chosen", id);
    });
    if (controller) {
      controller.abort();
    }
    controller = window.AbortController ? new AbortController() : null;
    asked += 1;
    var mine = asked;
    form.setAttribute("aria-busy", "true");
    fetch(url.toString(), {
      credentials: "same-origin",
      headers: { Accept: "text/html" },
      signal: controller ? controller.signal : undefined,
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("The search could not be run (" + response.status + ").");
        }
        return response.text();
      })
      .then(function (html) {
        if (mine !== asked) {
          return; // an older answer, overtaken by a newer search
        }
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector("#picker-results");
        if (!fresh) {
          return;
        }
        // People already in the form are not offered twice.
        var present = inForm();
        var offered = fresh.querySelectorAll("input[name=representatives]");
        for (var i = 0; i < offered.length; i += 1) {
          if (present[offered[i].value]) {
            offered[i].closest("li").remove();
          }
        }
        keepTicked();
        results().replaceWith(fresh);
        announce(fresh);
      })
      .catch(function (error) {
        if (error && error.name === "AbortError") {
          return;
        }
        if (status) {
          status.textContent = "The search did not work; press Find to try again.";
        }
      })
      .then(function () {
        if (mine === asked) {
          form.removeAttribute("aria-busy");
        }
      });
  }

  if (query && peopleUrl) {
    query.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(search, WAIT_MS);
    });
    query.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault(); // Enter searches; it never saves the contact
        search();
      }
    });
    form.addEventListener("click", function (event) {
      var button = event.target.closest("button[name=refine][value=find]");
      if (button) {
        event.preventDefault();
        search();
      }
    });
  }

  form.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("input[name=representatives]")) {
      return;
    }
    if (box.id.indexOf("pick-") === 0) {
      if (box.checked) {
        showStance(box);
      } else {
        hideStance(box);
      }
    }
    updateDoNotContact();
  });
})();
