"""Every sentence the race page says about what optimizers do on a surface is checked
against the race it describes (optiviz.engine.plane.claims; issue #25)."""

from __future__ import annotations

import re

import pytest

from optiviz.engine.plane import claims
from optiviz.engine.plane.surfaces import SURFACE_NAMES, get_surface

SCENES = claims.Scenes()


@pytest.mark.parametrize("name", SURFACE_NAMES)
def test_every_claim_holds_for_the_race_it_describes(name):
    said = claims.claims(name)
    for claim in said:
        assert claim.check(SCENES), f"{name}: false claim: {claim.text}"


def test_every_surface_with_a_story_has_its_claims():
    assert set(claims.SURFACE_CLAIMS) <= set(SURFACE_NAMES)
    missing = set(SURFACE_NAMES) - set(claims.SURFACE_CLAIMS)
    assert not missing, f"surfaces whose page says nothing about their race: {sorted(missing)}"


#: words that report what a run does; they belong in a checked claim, not a description
OUTCOME_WORDS = re.compile(
    r"\b(escape\w*|settle\w*|reach\w*|handle\w*|stall\w*|find\w*|found|beat\w*|faster|slower|"
    r"zig-?zag\w*|crawl\w*|carr\w+|wins?|loses?|fails?|needs?|should|every optimizer|"
    r"momentum|adam|adagrad|rmsprop|nesterov|gd)\b",
    re.IGNORECASE,
)


@pytest.mark.parametrize("name", SURFACE_NAMES)
def test_descriptions_say_what_a_surface_is_not_what_runs_do(name):
    text = get_surface(name).description
    assert not OUTCOME_WORDS.search(text), (
        f"{name}: {OUTCOME_WORDS.search(text).group(0)!r} in {text!r}"
    )


def test_a_claim_that_no_longer_holds_fails(monkeypatch):
    """The checks can fail: the two wells' claim is false once GD is fast enough to cross."""
    two_wells = claims.claims("two_wells")[0]
    scenes = claims.Scenes()
    real = claims.race_hparams

    def faster(surface, optimizer):
        hp = real(surface, optimizer)
        return hp | {"learning_rate": 0.001} if optimizer == "momentum" else hp

    monkeypatch.setattr(claims, "race_hparams", faster)
    assert not two_wells.check(scenes)


def test_transfer_reuse_helps_on_rings_and_never_on_digits():
    """The transfer page's claims, over seeds 0-2 at the page's default training: on the
    rings pair A's frozen layers beat scratch by 15+ points with the fewest examples and
    the gap closes to within 5 points with the most; on the digits pair (the page's
    counter-example) they never beat scratch."""
    from optiviz.engine.networks.transfer import PAIRS, by_size, train_a

    rings, digits = PAIRS["rings"], PAIRS["digits"]
    acc = by_size(rings, train_a(rings), epochs=100, unfreeze=20, lr=0.01).mean(axis=2)
    gap = (acc[:, 2] - acc[:, 0]) * 100
    assert gap[0] >= 15 and gap[1] >= 10 and gap[-1] <= 5, gap
    acc = by_size(digits, train_a(digits), epochs=100, unfreeze=20, lr=0.01).mean(axis=2)
    assert (acc[:, 2] < acc[:, 0]).all(), acc
