"""ONS BERD time-series spreadsheet (xlsx), found through its dataset page."""

from __future__ import annotations

import pandas as pd

from futurecity.parsers import ParseError, parser


@parser("berd_xlsx")
def berd_xlsx(raw: bytes) -> pd.DataFrame:
    raise ParseError("BERD spreadsheet parser not written yet")
