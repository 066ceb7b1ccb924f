"""Scenes for the classroom benchmark: what one student types into a page, as a query string.

Two classes of students (``benchmarks/load.py``):

* ``diverse``: every student picks a scene of their own on every page: another surface,
  step count and set of racers; another network (depth, units, activations, points,
  epochs, batch size, data set); another lab depth and width; and so on across the
  pages. :func:`diverse` draws one from a seeded ``random.Random``, inside each
  control's own range (the ranges come from the pages' modules).
* ``same``: every student keeps the default shapes and changes one hyperparameter (a
  learning rate, a seed, a start point): new work for the server, and no new kernel
  even before the kernels were shape-stable. :func:`same` draws that change.

The query strings use the pages' URL keys (:mod:`optiviz.ui.url_state`), so a page
opened with one shows exactly that scene.
"""

from __future__ import annotations

import random
from urllib.parse import urlencode

from optiviz.engine import OPTIMIZERS
from optiviz.engine.networks.activations import ACTIVATIONS
from optiviz.engine.networks.datasets import DATASETS
from optiviz.engine.networks.initializers import INITIALIZERS
from optiviz.engine.plane.surfaces import SURFACE_NAMES
from optiviz.ui import backprop as bp
from optiviz.ui import perceptron as pc
from optiviz.ui import playground as pg
from optiviz.ui import regularization as rg
from optiviz.ui import schedules as sc
from optiviz.ui import transfer as tl
from optiviz.ui.activations import LR_OPTIONS as ACT_RATES
from optiviz.ui.activations import NAMES as ACT_SHOWN
from optiviz.ui.gradients import LEARNING_RATES as LAB_RATES
from optiviz.ui.perceptron import GATES
from optiviz.ui.race_controls import MAX_STEPS as RACE_MAX_STEPS

#: the pages a student visits after the race, student i the page i mod their number:
#: the three Networks pages, the Foundations pages and the landscape
PAGES = (
    "playground",
    "gradients",
    "activations",
    "perceptron",
    "backprop",
    "schedules",
    "regularization",
    "transfer",
    "landscape",
)
OPT_NAMES = tuple(OPTIMIZERS)
#: the built-in data sets a query can name (a CSV needs an upload)
DATA = tuple(k for k in DATASETS if k not in (pg.CSV, pg.DRAW))


def _q(values: dict) -> str:
    return urlencode({k: str(v) for k, v in values.items()})


def _some(rng: random.Random, items: tuple, low: int, high: int) -> str:
    return ",".join(rng.sample(items, rng.randint(low, min(high, len(items)))))


def diverse(page: str, rng: random.Random) -> str:
    """A scene of ``page`` of the student's own: shapes, sizes and choices drawn anew."""
    if page == "race":
        return _q(
            {
                "surface": rng.choice(SURFACE_NAMES),
                "steps": rng.randint(20, RACE_MAX_STEPS),
                "racers": _some(rng, OPT_NAMES, 1, 8),
            }
        )
    if page == "landscape":
        return _q(
            {
                "surface": rng.choice(SURFACE_NAMES),
                "steps": rng.randint(10, 2000),
                "map_opt": rng.choice(OPT_NAMES),
                "grid": rng.randint(10, 120),
                "basin_opts": _some(rng, OPT_NAMES, 1, 3),
            }
        )
    if page == "playground":
        layers = rng.randint(0, 4)
        q = {
            "data": rng.choice(DATA),
            "n": rng.randrange(20, 3001, 10),
            "val": rng.choice((0.0, 0.1, 0.2, 0.3)),
            "layers": layers,
            "epochs": rng.choice([e for e in pg.EPOCHS if e <= 500]),
            "opts": _some(rng, OPT_NAMES, 1, 3),
            "batch": rng.choice(pg.BATCHES),
        }
        for i in range(layers):
            q[f"u{i}"] = rng.randint(1, 64)
            q[f"a{i}"] = rng.choice(tuple(ACTIVATIONS))
        if rng.random() < 0.25:  # trained further (Step, "Train +N")
            q["more"] = ",".join(
                str(rng.choice((1, 10, 50, 100))) for _ in range(rng.randint(1, 3))
            )
        if rng.random() < 0.15:  # points of their own, drawn on the canvas
            pts = [(rng.randint(-20, 20) / 10, rng.randint(-20, 20) / 10, rng.randint(0, 1))
                   for _ in range(rng.randint(4, 60))]  # fmt: skip
            q["data"], q["pts"] = pg.DRAW, pg.POINTS.format(pts)
        return _q(q)
    if page == "gradients":
        return _q(
            {
                "depth": rng.randint(2, 50),
                "width": rng.randint(8, 256),
                "activation": rng.choice(tuple(ACTIVATIONS)),
                "initializer": rng.choice(tuple(INITIALIZERS)),
                "bn": rng.choice((0, 1)),
            }
        )
    if page == "activations":
        return _q(
            {
                "shown": _some(rng, ACT_SHOWN, 1, 6),
                "optimizer": rng.choice(OPT_NAMES),
                "seed": rng.randint(0, 999),
            }
        )
    if page == "perceptron":
        return _q(
            {
                "gate": rng.choice(tuple(GATES)),
                "eta": round(rng.uniform(0.05, pc.ETA_MAX), 3),
                "epochs": rng.randint(1, 100),
                "seed": rng.randint(0, 9999),
            }
        )
    if page == "backprop":
        q = {k: round(rng.uniform(-2.0, 2.0), 3) for k in bp.WEIGHTS}
        q["act"] = rng.choice(tuple(bp.ACTIVATIONS))
        q["eta"] = round(rng.uniform(0.05, 2.0), 3)
        return _q(q)
    if page == "schedules":
        return _q(
            {
                "sc_data": rng.choice(sc.DATA),
                "sc_opt": rng.choice(OPT_NAMES),
                "sc_lr": rng.choice(sc.RATES),
                "sc_epochs": rng.choice(sc.EPOCHS),
                "sc_seed": rng.randint(0, 9999),
            }
        )
    if page == "regularization":
        return _q(
            {
                "rg_n": rng.choice(rg.POINTS),
                "rg_net": rng.choice(tuple(rg.HIDDEN)),
                "rg_epochs": rng.choice(rg.EPOCHS),
                "rg_lr": rng.choice(rg.RATES),
                "rg_seed": rng.randint(0, 9999),
            }
        )
    if page == "transfer":
        epochs = rng.choice(tl.EPOCHS)
        return _q(
            {
                "tl_task": (task := rng.choice(tuple(tl.PAIRS))),
                "tl_n": rng.choice(tl.PAIRS[task].sizes),
                "tl_epochs": epochs,
                "tl_unfreeze": rng.randint(1, epochs - 1),
                "tl_lr": rng.choice(tl.RATES),
                "tl_seed": rng.randint(0, 9999),
            }
        )
    raise ValueError(f"no scenes for the page {page!r}")


def same(page: str, rng: random.Random) -> str:
    """The default scene of ``page`` with one hyperparameter changed (no new shape)."""
    if page == "race":
        return ""  # the race's change is its slider (load.py moves it)
    change = {
        "landscape": lambda: {"x0": round(rng.uniform(-1.0, 1.0), 3)},
        "playground": lambda: {"seed": rng.randint(1, 10_000)},
        "gradients": lambda: {"lr": rng.choice(LAB_RATES), "seed": rng.randint(1, 9999)},
        "activations": lambda: {"lr_min": rng.choice(ACT_RATES[:4]), "seed": rng.randint(1, 999)},
        "perceptron": lambda: {"eta": round(rng.uniform(0.05, pc.ETA_MAX), 3)},
        "backprop": lambda: {"eta": round(rng.uniform(0.05, 2.0), 3)},
        "schedules": lambda: {"sc_seed": rng.randint(1, 9999)},
        "regularization": lambda: {"rg_seed": rng.randint(1, 9999)},
        "transfer": lambda: {"tl_seed": rng.randint(1, 9999)},
    }
    if page not in change:
        raise ValueError(f"no scenes for the page {page!r}")
    return _q(change[page]())
