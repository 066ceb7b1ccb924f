"""Checking that the optimizers' fixed colours stay apart for colour-blind viewers.

Colour-vision deficiency is simulated with the matrices of Machado, Oliveira &
Fernandes (2009, severity 1.0) on linear RGB; distances are CIE76 ΔE in CIELAB
(ΔE ≈ 2 is just noticeable, above ~10 colours read as different at a glance).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import numpy as np

CVD = {
    "normal": np.eye(3),
    "protanopia": np.array(
        [
            [0.152286, 1.052583, -0.204868],
            [0.114503, 0.786281, 0.099216],
            [-0.003882, -0.048116, 1.051998],
        ]
    ),
    "deuteranopia": np.array(
        [
            [0.367322, 0.860646, -0.227968],
            [0.280085, 0.672501, 0.047413],
            [-0.011820, 0.042940, 0.968881],
        ]
    ),
    "tritanopia": np.array(
        [
            [1.255528, -0.076749, -0.178779],
            [-0.078411, 0.930809, 0.147602],
            [0.004733, 0.691367, 0.303900],
        ]
    ),
}
_XYZ = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
_WHITE = np.array([0.95047, 1.0, 1.08883])


def _linear(hex_color: str) -> np.ndarray:
    c = np.array([int(hex_color[i : i + 2], 16) for i in (1, 3, 5)]) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _lab(rgb: np.ndarray) -> np.ndarray:
    t = (_XYZ @ np.clip(rgb, 0, 1)) / _WHITE
    f = np.where(t > 0.008856, np.cbrt(t), 7.787 * t + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def closest_pair(colors: Mapping[str, str], vision: str = "normal") -> tuple[float, str, str]:
    """(ΔE, name, name) of the two colours that look most alike under ``vision``."""
    m = CVD[vision]
    return min(
        (float(np.linalg.norm(_lab(m @ _linear(a)) - _lab(m @ _linear(b)))), ka, kb)
        for (ka, a), (kb, b) in itertools.combinations(colors.items(), 2)
    )
