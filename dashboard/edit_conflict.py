"""Above an edit form whose save was refused because someone else changed the record meanwhile.

The message says, per field, what it holds now, what the form started from, and who saved it and
when (or that it was changed outside this app), from db.conflicts. Nothing typed is lost: the
form keeps the typed values, and two choices follow the message:
- "Re-apply my changes": the form is re-created from the values stored now, with the user's
  changes on top, to check and save again (fields the other person changed too are marked);
- "Reload current values": the form is re-created from the values stored now, the changes dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import streamlit as st

from dashboard.formatting import literal
from db.validation import LABELS

if TYPE_CHECKING:
    from dashboard.forms import FormState

HEADLINE = "Nothing was saved: someone else changed this record after you opened the form."
BOTH_CHANGED = "You changed it too: re-applying your changes replaces this value with yours."


def show(state: FormState, *, on_reload: Callable[[], None] | None = None) -> None:
    """The conflict of `state` (if any) with its two choices, or the note after a re-apply.

    `on_reload` runs before the form is re-created (e.g. to drop the cached read of the record).
    """
    if state.conflict is None:
        if state.reapplied:
            names = ", ".join(LABELS.get(f, f) for f in state.reapplied)
            st.info(
                f"Your changes ({names}) are back in the form, on top of the values stored now. "
                "Check them and save.",
                icon=":material/redo:",
            )
        return
    mine = state.mine
    lines = "\n".join(
        f"- {literal(change.sentence)}" + (f" {BOTH_CHANGED}" if change.field in mine else "")
        for change in state.conflict
    )
    choices = (
        "Your typed values are still in the form. Re-apply them on top of the values stored now "
        "(then check and save), or reload the current values and drop them."
        if mine
        else "Reload the current values and try again."
    )
    st.warning(f"{HEADLINE}\n{lines}\n\n{choices}", icon=":material/sync_problem:")
    with st.container(horizontal=True):
        reapply = bool(mine) and st.button(
            "Re-apply my changes", key=f"{state.key}.reapply", type="primary", icon=":material/redo:"
        )
        reload = st.button("Reload current values", key=f"{state.key}.reload", icon=":material/refresh:")
    if reapply or reload:
        if on_reload:
            on_reload()
        state.reload()
        if reapply:
            state.put_back(mine)
        st.rerun()
