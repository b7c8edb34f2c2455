// codeQ console: refreshes the parts of a page marked data-live from the server's own
// rendering of the same page, at most once a second, while the tab is visible. Nothing
// else runs here: every page works without this script.
(function () {
  'use strict';
  // An action's note (?done=…) is shown once: taken out of the address, a reload does not repeat it.
  var here = new URL(location.href);
  if (here.searchParams.has('done')) {
    ['done', 'n', 'shown'].forEach(function (name) {
      here.searchParams.delete(name);
    });
    history.replaceState(history.state, '', here.pathname + here.search + here.hash);
  }
  var seconds = Number(document.body.getAttribute('data-refresh'));
  if (!(seconds >= 1)) return;
  // An error page (the store unavailable) has nothing live: it loads again once its URL answers.
  var reload = document.body.hasAttribute('data-reload');
  // What the page shows is as of this time: a failed refresh says since when.
  var updated = new Date();

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
        return res.text().then(function (text) {
          var doc = new DOMParser().parseFromString(text, 'text/html');
          if (!res.ok) {
            var error = doc.querySelector('[data-error]');
            return stale(error ? error.textContent.trim() : 'the server answered ' + res.status);
          }
          if (reload) return location.reload();
          apply(doc);
          fresh();
        });
      })
      .catch(function () {
        stale('the server did not answer');
      })
      .then(schedule);
  }

  // A banner above the page while refreshes fail: the figures below are not live any more.
  function stale(why) {
    if (reload) return;
    var banner = document.getElementById('stale');
    if (!banner) {
      banner = document.createElement('p');
      banner.id = 'stale';
      banner.className = 'stale';
      banner.setAttribute('role', 'alert');
      document.body.insertBefore(banner, document.querySelector('main'));
    }
    var text = 'Not updated since ' + updated.toTimeString().slice(0, 8) + ': ' + why + '; retrying';
    if (banner.textContent !== text) banner.textContent = text;
  }

  function fresh() {
    updated = new Date();
    var banner = document.getElementById('stale');
    if (banner) banner.remove();
  }

  function apply(doc) {
    document.querySelectorAll('[data-live]').forEach(function (el) {
      var fresh = doc.querySelector('[data-live="' + el.getAttribute('data-live') + '"]');
      if (!fresh) return;
      var open = [];
      el.querySelectorAll('details').forEach(function (d, i) {
        if (d.open) open.push(which(d, i));
      });
      var active = document.activeElement;
      var focused = active !== el && el.contains(active) ? active : null;
      var copy = document.importNode(fresh, true);
      copy.querySelectorAll('details').forEach(function (d, i) {
        d.open = open.indexOf(which(d, i)) >= 0;
      });
      el.replaceWith(copy);
      // Keyboard users keep their place: the new copy of the focused link or button takes the focus.
      var same = focused && counterpart(el, focused, copy);
      if (same) same.focus({ preventScroll: true });
    });
  }

  // Which panel a <details> is across refreshes: its data-key when it has one (a list that
  // reorders keeps the same item open), else its position.
  function which(d, i) {
    return d.hasAttribute('data-key') ? 'key ' + d.getAttribute('data-key') : i;
  }

  // The element of `copy` that stands for `old`, inside `root`: same id, else the same
  // place (child indexes from the root) holding the same kind and link, else the same link.
  function counterpart(root, old, copy) {
    var byId = old.id && copy.querySelector('#' + CSS.escape(old.id));
    if (byId) return byId;
    var path = [];
    for (var el = old; el !== root; el = el.parentElement)
      path.unshift(Array.prototype.indexOf.call(el.parentElement.children, el));
    var at = copy;
    for (var i = 0; at && i < path.length; i++) at = at.children[path[i]];
    var href = old.getAttribute('href');
    if (at && at.tagName === old.tagName && at.getAttribute('href') === href) return at;
    return href === null ? null : copy.querySelector('[href="' + CSS.escape(href) + '"]');
  }

  function schedule() {
    setTimeout(refresh, seconds * 1000);
  }

  schedule();
})();
