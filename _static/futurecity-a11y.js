/* Fixes to the theme's pages for readers of assistive technology and of narrow screens (WCAG 2.1 AA; checked with
 * axe-core in tests/test_a11y.py, and tests/test_table_words.py for the line breaks).
 *
 * - A control is named by the words it shows: the search button ("Search Ctrl+K", not a hidden "Search") and
 *   the code cells' toggles ("Show code cell source", not "Toggle hidden content"), so that a reader who speaks
 *   the visible words to voice control reaches them.
 * - The bibliography is a list of list items (the theme gives its entries the deprecated role doc-biblioentry,
 *   which is no list item).
 * - A URL, path or file name in a table or definition list may break after a slash and before a dot or an underscore
 *   (as a typesetter breaks it), never in the middle of one of its words.
 * - A table wider than its column (between a phone's cards and a laptop's wide layout) scrolls sideways in its
 *   own box: that box is then a named region the keyboard can reach and scroll.
 */
(function () {
  'use strict';

  function nameByVisibleText(root) {
    root.querySelectorAll('.search-button-field[aria-label], summary[aria-label]').forEach(function (el) {
      var shown = (el.innerText || '').replace(/\s+/g, ' ').trim();
      var name = el.getAttribute('aria-label') || '';
      if (shown && name.toLowerCase().indexOf(shown.toLowerCase()) === -1) el.removeAttribute('aria-label');
    });
  }

  function listBibliography(root) {
    root.querySelectorAll('[role="list"] > [role="doc-biblioentry"]').forEach(function (el) {
      el.setAttribute('role', 'listitem');
    });
  }

  var URLISH = /^(https?:\/\/|[\w.-]+\/)\S+$|^\S*[_\/]\S*$/;
  // after slashes; before a dot, an underscore, a query's characters or a %-escape
  var BREAK = /(\/+)(?=[^\/])|(?=[._?&=#%](?=\w))/g;

  function breakable(text) {
    var parts = [], last = 0;
    text.replace(BREAK, function (match, slashes, offset) {
      var at = offset + match.length;
      if (at > last && at < text.length) { parts.push(text.slice(last, at)); last = at; }
      return match;
    });
    parts.push(text.slice(last));
    return parts;
  }

  function addLineBreaks(root) {
    root.querySelectorAll('td, th, dd').forEach(function (el) {
      if (el.__fcBreaks) return;
      el.__fcBreaks = true;
      var walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT), nodes = [];
      for (var n = walker.nextNode(); n; n = walker.nextNode()) nodes.push(n);
      nodes.forEach(function (node) {
        var words = node.data.split(/(\s+)/);
        if (!words.some(function (w) { return w.length > 12 && URLISH.test(w); })) return;
        var frag = document.createDocumentFragment();
        words.forEach(function (w) {
          if (w.length > 12 && URLISH.test(w)) {
            breakable(w).forEach(function (part, i) {
              if (i) frag.appendChild(document.createElement('wbr'));
              frag.appendChild(document.createTextNode(part));
            });
          } else {
            frag.appendChild(document.createTextNode(w));
          }
        });
        node.parentNode.replaceChild(frag, node);
      });
    });
  }

  function scrollableTables(root) {
    root.querySelectorAll('.fc-table-wrap').forEach(function (wrap) {
      var caption = wrap.querySelector('caption');
      if (wrap.scrollWidth > wrap.clientWidth + 1) {
        wrap.setAttribute('tabindex', '0');
        wrap.setAttribute('role', 'region');
        wrap.setAttribute('aria-label', caption ? caption.textContent.trim() : 'Table');
      } else if (wrap.getAttribute('role') === 'region') {
        ['tabindex', 'role', 'aria-label'].forEach(function (a) { wrap.removeAttribute(a); });
      }
    });
  }

  function fix() {
    nameByVisibleText(document);
    listBibliography(document);
    addLineBreaks(document);
    scrollableTables(document);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', fix);
  else fix();
  window.addEventListener('load', fix);
  var timer = null;
  window.addEventListener('resize', function () {
    clearTimeout(timer);
    timer = setTimeout(function () { scrollableTables(document); }, 150);
  });
})();
