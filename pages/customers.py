"""Customer list: search, shared filters, sort, 50 rows a page, a link to each 360, CSV export."""

import math

import streamlit as st

from dashboard import auth
from dashboard import formatting as fmt
from dashboard import records_data as rd
from db.formats import COLUMN_DATE, phone_text

actor = auth.current_actor()
if actor is None:  # not signed in (streamlit_app.py shows the sign-in screen)
    st.stop()
masked = not actor.sees_personal_data  # viewers and marketers
st.title("Customer list")

f = rd.current_filter()

c_search, c_sort, c_dir = st.columns([4, 2, 1.4], vertical_alignment="bottom")
query = c_search.text_input(
    "Search",
    key="cl.query",
    placeholder=rd.SEARCH_HINTS[not masked][0],
    help=rd.SEARCH_HINTS[not masked][1],
).strip()
sort_label = c_sort.selectbox("Sort by", list(rd.SORTS), key="cl.sort")
descending = c_dir.toggle("Descending", key="cl.desc")
sort = rd.SORTS[sort_label]

# Keyset paging: a stack of "after" keys, one per page seen; any change of search/filter/sort resets it.
signature = (f, query, sort, descending)
if st.session_state.get("cl.signature") != signature:
    st.session_state["cl.signature"] = signature
    st.session_state["cl.pages"] = [None]
stack: list = st.session_state["cl.pages"]

page = rd.search_page(f, query, sort, descending, stack[-1], rd.PAGE_SIZE, contacts=not masked)
pages = "many" if page.total_is_capped else f"{max(1, math.ceil(page.total / rd.PAGE_SIZE)):,}"

noun = "customer matches" if page.total == 1 else "customers match"
st.markdown(f"**{page.total_label}** {noun} · page {len(stack)} of {pages}")
if page.match in rd.MATCH_NOTES:
    st.caption(rd.MATCH_NOTES[page.match])
if not f.is_empty:
    st.caption("Narrowed by the sidebar filters.")

rows = rd.mask_list(page.rows) if masked else page.rows.copy()
if rows.empty:
    st.info("No customer matches. Try fewer filters or a shorter search.", icon=":material/search_off:")
else:
    rows.insert(0, "Open", [fmt.customer_url(i) for i in rows["Customer_ID"]])
    rows["Phone"] = rows["Phone"].map(phone_text)
    # Fits the ~820 px main area without scrolling: State is left to the CSV export, the join date
    # shows (instead of the status) only when the list is sorted by it.
    status_or_joined = "Join_Date" if sort == "Join_Date" else "Account_Status"
    event = st.dataframe(
        rows,
        key=f"cl.table.{len(stack)}",
        on_select="rerun",
        selection_mode="single-row",
        hide_index=True,
        width="stretch",
        height=min(36 + 35 * len(rows), 640),
        column_order=[
            "Open",
            "Customer_Name",
            "Email",
            "Phone",
            "City",
            status_or_joined,
            "Segment_Category",
            "Risk_Score",
        ],
        column_config={
            "Open": st.column_config.LinkColumn("ID", display_text=r"customer\?id=(\d+)", width=44),
            "Customer_Name": st.column_config.TextColumn("Name", width=136),
            "Email": st.column_config.TextColumn("Email", width=194),
            "Phone": st.column_config.TextColumn("Phone", width=110),
            "City": st.column_config.TextColumn("City", width=104),
            "Account_Status": st.column_config.TextColumn("Status", width=80),
            "Join_Date": st.column_config.DateColumn("Joined", format=COLUMN_DATE, width=84),
            "Segment_Category": st.column_config.TextColumn("Segment", width=70),
            "Risk_Score": st.column_config.NumberColumn("Risk", format="%.1f", width=48),
        },
    )
    st.caption("Select a row to open the customer's 360 (the ID link opens it in a new tab).")
    if event.selection.rows:
        chosen = int(rows.iloc[event.selection.rows[0]]["Customer_ID"])
        st.switch_page("pages/customer.py", query_params={"id": str(chosen)})


def _previous() -> None:
    st.session_state["cl.pages"] = stack[:-1] or [None]


def _next() -> None:
    st.session_state["cl.pages"] = [*stack, page.next_after]


prev_col, next_col, _, export_col = st.columns([1, 1, 3, 2])
prev_col.button("Previous", on_click=_previous, disabled=len(stack) == 1, icon=":material/chevron_left:")
next_col.button("Next", on_click=_next, disabled=page.next_after is None, icon=":material/chevron_right:")
export_col.download_button(
    f"Export {page.total_label} rows as CSV" + (" (masked)" if masked else ""),
    data=rd.export_csv(f, query=query, actor=actor, page="Customer list"),
    file_name="customers.csv",
    mime="text/csv",
    icon=":material/download:",
    disabled=page.total == 0,
)
