"""One optimizer step written out with its numbers, as LaTeX lines (for the step inspector).

Each rule is shown in the form Keras computes, with this step's values
substituted; vectors are written as (x, y) pairs. Pure text: no JAX, no plotting.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


def _v(a: np.ndarray) -> str:
    return rf"\left({_n(a[0])},\ {_n(a[1])}\right)"


def _n(x: float) -> str:
    x = float(x)
    if x == 0:
        return "0"
    if 1e-3 <= abs(x) < 1e4:
        return f"{x:.4g}"
    mant, exp = f"{x:.3e}".split("e")
    return rf"{float(mant):.3g}\times 10^{{{int(exp)}}}"


def step_equations(
    optimizer: str,
    hp: Mapping[str, float],
    step: int,
    theta: np.ndarray,
    grad: np.ndarray,
    m_prev: np.ndarray,
    s_prev: np.ndarray,
    m: np.ndarray,
    s: np.ndarray,
    update: np.ndarray,
) -> list[str]:
    """LaTeX lines for step ``step`` (0-based) of ``optimizer``: inputs, the rule with
    numbers, and the resulting step. ``m``/``s`` are the course's moments after the step."""
    lr = hp.get("learning_rate", 0.0)
    t = step + 1
    new = theta + update
    lines = [
        rf"t = {t},\quad \theta = {_v(theta)},\quad \nabla J(\theta) = {_v(grad)}",
    ]
    if optimizer == "sgd":
        lines.append(rf"\theta \leftarrow \theta - {_n(lr)}\,\nabla J = {_v(new)}")
    elif optimizer in ("momentum", "nesterov"):
        beta = hp["momentum"]
        lines.append(
            rf"\mathbf{{m}} \leftarrow {_n(beta)}\,{_v(m_prev)} - {_n(lr)}\,{_v(grad)} = {_v(m)}"
        )
        if optimizer == "momentum":
            lines.append(rf"\theta \leftarrow \theta + \mathbf{{m}} = {_v(new)}")
        else:
            lines.append(
                rf"\theta \leftarrow \theta + {_n(beta)}\,\mathbf{{m}} - {_n(lr)}\,\nabla J = {_v(new)}"
            )
    elif optimizer == "adagrad":
        lines.append(rf"\mathbf{{s}} \leftarrow {_v(s_prev)} + \nabla J\otimes\nabla J = {_v(s)}")
        lines.append(
            rf"\theta \leftarrow \theta - {_n(lr)}\,\nabla J \oslash \sqrt{{\mathbf{{s}} + {_n(hp['epsilon'])}}} = {_v(new)}"
        )
    elif optimizer == "rmsprop":
        rho = hp["rho"]
        lines.append(
            rf"\mathbf{{s}} \leftarrow {_n(rho)}\,{_v(s_prev)} + {_n(1 - rho)}\,\nabla J\otimes\nabla J = {_v(s)}"
        )
        lines.append(
            rf"\theta \leftarrow \theta - {_n(lr)}\,\nabla J \oslash \sqrt{{\mathbf{{s}} + {_n(hp['epsilon'])}}} = {_v(new)}"
        )
    elif optimizer in ("adam", "nadam", "adamax"):
        b1, b2 = hp["beta_1"], hp["beta_2"]
        lines.append(
            rf"\mathbf{{m}} \leftarrow {_v(m_prev)} + (\nabla J - \mathbf{{m}})\,{_n(1 - b1)} = {_v(m)}"
        )
        if optimizer == "adamax":
            lines.append(
                rf"\mathbf{{u}} \leftarrow \max({_n(b2)}\,\mathbf{{u}},\ |\nabla J|) = {_v(s)}"
            )
            lines.append(
                rf"\theta \leftarrow \theta - \frac{{{_n(lr)}}}{{1-{_n(b1)}^{{{t}}}}}\,"
                rf"\mathbf{{m}} \oslash (\mathbf{{u}} + \epsilon) = {_v(new)}"
            )
        else:
            lines.append(
                rf"\mathbf{{s}} \leftarrow {_v(s_prev)} + (\nabla J\otimes\nabla J - \mathbf{{s}})\,{_n(1 - b2)} = {_v(s)}"
            )
            if optimizer == "adam":
                alpha = lr * np.sqrt(1 - b2**t) / (1 - b1**t)
                lines.append(
                    rf"\eta_t = {_n(lr)}\,\frac{{\sqrt{{1-{_n(b2)}^{{{t}}}}}}}{{1-{_n(b1)}^{{{t}}}}} = {_n(alpha)}"
                )
                lines.append(
                    rf"\theta \leftarrow \theta - \eta_t\,\mathbf{{m}} \oslash (\sqrt{{\mathbf{{s}}}} + \epsilon) = {_v(new)}"
                )
            else:
                lines.append(
                    rf"\hat{{\mathbf{{s}}}} = \frac{{\mathbf{{s}}}}{{1-{_n(b2)}^{{{t}}}}}"
                    rf" = {_v(np.asarray(s) / (1 - b2**t))}"
                )
                lines.append(
                    rf"\theta \leftarrow \theta - {_n(lr)}\,\hat{{\mathbf{{m}}}} \oslash (\sqrt{{\hat{{\mathbf{{s}}}}}} + \epsilon) = {_v(new)}"
                )
    lines.append(rf"\text{{step taken}} = {_v(update)}")
    return lines
