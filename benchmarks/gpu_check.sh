#!/usr/bin/env bash
# GPU check for the engine: JAX sees the accelerator, the engine's tests pass on it,
# and the engine benchmark runs unchanged. Needs jax with CUDA, numpy, optax, pytest
# (`uv sync --extra cuda --group test`, or an image that has them).
#   bash benchmarks/gpu_check.sh [OUTDIR]
set -u
out=${1:-${OUT:-/tmp}}
export PYTHONPATH=${PYTHONPATH:+$PYTHONPATH:}$(pwd) PYTHONUNBUFFERED=1 JAX_PLATFORMS=cuda
python3 - <<'PY' 2>&1 | tee "$out/devices.txt"
import jax, jax.numpy as jnp
print("jax", jax.__version__, "devices:", jax.devices())
import optiviz
r = optiviz.race("two_wells", list(optiviz.OPTIMIZERS), steps=300)
print("backend:", jax.default_backend(), "final losses:", r.loss[:, -1])
PY
python3 -m pytest -q -p no:cacheprovider tests/engine/test_trajectories.py 2>&1 | tail -5 | tee "$out/tests.txt"
python3 benchmarks/engine.py --repeats 5 2>&1 | tee "$out/benchmark.txt"
