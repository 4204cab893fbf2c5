"""Manufacturing's share of jobs in British cities: Figure 1 of the paper redrawn as far as the real data go.

Cities are Centre for Cities' Primary Urban Areas (``pua_lookup``: 2023 local authorities -> 63 cities); the
paper does not list its cities, so this is our choice. The pinned census file (``census2011_workplace``) counts
workers by industry section for every MSOA of England and Wales **by workplace**, and each MSOA's name carries
its 2011 district ("Darlington 001"). The chain is::

    MSOA -> 2011 district (from the MSOA name) -> 2023 authority (data/cities_district_bridge.csv) -> city

The bridge is a project table of names and reorganisations (Dorset 2019, Northamptonshire 2021, Cumbria, North
Yorkshire and Somerset 2023, spellings such as "Kingston upon Hull" for "Kingston upon Hull, City of"); a district
not in it keeps its name. The lookup also keeps some pre-2023 districts beside the authorities that replaced
them; they are not used (the bridge sends their names to the new authority). Of the 63 cities, 58 are in England
and Wales; Aberdeen, Belfast, Dundee, Edinburgh and Glasgow have no England-and-Wales census data and are named as
absent (:func:`absent_cities`), never dropped silently.

A city's manufacturing share is its workers in section C over all its workers (per cent). The paper's Figure 1
averages cities without weights (:func:`means`: ``unweighted``); the employment-weighted mean is the pooled
share of all city workers (``weighted``).

The newest point is the 2021 census (``census2021_industry_ltla``, TS060): usual residents in employment by the
SIC division of their job, by local authority, counted where they LIVE. Its authorities are carried to cities by
the same bridge and lookup (:func:`city_table_2021`). It is not on the 2011 file's basis (workers counted where
they work), so a city's 2021 share beside its 2011 share is not a change: the chart draws the two as different
marks and says so, and no change between them is computed.

C4-1b (the change in the unweighted mean of city shares, 2001-2011) needs the census industry tables by local
authority for both years on the same (residence) basis, which only a live pull brings
(``census2001_industry_la``, KS011a; ``census2011_industry_la``, KS605EW): measure
``census_city_share_change``. The 1971-1991 censuses are on pre-1996 districts, for which we hold no bridge.

Exposed for the chapter: :func:`facts`, :func:`city_figure`, :func:`city_widgets`.
"""

from __future__ import annotations

import io

import altair as alt
import pandas as pd

from futurecity import reads
from futurecity.claims.measures import Inputs, measure
from futurecity.data import registry
from futurecity.errors import DataUnavailable, NeedsLiveData, NotCovered
from futurecity.facts import Fact, constant, fact
from futurecity.topics import bres
from futurecity.viz.controls import Control, bind, interact
from futurecity.viz.theme import HIGHLIGHT, PALETTE, WIDTH, figure, text_colour

SOURCE = "census2011_workplace"
SOURCE_2021 = "census2021_industry_ltla"  # residence basis, by local authority, SIC divisions (TS060)
NO_JOB = "Does not apply"  # TS060's category for residents with no job: not counted among workers
BASIS_2011 = "workplace basis: people counted where they work"
BASIS_2021 = "residence basis: people counted where they live"
LOOKUP = "pua_lookup"
CENSUS = {2001: "census2001_industry_la", 2011: "census2011_industry_la"}
TABLES = {2001: "KS011a", 2011: "KS605EW"}
BRIDGE = "cities_district_bridge.csv"
TOTAL, MANUFACTURING = "All categories: Industry", "C Manufacturing"
NATIONS = ("England", "Wales")  # the census file's coverage
NONE = "none"  # the dropdown's "no city highlighted"
AVERAGES = ("unweighted", "weighted")
AVERAGE_LABELS = ("unweighted (the paper's)", "employment-weighted")


# --- the chain MSOA -> district -> 2023 authority -> city -----------------------------------------------------

def bridge() -> pd.DataFrame:
    """The project table ``data/cities_district_bridge.csv`` (district, authority_2023, change), read through
    :func:`futurecity.reads.read_table` so the build sees it."""
    table = pd.read_csv(io.BytesIO(reads.read_table(BRIDGE)), dtype="string")
    if table["district"].duplicated().any():
        raise ValueError(f"{BRIDGE}: a district is listed twice: "
                         f"{sorted(table.loc[table['district'].duplicated(), 'district'])}")
    return table


def msoa_district(msoa_names: pd.Series) -> pd.Series:
    """The 2011 district of each MSOA from its name ("Darlington 001" -> "Darlington")."""
    names = msoa_names.astype("string").str.strip()
    unique = names.drop_duplicates()  # a name repeats once per industry: match each name once
    bad = ~unique.str.fullmatch(r".+ \d{3}").fillna(False)
    if bad.any():
        raise ValueError(f"MSOA names that do not end in a three-digit number: {list(unique[bad].head(3))}")
    district = pd.Series(unique.str.replace(r" \d{3}$", "", regex=True).array, index=unique.array)
    return names.map(district).astype("string")


def authorities(lookup: pd.DataFrame, bridge_table: pd.DataFrame) -> pd.DataFrame:
    """The lookup's 2023 authorities: its rows less the older districts it keeps beside them (names the bridge
    sends elsewhere). Columns of the lookup; ``pua`` is missing for an authority in no city."""
    moved = bridge_table.loc[bridge_table["district"] != bridge_table["authority_2023"], "district"]
    return lookup[~lookup["la_name"].isin(set(moved))].reset_index(drop=True)


def district_cities(districts, lookup: pd.DataFrame, bridge_table: pd.DataFrame) -> pd.DataFrame:
    """Each district name with its 2023 authority, the change behind the bridge (empty when the name is
    unchanged) and its city (missing when in none). A name that reaches no 2023 authority is an error naming it.

    Columns: district, authority_2023, change, city, country.
    """
    names = pd.Series(sorted(set(districts)), dtype="string", name="district")
    moves = bridge_table.set_index("district")
    authority = names.map(moves["authority_2023"]).fillna(names)
    known = authorities(lookup, bridge_table).set_index("la_name")
    missing = sorted(set(authority) - set(known.index))
    if missing:
        raise ValueError(f"districts with no 2023 authority in the lookup (add them to data/{BRIDGE}): {missing}")
    return pd.DataFrame({
        "district": names, "authority_2023": authority,
        "change": names.map(moves["change"]).fillna(""),
        "city": authority.map(known["pua"]), "country": authority.map(known["country"]),
    })


def _workers(census: pd.DataFrame) -> pd.DataFrame:
    """Manufacturing and all workers per MSOA with its district (from the long census frame)."""
    wide = census[census["industry_name"].isin([TOTAL, MANUFACTURING])].pivot_table(
        index=["msoa_code", "msoa_name"], columns="industry_name", values="value", aggfunc="sum")
    missing = [c for c in (TOTAL, MANUFACTURING) if c not in wide.columns]
    if missing:
        raise ValueError(f"census table: no column {missing}")
    wide = wide.reset_index().rename(columns={TOTAL: "all", MANUFACTURING: "manufacturing"})
    wide["district"] = msoa_district(wide["msoa_name"])
    return wide


def city_table(census: pd.DataFrame, lookup: pd.DataFrame, bridge_table: pd.DataFrame) -> pd.DataFrame:
    """One row per city with census data: city, manufacturing, all (workers by workplace), share (per cent),
    rank (1 = highest share), districts (the 2011 districts in it, joined). Sorted by share, highest first;
    provenance of the census and the lookup in ``attrs['sources']``."""
    workers = _workers(census)
    by_district = workers.groupby("district", as_index=False)[["manufacturing", "all"]].sum()
    places = district_cities(by_district["district"], lookup, bridge_table)
    by_district = by_district.merge(places, on="district", validate="one_to_one")
    inside = by_district.dropna(subset=["city"])
    table = inside.groupby("city", as_index=False).agg(
        manufacturing=("manufacturing", "sum"), all=("all", "sum"),
        districts=("district", lambda d: ", ".join(sorted(d))))
    table["share"] = table["manufacturing"] / table["all"] * 100
    table = table.sort_values(["share", "city"], ascending=[False, True], ignore_index=True)
    table["rank"] = range(1, len(table) + 1)
    table = table[["city", "manufacturing", "all", "share", "rank", "districts"]]
    table.attrs["sources"] = [dict(census.attrs), dict(lookup.attrs)]
    return table


def city_table_2021(census: pd.DataFrame, lookup: pd.DataFrame, bridge_table: pd.DataFrame) -> pd.DataFrame:
    """One row per city from the 2021 census by local authority (residence basis): city, manufacturing (residents
    in employment in SIC divisions 10-33), all (every category but 'Does not apply'), share, rank. Authorities
    reach cities through the bridge and lookup of :func:`district_cities`; the division is the parser's, read
    from each category's label (TS060's own code column is a running number). Sorted by share, highest first."""
    jobs = census[census["industry_name"] != NO_JOB]
    manuf = bres.is_manufacturing(jobs["division"])
    if int(manuf.groupby(jobs["geography_code"]).sum().max()) != len(bres.MANUFACTURING_DIVISIONS):
        raise ValueError(f"{SOURCE_2021}: an authority without all {len(bres.MANUFACTURING_DIVISIONS)} "
                         "manufacturing divisions")
    by_la = pd.DataFrame({"district": jobs["geography_name"], "all": jobs["value"],
                          "manufacturing": jobs["value"].where(manuf, 0)}).groupby("district", as_index=False).sum()
    places = district_cities(by_la["district"], lookup, bridge_table)
    inside = by_la.merge(places, on="district", validate="one_to_one").dropna(subset=["city"])
    table = inside.groupby("city", as_index=False)[["manufacturing", "all"]].sum()
    table["share"] = table["manufacturing"] / table["all"] * 100
    table = table.sort_values(["share", "city"], ascending=[False, True], ignore_index=True)
    table["rank"] = range(1, len(table) + 1)
    table.attrs["sources"] = [dict(census.attrs), dict(lookup.attrs)]
    return table


def england_wales_2021(census: pd.DataFrame) -> dict:
    """England and Wales in 2021 (residence basis): residents in employment in manufacturing, all, share (%)."""
    jobs = census[census["industry_name"] != NO_JOB]
    m = float(jobs.loc[bres.is_manufacturing(jobs["division"]), "value"].sum())
    a = float(jobs["value"].sum())
    return {"manufacturing": m, "all": a, "share": m / a * 100}


def districts_in_no_city(census: pd.DataFrame, lookup: pd.DataFrame, bridge_table: pd.DataFrame) -> list[str]:
    """The 2011 districts of the census file whose 2023 authority is in no city, sorted."""
    places = district_cities(msoa_district(census["msoa_name"]).unique(), lookup, bridge_table)
    return sorted(places.loc[places["city"].isna(), "district"])


def absent_cities(lookup: pd.DataFrame, present) -> list[str]:
    """The lookup's cities with no census data here (outside England and Wales), sorted."""
    return sorted(set(lookup["pua"].dropna()) - set(present))


def england_wales(census: pd.DataFrame) -> dict:
    """England and Wales as a whole: manufacturing and all workers, and the share (per cent)."""
    workers = _workers(census)
    m, a = float(workers["manufacturing"].sum()), float(workers["all"].sum())
    return {"manufacturing": m, "all": a, "share": m / a * 100}


def means(table: pd.DataFrame) -> dict[str, float]:
    """The city average both ways: ``unweighted`` (mean of city shares, the paper's) and ``weighted``
    (employment-weighted: all city manufacturing workers over all city workers)."""
    return {"unweighted": float(table["share"].mean()),
            "weighted": float(table["manufacturing"].sum() / table["all"].sum() * 100)}


def cities(inputs: Inputs) -> dict:
    """The 2011 city model of ``inputs``, computed once: ``table`` (:func:`city_table`), ``england_wales``,
    ``absent``, ``in_no_city``, ``bridge``, ``census`` and ``lookup`` frames."""
    def make():
        census, lookup, moves = inputs.frame(SOURCE), inputs.frame(LOOKUP), bridge()
        table = city_table(census, lookup, moves)
        census21 = inputs.frame(SOURCE_2021)
        return {"table": table, "england_wales": england_wales(census), "bridge": moves,
                "table2021": city_table_2021(census21, lookup, moves), "england_wales_2021": england_wales_2021(census21),
                "census2021": census21,
                "absent": absent_cities(lookup, table["city"]),
                "in_no_city": districts_in_no_city(census, lookup, moves), "census": census, "lookup": lookup}
    return inputs.derived("cities.model", make)


# --- C4-1b: the change in the unweighted mean, 2001-2011, from the live census tables --------------------------

def la_city_shares(frame: pd.DataFrame, lookup: pd.DataFrame, bridge_table: pd.DataFrame) -> pd.DataFrame:
    """City shares (per cent) from a census industry table by local authority (the ``nomis_census_csv``
    frame): each authority's manufacturing and total cells, summed to cities. Columns: city, manufacturing,
    all, share."""
    cells = frame[frame["category"].isin(["all", "manufacturing"])]
    wide = cells.pivot_table(index="geography_name", columns="category", values="value", aggfunc="sum")
    wide = wide.reset_index().rename(columns={"geography_name": "district"})
    places = district_cities(wide["district"], lookup, bridge_table)
    wide = wide.merge(places, on="district").dropna(subset=["city"])
    table = wide.groupby("city", as_index=False)[["manufacturing", "all"]].sum()
    table["share"] = table["manufacturing"] / table["all"] * 100
    return table


def _census_frames(inputs: Inputs, years: tuple[int, ...]) -> dict[int, pd.DataFrame]:
    """The live census tables of ``years``; offline, one NeedsLiveData naming every table still missing."""
    frames, missing = {}, []
    for year in years:
        try:
            frames[year] = inputs.frame(CENSUS[year])
        except NeedsLiveData as exc:
            missing.append((year, exc))
        except DataUnavailable as exc:  # a live pull that failed, with no vintage to fall back on
            if registry.get(CENSUS[year]).snapshot is not None:
                raise
            missing.append((year, exc))
    if missing:
        first = missing[0][1]
        named = " and ".join(f"{TABLES[y]} ({y}, source {CENSUS[y]})" for y, _ in missing)
        pulls = " ".join(CENSUS[y] for y, _ in missing)
        why = "; ".join(e.tried.rstrip(".") for _, e in missing if not isinstance(e, NeedsLiveData))
        raise NeedsLiveData(
            ", ".join(CENSUS[y] for y, _ in missing), first.url,
            f"the census industry tables by local authority {named} have no pinned copy and no live vintage"
            + (f" ({why})." if why else "."),
            f"run `futurecity pull {pulls} --live` with a network connection, then use vintage 'latest'")
    return frames


@measure("census_city_share_change", sources=(CENSUS[2001], CENSUS[2011], LOOKUP))
def measure_city_share_change(inputs: Inputs, p: dict, start: int, end: int) -> float:
    """C4-1b: the unweighted mean of city manufacturing shares in ``end`` minus that in ``start`` (percentage
    points), from the residence-based census tables by local authority (2001 KS011a, 2011 KS605EW)."""
    if start not in CENSUS or end not in CENSUS:
        raise NotCovered(f"{CENSUS[2001]}, {CENSUS[2011]}", min(CENSUS), max(CENSUS), start, end)
    frames = _census_frames(inputs, (start, end))
    lookup, moves = inputs.frame(LOOKUP), bridge()
    mean = {y: float(la_city_shares(frames[y], lookup, moves)["share"].mean()) for y in (start, end)}
    return mean[end] - mean[start]


# --- BRES: the recent regional picture (an employer survey, another measure and geography) ----------------------

def bres_shares(inputs: Inputs) -> pd.DataFrame:
    """Manufacturing's share (per cent) of BRES employment by year for Great Britain and each NUTS1 region, from
    :func:`futurecity.topics.bres.totals`. Columns: year, geography_code, geography_name, level, share."""
    totals = bres.totals(inputs)
    wide = totals.pivot_table(index=["year", "geography_code", "geography_name", "level"], columns="sector",
                              values="value", aggfunc="sum").reset_index()
    wide["share"] = wide["manufacturing"] / wide["all"] * 100
    out = wide[["year", "geography_code", "geography_name", "level", "share"]]
    out.attrs.update(totals.attrs)
    return out


# --- the facts the chapter quotes --------------------------------------------------------------------------------

BEFORE_2001 = ("The 1971, 1981 and 1991 censuses report industry by the districts of their day, before the "
               "1996-98 reorganisations created most of today's unitary authorities; carrying them to the 2023 "
               "authorities that define the cities would need a bridge from each pre-1996 district (or its "
               "wards) to today's authorities, with the shares of population or workers that moved, and that "
               "bridge is not among the data we hold, so those years are not shown by city.")


def _names(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def facts(inputs: Inputs) -> dict[str, Fact]:
    """The numbers and sentences chapter 4's prose quotes about cities (see ``/tmp/cities_interface.md`` for a
    line on each): the number of cities and those absent, England and Wales's 2011 manufacturing share of
    workplace employment, both city averages and their gap, the highest and lowest city, the districts in no
    city, the tables C4-1b needs, what the 1971-1991 censuses would need, and BRES's recent regional picture."""
    model = cities(inputs)
    table, ew, census, lookup = model["table"], model["england_wales"], model["census"], model["lookup"]
    avg = means(table)
    top, bottom = table.iloc[0], table.iloc[-1]
    where = BASIS_2011
    shares = bres_shares(inputs)
    first, last = int(shares["year"].min()), int(shares["year"].max())
    gb = shares[shares["level"] == "country"].set_index("year")["share"]
    regions = shares[(shares["level"] == "region") & (shares["year"] == last)].sort_values("share")
    moved = model["bridge"]
    used = moved[moved["district"].isin(set(msoa_district(census["msoa_name"])))]
    return {
        "cities_n": fact(len(table), "cities (Primary Urban Areas) of England and Wales with 2011 census data",
                         census, lookup),
        "cities_pua_n": fact(int(lookup["pua"].dropna().nunique()), "Primary Urban Areas in the lookup (UK)",
                             lookup),
        "cities_absent": fact(_names(model["absent"]), "the cities with no England-and-Wales census data",
                              lookup),
        "cities_absent_n": fact(len(model["absent"]), "number of cities with no England-and-Wales census data",
                                lookup),
        "cities_basis": constant(where, "the basis of the 2011 census file: workers by workplace"),
        "cities_year": constant(2011, "the census year of the pinned city data"),
        "cities_ew_share": fact(ew["share"], f"manufacturing share of employment, England and Wales, 2011, %, "
                                f"{where}", census),
        "cities_mean_unweighted": fact(avg["unweighted"], "unweighted mean of the cities' 2011 manufacturing "
                                       "shares, % (the paper's Figure 1 average)", census, lookup),
        "cities_mean_weighted": fact(avg["weighted"], "employment-weighted mean of the cities' 2011 "
                                     "manufacturing shares (all city manufacturing workers over all city "
                                     "workers), %", census, lookup),
        "cities_mean_gap": fact(avg["weighted"] - avg["unweighted"], "weighted minus unweighted city mean, "
                                "percentage points", census, lookup),
        "cities_highest_name": fact(str(top["city"]), "city with the highest 2011 manufacturing share",
                                    census, lookup),
        "cities_highest_share": fact(float(top["share"]), "its manufacturing share, 2011, %", census, lookup),
        "cities_lowest_name": fact(str(bottom["city"]), "city with the lowest 2011 manufacturing share",
                                   census, lookup),
        "cities_lowest_share": fact(float(bottom["share"]), "its manufacturing share, 2011, %", census, lookup),
        "cities_above_ew_n": fact(int((table["share"] > ew["share"]).sum()), "cities whose 2011 share is above "
                                  "England and Wales's", census, lookup),
        "cities_districts_n": fact(int(msoa_district(census["msoa_name"]).nunique()),
                                   "2011 districts in the census file (England and Wales)", census),
        "cities_districts_in_no_city_n": fact(len(model["in_no_city"]), "2011 districts in no city", census,
                                              lookup),
        "cities_bridged_n": fact(len(used), f"2011 districts whose name or authority changed by 2023 (rows of "
                                 f"data/{BRIDGE} used)", census),
        "cities_c41b_tables": constant(f"{TABLES[2001]} (2001) and {TABLES[2011]} (2011), by local authority, "
                                       "from Nomis", "the census tables C4-1b needs, residence basis"),
        "cities_before_2001": constant(BEFORE_2001, "what the 1971-1991 censuses by city would need"),
        "cities_bres_first": fact(first, "first year of BRES read", shares),
        "cities_bres_last": fact(last, "last year of BRES read", shares),
        "cities_bres_gb_first": fact(float(gb[first]), f"manufacturing share of BRES employment, GB, {first}, %",
                                     shares),
        "cities_bres_gb_last": fact(float(gb[last]), f"manufacturing share of BRES employment, GB, {last}, %",
                                    shares),
        "cities_bres_top_region": fact(str(regions.iloc[-1]["geography_name"]), f"NUTS1 region with the highest "
                                       f"manufacturing share of BRES employment, {last}", shares),
        "cities_bres_top_share": fact(float(regions.iloc[-1]["share"]), f"its share, {last}, %", shares),
        **facts_2021(model),
        "cities_bres_note": constant("BRES is an employer survey of jobs by NUTS2 area and region, a different "
                                     "measure and geography from the census counts of workers by city",
                                     "why the BRES regional shares are not comparable with the city shares"),
    }


def facts_2021(model: dict) -> dict[str, Fact]:
    """The 2021 census by city (residence basis): how many cities, the unweighted mean of their shares, England
    and Wales, the highest and lowest city, and both bases in words."""
    t, ew, census, lookup = model["table2021"], model["england_wales_2021"], model["census2021"], model["lookup"]
    top, bottom = t.iloc[0], t.iloc[-1]
    return {
        "cities2021_year": constant(2021, "the year of the newest census by city"),
        "cities2021_basis": constant(BASIS_2021, "the basis of the 2021 census table: residents in employment"),
        "cities2021_vintage": fact(census.attrs["vintage_label"], "the 2021 census table read", census),
        "cities2021_n": fact(len(t), "cities (Primary Urban Areas) of England and Wales with 2021 census data",
                             census, lookup),
        "cities2021_mean_unweighted": fact(float(t["share"].mean()), "unweighted mean of the cities' 2021 "
                                           f"manufacturing shares, %, {BASIS_2021}", census, lookup),
        "cities2021_ew_share": fact(ew["share"], f"manufacturing share of residents in employment, England and "
                                    f"Wales, 2021, %, {BASIS_2021}", census),
        "cities2021_highest_name": fact(str(top["city"]), "city with the highest 2021 manufacturing share",
                                        census, lookup),
        "cities2021_highest_share": fact(float(top["share"]), "its manufacturing share, 2021, %", census, lookup),
        "cities2021_lowest_name": fact(str(bottom["city"]), "city with the lowest 2021 manufacturing share",
                                       census, lookup),
        "cities2021_lowest_share": fact(float(bottom["share"]), "its manufacturing share, 2021, %", census, lookup),
    }


# --- the chart: city shares with the average the reader chooses -------------------------------------------------

def controls(table: pd.DataFrame) -> tuple[Control, Control]:
    """The average (unweighted, the default, or employment-weighted) and a city to highlight (none at first)."""
    average = Control.radio("cities_average", AVERAGES, AVERAGES[0], "City average", labels=AVERAGE_LABELS)
    names = sorted(table["city"])
    city = Control.select("cities_city", [NONE, *names], NONE, "Highlight", labels=["(no city)", *names])
    return average, city


def compact(table: pd.DataFrame, ew: dict, table2021: pd.DataFrame | None = None) -> pd.DataFrame:
    """The table the browser chart embeds: one row per city (kind ``city``) and one for England and Wales
    (kind ``ew``), with whole counts of manufacturing and all workers; the browser computes every share. With
    ``table2021``, each city row also holds its 2021 census counts (residence basis) as ``m2021`` and ``a2021``."""
    rows = table[["city", "manufacturing", "all"]].assign(kind="city")
    whole = pd.DataFrame({"city": ["England and Wales"], "manufacturing": [ew["manufacturing"]],
                          "all": [ew["all"]], "kind": ["ew"]})
    out = pd.concat([rows, whole], ignore_index=True)
    out[["manufacturing", "all"]] = out[["manufacturing", "all"]].round().astype("int64")
    cols = ["kind", "city", "manufacturing", "all"]
    if table2021 is not None:
        later = table2021[["city", "manufacturing", "all"]].rename(columns={"manufacturing": "m2021", "all": "a2021"})
        out = out.merge(later, on="city", how="left")
        out[["m2021", "a2021"]] = out[["m2021", "a2021"]].round().astype("Int64")
        cols += ["m2021", "a2021"]
    return out[cols]


def _average_expr(average: str) -> str:
    return f"{average} == 'weighted' ? datum.m / datum.a * 100 : datum.mean_share"


LABEL_2021 = "2021, residence basis"  # the legend; the description says it is another basis


def city_chart(table: pd.DataFrame, ew: dict, average: Control, city: Control,
               table2021: pd.DataFrame | None = None):
    """Bars of each city's 2011 manufacturing share (highlighted city in orange), a black rule at the city
    average the ``average`` control chooses and a dashed grey rule at England and Wales, above them three short
    lines saying both; with ``table2021``, a hollow diamond at each city's 2021 share (residence basis), its own
    legend naming the other basis. Everything is computed in the browser from :func:`compact`."""
    avg, chosen = average.name, city.name
    data = compact(table, ew, table2021)
    share = "datum.manufacturing / datum.all * 100"
    cities_only = alt.Chart().transform_filter("datum.kind == 'city'").transform_calculate(share=share)
    averaged = (cities_only.transform_aggregate(mean_share="mean(share)", m="sum(manufacturing)",
                                                a="sum(all)", n="count()")
                .transform_calculate(average=_average_expr(avg)))
    ew_row = alt.Chart().transform_filter("datum.kind == 'ew'").transform_calculate(share=share)
    roles = {"highlighted city": HIGHLIGHT, "other cities": PALETTE[4]}
    y = alt.Y("city:N", title=None, sort=alt.EncodingSortField("share", op="max", order="descending"),
              axis=alt.Axis(labelFontSize=10, labelLimit=110))
    x = alt.X("share:Q", title="Manufacturing, % of workers", scale=alt.Scale(zero=True))
    bars = (cities_only
            .transform_window(rank="rank()", sort=[alt.SortField("share", order="descending")])
            .transform_calculate(role=f"datum.city == {chosen} ? 'highlighted city' : 'other cities'")
            .mark_bar()
            .encode(x=x, y=y,
                    color=alt.Color("role:N", scale=alt.Scale(domain=list(roles), range=list(roles.values())),
                                    legend=alt.Legend(title=None, direction="vertical", orient="bottom",
                                                      labelLimit=0)),
                    tooltip=[alt.Tooltip("city:N", title="City"),
                             alt.Tooltip("share:Q", title="Manufacturing, % of workers", format=".1f"),
                             alt.Tooltip("manufacturing:Q", title="Manufacturing workers", format=","),
                             alt.Tooltip("all:Q", title="All workers", format=","),
                             alt.Tooltip("rank:Q", title="Rank (1 = highest)")])
            .properties(name="cities_bars"))
    mean_rule = averaged.mark_rule(color="black", strokeWidth=2).encode(
        x="average:Q", tooltip=[alt.Tooltip("average:Q", title="City average, %", format=".1f")]).properties(
        name="cities_mean")
    ew_rule = ew_row.mark_rule(color="#555555", strokeDash=[4, 3], strokeWidth=1.5).encode(
        x="share:Q", tooltip=[alt.Tooltip("share:Q", title="England and Wales, %", format=".1f")]).properties(
        name="cities_ew")
    layers = [bars, mean_rule, ew_rule]
    if table2021 is not None:
        later = (cities_only.transform_filter("isValid(datum.a2021)")
                 .transform_calculate(share2021="datum.m2021 / datum.a2021 * 100", basis=f"'{LABEL_2021}'")
                 .mark_point(shape="diamond", filled=False, color="black", size=40, strokeWidth=1.5)
                 .encode(x=alt.X("share2021:Q"), y=y,
                         shape=alt.Shape("basis:N", scale=alt.Scale(domain=[LABEL_2021], range=["diamond"]),
                                         # above the plot: beside the colour legend it would not fit a phone
                                         legend=alt.Legend(title=None, orient="top", labelLimit=0)),
                         tooltip=[alt.Tooltip("city:N", title="City"),
                                  alt.Tooltip("share2021:Q", title="2021, % of residents in work", format=".1f"),
                                  alt.Tooltip("m2021:Q", title="2021, residents in manufacturing", format=","),
                                  alt.Tooltip("a2021:Q", title="2021, residents in work", format=",")])
                 .properties(name="cities_census_newest"))
        layers.append(later)
    plot = alt.layer(*layers).properties(width=WIDTH, height=alt.Step(12))
    line = {"align": "left", "baseline": "top", "x": 0, "fontSize": 12}
    # two lines each, none over 32 characters, so that they fit a 320 px screen
    mean_text = averaged.transform_calculate(
        text="'Black line: city average, ' + format(datum.average, '.1f') + '%\\n' + "
             f"({avg} == 'weighted' ? '(weighted by workers)' : '(unweighted, as in the paper)')").mark_text(
        **line, y=0, lineBreak="\n").encode(text="text:N").properties(name="cities_mean_text")
    ew_text = ew_row.transform_calculate(
        text="'Dashed line: England and Wales,\\n' + format(datum.share, '.1f') + '%'").mark_text(
        **line, y=34, color="#555555", lineBreak="\n").encode(text="text:N").properties(name="cities_ew_text")
    picked = (cities_only
              .transform_window(rank="rank()", n="count()", sort=[alt.SortField("share", order="descending")],
                                frame=[None, None])
              .transform_filter(f"datum.city == {chosen}")
              .transform_calculate(text="datum.city + ': ' + format(datum.share, '.1f') + '%, rank ' + "
                                        "datum.rank + ' of ' + datum.n")
              .mark_text(**line, y=68, color=text_colour(HIGHLIGHT), fontWeight="bold").encode(text="text:N")
              .properties(name="cities_pick_text"))
    header = alt.layer(mean_text, ew_text, picked).properties(width=WIDTH, height=84)
    chart = alt.vconcat(header, plot, data=data, spacing=4)
    return bind(chart, average, city)


def city_title(table: pd.DataFrame) -> str:
    """The chart's message, from the data: how small manufacturing's share of city workers was in 2011."""
    top = table.sort_values("share", ascending=False).iloc[0]
    return (f"In 2011 manufacturing employed {means(table)['unweighted']:.0f}% of the workers of the average city; "
            f"the most, {top['city']}, {top['share']:.0f}%")


def _caption(chart, inputs: Inputs, pandas_view: bool = False):
    model = cities(inputs)
    absent = _names(model["absent"])
    controls_text = ("the widgets above" if pandas_view else
                     "the buttons (unweighted, as in the paper's Figure 1, or employment-weighted: all city "
                     "manufacturing workers over all city workers) and the menu (a city to highlight)")
    return figure(
        chart,
        title=city_title(model["table"]),
        csv=[(mark, {"city": "city", **({"rank": "rank"} if mark == "cities_bars_1_marks" else {}),
                     "manufacturing": "manufacturing_workers", "all": "all_workers",
                     "share": "manufacturing_share_percent"}) for mark in ("cities_bars_1_marks", "cities_ew_1_marks")]
            + [("cities_census_newest_1_marks", {"city": "city", "m2021": "residents_2021_manufacturing_workers",
                                        "a2021": "residents_2021_all_workers",
                                        "share2021": "residents_2021_manufacturing_share_percent"})],
        description=(f"Bars: each city's share of its 2011 workers in manufacturing (SIC section C), counted "
                     f"where they work (workplace basis). Black line: the city average chosen with "
                     f"{controls_text}; dashed grey line: England and Wales. Cities are Centre for Cities' "
                     f"Primary Urban Areas, our choice: the paper does not list its cities. "
                     f"{len(model['table'])} of them are in England and Wales; {absent} have no "
                     f"England-and-Wales census data and are left out. Hollow diamonds: each city's share in the "
                     f"2021 census, of its residents in work, counted where they live (residence basis): "
                     f"another basis from the bars', so the distance between a diamond and its bar is not a "
                     f"change since 2011."),
        sources=[model["census"], model["census2021"], model["lookup"]],
        note=("2011 districts are taken to 2023 authorities through our table of the reorganisations of "
              "2019-2023 and changed spellings, then to cities."))


def city_figure(inputs: Inputs):
    """The chapter's city chart, ready to display: an Altair ``VConcatChart`` with its two controls bound (the
    average, unweighted or employment-weighted, and a city to highlight), computed in the browser from one row
    per city, with title, description and a caption naming the census file and the lookup with their
    vintages."""
    model = cities(inputs)
    average, city = controls(model["table"])
    return _caption(city_chart(model["table"], model["england_wales"], average, city, model["table2021"]),
                    inputs)


def city_view(table: pd.DataFrame, ew: dict, cities_average: str, cities_city: str,
              table2021: pd.DataFrame | None = None):
    """The same model as :func:`city_chart` computed in pandas (for Jupyter's widgets): the bars, the chosen
    average as a black rule, England and Wales as a dashed rule and the chosen city highlighted."""
    avg = means(table)[cities_average]
    bars = table.assign(role=lambda t: t["city"].map(
        lambda c: "highlighted city" if c == cities_city else "other cities"))
    roles = {"highlighted city": HIGHLIGHT, "other cities": PALETTE[4]}
    base = alt.Chart(bars).mark_bar().encode(
        x=alt.X("share:Q", title="Manufacturing, % of workers"),
        y=alt.Y("city:N", sort="-x", title=None, axis=alt.Axis(labelFontSize=10)),
        color=alt.Color("role:N", scale=alt.Scale(domain=list(roles), range=list(roles.values())),
                        legend=alt.Legend(title=None, direction="vertical", orient="bottom")),
        tooltip=[alt.Tooltip("city:N"), alt.Tooltip("share:Q", format=".1f"),
                 alt.Tooltip("manufacturing:Q", format=","), alt.Tooltip("all:Q", format=",")])
    rules = pd.DataFrame({"x": [avg, ew["share"]], "what": [f"city average ({cities_average})",
                                                             "England and Wales"]})
    lines = alt.Chart(rules).mark_rule(strokeWidth=2).encode(
        x="x:Q", strokeDash=alt.StrokeDash("what:N", legend=alt.Legend(title=None, direction="vertical")),
        tooltip=["what:N", alt.Tooltip("x:Q", format=".1f")])
    layers = [base, lines]
    if table2021 is not None:
        later = table2021[["city", "share"]].assign(basis=LABEL_2021)
        layers.append(alt.Chart(later).mark_point(shape="diamond", filled=False, color="black").encode(
            x="share:Q", y=alt.Y("city:N", sort=list(table.sort_values("share", ascending=False)["city"])),
            shape=alt.Shape("basis:N", scale=alt.Scale(domain=[LABEL_2021], range=["diamond"]),
                            legend=alt.Legend(title=None)),
            tooltip=["city:N", alt.Tooltip("share:Q", format=".1f")]))
    return alt.layer(*layers).properties(width=WIDTH, height=alt.Step(12))


def city_widgets(inputs: Inputs) -> None:
    """The pandas twin of :func:`city_figure` for readers running Jupyter: ipywidgets for the average and the
    city (:func:`futurecity.viz.controls.interact`), the chart redrawn by :func:`city_view`. Returns None."""
    model = cities(inputs)
    table, ew = model["table"], model["england_wales"]
    later = model["table2021"]
    interact(lambda **v: _caption(city_view(table, ew, table2021=later, **v), inputs, pandas_view=True),
             *controls(table))
    return None

