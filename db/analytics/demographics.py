"""Demographics page: age and gender, geography, join cohorts, loyalty points."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import Connection, func, literal, select, union_all

from db.analytics.common import (
    AGE_BANDS,
    age_band,
    by_ranges,
    empty,
    frame,
    label,
    nice_width,
    ordered,
)
from db.analytics.overview import _join_days
from db.analytics.summary import CustomerSummary, customer_summary
from db.filters import CustomerFilter
from db.models import GENDERS, customer_info

ci = customer_info.c
OTHER_STATES = "Other states"


def age_gender(
    conn: Connection, *, f: CustomerFilter, summary: CustomerSummary | None = None
) -> pd.DataFrame:
    """[age_band, gender, customers]: bands 18-24 ... 65+ in that order, genders as in GENDERS.

    Grouped by the raw Age and Gender in the database (about 70 x 3 rows), banded here.
    Customers without an Age are left out; a NULL Gender is 'Unknown'.
    """
    # GROUP BY in the order of the (Gender, Age) index: read in index order, no sort.
    raw = _people(conn, f, summary).dropna(subset=["age"])
    if raw.empty:
        return empty(["age_band", "gender", "customers"])
    raw["age_band"] = [age_band(int(a)) for a in raw["age"]]
    raw["gender"] = raw["gender"].map(label)
    out = raw.groupby(["age_band", "gender"], as_index=False)["customers"].sum()
    band_rank = {b: i for i, b in enumerate(AGE_BANDS)}
    gender_rank = {g: i for i, g in enumerate(GENDERS)}
    out = out.sort_values(
        ["age_band", "gender"],
        key=lambda s: s.map(band_rank if s.name == "age_band" else gender_rank).fillna(99),
        ignore_index=True,
    )
    out["customers"] = out["customers"].astype(int)
    return out[["age_band", "gender", "customers"]]


def _people(conn: Connection, f: CustomerFilter, summary: CustomerSummary | None) -> pd.DataFrame:
    """[gender, age, customers] (the filter's summary, when there is a filter)."""
    if not f.is_empty:
        return (summary or customer_summary(conn, f=f)).people.copy()
    # GROUP BY in the order of the (Gender, Age) index: read in index order, no sort.
    stmt = select(ci.Gender, ci.Age, func.count()).group_by(ci.Gender, ci.Age)
    return frame(conn, stmt, ["gender", "age", "customers"])


def _places(conn: Connection, f: CustomerFilter, summary: CustomerSummary | None, *keys) -> pd.DataFrame:
    """[*keys, customers]: customers per value of these Customer_Info columns (NULLs included)."""
    if not f.is_empty:
        places = (summary or customer_summary(conn, f=f)).places
        return places.groupby(list(keys), as_index=False, dropna=False)["customers"].sum()
    cols = [ci[{"state": "State", "city": "City", "country": "Country"}[k]] for k in keys]
    return frame(conn, select(*cols, func.count()).group_by(*cols), [*keys, "customers"])


def gender_mix(
    conn: Connection, *, f: CustomerFilter, summary: CustomerSummary | None = None
) -> pd.DataFrame:
    """[gender, customers] in the order of GENDERS (NULL as 'Unknown', last)."""
    if f.is_empty:
        stmt = select(ci.Gender, func.count()).group_by(ci.Gender)
        raw = frame(conn, stmt, ["gender", "customers"])
    else:
        raw = _people(conn, f, summary)[["gender", "customers"]]
    raw["gender"] = raw["gender"].map(label)
    counts = raw.groupby("gender")["customers"].sum()
    keys = ordered(counts.index, GENDERS)
    return pd.DataFrame(
        {"gender": keys, "customers": [int(counts[k]) for k in keys]}, columns=["gender", "customers"]
    )


def _by_largest(df: pd.DataFrame, key: list[str], value: str = "customers") -> pd.DataFrame:
    """Largest `value` first, ties by the key columns (sorted in Python: same on every backend)."""
    return df.sort_values([value, *key], ascending=[False] + [True] * len(key), ignore_index=True)


def by_state(
    conn: Connection, *, f: CustomerFilter, top: int = 15, summary: CustomerSummary | None = None
) -> pd.DataFrame:
    """[state, customers]: the `top` states by customers, then one row 'Other states' (if any)."""
    raw = _by_largest(_places(conn, f, summary, "state"), ["state"])
    head = raw.head(top)
    rest = raw.iloc[top:]
    if not rest.empty:
        other = pd.DataFrame({"state": [OTHER_STATES], "customers": [int(rest["customers"].sum())]})
        head = pd.concat([head, other], ignore_index=True)
    return head.reset_index(drop=True)


def by_city(
    conn: Connection, *, f: CustomerFilter, top: int = 20, summary: CustomerSummary | None = None
) -> pd.DataFrame:
    """[city, state, customers]: the `top` (City, State) pairs by customers."""
    raw = _by_largest(_places(conn, f, summary, "city", "state"), ["city", "state"])
    return raw.head(top).reset_index(drop=True)


def abroad(conn: Connection, *, f: CustomerFilter, summary: CustomerSummary | None = None) -> pd.DataFrame:
    """[country, customers]: customers whose Country is set and is not 'India', largest first."""
    if f.is_empty:
        stmt = select(ci.Country, func.count()).where(ci.Country != "India").group_by(ci.Country)
        raw = frame(conn, stmt, ["country", "customers"])
    else:
        raw = _places(conn, f, summary, "country")
        raw = raw[raw["country"].notna() & (raw["country"] != "India")]
    return _by_largest(raw, ["country"])


def join_cohorts(
    conn: Connection, *, f: CustomerFilter, summary: CustomerSummary | None = None
) -> pd.DataFrame:
    """[year, customers]: customers by the calendar year of their Join_Date."""
    days = _join_days(conn, f, summary)
    if days.empty:
        return empty(["year", "customers"])
    years = days["day"].to_numpy().astype("datetime64[Y]").astype(np.int64) + 1970
    out = days.groupby(years)["customers"].sum()
    return pd.DataFrame({"year": out.index.astype(int), "customers": out.to_numpy().astype(int)})


def loyalty_distribution(
    conn: Connection, *, f: CustomerFilter, bins: int = 20, summary: CustomerSummary | None = None
) -> pd.DataFrame:
    """[bin_start, bin_end, customers]: histogram of Loyalty_Points in at most `bins` round-width bins.

    Loyalty points are heavy-tailed, so the bins cover 0 .. the 99th percentile and the last bin
    also holds everything above it (its bin_end is the maximum). Customers with NULL points are
    left out.
    """
    if by_ranges(conn, f):
        return _loyalty_by_ranges(conn, bins)
    if f.is_empty:
        # customers per raw Loyalty_Points value (a few ten thousand values at a million), binned here
        stmt = select(ci.Loyalty_Points, func.count()).group_by(ci.Loyalty_Points)
        raw = frame(conn, stmt, ["points", "customers"])
    else:
        raw = (summary or customer_summary(conn, f=f)).points
    raw = raw.dropna(subset=["points"])
    if raw.empty:
        return empty(LOYALTY_COLUMNS)
    raw = raw.sort_values("points")
    points = raw["points"].to_numpy(dtype=np.int64)
    cum = np.cumsum(raw["customers"].to_numpy())
    # 99th percentile: the value at 0-based position int((n - 1) * 0.99) of the sorted points
    p99 = int(points[np.searchsorted(cum, int((cum[-1] - 1) * 0.99) + 1)])
    width, nbins = _loyalty_bins(p99, bins)
    idx = np.minimum(points // width, nbins - 1)
    per = np.bincount(idx, weights=raw["customers"].to_numpy(), minlength=nbins)
    return _loyalty_frame(width, per, int(points[-1]))


LOYALTY_COLUMNS = ["bin_start", "bin_end", "customers"]


def _loyalty_bins(p99: int, bins: int) -> tuple[int, int]:
    """(width, number of bins): round-width bins from 0 that cover 0 .. p99."""
    width = max(1, int(nice_width(p99 + 1, bins)))
    return width, max(1, min(bins, -(-(p99 + 1) // width)))


def _loyalty_frame(width: int, per, top: int) -> pd.DataFrame:
    nbins = len(per)
    ends = [(i + 1) * width for i in range(nbins)]
    ends[-1] = max(ends[-1], top)
    return pd.DataFrame(
        {
            "bin_start": [i * width for i in range(nbins)],
            "bin_end": ends,
            "customers": np.asarray(per).astype(int),
        }
    )


def _loyalty_by_ranges(conn: Connection, bins: int) -> pd.DataFrame:
    """loyalty_distribution() of all customers from the Loyalty_Points index: the 99th
    percentile by OFFSET, then one range count per bin (no row of points comes back)."""
    pts = ci.Loyalty_Points
    n, top = conn.execute(select(func.count(pts), func.max(pts))).one()
    if not n:
        return empty(LOYALTY_COLUMNS)
    p99 = conn.execute(
        select(pts).where(pts.is_not(None)).order_by(pts).offset(int((n - 1) * 0.99)).limit(1)
    ).scalar_one()
    width, nbins = _loyalty_bins(int(p99), bins)
    parts = []
    for i in range(nbins):
        upper = [pts < (i + 1) * width] if i < nbins - 1 else []
        parts.append(select(literal(i).label("bin"), func.count()).where(pts >= i * width, *upper))
    per = np.zeros(nbins)
    for i, count in conn.execute(union_all(*parts)).all():  # labelled: a parallel plan reorders
        per[int(i)] = count
    return _loyalty_frame(width, per, int(top))
