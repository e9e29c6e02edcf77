"""Consent page: channels, opt-in rates, languages, time zones, reachable customers.

Figures count Customer_Preferences rows ("preferences") of the filtered customers, except
reachable_by_channel, which counts distinct customers.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, distinct, func, or_, select, true

from db.analytics.common import empty, frame, label, ordered
from db.analytics.summary import PreferenceSummary, preference_summary
from db.analytics.summary import flag as _flag
from db.filters import CustomerFilter
from db.models import CHANNELS, customer_info, customer_preferences

cp = customer_preferences.c
ci = customer_info.c
ALL = "All"


def _by_channel(df: pd.DataFrame) -> pd.DataFrame:
    order = ordered(df["channel"], CHANNELS)
    return df.set_index("channel").loc[order].reset_index()


def channel_mix(conn: Connection, *, f: CustomerFilter) -> pd.DataFrame:
    """[channel, preferences]: preference rows per Communication_Channel (CHANNELS order)."""
    return channel_mix_of(rates(conn, f=f))


def channel_mix_of(rates_frame: pd.DataFrame) -> pd.DataFrame:
    """channel_mix() read off rates(): its row counts per channel (one pass for both figures)."""
    out = rates_frame.loc[rates_frame["channel"] != ALL, ["channel", "preferences"]]
    return out.reset_index(drop=True)


def rates(conn: Connection, *, f: CustomerFilter, summary: PreferenceSummary | None = None) -> pd.DataFrame:
    """[channel, preferences, notification_rate, marketing_rate, newsletter_rate] per channel and
    a last row channel="All": the share (0..1) of preference rows with the flag true."""
    if f.is_empty:
        stmt = select(
            cp.Communication_Channel,
            func.count(),
            _flag(cp.Notification_Enabled),
            _flag(cp.Marketing_Consent),
            _flag(cp.Newsletter_Subscription),
        ).group_by(cp.Communication_Channel)
        raw = frame(conn, stmt, ["channel", "preferences", "n", "m", "s"])
    else:
        raw = (summary or preference_summary(conn, f=f)).channels.copy()
    cols = ["channel", "preferences", "notification_rate", "marketing_rate", "newsletter_rate"]
    if raw.empty:
        return empty(cols)
    raw = _by_channel(raw)
    total = raw[["preferences", "n", "m", "s"]].sum()
    raw.loc[len(raw)] = [ALL, *total.tolist()]
    for flag, rate in (("n", "notification_rate"), ("m", "marketing_rate"), ("s", "newsletter_rate")):
        raw[rate] = raw[flag].astype(float) / raw["preferences"].astype(float)
    raw["preferences"] = raw["preferences"].astype(int)
    return raw[cols]


def language_time_zone(
    conn: Connection, *, f: CustomerFilter, summary: PreferenceSummary | None = None
) -> pd.DataFrame:
    """[language, time_zone, preferences]: preference rows per (Preferred_Language, Time_Zone),
    grouped in the order of their covering index (no sort; a few dozen rows)."""
    if not f.is_empty:
        return (summary or preference_summary(conn, f=f)).pairs
    lang, zone = cp.Preferred_Language, cp.Time_Zone
    stmt = select(lang, zone, func.count()).group_by(lang, zone)
    return frame(conn, stmt, ["language", "time_zone", "preferences"])


def mix_of(pairs: pd.DataFrame, name: str) -> pd.DataFrame:
    """[name, preferences] summed from language_time_zone() per "language" or "time_zone",
    largest first (NULL as 'Unknown')."""
    out = pairs[[name, "preferences"]].copy()
    if out.empty:
        return out
    out[name] = out[name].map(label)
    out = out.groupby(name, as_index=False)["preferences"].sum()
    return out.sort_values(["preferences", name], ascending=[False, True], ignore_index=True)


def language_mix(conn: Connection, *, f: CustomerFilter) -> pd.DataFrame:
    """[language, preferences] per Preferred_Language, largest first (NULL as 'Unknown')."""
    return mix_of(language_time_zone(conn, f=f), "language")


def timezone_mix(conn: Connection, *, f: CustomerFilter) -> pd.DataFrame:
    """[time_zone, preferences] per Time_Zone, largest first (NULL as 'Unknown')."""
    return mix_of(language_time_zone(conn, f=f), "time_zone")


def _opted_in(*columns):
    return select(cp.Communication_Channel, *columns).where(
        cp.Notification_Enabled == true(), cp.Marketing_Consent == true()
    )


def _reachable_unfiltered(conn: Connection) -> dict[str, int]:
    """{channel: reachable} as the opted-in customers of each channel (read off the index on the
    two flags, no join) minus those of them whose account is not Active (a join of the few
    customers not Active): one join of every customer with every preference took 1 s."""
    per_channel = func.count(distinct(cp.Customer_ID))
    opted = _opted_in(per_channel).group_by(cp.Communication_Channel)
    not_active = (
        _opted_in(per_channel)
        .join(customer_info, ci.Customer_ID == cp.Customer_ID)
        .where(or_(ci.Account_Status != "Active", ci.Account_Status.is_(None)))
        .group_by(cp.Communication_Channel)
    )
    out = dict(conn.execute(opted).all())
    for channel, n in conn.execute(not_active).all():
        out[channel] -= n
    return out


def reachable_by_channel(
    conn: Connection, *, f: CustomerFilter, summary: PreferenceSummary | None = None
) -> pd.DataFrame:
    """[channel, reachable]: distinct customers reachable on each channel: a preference row for
    the channel with Notification_Enabled and Marketing_Consent true, and Account_Status 'Active'.
    Every channel of CHANNELS is listed (0 when none) unless nobody is reachable: empty frame."""
    if f.is_empty:
        counts = _reachable_unfiltered(conn)
    else:
        reachable = (summary or preference_summary(conn, f=f)).reachable
        counts = dict(zip(reachable["channel"], reachable["reachable"], strict=True))
    if not any(counts.values()):
        return empty(["channel", "reachable"])
    channels = ordered(set(CHANNELS) | set(counts), CHANNELS)
    return pd.DataFrame({"channel": channels, "reachable": [int(counts.get(c, 0)) for c in channels]})
