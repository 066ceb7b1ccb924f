"""Values and gradients of a surface on grids, for contour and quiver pictures."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from .surfaces import Surface


@functools.lru_cache(maxsize=64)
def _grad_fn(surface: Surface):
    return jax.jit(jax.vmap(jax.grad(surface.loss)))


def gradient_field(
    surface: Surface, n: int = 17
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(xs, ys, u, v): the downhill direction −∇J on an n×n grid over the domain.

    Non-finite gradients come back as 0 (the picture simply omits those arrows).
    """
    (x0, x1), (y0, y1) = surface.domain
    xs = np.linspace(x0, x1, n + 2, dtype=np.float32)[1:-1]
    ys = np.linspace(y0, y1, n + 2, dtype=np.float32)[1:-1]
    X, Y = np.meshgrid(xs, ys)
    pts = jnp.asarray(np.stack([X.ravel(), Y.ravel()], axis=1))
    g = np.asarray(_grad_fn(surface)(pts), np.float64)
    g = np.where(np.isfinite(g), g, 0.0)
    return xs, ys, -g[:, 0].reshape(n, n), -g[:, 1].reshape(n, n)
