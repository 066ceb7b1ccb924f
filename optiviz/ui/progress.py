"""Long engine calls with a progress bar: the page stays alive while JAX works."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx


def in_background(fn: Callable[..., Any], *args: Any, text: str = "Training…") -> Any:
    """``fn(*args)`` in a worker thread while a progress bar moves on this page.

    The worker gets this session's script context, so ``st.cache_*`` works in it.
    Quick calls (a cache hit, a network already compiled) finish before the bar
    would appear; the first call for a new network shape compiles for seconds.
    Exceptions raised by ``fn`` are raised here.
    """
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["out"] = fn(*args)
        except BaseException as err:  # handed to the page thread below
            box["error"] = err

    worker = threading.Thread(target=work, name="optiviz-work", daemon=True)
    add_script_run_ctx(worker, get_script_run_ctx())
    worker.start()
    worker.join(timeout=0.3)
    if worker.is_alive():
        bar = st.progress(0.0, text=text)
        start = time.perf_counter()
        while worker.is_alive():
            elapsed = time.perf_counter() - start
            bar.progress(
                min(0.95, elapsed / (elapsed + 5.0)),
                text=f"{text} {elapsed:.0f} s (a new network shape compiles once, then is reused)",
            )
            worker.join(timeout=0.25)
        bar.empty()
    if "error" in box:
        raise box["error"]
    return box["out"]
