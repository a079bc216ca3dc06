"""The step-size factor shared by the box model's solvers (docs/chemistry.md §8)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.kernels._rodas import FAC_MAX, FAC_MIN, FAC_SAFE, step_factor, step_factor_numpy


def _exact(err):
    return np.minimum(FAC_MAX, np.maximum(FAC_MIN, FAC_SAFE / np.cbrt(np.maximum(err, 1e-300))))


def test_step_factor_is_the_clamped_cube_root_over_every_bracket():
    err = np.concatenate([[0.0, 1e-30], np.geomspace(1e-6, 1e4, 20001), [1e300]])
    compiled = np.array([step_factor(e) for e in err])
    np.testing.assert_allclose(compiled, _exact(err), rtol=1e-12)
    np.testing.assert_allclose(step_factor_numpy(err), _exact(err), rtol=1e-12)
    assert step_factor(0.0) == FAC_MAX and step_factor(1e300) == FAC_MIN


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=0.0, max_value=1e6, allow_nan=False))
def test_step_factor_twins_agree(err):
    assert step_factor(err) == step_factor_numpy(np.array([err]))[0]
