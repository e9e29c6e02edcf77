"""New customer: the profile form; on success, a link to the new customer's 360."""

import streamlit as st

from dashboard import auth, forms
from dashboard import records_data as rd
from db.access import EDITS_RECORDS

actor = auth.current_actor()
if actor is None:  # not signed in (streamlit_app.py shows the sign-in screen)
    st.stop()
st.title("New customer")
if not actor.can(EDITS_RECORDS):
    st.error(f"Adding customers needs the {EDITS_RECORDS} role.", icon=":material/lock:")
    st.stop()

forms.show_flash()
state = forms.FormState("new-customer")
forms.show_problems(state)
st.caption("Age is computed from the date of birth. The phone may be typed in any common format.")
with st.form(f"{state.key}.form"):
    values = forms.customer_fields(state, {})
    create = st.form_submit_button("Create customer", type="primary", icon=":material/person_add:")

if create:
    result = forms.submit(
        state,
        lambda: rd.create_customer(actor=actor, data=values),
        reload=True,
    )
    new_id = int(result.record_id)
    forms.flash(f"Created customer #{new_id}: [open their Customer 360](customer?id={new_id}).")
    st.session_state["new-customer.last"] = new_id
    st.rerun()

if last := st.session_state.get("new-customer.last"):
    from dashboard import formatting as fmt

    fmt.link_to_customer(last, f"Open customer #{last}")
