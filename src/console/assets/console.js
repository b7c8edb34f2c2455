// codeQ console: refreshes the parts of a page marked data-live from the server's own
// rendering of the same page, at most once a second, while the tab is visible. Nothing
// else runs here: every page works without this script.
(function () {
  'use strict';
  var seconds = Number(document.body.getAttribute('data-refresh'));
  if (!(seconds >= 1)) return;

  function busy() {
    var active = document.activeElement;
    if (
      active &&
      (active.tagName === 'INPUT' || active.tagName === 'TEXTAREA' || active.tagName === 'SELECT')
    )
      return true;
    // Keep a selection of dead tasks the user is making.
    return document.querySelector('input[type=checkbox]:checked') !== null;
  }

  function refresh() {
    if (document.hidden || busy()) return schedule();
    fetch(location.href, { credentials: 'same-origin' })
      .then(function (res) {
        if (res.redirected && new URL(res.url).pathname === '/login') {
          location.assign('/login');
          return null;
        }
        return res.ok ? res.text() : null;
      })
      .then(function (text) {
        if (text) apply(new DOMParser().parseFromString(text, 'text/html'));
      })
      .catch(function () {
        // server away: try again at the next tick
      })
      .then(schedule);
  }

  function apply(doc) {
    document.querySelectorAll('[data-live]').forEach(function (el) {
      var fresh = doc.querySelector('[data-live="' + el.getAttribute('data-live') + '"]');
      if (!fresh) return;
      var open = [];
      el.querySelectorAll('details').forEach(function (d, i) {
        if (d.open) open.push(i);
      });
      var copy = document.importNode(fresh, true);
      copy.querySelectorAll('details').forEach(function (d, i) {
        d.open = open.indexOf(i) >= 0;
      });
      el.replaceWith(copy);
    });
  }

  function schedule() {
    setTimeout(refresh, seconds * 1000);
  }

  schedule();
})();
