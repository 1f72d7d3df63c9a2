"""Solution to the exercise of tutorial 05 (SNNConv2d): hit a target firing rate.

A 1x1 SNNConv2d with weight w (the input gain, no bias) sees a uniform patch of brightness x = 0.8, so every
neuron receives the constant current I = w*x. The neuron has tau = R*C = 5 ms, dt = 1 ms, v_th = 1, reset to 0,
no refractory period; it runs T = 40 steps in eval mode (no noise). Goal: 200 Hz within 10 %.

Run:  python tutorials/solutions/05_snnconv2d.py
"""

import sys
from pathlib import Path

from minisnn import LIFParams
from minisnn.neuron import current_for_rate

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from checks import RATE_EXERCISE, check_rate_exercise  # noqa: E402  (tutorials/checks.py)
from checks import exercise_rate_hz as simulated_rate_hz  # noqa: E402

TAU_MS, DT_MS = RATE_EXERCISE["tau_ms"], RATE_EXERCISE["dt_ms"]
BRIGHTNESS, TARGET_HZ = RATE_EXERCISE["brightness"], RATE_EXERCISE["target_hz"]


# (a) Keep R = 1 and choose the input gain w.
# Continuous time: current_for_rate inverts f = 1000 / (tau ln(R I / (R I - v_th))) (t_ref = 0, v_reset = 0).
neuron = LIFParams(R=1.0, C=TAU_MS, dt=DT_MS)
current = float(current_for_rate(TARGET_HZ, neuron))  # 1 + 1/(e - 1) = 1.582
w = current / BRIGHTNESS  # 1.977

# Check in discrete time (what the layer computes): from V = 0, u_n = R I (1 - beta^n), beta = 1 - dt/tau = 0.8.
# 200 Hz with dt = 1 ms is one spike every k = 5 steps, so we need R I (1 - beta^5) >= 1 > R I (1 - beta^4),
# i.e. 1.488 <= R I < 1.694. The continuous-time answer 1.582 lies inside, so it works here.
beta = neuron.beta_euler
low, high = 1 / (1 - beta**5), 1 / (1 - beta**4)
assert low <= neuron.R * current < high, (low, neuron.R * current, high)
hz = simulated_rate_hz(w, 1.0)
print(f"(a) R = 1, w = {w:.3f}: I = {current:.3f}, simulated {hz:.1f} Hz (target {TARGET_HZ:g} Hz)")
assert abs(hz - TARGET_HZ) <= 0.1 * TARGET_HZ, hz

# (b) Keep w = 1 and choose R at fixed tau (C = tau / R). The input enters as (dt/C) I = (dt/tau) R w x, and
# the threshold condition depends on R*I only, so R must supply the same product: R = (R I)_needed / x.
R = neuron.R * current / BRIGHTNESS
hz = simulated_rate_hz(1.0, R)
print(f"(b) w = 1, R = {R:.3f} (C = {TAU_MS / R:.3f}): simulated {hz:.1f} Hz (target {TARGET_HZ:g} Hz)")
assert abs(hz - TARGET_HZ) <= 0.1 * TARGET_HZ, hz

# Any choice with R*w*x in [1.488, 1.694) gives exactly 8 spikes in 40 steps = 200 Hz.
for product in (low + 1e-3, high - 1e-3):
    assert abs(simulated_rate_hz(product / BRIGHTNESS, 1.0) - TARGET_HZ) < 1e-3  # float32 rate
assert check_rate_exercise(w, 1.0) and check_rate_exercise(1.0, R)
