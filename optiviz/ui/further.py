"""Step and "train further" on the playground: buttons that add a later ``fit`` of
the scene's runs (:func:`optiviz.train_further`), kept in the ``more`` setting (so the
link carries them); the step size is a choice of the moment, not part of the scene."""

from __future__ import annotations

from typing import Any

import streamlit as st

from optiviz.engine.networks.training import MAX_EPOCHS

#: the epochs one click of "train further" can add, and how many later fits a scene holds
MORE_EPOCHS = (10, 20, 50, 100, 200, 500)
MAX_FITS = 30


def add_fit(epochs: int) -> None:
    """Step / "train further": one more fit of ``epochs`` (a button's callback)."""
    st.session_state["more"] = [*st.session_state.get("more", []), int(epochs)]


def drop_fits() -> None:
    """Back to the scene as first trained."""
    st.session_state["more"] = []


def further_controls(s: Any) -> None:
    """Above the charts: how long the networks have trained, a Step button (one more
    epoch) and "train further" (more epochs), each a later ``fit`` of the same runs
    from where they stopped; and back to the scene as first trained."""
    total = s.total_epochs
    parts = " + ".join(str(e) for e in (s.epochs, *s.more))
    full = len(s.more) >= MAX_FITS
    cols = st.columns([2.4, 1.2, 1.3, 1.3, 1.0], vertical_alignment="bottom")
    cols[0].markdown(
        f"**Trained {total} epochs**" + (f" ({parts})" if s.more else ""),
        help="Step and Train further go on from where the runs stopped: the same weights, "
        "optimizer state (Adam's moments, the iteration count) and learning rate, as a "
        "second `model.fit(..., initial_epoch=...)` in Keras; early stopping and the "
        "plateau's patience start afresh, as each Keras fit does.",
    )
    more = cols[1].selectbox(
        "More epochs",
        MORE_EPOCHS,
        index=2,
        key="more_n",
        label_visibility="collapsed",
        format_func=lambda n: f"{n} epochs",
    )
    room = MAX_EPOCHS - total
    cols[2].button(
        f"Train +{more}", on_click=add_fit, args=(more,), disabled=full or more > room,
        help="Train every run further by this many epochs.", width="stretch",
    )  # fmt: skip
    cols[3].button(
        "Step ▸ +1", on_click=add_fit, args=(1,), disabled=full or room < 1,
        help="One more epoch: watch a single step of full-batch training, or one pass "
        "over the mini-batches.", width="stretch",
    )  # fmt: skip
    cols[4].button(
        "Restart", on_click=drop_fits, disabled=not s.more,
        help=f"Back to the {s.epochs} epochs first trained.", width="stretch",
    )  # fmt: skip
    if full:
        st.caption(f"A scene holds {MAX_FITS} later fits: restart, or choose more epochs.")
