"""The claims table: one designed HTML component for every chapter's claims (and, later, the scoreboard).

Each claim is a row: id, what it is about, the paper's value, the recomputed value (a value on another window is
marked as such, never shown as the recomputed one), unit, the paper's years, the vintage read, and the status as
a badge. On a narrow screen each row becomes a card with its labels beside the values (CSS in
``_static/futurecity.css``), so nothing is clipped and nothing scrolls sideways.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

from futurecity.claims import evaluate

COLUMNS = {"About": "about", "Paper": "paper", "Recomputed": "recomputed", "Unit": "unit", "Paper's years": "years",
           "Vintage": "vintage", "Status": "status"}  # column -> its cells' class (fc-col-<name>)


@dataclass(frozen=True)
class Html:
    """A piece of HTML that Jupyter and the book display as such."""

    html: str

    def _repr_html_(self) -> str:
        return self.html


def status_badge(status: str) -> str:
    """A claim status as a badge: ``<span class="fc-status fc-status-needs-live-data">needs live data</span>``."""
    return f'<span class="fc-status fc-status-{status.replace(" ", "-")}">{html.escape(status)}</span>'


def card_table(header: str, rows: list[tuple[str, list[tuple[str, str, str]]]], caption: str = "",
               table_class: str = "fc-claims") -> Html:
    """A table that becomes one card per row on a narrow screen: ``header`` names the row-header column, each row
    is (row header text, [(column, its cell class, the cell's HTML), ...]) and gets the id ``claim-<header>``."""
    columns = [(c, name) for c, name, _ in rows[0][1]] if rows else []
    head = f'<th scope="col" class="fc-col-key">{html.escape(header)}</th>' + "".join(
        f'<th scope="col" class="fc-col-{name}">{html.escape(c)}</th>' for c, name in columns)
    body = []
    for key, cells in rows:
        tds = [f'<th scope="row" data-label="{html.escape(header)}">{html.escape(key)}</th>']
        tds += [f'<td data-label="{html.escape(col)}" class="fc-col-{name}">{value}</td>' for col, name, value in cells]
        body.append(f'<tr class="fc-claim" id="claim-{html.escape(key)}">{"".join(tds)}</tr>')
    title = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return Html(f'<div class="fc-table-wrap full-width"><table class="{table_class}">{title}'
                f'<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>')


def claims_table(results: list[dict], chapter: int | None, caption: str = "",
                 links: Callable[[dict], str] | None = None) -> Html:
    """The evaluated claims of ``chapter`` (every chapter when None; from
    :func:`futurecity.claims.evaluate.evaluate`) as the book's claims table; with ``links`` (a claim's result ->
    the URL of the section that computes it), a last column "Computed in" links each claim to that section."""
    frame = evaluate.chapter_table(results, chapter)
    found = evaluate.by_id(results)
    rows = []
    for claim_id, row in frame.iterrows():
        cells = [(col, name, status_badge(row[col]) if col == "Status" else html.escape(str(row[col])))
                 for col, name in COLUMNS.items()]
        if links is not None:
            r = found[claim_id]
            cells.append(("Computed in", "link", f'<a href="{html.escape(links(r))}">chapter {r["chapter"]}, '
                                                 f'section {html.escape(str(r["section"]))}</a>'))
        rows.append((str(claim_id), cells))
    return card_table("Claim", rows, caption)


def _figure(value, start, end) -> str:
    if value is None:
        return "\u2014"
    return f"{value:.3g} ({start}\u2013{end})"


def newer_table(rows: list[dict], caption: str = "") -> Html:
    """What newer data say (rows of :func:`futurecity.claims.newer.newer_table`): per claim, the figure on the
    paper's window and on the newest window the data allow, each with its years, the vintage read and a note."""
    out = []
    for r in rows:
        cells = [("About", "about", html.escape(r["label"])),
                 ("Paper's window", "recomputed", html.escape(_figure(r["paper_value"], r["paper_start"],
                                                                      r["paper_end"]))),
                 ("Newest window", "recomputed", html.escape(_figure(r["newest_value"], r["newest_start"],
                                                                     r["newest_end"]))),
                 ("Unit", "unit", html.escape(r["unit"])),
                 ("Vintage", "vintage", html.escape(r["vintage_label"] or "\u2014")),
                 ("Status", "status", status_badge(r["status"])),
                 ("Note", "note", html.escape(r["note"] or "\u2014"))]
        out.append((r["id"], cells))
    return card_table("Claim", out, caption)
