"""Campaign audiences: a customer selection, its consent funnel, one channel per customer, exports.

An AudienceDefinition is the shared CustomerFilter plus ranges on the current segment and on
Customer_Info, and the user's channel priority. From it, in SQL (bound parameters only):

- `funnel(conn, d)`: the audience size, how many are reachable on each channel, how many are
  suppressed and why (each customer once, under the first reason of SUPPRESSION_REASONS), and how
  many are assigned to each channel. One aggregate query.
- `channel_rows(conn, d, channel)`: the reachable customers assigned to `channel`, sorted by time
  zone then Customer_ID, fetched in keyset chunks; `export_csv` writes them with only the
  columns that channel needs, formula-safe, and records the export (audit_log + saved_audience).
- `save` / `list_saved` / `load`: named definitions in `saved_audience`.

The exact rules are in docs/audiences.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field, fields, replace

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    and_,
    case,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    update,
)

from db import audit, filters
from db.access import Actor, require
from db.csv_io import neutralise
from db.filters import CustomerFilter
from db.models import CHANNELS, SavedAudience, current_segment, customer_info, customer_preferences
from db.validation import normalize_phone

saved_audience = SavedAudience.__table__
ci = customer_info.c
cp = customer_preferences.c
cs = current_segment.c

DEFAULT_PRIORITY = ("Email", "Push", "SMS", "Phone")
# In the order they are tested: a customer is counted under the first one that applies.
SUPPRESSION_REASONS = (
    ("not_active", "Account not Active"),
    ("no_preference", "No preference row"),
    ("notifications_off", "Notifications off"),
    ("no_consent", "No marketing consent"),
    ("no_contact", "No contact detail for the channel"),
)
REASON_LABELS = dict(SUPPRESSION_REASONS)
REACHABLE = "reachable"
EXPORT_COLUMNS = {
    "Email": ("Customer_Name", "Email", "Preferred_Language"),
    "SMS": ("Customer_Name", "Phone", "Time_Zone"),
    "Phone": ("Customer_Name", "Phone", "Time_Zone"),
    "Push": ("Customer_ID",),
}
NAME_MAX = 255

_RANGES = (
    ("risk_min", "risk_max"),
    ("ltv_min", "ltv_max"),
    ("var_min", "var_max"),
    ("login_days_min", "login_days_max"),
    ("points_min", "points_max"),
)


class AudienceError(ValueError):
    """A definition or a name that cannot be used (the message says why)."""


@dataclass(frozen=True)
class AudienceDefinition:
    """Who is in the audience (filter + ranges, bounds inclusive, None = open) and the channel priority."""

    filter: CustomerFilter = field(default_factory=CustomerFilter)
    risk_min: float | None = None  # Risk_Score of the current segment, 0..100
    risk_max: float | None = None
    ltv_min: float | None = None  # Lifetime_Value of the current segment, rupees
    ltv_max: float | None = None
    var_min: float | None = None  # value at risk = Lifetime_Value * Risk_Score / 100
    var_max: float | None = None
    segment_names: tuple[str, ...] = ()  # Segment_Name of the current segment
    login_days_min: int | None = None  # days since Last_Login (never logged in: see docs)
    login_days_max: int | None = None
    points_min: int | None = None  # Loyalty_Points
    points_max: int | None = None
    priority: tuple[str, ...] = DEFAULT_PRIORITY
    source: str | None = None  # "opened from a chart": the page (and view) it was built from

    def __post_init__(self):
        prio = tuple(self.priority)
        if sorted(prio) != sorted(CHANNELS):
            raise AudienceError(f"The channel priority must name each of {', '.join(CHANNELS)} once.")
        object.__setattr__(self, "priority", prio)
        object.__setattr__(self, "segment_names", tuple(sorted(set(self.segment_names))))
        for lo, hi in _RANGES:
            a, b = getattr(self, lo), getattr(self, hi)
            if a is not None and b is not None and a > b:
                raise AudienceError(f"{lo} is above {hi}.")

    @property
    def uses_segment(self) -> bool:
        return bool(
            self.filter.uses_segment
            or self.segment_names
            or any(getattr(self, n) is not None for n in ("risk_min", "risk_max", "ltv_min", "ltv_max"))
            or self.var_min is not None
            or self.var_max is not None
        )

    def with_filter(self, f: CustomerFilter) -> AudienceDefinition:
        return replace(self, filter=f)

    # --- JSON (saved_audience.definition) ---------------------------------------------------

    def to_dict(self) -> dict:
        out = {k: v for k, v in asdict(self).items() if k != "filter"}
        out["filter"] = self.filter.to_params()
        out["priority"] = list(self.priority)
        out["segment_names"] = list(self.segment_names)
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, data: Mapping) -> AudienceDefinition:
        known = {f.name for f in fields(cls)} - {"filter"}
        values = {k: v for k, v in data.items() if k in known}
        if "priority" in values:
            values["priority"] = tuple(values["priority"])
        if "segment_names" in values:
            values["segment_names"] = tuple(values["segment_names"])
        return cls(filter=CustomerFilter.from_params(data.get("filter") or {}), **values)

    @classmethod
    def from_json(cls, text: str) -> AudienceDefinition:
        return cls.from_dict(json.loads(text))


# --- SQL: who is in the audience -------------------------------------------------------------


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())


def extra_conditions(d: AudienceDefinition, *, today: dt.date | None = None) -> list[ColumnElement[bool]]:
    """Conditions of the ranges beyond the shared filter (on Customer_Info and current_segment)."""
    today = today or dt.date.today()
    conds: list[ColumnElement[bool]] = []
    for lo, hi, col in (
        (d.risk_min, d.risk_max, cs.Risk_Score),
        (d.ltv_min, d.ltv_max, cs.Lifetime_Value),
        (d.points_min, d.points_max, ci.Loyalty_Points),
    ):
        if lo is not None:
            conds.append(col >= lo)
        if hi is not None:
            conds.append(col <= hi)
    # Value at risk LTV * Risk / 100 within [min, max], without dividing in SQL.
    var = cs.Lifetime_Value * cs.Risk_Score
    if d.var_min is not None:
        conds.append(var >= d.var_min * 100)
    if d.var_max is not None:
        conds.append(var <= d.var_max * 100)
    if d.segment_names:
        conds.append(cs.Segment_Name.in_(d.segment_names))
    # Days since last login = today - date(Last_Login); comparisons with bound midnights.
    if d.login_days_min is not None:
        before = ci.Last_Login < _midnight(today - dt.timedelta(days=d.login_days_min - 1))
        # Never logged in counts as "longer ago than any day", unless an upper bound is set.
        conds.append(or_(before, ci.Last_Login.is_(None)) if d.login_days_max is None else before)
    if d.login_days_max is not None:
        conds.append(ci.Last_Login >= _midnight(today - dt.timedelta(days=d.login_days_max)))
    return conds


def audience_select(d: AudienceDefinition, *columns, today: dt.date | None = None) -> Select:
    """SELECT <columns> FROM Customer_Info [JOIN current_segment] WHERE <the audience>."""
    stmt = select(*(columns or (ci.Customer_ID,))).select_from(customer_info)
    if d.uses_segment:
        stmt = stmt.join(current_segment, cs.Customer_ID == ci.Customer_ID)
    stmt = filters.apply(stmt, d.filter, segment_joined=d.uses_segment)
    return stmt.where(*extra_conditions(d, today=today))


CHANNEL_BITS = {"Email": 1, "SMS": 2, "Phone": 4, "Push": 8}
# Funnel stages of a preference row of an Active customer (bits of the per-customer mask).
_NOTIF_OFF, _NO_CONSENT, _NO_CONTACT, _NOT_ACTIVE = 16, 32, 64, 128


def _mask_select(d: AudienceDefinition, *, today: dt.date | None = None, row_of: str | None = None) -> Select:
    """One row per audience customer: cid and `mask`, the OR of what their rows reach.

    Every (customer, preference row) pair gets one code: 128 when the account is not Active;
    0 for an Active customer without any preference row; otherwise the furthest stage of the
    row: 16 notifications off, 32 notifications on but no consent, 64 both on but no contact
    detail for its channel, or the channel's bit (Email 1, SMS 2, Phone 4, Push 8) when the row
    is reachable. SUM(DISTINCT code) per customer is the OR of those codes (each is one bit, or
    0), so one aggregate gives the suppression reason and the set of reachable channels.
    """
    notif = cp.Notification_Enabled == true()
    ok = and_(notif, cp.Marketing_Consent == true())
    has_email = and_(ci.Email.is_not(None), ci.Email != "")
    has_phone = and_(ci.Phone.is_not(None), ci.Phone != "")
    channel = cp.Communication_Channel
    contact = or_(
        channel == "Push",
        and_(channel == "Email", has_email),
        and_(channel.in_(("SMS", "Phone")), has_phone),
    )
    bit = case(*((channel == ch, b) for ch, b in CHANNEL_BITS.items()), else_=_NO_CONTACT)
    code = case(
        (or_(ci.Account_Status.is_(None), ci.Account_Status != "Active"), _NOT_ACTIVE),
        (cp.Preference_ID.is_(None), 0),
        (ok, case((contact, bit), else_=_NO_CONTACT)),
        (notif, _NO_CONSENT),
        else_=_NOTIF_OFF,
    )
    cols = [ci.Customer_ID.label("cid"), func.sum(func.distinct(code)).label("mask")]
    if row_of is not None:  # the customer's consenting row of that channel (lowest Preference_ID)
        cols.append(func.min(case((and_(ok, channel == row_of), cp.Preference_ID))).label("pid"))
    return (
        audience_select(d, *cols, today=today)
        .outerjoin(customer_preferences, cp.Customer_ID == ci.Customer_ID)
        .group_by(ci.Customer_ID)
    )


def decode(
    mask: int, priority: tuple[str, ...] = DEFAULT_PRIORITY
) -> tuple[str, str | None, tuple[str, ...]]:
    """(reason or 'reachable', assigned channel or None, reachable channels) of a customer's mask."""
    mask = int(mask or 0)
    reachable = tuple(ch for ch in CHANNELS if mask & CHANNEL_BITS[ch])
    if mask & _NOT_ACTIVE:
        return "not_active", None, ()
    if mask == 0:
        return "no_preference", None, ()
    if reachable:
        return REACHABLE, next(ch for ch in priority if ch in reachable), reachable
    if mask & _NO_CONTACT:
        return "no_contact", None, ()
    if mask & _NO_CONSENT:
        return "no_consent", None, ()
    return "notifications_off", None, ()


def funnel(conn: Connection, d: AudienceDefinition, *, today: dt.date | None = None) -> dict:
    """Audience size, reachability per channel, suppression reasons and channel assignment.

    {"audience": n, "reachable": n, "suppressed": {reason: n (all five, in order)},
     "reachable_on": {channel: n}, "assigned": {channel: n (in priority order)}}
    suppressed + reachable = audience; sum(assigned) = reachable. One query: customers grouped
    by their mask (at most a few dozen groups), decoded here.
    """
    per = _mask_select(d, today=today).subquery("per_customer")
    rows = conn.execute(select(per.c.mask, func.count().label("n")).group_by(per.c.mask)).all()
    out = {
        "audience": 0,
        "reachable": 0,
        "suppressed": {k: 0 for k, _ in SUPPRESSION_REASONS},
        "reachable_on": {ch: 0 for ch in CHANNELS},
        "assigned": {ch: 0 for ch in d.priority},
    }
    for mask, n in rows:
        n = int(n)
        reason, channel, reachable = decode(mask, d.priority)
        out["audience"] += n
        if reason == REACHABLE:
            out["reachable"] += n
            out["assigned"][channel] += n
            for ch in reachable:
                out["reachable_on"][ch] += n
        else:
            out["suppressed"][reason] += n
    return out


def count(conn: Connection, d: AudienceDefinition, *, today: dt.date | None = None) -> int:
    """Just the audience size (no preferences read)."""
    return int(
        conn.execute(select(func.count()).select_from(audience_select(d, today=today).subquery())).scalar()
    )


# --- channel lists ---------------------------------------------------------------------------


def _assigned(d: AudienceDefinition, channel: str, *, today: dt.date | None = None):
    """Subquery (cid, pid) of the reachable customers assigned to `channel`: reachable on it, and
    on no channel before it in the priority (the same rule as `decode`); pid is their consenting
    preference row of that channel (the lowest Preference_ID when several)."""
    if channel not in CHANNELS:
        raise AudienceError(f"Unknown channel {channel!r}.")
    per = _mask_select(d, today=today, row_of=channel).subquery("per_customer")
    mask = per.c.mask
    before = d.priority[: d.priority.index(channel)]
    return (
        select(per.c.cid, per.c.pid)
        .where(
            mask < _NOT_ACTIVE,
            mask.bitwise_and(CHANNEL_BITS[channel]) != 0,
            *(mask.bitwise_and(CHANNEL_BITS[ch]) == 0 for ch in before),
        )
        .subquery("assigned")
    )


def _zone(col) -> ColumnElement:
    return func.coalesce(col, literal(""))


def time_zones(
    conn: Connection, d: AudienceDefinition, channel: str, *, today: dt.date | None = None
) -> dict:
    """{time zone ('' for none): customers} of the channel's list, sorted by zone."""
    a = _assigned(d, channel, today=today)
    zone = _zone(cp.Time_Zone)
    rows = conn.execute(
        select(zone.label("zone"), func.count().label("n"))
        .select_from(
            a.join(
                customer_preferences,
                cp.Preference_ID == a.c.pid,
            )
        )
        .group_by(zone)
        .order_by(zone)
    ).all()
    return {r.zone: int(r.n) for r in rows}


def channel_rows(
    conn: Connection,
    d: AudienceDefinition,
    channel: str,
    *,
    chunk_size: int = 10_000,
    today: dt.date | None = None,
) -> Iterator[list[dict]]:
    """Chunks of the channel's list: dicts with Customer_ID, Customer_Name, Email, Phone,
    Preferred_Language, Time_Zone; ordered by time zone ('' for none) then Customer_ID.

    One ordered query, read through a streaming cursor `chunk_size` rows at a time: the audience
    is aggregated once (a keyset loop would re-aggregate the whole audience for every chunk).
    """
    a = _assigned(d, channel, today=today)
    zone = _zone(cp.Time_Zone)
    stmt = (
        select(
            ci.Customer_ID,
            ci.Customer_Name,
            ci.Email,
            ci.Phone,
            cp.Preferred_Language,
            cp.Time_Zone,
        )
        .select_from(
            a.join(customer_info, ci.Customer_ID == a.c.cid).join(
                customer_preferences,
                cp.Preference_ID == a.c.pid,
            )
        )
        .order_by(zone, ci.Customer_ID)
    )
    result = conn.execute(stmt, execution_options={"yield_per": chunk_size})
    try:
        for part in result.mappings().partitions():
            yield [dict(r) for r in part]
    finally:
        result.close()


_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


def _cell(name: str, value) -> object:
    if value is None:
        return ""
    if name == "Phone":
        value = normalize_phone(value) or value
        if _E164.fullmatch(str(value)):
            return value  # '+' and digits only: a number to a spreadsheet, never a formula to run
    return neutralise(value) if isinstance(value, str) else value


def csv_chunks(
    conn: Connection, d: AudienceDefinition, channel: str, *, chunk_size: int = 10_000, counter=None
) -> Iterator[str]:
    """CSV text (header first) of the channel's list with only EXPORT_COLUMNS[channel]."""
    columns = EXPORT_COLUMNS[channel]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(columns)
    yield buffer.getvalue()
    for rows in channel_rows(conn, d, channel, chunk_size=chunk_size):
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        for row in rows:
            writer.writerow([_cell(c, row[c]) for c in columns])
        if counter is not None:
            counter[0] += len(rows)
        yield buffer.getvalue()


def export_csv(
    conn: Connection,
    d: AudienceDefinition,
    channel: str,
    *,
    actor: Actor,
    audience_id: int | None = None,
    chunk_size: int = 10_000,
) -> tuple[str, dict]:
    """The whole CSV of one channel, and the export record written to the audit log (and to the
    saved audience's export_counts when `audience_id` is given). Editors and admins only."""
    require(actor, "editor", action="exporting a contact list")
    if channel not in CHANNELS:
        raise AudienceError(f"Unknown channel {channel!r}.")
    counter = [0]
    text = "".join(csv_chunks(conn, d, channel, chunk_size=chunk_size, counter=counter))
    counts = funnel(conn, d)
    at = audit.now()
    record = {
        "at": at.isoformat(sep=" "),
        "by": actor.username,
        "channel": channel,
        "rows": counter[0],
        "counts": counts,
    }
    name = None
    with _tx(conn):
        if audience_id is not None:
            row = conn.execute(
                select(saved_audience.c.name, saved_audience.c.export_counts)
                .where(saved_audience.c.id == audience_id)
                .with_for_update()
            ).first()
            if row is None:
                raise AudienceError("That saved audience no longer exists.")
            name = row.name
            history = json.loads(row.export_counts) if row.export_counts else []
            history.append(record)
            conn.execute(
                update(saved_audience)
                .where(saved_audience.c.id == audience_id)
                .values(export_counts=json.dumps(history))
            )
        conn.execute(
            insert(audit.audit_log).values(
                at=at,
                username=actor.username,
                action="export",
                table_name="saved_audience",
                record_id=audience_id,
                customer_id=None,
                field=f"audience:{channel}",
                old_value=None,
                new_value=json.dumps({"audience": name, "definition": d.to_dict(), **record}),
            )
        )
    return text, record


# --- saved audiences --------------------------------------------------------------------------


def _tx(conn: Connection):
    from db.writes import transaction

    return transaction(conn)


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise AudienceError("Give the audience a name.")
    if len(name) > NAME_MAX:
        raise AudienceError(f"The name is longer than {NAME_MAX} characters.")
    return name


def save(
    conn: Connection, d: AudienceDefinition, *, name: str, actor: Actor, replace_existing: bool = False
) -> int:
    """Store the definition under `name`; its id. An existing name is refused unless
    replace_existing (then the definition, author and time are replaced, export history kept)."""
    require(actor, "editor", action="saving an audience")
    name = _clean_name(name)
    at = audit.now()
    with _tx(conn):
        existing = conn.execute(select(saved_audience.c.id).where(saved_audience.c.name == name)).scalar()
        if existing is not None:
            if not replace_existing:
                raise AudienceError(f"An audience named {name!r} exists already.")
            conn.execute(
                update(saved_audience)
                .where(saved_audience.c.id == existing)
                .values(definition=d.to_json(), saved_by=actor.username, saved_at=at)
            )
            return int(existing)
        result = conn.execute(
            insert(saved_audience).values(
                name=name, definition=d.to_json(), saved_by=actor.username, saved_at=at, export_counts="[]"
            )
        )
        return int(result.inserted_primary_key[0])


def list_saved(conn: Connection) -> list[dict]:
    """[{id, name, saved_by, saved_at, exports}] newest first."""
    rows = conn.execute(
        select(
            saved_audience.c.id,
            saved_audience.c.name,
            saved_audience.c.saved_by,
            saved_audience.c.saved_at,
            saved_audience.c.export_counts,
        ).order_by(saved_audience.c.saved_at.desc(), saved_audience.c.id.desc())
    ).all()
    return [
        {
            "id": r.id,
            "name": r.name,
            "saved_by": r.saved_by,
            "saved_at": r.saved_at,
            "exports": len(json.loads(r.export_counts)) if r.export_counts else 0,
        }
        for r in rows
    ]


def load(conn: Connection, audience_id: int) -> dict | None:
    """{id, name, saved_by, saved_at, definition: AudienceDefinition, exports: [records]} or None."""
    r = conn.execute(select(saved_audience).where(saved_audience.c.id == audience_id)).first()
    if r is None:
        return None
    return {
        "id": r.id,
        "name": r.name,
        "saved_by": r.saved_by,
        "saved_at": r.saved_at,
        "definition": AudienceDefinition.from_json(r.definition),
        "exports": json.loads(r.export_counts) if r.export_counts else [],
    }


def delete(conn: Connection, audience_id: int, *, actor: Actor) -> None:
    require(actor, "editor", action="deleting a saved audience")
    with _tx(conn):
        conn.execute(saved_audience.delete().where(saved_audience.c.id == audience_id))


def segment_names(conn: Connection, categories: tuple[str, ...] = ()) -> list[str]:
    """Distinct Segment_Name of the current segments (of those categories when given)."""
    stmt = select(cs.Segment_Name).distinct().order_by(cs.Segment_Name)
    if categories:
        stmt = stmt.where(cs.Segment_Category.in_(categories))
    return [r[0] for r in conn.execute(stmt) if r[0] is not None]
