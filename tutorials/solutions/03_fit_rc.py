"""Solution to the exercise of Tutorial 3: estimate a hidden neuron's R and C from its voltage trace.

Run on its own: ``python tutorials/solutions/03_fit_rc.py`` (or ``%run solutions/03_fit_rc.py`` in the notebook).
It takes the notebook's mystery recording from ``tutorials/checks.py``, fits it and asserts that the estimates
pass the notebook's check (within 5 %).

Method. A constant current I switched on at t = 0 from V(0) = 0 gives V(t) = R I (1 - exp(-t/tau)), so
    ln(V_inf - V(t)) = ln(V_inf) - t / tau,    V_inf = R I.
1. V_inf: the mean of the plateau (the last 100 ms of the 300 ms trace, more than 5 tau after the onset).
2. tau: least-squares line through ln(V_inf - V) against t, using only samples where V_inf - V is still far
   above the recording noise (> 20 % of V_inf); tau = -1 / slope [ms].
3. R = V_inf / I and C = tau / R.
"""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from checks import check_rc, mystery_recording  # noqa: E402  (tutorials/checks.py)


def fit_rc(t, v, current):
    """Estimate (R, C, tau) from a sub-threshold step response starting at V(0) = 0."""
    v_inf = v[t >= t[-1] - 100.0].mean()
    gap = v_inf - v
    use = gap > 0.2 * v_inf
    slope, _ = np.polyfit(t[use], np.log(gap[use]), 1)
    tau = -1.0 / slope
    R = v_inf / current
    return R, tau / R, tau


if __name__ == "__main__":
    t_rec, v_rec, I_rec = mystery_recording()
    R_est, C_est, tau_est = fit_rc(t_rec, v_rec, I_rec)
    print(f"estimated R = {R_est:.4f}, C = {C_est:.4f}, tau = {tau_est:.3f} ms")
    assert check_rc(R_est, C_est)
