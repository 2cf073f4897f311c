"""The moment closures are a `Registry` like every other choice of implementation."""
import pytest

from dynboltz.registry import Registry
from dynboltz.runtime.wellmixed.moment_closures import CLOSURES
from dynboltz.runtime.wellmixed.moment_integration import integrate_moments
from dynboltz.symbolic import WellMixed

_VALID = "['derivative_matching', 'lognormal', 'maxent', 'normal', 'poisson']"


def test_closures_are_a_registry():
    assert isinstance(CLOSURES, Registry)
    assert str(sorted(CLOSURES)) == _VALID


def test_unknown_closure_lists_the_valid_ones():
    with pytest.raises(ValueError, match=r"`name` of `moment closure registry` must be `a "
                       r"moment closure among " + r"\[" + _VALID[1:-1] + r"\]`; got `'gauss'`"):
        CLOSURES["gauss"]
    net = WellMixed({"birth": "0 -> A", "death": "A -> 0"})
    with pytest.raises(ValueError, match=r"`closure` of `integrate_moments` must be `a moment "
                       r"closure among \['derivative_matching'"):
        integrate_moments(net, {"birth": 1.0, "death": 1.0}, [0], [0.0, 1.0], closure="gauss")
