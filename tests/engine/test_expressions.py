"""Typed formulas: correct values and gradients, estimated minima, and refusals.

The refusals matter most: the text comes from a web form, so anything that is
not a whitelisted formula must end in an :class:`ExpressionError` (a
``ValueError`` with a message a student can act on) and never in running code.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import math
import sys
from unittest import mock

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optiviz.engine.plane import expressions
from optiviz.engine.plane.expressions import (
    FUNCTIONS,
    ExpressionError,
    compile_expression,
    parse_surface,
)
from optiviz.engine.plane.surfaces import Surface

DEFAULT = ((-2.0, 2.0), (-2.0, 2.0))
RNG = np.random.default_rng(20240607)
#: grids as big as the parser's own, so eager jax reuses the operations it compiled for it
GRID = expressions._GRID_N


def _points(domain=DEFAULT, n: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """Random float32 points inside ``domain`` (float32 so the reference sees the same inputs)."""
    (x0, x1), (y0, y1) = domain
    x = RNG.uniform(x0, x1, n).astype(np.float32)
    y = RNG.uniform(y0, y1, n).astype(np.float32)
    return x, y


def _eval(s: Surface, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.asarray(s(jnp.asarray(x), jnp.asarray(y)), np.float64)


# ------------------------------------------------------------ valid formulas
# (formula, numpy float64 reference, domain)
VALID = [
    ("x**2 + 10*y**2", lambda x, y: x**2 + 10 * y**2, DEFAULT),
    ("sin(x)*cos(y)", lambda x, y: np.sin(x) * np.cos(y), DEFAULT),
    ("exp(-(x**2+y**2))", lambda x, y: np.exp(-(x**2 + y**2)), DEFAULT),
    ("abs(x) + sqrt(y**2 + 1)", lambda x, y: np.abs(x) + np.sqrt(y**2 + 1), DEFAULT),
    (
        "minimum(x, y) + maximum(x**2, y)",
        lambda x, y: np.minimum(x, y) + np.maximum(x**2, y),
        DEFAULT,
    ),
    ("-x", lambda x, y: -x, DEFAULT),
    ("pi*x + e", lambda x, y: np.pi * x + np.e, DEFAULT),
    ("x**-2", lambda x, y: x**-2.0, ((0.5, 2.0), (-2.0, 2.0))),
    ("tanh(x)*arctan(y)", lambda x, y: np.tanh(x) * np.arctan(y), DEFAULT),
    # precedence and associativity follow Python
    ("-x**2 + y", lambda x, y: -(x**2) + y, DEFAULT),
    ("2**-x", lambda x, y: 2.0 ** (-x), DEFAULT),
    ("x - y - 1", lambda x, y: (x - y) - 1, DEFAULT),
    ("x / 2 / (y + 3)", lambda x, y: (x / 2) / (y + 3), DEFAULT),
    ("2**y**2", lambda x, y: 2.0 ** (y**2), DEFAULT),
    ("x**0.5 * y**3", lambda x, y: np.sqrt(x) * y**3, ((0.1, 2.0), (-2.0, 2.0))),
    ("+x*-y", lambda x, y: x * -y, DEFAULT),
    ("  x**2\n + y ", lambda x, y: x**2 + y, DEFAULT),
    ("1_000 * x + 0x10 * y + 2.5e-1", lambda x, y: 1000 * x + 16 * y + 0.25, DEFAULT),
    ("log(x) + log10(y)", lambda x, y: np.log(x) + np.log10(y), ((0.5, 3.0), (0.5, 3.0))),
]

#: numpy counterparts of every whitelisted function, to check each mapping
NUMPY_FUNCTIONS = {
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "exp": np.exp,
    "log": np.log,
    "log10": np.log10,
    "sqrt": np.sqrt,
    "abs": np.abs,
    "tanh": np.tanh,
    "sinh": np.sinh,
    "cosh": np.cosh,
    "arctan": np.arctan,
    "atan": np.arctan,
    "sigmoid": lambda v: 1 / (1 + np.exp(-v)),
    "minimum": np.minimum,
    "maximum": np.maximum,
    "min": np.minimum,
    "max": np.maximum,
}


def _close(actual: np.ndarray, expected: np.ndarray, rtol: float = 1e-5) -> None:
    scale = 1.0 + np.abs(expected).max()
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * scale)


@pytest.mark.parametrize(("text", "ref", "domain"), VALID, ids=[v[0] for v in VALID])
def test_valid_formula_values(text, ref, domain):
    s = parse_surface(text, domain=domain)
    assert isinstance(s, Surface)
    x, y = _points(domain)
    _close(_eval(s, x, y), ref(x.astype(np.float64), y.astype(np.float64)))
    # the grid the app draws is finite and has the right shape
    _, _, Z = s.grid(GRID)
    assert Z.shape == (GRID, GRID) and np.all(np.isfinite(Z))


@pytest.mark.parametrize(("text", "ref", "domain"), VALID, ids=[v[0] for v in VALID])
def test_valid_formula_gradients(text, ref, domain):
    """jax.grad of the parsed formula against central differences of the float64 reference."""
    s = parse_surface(text, domain=domain)
    x, y = _points(domain)
    x64, y64 = x.astype(np.float64), y.astype(np.float64)
    h = 1e-6
    fd = np.stack(
        [
            (ref(x64 + h, y64) - ref(x64 - h, y64)) / (2 * h),
            (ref(x64, y64 + h) - ref(x64, y64 - h)) / (2 * h),
        ],
        axis=-1,
    )
    p = jnp.asarray(np.stack([x, y], axis=-1))
    g = np.asarray(jax.vmap(jax.grad(s.loss))(p), np.float64)
    _close(g, fd, rtol=1e-4)
    # and the same under jit, as the race kernels trace it
    gj = np.asarray(jax.jit(jax.vmap(jax.grad(s.loss)))(p), np.float64)
    _close(gj, fd, rtol=1e-4)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_function_maps_to_its_numpy_counterpart(name):
    arity, _ = FUNCTIONS[name]
    assert set(NUMPY_FUNCTIONS) == set(FUNCTIONS)
    ref = NUMPY_FUNCTIONS[name]
    domain = ((0.2, 1.4), (0.3, 1.3))  # inside every function's natural domain
    text = f"{name}(x)" if arity == 1 else f"{name}(x, y)"
    x, y = _points(domain)
    expected = ref(x.astype(np.float64)) if arity == 1 else ref(x, y).astype(np.float64)
    _close(_eval(parse_surface(text, domain=domain), x, y), expected)


@pytest.mark.parametrize("text", ["3", "pi", "2*e - 1", "-(4)"])
def test_constant_formula_broadcasts(text):
    s = parse_surface(text)
    value = {"3": 3.0, "pi": math.pi, "2*e - 1": 2 * math.e - 1, "-(4)": -4.0}[text]
    X, Y = np.meshgrid(np.linspace(-2, 2, 7), np.linspace(-2, 2, 5))
    Z = np.asarray(s(jnp.asarray(X, jnp.float32), jnp.asarray(Y, jnp.float32)))
    assert Z.shape == X.shape
    np.testing.assert_allclose(Z, value, rtol=1e-6)
    assert s.grid(GRID)[2].shape == (GRID, GRID)
    g = jax.grad(s.loss)(jnp.array([0.3, -0.7], jnp.float32))
    assert np.array_equal(np.asarray(g), [0.0, 0.0])
    assert s.minima == ()  # a flat surface has no strict minimum


def test_one_variable_formula_broadcasts():
    s = parse_surface("y**2")
    _, ys, Z = s.grid(GRID)
    np.testing.assert_allclose(Z, np.broadcast_to(ys[:, None] ** 2, Z.shape), rtol=1e-6)


# ------------------------------------------------------------ the Surface
def test_surface_metadata():
    s = parse_surface("x**2 + y**2", domain=((-1, 3), (-2, 2)))
    assert s.name == "custom"
    assert s.minima_estimated
    assert s.domain == ((-1.0, 3.0), (-2.0, 2.0))
    (x0, x1), (y0, y1) = s.domain
    assert x0 <= s.start[0] <= x1 and y0 <= s.start[1] <= y1
    assert "x**2 + y**2" in s.title
    assert parse_surface("x**2 + y**2", start=(0.5, -1)).start == (0.5, -1.0)


def test_surface_keys():
    a = parse_surface("x**2 + y**2")
    assert parse_surface("x**2  +  y**2").key == a.key  # whitespace does not matter
    assert parse_surface("x**2 + y**2") == a and hash(parse_surface("x**2 + y**2")) == hash(a)
    assert parse_surface("x**2 + 2*y**2").key != a.key
    assert parse_surface("x**2 + y**2", domain=((-3, 3), (-3, 3))).key != a.key


@pytest.mark.parametrize(
    "domain",
    [((1, 1), (-2, 2)), ((2, -2), (-2, 2)), ((-2, 2), (0, float("nan"))), ((-1e7, 1), (0, 1))],
)
def test_bad_domain(domain):
    with pytest.raises(ExpressionError, match="domain"):
        parse_surface("x + y", domain=domain)


# ----------------------------------------------------------------- minima
def test_single_minimum_estimated():
    s = parse_surface("(x-1)**2 + (y+0.5)**2")
    (m,) = s.global_minima
    assert len(s.minima) == 1
    assert math.hypot(m.x - 1, m.y + 0.5) < 1e-2
    assert m.value == pytest.approx(0.0, abs=1e-4)


def test_two_equal_minima_both_global():
    s = parse_surface("(x**2 - 1)**2 + y**2")
    assert len(s.minima) == 2 and len(s.global_minima) == 2
    found = sorted((m.x, m.y) for m in s.minima)
    np.testing.assert_allclose(found, [(-1, 0), (1, 0)], atol=1e-2)


def test_global_and_local_minimum():
    s = parse_surface("(x**2 - 1)**2 + y**2 + 0.3*x")
    # the true minima: roots of 4x³ - 4x + 0.3 near ±1
    roots = sorted(r.real for r in np.roots([4, 0, -4, 0.3]) if abs(r.real) > 0.5)
    f = lambda x: (x**2 - 1) ** 2 + 0.3 * x  # noqa: E731
    (glob,) = s.global_minima
    (local,) = [m for m in s.minima if not m.is_global]
    assert math.hypot(glob.x - roots[0], glob.y) < 1e-2
    assert math.hypot(local.x - roots[1], local.y) < 1e-2
    assert glob.value == pytest.approx(f(roots[0]), abs=1e-4)
    assert local.value == pytest.approx(f(roots[1]), abs=1e-4)
    assert s.minima[0] is glob  # sorted, deepest first


def test_many_ripples_refined_in_a_few_evaluations():
    """Thousands of grid minima are refined together, not one by one (that took ~20 s)."""
    fn = compile_expression("sin(100*x) + sin(100*y)")
    calls = []

    def counting(x, y):
        calls.append(np.shape(x))
        return fn(x, y)

    minima = expressions._grid_minima(counting, DEFAULT)
    assert len(calls) <= 5  # the grid, three zooms, the final values
    assert 1 <= len(minima) <= 8
    for m in minima:
        assert m.value == pytest.approx(-2.0, abs=1e-3)
        assert m.is_global


def test_minima_ignore_non_finite_values():
    """A -inf point on the grid must not become a 'minimum' with value -inf."""
    p, q = (float(v) for v in np.linspace(-2, 2, 121)[[61, 40]])  # a node of the search grid
    fn = compile_expression(f"x**2 + y**2 - 1/((x - {p!r})**2 + (y - {q!r})**2)")
    X, Y, Z = expressions._grid(fn, DEFAULT)
    assert np.isneginf(Z).any()  # the pole is on the grid
    for m in expressions._grid_minima(fn, DEFAULT, (X, Y, Z)):
        assert math.isfinite(m.value)


def test_pole_on_the_search_grid_is_refused():
    with pytest.raises(ExpressionError, match="not finite"):
        parse_surface("1/(x - 1/30)")


# ------------------------------------------------------------- refusals
REJECTED = [
    ("__import__('os')", "unknown function '__import__'"),
    ("x.real", "attribute"),
    ("().__class__", "attribute"),
    ("lambda: 1", "lambda"),
    ("[x for x in y]", "comprehension"),
    ("'abc'", "quotes"),
    ("x if y else 1", "if-expression"),
    ("x < y", "comparison"),
    ("foo(x)", "unknown function 'foo'"),
    ("sin(x, y)", r"sin\(\) takes 1 argument, got 2"),
    ("maximum(x)", r"maximum\(\) takes 2 arguments, got 1"),
    ("sin(x=1)", "keyword"),
    ("x^2", r"\*\*"),
    ("x // 2", "'//'"),
    ("x % 2", "'%'"),
    ("open('f')", "unknown function 'open'"),
    ("9**9**9", "not finite"),
    ("1e999", "too large"),
    ("1e31 * x", "too large"),
    ("log(x)", r"not finite at \(x, y\) = \(-2, -2\)"),
    ("1/x", r"not finite at \(x, y\) = \(0, -2\)"),
    ("sqrt(x - 1)", "not finite"),
    ("x" * 301, "too long"),
    ("(" * 200 + "x" + ")" * 200, "too long"),
    ("-" * 1000 + "x", "too long"),
    ("sin(" * 500 + "x" + ")" * 500, "too long"),
    ("-" * 100 + "x", "nested too deeply"),
    ("sin(" * 50 + "x" + ")" * 50, "nested too deeply"),
    ("+".join(["-" * 20 + "x"] * 13), "too long"),  # 285 characters but 550+ parts
    ("", "empty"),
    ("   \n ", "empty"),
    ("x y", "not a valid formula"),
    ("x +", "not a valid formula"),
    ("2x", r"write 2\*x"),
    ("sin(x y)", "not a valid formula"),
    ("x\x00", "NUL"),
    ("x = 1", "not a valid formula"),
    ("import os", "not a valid formula"),
    ("x; y", "not a valid formula"),
    ("z + 1", "unknown name 'z'"),
    ("sin + 1", "sin is a function"),
    ("pi(x)", "unknown function 'pi'"),
    ("x[0]", "indexing"),
    ("(x, y)", "tuple"),
    ("{x}", "set"),
    ("{x: y}", "dict"),
    ("f'{x}'", "f-string"),
    ("x and y", "'and' / 'or'"),
    ("not x", "'not'"),
    ("~x", "'~'"),
    ("x @ y", "'@'"),
    ("x & y", "'&'"),
    ("True * x", "True / False"),
    ("None", "None"),
    ("...", "'...'"),
    ("1j * x", "complex"),
    ("b'x'", "quotes"),
    ("(x := 2)", "':='"),
    ("sin(*x)", "unpacking"),
    ("(lambda: 1)()", "only the listed functions can be called"),
    ("x.__class__.__bases__[0].__subclasses__()", "only the listed functions"),
    ("getattr(x, 'real')", "unknown function 'getattr'"),
    ("eval('1')", "unknown function 'eval'"),
]


@pytest.mark.parametrize(("text", "hint"), REJECTED, ids=[repr(t)[:40] for t, _ in REJECTED])
def test_rejected(text, hint):
    with pytest.raises(ExpressionError, match=hint) as err:
        parse_surface(text)
    assert isinstance(err.value, ValueError)
    message = str(err.value)
    # no Python internals in what a student reads
    for internal in ("Traceback", "ast.", "NoneType", "ellipsis", "object at 0x"):
        assert internal not in message


@pytest.mark.parametrize("bad", [None, 3, 2.5, b"x**2", ["x"], ("x",)])
def test_non_text_rejected(bad):
    with pytest.raises(ExpressionError, match="text"):
        parse_surface(bad)


def test_error_reports_the_column():
    with pytest.raises(ExpressionError, match=r"at character 5") as err:
        parse_surface("x + foo(y)")
    assert err.value.column == 4
    with pytest.raises(ExpressionError, match=r"at character 5"):
        parse_surface("1 + x.real")


@pytest.mark.parametrize(
    "text",
    [
        "(" * 1000 + "x" + ")" * 1000,
        "-" * 1000 + "x",
        "sin(" * 500 + "x" + ")" * 500,
        "x+" * 500 + "x",
    ],
)
def test_depth_limits_hold_without_length_limit(monkeypatch, text):
    """Defence in depth: even with the length cap lifted, deep input is refused cleanly.

    (Redundant parentheses add no depth: 200 of them around x is just x, refused above
    only for its length; Python's parser itself stops at a few hundred.)
    """
    monkeypatch.setattr(expressions, "MAX_LENGTH", 100_000)
    with pytest.raises(ExpressionError, match=r"nested|too long|too complex"):
        compile_expression(text)


def test_hostile_code_is_not_run(tmp_path):
    marker = tmp_path / "pwned"
    attacks = [
        f"__import__('os').system('touch {marker}')",
        f"open('{marker}', 'w')",
        f"[c for c in ().__class__.__base__.__subclasses__()][0]('{marker}')",
        f"exec(\"open('{marker}', 'w')\")",
    ]
    for text in attacks:
        with pytest.raises(ExpressionError):
            parse_surface(text)
    assert not marker.exists()


# ------------------------------------------------------------ hostile values
@pytest.mark.parametrize(
    "text",
    [
        "9**9**9**9",
        "x**x**x**x**x",
        "exp(exp(exp(exp(x))))",
        "sinh(sinh(sinh(sinh(y))))",
        "(x**64)**64 + y",
        "x**-64",
        "10**300 * x",
        "1e30 * 1e30 * x",
        "0**-1 + x",
        "(-8)**(1/3) + x",
        "x**2**100",
        "tan(pi/2) * x",
        "sin(1e30 * x) + y",
        "sigmoid(-1e30*x) + y**2",
    ],
)
def test_hostile_values_end_quickly_and_cleanly(text):
    """No timing assert: a hang would show up as a CI timeout."""
    with contextlib.suppress(ExpressionError):
        s = parse_surface(text)
        assert np.all(np.isfinite(s.grid(GRID)[2]))
        assert all(math.isfinite(m.value) for m in s.minima)


# ------------------------------------------------------------------ fuzzing
_real = {name: getattr(builtins, name) for name in ("eval", "exec", "compile")}


def _guarded(name):
    """eval / exec / compile that refuse to run for anyone but importlib.

    JAX imports some modules lazily on first use, and importing runs compile and
    exec inside importlib; that is not the user's text. ``compile`` may also build
    syntax trees (what ``ast.parse`` asks for), since a tree is never run.
    """

    def guard(*args, **kwargs):
        caller = sys._getframe(1).f_globals.get("__name__", "")
        flags = args[3] if len(args) > 3 else kwargs.get("flags", 0)
        if caller.startswith("importlib") or (name == "compile" and flags & ast.PyCF_ONLY_AST):
            return _real[name](*args, **kwargs)
        raise AssertionError(f"{name}() called from {caller} on {args[:1]!r:.80}")

    return guard


@contextlib.contextmanager
def _no_code_execution():
    with (
        mock.patch.object(builtins, "eval", _guarded("eval")),
        mock.patch.object(builtins, "exec", _guarded("exec")),
        mock.patch.object(builtins, "compile", _guarded("compile")),
    ):
        yield


def _parse_or_refuse(text, domain=DEFAULT):
    """parse_surface must return a usable Surface or raise ExpressionError, nothing else."""
    with _no_code_execution():
        try:
            s = parse_surface(text, domain=domain)
        except ExpressionError as err:
            assert str(err)
            return None
    assert isinstance(s, Surface)
    (x0, x1), (y0, y1) = s.domain
    for m in s.minima:
        assert math.isfinite(m.value)
        assert x0 <= m.x <= x1 and y0 <= m.y <= y1
    return s


def test_no_code_execution_guard_works():
    with _no_code_execution(), pytest.raises(AssertionError):
        eval("1")
    with _no_code_execution(), pytest.raises(AssertionError):
        exec("1")
    with _no_code_execution(), pytest.raises(AssertionError):
        compile("1", "<t>", "eval")
    with _no_code_execution():
        ast.parse("1 + x", mode="eval")  # allowed: only builds a tree
    assert _parse_or_refuse("x**2 + y**2") is not None


FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FORMULA_ALPHABET = "xy0123456789+-*/().,^_ abcdefghijklmnopqrstuvwxyz'\"[]{}:=<>!@#$%&|~`\n"


@FUZZ
@given(st.text())
def test_fuzz_any_text(text):
    _parse_or_refuse(text)


@FUZZ
@given(st.text(alphabet=FORMULA_ALPHABET, max_size=60))
def test_fuzz_formula_like_text(text):
    _parse_or_refuse(text)


_TOKENS = [
    "x", "y", "1", "2.5", "pi", "e", "+", "-", "*", "/", "**", "(", ")", ",", " ",
    *sorted(FUNCTIONS), "sin(", "exp(", "__import__", ".", "[", "]", "'", "lambda", ":",
]  # fmt: skip


@FUZZ
@given(st.lists(st.sampled_from(_TOKENS), max_size=25).map("".join))
def test_fuzz_token_soup(text):
    """Strings of real tokens get far past the parser, into the whitelist and evaluation."""
    _parse_or_refuse(text)


# Well-formed formulas with a float64 reference and a running float32 error bound.
U = 2.0**-24  # float32 unit roundoff
LIPSCHITZ = {  # name: (numpy reference, Lipschitz constant)
    "sin": (np.sin, 1.0),
    "cos": (np.cos, 1.0),
    "tanh": (np.tanh, 1.0),
    "arctan": (np.arctan, 1.0),
    "sigmoid": (lambda v: 1 / (1 + np.exp(-v)), 0.25),
    "abs": (np.abs, 1.0),
}

_leaf = st.one_of(
    st.sampled_from(["x", "y", "pi", "e"]),
    st.integers(0, 3).map(str),
    st.sampled_from(["0.5", "1.25"]),
)


def _extend(children):
    return st.one_of(
        st.tuples(st.sampled_from(["+", "-", "*"]), children, children),
        st.tuples(st.sampled_from(["neg", "sq", "cube", "exp", *LIPSCHITZ]), children),
    )


_trees = st.recursive(_leaf, _extend, max_leaves=10)


def _text(t) -> str:
    if isinstance(t, str):
        return t
    if len(t) == 3:
        return f"({_text(t[1])} {t[0]} {_text(t[2])})"
    op, a = t
    if op == "neg":
        return f"-({_text(a)})"
    if op in ("sq", "cube"):
        return f"({_text(a)})**{2 if op == 'sq' else 3}"
    return f"{op}({_text(a)})"


TINY = 2.0**-125  # float32 underflow: results below the normal range may flush to zero


def _rounded(v):
    """The error of storing ``v`` as float32."""
    return U * np.abs(v) + TINY


def _reference(t, x, y):
    """(value, error bound, peak): the float64 value, a first-order bound on the float32
    result's error, and the largest intermediate magnitude (float32 overflows past ~3e38)."""
    if isinstance(t, str):
        v = {"x": x, "y": y, "pi": math.pi, "e": math.e}.get(t)
        if v is None:
            v = np.full_like(x, float(t))  # small literals, exact in float32
            return v, np.zeros_like(x), np.abs(v)
        if isinstance(v, float):
            v = np.full_like(x, v)
            return v, _rounded(v), np.abs(v)
        return v, np.zeros_like(x), np.abs(v)  # the float32 inputs are exact
    if len(t) == 3:
        (a, ea, pa), (b, eb, pb) = _reference(t[1], x, y), _reference(t[2], x, y)
        if t[0] == "*":
            v = a * b
            e = np.abs(a) * eb + np.abs(b) * ea + ea * eb + _rounded(v)
        else:
            v = a + b if t[0] == "+" else a - b
            e = ea + eb + _rounded(v)
        return v, e, np.maximum.reduce([pa, pb, np.abs(v)])
    op, (a, ea, pa) = t[0], _reference(t[1], x, y)
    if op == "neg":
        v, e = -a, ea
    elif op in ("sq", "cube"):
        n = 2 if op == "sq" else 3
        v = a**n
        e = n * (np.abs(a) + ea) ** (n - 1) * ea + (n - 1) * _rounded(v)
    elif op == "exp":
        v = np.exp(a)
        e = v * (np.expm1(ea) + 4 * U) + TINY
    else:
        fn, lip = LIPSCHITZ[op]
        v = fn(a)
        e = lip * ea + 4 * U * np.maximum(np.abs(v), 1.0)
    return v, e, np.maximum(pa, np.abs(v))


@FUZZ
@given(_trees)
def test_fuzz_generated_formulas_match_reference(tree):
    text = _text(tree)
    try:
        fn = compile_expression(text)
    except ExpressionError as err:  # only the size limits may refuse a well-formed formula
        assert "too long" in str(err) or "nested too deeply" in str(err)
        return
    x, y = _points()
    with np.errstate(all="ignore"):
        ref, bound, peak = _reference(tree, x.astype(np.float64), y.astype(np.float64))
    got = np.asarray(fn(jnp.asarray(x), jnp.asarray(y)), np.float64)
    ok = np.isfinite(bound) & (peak < 1e36)  # where float32 cannot overflow on the way
    err = np.abs(got[ok] - ref[ok])
    tol = 8 * bound[ok] + 1e-30
    assert np.all(err <= tol), f"{text}: error {err.max():.3g} vs bound {tol[np.argmax(err)]:.3g}"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_trees)
def test_fuzz_generated_formulas_parse_cleanly(tree):
    _parse_or_refuse(_text(tree))
