// Added before a chapter page's own scripts (benchmarks/embed.py, tests/test_embed_once.py): wraps vegaEmbed,
// vega.View and vegaLite.compile as the vendored scripts define them, counting each call (per chart element too),
// and notes when the first chart is embedded and when every chart's data-fitted attribute matches its column.
(() => {
  const t = window.__fcBench = {first: null, done: null, embeds: 0, views: 0, compiles: 0};
  const fitted = () => { const charts = document.querySelectorAll('.fc-chart');
    return charts.length > 0 && Array.from(charts).every(el => el.querySelector('svg')
      && el.getAttribute('data-fitted') === String(el.clientWidth)); };
  new MutationObserver(() => { if (fitted()) t.done = performance.now(); })
    .observe(document, {subtree: true, attributes: true, attributeFilter: ['data-fitted']});
  let embed;
  Object.defineProperty(window, 'vegaEmbed', {configurable: true, get: () => embed, set: real => {
    embed = Object.assign(function (el, ...rest) {
      if (t.first === null) t.first = performance.now();
      t.embeds++;
      if (el && el.nodeType === 1) el.__fcEmbeds = (el.__fcEmbeds || 0) + 1;
      return real.call(this, el, ...rest);
    }, real);
    const View = window.vega.View;
    window.vega.View = class extends View { constructor(...a) { super(...a); t.views++; } };
    const compile = window.vegaLite.compile;
    window.vegaLite.compile = function (...a) { t.compiles++; return compile.apply(this, a); };
  }});
})();
