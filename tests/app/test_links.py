"""Links made before the settings were redeclared (issue #24) open the same scene: every
key is still known, every value lands in its widget, nothing is refused, and the page
writes the same settings back to its address."""

from __future__ import annotations

import pytest
from apptest_util import APP
from streamlit.testing.v1 import AppTest

#: links as the pages wrote them at e14980a (the commit before the change)
LINKS = {
    "race": "surface=rosenbrock&steps=500&x0=-1.5&y0=2&racers=sgd,adam,rmsprop"
    "&copies=momentum&momentum_2.momentum=0.5&adam.learning_rate=0.05&quiver=1&image=svg",
    "race_formula": "surface=custom&formula=x**2%2By**2&xmin=-3&xmax=3&ymin=-1&ymax=1",
    "landscape": "surface=beale&steps=400&x0=1&y0=1&map_opt=adam&map_param=beta_1"
    "&metric=steps_to_eps&basin_opts=sgd,adam&grid=50&fair_opts=sgd,nadam",
    "playground": "data=circles&n=400&noise=0.2&val=0.3&seed=7&layers=3&u0=8&a0=tanh&u1=6"
    "&a1=leaky_relu&u2=4&slope=0.1&init=he_normal&bn=1&dropout=0.1&l2=0.001&opts=momentum,adam"
    "&momentum.momentum=0.8&adam.learning_rate=0.02&batch=32&epochs=100&schedule=exponential"
    "&exponential.r=30&clip=clipnorm&clip_at=0.5&es=1&patience=10",
    "gradients": "activation=tanh&initializer=glorot_uniform&depth=10&width=64&bn=1&clip=1"
    "&clipnorm=0.5&lr=0.1&epochs=50&seed=3",
    "activations": "shown=relu,elu,selu&negative_slope=0.1&alpha=2&zmax=3&deriv=dashed"
    "&shade=0&optimizer=sgd&lr_min=0.001&lr_max=1&seed=4",
    "perceptron": "gate=or&theta=1&in1=1&eta=0.5&epochs=30&shuffle=0&seed=1&start=random"
    "&mlp_act=sigmoid&mlp_seed=2&mlp_lr=0.3",
    "backprop": "x1=0.5&x2=-1&y=0&w11=0.1&v2=-0.3&eta=1&act=tanh",
    "schedules": "sc_data=circles&sc_noise=0.3&sc_seed=2&sc_opt=adam&sc_lr=0.01&sc_epochs=50"
    "&sc_exponential_r=10&sc_performance_patience=3&sc_lo=0.0001&sc_hi=1&sc_steps=100",
    "regularization": "rg_n=400&rg_noise=0.2&rg_seed=3&rg_net=128-128&rg_epochs=200",
    "transfer": "tl_task=digits&tl_epochs=50&tl_unfreeze=10&tl_lr=0.003&tl_seed=2",
}
PAGE = {"race_formula": "race"}


def _query(text: str) -> dict[str, str]:
    from urllib.parse import parse_qsl

    return dict(parse_qsl(text, keep_blank_values=True))


@pytest.mark.parametrize("name", sorted(LINKS))
def test_an_old_link_opens_the_same_scene(name: str) -> None:
    query = _query(LINKS[name])
    at = AppTest.from_file(APP, default_timeout=300)
    for k, v in query.items():
        at.query_params[k] = v
    at.switch_page(f"pages/{PAGE.get(name, name)}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    refused = [w.value for w in at.warning if "could not be used" in w.value]
    assert refused == []
    # every setting of the link is in the session as the link says ...
    for key, text in query.items():
        value = at.session_state[key]
        shown = ",".join(value) if isinstance(value, list) else value
        if isinstance(value, bool):
            shown = "1" if value else "0"
        if isinstance(value, float):
            assert value == pytest.approx(float(text)), key
        else:
            assert str(shown) == text, key
    # ... and the page writes the same settings back to its address (a value that is the
    # page's default is left out; a value the scene implies, such as a typed surface's
    # own start point, is added)
    published = dict(at.query_params)
    for key, text in ((k, v) for k, v in published.items() if k in query):
        try:
            assert float(text) == pytest.approx(float(query[key])), key
        except ValueError:
            assert text == query[key], key
