"""Customer 360: one customer's profile, preferences, segments and history; editing for editors.

Tabs right under the name (dashboard.record_tabs): Overview | Edit profile | Status and delete |
History, the two editing tabs only for a role that may edit.
"""

import numbers

import streamlit as st

from dashboard import auth, forms
from dashboard import formatting as fmt
from dashboard import record_tabs as rt
from dashboard import records_data as rd
from dashboard.style import indian_digits
from db import formats
from db.access import EDITS_RECORDS
from db.audit_query import readable as readable_history
from db.filters import CustomerFilter
from db.formats import COLUMN_DATETIME

actor = auth.current_actor()
if actor is None:  # not signed in (streamlit_app.py shows the sign-in screen)
    st.stop()
can_edit = actor.can(EDITS_RECORDS)
masked = not actor.sees_personal_data  # a marketer sees a viewer's masking here
st.title("Customer 360")
forms.show_flash()

customer_id = rd.parse_customer_id(st.query_params.get("id"))
if customer_id is None:
    if raw := st.query_params.get("id"):
        st.error(f"“{fmt.literal(raw)}” is not a customer ID: it must be a whole number such as 123.")
    placeholder, hint = rd.SEARCH_HINTS[not masked]
    query = st.text_input("Find a customer", placeholder=placeholder, help=hint, key="c360.find").strip()
    if query:
        found = rd.search_page(CustomerFilter(), query, limit=rd.FINDER_SIZE, contacts=not masked)
        if not found.total:
            st.info("No customer matches that.", icon=":material/search_off:")
        for row in found.rows.itertuples():
            fmt.link_to_customer(
                row.Customer_ID, label=f"{row.Customer_Name} · {row.City} (#{row.Customer_ID})"
            )
        if found.total > rd.FINDER_SIZE:
            st.caption(f"{found.total_label} customers match; the Customer list shows them all.")
    st.stop()

record = rd.customer_360(customer_id, masked=masked)
if record is None:
    st.error(f"There is no customer with ID {customer_id} (it may have been deleted).")
    st.markdown("[Back to the customer list](customers)")
    st.stop()

p = record.profile
st.subheader(fmt.literal(p.get("Customer_Name")))
st.caption(
    f"Customer #{customer_id} · {fmt.literal(p.get('Account_Status'))}"
    f" · joined {fmt.value(p.get('Join_Date'))}"
)
if masked:
    st.caption(":material/lock: Personal data is masked for your role.")

profile_state = forms.FormState(f"profile-{customer_id}")
status_state = forms.FormState(f"status-{customer_id}")
delete_state = forms.FormState(f"delete-{customer_id}")
record_tabs = rt.RecordTabs(customer_id, can_edit=can_edit)
tabs = record_tabs.show(
    {
        rt.EDIT: profile_state.has_problems,
        rt.STATUS: status_state.has_problems or delete_state.has_problems,
    }
)


def reload_all() -> None:
    rd.forget(customer_id)
    for state in (profile_state, status_state):
        state.reload()


# --- overview: summary, profile, preferences, segments ---------------------------------------
overview = tabs[rt.OVERVIEW]
segs = record.segments
current = segs[segs["is_current"]].iloc[0] if len(segs) and segs["is_current"].any() else None
m1, m2, m3, m4 = overview.columns(4)
m1.metric("Current segment", "—" if current is None else f"{current['Segment_Category']}")
m2.metric("Lifetime value", "—" if current is None else fmt.rupees(current["Lifetime_Value"]))
m3.metric("Risk score", "—" if current is None else fmt.value(current["Risk_Score"]))
points = p.get("Loyalty_Points")
is_number = isinstance(points, numbers.Real) and points == points  # not None, not NaN
m4.metric("Loyalty points", indian_digits(int(points)) if is_number else fmt.value(points))

PROFILE_ROWS = [
    ("Email", "Email"),
    ("Phone", "Phone"),
    ("Gender", "Gender"),
    None if masked else ("Date of birth", "Date_of_Birth"),  # masked: the age only (db.masking)
    ("Age", "Age"),
    ("City", "City"),
    ("State", "State"),
    ("Country", "Country"),
    ("Postal code", "Postal_Code"),
    ("Join date", "Join_Date"),
    ("Account status", "Account_Status"),
    ("Last login", "Last_Login"),
]
cols = overview.columns(3)
for i, (label, field) in enumerate(r for r in PROFILE_ROWS if r):
    shown = formats.phone_text(p.get(field)) if field == "Phone" else fmt.value(p.get(field))
    cols[i % 3].markdown(f"**{label}**  \n{fmt.literal(shown)}")

with overview:
    st.markdown("#### Preferences")
    prefs = record.preferences
    if prefs.empty:
        st.caption("No preference rows.")
    else:
        st.dataframe(
            prefs.drop(columns=["Customer_ID"], errors="ignore"),
            hide_index=True,
            width="stretch",
            column_config={
                "Preference_ID": st.column_config.NumberColumn("ID", format="%d"),
                "Communication_Channel": "Channel",
                "Notification_Enabled": "Notifications",
                "Marketing_Consent": "Marketing consent",
                "Newsletter_Subscription": "Newsletter",
                "Preferred_Language": "Language",
                "Time_Zone": "Time zone",
            },
        )
    if can_edit:
        used = set(prefs["Communication_Channel"]) if len(prefs) else set()
        free = tuple(c for c in forms.CHANNELS if c not in used)
        if len(prefs):
            with st.expander("Edit or remove a preference row"):
                pid = st.selectbox(
                    "Preference row",
                    prefs["Preference_ID"].tolist(),
                    format_func=lambda i: (
                        f"#{i} · {prefs.set_index('Preference_ID').at[i, 'Communication_Channel']}"
                    ),
                    key=f"pref-pick-{customer_id}",
                )
                row = prefs.set_index("Preference_ID").loc[pid].to_dict()
                state = forms.FormState(f"pref-{pid}")
                original = state.load(forms.snapshot(row, forms.PREFERENCE_FIELDS))
                forms.show_problems(state, on_reload=lambda: rd.forget(customer_id))
                with st.form(f"{state.key}.form"):
                    own = original["Communication_Channel"]
                    values = forms.preference_fields(
                        state, state.prefill(original), channels=tuple(sorted({own, *free}))
                    )
                    save = st.form_submit_button("Save preference", type="primary")
                    remove = st.form_submit_button("Remove this preference row")
                forms.save_or_remove(
                    state,
                    save=save,
                    remove=remove,
                    changed=forms.changes(values, original),
                    update=lambda changed: rd.update_preference(
                        actor=actor, preference_id=int(pid), original=original, changes=changed
                    ),
                    delete=lambda: rd.delete_preference(actor=actor, preference_id=int(pid)),
                    label=f"Preference #{pid}",
                )
        with st.expander("Add a preference row"):
            if not free:
                st.caption("This customer already has a preference row for every channel.")
            else:
                state = forms.FormState(f"pref-new-{customer_id}")
                forms.show_problems(state)
                with st.form(f"{state.key}.form"):
                    values = forms.preference_fields(state, {}, channels=free)
                    add = st.form_submit_button("Add preference", type="primary")
                if add:
                    forms.submit(
                        state,
                        lambda: rd.add_preference(actor=actor, customer_id=customer_id, data=values),
                        success="Preference added.",
                    )
                    st.rerun()

with overview:
    st.markdown("#### Segments")
    if segs.empty:
        st.caption("No segment rows.")
    else:
        shown = segs.drop(columns=["Customer_ID"], errors="ignore").copy()
        shown.insert(0, "Current", shown.pop("is_current").map({True: "● current", False: ""}))
        st.dataframe(
            # rupees as on the tile above (₹5,529.18), the numbers kept for sorting
            shown.style.format({"Lifetime_Value": fmt.rupees}, na_rep=formats.MISSING),
            hide_index=True,
            width="stretch",
            column_config={
                "Segment_ID": st.column_config.NumberColumn("ID", format="%d"),
                "Segment_Name": "Segment",
                "Segment_Category": "Category",
                "Engagement_Level": "Engagement",
                "Last_Updated": st.column_config.DatetimeColumn("Last updated", format=COLUMN_DATETIME),
                "Lifetime_Value": st.column_config.NumberColumn("Lifetime value"),
                "Risk_Score": st.column_config.NumberColumn("Risk score", format="%.2f"),
            },
        )
        st.caption("The current segment is the one updated last (ties: the highest segment ID).")
    if can_edit:
        if len(segs):
            with st.expander("Edit or remove a segment row"):
                by_id = segs.set_index("Segment_ID")
                sid = st.selectbox(
                    "Segment row",
                    segs["Segment_ID"].tolist(),
                    format_func=lambda i: (
                        f"#{i} · {by_id.at[i, 'Segment_Name']} ({by_id.at[i, 'Segment_Category']})"
                    ),
                    key=f"seg-pick-{customer_id}",
                )
                state = forms.FormState(f"seg-{sid}")
                original = state.load(forms.snapshot(by_id.loc[sid].to_dict(), forms.SEGMENT_FIELDS))
                forms.show_problems(state, on_reload=lambda: rd.forget(customer_id))
                with st.form(f"{state.key}.form"):
                    values = forms.segment_fields(state, state.prefill(original))
                    save = st.form_submit_button("Save segment", type="primary")
                    remove = st.form_submit_button("Remove this segment row")
                forms.save_or_remove(
                    state,
                    save=save,
                    remove=remove,
                    changed=forms.changes(values, original),
                    update=lambda changed: rd.update_segment(
                        actor=actor, segment_id=int(sid), original=original, changes=changed
                    ),
                    delete=lambda: rd.delete_segment(actor=actor, segment_id=int(sid)),
                    label=f"Segment #{sid}",
                )
        with st.expander("Add a segment row"):
            state = forms.FormState(f"seg-new-{customer_id}")
            forms.show_problems(state)
            with st.form(f"{state.key}.form"):
                values = forms.segment_fields(state, {})
                add = st.form_submit_button("Add segment", type="primary")
            if add:
                forms.submit(
                    state,
                    lambda: rd.add_segment(actor=actor, customer_id=customer_id, data=values),
                    success="Segment added; it is now the current segment.",
                )
                st.rerun()

with tabs[rt.HISTORY]:
    hist = record.history
    if hist is None or hist.empty:
        st.caption("No recorded changes yet (changes made through this app are recorded here).")
    else:
        st.dataframe(
            readable_history(hist).drop(columns=["id", "customer_id"], errors="ignore"),
            hide_index=True,
            width="stretch",
            column_config={
                "at": st.column_config.DatetimeColumn("When", format=COLUMN_DATETIME),
                "username": "By",
                "action": "Action",
                "table_name": "Table",
                "record_id": st.column_config.NumberColumn("Row ID", format="%d"),
                "field": "Field",
                "old_value": "Before",
                "new_value": "After",
            },
        )

if can_edit:
    with tabs[rt.EDIT]:
        original = profile_state.load(forms.snapshot(p, forms.CUSTOMER_FIELDS))
        forms.show_problems(profile_state, on_reload=lambda: reload_all())
        with st.form(f"{profile_state.key}.form"):
            values = forms.customer_fields(profile_state, profile_state.prefill(original))
            save = st.form_submit_button("Save changes", type="primary", icon=":material/save:")
        if save:
            changed = forms.changes(values, original)
            if not changed:
                st.info("Nothing changed.")
            else:
                record_tabs.keep_open(rt.EDIT)
                forms.submit(
                    profile_state,
                    lambda: rd.update_customer(
                        actor=actor, customer_id=customer_id, original=original, changes=changed
                    ),
                    success=f"Saved: {', '.join(forms.LABELS[f] for f in changed)}.",
                    mine=changed,
                )
                status_state.reload()
                st.rerun()

    with tabs[rt.STATUS]:
        st.markdown("**Account status**")
        status_original = status_state.load(forms.snapshot(p, forms.CUSTOMER_FIELDS))
        forms.show_problems(status_state, on_reload=lambda: reload_all())
        status = p.get("Account_Status")
        target = "Inactive" if status == "Active" else "Active"
        verb = "Deactivate" if target == "Inactive" else "Reactivate"
        if st.button(f"{verb} this customer", key=f"{status_state.key}.toggle"):
            record_tabs.keep_open(rt.STATUS)
            forms.submit(
                status_state,
                lambda: rd.set_account_status(
                    actor=actor, customer_id=customer_id, status=target, original=status_original
                ),
                success=f"Account status set to {target}.",
            )
            profile_state.reload()
            st.rerun()

        st.divider()
        st.markdown("**Delete this customer**")
        st.caption(
            "Deletes the profile with all its preference and segment rows. "
            "The history of changes keeps a record of the deletion."
        )
        forms.show_problems(delete_state)
        with st.form(f"{delete_state.key}.form"):
            confirm = st.text_input(
                "Type the customer's email to confirm", key=f"{delete_state.key}.confirm", autocomplete="off"
            )
            delete = st.form_submit_button("Delete customer", icon=":material/delete:")
        if delete:
            record_tabs.keep_open(rt.STATUS)
            if confirm.strip() != (p.get("Email") or ""):
                delete_state.fail(
                    errors={"confirm": "Confirmation: type the customer's email exactly to delete"}
                )
                st.rerun()
            forms.submit(
                delete_state,
                lambda: rd.delete_customer(actor=actor, customer_id=customer_id, confirm=confirm.strip()),
                success=f"Customer #{customer_id} was deleted.",
            )
            st.rerun()
