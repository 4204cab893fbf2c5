"""How a claim's status looks, wherever it is shown: in a chart's badge, the claims tables and the numbers'
popovers. One style per status: an icon and a word (a status is never told by colour alone), a light fill, a
border and a dark text colour with at least 4.5:1 contrast on the fill.

The two verdict colours are Okabe & Ito's bluish green (reproduced) and vermilion (differs): they are reserved
for statuses and never used for data (:data:`RESERVED`; the book's data palette, ``theme.PALETTE``, leaves them
out). Every status without a verdict is neutral: a white pill with a dark border, which reads as information,
not as a disabled control. ``_static/futurecity.css`` gives the tables and popovers the same colours and icons
(tested against :data:`STYLES`).
"""

from __future__ import annotations

from dataclasses import dataclass

from futurecity.claims import rules

GREEN, VERMILION = "#009E73", "#D55E00"  # Okabe & Ito: the verdict colours, for statuses only
RESERVED = (GREEN, VERMILION)
OFF_WINDOW = "off the paper's years"  # a chart's window other than the claim's: its value, and no verdict
OFF_THRESHOLD = "off the paper's threshold"  # the same for a threshold other than the claim's


@dataclass(frozen=True)
class Style:
    icon: str
    fill: str
    border: str
    text: str

    def label(self, status: str) -> str:
        """The pill's words: the icon, then the status."""
        return f"{self.icon} {status}"


NEUTRAL = dict(fill="#FFFFFF", border="#3D3D3D", text="#1A1A1A")
STYLES: dict[str, Style] = {
    rules.REPRODUCED: Style("\u2713", fill="#E0F3EC", border=GREEN, text="#00553D"),
    rules.DIFFERS: Style("\u2717", fill="#FBE6D9", border=VERMILION, text="#8A3300"),
    OFF_WINDOW: Style("\u2194", **NEUTRAL),
    OFF_THRESHOLD: Style("\u2194", **NEUTRAL),
    rules.NEEDS_LIVE: Style("\u21e9", **NEUTRAL),
    rules.PENDING: Style("\u2026", **NEUTRAL),
    rules.NOT_REPRODUCIBLE: Style("\u2298", **NEUTRAL),
}


def css_class(status: str) -> str:
    """``fc-status-<status with hyphens>``, the class the tables, popovers and CSS use."""
    return "fc-status-" + "".join(c if c.isalnum() else "-" for c in status.lower()).strip("-")
