"""Shared test setup: Keras runs on the JAX backend, float32 everywhere."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_PLATFORMS", "cpu")
# Servers the tests start skip the warm-up's visit of every page (~11 s of CPU each, beside
# the tests on two cores); tests/system/test_warmup.py starts one with it.
os.environ.setdefault("OPTIVIZ_WARMUP_PAGES", "0")
# the servers the tests start compile no kernel buckets ahead (each test uses a few)
os.environ.setdefault("OPTIVIZ_WARMUP_KERNELS", "0")
# live classes the tests start keep their state in a folder of this run, not in ~/.local
if "OPTIVIZ_STATE_DIR" not in os.environ:
    import tempfile

    os.environ["OPTIVIZ_STATE_DIR"] = tempfile.mkdtemp(prefix="optiviz-test-state-")

# Browser-test fixtures (a server per test module, one Chromium, a fresh page per test)
from browser_util import chromium, page, server  # noqa: F401
