/* The book's charts at the width of their column.
 *
 * futurecityEmbed(el, spec, options) draws a Vega-Lite spec with the vendored vega-embed into `el` (a block as
 * wide as its figure's column), then sizes it to that width: every view with a numeric width grows or shrinks by the same number of pixels until
 * the whole SVG (axes, legends, badge lines included) is exactly as wide as the column, between MIN_PLOT and
 * MAX_PLOT pixels of plot. Titles are wrapped into lines that leave room for the chart's menu button. The
 * chart is drawn again when its column changes width (a phone turned sideways, a sidebar opened), keeping the
 * reader's control settings.
 */
(function () {
  'use strict';

  var MENU = 40;        // room the menu button takes at the top right of a chart
  var MIN_PLOT = 80;    // no plot is drawn narrower than this
  var MAX_PLOT = 900;   // nor wider than this
  var PASSES = 3;       // re-fits after the first drawing (the axes' own widths settle in one or two)
  var measure = document.createElement('canvas').getContext('2d');

  function copy(x) { return JSON.parse(JSON.stringify(x)); }

  // Every view that has a numeric width, with the share of a width change it takes (views side by side share it).
  function sizedViews(spec, share, out) {
    if (!spec || typeof spec !== 'object') return out;
    if (typeof spec.width === 'number') out.push({view: spec, share: share});
    (spec.hconcat || []).forEach(function (s) { sizedViews(s, share / spec.hconcat.length, out); });
    ['vconcat', 'layer'].forEach(function (k) { (spec[k] || []).forEach(function (s) { sizedViews(s, share, out); }); });
    if (spec.concat) {
      var columns = spec.columns || spec.concat.length;
      spec.concat.forEach(function (s) { sizedViews(s, share / Math.max(1, columns), out); });
    }
    if (spec.spec) sizedViews(spec.spec, share, out);
    return out;
  }

  function setWidths(spec, base, delta) {
    var views = sizedViews(spec, 1, []), clamped = false;
    views.forEach(function (v, i) {
      var w = Math.round(base[i] + delta * v.share);
      if (w < MIN_PLOT || w > MAX_PLOT) clamped = true;
      v.view.width = Math.max(MIN_PLOT, Math.min(MAX_PLOT, w));
    });
    return clamped;
  }

  // A title's words in lines no wider than `width` pixels in the title's font.
  function wrap(text, font, width) {
    if (Array.isArray(text)) return text;
    measure.font = font;
    var lines = [], line = '';
    String(text).split(/\s+/).forEach(function (word) {
      var next = line ? line + ' ' + word : word;
      if (line && measure.measureText(next).width > width) { lines.push(line); line = word; } else { line = next; }
    });
    if (line) lines.push(line);
    return lines.length === 1 ? lines[0] : lines;
  }

  function wrapTitle(spec, width) {
    var config = spec.config || {}, tc = config.title || {};
    var family = tc.font || config.font || 'sans-serif';
    var title = spec.title;
    if (!title) return;
    if (typeof title === 'string') title = spec.title = {text: title};
    title.text = wrap(title.text, (tc.fontWeight || 'bold') + ' ' + (tc.fontSize || 13) + 'px ' + family, width);
    if (title.subtitle) {
      title.subtitle = wrap(title.subtitle, (tc.subtitleFontSize || 10) + 'px ' + family, width);
    }
  }

  // The current values of the chart's variable parameters (its controls), to carry over to a new drawing.
  function controlValues(spec, view) {
    var values = {};
    (spec.params || []).forEach(function (p) {
      if (!p.select) { try { values[p.name] = view.signal(p.name); } catch (e) { /* not a signal here */ } }
    });
    return values;
  }

  // The menu button is named after the chart (vega-embed gives it only a title); its icon is decoration.
  function labelMenu(el, options) {
    var summary = el.querySelector('summary');
    var name = options && options.i18n && options.i18n.CLICK_TO_VIEW_ACTIONS;
    if (!summary || !name) return;
    summary.setAttribute('aria-label', name);
    var icon = summary.querySelector('svg');
    if (icon) icon.setAttribute('aria-hidden', 'true');
  }

  function svgWidth(el) {
    var svg = el.querySelector('svg');
    return svg ? svg.getBoundingClientRect().width : 0;
  }

  function futurecityEmbed(el, spec, options) {
    var figure = el.parentElement;
    var base = sizedViews(spec, 1, []).map(function (v) { return v.view.width; });
    var current = null, delta = 0, lastWidth = -1, values = {}, busy = Promise.resolve();

    function draw(avail) {
      var s = copy(spec);
      (s.params || []).forEach(function (p) { if (p.name in values) p.value = values[p.name]; });
      wrapTitle(s, Math.max(MIN_PLOT, avail - MENU));
      var clamped = setWidths(s, base, delta);
      if (current) { values = controlValues(spec, current.view); current.finalize(); }
      (s.params || []).forEach(function (p) { if (p.name in values) p.value = values[p.name]; });
      // the column's width, for the layouts that change on narrow columns (claim badges on two lines)
      (s.params || []).forEach(function (p) { if (p.name === 'fc_width') p.value = Math.round(avail); });
      return vegaEmbed(el, s, options).then(function (result) {
        current = result;
        el.__view = result.view;  // the drawn view and its Vega spec, for tests that read its marks' data
        el.__vgSpec = result.vgSpec;
        labelMenu(el, options);
        return clamped;
      });
    }

    function fit() {
      var avail = el.clientWidth;
      if (!avail || Math.abs(avail - lastWidth) < 1) return busy;
      lastWidth = avail;
      var pass = 0;
      function step(clamped) {
        var over = svgWidth(el) - avail;
        if (pass++ >= PASSES || Math.abs(over) < 1 || (clamped && over < 0)) {
          el.setAttribute('data-fitted', String(avail));
          return current;
        }
        delta -= over;
        return draw(avail).then(step);
      }
      busy = busy.then(function () { return draw(avail).then(step); });
      return busy;
    }

    var first = fit();
    if (typeof ResizeObserver !== 'undefined') {
      var timer = null;
      new ResizeObserver(function () {
        clearTimeout(timer);
        timer = setTimeout(function () {
          if (el.clientWidth !== lastWidth) { lastWidth = -1; fit(); }
        }, 150);
      }).observe(figure);
    }
    return first;
  }

  window.futurecityEmbed = futurecityEmbed;
})();
