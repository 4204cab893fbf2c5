/* The book's charts at the width of their column, each drawn once.
 *
 * futurecityEmbed(el, spec, options) compiles a Vega-Lite spec once, with its title wrapped into lines that leave
 * room for the chart's menu button, and draws it once with the vendored vega-embed into `el` (a block as wide as
 * its figure's column). It then sizes the live view to that width through its width signals: every view with a
 * numeric width grows or shrinks by the same number of pixels until the whole SVG (axes, legends, badge lines
 * included) is exactly as wide as the column, between MIN_PLOT and MAX_PLOT pixels of plot. When the column
 * changes width (a phone turned sideways, a sidebar opened) the same view is re-fitted, its title re-wrapped, so
 * the reader's control settings stay as they were.
 */
(function () {
  'use strict';

  var MENU = 40;        // room the menu button takes at the top right of a chart
  var MIN_PLOT = 80;    // no plot is drawn narrower than this
  var MAX_PLOT = 900;   // nor wider than this
  var PASSES = 8;       // re-fits of the live view after the drawing (the axes' own widths settle in one or two; a
                        // badge line or legend wider than the plots takes a few more before the plots pass it)
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

  // The menu button is named after the chart (vega-embed gives it only a title); its icon is decoration.
  function labelMenu(el, options) {
    var summary = el.querySelector('summary');
    var name = options && options.i18n && options.i18n.CLICK_TO_VIEW_ACTIONS;
    if (!summary || !name) return;
    summary.setAttribute('aria-label', name);
    var icon = summary.querySelector('svg');
    if (icon) icon.setAttribute('aria-hidden', 'true');
  }

  // The chart for a screen reader: a figure named by its title and description, its drawing one image named by
  // the title and described by the caption (description, sources and the link to the CSV of what it draws). The
  // marks, axes and legends inside are hidden from the accessibility tree: the CSV holds their numbers. Vega
  // names the chart's element after the spec's description when it draws; this runs after every drawing.
  function textOf(title) {
    if (!title) return '';
    var text = typeof title === 'object' && !Array.isArray(title) ? title.text : title;
    return (Array.isArray(text) ? text.join(' ') : String(text || '')).replace(/\s+/g, ' ').trim();
  }

  function describe(el, spec) {
    var title = textOf(spec.title), description = String(spec.description || '').trim();
    var name = title && description ? title + (/[.!?:]$/.test(title) ? ' ' : '. ') + description
      : title || description;
    el.setAttribute('role', 'figure');
    el.removeAttribute('aria-roledescription');
    if (name) el.setAttribute('aria-label', name);
    var svg = el.querySelector('svg.marks') || el.querySelector('svg');
    if (!svg) return;
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', title || description);
    var caption = el.parentElement && el.parentElement.querySelector('figcaption');
    if (caption) {
      if (!caption.id) caption.id = el.id + '-caption';
      svg.setAttribute('aria-describedby', caption.id);
    }
    Array.prototype.forEach.call(svg.children, function (child) {
      if (child.tagName.toLowerCase() === 'g') child.setAttribute('aria-hidden', 'true');
    });
  }

  function svgWidth(el) {
    var svg = el.querySelector('svg');
    return svg ? svg.getBoundingClientRect().width : 0;
  }

  // Marks each sized view's width with its own binary fraction, so that every view keeps a width signal of its own
  // in the compiled Vega spec (Vega-Lite merges equal widths into one) and each signal is found by its value.
  function tagWidths(spec, widths) {
    sizedViews(spec, 1, []).forEach(function (v, i) { v.view.width = widths[i] + (i + 1) / 1024; });
  }

  // The compiled spec's width signals, one per sized view in sizedViews order (null where none was found), each
  // set back to its whole number of pixels.
  function widthSignals(vg, widths) {
    var names = widths.map(function () { return null; });
    function claim(value, name) {
      for (var i = 0; i < widths.length; i++) {
        if (names[i] === null && value === widths[i] + (i + 1) / 1024) { names[i] = name; return widths[i]; }
      }
      return value;
    }
    if (typeof vg.width === 'number') vg.width = claim(vg.width, 'width');
    (vg.signals || []).forEach(function (sig) {
      if (typeof sig.value === 'number' && /(^|_)width$/.test(sig.name)) sig.value = claim(sig.value, sig.name);
    });
    return names;
  }

  // The compiled title's text and subtitle as signals, so that a new column width re-wraps them on the live view.
  function titleSignals(vg) {
    var title = vg.title, names = {};
    if (!title || typeof title !== 'object') return names;
    vg.signals = vg.signals || [];
    [['text', 'fc_title_text'], ['subtitle', 'fc_title_subtitle']].forEach(function (pair) {
      var value = title[pair[0]];
      if (value === undefined || (value && value.signal)) return;
      vg.signals.push({name: pair[1], value: value});
      title[pair[0]] = {signal: pair[1]};
      names[pair[0]] = pair[1];
    });
    return names;
  }

  // The column's width, for the layouts that change on narrow columns (claim badges on two lines)
  function setColumnWidth(s, avail) {
    (s.params || []).forEach(function (p) { if (p.name === 'fc_width') p.value = Math.round(avail); });
  }

  function hasSignal(view, name) {
    try { view.signal(name); return true; } catch (e) { return false; }
  }

  // Draws the chart once: the spec is compiled once with the widths and title lines of the column it opens in,
  // embedded once, then fitted (and later re-fitted) by setting the live view's width and title signals.
  function futurecityEmbed(el, spec, options) {
    var figure = el.parentElement;
    var base = sizedViews(spec, 1, []).map(function (v) { return v.view.width; });
    var view = null, names = [], titles = {}, delta = 0, lastWidth = -1, busy = Promise.resolve();

    function widthsFor(d) {
      var clamped = false;
      var widths = sizedViews(spec, 1, []).map(function (v, i) {
        var w = Math.round(base[i] + d * v.share);
        if (w < MIN_PLOT || w > MAX_PLOT) clamped = true;
        return Math.max(MIN_PLOT, Math.min(MAX_PLOT, w));
      });
      return {widths: widths, clamped: clamped};
    }

    function titleLines(avail) {
      var s = {title: copy(spec.title), config: spec.config};
      wrapTitle(s, Math.max(MIN_PLOT, avail - MENU));
      return s.title;
    }

    function embed(avail) {
      var s = copy(spec), fit = widthsFor(delta);
      wrapTitle(s, Math.max(MIN_PLOT, avail - MENU));
      tagWidths(s, fit.widths);
      setColumnWidth(s, avail);
      var vg = vegaLite.compile(s).spec;
      names = widthSignals(vg, fit.widths);
      titles = titleSignals(vg);
      var opts = {};
      Object.keys(options || {}).forEach(function (k) { opts[k] = options[k]; });
      opts.mode = 'vega';
      return vegaEmbed(el, vg, opts).then(function (result) {
        view = result.view;
        el.__view = result.view;  // the drawn view and its Vega spec, for tests that read its marks' data
        el.__vgSpec = result.vgSpec;
        labelMenu(el, options);
        describe(el, spec);
        return fit.clamped;
      });
    }

    function resize(avail) {
      var fit = widthsFor(delta);
      names.forEach(function (name, i) { if (name) view.signal(name, fit.widths[i]); });
      if (hasSignal(view, 'fc_width')) view.signal('fc_width', Math.round(avail));
      view.resize();  // autosize runs once by itself: ask for it again, so the SVG takes the new widths
      return view.runAsync().then(function () { return fit.clamped; });
    }

    function retitle(avail) {
      var title = titleLines(avail);
      if (!title || typeof title !== 'object') return;
      if (titles.text) view.signal(titles.text, title.text);
      if (titles.subtitle && title.subtitle !== undefined) view.signal(titles.subtitle, title.subtitle);
    }

    function fit() {
      var avail = el.clientWidth;
      if (!avail || Math.abs(avail - lastWidth) < 1) return busy;
      lastWidth = avail;
      var pass = 0;
      function step(clamped) {
        var over = svgWidth(el) - avail;  // fitted: no wider than the column, less than a pixel narrower
        if (pass++ >= PASSES || (over <= 0 && over > -1) || (clamped && over < 0)) {
          describe(el, spec);
          el.setAttribute('data-fitted', String(avail));
          return view;
        }
        delta -= Math.ceil(over);  // whole pixels, rounded so that the chart never ends past the column
        return resize(avail).then(step);
      }
      busy = busy.then(function () {
        if (!view) return embed(avail).then(step);
        retitle(avail);
        return resize(avail).then(step);
      });
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
