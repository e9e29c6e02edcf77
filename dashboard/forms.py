"""Form widgets bound to db validation, and the state that makes editing impossible to get wrong silently.

- The widgets mirror the rules of db.validation (value sets, ranges), but the db decides: every
  submit goes through db.writes, whose ValidationFailed.errors are shown next to each field and
  listed above the form, while the form keeps what the user typed.
- `FormState` keeps, per edited record, the snapshot the form was loaded with (`original`, sent
  to the write for the optimistic check), the last errors or conflict, and a version number that
  is part of the widget keys: bumping it (after a save, or "reload current values") re-creates
  the widgets prefilled from the database; an error never bumps it, so typed values survive.
  After a conflict the user's changes are kept too (`mine`), so that "re-apply my changes" can
  re-create the form from the database with them on top (`put_back`, `prefill`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation

import streamlit as st

from dashboard import edit_conflict
from dashboard.formatting import literal
from db import formats, validation
from db.models import ACCOUNT_STATUSES, CATEGORIES, CHANNELS, ENGAGEMENT_LEVELS, GENDERS

# Editable columns and their labels (the schema's column names are the keys everywhere);
# labels come from db.validation, so a form field and its error message use the same words.
_FORM_LABELS = {
    **validation.LABELS,
    "Segment_Category": "Category",
    "Lifetime_Value": "Lifetime value (₹)",
    "Risk_Score": "Risk score (0-100)",
}
CUSTOMER_FIELDS = {f: _FORM_LABELS[f] for f in validation.CUSTOMER_FIELDS}
PREFERENCE_FIELDS = {f: _FORM_LABELS[f] for f in validation.PREFERENCE_FIELDS}
SEGMENT_FIELDS = {f: _FORM_LABELS[f] for f in validation.SEGMENT_FIELDS}
LABELS = {**CUSTOMER_FIELDS, **PREFERENCE_FIELDS, **SEGMENT_FIELDS, "confirm": "Confirmation"}

# The date pickers accept any plausible date, so a typed one outside the rules reaches
# db.validation, which says what is wrong ("cannot be in the future"), instead of a widget error
# that keeps the old value. Over-long text likewise reaches it and is refused with the limit named.
PICKER_FIRST = dt.date(1800, 1, 1)
PICKER_LAST = dt.date(2199, 12, 31)


# --- state -------------------------------------------------------------------------------


class FormState:
    """Session state of one edit form (e.g. "profile-123", "pref-45", "new-customer")."""

    def __init__(self, name: str):
        self.name = name
        self._ss = st.session_state

    def _k(self, part: str) -> str:
        return f"_form.{self.name}.{part}"

    @property
    def version(self) -> int:
        return self._ss.get(self._k("version"), 0)

    @property
    def key(self) -> str:
        """Prefix of the widget keys: changes when the form must be re-created from the database."""
        return f"{self.name}.v{self.version}"

    @property
    def original(self) -> dict | None:
        return self._ss.get(self._k("original"))

    def load(self, values: Mapping) -> dict:
        """The snapshot this form version was loaded with; taken once from `values`."""
        if self.original is None:
            self._ss[self._k("original")] = dict(values)
        return self.original

    @property
    def errors(self) -> dict[str, str]:
        return self._ss.get(self._k("errors"), {})

    @property
    def conflict(self) -> tuple | None:
        """After a refused edit: what someone else changed (db.conflicts.FieldChange per field)."""
        return self._ss.get(self._k("conflict"))

    @property
    def mine(self) -> dict:
        """After a refused edit: the user's changes that were not saved (field -> typed value)."""
        return self._ss.get(self._k("mine"), {})

    @property
    def reapplied(self) -> dict:
        """The user's changes put back on top of the values loaded from the database."""
        return self._ss.get(self._k("reapplied"), {})

    def put_back(self, changes: Mapping) -> None:
        """This form version starts from its new snapshot with `changes` on top (see prefill)."""
        self._ss[self._k("reapplied")] = dict(changes)

    def prefill(self, original: Mapping) -> dict:
        """What the widgets start with: the snapshot, and any changes put back on top of it."""
        return {**original, **self.reapplied}

    @property
    def failure(self) -> str | None:
        return self._ss.get(self._k("failure"))

    @property
    def has_problems(self) -> bool:
        return bool(self.errors or self.failure or self.conflict is not None)

    def fail(self, *, errors=None, conflict=None, failure=None, mine=None) -> None:
        self._ss[self._k("errors")] = dict(errors or {})
        self._ss[self._k("conflict")] = tuple(conflict) if conflict is not None else None
        self._ss[self._k("failure")] = failure
        self._ss[self._k("mine")] = dict(mine or {})

    def reload(self) -> None:
        """Forget the snapshot, errors and typed values: the next run prefills from the database."""
        version = self.version
        for part in ("original", "errors", "conflict", "failure", "mine", "reapplied"):
            self._ss.pop(self._k(part), None)
        for widget_key in [k for k in self._ss if isinstance(k, str) and k.startswith(self.key + ".")]:
            del self._ss[widget_key]
        self._ss[self._k("version")] = version + 1


def flash(message: str) -> None:
    """A success message shown once on the next run (survives st.rerun)."""
    st.session_state["_form.flash"] = message


def show_flash() -> None:
    if message := st.session_state.pop("_form.flash", None):
        st.success(message, icon=":material/check_circle:")  # once: a banner, no pop-up as well


def submit(
    state: FormState,
    fn: Callable[[], object],
    *,
    success: str | None = None,
    reload=True,
    mine: Mapping | None = None,
):
    """Run a write; on failure remember errors/conflict (typed values stay) and rerun.

    `mine`: the user's changes the write carries, kept after a conflict so they can be re-applied.
    Returns the WriteResult on success (after flashing `success` and, when `reload`, bumping the
    form version so it is prefilled from the database again).
    """
    from db.access import PermissionDenied
    from db.validation import ValidationFailed
    from db.writes import Conflict, NotFound, WriteFailed

    try:
        result = fn()
    except ValidationFailed as exc:
        state.fail(errors=exc.errors)
    except Conflict as exc:
        state.fail(conflict=exc.fields, mine=mine)
    except NotFound:
        state.fail(failure="This record no longer exists: someone deleted it meanwhile. Nothing was saved.")
    except WriteFailed as exc:
        state.fail(failure=str(exc) or "Could not save; nothing was saved.")
    except PermissionDenied as exc:
        state.fail(failure=str(exc))
    else:
        if reload:
            state.reload()
        else:
            state.fail()
        if success:
            flash(success)
        return result
    st.rerun()


# --- messages ----------------------------------------------------------------------------


def _field_message(field: str, message: str) -> str:
    label = LABELS.get(field, field)
    if message.startswith((field, label)) or ":" in message[:40]:
        return message  # db.validation messages already start with the field's label
    return f"{label}: {message}"


def show_problems(state: FormState, *, on_reload: Callable[[], None] | None = None) -> None:
    """Above a form: the list of field errors, a failure, or a conflict (dashboard.edit_conflict)."""
    if state.errors:
        lines = "\n".join(f"- {literal(_field_message(f, m))}" for f, m in state.errors.items())
        st.error(f"Nothing was saved. Please correct:\n{lines}", icon=":material/error:")
    if state.failure:
        st.error(literal(state.failure), icon=":material/error:")
    edit_conflict.show(state, on_reload=on_reload)


def _field_error(state: FormState, field: str) -> None:
    if message := state.errors.get(field):
        st.error(_field_message(field, message))


# --- widgets -----------------------------------------------------------------------------


def _str(value) -> str:
    return "" if value is None else str(value)


def _date(value) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _option(value, options: tuple, default=None):
    return value if value in options else default


def customer_fields(state: FormState, initial: Mapping, *, today: dt.date | None = None) -> dict:
    """The profile widgets (inside an st.form); returns the typed values keyed by column."""
    today = today or dt.date.today()
    k = state.key
    v: dict = {}
    left, right = st.columns(2)
    with left:
        v["Customer_Name"] = st.text_input(
            "Name", value=_str(initial.get("Customer_Name")), key=f"{k}.Customer_Name"
        )
        _field_error(state, "Customer_Name")
        v["Email"] = st.text_input("Email", value=_str(initial.get("Email")), key=f"{k}.Email")
        _field_error(state, "Email")
        v["Phone"] = st.text_input(
            "Phone",
            value=_str(initial.get("Phone")),
            key=f"{k}.Phone",
            help="With or without +91 or a leading 0, spaces or dashes (stored as +91 and 10 digits).",
        )
        _field_error(state, "Phone")
        genders = ("", *GENDERS)
        v["Gender"] = st.selectbox(
            "Gender",
            genders,
            index=genders.index(_option(initial.get("Gender"), genders, "")),
            format_func=lambda g: g or "(not given)",
            key=f"{k}.Gender",
        )
        _field_error(state, "Gender")
        v["Date_of_Birth"] = st.date_input(
            "Date of birth",
            value=_date(initial.get("Date_of_Birth")),
            min_value=PICKER_FIRST,
            max_value=PICKER_LAST,
            format=formats.INPUT_DATE,
            key=f"{k}.Date_of_Birth",
            help="Age is computed from it (18 to 120).",
        )
        _field_error(state, "Date_of_Birth")
        _field_error(state, "Age")
        v["Loyalty_Points"] = st.number_input(
            "Loyalty points",
            value=int(initial.get("Loyalty_Points") or 0),
            min_value=0,
            step=1,
            key=f"{k}.Loyalty_Points",
        )
        _field_error(state, "Loyalty_Points")
    with right:
        v["City"] = st.text_input("City", value=_str(initial.get("City")), key=f"{k}.City")
        _field_error(state, "City")
        v["State"] = st.text_input("State", value=_str(initial.get("State")), key=f"{k}.State")
        _field_error(state, "State")
        v["Country"] = st.text_input(
            "Country", value=_str(initial.get("Country") or "India"), key=f"{k}.Country"
        )
        _field_error(state, "Country")
        v["Postal_Code"] = st.text_input(
            "Postal code",
            value=_str(initial.get("Postal_Code")),
            key=f"{k}.Postal_Code",
            help="India: 6 digits, not starting with 0.",
        )
        _field_error(state, "Postal_Code")
        v["Join_Date"] = st.date_input(
            "Join date",
            value=_date(initial.get("Join_Date")) or today,
            min_value=PICKER_FIRST,
            max_value=PICKER_LAST,
            format=formats.INPUT_DATE,
            key=f"{k}.Join_Date",
        )
        _field_error(state, "Join_Date")
        v["Account_Status"] = st.selectbox(
            "Account status",
            ACCOUNT_STATUSES,
            index=ACCOUNT_STATUSES.index(_option(initial.get("Account_Status"), ACCOUNT_STATUSES, "Active")),
            key=f"{k}.Account_Status",
        )
        _field_error(state, "Account_Status")
    return v


def preference_fields(state: FormState, initial: Mapping, *, channels: tuple[str, ...] = CHANNELS) -> dict:
    k = state.key
    v: dict = {}
    c1, c2, c3 = st.columns(3)
    with c1:
        v["Communication_Channel"] = st.selectbox(
            "Channel",
            channels,
            index=channels.index(_option(initial.get("Communication_Channel"), channels, channels[0])),
            key=f"{k}.Communication_Channel",
        )
        _field_error(state, "Communication_Channel")
        v["Preferred_Language"] = st.text_input(
            "Preferred language",
            value=_str(initial.get("Preferred_Language") or "English"),
            key=f"{k}.Preferred_Language",
        )
        _field_error(state, "Preferred_Language")
    with c2:
        v["Time_Zone"] = st.text_input(
            "Time zone", value=_str(initial.get("Time_Zone") or "IST"), key=f"{k}.Time_Zone"
        )
        _field_error(state, "Time_Zone")
    with c3:
        for field, default in (
            ("Notification_Enabled", True),
            ("Marketing_Consent", False),
            ("Newsletter_Subscription", False),
        ):
            value = initial.get(field)
            v[field] = st.checkbox(
                PREFERENCE_FIELDS[field], value=default if value is None else bool(value), key=f"{k}.{field}"
            )
            _field_error(state, field)
    return v


def segment_fields(state: FormState, initial: Mapping) -> dict:
    k = state.key
    v: dict = {}
    c1, c2, c3 = st.columns(3)
    with c1:
        v["Segment_Name"] = st.text_input(
            "Segment name", value=_str(initial.get("Segment_Name")), key=f"{k}.Segment_Name"
        )
        _field_error(state, "Segment_Name")
        v["Segment_Category"] = st.selectbox(
            "Category",
            CATEGORIES,
            index=CATEGORIES.index(_option(initial.get("Segment_Category"), CATEGORIES, "Standard")),
            key=f"{k}.Segment_Category",
        )
        _field_error(state, "Segment_Category")
    with c2:
        ltv = st.number_input(
            "Lifetime value (₹)",
            value=float(initial.get("Lifetime_Value") or 0),
            min_value=0.0,
            max_value=9_999_999_999.99,
            step=100.0,
            format="%.2f",
            key=f"{k}.Lifetime_Value",
        )
        v["Lifetime_Value"] = _decimal(ltv)
        _field_error(state, "Lifetime_Value")
        risk = st.number_input(
            "Risk score (0-100)",
            value=float(initial.get("Risk_Score") or 0),
            min_value=0.0,
            max_value=100.0,
            step=1.0,
            format="%.2f",
            key=f"{k}.Risk_Score",
        )
        v["Risk_Score"] = _decimal(risk)
        _field_error(state, "Risk_Score")
    with c3:
        v["Engagement_Level"] = st.selectbox(
            "Engagement level",
            ENGAGEMENT_LEVELS,
            index=ENGAGEMENT_LEVELS.index(
                _option(initial.get("Engagement_Level"), ENGAGEMENT_LEVELS, "Medium")
            ),
            key=f"{k}.Engagement_Level",
        )
        _field_error(state, "Engagement_Level")
    return v


def _decimal(value: float) -> Decimal:
    try:
        return Decimal(f"{value:.2f}")
    except (InvalidOperation, ValueError):
        return Decimal(0)


# --- comparing ---------------------------------------------------------------------------


def _same(a, b) -> bool:
    if a in (None, "") and b in (None, ""):
        return True
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        try:
            return Decimal(str(a)) == Decimal(str(b))
        except (InvalidOperation, ValueError):
            return False
    if isinstance(a, dt.date) or isinstance(b, dt.date):
        try:
            return _date(a) == _date(b)
        except ValueError:
            return False
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(a) == bool(b)
    if isinstance(a, str) and isinstance(b, str):
        return a.strip() == b.strip()
    return a == b


def changes(values: Mapping, original: Mapping) -> dict:
    """Only the fields the user changed (None, "" and whitespace count as unchanged)."""
    return {f: v for f, v in values.items() if not _same(v, original.get(f))}


def snapshot(record: Mapping, fields: Mapping[str, str]) -> dict:
    """The editable fields of a record, as the form is loaded with them (the optimistic `original`)."""
    return {f: _plain(record.get(f)) for f in fields}


def _plain(value):
    """pandas / numpy scalars -> plain Python (NaN/NaT -> None) so comparisons and the db agree."""
    if value is None:
        return None
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, (str, bytes, Decimal)):
        value = value.item()
    return value


def save_or_remove(
    state: FormState,
    *,
    save: bool,
    remove: bool,
    changed: dict,
    update: Callable[[dict], object],
    delete: Callable[[], object],
    label: str,
) -> None:
    """After a row's edit form: save the changed fields, or remove the row ("Nothing changed."
    when the form was saved as it was loaded)."""
    if save and not changed:
        st.info("Nothing changed.")
    elif save:
        submit(state, lambda: update(changed), success=f"{label} saved.", mine=changed)
        st.rerun()
    elif remove:
        submit(state, delete, success=f"{label} removed.")
        st.rerun()
