"""The numpy chain closure (LatticeReference) as a learning model without C kernels.

Independent route: the compiled built-in library (generated C kernel and the compiled
integrators of ``_reduced_ode``) on the same motif, rates and start.
"""
import numpy as np
import pytest

from dynboltz.generated import library
from dynboltz.runtime.lattice.chain.reference import LatticeReference
from dynboltz.runtime.learning import integrate
from dynboltz.runtime.learning.backends import backend_of
from dynboltz.symbolic.lattice.motif import LatticeMotif


@pytest.mark.parametrize("name, x0", [("barw", [0.5, 0.0]), ("trivalent", [0.2, -0.3, -1.0,
                                                                              0.1, 0.0, 0.0,
                                                                              -0.2, 0.0, 0.3])])
def test_reference_integrates_like_the_compiled_library(name, x0):
    reference = LatticeReference.from_motif(LatticeMotif.builtin(name))
    compiled = getattr(library, name)
    assert backend_of(reference).name == "python" and backend_of(compiled).name == "compiled"
    theta = np.linspace(0.5, 1.5, compiled.n_processes)
    times = np.linspace(0.0, 0.3, 7)
    ours = integrate(reference, theta, np.array(x0), times, sensitivities=True)
    theirs = integrate(compiled, theta, np.array(x0), times, sensitivities=True)
    np.testing.assert_allclose(ours.x, theirs.x, rtol=1e-10, atol=1e-12)
    # the reference's Jacobian is a Richardson difference (~1e-8 relative)
    np.testing.assert_allclose(ours.sensitivities, theirs.sensitivities, rtol=1e-5,
                               atol=1e-7)


def test_learn_rates_on_the_reference_recovers_the_rates_of_compiled_data():
    from dynboltz.runtime.learning import learn_rates

    reference = LatticeReference.from_motif(LatticeMotif.builtin("barw"))
    x0, times, theta = np.array([0.5, 0.0]), np.linspace(0.0, 0.5, 6), [1.0, 2.0, 1.0]
    moments = library.barw.moments(integrate(library.barw, theta, x0, times).x)
    result = learn_rates(reference, data=(times, moments), x0=x0, theta0=np.ones(3),
                         iterations=30, optimizer="lbfgs", progress=False)
    np.testing.assert_allclose(result.theta, theta, rtol=1e-5)
