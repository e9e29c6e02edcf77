"""Audiences: from a churn or value view to a consent-aware contact list, one channel per customer."""

import pandas as pd
import streamlit as st

from dashboard import audience_data, audience_ui, auth, export, filters
from dashboard.audience_ui import ARROW, OPEN_KEY, PRIORITIES, SOURCE_KEY, K
from dashboard.formatting import literal
from dashboard.guard import through_app
from dashboard.style import number
from db.access import USES_AUDIENCES
from db.audiences import EXPORT_COLUMNS, REASON_LABELS, AudienceError
from db.formats import date_text
from db.models import CHANNELS
from db.validation import LABELS

through_app()

actor = auth.current_actor()
if actor is None:
    st.stop()
can_export = actor.can(USES_AUDIENCES)

f = filters.sidebar()
audience_ui.init_state()
st.title("Audiences")
st.caption(
    "Customers of the sidebar filters and the ranges below. Reachable on a channel = a preference row "
    "for it with notifications on and marketing consent, an Active account and a contact detail "
    "(a phone for SMS and Phone). Each reachable customer goes to one channel, by your priority."
)

# --- saved audiences ------------------------------------------------------------------------
saved = audience_data.saved()
open_id = st.session_state.get(OPEN_KEY)
with st.expander("Saved audiences", expanded=bool(saved) and open_id is None, icon=":material/bookmarks:"):
    if not saved:
        st.caption("No saved audience yet.")
    else:
        by_id = {a["id"]: a for a in saved}
        pick_col, button_col = st.columns([4, 1], vertical_alignment="bottom")
        picked = pick_col.selectbox(
            "Saved audience",
            list(by_id),
            format_func=lambda i: (
                f"{by_id[i]['name']} · {by_id[i]['saved_by']} · {date_text(by_id[i]['saved_at'])}"
            ),
            key="aud_pick",
        )
        if (
            button_col.button("Open audience", icon=":material/folder_open:", key="aud_open")
            and picked is not None
        ):
            record = audience_data.load(picked)
            if record is None:
                st.warning("That audience was deleted a moment ago.")
            else:
                audience_ui.open_saved(record["definition"], record["id"])

opened = audience_data.load(open_id) if open_id is not None else None
if open_id is not None and opened is None:
    st.session_state.pop(OPEN_KEY, None)
if source := st.session_state.get(SOURCE_KEY):
    st.info(
        f"Opened from {literal(source)}: the sidebar filters are that view's.", icon=":material/ads_click:"
    )

# --- definition -----------------------------------------------------------------------------
with st.container(border=True):
    st.markdown("**Who** (in addition to the sidebar filters)")
    a, b, c = st.columns(3, gap="medium")
    with a:
        st.slider(
            "Risk score range", 0.0, 100.0, step=1.0, format="%.0f", key=K["risk"],
            help="Risk_Score of the current segment. Risk bands are in the sidebar.",
        )  # fmt: skip
        st.multiselect(
            "Segment name", audience_data.segment_names(f.categories), key=K["names"],
            help="Segment_Name of the current segment (categories are in the sidebar).",
        )  # fmt: skip
    with b:
        lo, hi = st.columns(2)
        lo.number_input("Lifetime value from (₹)", min_value=0.0, step=1000.0, key=K["ltv_min"])
        hi.number_input("Lifetime value to (₹)", min_value=0.0, step=1000.0, key=K["ltv_max"])
        lo.number_input("Value at risk from (₹)", min_value=0.0, step=1000.0, key=K["var_min"])
        hi.number_input("Value at risk to (₹)", min_value=0.0, step=1000.0, key=K["var_max"])
    with c:
        lo, hi = st.columns(2)
        lo.number_input(
            "Days since login from", min_value=0, step=1, key=K["login_min"],
            help="Days since Last_Login. With no upper bound, customers who never signed in are included.",
        )  # fmt: skip
        hi.number_input("Days since login to", min_value=0, step=1, key=K["login_max"])
        lo.number_input("Loyalty points from", min_value=0, step=100, key=K["points_min"])
        hi.number_input("Loyalty points to", min_value=0, step=100, key=K["points_max"])
    st.selectbox(
        "Channel priority", PRIORITIES, key=K["priority"],
        help="A customer reachable on several channels is put on the first of them in this order.",
    )  # fmt: skip

try:
    d = audience_ui.definition(f)
except AudienceError as exc:
    st.error(str(exc))
    st.stop()
counts = audience_data.funnel(d)

# --- live counts ----------------------------------------------------------------------------
tiles = st.columns(3)
tiles[0].metric("Customers in the audience", number(counts["audience"]), border=True)
tiles[1].metric("Reachable", number(counts["reachable"]), border=True)
tiles[2].metric("Suppressed", number(counts["audience"] - counts["reachable"]), border=True)

left, right = st.columns(2, gap="large")
with left:
    st.markdown("**Channels**, in priority order")
    channels = pd.DataFrame(
        [
            {
                "Channel": ch,
                "Reachable on it": counts["reachable_on"][ch],
                "Assigned to it": counts["assigned"][ch],
                "Columns exported": ", ".join(LABELS.get(c, c) for c in EXPORT_COLUMNS[ch]),
            }
            for ch in d.priority
        ]
    )
    st.dataframe(
        channels,
        hide_index=True,
        key="aud-channels",
        column_config={"Columns exported": st.column_config.TextColumn(width="large")},
    )
with right:
    st.markdown("**Suppressed**, each customer under the first reason that applies")
    reasons = pd.DataFrame(
        [{"Reason": label, "Customers": counts["suppressed"][k]} for k, label in REASON_LABELS.items()]
    )
    st.dataframe(reasons, hide_index=True, key="aud-reasons")

# --- save and export (marketers and up) -----------------------------------------------------
saved_here = opened if opened is not None and audience_ui.same_audience(opened["definition"], d) else None
if not can_export:
    st.info(
        "Viewers see the counts only: saving audiences and exporting contact lists need the "
        f"{USES_AUDIENCES} role."
    )
    st.stop()

st.subheader("Export, one list per channel")
st.caption(
    "Sorted by time zone, so sends can be scheduled per zone. Every export is written to the audit log"
    + (f" and to the history of “{literal(saved_here['name'])}”." if saved_here else ".")
)
cols = st.columns(len(CHANNELS))
for col, ch in zip(cols, d.priority, strict=True):
    n = counts["assigned"][ch]
    col.download_button(
        f"{ch} list ({number(n)})",
        data=audience_data.exporter(
            d, ch, actor=actor, audience_id=saved_here["id"] if saved_here else None, page="Audiences"
        ),
        file_name=export.file_name(f"audience {saved_here['name'] if saved_here else 'unsaved'} {ch}"),
        mime="text/csv",
        key=f"aud-export-{ch}",
        on_click="ignore",  # the history below shows the export from the next run on
        icon=":material/download:",
        disabled=n == 0,
        use_container_width=True,
    )

st.subheader("Save")
with st.form("aud_save", clear_on_submit=False, border=True):
    name = st.text_input("Audience name", max_chars=255, value=opened["name"] if opened else "")
    replace = st.checkbox("Replace the saved audience of that name", value=False)
    submitted = st.form_submit_button("Save audience", type="primary", icon=":material/save:")
if submitted:
    try:
        new_id = audience_data.save(d, name=name, actor=actor, replace_existing=replace)
    except AudienceError as exc:
        st.error(str(exc))
    else:
        st.session_state[OPEN_KEY] = new_id
        st.session_state["aud_notice"] = f"Saved “{' '.join(name.split())}”."
        st.rerun()  # the export buttons above now record into this audience's history
if notice := st.session_state.pop("aud_notice", None):
    st.success(notice)

# --- history of the opened audience ----------------------------------------------------------
if opened is not None:
    st.subheader(f"“{literal(opened['name'])}”")
    st.caption(
        f"Saved by {opened['saved_by']} on {opened['saved_at']:%d/%m/%Y %H:%M}."
        + ("" if saved_here else " The definition above differs from the saved one: save again to update it.")
    )
    then = audience_data.funnel(opened["definition"])
    rows = [
        {
            "When": e["at"][:16],
            "By": e["by"],
            "Exported": f"{e['channel']} ({e['rows']:,})",
            "Customers": e["counts"]["audience"],
            "Reachable": e["counts"]["reachable"],
            **{ch: e["counts"]["assigned"].get(ch, 0) for ch in CHANNELS},
        }
        for e in opened["exports"]
    ]
    rows.append(
        {
            "When": "now",
            "By": "",
            "Exported": "",
            "Customers": then["audience"],
            "Reachable": then["reachable"],
            **{ch: then["assigned"][ch] for ch in CHANNELS},
        }
    )
    order = ARROW.join(opened["definition"].priority)
    st.markdown(f"Size and reachability at each export, and now (priority {order})")
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        key="aud-history",
        column_config={"When": st.column_config.TextColumn(width="medium")},
    )
