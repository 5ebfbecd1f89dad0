/* Nothing lost when the signal drops: the contact and event forms, kept on the phone.
 *
 * Without this script a form sent without a connection shows the browser's error, and
 * going back keeps what was typed. With it, a form marked `data-offline-form` that is sent
 * without a connection (the phone says it is offline, or a quick check of our server
 * fails) is kept on the phone instead, and the page says so; the header counts what waits.
 * Everything waiting is sent when the connection returns (the `online` event, a page load,
 * the page shown again): the form page is fetched for a fresh CSRF token, and the kept
 * fields are posted with it. The form's submission key (crm.saving.save_once) makes a second
 * sending of the same form harmless, so "sent once" needs no bookkeeping here.
 *
 * What is kept where (README, "Offline forms"):
 * - IndexedDB "crm-offline", store "waiting": one item per form (keyed by its submission
 *   key, so a double tap keeps one), with the signed-in user's id, the form's address, a
 *   label, and its fields (the CSRF token is never kept). An item is deleted as soon as the
 *   server answers with the record it made (or "already saved"), when discarded, and every
 *   item at sign-out.
 * - A restricted contact's fields are stored only encrypted (AES-GCM) with a key made by
 *   Web Crypto as non-extractable and held in this page's memory only: once the page is
 *   closed nobody can read them, and the contact is lost. The page says so, and asks
 *   before it is left while such a contact waits.
 * The offline worker (sw.js) keeps the static files and the last copy of each form page.
 * No inline script, no eval: the page's Content-Security-Policy allows our files only.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !window.indexedDB || !window.fetch || !window.Promise || !window.URLSearchParams) {
    return;
  }
  var USER = script.getAttribute("data-user") || "";
  var WORKER = script.getAttribute("data-worker");
  var LOGIN = script.getAttribute("data-login") || "/login";
  var DB_NAME = "crm-offline";
  var STORE = "waiting";
  var OWNER = "crm-offline-user"; // localStorage: whose copies the offline worker holds
  var PROBE_MS = 4000;
  var channel = window.BroadcastChannel ? new BroadcastChannel("crm-offline") : null;

  /* --- Storage -------------------------------------------------------------------- */

  var opened = null;

  function database() {
    if (!opened) {
      opened = new Promise(function (resolve, reject) {
        var request = indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = function () {
          request.result.createObjectStore(STORE, { keyPath: "key" });
        };
        request.onsuccess = function () {
          resolve(request.result);
        };
        request.onerror = function () {
          reject(request.error);
        };
      });
    }
    return opened;
  }

  function inStore(mode, work) {
    return database().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var request = work(tx.objectStore(STORE));
        tx.oncomplete = function () {
          resolve(request ? request.result : undefined);
        };
        tx.onerror = tx.onabort = function () {
          reject(tx.error);
        };
      });
    });
  }

  function allItems() {
    return inStore("readonly", function (store) {
      return store.getAll();
    });
  }

  function putItem(item) {
    return inStore("readwrite", function (store) {
      return store.put(item);
    }).then(changed);
  }

  function deleteItem(key) {
    return inStore("readwrite", function (store) {
      return store.delete(key);
    }).then(changed);
  }

  function mine(items) {
    return items.filter(function (item) {
      return item.user === USER;
    });
  }

  function changed() {
    if (channel) {
      channel.postMessage({ type: "changed" });
    }
    return render();
  }

  /* --- Restricted contacts: encrypted with a key that lives in this page only --------- */

  var pageKey = null; // a promise of the CryptoKey, made when first needed
  var PAGE_KEY_ID = randomKey(9);

  function secretKey() {
    if (!pageKey) {
      pageKey = crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, [
        "encrypt",
        "decrypt",
      ]);
    }
    return pageKey;
  }

  function encrypt(fields) {
    var iv = crypto.getRandomValues(new Uint8Array(12));
    var plain = new TextEncoder().encode(JSON.stringify(fields));
    return secretKey()
      .then(function (key) {
        return crypto.subtle.encrypt({ name: "AES-GCM", iv: iv }, key, plain);
      })
      .then(function (sealed) {
        return { iv: iv, sealed: sealed, keyId: PAGE_KEY_ID };
      });
  }

  function readable(item) {
    return !item.sealed || (item.keyId === PAGE_KEY_ID && pageKey !== null);
  }

  function fieldsOf(item) {
    if (!item.sealed) {
      return Promise.resolve(item.fields);
    }
    return secretKey()
      .then(function (key) {
        return crypto.subtle.decrypt({ name: "AES-GCM", iv: item.iv }, key, item.sealed);
      })
      .then(function (plain) {
        return JSON.parse(new TextDecoder().decode(plain));
      });
  }

  function randomKey(bytes) {
    var raw = crypto.getRandomValues(new Uint8Array(bytes));
    var text = "";
    for (var i = 0; i < raw.length; i += 1) {
      text += String.fromCharCode(raw[i]);
    }
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  /* --- Keeping a form on the phone ------------------------------------------------ */

  function formFields(form, submitter) {
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrf_token" && typeof value === "string") {
        fields.push([name, value]);
      }
    });
    if (submitter && submitter.name) {
      fields.push([submitter.name, submitter.value]);
    }
    return fields;
  }

  function keep(form, submitter) {
    var keyField = form.querySelector("input[name=submission_key]");
    var restricted = !!form.querySelector("input[name=confidentiality][value=restricted]:checked");
    var fields = formFields(form, submitter);
    var item = {
      key: keyField && keyField.value ? keyField.value : randomKey(24),
      user: USER,
      url: new URL(form.getAttribute("action") || location.pathname, location.href).pathname,
      label: form.getAttribute("data-offline-label") || "Form",
      savedAt: new Date().toISOString(),
      problem: null,
    };
    if (restricted) {
      item.label = "Restricted " + item.label.charAt(0).toLowerCase() + item.label.slice(1);
    }
    var title = form.querySelector("input[name=title]");
    if (title && title.value && !restricted) {
      item.label += ": " + title.value.slice(0, 80);
    }
    var ready = restricted
      ? encrypt(fields).then(function (sealed) {
          item.iv = sealed.iv;
          item.sealed = sealed.sealed;
          item.keyId = sealed.keyId;
        })
      : Promise.resolve((item.fields = fields));
    return ready
      .then(function () {
        return putItem(item);
      })
      .then(function () {
        say(
          form,
          restricted
            ? "Saved on this phone — will be sent when you are back online. This contact is " +
                "restricted: it is kept only while this page stays open, and is lost if you " +
                "close it before the connection returns."
            : "Saved on this phone — will be sent when you are back online.",
          "warning"
        );
      });
  }

  function say(form, text, kind) {
    var note = document.getElementById("offline-note");
    if (!note) {
      note = document.createElement("p");
      note.id = "offline-note";
      note.setAttribute("role", "status");
      note.setAttribute("tabindex", "-1");
      form.parentNode.insertBefore(note, form);
    }
    note.className = "flash flash-" + kind + " offline-note";
    note.textContent = text;
    note.focus();
  }

  /* Whether our server answers at all: a phone on a network without a way out says it is
     online. A quick, cheap request, given up after a few seconds. */
  function reachable() {
    if (!navigator.onLine) {
      return Promise.resolve(false);
    }
    var controller = window.AbortController ? new AbortController() : null;
    var timer = window.setTimeout(function () {
      if (controller) {
        controller.abort();
      }
    }, PROBE_MS);
    return fetch(WORKER || location.pathname, {
      method: "HEAD",
      cache: "no-store",
      credentials: "same-origin",
      signal: controller ? controller.signal : undefined,
    })
      .then(function () {
        return true;
      })
      .catch(function () {
        return false;
      })
      .then(function (answer) {
        window.clearTimeout(timer);
        return answer;
      });
  }

  var passing = null; // the form being sent the ordinary way, after the check
  var keeping = false;

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches && form.matches("form.sign-out")) {
      signOut(event, form);
      return;
    }
    if (!form.hasAttribute || !form.hasAttribute("data-offline-form") || passing === form) {
      return;
    }
    var submitter = event.submitter || null;
    if (submitter && submitter.name === "refine") {
      // "Find" and "Add the ticked people" reload the form: without a connection they
      // cannot, and there is nothing to keep yet.
      if (!navigator.onLine) {
        event.preventDefault();
        say(form, "You are offline: searching needs a connection. Pick people from the lists below.", "info");
      }
      return;
    }
    event.preventDefault();
    if (keeping) {
      return; // a second tap while the first is being kept
    }
    keeping = true;
    reachable()
      .then(function (online) {
        if (online) {
          var key = form.querySelector("input[name=submission_key]");
          // This sending replaces what waited from the same form.
          var gone = key ? deleteItem(key.value) : Promise.resolve();
          return gone.then(function () {
            passing = form;
            if (form.requestSubmit) {
              form.requestSubmit(submitter || undefined);
            } else {
              form.submit();
            }
            passing = null;
          });
        }
        return keep(form, submitter);
      })
      .catch(function () {
        say(form, "This form could not be kept on this phone. Keep the page open and send it again when you are back online.", "error");
      })
      .then(function () {
        keeping = false;
      });
  });

  /* --- Sending what waits --------------------------------------------------------- */

  function isSignIn(url) {
    var path = new URL(url, location.href).pathname;
    return path === LOGIN || path.indexOf(LOGIN + "/") === 0;
  }

  function pathOf(url) {
    return new URL(url, location.href).pathname;
  }

  /* Who the server says is signed in, on a page it sent: a page left open since its own
     session ended must not send its user's forms under someone else's session. */
  function signedInOn(doc) {
    var mark = doc.querySelector("script[data-user]");
    return mark ? mark.getAttribute("data-user") : "";
  }

  /* One item: "sent", "sign-in", "refused" (with the reason) or "later". */
  function sendOne(item) {
    var options = { credentials: "same-origin", headers: { Accept: "text/html" } };
    return fieldsOf(item).then(function (fields) {
      return fetch(item.url, Object.assign({ cache: "no-store" }, options))
        .then(function (page) {
          if (isSignIn(page.url)) {
            return { outcome: "sign-in" };
          }
          if (!page.ok) {
            return { outcome: "later" };
          }
          return page.text().then(function (html) {
            var doc = new DOMParser().parseFromString(html, "text/html");
            if (signedInOn(doc) !== item.user) {
              return { outcome: "sign-in" };
            }
            var token =
              doc.querySelector("form[data-offline-form] input[name=csrf_token]") ||
              doc.querySelector("input[name=csrf_token]");
            if (!token) {
              return { outcome: "later" };
            }
            var body = new URLSearchParams();
            fields.forEach(function (pair) {
              body.append(pair[0], pair[1]);
            });
            body.append("csrf_token", token.value);
            return fetch(
              item.url,
              Object.assign({ method: "POST", body: body, redirect: "follow" }, options)
            ).then(function (answer) {
              if (isSignIn(answer.url)) {
                return { outcome: "sign-in" };
              }
              if (answer.ok && answer.redirected && pathOf(answer.url) !== item.url) {
                // The record it made, or the first sending's ("already saved").
                return { outcome: "sent", where: pathOf(answer.url) };
              }
              if (answer.status === 403 || answer.status === 404) {
                return {
                  outcome: "refused",
                  problem: "You may not save this form any more (the server answered " + answer.status + ").",
                };
              }
              if (answer.status === 422 || answer.status === 409) {
                return answer.text().then(function (refused) {
                  var page = new DOMParser().parseFromString(refused, "text/html");
                  var summary = page.querySelector(".error-summary");
                  return {
                    outcome: "refused",
                    problem: summary ? summary.textContent.replace(/\s+/g, " ").trim() : "The form was refused.",
                  };
                });
              }
              return { outcome: "later" };
            });
          });
        })
        .catch(function () {
          return { outcome: "later" };
        });
    });
  }

  /* The form on screen was the one just sent: say so where it said it was kept. */
  function sentHere(item, where) {
    var form = document.querySelector("form[data-offline-form]");
    var key = form && form.querySelector("input[name=submission_key]");
    var note = document.getElementById("offline-note");
    if (!key || key.value !== item.key || !note) {
      return;
    }
    note.className = "flash flash-success offline-note";
    note.textContent = "Sent: it was saved on the server. ";
    var link = document.createElement("a");
    link.href = where;
    link.textContent = "See what was saved";
    note.appendChild(link);
    // The same form sent again now would be the same record (already saved); a new one
    // starts from a fresh form.
  }

  var sending = null;
  var needsSignIn = false;
  var holdsRestricted = false;

  function sendAll() {
    if (!USER || !navigator.onLine) {
      return Promise.resolve();
    }
    if (sending) {
      return sending;
    }
    var work = function () {
      return allItems().then(function (items) {
        var waiting = mine(items).filter(function (item) {
          return !item.problem && readable(item);
        });
        var step = Promise.resolve("go");
        waiting.forEach(function (item) {
          step = step.then(function (go) {
            if (go !== "go") {
              return go;
            }
            return sendOne(item).then(function (result) {
              if (result.outcome === "sent") {
                needsSignIn = false;
                sentHere(item, result.where);
                return deleteItem(item.key).then(function () {
                  return "go";
                });
              }
              if (result.outcome === "refused") {
                item.problem = result.problem;
                return putItem(item).then(function () {
                  return "go";
                });
              }
              needsSignIn = result.outcome === "sign-in";
              return "stop"; // no connection, or no session: the rest waits too
            });
          });
        });
        return step;
      });
    };
    // One tab sends at a time (the submission key would make a second sending harmless).
    var locked =
      navigator.locks && navigator.locks.request
        ? navigator.locks.request("crm-offline-send", work)
        : work();
    sending = locked
      .catch(function () {})
      .then(function () {
        sending = null;
        return render();
      });
    return sending;
  }

  /* --- What the page shows ---------------------------------------------------------- */

  function plural(n, one, many) {
    return n + " " + (n === 1 ? one : many);
  }

  function render() {
    return allItems()
      .then(function (items) {
        var own = USER ? mine(items) : items;
        holdsRestricted = own.some(function (item) {
          return item.sealed && readable(item);
        });
        showCount(own.length);
        if (USER) {
          showPanel(own);
        } else {
          showSignInHint(own.length);
        }
      })
      .catch(function () {});
  }

  function showCount(count) {
    var holder = document.getElementById("offline-count");
    if (!holder) {
      return;
    }
    holder.hidden = count === 0;
    var text = holder.querySelector("[data-count-text]");
    if (text) {
      text.textContent = count + " waiting on this phone";
    }
  }

  function showSignInHint(count) {
    var main = document.getElementById("main");
    var hint = document.getElementById("offline-waiting");
    if (!count) {
      if (hint) {
        hint.remove();
      }
      return;
    }
    if (!hint && main) {
      hint = document.createElement("p");
      hint.id = "offline-waiting";
      hint.className = "flash flash-warning offline-waiting";
      main.insertBefore(hint, main.firstChild);
    }
    if (hint) {
      hint.textContent =
        plural(count, "form is", "forms are") +
        " waiting on this phone: sign in to send " +
        (count === 1 ? "it" : "them") +
        ".";
    }
  }

  function button(text, action, value) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "button button-secondary";
    b.textContent = text;
    b.setAttribute("data-offline-action", action);
    if (value) {
      b.value = value;
    }
    return b;
  }

  function showPanel(items) {
    var main = document.getElementById("main");
    var panel = document.getElementById("offline-waiting");
    if (!items.length) {
      if (panel) {
        panel.remove();
      }
      return;
    }
    if (!main) {
      return;
    }
    if (!panel) {
      panel = document.createElement("section");
      panel.id = "offline-waiting";
      panel.className = "notice offline-waiting";
      panel.setAttribute("aria-labelledby", "offline-waiting-title");
      panel.setAttribute("tabindex", "-1");
      main.insertBefore(panel, main.firstChild);
    }
    panel.textContent = "";
    var title = document.createElement("h2");
    title.id = "offline-waiting-title";
    title.textContent = "Waiting on this phone";
    panel.appendChild(title);
    var status = document.createElement("p");
    status.setAttribute("role", "status");
    if (needsSignIn) {
      var link = document.createElement("a");
      link.href = LOGIN + "?next=" + encodeURIComponent(location.pathname + location.search);
      link.textContent = "Sign in to send " + plural(items.length, "waiting contact", "waiting contacts");
      link.className = "offline-sign-in";
      if (items.some(function (item) { return item.sealed; })) {
        // A restricted contact lives in this page: signing in elsewhere keeps it.
        link.target = "_blank";
        link.rel = "noopener";
        link.textContent += " (opens a new tab: keep this one open)";
      }
      status.appendChild(link);
    } else if (!navigator.onLine) {
      status.textContent = "You are offline: " + plural(items.length, "form", "forms") + " will be sent when you are back online.";
    } else {
      status.textContent = plural(items.length, "form is", "forms are") + " waiting to be sent.";
    }
    panel.appendChild(status);
    var list = document.createElement("ul");
    list.className = "offline-list";
    items.forEach(function (item) {
      var li = document.createElement("li");
      var what = document.createElement("span");
      what.textContent = item.label + " (kept " + new Date(item.savedAt).toLocaleString() + ")";
      li.appendChild(what);
      if (item.sealed) {
        var note = document.createElement("span");
        note.className = "small";
        note.textContent = readable(item)
          ? " Restricted: kept only while this page stays open."
          : " Restricted: it can be read and sent only from the page where it was kept.";
        li.appendChild(note);
      }
      if (item.problem) {
        var problem = document.createElement("p");
        problem.className = "field-error";
        problem.textContent = "Not saved: " + item.problem;
        li.appendChild(problem);
        if (readable(item)) {
          li.appendChild(button("Open it to correct", "open", item.key));
        }
      }
      li.appendChild(button("Discard", "discard", item.key));
      list.appendChild(li);
    });
    panel.appendChild(list);
    if (navigator.onLine) {
      panel.appendChild(button("Send now", "send"));
    }
  }

  /* "Open it to correct": the kept fields are posted to the form the ordinary way, so the
     server shows the form filled in with its messages; from then on it is an ordinary
     form on screen, and the kept copy is deleted. */
  function openItem(key) {
    allItems().then(function (items) {
      var item = mine(items).filter(function (it) {
        return it.key === key;
      })[0];
      if (!item) {
        return;
      }
      return Promise.all([fieldsOf(item), fetch(item.url, { credentials: "same-origin", cache: "no-store" })])
        .then(function (both) {
          if (isSignIn(both[1].url)) {
            location.assign(both[1].url);
            return;
          }
          return both[1].text().then(function (html) {
            var doc = new DOMParser().parseFromString(html, "text/html");
            if (signedInOn(doc) !== item.user) {
              needsSignIn = true;
              return render();
            }
            var token = doc.querySelector("input[name=csrf_token]");
            var form = document.createElement("form");
            form.method = "post";
            form.action = item.url;
            form.hidden = true;
            both[0].concat([["csrf_token", token ? token.value : ""]]).forEach(function (pair) {
              var input = document.createElement("input");
              input.type = "hidden";
              input.name = pair[0];
              input.value = pair[1];
              form.appendChild(input);
            });
            document.body.appendChild(form);
            return deleteItem(item.key).then(function () {
              HTMLFormElement.prototype.submit.call(form);
            });
          });
        });
    });
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("[data-offline-action]") : null;
    if (!target) {
      return;
    }
    var action = target.getAttribute("data-offline-action");
    if (action === "send") {
      sendAll();
    } else if (action === "discard") {
      if (window.confirm("Discard this form? What was typed in it will be lost.")) {
        deleteItem(target.value);
      }
    } else if (action === "open") {
      openItem(target.value);
    }
  });

  /* --- Sign-out wipes the phone ------------------------------------------------------ */

  /* The offline worker's copies of the form pages (sw.js names its cache crm-offline-…).
     Where there is no CacheStorage (not a secure context) there is no worker either. */
  function forgetCopies() {
    if (!window.caches) {
      return Promise.resolve();
    }
    return caches.keys().then(function (names) {
      return Promise.all(
        names
          .filter(function (name) {
            return name.indexOf("crm-offline") === 0;
          })
          .map(function (name) {
            return caches.delete(name);
          })
      );
    });
  }

  /* The copies are the last user's: someone else signing in on this phone (after a
     session that ended without signing out) starts without them. Their waiting contacts
     stay, for their owner to send (mine() keeps each user to their own). */
  function forgetAnotherUsersCopies() {
    var last = null;
    try {
      last = window.localStorage.getItem(OWNER);
    } catch (error) {
      return forgetCopies(); // no memory of who was here: keep nothing
    }
    if (last === USER) {
      return Promise.resolve();
    }
    // The new owner is written once the copies are gone: if forgetting fails, or the page
    // is left first, the next page tries again.
    return forgetCopies().then(function () {
      try {
        window.localStorage.setItem(OWNER, USER);
      } catch (error) {
        // Not remembered: the next page forgets the copies again.
      }
    });
  }

  function wipe() {
    pageKey = null;
    try {
      window.localStorage.removeItem(OWNER);
    } catch (error) {
      // Nothing remembered.
    }
    var store = inStore("readwrite", function (s) {
      return s.clear();
    });
    if (channel) {
      channel.postMessage({ type: "wiped" });
    }
    return Promise.all([store, forgetCopies()]);
  }

  function signOut(event, form) {
    if (form.getAttribute("data-wiped") === "yes") {
      return;
    }
    event.preventDefault();
    var limit = new Promise(function (resolve) {
      window.setTimeout(resolve, 2000);
    });
    Promise.race([wipe().catch(function () {}), limit]).then(function () {
      form.setAttribute("data-wiped", "yes");
      HTMLFormElement.prototype.submit.call(form);
    });
  }

  /* --- Starting ---------------------------------------------------------------------- */

  var form = document.querySelector("form[data-offline-form]");
  if (form && form.getAttribute("data-offline-form") === "copy") {
    // The page came from the phone's copy (sw.js): it needs a key of its own, or two
    // contacts logged from the same copy would look like one form sent twice.
    var key = form.querySelector("input[name=submission_key]");
    if (key) {
      key.value = randomKey(24);
    }
    say(form, "You are offline: this form was kept on this phone. What you save is kept here and sent when you are back online.", "info");
  }

  window.addEventListener("beforeunload", function (event) {
    if (holdsRestricted) {
      // A restricted contact waiting here dies with the page: the browser asks first.
      event.preventDefault();
      event.returnValue = "";
    }
  });

  if (channel) {
    channel.onmessage = function (event) {
      var type = event.data && event.data.type;
      if (type === "who-holds") {
        if (pageKey !== null) {
          channel.postMessage({ type: "holding", keyId: PAGE_KEY_ID });
        }
        return;
      }
      if (type === "holding") {
        return;
      }
      if (type === "wiped") {
        pageKey = null;
      }
      if (type === "signed-in") {
        sendAll();
      } else {
        render();
      }
    };
    if (USER) {
      channel.postMessage({ type: "signed-in" });
    }
  }
  window.addEventListener("online", function () {
    sendAll();
  });
  window.addEventListener("offline", function () {
    render();
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      sendAll();
    }
  });

  if (USER && WORKER && navigator.serviceWorker) {
    forgetAnotherUsersCopies()
      .catch(function () {})
      .then(function () {
        return navigator.serviceWorker.register(WORKER, { scope: "/" });
      })
      .catch(function () {});
  }
  // Restricted items whose page has closed cannot be read by anyone: they go.
  render()
    .then(forgetUnreadable)
    .then(render)
    .then(sendAll);

  function forgetUnreadable() {
    if (!channel) {
      return Promise.resolve();
    }
    // Other open pages say which restricted contacts they hold; the rest are lost.
    var held = {};
    channel.addEventListener("message", function (event) {
      if (event.data && event.data.type === "holding") {
        held[event.data.keyId] = true;
      }
    });
    channel.postMessage({ type: "who-holds" });
    return new Promise(function (resolve) {
      window.setTimeout(resolve, 300);
    })
      .then(allItems)
      .then(function (items) {
        var lost = items.filter(function (item) {
          return item.sealed && !held[item.keyId] && item.keyId !== PAGE_KEY_ID;
        });
        return Promise.all(
          lost.map(function (item) {
            return deleteItem(item.key);
          })
        );
      })
      .catch(function () {});
  }
})();
