"""Warm a fresh server up before the first student arrives.

Importing JAX and compiling the kernels of the opening scene take seconds on a
small machine. The ``optiviz`` command runs :func:`warm_up` in a background
thread as the server starts, so by the time a browser asks for the home page
the engine's compiled kernels (shared by every session of the process) and
plotly's validators are ready. It waits a few seconds first, so it does not slow
the server's own start.
"""

from __future__ import annotations

import os
import threading
import time


def warm_up() -> None:
    """Compile the opening scene's kernels and build its figure once (results discarded)."""
    from .engine import CLASSIC, get_surface, race
    from .engine.presets import race_hparams
    from .figures import race as race_figures

    surface = get_surface("two_wells")
    result = race(surface, [(n, race_hparams(surface, n)) for n in CLASSIC], steps=300)
    race_figures.race_animation(surface.grid(120), result)

    # the playground's default network: its kernel serves every optimizer and setting
    from .engine import make_dataset, train

    ds = make_dataset("moons", n=1000, noise=0.15, val_split=0.2, seed=0)
    train(ds, hidden=(16, 16), optimizers={"sgd": {}, "adam": {}}, epochs=200)


def start_in_background() -> threading.Thread | None:
    """Start :func:`warm_up` in a daemon thread (``OPTIVIZ_WARMUP=0`` turns it off)."""
    if os.environ.get("OPTIVIZ_WARMUP", "1") == "0":
        return None

    def run() -> None:
        # Let the server come up first: on two cores, importing JAX alongside Streamlit's
        # own start-up delayed the first paint of the page by seconds.
        time.sleep(float(os.environ.get("OPTIVIZ_WARMUP_DELAY", "3")))
        try:
            warm_up()
        except Exception as err:  # a failed warm-up only costs the first visitor some time
            print(f"optiviz: warm-up skipped ({err})")

    thread = threading.Thread(target=run, name="optiviz-warm-up", daemon=True)
    thread.start()
    return thread
