"""Demographics page: age and gender, geography, join cohorts, loyalty points."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import func, select

from db.analytics import run
from db.analytics.common import empty, nice_width, sort_by
from db.analytics.metrics import AGE_BANDS, age_band_of, known
from db.analytics.schema import customers
from db.analytics.where import filtered
from db.filters import CustomerFilter
from db.models import GENDERS

c = customers.c
OTHER_STATES = "Other states"
HOME_COUNTRY = "India"
LOYALTY_COLUMNS = ["bin_start", "bin_end", "customers"]


def _counts(con, f: CustomerFilter, *dims, where=()) -> pd.DataFrame:
    stmt = filtered(select(*dims, func.count().label("customers")), f).where(*where).group_by(*dims)
    out = run.frame(con, stmt)
    out["customers"] = out["customers"].astype(int)
    return out


def age_gender(con, *, f: CustomerFilter) -> pd.DataFrame:
    """[age_band, gender, customers]: bands 18-24 ... 65+ in that order, genders as in GENDERS
    (NULL as 'Unknown', last). Customers without an age are left out."""
    band = age_band_of(c.Age).label("age_band")
    out = _counts(con, f, band, known(c.Gender).label("gender"), where=[c.Age.is_not(None)])
    if out.empty:
        return empty(["age_band", "gender", "customers"])
    out = sort_by(sort_by(out, "gender", GENDERS), "age_band", AGE_BANDS)
    return out[["age_band", "gender", "customers"]]


def gender_mix(con, *, f: CustomerFilter) -> pd.DataFrame:
    """[gender, customers] in the order of GENDERS (NULL as 'Unknown', last)."""
    out = _counts(con, f, known(c.Gender).label("gender"))
    return sort_by(out, "gender", GENDERS)[["gender", "customers"]]


def _largest(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return df.sort_values(["customers", *keys], ascending=[False, *[True] * len(keys)], ignore_index=True)


def by_state(con, *, f: CustomerFilter, top: int = 15) -> pd.DataFrame:
    """[state, customers]: the `top` states by customers, then one row 'Other states' (if any)."""
    raw = _largest(_counts(con, f, known(c.State).label("state")), ["state"])
    head, rest = raw.head(top), raw.iloc[top:]
    if not rest.empty:
        other = pd.DataFrame({"state": [OTHER_STATES], "customers": [int(rest["customers"].sum())]})
        head = pd.concat([head, other], ignore_index=True)
    return head.reset_index(drop=True)


def by_city(con, *, f: CustomerFilter, top: int = 20) -> pd.DataFrame:
    """[city, state, customers]: the `top` (City, State) pairs by customers."""
    raw = _counts(con, f, known(c.City).label("city"), known(c.State).label("state"))
    return _largest(raw, ["city", "state"]).head(top)[["city", "state", "customers"]]


def abroad(con, *, f: CustomerFilter) -> pd.DataFrame:
    """[country, customers]: customers whose country is set and is not India, largest first."""
    raw = _counts(con, f, c.Country.label("country"), where=[c.Country != HOME_COUNTRY])
    return _largest(raw, ["country"])[["country", "customers"]]


def join_cohorts(con, *, f: CustomerFilter) -> pd.DataFrame:
    """[year, customers]: customers by the calendar year of their join date (none: left out)."""
    year = func.year(c.Join_Date).label("year")
    raw = _counts(con, f, year, where=[c.Join_Date.is_not(None)])
    if raw.empty:
        return empty(["year", "customers"])
    raw["year"] = raw["year"].astype(int)
    return raw.sort_values("year", ignore_index=True)[["year", "customers"]]


def loyalty_distribution(con, *, f: CustomerFilter, bins: int = 20) -> pd.DataFrame:
    """[bin_start, bin_end, customers]: histogram of loyalty points in at most `bins` round-width
    bins. Points are heavy-tailed, so the bins cover 0 .. the 99th percentile and the last bin
    also holds everything above it (its bin_end is the maximum). NULL points are left out."""
    pts = c.Loyalty_Points
    stats = run.one(
        con,
        filtered(
            select(
                func.count(pts).label("n"),
                func.max(pts).label("top"),
                func.quantile_disc(pts, 0.99).label("p99"),
            ),
            f,
        ),
    )
    if not stats["n"]:
        return empty(LOYALTY_COLUMNS)
    p99, top = max(int(stats["p99"]), 0), int(stats["top"])
    width = max(1, int(nice_width(p99 + 1, bins)))
    nbins = max(1, min(bins, -(-(p99 + 1) // width)))
    idx = func.least(func.greatest(pts, 0) // width, nbins - 1).label("bin")
    raw = _counts(con, f, idx, where=[pts.is_not(None)])
    per = np.zeros(nbins, dtype=np.int64)
    per[raw["bin"].astype(int).to_numpy()] = raw["customers"].to_numpy()
    ends = [(i + 1) * width for i in range(nbins)]
    ends[-1] = max(ends[-1], top)
    return pd.DataFrame({"bin_start": [i * width for i in range(nbins)], "bin_end": ends, "customers": per})
