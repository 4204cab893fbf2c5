"""The long-run share of jobs in industry: the UK since 1801 and the US since 1939 (Chapter 1).

Two series, each labelled for exactly what it measures, because the two sources count different things:

- the UK: persons employed in the broad industrial sector (mining, manufacturing, utilities and construction) as a
  share of persons employed in agriculture, industry and services, from Our World in Data's copy of Herrendorf,
  Rogerson and Valentinyi (2014). Decennial census years 1801-1911, then annual with a gap for 1939-1947, to 2011;
- the US: manufacturing payroll jobs (FRED MANEMP) as a share of all nonfarm payroll jobs (PAYEMS), both
  seasonally adjusted monthly counts from the BLS establishment survey, averaged over each calendar year before
  the ratio is taken. Only years with all twelve months are kept, so a year in progress is not shown.

Every frame is tidy (``year, series, value, unit, jobs``: ``jobs`` is the series' numerator in millions, persons
employed in UK industry or US manufacturing payroll jobs) and keeps the ``.attrs`` provenance of its source.

Chapter 4 evaluates two claims on these series (measures ``uk_industry_share_change`` and
``us_manufacturing_share_change``: the change of the share in percentage points between two years).
"""

from __future__ import annotations

import json

import altair as alt
import pandas as pd

from futurecity.claims.measures import Inputs, measure, require_years
from futurecity.facts import Fact, constant, fact
from futurecity.viz.controls import Control, bind
from futurecity.viz.theme import PALETTE, WIDTH, figure, text_colours

UK_SERIES = "UK: industry (incl. construction, mining, utilities), % of employment"
US_SERIES = "US: manufacturing, % of nonfarm payroll employment"
COLUMNS = ["year", "series", "value", "unit", "jobs"]
MAX_SMOOTHING = 15
UK_SOURCE, US_SOURCE = "owid_sectors", "fred_manufacturing"
US_NSA_SOURCE = "us_ces_nsa"  # the same two CES series not seasonally adjusted (ALFRED vintage), one choice of C4-2
# C4-2's choice of series -> (source, manufacturing series, all nonfarm series)
US_SERIES_CHOICES = {"seasonally adjusted": (US_SOURCE, "MANEMP", "PAYEMS"),
                     "not seasonally adjusted": (US_NSA_SOURCE, "CEU3000000001", "PAYNSA")}
US_BENCHMARK_YEAR = 1953  # a post-war high point of the US series, the comparison chapter 1 makes


def _tidy(values: pd.Series, series: str, unit: str, source: pd.DataFrame, derivation: str,
          jobs: pd.Series) -> pd.DataFrame:
    """A year-indexed series as the module's tidy frame (``jobs``: its numerator in millions, by year), with the
    source's provenance and how it was derived."""
    out = values.rename("value").rename_axis("year").reset_index().assign(series=series, unit=unit)
    out["jobs"] = out["year"].map(jobs)
    out = out.astype({"year": "int64", "value": "float64", "jobs": "float64"})[COLUMNS]
    out.attrs = {**source.attrs, "series": series, "derivation": derivation}
    return out


def uk_industry_share(src: pd.DataFrame) -> pd.DataFrame:
    """UK persons employed in broad industry as a per cent of persons employed in all three sectors, one row for
    each year in which OWID/Herrendorf (``src``, source ``owid_sectors``) report all three counts."""
    uk = src[(src["entity"] == "United Kingdom") & (src["measure"] == "employment")]
    counts = uk.pivot(index="year", columns="sector", values="value")[
        ["agriculture", "industry", "services"]].dropna()
    share = counts["industry"] / counts.sum(axis=1) * 100
    return _tidy(share, UK_SERIES, "per cent of persons employed (agriculture + industry + services)", src,
                 "industry employment / (agriculture + industry + services employment) x 100",
                 jobs=counts["industry"] / 1e6)


def us_manufacturing_share(src: pd.DataFrame, manufacturing: str = "MANEMP", total: str = "PAYEMS") -> pd.DataFrame:
    """US manufacturing payroll jobs as a per cent of total nonfarm payroll jobs: the annual average of the monthly
    MANEMP divided by the annual average of the monthly PAYEMS (``src``, source ``fred_manufacturing``; or the
    series named, e.g. the unadjusted CEU3000000001 and PAYNSA of ``us_ces_nsa``), for calendar years with all
    twelve months."""
    monthly = src.pivot(index="date", columns="series", values="value")[[manufacturing, total]]
    monthly = monthly.rename(columns={manufacturing: "MANEMP", total: "PAYEMS"})
    by_year = monthly.groupby(monthly.index.year)
    complete = by_year.count().min(axis=1) == 12
    annual = by_year.mean()[complete]
    share = annual["MANEMP"] / annual["PAYEMS"] * 100
    return _tidy(share, US_SERIES, "per cent of nonfarm payroll jobs (annual averages of monthly SA counts)", src,
                 "annual mean of monthly MANEMP / annual mean of monthly PAYEMS x 100, complete years only",
                 jobs=annual["MANEMP"] / 1e3)  # MANEMP counts thousands of jobs


def longrun_shares(*frames: pd.DataFrame) -> pd.DataFrame:
    """The series stacked in one tidy frame; ``attrs["sources"]`` holds each source frame's provenance."""
    out = pd.concat(frames, ignore_index=True)
    out.attrs = {"sources": [dict(f.attrs) for f in frames]}
    return out


def shares(inputs: Inputs) -> pd.DataFrame:
    """Both series of the inputs stacked (:func:`longrun_shares`), computed once per inputs."""
    return inputs.derived("longrun.shares", lambda: longrun_shares(
        uk_industry_share(inputs.frame(UK_SOURCE)), us_manufacturing_share(inputs.frame(US_SOURCE))))


def series_of(frame: pd.DataFrame, series: str) -> pd.DataFrame:
    """The rows of one series, with that series' own provenance."""
    out = frame[frame["series"] == series].reset_index(drop=True)
    out.attrs = next(a for a in frame.attrs["sources"] if a.get("series") == series)
    return out


def rolling_mean(frame: pd.DataFrame, window: int, centred: bool = False, column: str = "value") -> pd.DataFrame:
    """Each series' ``column`` (its value, or its jobs) replaced by its mean over a window of ``window`` calendar
    years: the last ``window`` years up to and including the row's year (trailing), or years around it
    (``centred``; for an even window
    pandas puts the extra year before). Years a series does not report are gaps, not zeros: the mean is over
    the observations inside the window, and only the years observed are returned."""
    wide = frame.pivot(index="year", columns="series", values=column)
    years = pd.RangeIndex(wide.index.min(), wide.index.max() + 1, name="year")
    smooth = wide.reindex(years).rolling(int(window), min_periods=1, center=centred).mean()
    long = smooth.stack().rename("smoothed").reset_index()
    out = frame.merge(long, on=["year", "series"], how="left")
    out = out.assign(**{column: out["smoothed"]})[frame.columns]
    out.attrs = dict(frame.attrs)
    return out


def facts(inputs: Inputs) -> dict[str, Fact]:
    """The numbers chapter 1 quotes: each series' first, peak and last year and share, and the US share in
    :data:`US_BENCHMARK_YEAR`."""
    frame = shares(inputs)
    marks = landmarks(frame)
    out = {}
    for prefix, series, country in (("uk", UK_SERIES, "UK broad industry"), ("us", US_SERIES, "US manufacturing")):
        row, own = marks.loc[series], series_of(frame, series)
        for when in ("first", "peak", "last"):
            year = int(row[f"{when}_year"])
            out[f"{prefix}_{when}_year"] = fact(year, f"{when} year of the {country} share of employment", own)
            out[f"{prefix}_{when}_share"] = fact(float(row[f"{when}_value"]),
                                                 f"{country} share of employment in {year}, %", own)
    us = series_of(frame, US_SERIES)
    out["us_benchmark_year"] = constant(US_BENCHMARK_YEAR, "a post-war high point of the US series")
    out["us_benchmark_share"] = fact(float(us.set_index("year").loc[US_BENCHMARK_YEAR, "value"]),
                                     f"US manufacturing share of nonfarm payroll jobs in {US_BENCHMARK_YEAR}, %", us)
    return out


def landmarks(frame: pd.DataFrame) -> pd.DataFrame:
    """Per series: the first, peak and last year observed and the share in each."""
    ordered = frame.sort_values(["series", "year"])
    groups = ordered.groupby("series", sort=False)
    picks = {"first": groups.head(1), "peak": ordered.loc[groups["value"].idxmax()], "last": groups.tail(1)}
    rows = [p.set_index("series")[["year", "value"]].add_prefix(f"{name}_") for name, p in picks.items()]
    return pd.concat(rows, axis=1)


def controls(frame: pd.DataFrame) -> tuple[Control, Control]:
    """The start-year slider (from the first year observed to the year before the shorter series ends) and the
    smoothing slider (mean over the last N years; 1 draws the observations themselves)."""
    last_common = int(frame.groupby("series")["year"].max().min())
    start = Control.range("start_year", int(frame["year"].min()), last_common - 1, 1,
                                 int(frame["year"].min()), "First year shown")
    smoothing = Control.range("smoothing", 1, MAX_SMOOTHING, 1, 1,
                                     "Smoothing: mean over the last N years")
    return start, smoothing


MEASURES = {"share": "share of employment", "jobs": "jobs"}
UNITS = {"share": "Share of employment (%)", "jobs": "Millions of jobs"}


def measure_control() -> Control:
    """Shares of employment (the default) or jobs, for the long-run chart of chapter 4."""
    return Control.radio("longrun_measure", list(MEASURES), "share", "Show", labels=list(MEASURES.values()))


SHORT = {UK_SERIES: "UK: industry", US_SERIES: "US: manufacturing"}  # each line's name at its end


def _end_label_expr() -> str:
    return f"{json.dumps(SHORT, ensure_ascii=False)}[datum.series] || datum.series"


def _layers(series: list[str], value_note: str, measure: str | None = None) -> list[alt.Chart]:
    """A line per series and a dot at each year shown, coloured by series, each line named at its last point
    (no legend: it would sit below the x axis, far from the lines, and its words would not follow the measure);
    tooltips on the dots. The lines draw ``value`` (shares) or, with ``measure`` (a parameter's name), ``shown``:
    the share or the jobs as chosen, the unit written above the plot."""
    colour = alt.Color("series:N", scale=alt.Scale(domain=series, range=PALETTE[:len(series)]), legend=None)
    x = alt.X("year:Q", title="Year", axis=alt.Axis(format="d"), scale=alt.Scale(zero=False, nice=False))
    y = (alt.Y("value:Q", title=UNITS["share"], scale=alt.Scale(zero=True)) if measure is None else
         alt.Y("shown:Q", title=None, scale=alt.Scale(zero=True)))
    tooltip = [alt.Tooltip("series:N", title="Series"), alt.Tooltip("year:Q", title="Year", format="d"),
               alt.Tooltip("value:Q", title=f"Share, % ({value_note})", format=".1f")]
    if measure is not None:
        tooltip.append(alt.Tooltip("jobs:Q", title=f"Jobs, millions ({value_note})", format=".2f"))
    line = alt.Chart().mark_line(strokeWidth=2).encode(x=x, y=y, color=colour).properties(name="longrun_line")
    dots = alt.Chart().mark_circle(size=22, opacity=0.9).encode(x=x, y=y, color=colour, tooltip=tooltip).properties(
        name="longrun_dots")
    ends = (alt.Chart().transform_joinaggregate(last_year="max(year)", groupby=["series"])
            .transform_filter("datum.year == datum.last_year")
            .transform_calculate(label=_end_label_expr())
            .mark_text(align="left", baseline="middle", dx=6, fontSize=12, fontWeight="bold")
            .encode(x=x, y=y, text="label:N",  # the palette's darker text variants (4.5:1 on the background)
                    fill=alt.Fill("series:N", scale=alt.Scale(domain=series, range=text_colours(PALETTE[:len(series)])),
                                  legend=None)).properties(name="longrun_ends"))
    if measure is None:
        return [line, dots, ends]
    unit = (alt.Chart().transform_aggregate(rows="count()")
            .transform_calculate(text=f"{measure} == 'jobs' ? '{UNITS['jobs']}' : '{UNITS['share']}'")
            .mark_text(align="left", baseline="bottom", x=0, y=-6, fontSize=12, fontWeight="bold")
            .encode(text="text:N").properties(name="longrun_unit"))
    return [line, dots, ends, unit]


def _chart_data(frame: pd.DataFrame, jobs: bool = False) -> pd.DataFrame:
    """The columns a chart embeds: one row per series and year (with the jobs when the chart can show them)."""
    columns = ["year", "series", "value"] + (["jobs"] if jobs else [])
    return frame[columns].sort_values(["series", "year"]).reset_index(drop=True)


def _series(frame: pd.DataFrame) -> list[str]:
    """The series labels in the order they first appear."""
    return list(dict.fromkeys(frame["series"]))


def longrun_chart(frame: pd.DataFrame, start: Control, smoothing: Control,
                  measure: Control | None = None) -> alt.LayerChart:
    """The long-run shares with two sliders that work without a kernel (Vega-Lite parameters), and with
    ``measure`` (:func:`measure_control`) a choice between shares and jobs.

    ``smoothing`` = N: each observation is spread over the N years it belongs to (``sequence`` + ``flatten``),
    then averaged by series and year, and only observed years are kept, which is the trailing mean of
    :func:`rolling_mean` (a Vega-Lite window frame cannot take a parameter). ``start`` then drops earlier years.
    """
    data = _chart_data(frame, jobs=measure is not None)
    means = {"value": "mean(value)", **({"jobs": "mean(jobs)"} if measure is not None else {})}
    chart = (
        alt.layer(*_layers(_series(data), "mean over the last N years set by the slider",
                           None if measure is None else measure.name), data=data)
        .properties(width=WIDTH + 100)
        .transform_calculate(offsets=f"sequence(0, max(1, round({smoothing.name})))")
        .transform_flatten(["offsets"], as_=["offset"])
        .transform_calculate(target="datum.year + datum.offset", own="datum.offset === 0 ? 1 : 0")
        .transform_aggregate(**means, observed="max(own)", groupby=["series", "target"])
        .transform_filter(f"datum.observed === 1 && datum.target >= {start.name}")
        .transform_calculate(year="datum.target")
    )
    if measure is None:
        return bind(chart, start, smoothing)
    chart = chart.transform_calculate(shown=f"{measure.name} == 'jobs' ? datum.jobs : datum.value")
    return bind(chart, start, smoothing, measure)


def longrun_view(frame: pd.DataFrame, start_year: int, smoothing: int,
                 longrun_measure: str = "share") -> alt.LayerChart:
    """The same chart computed in pandas for one choice of the sliders (and of shares or jobs): the ipywidgets
    path."""
    column = "jobs" if longrun_measure == "jobs" else "value"
    shown = rolling_mean(frame, smoothing, column=column)
    shown = shown[shown["year"] >= start_year]
    note = "observed" if int(smoothing) == 1 else f"mean over the last {int(smoothing)} years"
    y = alt.Y(f"{column}:Q", title=UNITS["jobs" if column == "jobs" else "share"], scale=alt.Scale(zero=True))
    return alt.layer(*_layers(_series(_chart_data(frame)), note), data=_chart_data(shown, jobs=True)).encode(
        y=y).properties(width=WIDTH + 100)


def figure_of(chart: alt.TopLevelMixin, frame: pd.DataFrame, jobs: bool = False) -> alt.TopLevelMixin:
    """:func:`longrun_figure` for the stacked frame of :func:`shares` (each series with its own provenance)."""
    return longrun_figure(chart, series_of(frame, UK_SERIES), series_of(frame, US_SERIES), jobs=jobs)


def title(uk: pd.DataFrame, us: pd.DataFrame, jobs: bool = False) -> str:
    """The chart's message, from the data: the year each share peaked (and, with ``jobs``, each count of jobs)."""
    def peak(frame: pd.DataFrame, column: str = "value") -> int:
        return int(frame.loc[frame[column].idxmax(), "year"])

    if jobs:
        return (f"Jobs in industry: the share peaked in {peak(uk)} in the UK and {peak(us)} in the US, the number "
                f"of jobs in {peak(uk, 'jobs')} and {peak(us, 'jobs')}")
    shares = f"Industry's share of jobs peaked in {peak(uk)} in the UK and in {peak(us)} in the US"
    halved = all(f["value"].iloc[-1] < f["value"].max() / 2 for f in (uk.sort_values("year"), us.sort_values("year")))
    return shares + ("; both have fallen to less than half their peak" if halved else "; both are lower since")


def longrun_figure(chart: alt.TopLevelMixin, uk: pd.DataFrame, us: pd.DataFrame,
                   jobs: bool = False) -> alt.TopLevelMixin:
    """The long-run chart with its title, description and a caption naming both sources (``jobs``: the chart
    can show jobs as well as shares)."""
    what = ("in per cent or, as chosen, in millions of jobs (persons employed in UK industry, US manufacturing "
            "payroll jobs)" if jobs else "in per cent")
    return figure(
        chart,
        title=title(uk, us, jobs),
        csv=[("longrun_line_marks", {"series": "series", "year": "year", "value": "share_percent",
                                     **({"jobs": "jobs_millions"} if jobs else {})})],
        description=("Lines: the UK share of persons employed in broad industry (mining, manufacturing, utilities, "
                     f"construction), {int(uk['year'].min())}-{int(uk['year'].max())}, and the US share of nonfarm "
                     f"payroll jobs in manufacturing, {int(us['year'].min())}-{int(us['year'].max())}, {what}, "
                     "from the first year chosen, each named at its last point. Dots mark the years each source "
                     "reports."),
        sources=[uk, us],
        note=("US values are annual averages of monthly seasonally adjusted counts, complete years only. The UK "
              "series has census years only before the First World War and none during the Second, which the "
              "line joins."),
    )


# --- measures for the claims of chapter 4: the change of a share between two years ------------------------------

def us_series_of(inputs: Inputs, choice: str = "seasonally adjusted") -> pd.DataFrame:
    """The US series of C4-2's ``choice`` of data ('seasonally adjusted': FRED, the chapter's series; 'not
    seasonally adjusted': the unadjusted CES series), computed once per inputs."""
    if choice not in US_SERIES_CHOICES:
        raise ValueError(f"unknown US series {choice!r}; expected one of {sorted(US_SERIES_CHOICES)}")
    if choice == "seasonally adjusted":
        return series_of(shares(inputs), US_SERIES)
    source, manufacturing, total = US_SERIES_CHOICES[choice]
    return inputs.derived(f"longrun.us.{choice}", lambda: us_manufacturing_share(
        inputs.frame(source), manufacturing, total))


def _change(own: pd.DataFrame, source: str, start: int, end: int) -> float:
    require_years(own, source, start, end)
    value = own.set_index("year")["value"]
    return float(value[end] - value[start])


def _last_us_year(inputs: Inputs, p: dict | None = None) -> int:
    """The latest complete year of the US series of ``p['series']`` (the series keeps complete years only)."""
    return int(us_series_of(inputs, (p or {}).get("series", "seasonally adjusted"))["year"].max())


@measure("uk_industry_share_change", sources=(UK_SOURCE, US_SOURCE))
def uk_share_change(inputs: Inputs, p: dict, start: int, end: int) -> float:
    """Change (percentage points) of the UK's broad-industry share of employment from ``start`` to ``end``."""
    return _change(series_of(shares(inputs), UK_SERIES), UK_SOURCE, start, end)


@measure("us_manufacturing_share_change", sources=(UK_SOURCE, US_SOURCE), latest=_last_us_year)
def us_share_change(inputs: Inputs, p: dict, start: int, end: int) -> float:
    """Change (percentage points) of US manufacturing's share of nonfarm payroll jobs from ``start`` to ``end``, on
    ``p['series']`` ('seasonally adjusted' by default, or 'not seasonally adjusted')."""
    choice = p.get("series", "seasonally adjusted")
    return _change(us_series_of(inputs, choice), US_SERIES_CHOICES[choice][0], start, end)


def decline_facts(inputs: Inputs, uk_window: dict, us_window: dict) -> dict[str, Fact]:
    """The numbers chapter 4 quotes for the claims' windows: each series' share and jobs in the first and last
    year (the US window's 'latest' is the latest complete year)."""
    frame = shares(inputs)
    out = {}
    for prefix, series, window, what in (("uk", UK_SERIES, uk_window, "UK broad industry"),
                                         ("us", US_SERIES, us_window, "US manufacturing")):
        own = series_of(frame, series)
        by_year = own.set_index("year")
        start = int(window["start"])
        end = int(own["year"].max()) if window["end"] == "latest" else int(window["end"])
        out[f"ch4_{prefix}_start"] = constant(start, f"first year of the claim's window ({what})")
        out[f"ch4_{prefix}_end"] = fact(end, f"last year of the claim's window ({what})", own)
        for when, year in (("start", start), ("end", end)):
            out[f"ch4_{prefix}_share_{when}"] = fact(float(by_year.loc[year, "value"]),
                                                     f"{what} share of employment in {year}, %", own)
            out[f"ch4_{prefix}_jobs_{when}"] = fact(float(by_year.loc[year, "jobs"]),
                                                    f"{what} jobs in {year}, millions", own)
        out[f"ch4_{prefix}_share_peak_year"] = fact(int(by_year["value"].idxmax()),
                                                    f"year of the highest {what} share of employment", own)
        out[f"ch4_{prefix}_jobs_peak_year"] = fact(int(by_year["jobs"].idxmax()),
                                                   f"year of the most {what} jobs", own)
        out[f"ch4_{prefix}_jobs_change"] = fact(
            float((by_year.loc[end, "jobs"] / by_year.loc[start, "jobs"] - 1) * 100),
            f"change of {what} jobs, {start} to {end}, %", own)
    return out
