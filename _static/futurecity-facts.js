/* The popovers of the numbers the prose quotes (span.fc-fact, written by futurecity.site.facts; shown by
 * futurecity.css on hover and focus). This script keeps each popover inside the article's column and the window
 * (narrowed to fit, shifted left at the right edge, above its number when there is more room there) and lets
 * Escape hide whichever is open, until the reader's pointer or focus comes back to the number.
 *
 * On the search page it also makes each result's snippet from the page's prose: Sphinx takes the text of the
 * whole main column, with the page's buttons ("... .ipynb .pdf"), its contents list and every popover glued to
 * its number; here only the article is read, without popovers, headings' "#" links, code or the source lines of
 * chart captions (each on the Data page), and table cells, list items and paragraphs are kept apart by a space.
 */
(function () {
  'use strict';

  var MARGIN = 8;  // pixels kept between a popover and the window's edges

  function place(fact) {
    var tip = fact.querySelector(':scope > .fc-fact-tip');
    if (!tip) return;
    tip.style.left = '0px';
    tip.style.maxWidth = '';
    fact.classList.remove('fc-fact-above');
    var lo = MARGIN, hi = document.documentElement.clientWidth - MARGIN, article = fact.closest('.bd-article');
    if (article) {  // clear of the side columns
      var column = article.getBoundingClientRect();
      lo = Math.max(lo, column.left);
      hi = Math.min(hi, column.right);
    }
    if (tip.offsetWidth > hi - lo) tip.style.maxWidth = (hi - lo) + 'px';
    var box = fact.getBoundingClientRect(), width = tip.offsetWidth, height = tip.offsetHeight;
    var left = Math.max(lo, Math.min(box.left, hi - width));
    tip.style.left = (left - box.left) + 'px';
    var below = window.innerHeight - box.bottom, above = box.top;
    if (height > below - MARGIN && above > below) fact.classList.add('fc-fact-above');
  }

  function open(event) {
    var fact = event.target.closest && event.target.closest('.fc-fact');
    if (!fact) return;
    if (event.type === 'focusin' || !fact.contains(event.relatedTarget)) {
      fact.classList.remove('fc-fact-closed');
      place(fact);
    }
  }

  var LEFT_OUT = '.fc-fact-tip, .headerlink, script, style, .cell_input, .bd-toc, .prev-next-area, figure .vega-embed, ' +
    '.fc-sources, .fc-data-link';  // a chart's caption keeps its description, not its source lines
  var APART = 'p, li, td, th, dt, dd, h1, h2, h3, h4, h5, h6, caption, figcaption, summary, br';

  function prose(htmlString, anchor) {
    var doc = new DOMParser().parseFromString(htmlString, 'text/html');
    var main = doc.querySelector('[role="main"] article.bd-article') || doc.querySelector('[role="main"]');
    if (!main) return '';
    var root = (anchor && main.querySelector(anchor)) || main;
    root.querySelectorAll(LEFT_OUT).forEach(function (el) { el.remove(); });
    root.querySelectorAll(APART).forEach(function (el) { el.after(doc.createTextNode(' ')); });
    return root.textContent.replace(/\s+/g, ' ');
  }

  document.addEventListener('DOMContentLoaded', function () {
    if (typeof Search !== 'undefined' && Search.htmlToText) Search.htmlToText = prose;  // eslint-disable-line no-undef
  });

  document.addEventListener('focusin', open);
  document.addEventListener('mouseover', open);
  document.addEventListener('keydown', function (event) {
    if (event.key !== 'Escape') return;
    document.querySelectorAll('.fc-fact:hover, .fc-fact:focus-within').forEach(function (fact) {
      fact.classList.add('fc-fact-closed');
    });
  });
})();
