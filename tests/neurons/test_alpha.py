"""The alpha-synapse neuron: kernels, integrators, steady state (minisnn.neurons.alpha), and snnTorch's Alpha."""

import math

import numpy as np
import pytest
import scipy.linalg

from minisnn.neurons import AlphaParams, LIFParams, SynapticParams, simulate
from minisnn.neurons.alpha import exact_coefficients, expm, psc_kernel, psp_kernel, steady_state_firing_rate
from minisnn.neurons.lif_theory import firing_rate


@pytest.mark.parametrize("tau_syn", [2.0, 10.0, 20.0 + 1e-9, 35.0])  # below, equal to (nearly) and above tau_m
def test_a_pulse_gives_the_alpha_current_and_its_potential(tau_syn):
    """Euler at dt = 0.005 ms against the closed forms: the pulse enters h in its step, I_s one step later and V
    the step after; the error shrinks with dt (first order)."""
    errors = []
    for dt in (0.02, 0.01, 0.005):
        p = AlphaParams(R=1.0, C=20.0, dt=dt, tau_syn=tau_syn, v_th=math.inf)  # tau_m = 20 ms
        pulse = np.zeros(int(150 / dt))
        pulse[0] = 1.0 / dt  # charge q = 1
        result = simulate(pulse, p)
        psc, psp = psc_kernel(result.t - dt, p), psp_kernel(result.t - 2 * dt, p)
        errors.append((np.abs(result.i_syn - psc).max() / psc.max(), np.abs(result.v - psp).max() / psp.max()))
    errors = np.array(errors)
    assert np.all(errors[-1] < 0.005)
    np.testing.assert_allclose(errors[:-1] / errors[1:], 2.0, rtol=0.15)  # halving dt halves the error


def test_the_kernels_shape():
    p = AlphaParams(R=2.0, C=5.0, dt=0.1, tau_syn=4.0)
    t = np.linspace(0, 200, 400_001)
    psc = psc_kernel(t, p, charge=3.0)
    assert t[np.argmax(psc)] == pytest.approx(4.0, abs=1e-3) and psc.max() == pytest.approx(3.0 / (math.e * 4.0))
    assert np.trapezoid(psc, t) == pytest.approx(3.0, rel=1e-6)  # charge conserved
    assert psc_kernel(-1.0, p) == 0 and psc_kernel(0.0, p) == 0  # no current before, no jump at t = 0
    psp = psp_kernel(t, p)
    assert np.trapezoid(psp, t) == pytest.approx(p.R * 1.0, rel=1e-5)  # ∫V dt = R·q·... = q R (the LIF's area)
    # continuous in tau_syn across the removable singularity tau_syn = tau_m (= 10 ms)
    near = [psp_kernel(7.0, AlphaParams(R=2.0, C=5.0, dt=0.1, tau_syn=10.0 + e)) for e in (-1e-6, 0.0, 1e-6)]
    assert near[0] == pytest.approx(near[1], rel=1e-6) and near[2] == pytest.approx(near[1], rel=1e-6)


def test_expm_and_the_exact_step():
    rng = np.random.default_rng(0)
    for _ in range(5):
        m = rng.normal(size=(4, 4)) * rng.uniform(0.1, 5)
        np.testing.assert_allclose(expm(m), scipy.linalg.expm(m), rtol=1e-12, atol=1e-12)
    for tau_syn in (3.0, 10.0):
        p = AlphaParams(R=1.0, C=10.0, dt=0.5, tau_syn=tau_syn, method="exact")
        s, c, m = tau_syn, 10.0, 10.0
        a = np.array([[-1 / s, 0, 0, 1 / s], [1 / s, -1 / s, 0, 0], [0, 1 / c, -1 / m, 0], [0, 0, 0, 0]])
        reference = scipy.linalg.expm(a * 0.5)
        phi, gamma = exact_coefficients(p)
        np.testing.assert_allclose(phi, reference[:3, :3], rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(gamma, reference[:3, 3], rtol=1e-13, atol=1e-15)


def test_the_exact_step_is_exact_and_euler_converges_to_it():
    """A piecewise-constant current: the exact step at dt = 0.5 equals Euler's limit (dt -> 0) at the same times."""
    rng = np.random.default_rng(1)
    pieces = rng.uniform(0, 2, 40)
    exact = simulate(
        np.repeat(pieces, 1), AlphaParams(R=1.0, C=10.0, dt=0.5, tau_syn=3.0, v_th=math.inf, method="exact")
    )
    errors = []
    for k in (50, 100, 200):
        euler = simulate(np.repeat(pieces, k), AlphaParams(R=1.0, C=10.0, dt=0.5 / k, tau_syn=3.0, v_th=math.inf))
        errors.append(np.abs(euler.v[k - 1 :: k] - exact.v).max())
    assert errors[-1] < 2e-4
    np.testing.assert_allclose(np.array(errors[:-1]) / errors[1:], 2.0, rtol=0.1)


def test_settled_it_fires_at_the_lif_rate():
    p = AlphaParams(R=1.0, C=10.0, dt=0.01, tau_syn=5.0, t_ref=2.0, method="exact")
    currents = np.array([1.2, 2.0, 5.0])
    result = simulate(np.repeat(currents[:, None], 100_000, axis=1), p)  # 1 s
    lif = LIFParams(R=1.0, C=10.0, dt=0.01, t_ref=2.0)
    for k, times in enumerate(result.spike_times):
        settled = np.diff(times[times > 200])  # after the synapse's transient
        assert settled.mean() == pytest.approx(1000 / firing_rate(currents[k], lif), abs=2 * p.dt)
    np.testing.assert_array_equal(steady_state_firing_rate(currents, p), firing_rate(currents, lif))


def test_snntorch_alpha_is_the_synaptic_neuron_below_threshold():
    """snnTorch's Alpha(α, β): mem = τ_α(syn_exc + syn_inh), a difference of exponentials of its input -- minisnn's
    SynapticParams (Euler) times a gain, step for step; not this module's alpha-shaped current."""
    torch = pytest.importorskip("torch")
    snn = pytest.importorskip("snntorch")
    from minisnn.translate import translate_synaptic

    p = SynapticParams(R=1.0, C=4.0, dt=1.0, tau_syn=10.0, v_th=math.inf)  # α = 0.9 > β = 0.75
    twin = translate_synaptic(p)["snntorch_alpha"]
    assert translate_synaptic(SynapticParams(R=1.0, C=4.0, dt=1.0, tau_syn=2.0))["snntorch_alpha"] is None  # α < β
    f64 = {k: torch.tensor(twin[k], dtype=torch.float64) for k in ("alpha", "beta", "threshold")}
    layer = snn.Alpha(**f64)
    x = np.random.default_rng(0).normal(size=60)
    state = [torch.zeros(1, dtype=torch.float64) for _ in range(3)]
    mem = []
    for t in range(60):
        _, *state = layer(torch.tensor(x[t : t + 1] * twin["input_scale"]), *state)
        mem.append(state[2].item())
    ours = simulate(x, p).v
    np.testing.assert_allclose(mem, ours, rtol=1e-12, atol=1e-15)
    alpha = simulate(x, AlphaParams(R=1.0, C=4.0, dt=1.0, tau_syn=10.0, v_th=math.inf)).v
    assert np.abs(alpha - ours).max() > 0.05 * np.abs(ours).max()  # the alpha current is another model


def test_bad_parameters_are_named():
    with pytest.raises(ValueError, match="tau_syn must be positive"):
        AlphaParams(R=1.0, C=1.0, dt=0.1, tau_syn=-1.0)
    with pytest.warns(RuntimeWarning, match="tau_syn"):
        AlphaParams(R=1.0, C=10.0, dt=2.0, tau_syn=1.5)
