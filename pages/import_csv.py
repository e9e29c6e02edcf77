"""Import CSV (admin): upload, dry run with a per-row error report, then import the valid rows."""

import hashlib

import streamlit as st

from dashboard import auth
from dashboard import records_data as rd
from dashboard.formatting import literal

actor = auth.current_actor()
if actor is None:  # not signed in (streamlit_app.py shows the sign-in screen)
    st.stop()
st.title("Import customers from CSV")
if not actor.can("admin"):
    st.error("Importing needs the admin role.", icon=":material/lock:")
    st.stop()

st.caption(
    "Comma-separated text, UTF-8 or UTF-16 (in Excel: Save as 'CSV UTF-8'). Columns use the schema's "
    "names (Customer_ID, Customer_Name, Email, Phone, ...). Rows whose Email matches an existing "
    "customer update it; the others are created. Preferences and segments files refer to customers "
    "by Customer_ID or Email."
)
c1, c2, c3 = st.columns(3)
customers = c1.file_uploader("Customers CSV (required)", type=["csv"], key="imp.customers")
preferences = c2.file_uploader("Preferences CSV (optional)", type=["csv"], key="imp.preferences")
segments = c3.file_uploader("Segments CSV (optional)", type=["csv"], key="imp.segments")

files = [u.getvalue() if u is not None else None for u in (customers, preferences, segments)]
signature = hashlib.sha256(b"|".join((b or b"-") for b in files)).hexdigest()
if st.session_state.get("imp.signature") != signature:
    st.session_state["imp.signature"] = signature
    st.session_state.pop("imp.plan", None)
    st.session_state.pop("imp.rejected", None)

if result := st.session_state.pop("imp.result", None):
    st.success(
        f"Import finished: {result.created:,} customers created, {result.updated:,} updated,"
        f" {result.skipped:,} rows skipped; {result.preferences_created + result.preferences_updated:,}"
        f" preference rows and {result.segments_created:,} segment rows written.",
        icon=":material/check_circle:",
    )

if customers is None:
    st.info("Choose a customers CSV to start.", icon=":material/upload_file:")
    st.stop()

if st.button("Check the files (dry run)", type="primary", icon=":material/fact_check:"):
    from db.csv_io import ImportRejected

    try:
        st.session_state["imp.plan"] = rd.import_dry_run(*files)
        st.session_state.pop("imp.rejected", None)
    except ImportRejected as exc:
        st.session_state.pop("imp.plan", None)
        st.session_state["imp.rejected"] = str(exc)

if rejected := st.session_state.get("imp.rejected"):
    st.error(f"The file was rejected, nothing was imported: {literal(rejected)}", icon=":material/block:")

plan = st.session_state.get("imp.plan")
if plan is None:
    st.stop()

errors = plan.errors
m1, m2, m3, m4 = st.columns(4)
m1.metric("Customers to create", f"{plan.to_create:,}")
m2.metric("Customers to update", f"{plan.to_update:,}")
m3.metric(
    "Preference / segment rows",
    f"{plan.preferences_to_create + plan.preferences_to_update:,} / {plan.segments_to_create:,}",
)
m4.metric("Problems", f"{len(errors):,}")

if len(errors):
    st.warning(
        "Some rows have problems; they are listed below and will be skipped.", icon=":material/warning:"
    )
    st.dataframe(errors, hide_index=True, width="stretch")
    st.download_button(
        "Download the error report (CSV)",
        data=rd.error_report_csv(errors),
        file_name="import_errors.csv",
        mime="text/csv",
        icon=":material/download:",
    )
else:
    st.success("No problems found.", icon=":material/check_circle:")

all_or_nothing = st.checkbox(
    "All or nothing: import nothing if any row has a problem",
    value=False,
    disabled=not len(errors),
)
blocked = all_or_nothing and len(errors) > 0
if blocked:
    st.caption("With all or nothing, fix the problems and check the files again.")
if st.button(
    "Import valid rows", disabled=blocked or plan.to_create + plan.to_update == 0, icon=":material/publish:"
):
    from db.csv_io import ImportRejected

    try:
        st.session_state["imp.result"] = rd.import_commit(plan, actor=actor, all_or_nothing=all_or_nothing)
    except ImportRejected as exc:  # says what happened: which row, why, whether anything was saved
        st.error(literal(exc), icon=":material/block:")
        st.stop()
    except Exception as exc:  # shown to the admin; nothing is half-written (one transaction)
        st.error(f"The import failed and nothing was saved: {literal(exc)}", icon=":material/error:")
        st.stop()
    st.session_state.pop("imp.plan", None)
    st.rerun()
