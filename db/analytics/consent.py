"""Consent page: channels, opt-in rates, languages, time zones, reachable customers.

Figures count preference rows ("preferences") of the filtered customers, except
reachable_by_channel, which counts customers (metrics: reachable_<channel>).
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import func, select

from db.analytics import metrics, run
from db.analytics.common import empty, sort_by
from db.analytics.metrics import known
from db.analytics.schema import preferences
from db.analytics.where import customer_ids, filtered
from db.filters import CustomerFilter
from db.models import CHANNELS

p = preferences.c
ALL = "All"
RATES = ["channel", "preferences", "notification_rate", "marketing_rate", "newsletter_rate"]


def _rows(f: CustomerFilter, *columns):
    """SELECT columns FROM the filtered customers' preference rows."""
    stmt = select(*columns).select_from(preferences)
    return stmt if f.is_empty else stmt.where(p.Customer_ID.in_(customer_ids(f)))


def _true(flag):
    return func.count().filter(flag)


def rates(con, *, f: CustomerFilter) -> pd.DataFrame:
    """[channel, preferences, notification_rate, marketing_rate, newsletter_rate] per channel
    (NULL as 'Unknown') and a last row channel="All": the share (0..1) of preference rows with
    the flag true (a NULL flag is not true)."""
    channel = known(p.Communication_Channel).label("channel")
    stmt = _rows(
        f,
        channel,
        func.count().label("preferences"),
        _true(p.Notification_Enabled).label("n"),
        _true(p.Marketing_Consent).label("m"),
        _true(p.Newsletter_Subscription).label("s"),
    ).group_by(channel)
    raw = run.frame(con, stmt)
    if raw.empty:
        return empty(RATES)
    raw = sort_by(raw, "channel", CHANNELS)
    total = raw[["preferences", "n", "m", "s"]].sum()
    raw.loc[len(raw)] = [ALL, *total.tolist()]
    for flag, rate in (("n", "notification_rate"), ("m", "marketing_rate"), ("s", "newsletter_rate")):
        raw[rate] = raw[flag].astype(float) / raw["preferences"].astype(float)
    raw["preferences"] = raw["preferences"].astype(int)
    return raw[RATES]


def channel_mix_of(rates_frame: pd.DataFrame) -> pd.DataFrame:
    """[channel, preferences] read off rates(): its row counts per channel."""
    return rates_frame.loc[rates_frame["channel"] != ALL, ["channel", "preferences"]].reset_index(drop=True)


def language_time_zone(con, *, f: CustomerFilter) -> pd.DataFrame:
    """[language, time_zone, preferences]: preference rows per (language, time zone), NULL as 'Unknown'."""
    lang, zone = known(p.Preferred_Language).label("language"), known(p.Time_Zone).label("time_zone")
    out = run.frame(con, _rows(f, lang, zone, func.count().label("preferences")).group_by(lang, zone))
    out["preferences"] = out["preferences"].astype(int)
    return out


def mix_of(pairs: pd.DataFrame, name: str) -> pd.DataFrame:
    """[name, preferences] summed from language_time_zone() per "language" or "time_zone", largest first."""
    out = pairs.groupby(name, as_index=False)["preferences"].sum()
    return out.sort_values(["preferences", name], ascending=[False, True], ignore_index=True)


def reachable_by_channel(con, *, f: CustomerFilter) -> pd.DataFrame:
    """[channel, reachable]: customers reachable on each channel (metrics: reachable_<channel>).
    Every channel of CHANNELS is listed (0 when none) unless nobody is reachable: empty frame."""
    keys = [f"reachable_{ch.lower()}" for ch in CHANNELS]
    row = run.one(con, filtered(select(*metrics.columns(*keys)), f))
    counts = [int(row[k] or 0) for k in keys]
    if not any(counts):
        return empty(["channel", "reachable"])
    return pd.DataFrame({"channel": list(CHANNELS), "reachable": counts})
