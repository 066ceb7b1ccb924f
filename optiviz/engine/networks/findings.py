"""Sentences about a result, computed from that result.

A page that explains a general idea ("a rate that stays large keeps the loss noisy",
"dropout makes the reported training loss pessimistic") also says what the run beside
it shows, and that second sentence is written here from the run's own numbers, so it
stays true for whatever settings a student picks. Where the run does not show the idea,
the sentence says so instead of repeating the textbook. ``tests/engine/test_findings.py``
checks both branches of each, and that the pages' default scenes show what their
general text describes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: a validation loss this much above its lowest point, at the end, counts as turned up
OVERFIT_RISE = 1.1


def overfitting(label: str, train_loss: np.ndarray, val_loss: np.ndarray) -> str:
    """Does ``label``'s run overfit? Its validation loss turned back up (ends more than
    10 % above its lowest) while its training loss kept falling."""
    train, val = np.asarray(train_loss, float), np.asarray(val_loss, float)
    if not (np.isfinite(train).all() and np.isfinite(val).all()):
        return f"Here the {label} run diverged (its loss stopped being a number)."
    best = int(np.argmin(val))
    rose = val[-1] > OVERFIT_RISE * val[best] and best < len(val) - 1
    if rose and train[-1] < train[best]:
        return (
            f"Here the {label} run overfits: its validation loss is lowest at epoch "
            f"{best + 1} ({val[best]:.3g}) and ends at {val[-1]:.3g}, while its training "
            f"loss keeps falling, to {train[-1]:.3g}."
        )
    return (
        f"Here the {label} run does not overfit (yet): its validation loss ends within "
        f"{OVERFIT_RISE - 1:.0%} of its lowest ({val[best]:.3g}, epoch {best + 1}). More "
        "epochs, fewer points or more noise make it turn up."
    )


def gaps(labels: Sequence[str], train_acc: Sequence[float], val_acc: Sequence[float]) -> str:
    """Which runs narrow the first run's gap between training and validation accuracy
    (by at least half a point)."""
    gap = [100 * (t - v) for t, v in zip(train_acc, val_acc, strict=True)]
    base, rest = labels[0], list(zip(labels[1:], gap[1:], strict=True))
    narrower = [name for name, g in rest if g < gap[0] - 0.5]
    wider = [name for name, g in rest if g >= gap[0] - 0.5]
    head = f"Here the {base} network's accuracy gap is {gap[0]:.0f} points"
    if not narrower:
        return head + "; no remedy narrows it at these settings."
    best, g_best = min(rest, key=lambda item: item[1])
    most = f"{best} most, to {g_best:.0f}"
    if not wider:
        return head + f"; every remedy narrows it ({most})."
    return head + (
        f"; {_join(narrower)} narrow{'s' if len(narrower) == 1 else ''} it ({most}), "
        f"{_join(wider)} {'does' if len(wider) == 1 else 'do'} not."
    )


def dropout_handicap(reported: float, without: float) -> str:
    """The same weights' training loss as reported during training (dropout on) and
    measured again with dropout off."""
    diff = reported - without
    if diff > 0:
        return (
            f"Here the same weights score {diff:.3g} lower with dropout off ({without:.4f} "
            f"against the {reported:.4f} reported)."
        )
    return (
        f"Here the handicap does not show: with dropout off the same weights score "
        f"{-diff:.3g} higher ({without:.4f} against {reported:.4f}), which happens when "
        "the rate is low or the last epoch's mask was a lucky one."
    )


#: the epochs at the end of a run over which :func:`settling` measures its jitter
SETTLE_WINDOW = 20


def jitter(loss: np.ndarray, epochs: int, window: int = SETTLE_WINDOW) -> float:
    """Mean absolute change of the loss from one epoch to the next over a run's last
    ``window`` epochs (NaN if it diverged)."""
    tail = np.asarray(loss, float)[max(0, epochs - window) : epochs]
    if len(tail) < 2 or not np.isfinite(tail).all():
        return float("nan")
    return float(np.abs(np.diff(tail)).mean())


def settling(labels: Sequence[str], losses: np.ndarray, epochs_run: Sequence[int]) -> str:
    """How much the first run (a constant rate) still jitters at the end, against the
    others (schedules that change the rate)."""
    moves = [jitter(loss, int(n)) for loss, n in zip(losses, epochs_run, strict=True)]
    if not np.isfinite(moves).all():
        lost = [name for name, m in zip(labels, moves, strict=True) if not np.isfinite(m)]
        return f"Here {_join(lost)} diverged, so their last epochs say nothing about settling."
    first, others = moves[0], moves[1:]
    text = (
        f"Here, over the last {SETTLE_WINDOW} epochs, the {labels[0]} rate's training loss "
        f"moves by {_small(first)} per epoch on average, the other schedules' by "
        f"{_small(min(others))} to {_small(max(others))}"
    )
    noisier = [name for name, m in zip(labels[1:], others, strict=True) if m > first]
    if not noisier:
        return text + "."
    verb = "jitters" if len(noisier) == 1 else "jitter"
    return text + f": {_join(noisier)} {verb} more at these settings."


def _small(x: float) -> str:
    return f"{x:.2g}" if x >= 1e-4 else "under 0.0001"


def _join(names: Sequence[str]) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-4 * max(1.0, abs(b))


def evaluation(
    evaluated: float,
    history: Sequence[float],
    epochs_run: int,
    best_epoch: int = 0,
    restored: bool = False,
    validation: bool = True,
) -> str:
    """What ``model.evaluate`` on the final weights says against the history beside it.

    ``history`` is the run's ``val_loss`` (``validation``) or its training ``loss``;
    ``best_epoch`` (1-based, 0: none) is the epoch whose weights early stopping restored
    when ``restored``."""
    hist = np.asarray(history, float)
    last = float(hist[epochs_run - 1])
    if not np.isfinite(evaluated):
        return "This run diverged: its final weights give no finite loss to evaluate."
    if not validation:
        side = "lower" if evaluated < last else "higher"
        return (
            f"There is no validation part, so this is the training data. The history's "
            f"last training loss ({last:.4g}) is an average over the epoch's mini-batches, "
            f"taken while the weights were still changing; `evaluate` scores the final "
            f"weights at once, in inference mode, and reads {side} here."
        )
    if restored and best_epoch > 0 and _close(evaluated, float(hist[best_epoch - 1])):
        return (
            f"The same number as epoch {best_epoch}'s val_loss in the history "
            f"({hist[best_epoch - 1]:.4g}): early stopping restored that epoch's weights, "
            "so those are the weights `evaluate` scores."
        )
    if _close(evaluated, last):
        return (
            f"The same number as the history's last val_loss ({last:.4g}, epoch "
            f"{epochs_run}): after each epoch `fit` scores the validation data exactly as "
            "`evaluate` does, in inference mode."
        )
    return f"It differs from the history's last val_loss ({last:.4g}) by {evaluated - last:+.3g}."
