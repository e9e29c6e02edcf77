"""Messy source data for the analytics tests, and an independent pandas computation of every figure.

The reference reads the source tables with pandas and applies the rules as the docs state them
(docs/metrics.md), with none of db.analytics' code.
"""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pandas as pd
from sqlalchemy import CheckConstraint, Engine, MetaData, insert, select

from db.models import customer_info, customer_preferences, customer_segments

CANON = {
    "Gender": ("Male", "Female", "Other"),
    "Account_Status": ("Active", "Inactive", "Suspended"),
    "Segment_Category": ("Premium", "Standard", "Economy", "VIP"),
    "Engagement_Level": ("High", "Medium", "Low"),
    "Communication_Channel": ("Email", "SMS", "Phone", "Push"),
}
STATES = ("Maharashtra", "Karnataka", "Kerala", "Delhi")
TODAY = dt.date(2026, 12, 1)


def create_loose_tables(engine: Engine) -> None:
    """The customer's three tables as another DBA might build them: no CHECK constraints."""
    meta = MetaData()
    for table in (customer_info, customer_preferences, customer_segments):
        copy = table.to_metadata(meta)
        for cons in [c for c in copy.constraints if isinstance(c, CheckConstraint)]:
            copy.constraints.discard(cons)
        copy.indexes = {i for i in copy.indexes if i.unique}
    meta.create_all(engine)


def fill_messy(engine: Engine, *, customers: int = 240, seed: int = 7) -> None:
    rnd = random.Random(seed)
    info, segs, prefs = [], [], []
    sid = pid = 0
    for cid in range(1, customers + 1):
        gender = rnd.choice(["Male", "Female", "Other", None, "male ", "FEMALE"])
        status = rnd.choice(["Active", "Active", "Active", "Inactive", "Suspended", None, " active"])
        info.append(
            {
                "Customer_ID": cid,
                "Customer_Name": f"Customer {cid}",
                "Email": f"c{cid}@example.in",
                "Phone": None if cid % 5 == 0 else f"+9198765{cid:05d}",
                "Gender": gender,
                "Age": None if cid % 17 == 0 else rnd.randint(18, 90),
                "Date_of_Birth": dt.date(1970, 1, 1) + dt.timedelta(days=rnd.randint(0, 15000)),
                "City": rnd.choice(["Pune", "Mumbai", "Kochi", "Bengaluru"]),
                "State": rnd.choice(STATES),
                "Country": rnd.choice(["India", "India", "India", "Nepal", "UAE", None]),
                "Postal_Code": "411001",
                "Join_Date": TODAY - dt.timedelta(days=rnd.randint(0, 900)),
                "Account_Status": status,
                "Loyalty_Points": None if cid % 13 == 0 else rnd.choice([0, 5, 120, 900, 15000]),
                "Last_Login": None
                if cid % 11 == 0
                else dt.datetime.combine(TODAY, dt.time(9))
                - dt.timedelta(days=rnd.randint(0, 500), hours=rnd.randint(0, 20)),
            }
        )
        if cid % 9 == 0:
            continue  # no segment
        base = dt.datetime(2026, 1, 1)
        for _ in range(rnd.choice([1, 1, 2, 3])):
            sid += 1
            when = rnd.choice([None, base + dt.timedelta(days=rnd.randint(0, 300)), base])
            segs.append(
                {
                    "Segment_ID": sid,
                    "Customer_ID": cid,
                    "Segment_Name": rnd.choice(["Loyal", "Bargain", "Whales", "odd name"]),
                    "Segment_Category": rnd.choice(["VIP", "Premium", "Standard", "Economy", "vip "]),
                    "Lifetime_Value": None if rnd.random() < 0.08 else round(rnd.uniform(0, 2_000_000), 2),
                    "Risk_Score": None if rnd.random() < 0.12 else round(rnd.uniform(0, 100), 2),
                    "Engagement_Level": rnd.choice(["High", "Medium", "Low", None]),
                    "Last_Updated": when,
                }
            )
        for ch in rnd.sample(["Email", "SMS", "Phone", "Push"], rnd.randint(0, 3)):
            for _ in range(rnd.choice([1, 1, 2])):
                pid += 1
                prefs.append(
                    {
                        "Preference_ID": pid,
                        "Customer_ID": cid,
                        "Communication_Channel": ch,
                        "Notification_Enabled": rnd.choice([True, True, False, None]),
                        "Marketing_Consent": rnd.choice([True, False, None]),
                        "Newsletter_Subscription": rnd.choice([True, False]),
                        "Preferred_Language": rnd.choice(["English", "Hindi", None]),
                        "Time_Zone": rnd.choice(["IST", "GST", None]),
                    }
                )
    with engine.begin() as conn:
        conn.execute(insert(customer_info), info)
        conn.execute(insert(customer_segments), segs)
        conn.execute(insert(customer_preferences), prefs)


def _canon(series: pd.Series, values) -> pd.Series:
    lookup = {v.lower(): v for v in values}

    def one(v):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return None
        t = str(v).strip()
        return lookup.get(t.lower(), t) if t else None

    return series.map(one).astype(object)


def source_frames(engine: Engine) -> dict[str, pd.DataFrame]:
    """The three tables read with pandas, canonical values restored, typed."""
    out = {}
    with engine.connect() as conn:
        for name, table in (
            ("info", customer_info),
            ("segs", customer_segments),
            ("prefs", customer_preferences),
        ):
            rows = conn.execute(select(table)).mappings().all()
            out[name] = pd.DataFrame(rows, columns=[c.name for c in table.columns])
    for df in out.values():
        for col, values in CANON.items():
            if col in df:
                df[col] = _canon(df[col], values)
    for col in ("Lifetime_Value", "Risk_Score"):
        out["segs"][col] = pd.to_numeric(out["segs"][col], errors="coerce").astype(float)
    out["segs"]["Last_Updated"] = pd.to_datetime(out["segs"]["Last_Updated"])
    out["info"]["Join_Date"] = pd.to_datetime(out["info"]["Join_Date"])
    out["info"]["Last_Login"] = pd.to_datetime(out["info"]["Last_Login"])
    for col in ("Notification_Enabled", "Marketing_Consent", "Newsletter_Subscription"):
        out["prefs"][col] = out["prefs"][col].map(lambda v: None if v is None or v != v else bool(v))
    return out


def wide(src: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per customer with their current segment and reachability (the docs' rules)."""
    s = src["segs"].copy()
    s["_null"] = s["Last_Updated"].isna()
    s = s.sort_values(
        ["Customer_ID", "_null", "Last_Updated", "Segment_ID"], ascending=[True, False, True, True]
    )
    current = s.groupby("Customer_ID").tail(1).drop(columns="_null")
    df = src["info"].merge(current.drop(columns=[]), on="Customer_ID", how="left")
    p = src["prefs"].sort_values("Preference_ID").groupby(["Customer_ID", "Communication_Channel"]).tail(1)
    p = p.assign(ok=(p["Notification_Enabled"] == True) & (p["Marketing_Consent"] == True))  # noqa: E712
    for ch in CANON["Communication_Channel"]:
        ok = set(p.loc[(p["Communication_Channel"] == ch) & p["ok"], "Customer_ID"])
        df[f"reach_{ch.lower()}"] = df["Customer_ID"].isin(ok) & (df["Account_Status"] == "Active")
    df["var"] = df["Lifetime_Value"] * df["Risk_Score"] / 100
    df["band"] = np.select(
        [df["Risk_Score"].isna(), df["Risk_Score"] >= 70, df["Risk_Score"] >= 30],
        ["Not scored", "High", "Medium"],
        "Low",
    )
    return df


def apply_filter(df: pd.DataFrame, f) -> pd.DataFrame:
    def one_of(col, values):
        named = [v for v in values if v != "Unknown"]
        return df[col].isin(named) | (df[col].isna() if "Unknown" in values else False)

    mask = pd.Series(True, index=df.index)
    for field, col in (
        ("countries", "Country"),
        ("states", "State"),
        ("cities", "City"),
        ("genders", "Gender"),
        ("statuses", "Account_Status"),
        ("categories", "Segment_Category"),
        ("engagements", "Engagement_Level"),
    ):
        values = getattr(f, field)
        if values:
            mask &= one_of(col, values)
    if f.age_min is not None:
        mask &= df["Age"] >= f.age_min
    if f.age_max is not None:
        mask &= df["Age"] <= f.age_max
    if f.risk_bands:
        mask &= df["band"].isin(f.risk_bands)
    return df[mask.fillna(False).astype(bool)]
