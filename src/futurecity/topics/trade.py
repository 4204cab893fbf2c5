"""The trade gap: the external balance on goods and services as a share of GDP, UK and US (claim C4-3).

Three series, each from its own source and labelled for what it is:

- the UK and the US: World Bank WDI ``NE.RSB.GNFS.ZS`` (exports minus imports of goods and services, % of GDP),
  one registered source per country (``wdi_trade_balance_gbr``, ``wdi_trade_balance_usa``). The pinned copies
  are two WDI bulk country files of two different releases (UK: 2019-01-30, to 2017; US: 2020-03-18, to 2018),
  each named in its vintage label; a live pull replaces a country's series with the World Bank API's current
  release, later years included;
- the UK over the long run: the Bank of England's "A millennium of macroeconomic data" (``boe_millennium``),
  its column "Trade deficit" as a % of nominal GDP (the file's second "Trade deficit" column, named
  ``Trade deficit.1``). Despite the name it is a signed balance: negative means a deficit, as in the WDI series.

A year "in deficit" has a balance below zero; a year is counted when the series holds a value for it. C4-3's
value is the smaller of the two countries' shares of years in deficit from 1980 to the last year both WDI series
hold (the claim's ``latest``), so both shares are over the same years.

What a chapter calls: :func:`facts`, :func:`trade_figure` (the browser chart, controls bound) and
:func:`trade_widgets` (the same model in pandas with ipywidgets, for Jupyter).
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from futurecity.claims import ledger
from futurecity.claims.measures import Inputs, measure, require_years
from futurecity.facts import Fact, constant, fact
from futurecity.viz import badges
from futurecity.viz.controls import Control, bind, interact
from futurecity.viz.labels import LabelColumn
from futurecity.viz.theme import MUTED, PALETTE, WIDTH, figure, text_colours

INDICATOR = "NE.RSB.GNFS.ZS"
WDI_SOURCES = {"GBR": "wdi_trade_balance_gbr", "USA": "wdi_trade_balance_usa"}
BOE_SOURCE = "boe_millennium"
BOE_SERIES, BOE_UNIT = "Trade deficit.1", "as a % of nominal GDP"  # the headline file's own column name and unit
LABELS = {"GBR": "UK", "USA": "US"}  # short labels: the chart must fit a phone
BOE_LABEL = "UK (Bank of England)"
CLAIM_ID, CLAIM_START = "C4-3", 1980
START = "trade_start"  # the start-year slider's parameter
COLOURS = {"UK": PALETTE[0], "US": PALETTE[1]}
# the lines' names in the palette's darker text variants (4.5:1 on the chart's background)
LABEL_FILL = alt.Fill("series:N", scale=alt.Scale(domain=list(COLOURS), range=text_colours(COLOURS.values())),
                      legend=None)


# --- the series ---------------------------------------------------------------------------------------------

def _tidy(rows: pd.DataFrame, series: str, source: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({"year": rows["year"].astype("int64"), "series": series,
                        "value": rows["value"].astype("float64")}).dropna(subset=["value"])
    out = out.sort_values("year").reset_index(drop=True)
    out.attrs = dict(source.attrs)
    return out


def wdi_balance(frame: pd.DataFrame, country_code: str) -> pd.DataFrame:
    """The balance (% of GDP) of one country from a WDI frame (a bulk country file or an API answer): columns
    year, series (``UK`` or ``US``), value, one row per year with a value; the frame's provenance kept. Raises
    ValueError when the frame holds no ``NE.RSB.GNFS.ZS`` row for the country."""
    rows = frame[(frame["indicator_code"] == INDICATOR) & (frame["country_code"] == country_code)]
    if rows.empty:
        raise ValueError(f"{frame.attrs.get('source', 'the WDI frame')} holds no {INDICATOR} values for "
                         f"{country_code}")
    if rows["year"].duplicated().any():
        raise ValueError(f"{INDICATOR} for {country_code}: more than one value for a year")
    return _tidy(rows, LABELS[country_code], frame)


def boe_balance(frame: pd.DataFrame) -> pd.DataFrame:
    """The UK's balance of trade as a % of nominal GDP from the Bank of England millennium headlines (column
    ``Trade deficit.1``, a signed balance: negative = deficit): columns year, series, value; provenance kept."""
    rows = frame[frame["series"] == BOE_SERIES]
    units = set(rows["unit"].astype("string").str.strip())
    if rows.empty or units != {BOE_UNIT}:
        raise ValueError(f"the BoE headlines hold no column {BOE_SERIES!r} in {BOE_UNIT!r} (units found: "
                         f"{sorted(units)})")
    return _tidy(rows, BOE_LABEL, frame)


def series(inputs: Inputs) -> dict[str, pd.DataFrame]:
    """``{"GBR": ..., "USA": ..., "BOE": ...}``: the three series of the inputs (each with its own provenance),
    computed once per inputs."""
    def make():
        out = {code: wdi_balance(inputs.frame(sid), code) for code, sid in WDI_SOURCES.items()}
        out["BOE"] = boe_balance(inputs.frame(BOE_SOURCE))
        return out
    return inputs.derived("trade.series", make)


def common_years(wdi: dict[str, pd.DataFrame]) -> tuple[int, int]:
    """The first and last year that every WDI series holds (the last is the claim's ``latest``)."""
    return (max(int(f["year"].min()) for f in wdi.values()), min(int(f["year"].max()) for f in wdi.values()))


def deficit_count(frame: pd.DataFrame, start: int, end: int) -> dict:
    """Years with a value from ``start`` to ``end`` (both included), how many have a balance below zero, and
    the share of the one in the other: ``{"years", "deficits", "share", "first", "last"}`` (share None when no
    year is counted)."""
    inside = frame[(frame["year"] >= start) & (frame["year"] <= end)]
    years, deficits = len(inside), int((inside["value"] < 0).sum())
    return {"years": years, "deficits": deficits, "share": deficits / years if years else None,
            "first": int(inside["year"].min()) if years else None,
            "last": int(inside["year"].max()) if years else None}


def _wdi(inputs: Inputs) -> dict[str, pd.DataFrame]:
    found = series(inputs)
    return {code: found[code] for code in WDI_SOURCES}


# --- the measure of C4-3 -------------------------------------------------------------------------------------

UK_SERIES_CHOICES = {"WDI": "GBR", "Bank of England": "BOE"}  # C4-3's choice of UK series -> its key in series()


def _pair(inputs: Inputs, uk_series: str = "WDI") -> dict[str, tuple[str, pd.DataFrame]]:
    """The two series C4-3 compares, each with its source id: the UK's (WDI, or the Bank of England's long
    series) and the US's (WDI)."""
    if uk_series not in UK_SERIES_CHOICES:
        raise ValueError(f"unknown UK series {uk_series!r}; expected one of {sorted(UK_SERIES_CHOICES)}")
    found = series(inputs)
    uk = UK_SERIES_CHOICES[uk_series]
    return {"UK": (WDI_SOURCES.get(uk, BOE_SOURCE), found[uk]), "US": (WDI_SOURCES["USA"], found["USA"])}


def _latest(inputs: Inputs, p: dict | None = None) -> int:
    """The last year both series hold (both WDI series unless ``p['uk_series']`` names the Bank of England's)."""
    pair = _pair(inputs, (p or {}).get("uk_series", "WDI"))
    return common_years({k: frame for k, (_, frame) in pair.items()})[1]


@measure("trade_deficit_share_min", sources=tuple(WDI_SOURCES.values()), latest=_latest)
def deficit_share_min(inputs: Inputs, p: dict, start: int, end: int) -> float:
    """The smaller of the UK's and the US's shares (0 to 1) of the years ``start`` to ``end`` with a negative
    external balance on goods and services (WDI, or for the UK ``p['uk_series']``, the Bank of England's);
    NotCovered when a country's series lacks either year."""
    shares = []
    for source, frame in _pair(inputs, p.get("uk_series", "WDI")).values():
        require_years(frame, source, start, end)
        shares.append(deficit_count(frame, start, end)["share"])
    return float(min(shares))


# --- the facts a chapter quotes ------------------------------------------------------------------------------

def facts(inputs: Inputs) -> dict[str, Fact]:
    """The numbers the chapter's prose quotes about the trade gap, each a :class:`futurecity.facts.Fact`.

    Per country (prefix ``uk_`` / ``us_``), from 1980 to the last year both WDI series hold: ``*_trade_years``
    (years counted), ``*_trade_deficit_years``, ``*_trade_deficit_share`` (0-1) and ``*_trade_deficit_pct``;
    the data's own span ``*_trade_first_year`` / ``*_trade_last_year``; ``*_wdi_vintage`` (the WDI release read).
    Shared: ``trade_start`` (1980), ``trade_end``, ``trade_min_share`` (C4-3's value). The Bank of England's long
    UK series: ``boe_trade_first_year``, ``boe_trade_last_year``, ``boe_trade_years``,
    ``boe_trade_deficit_years``, ``boe_trade_deficit_pct`` (whole series), ``boe_trade_years_1980`` and
    ``boe_trade_deficit_years_1980`` (1980 to its last year), ``boe_vintage``."""
    found = series(inputs)
    wdi = _wdi(inputs)
    _, end = common_years(wdi)
    uk, us = wdi["GBR"], wdi["USA"]
    window = f"{CLAIM_START} to {end}"
    out = {"trade_start": constant(CLAIM_START, "first year of C4-3's window (the paper's 'since 1980')"),
           "trade_end": fact(end, "last year both WDI series (UK and US) hold: the end of C4-3's window", uk, us)}
    shares = []
    for prefix, code in (("uk", "GBR"), ("us", "USA")):
        own, name = wdi[code], LABELS[code]
        counted = deficit_count(own, CLAIM_START, end)
        shares.append(counted["share"])
        out[f"{prefix}_trade_years"] = fact(counted["years"], f"{name}: years {window} with a WDI balance", own)
        out[f"{prefix}_trade_deficit_years"] = fact(
            counted["deficits"], f"{name}: years {window} with a negative balance on goods and services", own)
        out[f"{prefix}_trade_deficit_share"] = fact(
            counted["share"], f"{name}: share of the years {window} in deficit (0 to 1)", own)
        out[f"{prefix}_trade_deficit_pct"] = fact(
            counted["share"] * 100, f"{name}: per cent of the years {window} in deficit", own)
        out[f"{prefix}_trade_first_year"] = fact(int(own["year"].min()), f"{name}: first year of the WDI series",
                                                 own)
        out[f"{prefix}_trade_last_year"] = fact(int(own["year"].max()), f"{name}: last year of the WDI series", own)
        out[f"{prefix}_wdi_vintage"] = fact(own.attrs.get("vintage_label", ""), f"{name}: the WDI release read",
                                            own)
    out["trade_min_share"] = fact(min(shares), f"the smaller of the UK's and the US's shares of years {window} in "
                                  "deficit (C4-3)", uk, us, claim=CLAIM_ID)
    boe = found["BOE"]
    whole = deficit_count(boe, int(boe["year"].min()), int(boe["year"].max()))
    recent = deficit_count(boe, CLAIM_START, int(boe["year"].max()))
    out.update({
        "boe_trade_first_year": fact(whole["first"], "first year of the BoE UK trade balance", boe),
        "boe_trade_last_year": fact(whole["last"], "last year of the BoE UK trade balance", boe),
        "boe_trade_years": fact(whole["years"], "years with a BoE UK trade balance", boe),
        "boe_trade_deficit_years": fact(whole["deficits"], "years of UK trade deficit in the BoE series", boe),
        "boe_trade_deficit_pct": fact(whole["share"] * 100, "per cent of the BoE series' years in deficit", boe),
        "boe_trade_years_1980": fact(recent["years"], f"years {CLAIM_START} to {recent['last']} in the BoE series",
                                     boe),
        "boe_trade_deficit_years_1980": fact(recent["deficits"], f"years of UK trade deficit {CLAIM_START} to "
                                             f"{recent['last']}, BoE series", boe),
        "boe_vintage": fact(boe.attrs.get("vintage_label", ""), "the BoE millennium dataset's version read", boe),
    })
    return out


# --- the chart -----------------------------------------------------------------------------------------------

def chart_data(found: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """What the chart embeds: one row per series and year (``source``: ``wdi`` or ``boe``), values as read."""
    parts = [found[code].assign(source="wdi") for code in WDI_SOURCES] + [found["BOE"].assign(source="boe")]
    return pd.concat(parts, ignore_index=True)[["source", "series", "year", "value"]]


def start_control(wdi: dict[str, pd.DataFrame]) -> Control:
    """The start-year slider: from the first year both WDI series hold to the last (so the start can never pass
    the end), at 1980 (C4-3's window) by default."""
    first, last = common_years(wdi)
    return Control.range(START, first, last, 1, min(max(CLAIM_START, first), last), "Count from")


def _claim(end: int) -> dict:
    """C4-3's ledger entry, its window's ``latest`` made the year it stands for."""
    claim = ledger.definition(CLAIM_ID, ledger.chapter_claims(4))
    return {**claim, "window": {"start": claim["window"]["start"], "end": end}}


def _counts(source: str, start: str, end: str) -> alt.Chart:
    """Per series of ``source`` (``wdi`` or ``boe``): years with a value from ``start`` to ``end`` (Vega
    expressions), how many in deficit, their share, first and last year counted."""
    return (alt.Chart()
            .transform_filter(f"datum.source == '{source}' && datum.year >= {start} && datum.year <= {end}")
            .transform_calculate(deficit="datum.value < 0 ? 1 : 0")
            .transform_aggregate(years="count()", deficits="sum(deficit)", first="min(year)", last="max(year)",
                                 groupby=["series"])
            .transform_calculate(share="datum.deficits / datum.years"))


LINE = badges.LINE
# "<deficits> of <years> years in deficit (<share>)" in Vega, and ", <first>-<last>" (the pandas twin:
# _count_text); short, so that a line fits a 320 px screen
# Every view's y axis takes the same narrow column, and the texts above the plots start at its left edge, the
# chart's: a phone's column is then all theirs.
COLUMN = LabelColumn(40)
Y_AXIS = COLUMN.axis(labelLimit=COLUMN.extent - 6)
UNIT_AXIS = COLUMN.axis(labelLimit=COLUMN.extent - 6, titleAngle=0, titleAlign="left", titleAnchor="end",
                        titleBaseline="bottom", titleX=-COLUMN.extent, titleY=-8, titleFontSize=12)
COUNT_TEXT = ("datum.deficits + ' of ' + datum.years + (datum.years == 1 ? ' year' : ' years') + ' in deficit (' + "
              "format(datum.share, '.0%') + ')'")
SPAN = "'\\n' + (datum.first == datum.last ? '' + datum.first : datum.first + '\u2013' + datum.last)"  # own line


def _count_text(c: dict, span: bool = False) -> str:
    """The pandas twin of :data:`COUNT_TEXT` (with ``span``: and of :data:`SPAN`) for a :func:`deficit_count`."""
    text = f"{c['deficits']} of {c['years']} year{'' if c['years'] == 1 else 's'} in deficit ({c['share']:.0%})"
    if span:
        text += "\n" + (str(c["first"]) if c["first"] == c["last"] else f"{c['first']}\u2013{c['last']}")
    return text


def _summary(claim: dict, end: int) -> alt.LayerChart:
    """C4-3's badge (three lines: the claim, the paper's rule and the value for the years counted, the years and
    the verdict on the paper's window) and one line per country: years in deficit of years counted."""
    badge = badges.badge_layer(_counts("wdi", START, str(end)).transform_aggregate(value="min(share)"), claim,
                               "datum.value", START, str(end), 0, fmt=".2f", column=COLUMN)
    top = badges.top(1, lines=0.5).expr
    counts = (_counts("wdi", START, str(end))
              .transform_window(row="row_number()", sort=[alt.SortField("series")])
              .transform_calculate(text="datum.series + ': ' + " + COUNT_TEXT,
                                   ypix=f"{top} + (datum.row - 1) * {LINE}")
              .mark_text(**COLUMN.at_edge, fontSize=badges.BADGE_FONT, color="#1A1A1A")
              .encode(y=alt.Y("ypix:Q", scale=None, axis=None), text="text:N")
              .properties(name="trade_counts"))
    return alt.layer(badge, counts).properties(width=WIDTH, height=1)  # its marks take the room they need


def _window(start: str, end: str, name: str, scale: alt.Scale) -> alt.Chart:
    """A grey band over the years counted (whole years: from half a year before the start to half after the end)."""
    return (alt.Chart().transform_aggregate(rows="count()")
            .transform_calculate(x1=f"{start} - 0.5", x2=f"{end} + 0.5")
            .mark_rect(color=MUTED, opacity=0.25)
            .encode(x=alt.X("x1:Q", scale=scale), x2="x2:Q").properties(name=f"{name}_band"))  # the lines' scale


def _zero(name: str) -> alt.Chart:
    return alt.Chart().mark_rule(color="black", strokeWidth=1).encode(y=alt.datum(0)).properties(name=f"{name}_zero")


def _tooltip(what: str) -> list:
    return [alt.Tooltip("series:N", title="Series"), alt.Tooltip("year:Q", title="Year", format="d"),
            alt.Tooltip("value:Q", title=f"Balance, % of {what}", format="+.2f"),
            alt.Tooltip("state:N", title="Deficit or surplus")]


def _balance_layers(source: str, start: str, end: str, name: str, colour: alt.Color, height: int,
                    first_year: int, last_year: int) -> alt.LayerChart:
    """Lines and dots of one source's balances with the zero line (deficits below it) and the band of years
    counted; a dot is faded when its year is not counted. Dots carry the tooltips."""
    scale = alt.Scale(domain=[first_year, last_year], nice=False, zero=False)
    x = alt.X("year:Q", title=None, axis=alt.Axis(format="d", tickCount=6), scale=scale)
    what = "nominal GDP" if source == "boe" else "GDP"
    if source == "boe":
        y = alt.Y("value:Q", title=None, axis=Y_AXIS)  # the unit is in the panel's title
    else:  # the unit above the axis, level with the texts' left edge
        y = alt.Y("value:Q", title=f"Trade balance, % of {what}", axis=UNIT_AXIS)
    rows = (alt.Chart().transform_filter(f"datum.source == '{source}'")
            .transform_calculate(state="datum.value < 0 ? 'deficit' : 'surplus or balance'",
                                 counted=f"datum.year >= {start} && datum.year <= {end} ? 1 : 0"))
    line = rows.mark_line(strokeWidth=1.5).encode(x=x, y=y, color=colour).properties(name=f"{name}_line")
    dots = rows.mark_circle(size=24).encode(
        x=x, y=y, color=colour, tooltip=_tooltip(what),
        opacity=alt.condition("datum.counted == 1", alt.value(1.0), alt.value(0.3))).properties(name=f"{name}_dots")
    layers = [_window(start, end, name, scale), _zero(name), line, dots]
    if source != "boe":  # each line named at its last year (a legend would sit below the axis, far from them)
        layers.append(rows.transform_joinaggregate(last_year="max(year)", groupby=["series"])
                      .transform_filter("datum.year == datum.last_year")
                      .mark_text(align="left", baseline="middle", dx=6, fontSize=12, fontWeight="bold")
                      .encode(x=x, y=y, fill=LABEL_FILL, text="series:N").properties(name=f"{name}_ends"))
    return alt.layer(*layers).properties(width=WIDTH, height=height)


def _boe_counts(start: str, last: int) -> alt.LayerChart:
    """The BoE series' years in deficit from ``start`` to its last year; when the start is after that year, a
    line saying so."""
    counts = (_counts("boe", start, str(last)).transform_calculate(text=COUNT_TEXT + " + " + SPAN)
              .mark_text(**COLUMN.at_edge, y=0, fontSize=badges.BADGE_FONT, lineBreak="\n",
                         lineHeight=LINE)
              .encode(text="text:N").properties(name="boe_counts"))
    none = (alt.Chart().transform_aggregate(rows="count()").transform_filter(f"{start} > {last}")
            .transform_calculate(text=f"'No year counted: the series ends in {last}.'")
            .mark_text(**COLUMN.at_edge, y=0, fontSize=badges.BADGE_FONT).encode(text="text:N")
            .properties(name="boe_none"))
    return alt.layer(counts, none).properties(width=WIDTH, height=2 * LINE + 2)


def trade_chart(found: dict[str, pd.DataFrame], start: Control, claim: dict) -> alt.VConcatChart:
    """The browser chart: C4-3's badge and each country's count of years in deficit from the slider's start
    year to the last year both WDI series hold; the WDI balances by year (UK and US) with the band of years
    counted; below, the Bank of England's long UK series with the same band, to its own last year.

    ``start`` is :func:`start_control`; ``claim`` C4-3's ledger entry with its window's end as a year."""
    wdi = {code: found[code] for code in WDI_SOURCES}
    _, end = common_years(wdi)
    boe = found["BOE"]
    b_first, b_last = int(boe["year"].min()), int(boe["year"].max())
    w_first = min(int(f["year"].min()) for f in wdi.values())
    w_last = max(int(f["year"].max()) for f in wdi.values())
    colour = alt.Color("series:N", scale=alt.Scale(domain=list(COLOURS), range=list(COLOURS.values())), legend=None)
    boe_colour = alt.Color("series:N", scale=alt.Scale(domain=[BOE_LABEL], range=[PALETTE[0]]), legend=None)
    chart = alt.concat(
        _summary(claim, end),
        _balance_layers("wdi", START, str(end), "trade", colour, 240, w_first, w_last),
        alt.vconcat(_boe_counts(START, b_last),
                    _balance_layers("boe", START, str(b_last), "boe", boe_colour, 150, b_first, b_last),
                    spacing=2, title=alt.Title([f"UK since {b_first}, Bank of England", "% of GDP"], fontSize=12)),
        data=chart_data(found), spacing=12, columns=1, align="none",  # texts start at the left edge, not the plots'
    ).resolve_scale(color="independent")
    return bind(chart, start)


def trade_title(found: dict[str, pd.DataFrame]) -> str:
    """The chart's message at its default start year, from the data: each country's years in deficit."""
    wdi = {code: found[code] for code in WDI_SOURCES}
    start, end = start_control(wdi).value, common_years(wdi)[1]
    uk, us = (deficit_count(wdi[code], start, end) for code in WDI_SOURCES)
    us_part = f"all {us['years']}" if us["deficits"] == us["years"] else f"{us['deficits']}"
    return (f"The UK ran a trade deficit in {uk['deficits']} of the {uk['years']} years from {start} to {end}, "
            f"the US in {us_part}")


def _figure(chart, found: dict[str, pd.DataFrame], browser: bool) -> alt.TopLevelMixin:
    wdi = [found[code] for code in WDI_SOURCES]
    labels = {f.attrs.get("vintage_label", "") for f in wdi}
    releases = (" The UK and US series come from different WDI releases (see the sources)." if len(labels) > 1
                else "")
    top = ("Top: claim C4-3 (the smaller of the two shares of years in deficit) and each country's years in "
           "deficit, counted from the slider's year to the last year both series hold. " if browser else
           "Top: each country's years in deficit, counted from the chosen year to the last year both series "
           "hold. ")
    return figure(
        chart,
        title=trade_title(found),
        csv=[(mark, {"series": "series", "year": "year", "value": "balance_percent_of_gdp"})
             for mark in ("trade_line_1_marks", "boe_line_1_marks")],
        description=(f"{top}Middle: the external balance on goods and services (exports minus imports) as a % of "
                     "GDP, by year; below zero is a deficit; the grey band marks the years counted. Bottom: the "
                     "UK's balance of trade over two centuries from the Bank of England's millennium dataset."),
        sources=[*wdi, found["BOE"]],
        note=("The Bank of England names its column 'Trade deficit', but it is a signed balance: negative means a "
              "deficit." + releases))


def trade_figure(inputs: Inputs) -> alt.TopLevelMixin:
    """The chapter's trade chart, ready to display: the start-year slider bound (a Vega-Lite parameter that
    works with no kernel), C4-3's badge and each country's years in deficit, the UK and US balances by year
    and the Bank of England's long UK series, titled and captioned with sources, vintages and licences."""
    found = series(inputs)
    wdi = _wdi(inputs)
    return _figure(trade_chart(found, start_control(wdi), _claim(common_years(wdi)[1])), found, browser=True)


def trade_view(found: dict[str, pd.DataFrame], trade_start: int) -> alt.VConcatChart:
    """The same model as :func:`trade_chart` computed in pandas for one start year (the ipywidgets path): each
    country's years in deficit from ``trade_start`` to the last year both WDI series hold, the balances by year
    (years not counted faded) and the Bank of England's long UK series."""
    wdi = {code: found[code] for code in WDI_SOURCES}
    first, end = common_years(wdi)
    start = min(max(int(trade_start), first), end)  # as the slider: never before the first or after the end
    lines = []
    for code, frame in wdi.items():
        c = deficit_count(frame, start, end)
        lines.append(f"{LABELS[code]}: {_count_text(c)}")
    boe = found["BOE"]
    b = deficit_count(boe, start, int(boe["year"].max()))
    text = alt.Chart(pd.DataFrame({"text": lines, "row": range(len(lines))})).mark_text(
        **COLUMN.at_edge, fontSize=12).encode(
        y=alt.Y("row:O", axis=None), text="text:N").properties(width=WIDTH, height=len(lines) * LINE + 4)

    def panel(frame: pd.DataFrame, last: int, colour, height: int):
        shown = frame.assign(counted=frame["year"].between(start, last),
                             state=frame["value"].lt(0).map({True: "deficit", False: "surplus or balance"}))
        what = "nominal GDP" if frame is boe else "GDP"
        x = alt.X("year:Q", title=None, axis=alt.Axis(format="d", tickCount=6),
                  scale=alt.Scale(domain=[int(frame["year"].min()), int(frame["year"].max())], nice=False))
        y = (alt.Y("value:Q", title=None, axis=Y_AXIS) if frame is boe else
             alt.Y("value:Q", title=f"Trade balance, % of {what}", axis=UNIT_AXIS))
        band = alt.Chart(pd.DataFrame({"x1": [start - 0.5], "x2": [last + 0.5]})).mark_rect(
            color=MUTED, opacity=0.25).encode(x="x1:Q", x2="x2:Q")
        zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color="black").encode(y="y:Q")
        base = alt.Chart(shown)
        layers = [band, zero, base.mark_line(strokeWidth=1.5).encode(x=x, y=y, color=colour),
                  base.mark_circle(size=24).encode(
                      x=x, y=y, color=colour, tooltip=_tooltip(what),
                      opacity=alt.condition(alt.datum.counted, alt.value(1.0), alt.value(0.3)))]
        if frame is not boe:  # each line named at its last year, as on the website
            ends = shown[shown["year"] == shown.groupby("series")["year"].transform("max")]
            layers.append(alt.Chart(ends).mark_text(align="left", baseline="middle", dx=6, fontSize=12,
                                                    fontWeight="bold").encode(x=x, y=y, fill=LABEL_FILL,
                                                                              text="series:N"))
        return alt.layer(*layers).properties(width=WIDTH, height=height)

    both = pd.concat(wdi.values(), ignore_index=True)
    colour = alt.Color("series:N", scale=alt.Scale(domain=list(COLOURS), range=list(COLOURS.values())), legend=None)
    boe_text = (_count_text(b, span=True) if b["years"] else
                f"No year counted: the series ends in {int(boe['year'].max())}.")
    long = alt.vconcat(
        alt.Chart(pd.DataFrame({"text": [boe_text]})).mark_text(**COLUMN.at_edge, y=0, fontSize=12,
                                                                lineBreak="\n", lineHeight=LINE)
        .encode(text="text:N").properties(width=WIDTH, height=2 * LINE + 2),
        panel(boe, int(boe["year"].max()), alt.value(PALETTE[0]), 150), spacing=2,
        title=alt.Title([f"UK since {int(boe['year'].min())}, Bank of England", "% of GDP"], fontSize=12))
    return alt.vconcat(text, panel(both, end, colour, 240), long, spacing=12).resolve_scale(color="independent")


def trade_widgets(inputs: Inputs) -> None:
    """The trade chart computed in pandas with an ipywidgets slider for the start year, for readers running
    Jupyter (:func:`futurecity.viz.controls.interact`); shows the widgets and the chart, returns None."""
    found = series(inputs)
    interact(lambda trade_start: _figure(trade_view(found, trade_start), found, browser=False),
             start_control(_wdi(inputs)))
    return None
