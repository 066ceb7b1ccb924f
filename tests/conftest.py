"""Shared test setup: Keras runs on the JAX backend, float32 everywhere."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

# Browser-test fixtures (a server per test module, one Chromium, a fresh page per test)
from browser_util import chromium, page, server  # noqa: F401
