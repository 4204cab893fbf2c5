"""Automation exposure: Frey and Osborne's probabilities of computerisation weighted by US employment (claim C2-1).

One source, ``frey_osborne``: the probability of computerisation Frey and Osborne (2017) estimated for 702 US
occupations (SOC 2010), merged by plotly with the BLS Occupational Employment Statistics of May 2016
(employment, median annual wage) and the typical education for entry. Employment is the file's
``numbEmployed`` column: its ``employed_may2016`` column is shifted on two rows (see the parser).

The share of jobs "at high risk" above a threshold is the employment in occupations whose probability is above
the threshold over all employment in the file (:func:`share_above`); Frey and Osborne call a probability above
0.7 high risk, and their headline (about 47% of US employment) used 2010 employment weights, not May 2016's, so
the same probabilities weighted by later jobs need not give the same share.

Groups: the typical education for entry (the file's own eight levels) and wage bands of the occupation's median
annual wage (:data:`WAGE_BANDS`, our choice of round dollar limits). The browser chart computes every share for
the threshold the reader picks; :func:`automation_view` is its pandas twin.

What a chapter calls: :func:`facts`, :func:`automation_figure`, :func:`automation_widgets`; the measure of C2-1
is ``frey_osborne_share_above``.
"""

from __future__ import annotations


import altair as alt
import pandas as pd

from futurecity.claims import ledger
from futurecity.claims.measures import Inputs, measure
from futurecity.facts import Fact, constant, fact
from futurecity.viz import badges, labels, status
from futurecity.viz.controls import Control, bind, interact
from futurecity.viz.labels import LabelColumn
from futurecity.viz.theme import MUTED, PALETTE, WIDTH, figure

SOURCE = "frey_osborne"
CLAIM_ID = "C2-1"
HIGH = 0.7  # Frey and Osborne's "high risk": a probability above 0.7 (and "low risk" below 0.3)
LOW = 0.3
THRESHOLD, GROUP = "auto_threshold", "auto_group"  # the controls' parameters
GROUPS = ("education", "wage")
GROUP_LABELS = ("education for entry", "median wage")
EDUCATION = ("No formal educational credential", "High school diploma or equivalent", "Some college, no degree",
             "Postsecondary nondegree award", "Associate's degree", "Bachelor's degree", "Master's degree",
             "Doctoral or professional degree")
# median annual wage bands, US dollars (lower limit included): our choice of round limits, a definition
WAGE_BANDS = ((0, "under $30,000"), (30000, "$30,000 to $39,999"), (40000, "$40,000 to $59,999"),
              (60000, "$60,000 to $79,999"), (80000, "$80,000 or more"))
BIN = 0.05  # the histogram's width of a probability bin
LINE = badges.LINE
FONT = badges.BADGE_FONT
ABOVE, BELOW = "above the threshold", "at or below it"
# jobs above the threshold in orange, those at or below it in grey: never a claim status's green or vermilion
ABOVE_COLOUR = PALETTE[1]
ROLE_COLOURS = {ABOVE: ABOVE_COLOUR, BELOW: MUTED}
COLUMN = LabelColumn(150)  # the group chart's label column; texts above start at the chart's left edge
HIST_HEIGHT = 180
# fewer ticks on a phone's column (0, 0.5, 1 rather than every 0.2, whose labels run into one another there)
PHONE_TICKS = alt.ExprRef(f"{badges.NARROW_EXPR} ? 3 : 5")
GROUP_HEIGHT = 26 * len(EDUCATION)  # one height for either grouping, so switching leaves no blank band
Y_UNIT = "US jobs, millions"


# --- the model ---------------------------------------------------------------------------------------------------

def wage_band(wage: float) -> str:
    """The band of :data:`WAGE_BANDS` a median annual wage falls in."""
    found = WAGE_BANDS[0][1]
    for lower, name in WAGE_BANDS:
        if wage >= lower:
            found = name
    return found


def occupations(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per occupation with its probability, employment, median wage, education and wage band; refuses a
    frame with a missing probability or employment, a probability outside 0-1, or an education level not in
    :data:`EDUCATION`. Provenance kept."""
    need = frame[["probability", "employed"]]
    if need.isna().any().any():
        raise ValueError(f"{SOURCE}: {int(need.isna().any(axis=1).sum())} occupations lack a probability or an "
                         "employment count")
    if not frame["probability"].between(0, 1).all():
        raise ValueError(f"{SOURCE}: probabilities outside 0-1")
    unknown = sorted(set(frame["education"].dropna()) - set(EDUCATION))
    if unknown:
        raise ValueError(f"{SOURCE}: education levels not known to the chapter: {unknown}")
    out = pd.DataFrame({"soc_code": frame["soc_code"].astype(str), "occupation": frame["occupation"].astype(str),
                        "probability": frame["probability"].astype(float),
                        "employed": frame["employed"].astype(float), "wage": frame["median_wage"].astype(float),
                        "education": frame["education"].astype(str)})
    out["wage_band"] = out["wage"].map(wage_band)
    out.attrs = dict(frame.attrs)
    return out


def table(inputs: Inputs) -> pd.DataFrame:
    """:func:`occupations` of the inputs, computed once."""
    return inputs.derived("automation.table", lambda: occupations(inputs.frame(SOURCE)))


def share_above(occ: pd.DataFrame, threshold: float) -> float:
    """Per cent of employment in occupations whose probability of computerisation is above ``threshold``."""
    return float(occ.loc[occ["probability"] > threshold, "employed"].sum() / occ["employed"].sum() * 100)


def by_group(occ: pd.DataFrame, threshold: float, group: str = "education") -> pd.DataFrame:
    """Per group (education level or wage band, in their own order): employment, employment above the threshold,
    its share (per cent) and the number of occupations."""
    column, order = ("education", EDUCATION) if group == "education" else ("wage_band", [n for _, n in WAGE_BANDS])
    rows = []
    for name in order:
        g = occ[occ[column] == name]
        if g.empty:
            continue
        above = float(g.loc[g["probability"] > threshold, "employed"].sum())
        rows.append({"group": name, "employed": float(g["employed"].sum()), "above": above,
                     "share": above / float(g["employed"].sum()) * 100, "occupations": len(g)})
    return pd.DataFrame(rows)


@measure("frey_osborne_share_above", sources=(SOURCE,))
def measure_share_above(inputs: Inputs, p: dict, start, end) -> float:
    """C2-1: the per cent of US employment (the file's May 2016 weights) in occupations whose probability of
    computerisation is above the ledger's ``threshold`` (one cross-section: no window)."""
    return share_above(table(inputs), float(p["threshold"]))


# --- the facts a chapter quotes ------------------------------------------------------------------------------

def facts(inputs: Inputs) -> dict[str, Fact]:
    """The numbers the chapter's prose quotes about automation exposure, each a Fact: ``auto_occupations_n``,
    ``auto_employed_m`` (millions), ``auto_high`` (threshold 0.7), ``auto_high_share`` (% of employment above it,
    C2-1's value), ``auto_high_m``, ``auto_high_occ_n``, ``auto_low_share`` (below 0.3), ``auto_mid_share``,
    ``auto_at_high_n`` (occupations exactly at 0.7, not counted), per education level the shares of the least
    and most educated (``auto_edu_none_share``, ``auto_edu_hs_share``, ``auto_edu_ba_share``,
    ``auto_edu_doc_share``), per wage band the lowest and highest (``auto_wage_low_share``,
    ``auto_wage_high_share``, with ``auto_wage_low_band`` / ``auto_wage_high_band``), ``auto_vintage``."""
    occ = table(inputs)
    total = occ["employed"].sum()
    above = occ[occ["probability"] > HIGH]
    low = occ[occ["probability"] < LOW]
    edu = by_group(occ, HIGH, "education").set_index("group")["share"]
    wage = by_group(occ, HIGH, "wage").set_index("group")["share"]
    first_band, last_band = WAGE_BANDS[0][1], WAGE_BANDS[-1][1]
    return {
        "auto_occupations_n": fact(len(occ), "occupations in the Frey and Osborne file", occ),
        "auto_employed_m": fact(total / 1e6, "US employment in those occupations, May 2016, millions", occ),
        "auto_high": fact(HIGH, "Frey and Osborne's high-risk threshold (probability above it)", occ,
                          claim=CLAIM_ID),
        "auto_low": fact(LOW, "Frey and Osborne's low-risk threshold (probability below it)", occ),
        "auto_high_share": fact(share_above(occ, HIGH), f"% of US employment (May 2016 weights) in occupations with "
                                f"a probability of computerisation above {HIGH}", occ, claim=CLAIM_ID),
        "auto_high_m": fact(above["employed"].sum() / 1e6, f"US employment above {HIGH}, millions", occ),
        "auto_high_occ_n": fact(len(above), f"occupations with a probability above {HIGH}", occ),
        "auto_at_high_n": fact(int((occ["probability"] == HIGH).sum()), f"occupations with a probability of exactly "
                               f"{HIGH} (not above it)", occ),
        "auto_low_share": fact(low["employed"].sum() / total * 100, f"% of employment with a probability below {LOW}",
                               occ),
        "auto_mid_share": fact(100 - share_above(occ, HIGH) - low["employed"].sum() / total * 100,
                               f"% of employment with a probability from {LOW} to {HIGH}", occ),
        "auto_edu_none_share": fact(float(edu[EDUCATION[0]]), f"% of employment above {HIGH}, occupations needing "
                                    "no formal educational credential", occ),
        "auto_edu_hs_share": fact(float(edu[EDUCATION[1]]), f"% above {HIGH}, occupations needing a high school "
                                  "diploma", occ),
        "auto_edu_ba_share": fact(float(edu["Bachelor's degree"]), f"% above {HIGH}, occupations needing a "
                                  "bachelor's degree", occ),
        "auto_edu_doc_share": fact(float(edu[EDUCATION[-1]]), f"% above {HIGH}, occupations needing a doctoral or "
                                   "professional degree", occ),
        "auto_wage_low_band": constant(first_band, "the lowest median-wage band (our choice of limits)"),
        "auto_wage_high_band": constant(last_band, "the highest median-wage band (our choice of limits)"),
        "auto_wage_low_share": fact(float(wage[first_band]), f"% above {HIGH}, occupations with a median wage "
                                    f"{first_band}", occ),
        "auto_wage_high_share": fact(float(wage[last_band]), f"% above {HIGH}, occupations with a median wage "
                                     f"{last_band}", occ),
        "auto_vintage": fact(occ.attrs.get("vintage_label", ""), "the Frey and Osborne file read", occ),
    }


# --- the chart -----------------------------------------------------------------------------------------------

def chart_data(occ: pd.DataFrame) -> pd.DataFrame:
    """What the chart embeds: one row per occupation (code, title, probability, employment, wage, education,
    wage band, and the place of each group in its order)."""
    edu_order = {n: i for i, n in enumerate(EDUCATION)}
    wage_order = {n: i for i, (_, n) in enumerate(WAGE_BANDS)}
    out = occ[["soc_code", "occupation", "probability", "employed", "wage", "education", "wage_band"]].copy()
    out["edu_order"] = out["education"].map(edu_order).astype("int64")
    out["wage_order"] = out["wage_band"].map(wage_order).astype("int64")
    return out


def controls() -> tuple[Control, Control]:
    """The high-risk threshold (0.05 to 0.95, Frey and Osborne's 0.7 at first) and the grouping of the lower
    chart (education for entry or median-wage band)."""
    return (Control.range(THRESHOLD, 0.05, 0.95, 0.05, HIGH, "High risk above"),
            Control.radio(GROUP, GROUPS, GROUPS[0], "Group by", labels=GROUP_LABELS))


def _claim() -> dict:
    return ledger.definition(CLAIM_ID, ledger.chapter_claims(2))


def _shares() -> alt.Chart:
    """One datum: employment above the threshold, all employment, their share (per cent), occupations above."""
    return (alt.Chart().transform_calculate(above=f"datum.probability > {THRESHOLD} ? datum.employed : 0",
                                            n_above=f"datum.probability > {THRESHOLD} ? 1 : 0")
            .transform_aggregate(above="sum(above)", total="sum(employed)", n_above="sum(n_above)", n="count()")
            .transform_calculate(value="datum.above / datum.total * 100"))


SUMMARY_TEXT = ("'Above ' + format(" + THRESHOLD + ", '.2f') + ': ' + format(datum.value, '.1f') + "
                "'% of US jobs,\\n' + format(datum.above / 1e6, '.1f') + ' of ' + format(datum.total / 1e6, '.1f') + "
                "' million, in ' + datum.n_above + ' of ' + datum.n + '\\noccupations (May 2016 weights)'")


def _summary(claim: dict) -> alt.LayerChart:
    on_paper = f"abs({THRESHOLD} - {claim['measure']['threshold']}) < 1e-9"
    badge = badges.badge_layer(_shares(), claim, "datum.value", "0", "0", 0, fmt=".1f", suffix="%",
                               column=COLUMN, on_paper=on_paper, off=status.OFF_THRESHOLD)
    summary = (_shares().transform_calculate(text=SUMMARY_TEXT)
               .mark_text(**COLUMN.at_edge, y=badges.top(1, lines=0.5), fontSize=FONT, lineBreak="\n",
                          lineHeight=LINE, color="#1A1A1A")
               .encode(text="text:N").properties(name="auto_summary"))
    return alt.layer(badge, summary).properties(width=WIDTH, height=1)  # its marks take the room they need


def _unit_axis(**kwargs) -> alt.Axis:
    """The histogram's y axis: the label column's width, its unit written level with the top of the axis and
    ending at the axis line, where the eye finds it (not at the chart's far left edge)."""
    return COLUMN.axis(title=Y_UNIT, titleAngle=0, titleAlign="right", titleBaseline="bottom", titleX=0,
                       titleY=-8, titleFontWeight="normal", titleFontSize=11, **kwargs)


def _role_colour(legend: bool = True) -> alt.Color:
    return alt.Color("role:N", scale=alt.Scale(domain=list(ROLE_COLOURS), range=list(ROLE_COLOURS.values())),
                     # from the chart's left edge, above the axis's unit: a phone's column has room for it there
                     legend=alt.Legend(title=None, orient="none", legendX=-COLUMN.extent, legendY=-40,
                                       direction="horizontal", symbolType="square", labelFontSize=11)
                     if legend else None)


def _histogram() -> alt.LayerChart:
    """Jobs by probability of computerisation, one bar per bin of :data:`BIN` split at the threshold (the bin
    holding the occupations exactly at the threshold has both parts, stacked)."""
    bars = (alt.Chart()
            .transform_calculate(bin0=f"floor(datum.probability / {BIN} + 1e-9) * {BIN}",
                                 role=f"datum.probability > {THRESHOLD} ? '{ABOVE}' : '{BELOW}'")
            .transform_calculate(bin0=f"min(datum.bin0, {1 - BIN})", bin1=f"min(datum.bin0, {1 - BIN}) + {BIN}")
            .transform_aggregate(jobs="sum(employed)", occupations="count()", groupby=["bin0", "bin1", "role"])
            .transform_calculate(millions="datum.jobs / 1e6", below=f"datum.role === '{BELOW}' ? 0 : 1")
            # stacked here, not by Vega-Lite (which cannot stack bars whose x is a range): the part at or below
            # the threshold first, from zero; outputs under new names
            .transform_window(top="sum(millions)", groupby=["bin0"], sort=[alt.SortField("below")],
                              frame=[None, 0])
            .transform_calculate(base="datum.top - datum.millions")
            .mark_bar(stroke="white", strokeWidth=0.5)
            .encode(x=alt.X("bin0:Q", title="Probability of computerisation", scale=alt.Scale(domain=[0, 1]),
                            axis=alt.Axis(format=".1f", tickCount=PHONE_TICKS, titleAnchor="end")),
                    x2="bin1:Q",
                    y=alt.Y("top:Q", axis=_unit_axis(), scale=alt.Scale(zero=True)),
                    y2="base:Q",
                    color=_role_colour(),
                    tooltip=[alt.Tooltip("bin0:Q", title="Probability from", format=".2f"),
                             alt.Tooltip("role:N", title="Threshold"),
                             alt.Tooltip("millions:Q", title="Jobs, millions", format=".2f"),
                             alt.Tooltip("occupations:Q", title="Occupations")])
            .properties(name="auto_bins"))
    rule = (alt.Chart().transform_aggregate(rows="count()").transform_calculate(t=THRESHOLD)
            .mark_rule(color="black", strokeWidth=1.5).encode(x="t:Q").properties(name="auto_rule"))
    return alt.layer(bars, rule).properties(width=WIDTH, height=HIST_HEIGHT)


def _group_chart() -> alt.LayerChart:
    names = [*EDUCATION, *(n for _, n in WAGE_BANDS)]
    rows = (alt.Chart()
            .transform_calculate(group=f"{GROUP} == 'wage' ? datum.wage_band : datum.education",
                                 order=f"{GROUP} == 'wage' ? datum.wage_order : datum.edu_order",
                                 above=f"datum.probability > {THRESHOLD} ? datum.employed : 0")
            .transform_aggregate(above="sum(above)", employed="sum(employed)", occupations="count()",
                                 groupby=["group", "order"])
            .transform_calculate(share="datum.above / datum.employed * 100"))
    y = alt.Y("group:N", title=None, sort=alt.EncodingSortField("order", op="min"),
              axis=COLUMN.axis(labelExpr=labels.wrapped_label_expr(names, 24), labelLimit=0, labelFontSize=11))
    x = alt.X("share:Q", title=["% of the group's jobs", "above the threshold"], scale=alt.Scale(domain=[0, 100]),
              axis=alt.Axis(tickCount=PHONE_TICKS))
    bars = rows.mark_bar(color=ABOVE_COLOUR).encode(
        x=x, y=y, tooltip=[alt.Tooltip("group:N", title="Group"),
                           alt.Tooltip("share:Q", title="% of jobs above", format=".1f"),
                           alt.Tooltip("employed:Q", title="Jobs", format=","),
                           alt.Tooltip("occupations:Q", title="Occupations")]).properties(name="auto_groups")
    text = rows.mark_text(align="left", dx=3, fontSize=FONT).encode(
        x=x, y=y, text=alt.Text("share:Q", format=".0f")).properties(name="auto_group_labels")
    # as wide as the histogram's plot (the same label column at its left): on a phone the bars keep the width the
    # column leaves, not 160 pixels less
    return alt.layer(bars, text).properties(width=WIDTH, height=GROUP_HEIGHT)


def automation_chart(occ: pd.DataFrame, threshold: Control, group: Control, claim: dict) -> alt.VConcatChart:
    """The browser chart: C2-1's badge and the share of US jobs above the threshold, US jobs by probability of
    computerisation (above the threshold in orange, at or below it in grey) and the share above it per
    education level or wage band, all computed in the browser from one row per occupation."""
    # every y axis takes the COLUMN and the texts above start at its left edge, the chart's; the badge's status
    # colours and the histogram's colours are separate scales (merged, the bins took the status colours)
    chart = alt.vconcat(_summary(claim), _histogram(), _group_chart(), data=chart_data(occ), spacing=14)
    return bind(chart.resolve_scale(color="independent"), threshold, group)


TITLE = "Jobs that need less education are far more likely to be at high risk of computerisation"


def _figure(chart, occ: pd.DataFrame, browser: bool) -> alt.TopLevelMixin:
    how = "the slider" if browser else "the widget"
    return figure(
        chart,
        title=TITLE,
        csv=[("auto_bins_1_marks", {"bin0": "probability_from", "bin1": "probability_to", "role": "risk",
                                    "occupations": "occupations", "jobs": "jobs"}, {"panel": "jobs by probability"}),
             ("auto_groups_2_marks", {"group": "group", "occupations": "occupations", "employed": "jobs",
                                      "above": "jobs_above_threshold", "share": "share_above_threshold_percent"},
              {"panel": "share of each group's jobs above the threshold"})],
        description=(f"Top: claim C2-1 and the share of US employment in occupations whose probability of "
                     f"computerisation (Frey and Osborne) is above the threshold set with {how}. Middle: US jobs "
                     f"by probability, in bins of {BIN}; orange above the threshold, grey at or below it. Bottom: "
                     "the share of each group's jobs above the threshold, by the education typical for entry or "
                     "by the occupation's median annual wage."),
        sources=occ,
        note=("Frey and Osborne weighted their probabilities with 2010 employment; the data read here carry "
              "May 2016 employment, so the share at 0.7 need not equal their 47%. Wage bands are our choice of limits."))


def automation_figure(inputs: Inputs) -> alt.TopLevelMixin:
    """The chapter's automation chart, ready to display: the threshold slider and the grouping buttons bound,
    C2-1's badge, captioned with source, vintage and licence."""
    occ = table(inputs)
    return _figure(automation_chart(occ, *controls(), _claim()), occ, browser=True)


def view_bins(occ: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """The histogram's bars for one threshold, in pandas: per bin and side of the threshold, the jobs
    (millions) and the bar's ``base`` and ``top`` (the part at or below the threshold stacked first)."""
    binned = occ.assign(bin0=(occ["probability"] / BIN + 1e-9).floordiv(1).mul(BIN).clip(upper=1 - BIN),
                        role=occ["probability"].gt(threshold).map({True: ABOVE, False: BELOW}))
    binned = binned.groupby(["bin0", "role"], as_index=False)["employed"].sum()
    binned["bin1"], binned["millions"] = binned["bin0"] + BIN, binned["employed"] / 1e6
    binned = binned.sort_values(["bin0", "role"], key=lambda s: s.eq(ABOVE) if s.name == "role" else s)
    binned["top"] = binned.groupby("bin0")["millions"].cumsum()
    binned["base"] = binned["top"] - binned["millions"]
    return binned.reset_index(drop=True)


def automation_view(occ: pd.DataFrame, auto_threshold: float, auto_group: str) -> alt.VConcatChart:
    """The same model as :func:`automation_chart` computed in pandas for one threshold and grouping."""
    share = share_above(occ, auto_threshold)
    above = occ[occ["probability"] > auto_threshold]
    lines = [f"Above {auto_threshold:.2f}: {share:.1f}% of US jobs,",
             f"{above['employed'].sum() / 1e6:.1f} of {occ['employed'].sum() / 1e6:.1f} million, in {len(above)} of "
             f"{len(occ)}", "occupations (May 2016 weights)"]
    text = alt.Chart(pd.DataFrame({"text": lines, "row": range(len(lines))})).mark_text(
        align="left", baseline="top", x=0, fontSize=FONT).encode(
        y=alt.Y("row:O", axis=None), text="text:N").properties(width=WIDTH, height=len(lines) * LINE + 4)
    hist = alt.Chart(view_bins(occ, auto_threshold)).mark_bar(stroke="white", strokeWidth=0.5).encode(
        x=alt.X("bin0:Q", title="Probability of computerisation", scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format=".1f", tickCount=5, titleAnchor="end")), x2="bin1:Q",
        y=alt.Y("top:Q", axis=_unit_axis(), scale=alt.Scale(zero=True)), y2="base:Q",
        color=_role_colour()).properties(width=WIDTH, height=HIST_HEIGHT)
    groups = by_group(occ, auto_threshold, auto_group)
    names = list(groups["group"])
    bars = alt.Chart(groups).mark_bar(color=ABOVE_COLOUR).encode(
        x=alt.X("share:Q", title=["% of the group's jobs", "above the threshold"], scale=alt.Scale(domain=[0, 100])),
        y=alt.Y("group:N", sort=names, title=None,
                axis=COLUMN.axis(labelExpr=labels.wrapped_label_expr(names, 24), labelLimit=0)),
        tooltip=["group:N", alt.Tooltip("share:Q", format=".1f")]).properties(width=WIDTH,
                                                                               height=GROUP_HEIGHT)
    return alt.vconcat(text, hist, bars, spacing=14).resolve_scale(color="independent")


def automation_widgets(inputs: Inputs) -> None:
    """The automation chart computed in pandas with ipywidgets (threshold, grouping), for readers running
    Jupyter; shows the widgets and the chart, returns None."""
    occ = table(inputs)
    interact(lambda **v: _figure(automation_view(occ, **v), occ, browser=False), *controls())
    return None
