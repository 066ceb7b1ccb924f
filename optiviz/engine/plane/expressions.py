"""Turn a formula a student types (``x**2 + 10*y**2``) into a differentiable surface.

The text is parsed with Python's :mod:`ast` and then checked node by node
against a whitelist: numbers, the variables ``x`` and ``y``, the constants
``pi`` and ``e``, the operators ``+ - * / **`` (and unary ``-`` / ``+``), and
calls to the functions in :data:`FUNCTIONS` with the right number of
positional arguments. Everything else -- attribute access, other names,
subscripts, strings, lambdas, comprehensions, keywords -- is refused with an
:class:`ExpressionError` that says what was found and where. The accepted tree
is translated into nested ``jax.numpy`` closures; user text is never passed to
``eval`` or ``exec``.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable
from typing import Any

import jax.numpy as jnp
import numpy as np

from .surfaces import Minimum, Surface

Array = Any
Fn = Callable[[Array, Array], Array]

MAX_LENGTH = 300
MAX_DEPTH = 40
MAX_NODES = 400
#: x**n with an integer constant |n| up to this uses repeated multiplication
_INT_POW_LIMIT = 64

#: Allowed functions: name -> (number of arguments, jax implementation)
FUNCTIONS: dict[str, tuple[int, Callable[..., Array]]] = {
    "sin": (1, jnp.sin),
    "cos": (1, jnp.cos),
    "tan": (1, jnp.tan),
    "exp": (1, jnp.exp),
    "log": (1, jnp.log),
    "log10": (1, jnp.log10),
    "sqrt": (1, jnp.sqrt),
    "abs": (1, jnp.abs),
    "tanh": (1, jnp.tanh),
    "sinh": (1, jnp.sinh),
    "cosh": (1, jnp.cosh),
    "arctan": (1, jnp.arctan),
    "atan": (1, jnp.arctan),
    "sigmoid": (1, lambda v: 1.0 / (1.0 + jnp.exp(-v))),
    "minimum": (2, jnp.minimum),
    "maximum": (2, jnp.maximum),
    "min": (2, jnp.minimum),
    "max": (2, jnp.maximum),
}
CONSTANTS = {"pi": math.pi, "e": math.e}
VARIABLES = ("x", "y")

_BINOPS: dict[type, tuple[str, Callable[[Array, Array], Array]]] = {
    ast.Add: ("+", lambda a, b: a + b),
    ast.Sub: ("-", lambda a, b: a - b),
    ast.Mult: ("*", lambda a, b: a * b),
    ast.Div: ("/", lambda a, b: a / b),
    ast.Pow: ("**", jnp.power),
}

_OP_NAMES = {
    ast.BitXor: "'^' (write powers as x**2)",
    ast.FloorDiv: "'//' (use / to divide)",
    ast.Mod: "'%'",
    ast.MatMult: "'@'",
    ast.BitAnd: "'&'",
    ast.BitOr: "'|'",
    ast.LShift: "'<<'",
    ast.RShift: "'>>'",
    ast.Invert: "'~'",
    ast.Not: "'not'",
}


class ExpressionError(ValueError):
    """A formula that cannot become a surface; the message says what and where."""

    def __init__(self, message: str, column: int | None = None) -> None:
        self.column = column
        where = f" (at character {column + 1})" if column is not None else ""
        super().__init__(message + where)


def _where(node: ast.AST) -> int | None:
    return getattr(node, "col_offset", None)


def _describe(node: ast.AST) -> str:
    names = {
        ast.Attribute: "attribute access ('.')",
        ast.Subscript: "indexing ('[...]')",
        ast.Lambda: "a lambda",
        ast.ListComp: "a list comprehension",
        ast.SetComp: "a set comprehension",
        ast.DictComp: "a dict comprehension",
        ast.GeneratorExp: "a generator expression",
        ast.Compare: "a comparison",
        ast.BoolOp: "'and' / 'or'",
        ast.IfExp: "an if-expression",
        ast.List: "a list",
        ast.Tuple: "a tuple (check the commas)",
        ast.Set: "a set",
        ast.Dict: "a dict",
        ast.JoinedStr: "an f-string",
        ast.NamedExpr: "':='",
        ast.Starred: "'*' unpacking",
        ast.Await: "'await'",
        ast.Yield: "'yield'",
        ast.YieldFrom: "'yield from'",
        ast.Slice: "a slice",
    }
    return names.get(type(node), type(node).__name__)


def _depth(node: ast.AST, limit: int) -> int:
    """Depth of the tree, computed without recursion (deep trees are the point)."""
    deepest = 0
    stack: list[tuple[ast.AST, int]] = [(node, 1)]
    count = 0
    while stack:
        cur, d = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise ExpressionError(f"the formula is too long (more than {MAX_NODES} parts)")
        deepest = max(deepest, d)
        if deepest > limit:
            raise ExpressionError(f"the formula is nested too deeply (more than {limit} levels)")
        stack.extend((child, d + 1) for child in ast.iter_child_nodes(cur))
    return deepest


_CONSTANT_KINDS = {
    bool: "True / False are not numbers here: write 1 or 0",
    type(None): "None is not allowed in a formula",
    type(...): "'...' is not allowed in a formula",
    complex: "complex numbers (like 1j) are not allowed",
    str: "text in quotes is not allowed",
    bytes: "text in quotes is not allowed",
}


def _number(value: object, node: ast.AST) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        message = _CONSTANT_KINDS.get(type(value), f"{type(value).__name__} values are not allowed")
        raise ExpressionError(message, _where(node))
    try:
        out = float(value)
    except OverflowError:
        raise ExpressionError("a number is too large", _where(node)) from None
    if not math.isfinite(out) or abs(out) > 1e30:
        raise ExpressionError("a number is too large", _where(node))
    return out


def _build(node: ast.AST) -> Fn:
    """Translate a whitelisted node into a function of (x, y)."""
    if isinstance(node, ast.Constant):
        c = _number(node.value, node)
        return lambda x, y: c
    if isinstance(node, ast.Name):
        if node.id == "x":
            return lambda x, y: x
        if node.id == "y":
            return lambda x, y: y
        if node.id in CONSTANTS:
            c = CONSTANTS[node.id]
            return lambda x, y: c
        if node.id in FUNCTIONS:
            raise ExpressionError(f"{node.id} is a function: write {node.id}(...)", _where(node))
        raise ExpressionError(
            f"unknown name {node.id!r}: use x, y, pi, e and the functions "
            f"{', '.join(sorted(set(FUNCTIONS)))}",
            _where(node),
        )
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, ast.USub):
            inner = _build(node.operand)
            return lambda x, y: -inner(x, y)
        if isinstance(node.op, ast.UAdd):
            return _build(node.operand)
        raise ExpressionError(
            f"operator {_OP_NAMES.get(type(node.op))} is not allowed", _where(node)
        )
    if isinstance(node, ast.BinOp):
        kind = type(node.op)
        if kind not in _BINOPS:
            name = _OP_NAMES.get(kind, kind.__name__)
            raise ExpressionError(f"operator {name} is not allowed", _where(node))
        left, right = _build(node.left), _build(node.right)
        if kind is ast.Pow and isinstance(node.right, ast.Constant | ast.UnaryOp):
            n = _const_int(node.right)
            if n is not None and 0 <= n <= _INT_POW_LIMIT:
                return lambda x, y: jnp.asarray(left(x, y), jnp.float32) ** n
        op = _BINOPS[kind][1]
        return lambda x, y: op(jnp.asarray(left(x, y), jnp.float32), right(x, y))
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name):
            raise ExpressionError(
                f"only the listed functions can be called, not {_describe(node.func)}",
                _where(node),
            )
        name = node.func.id
        if name not in FUNCTIONS:
            raise ExpressionError(
                f"unknown function {name!r}; allowed: {', '.join(sorted(set(FUNCTIONS)))}",
                _where(node),
            )
        if node.keywords:
            raise ExpressionError(f"{name}() takes no keyword arguments", _where(node))
        arity, fn = FUNCTIONS[name]
        if len(node.args) != arity:
            plural = "s" if arity > 1 else ""
            raise ExpressionError(
                f"{name}() takes {arity} argument{plural}, got {len(node.args)}", _where(node)
            )
        args = [_build(a) for a in node.args]
        if arity == 1:
            (a,) = args
            return lambda x, y: fn(jnp.asarray(a(x, y), jnp.float32))
        a, b = args
        return lambda x, y: fn(jnp.asarray(a(x, y), jnp.float32), b(x, y))
    raise ExpressionError(f"{_describe(node)} is not allowed in a formula", _where(node))


def _const_int(node: ast.AST) -> int | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        v = node.value
    elif (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
        and isinstance(node.operand.value, int | float)
    ):
        v = -node.operand.value
    else:
        return None
    if isinstance(v, bool) or not math.isfinite(float(v)) or float(v) != int(v):
        return None
    return int(v)


def _syntax_hint(msg: str) -> str:
    """Python's syntax message, reworded where a student's slip is the likely cause."""
    if "decimal literal" in msg:  # "2x"
        return "a number is directly followed by a letter: write 2*x, not 2x"
    if "forgot a comma" in msg:  # "2 x", "sin(x y)"
        return "two terms with nothing between them: is a * or + missing?"
    return msg


def compile_expression(text: str) -> Fn:
    """Parse ``text`` into a jax-traceable function f(x, y) (raises :class:`ExpressionError`)."""
    if not isinstance(text, str):
        raise ExpressionError("the formula must be text")
    # Line breaks and tabs mean nothing in a formula (Python would read a line break as
    # the end of the expression, or an indent); each becomes one space, so the columns
    # in messages still point into the text as typed.
    flat = "".join(" " if c.isspace() else c for c in text)
    stripped = flat.strip()
    lead = len(flat) - len(flat.lstrip())
    if not stripped:
        raise ExpressionError("the formula is empty: type something like x**2 + 3*y**2")
    if len(stripped) > MAX_LENGTH:
        raise ExpressionError(
            f"the formula is too long ({len(stripped)} characters, at most {MAX_LENGTH})"
        )
    if "\x00" in stripped:
        raise ExpressionError("the formula contains a NUL character")
    try:
        tree = ast.parse(stripped, mode="eval")
    except SyntaxError as err:
        col = (err.offset - 1 + lead) if err.offset else None
        raise ExpressionError(
            f"this is not a valid formula: {_syntax_hint(err.msg)}", col
        ) from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError("the formula is nested too deeply or is malformed") from None
    _depth(tree.body, MAX_DEPTH)
    for node in ast.walk(tree):  # columns in the text as typed, leading spaces included
        if isinstance(getattr(node, "col_offset", None), int):
            node.col_offset += lead
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    fn = _build(tree.body)
    if not names & set(VARIABLES):
        c = fn
        return lambda x, y: c(x, y) + 0.0 * x + 0.0 * y
    return fn


#: side of the grid a typed formula is checked and searched for minima on
_GRID_N = 121


def _evaluate(f: Fn, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """f at float32 points, as a float64 array of X's shape."""
    try:
        Z = np.asarray(f(jnp.asarray(X, jnp.float32), jnp.asarray(Y, jnp.float32)), np.float64)
    except (TypeError, ValueError, ArithmeticError) as err:
        raise ExpressionError(f"the formula cannot be evaluated: {err}") from None
    return np.broadcast_to(Z, np.shape(X))


def _grid(
    f: Fn, domain: tuple[tuple[float, float], tuple[float, float]], n: int = _GRID_N
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(X, Y, Z): f on an n×n grid over the domain, Z[i, j] = f(X[i, j], Y[i, j])."""
    (x0, x1), (y0, y1) = domain
    X, Y = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    return X, Y, _evaluate(f, X, Y)


def _grid_minima(
    f: Fn,
    domain: tuple[tuple[float, float], tuple[float, float]],
    grid: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> list[Minimum]:
    """Estimate minima: strict local minima of a 121×121 grid, refined on finer local grids.

    All candidates are refined together (one evaluation of f per zoom level), so a
    formula with thousands of ripples costs no more calls than a bowl.
    """
    (x0, x1), (y0, y1) = domain
    X, Y, Z = grid if grid is not None else _grid(f, domain)
    n = Z.shape[0]
    core = Z[1:-1, 1:-1]
    is_min = np.isfinite(core)
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            if di or dj:
                is_min &= core < Z[1 + di : n - 1 + di, 1 + dj : n - 1 + dj]
    rows, cols = np.nonzero(is_min)
    if rows.size == 0:
        return []
    # Pad the candidates to a power of two (repeating the last): eager jax compiles each
    # operation once per shape, so a few candidate counts serve every formula.
    size = 1 << (rows.size - 1).bit_length()
    rows = np.concatenate([rows, np.full(size - rows.size, rows[-1])])
    cols = np.concatenate([cols, np.full(size - cols.size, cols[-1])])
    cx, cy = X[rows + 1, cols + 1], Y[rows + 1, cols + 1]
    hx, hy = (x1 - x0) / (n - 1), (y1 - y0) / (n - 1)
    t = np.linspace(-1.0, 1.0, 21)
    pick = np.arange(size)
    for _ in range(3):  # zoom in three times, 21×21 around each candidate
        GX, GY = np.broadcast_arrays(
            cx[:, None, None] + hx * t[None, None, :], cy[:, None, None] + hy * t[None, :, None]
        )
        G = _evaluate(f, GX, GY).reshape(cx.size, -1)
        k = np.argmin(np.where(np.isfinite(G), G, np.inf), axis=1)
        cx, cy = GX.reshape(cx.size, -1)[pick, k], GY.reshape(cy.size, -1)[pick, k]
        hx, hy = hx / 10, hy / 10
    values = _evaluate(f, cx, cy)
    # a set: padding repeats candidates; non-finite values (NaN sorts badly) are dropped
    found = sorted(
        {
            (float(v), float(px), float(py))
            for px, py, v in zip(cx, cy, values, strict=True)
            if math.isfinite(v)
        }
    )[:8]
    if not found:
        return []
    best = found[0][0]
    tol = 1e-4 * max(1.0, abs(best))
    return [Minimum(x, y, v, is_global=(v - best) <= tol) for v, x, y in found]


def parse_surface(
    text: str,
    domain: tuple[tuple[float, float], tuple[float, float]] = ((-2.0, 2.0), (-2.0, 2.0)),
    start: tuple[float, float] | None = None,
) -> Surface:
    """A :class:`Surface` from a typed formula, checked to be finite on the domain.

    Raises :class:`ExpressionError` for anything that is not a whitelisted formula,
    or whose value is not finite somewhere on a 121×121 grid over the domain.
    """
    (x0, x1), (y0, y1) = domain = (
        (float(domain[0][0]), float(domain[0][1])),
        (float(domain[1][0]), float(domain[1][1])),
    )
    if not all(math.isfinite(v) for v in (x0, x1, y0, y1)) or not (x0 < x1 and y0 < y1):
        raise ExpressionError("the domain must have min < max on both axes")
    if max(abs(x0), abs(x1), abs(y0), abs(y1)) > 1e6:
        raise ExpressionError("the domain is too large (|x|, |y| ≤ 1e6)")
    fn = compile_expression(text)
    X, Y, Z = grid = _grid(fn, domain)
    bad = ~np.isfinite(Z)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise ExpressionError(
            f"the formula is not finite at (x, y) = ({X[i, j]:.3g}, {Y[i, j]:.3g}) "
            "inside the domain: change the formula or the domain"
        )
    minima = tuple(_grid_minima(fn, domain, grid))
    if start is None:
        start = (x0 + 0.8 * (x1 - x0), y0 + 0.8 * (y1 - y0))
    key = f"expr:{' '.join(text.split())}@{domain}"
    return Surface(
        key=key,
        name="custom",
        title=f"f(x, y) = {' '.join(text.split())}",
        f=fn,
        domain=domain,
        minima=minima,
        start=(float(start[0]), float(start[1])),
        log_scale=False,
        latex="",
        description="Your own formula. Minima were located numerically on a grid.",
        minima_estimated=True,
    )
