"""US recorded-music revenue by format family, from the RIAA sales database (source ``riaa_sales``).

RIAA reports some two dozen formats. They are grouped here into four readable families (a classification, not
data), following RIAA's own headings:

- **physical**: CD, CD Single, Cassette, Cassette Single, LP/EP, Vinyl Single, 8 - Track, Other Tapes,
  Music Video (Physical), DVD Audio, SACD;
- **downloads**: Download Single, Download Album, Download Music Video, Kiosk, Ringtones & Ringbacks,
  Other Digital (RIAA's digital downloads and other digital sales);
- **streaming**: Paid Subscription(s), Limited Tier Paid Subscription, On-Demand Streaming (Ad-Supported),
  Other Ad-Supported Streaming, SoundExchange Distributions (royalties from digital radio);
- **other**: Synchronization (licensing music to film, TV, games and adverts).

Revenue is RIAA's retail value in US$ million, either nominal (metric ``Value``) or RIAA's own
inflation-adjusted series (``Value (Adjusted)``). The pinned copy does not name the adjusted series' base year:
:func:`adjusted_base_year` infers it as the year in which adjusted and nominal totals coincide, if there is one.
"""

from __future__ import annotations

import json

import altair as alt
import pandas as pd

from futurecity.claims.measures import Inputs
from futurecity.facts import Fact, fact
from futurecity.viz.controls import Control, bind
from futurecity.viz.embed import fold_years, wide_by_year
from futurecity.viz.theme import PALETTE, WIDTH, figure, text_colours

SOURCE = "riaa_sales"
METRICS = {"nominal": "Value", "adjusted": "Value (Adjusted)"}
FAMILY_ORDER = ("physical", "downloads", "streaming", "other")
_FAMILY_FORMATS = {
    "physical": ("CD", "CD Single", "Cassette", "Cassette Single", "LP/EP", "Vinyl Single", "8 - Track",
                 "Other Tapes", "Music Video (Physical)", "DVD Audio", "SACD"),
    "downloads": ("Download Single", "Download Album", "Download Music Video", "Kiosk", "Ringtones & Ringbacks",
                  "Other Digital"),
    "streaming": ("Paid Subscription", "Paid Subscriptions", "Limited Tier Paid Subscription",
                  "On-Demand Streaming (Ad-Supported)", "Other Ad-Supported Streaming",
                  "SoundExchange Distributions"),
    "other": ("Synchronization",),
}
FAMILIES = {fmt: family for family, formats in _FAMILY_FORMATS.items() for fmt in formats}


def family_of(formats: pd.Series) -> pd.Series:
    """The family of each format; raises ``ValueError`` naming any format the classification does not know."""
    unknown = sorted(set(formats) - set(FAMILIES))
    if unknown:
        raise ValueError(f"RIAA formats without a family: {unknown}; add them to futurecity.topics.music")
    return formats.map(FAMILIES)


def revenue_by_family(riaa: pd.DataFrame) -> pd.DataFrame:
    """Revenue by year, family and basis ('nominal' / 'adjusted'), US$ million; every family in every year.

    Columns: year, family, basis, value. Provenance attrs of ``riaa`` are kept.
    """
    money = riaa[riaa["metric"].isin(METRICS.values())]
    money = money.assign(family=family_of(money["format"]),
                         basis=money["metric"].map({v: k for k, v in METRICS.items()}))
    sums = money.groupby(["year", "family", "basis"])["value"].sum()
    full = pd.MultiIndex.from_product([sorted(money["year"].unique()), FAMILY_ORDER, list(METRICS)],
                                      names=["year", "family", "basis"])
    out = sums.reindex(full, fill_value=0.0).reset_index()
    out.attrs.update(riaa.attrs)
    return out


def streaming_share(revenue: pd.DataFrame, basis: str = "nominal") -> pd.DataFrame:
    """Streaming's share (per cent) of all revenue by year: year, streaming, total, share."""
    one = revenue[revenue["basis"] == basis]
    wide = one.pivot_table(index="year", columns="family", values="value", aggfunc="sum")
    out = pd.DataFrame({"streaming": wide["streaming"], "total": wide.sum(axis=1)}).reset_index()
    out["share"] = out["streaming"] / out["total"] * 100
    out.attrs.update(revenue.attrs)
    return out


def first_year_above(share: pd.DataFrame, threshold: float) -> int | None:
    """The first year in which streaming's share (from :func:`streaming_share`) exceeds ``threshold`` per cent."""
    above = share.loc[share["share"] > threshold, "year"]
    return int(above.min()) if len(above) else None


def totals(revenue: pd.DataFrame, basis: str = "nominal") -> pd.Series:
    """All revenue by year on one basis (US$ million)."""
    return revenue[revenue["basis"] == basis].groupby("year")["value"].sum()


def adjusted_base_year(revenue: pd.DataFrame, tolerance: float = 1e-3) -> int | None:
    """The year in which adjusted and nominal totals coincide (the adjusted series' base), or None."""
    ratio = totals(revenue, "adjusted") / totals(revenue, "nominal")
    hits = ratio[(ratio - 1).abs() <= tolerance]
    return int(hits.index[-1]) if len(hits) else None


def peak(revenue: pd.DataFrame, basis: str = "adjusted", family: str | None = None) -> tuple[int, float]:
    """The year and value of the highest revenue (all families, or one family) on one basis."""
    one = revenue[revenue["basis"] == basis]
    if family is not None:
        one = one[one["family"] == family]
    by_year = one.groupby("year")["value"].sum()
    return int(by_year.idxmax()), float(by_year.max())


def revenue(inputs: Inputs) -> pd.DataFrame:
    """:func:`revenue_by_family` of the inputs' RIAA frame, computed once per inputs."""
    return inputs.derived("music.revenue", lambda: revenue_by_family(inputs.frame(SOURCE)))


def facts(inputs: Inputs) -> dict[str, Fact]:
    """The music numbers chapter 5 quotes: the peak of inflation-adjusted revenue, the last year's revenue and
    streaming's share of it, the first year streaming passed half of revenue, and the adjusted series' base."""
    table = revenue(inputs)
    share = streaming_share(table)
    peak_year, peak_value = peak(table, "adjusted")
    last = share.iloc[-1]
    base = adjusted_base_year(table)
    return {
        "music_peak_year": fact(peak_year, "year of the highest inflation-adjusted US recorded-music revenue", table),
        "music_peak_bn": fact(peak_value / 1000, f"US recorded-music revenue in {peak_year}, US$ billion "
                              "(RIAA's inflation-adjusted series)", table),
        "music_base_year": fact(base or "an unstated year", "year in which RIAA's adjusted and nominal totals "
                                "coincide", table),
        "music_last_year": fact(int(last["year"]), "last year of the RIAA data read", table),
        "music_last_bn": fact(float(totals(table, "adjusted").iloc[-1] / 1000),
                              f"US recorded-music revenue in {int(last['year'])}, US$ billion (adjusted)", table),
        "music_streaming_share": fact(float(last["share"]), f"streaming's share of US recorded-music revenue in "
                                      f"{int(last['year'])}, % (nominal)", table),
        "music_half_year": fact(first_year_above(share, 50), "first year streaming exceeded half of US "
                                "recorded-music revenue", table),
    }


# --- the chapter's chart: revenue by family, nominal or adjusted ------------------------------------------------

def controls() -> Control:
    """RIAA's inflation-adjusted series (the default: the dollars of 2019 the chapter quotes) or nominal dollars."""
    return Control.radio("music_basis", ["adjusted", "nominal"], "adjusted", "Dollars",
                         labels=["of 2019 (adjusted for inflation by the RIAA)", "nominal"])


def revenue_chart(revenue: pd.DataFrame, basis: Control) -> alt.VConcatChart:
    """Stacked areas of revenue by family on the chosen basis, and streaming's share of all revenue below."""
    order = list(FAMILY_ORDER)
    # no legend, which sat below both panels, far from the areas: each area is named at its right end
    colour = alt.Color("family:N", title="Format family", legend=None,
                       scale=alt.Scale(domain=order, range=PALETTE[:len(order)]))
    x = alt.X("year:Q", title=None, axis=alt.Axis(format="d"), scale=alt.Scale(nice=False))
    y = alt.Y("value:Q", stack="zero", title="US$ million")
    rows = (alt.Chart().transform_filter(f"datum.basis == {basis.name}")
            .transform_calculate(stack_order=f"indexof({json.dumps(order)}, datum.family)"))
    areas = (rows.mark_area()
             .encode(x=x, y=y, color=colour, order=alt.Order("stack_order:Q"),
                     tooltip=[alt.Tooltip("year:Q", format="d", title="Year"),
                              alt.Tooltip("family:N", title="Family"),
                              alt.Tooltip("value:Q", format=",.0f", title="US$ million")])
             .properties(name="music_areas"))
    # the middle of each family's band in the last year, stacked in the areas' order
    ends = (rows.transform_stack(stack="value", groupby=["year"], as_=["low", "high"],
                                 sort=[alt.SortField("stack_order")])
            .transform_joinaggregate(last_year="max(year)")
            .transform_filter("datum.year == datum.last_year && datum.value > 0")
            .transform_calculate(middle="(datum.low + datum.high) / 2")
            .mark_text(align="left", baseline="middle", dx=5, fontSize=11, fontWeight="bold")
            .encode(x=x, y=alt.Y("middle:Q"), text="family:N",
                    fill=alt.Fill("family:N", legend=None,
                                  scale=alt.Scale(domain=order, range=text_colours(PALETTE[:len(order)]))))
            .properties(name="music_ends"))
    areas = alt.layer(areas, ends).properties(width=WIDTH + 80, height=280)
    share = (alt.Chart()
             .transform_filter(f"datum.basis == {basis.name}")
             .transform_joinaggregate(total="sum(value)", groupby=["year"])
             .transform_filter("datum.family == 'streaming' && datum.total > 0")
             .transform_calculate(share="datum.value / datum.total * 100")
             .mark_line(color=PALETTE[2], point=alt.OverlayMarkDef(color=PALETTE[2]))
             .encode(x=x, y=alt.Y("share:Q", title="Streaming, % of revenue"),
                     tooltip=[alt.Tooltip("year:Q", format="d", title="Year"),
                              alt.Tooltip("share:Q", format=".1f", title="Streaming, % of revenue")])
             .properties(width=WIDTH + 80, height=120, name="music_share"))
    wide = wide_by_year(revenue, ["family", "basis"])  # a row per family and basis, folded back in the browser
    return bind(fold_years(alt.vconcat(areas, share, data=wide), wide), basis)


def revenue_title(revenue: pd.DataFrame) -> str:
    """The chart's message, from the data: streaming's share of US recorded-music revenue in the last year."""
    last = streaming_share(revenue, "adjusted").dropna(subset=["share"]).iloc[-1]
    return f"Streaming brought {last['share']:.0f}% of US recorded-music revenue in {int(last['year'])}"


def revenue_figure(chart, riaa: pd.DataFrame, revenue: pd.DataFrame):
    """The music chart with its title, description and caption."""
    base = adjusted_base_year(revenue)
    base_note = (f"RIAA's adjusted series equals the nominal one in {base}, so it is read as {base} dollars "
                 "(the data do not say)." if base else
                 "The data do not state the base year of RIAA's adjusted series.")
    return figure(
        chart,
        title=revenue_title(revenue),
        csv=[("music_areas_0_marks", {"year": "year", "family": "format_family", "value": "revenue_usd_million"}),
             ("music_share_marks", {"year": "year", "total": "revenue_usd_million",
                                    "share": "streaming_share_percent"}, {"format_family": "all formats"})],
        description=("Stacked areas: retail value of recorded-music sales in the US by format family (physical, "
                     "downloads, streaming, other), in nominal dollars or RIAA's inflation-adjusted dollars. "
                     "Line: streaming's share of all revenue."),
        sources=[riaa],
        note=base_note + " Formats are grouped into families following the RIAA's own headings: physical "
             "(CD, vinyl, cassette ...), downloads, streaming (subscriptions, ad-supported, SoundExchange) and other "
             "(synchronisation).")
