"""Adding an optimizer is one spec (issue #24).

A ninth optimizer, Keras 3's Lion (``tests/engine/lion_spec.py``, written like the eight in
``optiviz/engine/optimizers/``), is registered in a fresh process before anything else
of optiviz is imported, and with no other edit: the race engine runs it and matches
Keras's own Lion; its Keras code, the step inspector's lines and the race figure's
colour come from the spec and the figures' spare colours; the playground trains it
(the compiled training kernel switches over the registry) and writes it in the Keras
script; and the race, playground and landscape pages offer it, draw it and say nothing
is wrong."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

SCRIPT = r"""
import json
import numpy as np
from optiviz.engine.optimizers import OPTIMIZERS, register
import lion_spec
register(lion_spec.SPEC)

import jax, keras
import optiviz
from optiviz.engine.networks import keras_code
from optiviz.engine import get_surface
from optiviz.engine.optimizers import step_equations
from optiviz.figures.style import SPARE_COLORS, optimizer_color
from streamlit.testing.v1 import AppTest

# the engine, against Keras 3's own Lion
steps, start = 40, (1.2, 1.3)
r = optiviz.race("two_wells", {"lion": {"learning_rate": 0.05}, "adam": {}}, start=start,
                 steps=steps)
code = OPTIMIZERS["lion"].keras_code({"learning_rate": 0.05})
assert code == "keras.optimizers.Lion(learning_rate=0.05)", code
opt = eval(code, {"keras": keras})
grad = jax.jit(jax.grad(get_surface("two_wells").loss))
var = keras.Variable(np.asarray(start, np.float32), dtype="float32")
ref = []
for _ in range(steps):
    opt.apply_gradients([(grad(var.value), var)])
    ref.append(np.asarray(var.value))
diff = float(np.abs(r.path[0, 1:] - np.array(ref)).max())
assert diff < 1e-5, diff

# figures: its colour, its legend entry, its inspector lines
assert optimizer_color("lion") == SPARE_COLORS[0]
lines = step_equations("lion", r.hparams[0], 0, r.path[0, 0], r.grad[0, 0], r.m[0, 0] * 0,
                       r.s[0, 0] * 0, r.m[0, 0], r.s[0, 0], r.update[0, 0])
assert any("sign" in line for line in lines), lines
assert "keras.optimizers.Lion(" in keras_code.optimizers_code(["lion"], [r.hparams[0]], ["Lion"])

# the playground's training kernel and its Keras script
ds = optiviz.make_dataset("moons", n=200, seed=0)
t = optiviz.train(ds, optimizers={"lion": {"learning_rate": 0.01}, "adam": {}}, epochs=30,
                  hidden=(8,))
assert np.isfinite(t.history["loss"]).all()
assert t.history["loss"][0, -1] < t.history["loss"][0, 0]

# the pages
app = str(Path("app.py").resolve())
def page(path, query):
    at = AppTest.from_file(app, default_timeout=600)
    for k, v in query.items():
        at.query_params[k] = v
    at.switch_page(path)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at

at = page("pages/race.py", {"racers": "adam,lion"})
figs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
names = {t.get("name", "") for f in figs for t in f["data"]}
assert any(n.startswith("Lion") for n in names), names
at.session_state["race_tab"] = "Keras code"
at.run()
assert any("keras.optimizers.Lion(" in c.value for c in at.code)

at = page("pages/playground.py", {"opts": "lion"})
assert at.get("plotly_chart")
at = page("pages/landscape.py", {"map_opt": "lion"})
figs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
assert any("lion: " in (f["layout"].get("title") or {}).get("text", "") for f in figs)
print("LION OK")
"""


def test_a_ninth_optimizer_is_one_spec(tmp_path) -> None:
    env = os.environ | {"PYTHONPATH": os.pathsep.join([str(HERE), str(ROOT)])}
    script = "from pathlib import Path\n" + SCRIPT
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0 and "LION OK" in done.stdout, done.stderr[-4000:]
