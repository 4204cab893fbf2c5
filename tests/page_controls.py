"""A chart's controls moved in Chromium through the page's own inputs, one after another, as a reader moves them.

:func:`moved_on_page` opens a chapter page of the built book, finds the chart whose bound inputs carry the
settings' names, and for each step sets the inputs it names as a reader would (a range input's value with an
``input`` event, a radio clicked, a select's option chosen with a ``change`` event), waits until the view's
signals hold the values and its dataflow has run, then reads every named mark of the live view (``el.__view``, set
by ``_static/futurecity-charts.js``) with the same scenegraph walk as ``vega_eval`` (so the parity tests' checks
apply unchanged). It also reads what the reader sees: the text of every drawn SVG text item of each named text
mark must equal the scenegraph's text (a view whose marks are right but whose SVG is stale fails).
"""

from __future__ import annotations

import json

import pytest

from vega_eval import WALK_JS, over_grid, reader_path

READ_JS = "(el) => { " + WALK_JS + """
  const found = {}, texts = [];
  walk(el.__view.scenegraph().root, found, texts);
  // what the SVG shows: the text of each named text mark's drawn items, in scenegraph order
  const drawn = {};
  el.querySelectorAll('svg g.mark-text.role-mark').forEach(g => {
    const name = Array.from(g.classList).find(c => !c.startsWith('mark-') && !c.startsWith('role-'));
    if (!name) return;
    const list = drawn[name] || (drawn[name] = []);
    g.querySelectorAll(':scope > text').forEach(t => {
      const spans = t.querySelectorAll('tspan');
      list.push(spans.length ? Array.from(spans).map(s => s.textContent).join(' ') : t.textContent);
    });
  });
  return {marks: found, drawn: drawn};
}"""

SET_JS = """async ([el, name, value]) => {
  const inputs = Array.from(el.querySelectorAll('.vega-bindings [name="' + name + '"]'));
  if (!inputs.length) throw new Error('no input named ' + name);
  const first = inputs[0];
  if (first.type === 'radio') {
    const target = inputs.find(i => i.value === String(value));
    if (!target) throw new Error('radio ' + name + ' has no option ' + value);
    target.click();
  } else if (first.tagName === 'SELECT') {
    const k = Array.from(first.options).findIndex(o => o.value === String(value) || o.text === String(value));
    if (k < 0) throw new Error('select ' + name + ' has no option ' + value);
    first.selectedIndex = k;
    first.dispatchEvent(new Event('change', {bubbles: true}));
  } else if (first.type === 'checkbox') {
    if (first.checked !== Boolean(value)) first.click();
  } else {
    first.value = String(value);
    first.dispatchEvent(new Event('input', {bubbles: true}));
    first.dispatchEvent(new Event('change', {bubbles: true}));
  }
}"""

SETTLED_JS = """async ([el, wanted]) => {
  for (const [name, value] of Object.entries(wanted)) {
    if (el.__view.signal(name) != value) return false;
  }
  await el.__view.runAsync();
  return true;
}"""


def chart_with(page, names) -> object:
    """The one chart of the page whose bound inputs include every name in ``names``."""
    charts = page.locator(".fc-chart")
    hits = []
    for i in range(charts.count()):
        chart = charts.nth(i)
        have = set(chart.evaluate("el => Array.from(el.querySelectorAll('.vega-bindings [name]')).map(i => i.name)"))
        if set(names) <= have:
            hits.append(chart)
    assert len(hits) == 1, f"expected one chart with controls {sorted(names)}, found {len(hits)}"
    return hits[0]


def moved_on_page(page, steps: list[dict], timeout: float = 10000) -> list[dict[str, list[dict]]]:
    """Per step, the marks of the live view after the step's inputs were moved (in the order the step names
    them) on top of the previous steps; each step's SVG texts are checked against its scenegraph."""
    names = {n for step in steps for n in step}
    chart = chart_with(page, names)
    chart.scroll_into_view_if_needed()
    page.wait_for_function("(el) => el.__view && el.getAttribute('data-fitted')", arg=chart.element_handle(),
                           timeout=15000)
    out, state = [], {}
    for step in steps:
        for name, value in step.items():
            handle = chart.element_handle()  # the chart may have been drawn again: take its element each time
            if state.get(name) != value:
                page.evaluate(SET_JS, [handle, name, value])
            state[name] = value
        page.wait_for_function(SETTLED_JS, arg=[chart.element_handle(), state], timeout=timeout)
        read = chart.evaluate(READ_JS)
        for name, items in read["marks"].items():
            texts = [i["__text"] for i in items if "__text" in i]
            if texts and name in read["drawn"]:
                assert [t.replace("\n", " ") for t in texts] == read["drawn"][name], (
                    f"after {json.dumps(state)}: the SVG of {name} shows {read['drawn'][name]}, "
                    f"its view holds {texts}")
        out.append(read["marks"])
    return out


# A parity grid evaluated three ways: a fresh headless view per setting, one headless view moved through the
# grid, and the book's page in Chromium moved through it by its own inputs (a browser test).
MODES = ("fresh", "moved", pytest.param("page", marks=pytest.mark.browser))


def over_modes(request, spec: dict, grid: dict[str, list], chapter: str) -> tuple[list[dict], list[dict]]:
    """``(settings, marks)`` of the chart ``spec`` over ``grid`` in the mode ``request.param`` (see :data:`MODES`);
    ``chapter`` is the page's name (``05-prospects``) for the "page" mode. The test module must import the
    ``browser`` and ``server`` fixtures of ``test_browser``."""
    if request.param != "page":
        return over_grid(spec, grid, request.param)
    from test_browser import HTML, Visit, _url

    settings = reader_path(grid)
    visit = Visit(request.getfixturevalue("browser"), _url(request.getfixturevalue("server"),
                                                           HTML / "chapters" / f"{chapter}.html"))
    try:
        found = moved_on_page(visit.page, settings)
        assert visit.errors == [], f"console errors: {visit.errors}"
    finally:
        visit.close()
    return settings, found
