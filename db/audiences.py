"""Campaign audiences: a customer selection, its consent funnel, one channel per customer, exports.

An AudienceDefinition is the shared CustomerFilter plus ranges on the current segment and on
Customer_Info, and the user's channel priority. Here: the definition, the funnel's codes and
their decoding, the contact-list CSV and its audit record, and saved definitions
(`save` / `list_saved` / `load` in `saved_audience`). The counts and the lists are computed on
the analytics copy by db.analytics.audience; an export re-reads its customers from the source.

The exact rules are in docs/audiences.md.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace

from sqlalchemy import Connection, Engine, insert, select, update

from db import audit, exports
from db.access import USES_AUDIENCES, Actor, require
from db.csv_cells import neutralise
from db.filters import CustomerFilter
from db.models import CHANNELS, SavedAudience
from db.validation import normalize_phone

saved_audience = SavedAudience.__table__

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


# --- the funnel's codes (db.analytics.audience computes them on the copy) -----------------------

CHANNEL_BITS = {"Email": 1, "SMS": 2, "Phone": 4, "Push": 8}
# Funnel stages of a customer's latest preference row per channel (bits of the per-customer mask).
NOTIFICATIONS_OFF, NO_CONSENT, NO_CONTACT, NOT_ACTIVE = 16, 32, 64, 128


def decode(
    mask: int, priority: tuple[str, ...] = DEFAULT_PRIORITY
) -> tuple[str, str | None, tuple[str, ...]]:
    """(reason or 'reachable', assigned channel or None, reachable channels) of a customer's mask."""
    mask = int(mask or 0)
    reachable = tuple(ch for ch in CHANNELS if mask & CHANNEL_BITS[ch])
    if mask & NOT_ACTIVE:
        return "not_active", None, ()
    if mask == 0:
        return "no_preference", None, ()
    if reachable:
        return REACHABLE, next(ch for ch in priority if ch in reachable), reachable
    if mask & NO_CONTACT:
        return "no_contact", None, ()
    if mask & NO_CONSENT:
        return "no_consent", None, ()
    return "notifications_off", None, ()


# --- exports ----------------------------------------------------------------------------------


def _cell(name: str, value) -> object:
    if value is None:
        return ""
    if name == "Phone":
        value = normalize_phone(value) or value
    return neutralise(value) if isinstance(value, str) else value


def csv_text(rows, channel: str) -> str:
    """CSV text (header first) of the channel's list with only EXPORT_COLUMNS[channel]."""
    columns = EXPORT_COLUMNS[channel]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows.itertuples(index=False):
        values = row._asdict()
        writer.writerow([_cell(col, values[col]) for col in columns])
    return buffer.getvalue()


def export_csv(
    engine: Engine,
    con,
    d: AudienceDefinition,
    channel: str,
    *,
    actor: Actor,
    audience_id: int | None = None,
    page: str | None = None,
) -> tuple[str, dict]:
    """The whole CSV of one channel, and the export record written to the audit log (and to the
    saved audience's export_counts when `audience_id` is given). Marketers and up (USES_AUDIENCES).
    `page`: where it was downloaded, for the audit row.

    The customers are picked on the analytics copy (`con`), then their consent, account status
    and contact details are read again from the source (`engine`) in this same call: whoever
    withdrew consent or was suspended since the copy's last load is left out ("withdrawn")."""
    from db.analytics.audience import assigned_ids, funnel, recheck

    require(actor, USES_AUDIENCES, action="exporting a contact list")
    if channel not in CHANNELS:
        raise AudienceError(f"Unknown channel {channel!r}.")
    picked = assigned_ids(con, d, channel)
    rows = recheck(engine, picked, channel)
    text = csv_text(rows, channel)
    record = {
        "at": audit.now().isoformat(sep=" "),
        "by": actor.username,
        "channel": channel,
        "rows": len(rows),
        "withdrawn": len(picked) - len(rows),
        "counts": funnel(con, d),
    }
    with engine.connect() as conn:
        _record_export(conn, d, channel, record, audience_id=audience_id, actor=actor, page=page)
        conn.commit()
    return text, record


def _record_export(
    conn: Connection, d, channel: str, record: dict, *, audience_id, actor, page
) -> str | None:
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
        export = exports.Export(
            what=f"Audience list ({channel})",
            field=f"audience:{channel}",
            rows=record["rows"],
            masked=False,  # the contact details are what a contact list is for
            page=page,
            filter=d.filter.to_params(),
            table_name="saved_audience",
            record_id=audience_id,
            details={"audience": name, "definition": d.to_dict(), **record},
        )
        exports.record(conn, actor=actor, export=export)
    return name


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
    require(actor, USES_AUDIENCES, action="saving an audience")
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
    require(actor, USES_AUDIENCES, action="deleting a saved audience")
    with _tx(conn):
        conn.execute(saved_audience.delete().where(saved_audience.c.id == audience_id))
