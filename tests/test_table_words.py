"""Tables and definition lists that read: on every built page, at a laptop's width (1280 px) and a phone's (390 px),
no word of a table cell, ``dt`` or ``dd`` is broken across lines, hyphenated or not.

A word is a run of letters and digits (``manufacturing``, ``November``, ``2017``); a line may still break at the
punctuation between words (``berd_release_2017`` after an underscore, a URL after a slash). A checksum or commit id
(32 or more hexadecimal digits) is no word: a reader compares it, never reads it. Each word is measured
in Chromium with a DOM Range over its characters: ``range.getClientRects()`` gives one box per line the word
occupies, so a word with more than one line box (after merging the boxes of one line) is broken. The only words
exempt are those inside a run of characters with no space or slash that is wider, on one line, than the whole
text column of the page (a sha256 or a long file name on a phone): no layout can keep such a run on one line.

On a phone the claims tables must stay cards (one card per claim, its labels beside the values).
"""

from __future__ import annotations

import pytest
from test_browser import HTML, Visit, _url, browser, pages, server, wait_fitted  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def reader_pages():
    """The built pages a reader sees: every page but the root's redirect to the first chapter."""
    return [p for p in pages() if not (p.is_file() and 'http-equiv="Refresh"' in p.read_text(encoding="utf-8")[:500])]

# Every word of every visible table cell, dt and dd: its text, its line boxes (boxes on one line merged), its width
# on one line and the width of the page's text column.
WORDS_JS = r"""() => {
  const column = document.querySelector('.bd-article') || document.body;
  const cs = getComputedStyle(column);
  const columnWidth = column.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
  const out = [];
  const cells = document.querySelectorAll('td, th, dt, dd');
  const word = /[\p{L}\p{N}]+/gu;
  const HASH = /^[0-9a-f]{32,}$/;  // a checksum or commit id: compared, never read, so no word
  const segment = /[^\s\/]+\/?/gu;  // where a line may break in a URL or a path: at spaces and after slashes
  const lineBoxes = range => {
    const rects = Array.from(range.getClientRects()).filter(r => r.width > 0 && r.height > 0);
    const lines = [];  // boxes whose vertical extents overlap are on one line
    rects.sort((a, b) => a.top - b.top).forEach(r => {
      const last = lines[lines.length - 1];
      if (last && r.top < last.bottom - 1) { last.bottom = Math.max(last.bottom, r.bottom); }
      else lines.push({top: r.top, bottom: r.bottom});
    });
    return {lines: lines.length, width: rects.reduce((s, r) => s + r.width, 0)};
  };
  const over = (node, start, end) => {
    const range = document.createRange();
    range.setStart(node, start);
    range.setEnd(node, end);
    return lineBoxes(range);
  };
  cells.forEach(cell => {
    if (!cell.getClientRects().length) return;  // hidden (a folded disclosure, a closed popover)
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (!parent || !parent.getClientRects().length) continue;
      if (parent.closest('.fc-fact-tip, svg, script, style')) continue;  // popovers show on demand, over the page
      if (getComputedStyle(parent).visibility === 'hidden') continue;
      for (const seg of node.data.matchAll(segment)) {
        let whole = null;
        for (const m of seg[0].matchAll(word)) {
          const start = seg.index + m.index;
          if (HASH.test(m[0])) continue;
          const got = over(node, start, start + m[0].length);
          if (got.lines < 2) continue;
          whole = whole || over(node, seg.index, seg.index + seg[0].length);
          out.push({word: m[0], lines: got.lines, width: Math.round(got.width), segment: Math.round(whole.width),
                    column: Math.round(columnWidth), cell: cell.tagName.toLowerCase(),
                    context: cell.textContent.trim().slice(0, 80)});
        }
      }
    }
  });
  return {broken: out, cells: cells.length};
}"""


def broken_words(visit) -> dict:
    return visit.page.evaluate(WORDS_JS)


def _settled(visit):
    if visit.page.query_selector(".fc-chart"):
        wait_fitted(visit.page)


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("page", reader_pages(), ids=lambda p: p.relative_to(HTML).as_posix())
def test_no_word_of_a_table_or_definition_list_is_broken(browser, server, page, width):
    visit = Visit(browser, _url(server, page), viewport={"width": width, "height": 900})
    try:
        _settled(visit)
        got = broken_words(visit)
        broken = [b for b in got["broken"] if b["segment"] <= b["column"]]
        assert broken == [], (
            f"{page.name} at {width} px: {len(broken)} words broken across lines, e.g. "
            + "; ".join(f"{b['word']!r} in {b['cell']} ({b['lines']} lines): {b['context']!r}" for b in broken[:8]))
    finally:
        visit.close()


@pytest.mark.parametrize("page", [p for p in pages() if p.parent.name == "chapters"
                                  and "fc-claims" in p.read_text(encoding="utf-8")] or pages()[:1],
                         ids=lambda p: p.stem)
def test_claims_tables_are_cards_on_a_phone(browser, server, page):
    visit = Visit(browser, _url(server, page), viewport={"width": 390, "height": 900})
    try:
        got = visit.page.evaluate("""() => Array.from(document.querySelectorAll('table.fc-claims')).map(t => ({
          rows: getComputedStyle(t.querySelector('tbody tr')).display,
          head: t.querySelector('thead').getBoundingClientRect().height,
          label: getComputedStyle(t.querySelector('td[data-label]'), '::before').content,
          wide: t.getBoundingClientRect().width <= document.documentElement.clientWidth}))""")
        assert got, f"{page.name}: no claims table"
        for t in got:
            assert t["rows"] == "block" and t["head"] <= 1, f"{page.name}: a claims table is no card list: {t}"
            assert t["label"] not in ("none", "normal", ""), f"{page.name}: a card shows no labels: {t}"
            assert t["wide"], f"{page.name}: a claims table is wider than the phone: {t}"
    finally:
        visit.close()


def test_the_measure_sees_a_broken_word(browser, server):
    """The measure itself: a word squeezed into a narrow cell with hyphens is found broken (so the test can fail)."""
    page = next(p for p in pages() if p.parent.name == "chapters")
    visit = Visit(browser, _url(server, page), viewport={"width": 1280, "height": 900})
    try:
        visit.page.evaluate("""() => { const t = document.createElement('table');
          t.innerHTML = '<tr><td lang="en" style="width:3rem;max-width:3rem;hyphens:auto;overflow-wrap:anywhere">'
            + 'manufacturing</td><td style="width:3rem;max-width:3rem;word-break:break-all">percentage</td></tr>';
          t.style.tableLayout = 'fixed'; t.style.width = '6rem';
          document.querySelector('.bd-article').appendChild(t); }""")
        words = {b["word"] for b in broken_words(visit)["broken"]}
        assert {"manufacturing", "percentage"} <= words, words
    finally:
        visit.close()
