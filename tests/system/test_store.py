"""The executable store: kernels come back from disk without tracing, equal to fresh."""

from __future__ import annotations

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from optiviz.engine import _store


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("OPTIVIZ_JAX_CACHE_DIR", str(tmp_path / "jax"))
    monkeypatch.setattr(_store, "FILL", True)  # compile afresh even if JAX's cache has it
    folder = _store.store_dir()
    assert folder is not None and folder.is_relative_to(tmp_path)
    return folder


def _kernel(traces: list[int]) -> _store.Stored:
    def f(x: jax.Array, n: jax.Array) -> jax.Array:
        traces.append(1)  # runs only while JAX traces f
        return jax.lax.fori_loop(0, n, lambda i, a: jnp.sin(a) + i, x)

    return _store.Stored(jax.jit(f), "test sine loop")


def test_a_stored_kernel_comes_back_without_tracing(store: Path) -> None:
    x = np.linspace(-2, 2, 64, dtype=np.float32)
    traces: list[int] = []
    saves, loads = _store.SAVES, _store.LOADS
    fresh = np.asarray(_kernel(traces)(x, np.int32(7)))
    assert saves + 1 == _store.SAVES and len(list(store.glob("*.bin"))) == 1
    assert len(traces) == 1
    again = _kernel(traces)  # a new process would build this object again
    out = np.asarray(again(x, np.int32(7)))
    assert loads + 1 == _store.LOADS and len(traces) == 1  # loaded, not traced
    np.testing.assert_array_equal(out, fresh)
    # a loop bound is a value, not a shape: the same executable serves it
    np.testing.assert_allclose(again(x, np.int32(3)), jax.jit(_kernel([]).fn)(x, 3), rtol=1e-6)


def test_arguments_of_another_shape_fall_back_to_the_jitted_function(store: Path) -> None:
    traces: list[int] = []
    k = _kernel(traces)
    k(np.zeros(8, np.float32), np.int32(2))
    out = k(np.ones(5, np.float32), np.int32(1))  # another shape: traced as usual
    np.testing.assert_allclose(out, np.sin(np.ones(5, np.float32)), rtol=1e-6)


def test_a_damaged_entry_is_compiled_again(store: Path) -> None:
    x = np.arange(16, dtype=np.float32)
    expected = np.asarray(_kernel([])(x, np.int32(4)))
    (entry,) = store.glob("*.bin")
    entry.write_bytes(b"not an executable")
    saves = _store.SAVES
    np.testing.assert_array_equal(_kernel([])(x, np.int32(4)), expected)
    assert saves + 1 == _store.SAVES and entry.stat().st_size > 100


def test_the_store_is_off_with_the_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPTIVIZ_JAX_CACHE", "0")
    assert _store.store_dir() is None
    saves = _store.SAVES
    assert float(_kernel([])(np.float32(0.5), np.int32(1))) == pytest.approx(np.sin(0.5))
    assert saves == _store.SAVES


def test_an_executable_from_jax_s_cache_is_not_stored(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # XLA:CPU cannot serialize again an executable JAX loaded from its persistent cache
    # (a reload fails at the first call), so only fresh compilations enter the store.
    x = np.ones(32, np.float32)
    monkeypatch.setattr(_store, "FILL", False)
    _kernel([]).fn(x, np.int32(2))  # the plain jitted function: into JAX's cache
    saves = _store.SAVES
    out = _kernel([])(x, np.int32(2))  # JAX's cache has it: used, not stored
    np.testing.assert_allclose(out, jnp.sin(jnp.sin(x)) + 1, rtol=1e-6)
    assert saves == _store.SAVES and not list(store.glob("*.bin"))


def test_kernel_budgets_from_the_environment():
    """OPTIVIZ_KERNEL_BUDGETS sets a family's budget; a malformed entry names itself."""
    import pytest

    from optiviz.engine.kernels import budgets_from

    assert budgets_from("") == {}
    assert budgets_from("training=9, race=16") == {"training": 9, "race": 16}
    for bad in ("training", "training=0", "race=x", "=4"):
        with pytest.raises(ValueError, match="OPTIVIZ_KERNEL_BUDGETS"):
            budgets_from(bad)
