"""Shared test setup: Keras runs on the JAX backend, float32 everywhere."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_PLATFORMS", "cpu")
