"""Finding customers (search, keyset paging) and reading one customer whole (the 360 view).

Search terms:
- digits or a phone-looking text ('98765 43210', '+91-98765-43210', '09876543210') -> the phone
  normalised to E.164 (exact, uses the unique index) or the Customer_ID; when neither exists, a
  phone stored in any format with the same digits, or ending with them (db.contact_match; a scan);
- text with '@' -> email prefix (the app stores them lower-case: a range on the unique index),
  else the same prefix in any letter case (a scan);
- anything else -> a name: prefix first (index-friendly ranges on the usual capitalisations:
  as typed, 'Priya Sh', 'priya sh', 'PRIYA SH'), and when no name starts with it, names containing
  it (a scan: slower on a million rows), then an email whose local part starts with it ('asha.rao');
  SearchPage.match says which one was used.
Paging is keyset (sort column, Customer_ID): no OFFSET; `next_after` is passed back as `after`.
The total is exact up to TOTAL_CAP and reported as TOTAL_CAP + 1 ("10,000+") beyond it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import ColumnElement, Connection, Select, and_, func, or_, select

from db import filters, search_terms
from db.current_segment import current_segment, latest_first
from db.filters import CustomerFilter
from db.models import customer_info, customer_preferences, customer_segments

PAGE_SIZE = 50
TOTAL_CAP = 10_000
SEARCH_COLUMNS = (
    "Customer_ID",
    "Customer_Name",
    "Email",
    "Phone",
    "City",
    "State",
    "Account_Status",
    "Join_Date",
    "Segment_Category",
    "Risk_Score",
)

ci = customer_info.c
current = current_segment()  # one selectable: db.filters' segment conditions refer to it too
cs = current.c

# Sort keys: NOT NULL columns (Risk_Score: 0 for a NULL), so keyset comparisons are exact.
# Customer_ID, Customer_Name and Email are read in the order of an index (key, Customer_ID); the
# others are sorted (no index of ours serves them: the dashboards have their own copy). Sorting
# by Risk_Score lists the customers that have a current segment (inner join; the total says how
# many).
SORTS = {
    "Customer_ID": ci.Customer_ID,
    "Customer_Name": ci.Customer_Name,
    "Email": ci.Email,
    "City": ci.City,
    "Join_Date": ci.Join_Date,
    "Risk_Score": cs.Risk_Score,
    # No index serves this one: a full sort (about 2 s at 1,000,000 customers on SQLite).
    "Loyalty_Points": func.coalesce(ci.Loyalty_Points, 0),
}
_SEGMENT_SORTS = {"Risk_Score"}
# Above this many matches a page is found fastest by reading in sort order and filtering.
DENSE_FROM = 2_000
_SELECTIVE_TERMS = {"id_or_phone", "email", "name_prefix"}
_ALL = search_terms.ALL


@dataclass(frozen=True)
class SearchPage:
    rows: pd.DataFrame
    total: int  # exact up to TOTAL_CAP; TOTAL_CAP + 1 means "more than TOTAL_CAP"
    next_after: tuple | None  # pass as `after` for the next page; None on the last page
    total_is_capped: bool = False
    match: str = "all"  # all / id_or_phone / email / name_prefix / name_contains / none

    @property
    def total_label(self) -> str:
        return f"{TOTAL_CAP:,}+" if self.total_is_capped else f"{self.total:,}"


@dataclass(frozen=True)
class Customer360:
    profile: dict
    preferences: pd.DataFrame
    segments: pd.DataFrame  # with a bool column is_current
    history: pd.DataFrame  # audit rows for this customer, newest first


def _where(
    stmt: Select, f: CustomerFilter, condition, *, conn: Connection, steer: bool, segment_joined: bool
) -> Select:
    """The filter's conditions (db.filters) and the term's.

    steer=True on SQLite wraps the filter's Customer_Info conditions in likely(): the planner then
    reads in sort order (or by the search term's index) and checks the filter per row, instead of
    reading every match through the filter's index and sorting them (400 ms -> 0.1 ms for a state
    with 100,000 customers when only the first 50 are wanted).
    """
    conds = filters.customer_conditions(f)
    if conds and steer and conn.dialect.name == "sqlite":
        conds = [func.likely(and_(*conds))]
    seg = filters.segment_conditions(f)
    if seg and not segment_joined:
        stmt = stmt.join(current, cs.Customer_ID == ci.Customer_ID)
    return stmt.where(*conds, *seg, condition)


def _base(conn, f: CustomerFilter, condition, columns, *, sort: str, steer: bool) -> Select:
    if sort in _SEGMENT_SORTS:
        joined = customer_info.join(current, cs.Customer_ID == ci.Customer_ID)
    else:
        joined = customer_info.outerjoin(current, cs.Customer_ID == ci.Customer_ID)
    stmt = select(*columns).select_from(joined)
    return _where(stmt, f, condition, conn=conn, steer=steer, segment_joined=True)


def _search_columns():
    return [
        ci.Customer_ID,
        ci.Customer_Name,
        ci.Email,
        ci.Phone,
        ci.City,
        ci.State,
        ci.Account_Status,
        ci.Join_Date,
        cs.Segment_Category,
        cs.Risk_Score,
    ]


def _capped_count(
    conn: Connection, f: CustomerFilter, condition, cap: int, *, steer: bool, segment_required: bool = False
) -> int:
    # Customer_Info alone (the current segment joined only when needed), stopping at cap + 1.
    seg = filters.segment_conditions(f)
    if seg and not filters.customer_conditions(f) and condition is _ALL:
        # Only segment conditions: the current segments are one row per existing customer
        # (foreign key), so counting them alone is exact and spares a join with Customer_Info.
        inner = select(cs.Customer_ID).where(*seg).limit(cap + 1).subquery()
        return conn.execute(select(func.count()).select_from(inner)).scalar_one()
    stmt = select(ci.Customer_ID)
    if segment_required:
        stmt = stmt.join(current, cs.Customer_ID == ci.Customer_ID)
    stmt = _where(stmt, f, condition, conn=conn, steer=steer, segment_joined=segment_required)
    inner = stmt.limit(cap + 1).subquery()
    return conn.execute(select(func.count()).select_from(inner)).scalar_one()


def _keyset(
    stmt: Select, sort: str, descending: bool, after: tuple | None, *, sort_after_match: bool = False
) -> Select:
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)} (got {sort!r})")
    key = SORTS[sort]
    tie = cs.Customer_ID if sort in _SEGMENT_SORTS else ci.Customer_ID
    if after is not None:
        if sort == "Customer_ID":
            last_id = after[-1]
            stmt = stmt.where(ci.Customer_ID < last_id if descending else ci.Customer_ID > last_id)
        else:
            last_key, last_id = after
            if descending:
                stmt = stmt.where(key <= last_key, or_(key < last_key, tie < last_id))
            else:
                stmt = stmt.where(key >= last_key, or_(key > last_key, tie > last_id))
    if sort == "Customer_ID":
        # `+ 0` keeps SQLite from walking the primary key in order looking for a few matches:
        # it finds them through the term's index and sorts them (160 ms -> 1 ms at 1M).
        key = ci.Customer_ID + 0 if sort_after_match else ci.Customer_ID
        order = [key.desc() if descending else key.asc()]
    else:
        order = [key.desc(), tie.desc()] if descending else [key.asc(), tie.asc()]
    return stmt.order_by(*order)


def _page_select(conn, f, condition, sort, descending, after, limit, steer, sort_after_match) -> Select:
    """The page's SELECT (limit + 1 rows, in page order).

    Sorted by a Customer_Info column, the page's customers are found in Customer_Info alone (the
    current segment joined there only for a segment filter) and only those limit + 1 rows are
    joined with their current segment: a sort no index serves then sorts customers, not customers
    joined with every current segment (by City at 1M customers on SQLite: 24 s -> 0.4 s).
    """
    keys = [] if sort == "Customer_ID" else [SORTS[sort].label("_sort_key")]
    if sort in _SEGMENT_SORTS:
        base = _base(conn, f, condition, [*_search_columns(), *keys], sort=sort, steer=steer)
        return _keyset(base, sort, descending, after, sort_after_match=sort_after_match).limit(limit + 1)
    ids = select(ci.Customer_ID.label("_page_id"), *keys).select_from(customer_info)
    ids = _where(ids, f, condition, conn=conn, steer=steer, segment_joined=False)
    page = _keyset(ids, sort, descending, after, sort_after_match=sort_after_match).limit(limit + 1)
    page = page.subquery("page")
    order = [page.c[name] for name in ("_sort_key", "_page_id") if name in page.c]
    joined = page.join(customer_info, ci.Customer_ID == page.c._page_id).outerjoin(
        current, cs.Customer_ID == ci.Customer_ID
    )
    stmt = select(*_search_columns(), *order[:-1]).select_from(joined)
    return stmt.order_by(*(c.desc() if descending else c.asc() for c in order))


def _page(
    conn, f, condition, sort, descending, after, limit, steer, sort_after_match=False
) -> tuple[pd.DataFrame, tuple | None]:
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)} (got {sort!r})")
    stmt = _page_select(conn, f, condition, sort, descending, after, limit, steer, sort_after_match)
    result = conn.execute(stmt)
    rows = result.fetchall()
    frame = pd.DataFrame(rows[:limit], columns=list(result.keys()))
    next_after = None
    if len(rows) > limit:
        last = rows[limit - 1]._mapping
        if sort == "Customer_ID":
            next_after = (last["Customer_ID"],)
        else:
            next_after = (last["_sort_key"], last["Customer_ID"])
    if "_sort_key" in frame.columns:
        frame = frame.drop(columns="_sort_key")
    if frame.empty:
        frame = pd.DataFrame(columns=list(SEARCH_COLUMNS))
    return frame, next_after


def resolve_term(
    conn: Connection,
    *,
    f: CustomerFilter,
    query: str = "",
    match: str = "auto",
    segment_required: bool = False,
    contacts: bool = True,
) -> tuple[str, ColumnElement[bool], int]:
    """(match kind, condition, capped total) for a search term: name prefix, else contains, ...

    match: "auto" (name prefix, else contains), "prefix" or "contains" (for name terms).
    """
    candidates = search_terms.term_conditions(query or "", conn.dialect.name, contacts=contacts)
    if match == "prefix":
        candidates = candidates[:1]
    elif match == "contains" and len(candidates) > 1:
        candidates = candidates[1:]
    for i, (kind, condition) in enumerate(candidates):
        total = _capped_count(
            conn, f, condition, TOTAL_CAP, steer=kind in _SELECTIVE_TERMS, segment_required=segment_required
        )
        if total == 0 and i < len(candidates) - 1:
            continue
        return (kind if total else "none"), condition, total
    raise AssertionError("unreachable")


def search(
    conn: Connection,
    *,
    f: CustomerFilter,
    query: str = "",
    sort: str = "Customer_ID",
    descending: bool = False,
    after: tuple | None = None,
    limit: int = PAGE_SIZE,
    match: str = "auto",
    contacts: bool = True,
) -> SearchPage:
    """One page of customers matching the filter and the search term (see module doc).

    match: "auto" (name prefix, else contains), "prefix" or "contains" (for name terms).
    contacts=False: the term never searches email or phone (db.search_terms).
    """
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)} (got {sort!r})")
    kind, condition, total = resolve_term(
        conn, f=f, query=query, match=match, segment_required=sort in _SEGMENT_SORTS, contacts=contacts
    )
    if total == 0:
        return SearchPage(
            rows=pd.DataFrame(columns=list(SEARCH_COLUMNS)), total=0, next_after=None, match=kind
        )
    steer = kind in _SELECTIVE_TERMS or total > DENSE_FROM
    # A selective term with a known, small number of matches: read them by its index and sort.
    sort_after_match = conn.dialect.name == "sqlite" and kind in _SELECTIVE_TERMS and total <= TOTAL_CAP
    frame, next_after = _page(conn, f, condition, sort, descending, after, limit, steer, sort_after_match)
    return SearchPage(
        rows=frame,
        total=total,
        next_after=next_after,
        total_is_capped=total > TOTAL_CAP,
        match=kind,
    )


def rows_of(conn: Connection, *, ids: list[int]) -> pd.DataFrame:
    """The list's columns (SEARCH_COLUMNS) of these customers, in the order of `ids` (a page
    whose ids came from the analytics copy: db.analytics.browse)."""
    if not ids:
        return pd.DataFrame(columns=list(SEARCH_COLUMNS))
    joined = customer_info.outerjoin(current, cs.Customer_ID == ci.Customer_ID)
    stmt = select(*_search_columns()).select_from(joined).where(ci.Customer_ID.in_(ids))
    result = conn.execute(stmt)
    frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    rank = {cid: i for i, cid in enumerate(ids)}
    frame = frame.sort_values("Customer_ID", key=lambda s: s.map(rank), ignore_index=True)
    return frame


# --- one customer --------------------------------------------------------------------------


def history(conn: Connection, *, customer_id: int, limit: int = 200) -> pd.DataFrame:
    from db.audit import audit_log

    a = audit_log.c
    stmt = (
        select(a.at, a.username, a.action, a.table_name, a.record_id, a.field, a.old_value, a.new_value)
        .where(a.customer_id == customer_id)
        .order_by(a.at.desc(), a.id.desc())
        .limit(limit)
    )
    result = conn.execute(stmt)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def customer_360(conn: Connection, *, customer_id: int) -> Customer360 | None:
    row = conn.execute(select(customer_info).where(ci.Customer_ID == customer_id)).mappings().first()
    if row is None:
        return None
    p = customer_preferences.c
    prefs = conn.execute(
        select(customer_preferences).where(p.Customer_ID == customer_id).order_by(p.Preference_ID)
    )
    preferences = pd.DataFrame(prefs.fetchall(), columns=list(prefs.keys()))
    s = customer_segments.c
    current_id = conn.execute(select(cs.Segment_ID).where(cs.Customer_ID == customer_id)).scalar()
    segs = conn.execute(
        select(customer_segments).where(s.Customer_ID == customer_id).order_by(*latest_first(s))
    )
    segments = pd.DataFrame(segs.fetchall(), columns=list(segs.keys()))
    segments["is_current"] = (
        segments["Segment_ID"] == current_id if not segments.empty else pd.Series(dtype=bool)
    )
    return Customer360(
        profile=dict(row),
        preferences=preferences,
        segments=segments,
        history=history(conn, customer_id=customer_id),
    )
