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

from futurecity.claims import evaluate, newer, robustness

COLUMNS = {"About": "about", "Paper": "paper", "Recomputed": "recomputed", "Unit": "unit", "Paper's years": "years",
           "Vintage": "vintage", "Status": "status"}  # column -> its cells' class (fc-col-<name>)
VINTAGE = "Data read"  # the vintage column's heading: the publisher and release the value was computed from
ROBUSTNESS = "Robustness"  # the robustness column's heading: in how many specifications the claim's rule holds


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


def robustness_cell(result: dict) -> str:
    """The robustness of a claim beside its status: "the rule holds in 14 of 18 specifications", with the share
    as ``data-share`` (empty where no specification has data) for sorting."""
    rob = result.get("robustness")
    found = robustness.share(rob) if rob else None
    share = "" if found is None else f"{found:.4f}"
    return f'<span class="fc-robustness" data-share="{share}">{html.escape(robustness.holds_words(result))}</span>'


def claims_table(results: list[dict], chapter: int | None, caption: str = "",
                 links: Callable[[dict], str] | None = None,
                 link_text: Callable[[dict], str] | None = None, robust: bool = False) -> Html:
    """The evaluated claims of ``chapter`` (every chapter when None; from
    :func:`futurecity.claims.evaluate.evaluate`) as the book's claims table, the data read named as a reader
    knows them (:func:`futurecity.claims.newer.reader_vintage`); with ``robust`` (results carrying their
    ``robustness``, :func:`futurecity.claims.robustness.attach`), a column beside the status says in how many
    specifications the rule holds (:func:`robustness_cell`); with ``links`` (a claim's result -> the URL of
    the section that computes it), a last column "Computed in" links each claim to that section, named by
    ``link_text`` (a claim's result -> the section's title; by default its chapter and section number)."""
    frame = evaluate.chapter_table(results, chapter)
    found = evaluate.by_id(results)
    rows = []
    for claim_id, row in frame.iterrows():
        r = found[claim_id]
        cells = []
        for col, name in COLUMNS.items():
            text = newer.reader_vintage(r) if col == "Vintage" else str(row[col])
            cells.append((VINTAGE if col == "Vintage" else col, name,
                          status_badge(text) if col == "Status" else html.escape(text)))
        if robust:
            cells.append((ROBUSTNESS, "robustness", robustness_cell(r)))
        if links is not None:
            words = link_text(r) if link_text else f"chapter {r['chapter']}, section {r['section']}"
            cells.append(("Computed in", "link", f'<a href="{html.escape(links(r))}">{html.escape(words)}</a>'))
        rows.append((str(claim_id), cells))
    return card_table("Claim", rows, caption)


def newer_table(rows: list[dict], caption: str = "") -> Html:
    """What newer data say (rows of :func:`futurecity.claims.newer.newer_table`, those with later years): per
    claim, what changed in words, the figure on the paper's window and on the newest window the data allow, and
    the data read."""
    out = []
    for r in rows:
        cells = [("About", "about", html.escape(r["label"])),
                 ("What changed", "note", html.escape(r["change"] or r["note"] or "\u2014")),
                 ("Paper's years", "recomputed", html.escape(_figure(r["paper_value"], r["paper_start"],
                                                                     r["paper_end"]))),
                 ("Newest years", "recomputed", html.escape(_figure(r["newest_value"], r["newest_start"],
                                                                    r["newest_end"]))),
                 ("Unit", "unit", html.escape(r["unit"])),
                 (VINTAGE, "vintage", html.escape(r.get("reader_vintage") or "\u2014"))]
        out.append((r["id"], cells))
    return card_table("Claim", out, caption)


def _figure(value, start, end) -> str:
    if value is None:
        return "\u2014"
    return f"{value:.3g} ({start}\u2013{end})"
