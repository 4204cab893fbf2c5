"""The claims table: one designed HTML component for every chapter's claims (and, later, the scoreboard).

Each claim is a row: id, what it is about, the paper's value, the recomputed value (a value on another window is
marked as such, never shown as the recomputed one), unit, the paper's years, the vintage read, and the status as
a badge. On a narrow screen each row becomes a card with its labels beside the values (CSS in
``_static/futurecity.css``), so nothing is clipped and nothing scrolls sideways.
"""

from __future__ import annotations

import html
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


def claims_table(results: list[dict], chapter: int, caption: str = "") -> Html:
    """The evaluated claims of ``chapter`` (from :func:`futurecity.claims.evaluate.evaluate`) as the book's
    claims table."""
    frame = evaluate.chapter_table(results, chapter)
    head = "".join(f'<th scope="col">{html.escape(c)}</th>' for c in ("Claim", *COLUMNS))
    rows = []
    for claim_id, row in frame.iterrows():
        cells = [f'<th scope="row" data-label="Claim">{html.escape(str(claim_id))}</th>']
        for col, name in COLUMNS.items():
            value = status_badge(row[col]) if col == "Status" else html.escape(str(row[col]))
            cells.append(f'<td data-label="{html.escape(col)}" class="fc-col-{name}">{value}</td>')
        rows.append(f'<tr class="fc-claim" id="claim-{html.escape(str(claim_id))}">{"".join(cells)}</tr>')
    title = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return Html(f'<div class="fc-table-wrap"><table class="fc-claims">{title}<thead><tr>{head}</tr></thead>'
                f'<tbody>{"".join(rows)}</tbody></table></div>')
