"""`filter_padding`: the one rule of how long a series `lowpass` (and the SEP settings'
training window) needs."""
import numpy as np
import pytest
from scipy import signal

from dynboltz.runtime.paper.parameter_trajectories import filter_padding, lowpass


@pytest.mark.parametrize("order", range(1, 9))
def test_padding_follows_the_filter_sections_and_bounds_lowpass(order):
    assert filter_padding(order) == 3 * (2 * len(signal.butter(order, 0.1, output="sos")) + 1)
    times = np.arange(filter_padding(order) + 1.0)
    lowpass(times, np.zeros(times.size), cutoff=0.1, order=order)
    with pytest.raises(ValueError, match=f"longer than the filter's padding, "
                       f"{filter_padding(order)} points"):
        lowpass(times[:-1], np.zeros(times.size - 1), cutoff=0.1, order=order)
