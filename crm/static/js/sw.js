/* The offline worker: it lets the contact and event forms open without a connection.
 *
 * Served as /sw.js (crm/web.py) so that its scope is the whole site, and registered by
 * offline.js. It answers only:
 * - our static files (CSS, scripts, the icon): from the network, else from its cache;
 * - opening the new-contact and new-event forms (/states/XX/interactions/new and
 *   /states/XX/events/new): from the network, keeping a copy of each form as opened
 *   without a query (nobody chosen in it), and that copy when there is no connection.
 * Every other request (other pages, the API, every POST) goes to the network untouched and
 * is never kept: pages hold personal and restricted data, and the server marks them
 * no-store. The form pages are the exception, and they hold no restricted content (the
 * lists of representatives and colleagues any signed-in member may read).
 * offline.js empties the cache at sign-out, and when another user signs in on the phone:
 * the copies are one user's, and another may not be allowed to read that state.
 * What is waiting to be sent is not kept here: offline.js keeps it (IndexedDB).
 */
"use strict";

var CACHE = "crm-offline-v1";
var SHELL = ["/static/css/app.css", "/static/js/offline.js", "/static/js/picker.js", "/static/img/favicon.svg"];
var FORM_PAGE = /^\/states\/[A-Za-z]{2}\/(interactions|events)\/new$/;

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches
      .open(CACHE)
      .then(function (cache) {
        return cache.addAll(SHELL);
      })
      .catch(function () {
        // A shell not fetched now is fetched (and kept) at the next page load.
      })
      .then(function () {
        return self.skipWaiting();
      })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches
      .keys()
      .then(function (names) {
        return Promise.all(
          names
            .filter(function (name) {
              return name !== CACHE;
            })
            .map(function (name) {
              return caches.delete(name);
            })
        );
      })
      .then(function () {
        return self.clients.claim();
      })
  );
});

/* A form page from the cache is marked as the phone's copy: offline.js then gives it a
   submission key of its own (two contacts logged from one copy are two contacts). */
function copyOfForm(kept) {
  return kept.text().then(function (html) {
    return new Response(html.replace('data-offline-form="live"', 'data-offline-form="copy"'), {
      status: kept.status,
      statusText: kept.statusText,
      headers: kept.headers,
    });
  });
}

/* From the network, keeping a good answer under `key`; from the cache without a network
   (passed through `fromCache` when given). */
function networkFirst(request, key, fromCache, keep) {
  return fetch(request)
    .then(function (response) {
      if (keep(response)) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) {
          return cache.put(key, copy);
        });
      }
      return response;
    })
    .catch(function (error) {
      return caches.match(key).then(function (kept) {
        if (kept) {
          return fromCache ? fromCache(kept) : kept;
        }
        throw error;
      });
    });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") {
    return;
  }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(
      networkFirst(request, url.origin + url.pathname, null, function (response) {
        return response.ok && response.type === "basic";
      })
    );
    return;
  }
  if (request.mode === "navigate" && FORM_PAGE.test(url.pathname)) {
    // One copy per form, kept from the form opened bare: a form opened from a
    // representative's page names that person, and its copy would offer them again
    // offline when someone else is being logged.
    var key = url.origin + url.pathname;
    var bare = url.search === "";
    event.respondWith(
      networkFirst(request, key, copyOfForm, function (response) {
        return bare && isTheForm(response, url.pathname);
      })
    );
    if (!bare) {
      event.waitUntil(keepBareCopy(key, url.pathname));
    }
  }
});

/* A form page itself: not a sign-in page it was redirected to, not an error page. */
function isTheForm(response, pathname) {
  return (
    response.ok &&
    response.type === "basic" &&
    !response.redirected &&
    new URL(response.url).pathname === pathname
  );
}

/* The bare form, fetched once so that a form first opened from a representative's page
   also opens offline. */
function keepBareCopy(key, pathname) {
  return caches
    .open(CACHE)
    .then(function (cache) {
      return cache.match(key).then(function (kept) {
        if (kept) {
          return null;
        }
        return fetch(key, { credentials: "same-origin" }).then(function (response) {
          return isTheForm(response, pathname) ? cache.put(key, response) : null;
        });
      });
    })
    .catch(function () {
      // No connection or no room: the next visit tries again.
    });
}
