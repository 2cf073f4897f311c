"""With ``gradient="adjoint"`` eq. 54's sensitivities are integrated at accepted iterates
only (for the Gauss–Newton curvature), never at the line search's trial points."""
import numpy as np

from dynboltz.generated import library
from dynboltz.runtime.learning import integrate, learn_rates
from dynboltz.runtime.learning import rate_learning as learning_module

_TIMES = np.linspace(0.0, 0.5, 26)


def test_sensitivities_are_integrated_at_accepted_points_only(monkeypatch):
    runs = []

    class CountingIntegration(learning_module.PreparedIntegration):
        def run(self, theta):
            runs.append(np.array(theta))
            return super().run(theta)

    monkeypatch.setattr(learning_module, "PreparedIntegration", CountingIntegration)
    accepted = []
    lib, x0 = library.barw, np.array([1.0, 0.0])
    data = (_TIMES, lib.moments(integrate(lib, [3.0, 8.0, 5.0], x0, _TIMES).x))
    result = learn_rates(lib, data, x0, [30.0, 1.0, 0.5], gradient="adjoint",
                         progress=False, callback=lambda i, theta, objective:
                         accepted.append(theta))
    iterations, evaluations = result.info["iterations"], result.info["evaluations"]
    # the case has rejected trial points, else the count would prove nothing
    assert evaluations > iterations + 1
    # θ₀ and each accepted iterate, where the stopping rule needs the curvature
    assert len(runs) == iterations + 1
    np.testing.assert_array_equal(runs[1:], accepted)
