"""minisnn.energy: the break-even, zero-skipping, LIF state updates and the silent-layer flag, each checked against
a count done by hand."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minisnn import energy
from minisnn.energy import BREAK_EVEN_SPIKES, ENERGY_PER_AC_PJ, ENERGY_PER_MAC_PJ, LayerCount, summarise

E_MAC, E_AC = ENERGY_PER_MAC_PJ, ENERGY_PER_AC_PJ
E_UPDATE = E_MAC + E_AC  # V <- beta*V + I (one MAC) and the threshold comparison (one AC)


def spike_fed(spikes_in, neurons_in=100.0, fan_out=36.0, state_updates=0.0, name="next"):
    """A layer fed by spikes whose MAC count is that of the same layer fed densely."""
    return LayerCount(name, macs=neurons_in * fan_out, fan_out=fan_out, neurons_in=neurons_in, spikes_in=spikes_in,
                      state_updates=state_updates)  # fmt: skip


def test_the_energies_are_horowitz_2014_and_the_break_even_is_their_ratio():
    assert (E_MAC, E_AC) == (4.6, 0.9)  # 45 nm, 32-bit float: multiply 3.7 + add 0.9, and add 0.9
    assert E_MAC == pytest.approx(3.7 + 0.9)
    assert BREAK_EVEN_SPIKES == E_MAC / E_AC
    assert "Horowitz 2014" in energy.SOURCE and "45 nm" in energy.SOURCE
    report = summarise([spike_fed(50.0)])
    assert report.break_even_dense == pytest.approx(BREAK_EVEN_SPIKES)  # no state updates: their ratio
    assert report.to_dict()["source"] == energy.SOURCE


def test_without_the_anns_measured_zeros_there_is_no_zero_skipping_comparison():
    """An ANN assumed dense where it skips its zeros would flatter the SNN: the report refuses and says why."""
    report = summarise([spike_fed(50.0)])
    d = report.to_dict()
    assert report.ann_zero_skip_pj is None and report.break_even_zero_skip is None
    assert d["ann_zeros_measured"] is False and d["ratio_to_zero_skip_ann"] is None
    assert (
        "against a zero-skipping ANN: not measured" in report.verdict and "skipping its measured" not in report.verdict
    )
    partly = summarise([spike_fed(5.0, name="a"), spike_fed(5.0, name="b")], ann_input_nonzero={"a": 0.3})
    assert partly.ann_zero_skip_pj is None  # one spike-fed layer's zeros unmeasured: no comparison


@given(st.integers(1, 200), st.floats(8.0, 1000.0), st.integers(1, 3), st.floats(0.05, 1.0))
def test_the_break_even_counts_the_state_updates(steps, fan_out, variables, nonzero):
    """5.11·z - (variables·E_MAC + E_AC)·T/(F·E_AC): with one state variable 5.11 - 6.11·T/F against the dense ANN
    (the Table 1 layer, T = 100 and F = 144: 0.87) -- and at that rate the two cost the same."""
    neurons = 64.0
    layer = spike_fed(0.0, neurons, fan_out, state_updates=neurons * steps, name="next")
    layer.state_variables = variables
    per_update = variables * E_MAC + E_AC
    report = summarise([layer], ann_input_nonzero={"next": nonzero})
    assert report.break_even_dense == pytest.approx(E_MAC / E_AC - per_update * steps / (fan_out * E_AC))
    assert report.break_even_zero_skip == pytest.approx(nonzero * E_MAC / E_AC - per_update * steps / (fan_out * E_AC))
    if report.break_even_dense > 0:
        layer.spikes_in = neurons * report.break_even_dense
        at = summarise([layer], ann_input_nonzero={"next": nonzero})
        assert at.snn_dense_pj == pytest.approx(at.ann_dense_pj, rel=1e-9)
    table1 = summarise([spike_fed(0.0, 1.0, 144.0, state_updates=100.0)])
    assert table1.break_even_dense == pytest.approx(0.87, abs=0.005)


def test_when_the_state_updates_alone_cost_more_no_break_even_is_printed():
    """T = 100 steps of a two-variable neuron over a fan-out of 9: the updates cost more than the dense layer, so
    the break-even is negative -- the verdict says so in words instead of printing a negative spike count."""
    layer = spike_fed(10.0, 1.0, 9.0, state_updates=100.0)
    layer.state_variables = 2
    report = summarise([layer], ann_input_nonzero={"next": 0.5})
    assert report.break_even_dense < 0 and report.break_even_zero_skip < 0
    assert report.verdict.count("no spike count breaks even: the state updates alone cost more") == 2
    assert "break-even -" not in report.verdict
    assert "break-even 5.11" in summarise([spike_fed(10.0)]).verdict  # a positive one is printed as a number


def test_at_the_break_even_a_spike_fed_layer_costs_exactly_the_dense_mac_layer():
    neurons, fan_out = 250.0, 144.0
    report = summarise([spike_fed(neurons * BREAK_EVEN_SPIKES, neurons, fan_out)])
    assert report.snn_pj == pytest.approx(report.ann_dense_pj, rel=1e-12)
    assert report.ann_dense_pj == pytest.approx(neurons * fan_out * E_MAC)
    assert report.spikes_per_neuron == pytest.approx(BREAK_EVEN_SPIKES)


@given(st.floats(0.01, 50.0).filter(lambda s: abs(s - BREAK_EVEN_SPIKES) > 1e-6), st.floats(1.0, 500.0))
def test_the_spiking_layer_is_cheaper_exactly_below_the_break_even(per_neuron, fan_out):
    report = summarise([spike_fed(100.0 * per_neuron, 100.0, fan_out)])
    assert report.spikes_per_neuron == pytest.approx(per_neuron)
    assert report.snn_pj == pytest.approx(100.0 * per_neuron * fan_out * E_AC)
    assert (report.snn_pj < report.ann_dense_pj) == (per_neuron < BREAK_EVEN_SPIKES)
    assert f"the SNN costs {report.snn_dense_pj / report.ann_dense_pj:.2f}x" in report.verdict
    assert f"against a dense ANN (break-even {BREAK_EVEN_SPIKES:.2f}" in report.verdict  # stated next to the estimate
    assert not report.silent


def test_zero_skipping_counts_only_the_nonzero_inputs_of_a_real_relu_output():
    rng = np.random.default_rng(0)
    relu_out = np.maximum(rng.normal(size=(4, 16, 16)), 0.0)  # the ANN twin's input to the next layer
    fan_out = 16 * 3 * 3
    nonzero = np.count_nonzero(relu_out) / relu_out.size
    assert 0.3 < nonzero < 0.7
    layer = spike_fed(spikes_in=120.0, neurons_in=float(relu_out.size), fan_out=float(fan_out))
    report = summarise([layer], ann_input_nonzero={"next": nonzero})
    assert report.ann_dense_pj == pytest.approx(relu_out.size * fan_out * E_MAC)
    assert report.ann_zero_skip_pj == pytest.approx(np.count_nonzero(relu_out) * fan_out * E_MAC)
    # the break-even against the zero-skipping ANN shrinks by its non-zero fraction
    assert report.break_even_zero_skip == pytest.approx(BREAK_EVEN_SPIKES * nonzero)
    assert f"skipping its measured zeros (break-even {BREAK_EVEN_SPIKES * nonzero:.2f})" in report.verdict


def test_zero_skipping_of_analog_layers_uses_their_own_input_unless_the_ann_was_measured():
    analog = LayerCount("first", macs=1000.0, fan_out=10.0, neurons_in=100.0, input_nonzero=0.25)
    dense = LayerCount("second", macs=400.0, fan_out=4.0, neurons_in=100.0)  # input_nonzero unknown: dense
    report = summarise([analog, dense], ann_input_nonzero={})  # an ANN, measured: no spike-fed layer needs zeros
    assert report.snn_dense_pj == pytest.approx(1400.0 * E_MAC)
    assert report.snn_pj == pytest.approx((250.0 + 400.0) * E_MAC)  # the SNN's analog layers skip their zeros too
    assert report.ann_dense_pj == pytest.approx(1400.0 * E_MAC)
    assert report.ann_zero_skip_pj == pytest.approx((250.0 + 400.0) * E_MAC)
    measured = summarise([analog, dense], ann_input_nonzero={"second": 0.5})
    assert measured.ann_zero_skip_pj == pytest.approx((250.0 + 200.0) * E_MAC)
    assert not measured.silent and measured.verdict == "no spiking layer: the network is an ANN"


def test_a_layer_that_skips_more_zeros_than_the_spikes_save_is_reported_as_costing_more():
    # 2 spikes per neuron: below the dense break-even, above the one against an ANN whose input is 20 % non-zero
    report = summarise([spike_fed(200.0, 100.0)], ann_input_nonzero={"next": 0.2})
    assert report.snn_pj < report.ann_dense_pj and report.snn_pj > report.ann_zero_skip_pj
    assert "MORE" in report.verdict and "(cheaper)" not in report.verdict


@given(st.integers(1, 10_000), st.integers(1, 200))
def test_lif_state_updates_cost_one_mac_and_one_comparison_per_neuron_per_step(neurons, steps):
    quiet = summarise([spike_fed(10.0)])
    counted = summarise([spike_fed(10.0, state_updates=float(neurons * steps))])
    assert counted.snn_pj - quiet.snn_pj == pytest.approx(neurons * steps * E_UPDATE)
    assert counted.snn_dense_pj - quiet.snn_dense_pj == pytest.approx(neurons * steps * E_UPDATE)
    assert counted.ann_dense_pj == quiet.ann_dense_pj  # the ANN has no state
    assert counted.ann_zero_skip_pj == quiet.ann_zero_skip_pj


def test_the_inpainting_estimate_counts_state_updates_for_neurons_times_t():
    from minisnn.inpainting.energy import energy_estimate
    from minisnn.inpainting.model import SCNN, SCNNConfig

    width, h, w = 4, 16, 12
    reports = {t: energy_estimate(SCNN(SCNNConfig(width=width, num_steps=t), rng=0), h, w, spikes_per_image=50.0)
               for t in (4, 8, 16)}  # fmt: skip
    assert reports[8]["snn_energy_pj"] - reports[4]["snn_energy_pj"] == pytest.approx(width * h * w * 4 * E_UPDATE)
    assert reports[16]["snn_energy_pj"] - reports[8]["snn_energy_pj"] == pytest.approx(width * h * w * 8 * E_UPDATE)
    assert reports[4]["ann_dense_energy_pj"] == reports[16]["ann_dense_energy_pj"]


def test_a_silent_layer_is_flagged_and_never_called_a_saving():
    report = summarise([spike_fed(0.0)], ann_input_nonzero={"next": 0.5})
    assert report.silent and report.to_dict()["silent"] is True
    assert report.snn_pj < report.ann_zero_skip_pj  # cheap...
    assert "carries no information" in report.verdict and "not a saving" in report.verdict  # ...but no saving
    assert "cheaper" not in report.verdict and "SNN costs" not in report.verdict


def test_a_silent_hidden_layer_is_flagged_even_when_the_encoded_input_spikes():
    # rate-coded input into layer 0 (spikes), the spiking hidden layer never fires into layer 1
    layers = [spike_fed(300.0, name="layer0", state_updates=800.0), spike_fed(0.0, name="layer1")]
    report = summarise(layers)
    assert report.silent and report.spikes_per_neuron > 0
    assert "layer1" in report.verdict and "carries no information" in report.verdict
    assert "cheaper" not in report.verdict


def test_a_firing_network_is_not_flagged_and_its_ratios_are_reported():
    report = summarise([spike_fed(100.0, state_updates=400.0)], ann_input_nonzero={"next": 0.5})
    d = report.to_dict()
    assert not report.silent
    assert d["ratio_to_dense_ann"] == pytest.approx(report.snn_dense_pj / report.ann_dense_pj)
    assert d["ratio_to_zero_skip_ann"] == pytest.approx(report.snn_pj / report.ann_zero_skip_pj)
    assert f"measured zeros (break-even {report.break_even_zero_skip:.2f}) {d['ratio_to_zero_skip_ann']:.2f}x" in (
        report.verdict
    )


def test_an_ann_with_only_zeros_does_not_divide_by_zero():
    report = summarise([spike_fed(10.0)], ann_input_nonzero={"next": 0.0})
    assert report.ann_zero_skip_pj == 0 and report.snn_pj > 0
    assert "MORE" in report.verdict and "(cheaper)" not in report.verdict
    assert math.isnan(report.to_dict()["ratio_to_zero_skip_ann"])


@pytest.mark.parametrize(
    "field, value, error, words",
    [
        ("macs", -1.0, ValueError, "'bad': macs must be > 0"),
        ("macs", 0.0, ValueError, "macs must be > 0"),
        ("fan_out", float("nan"), ValueError, "fan_out must be finite"),
        ("neurons_in", "100", TypeError, "neurons_in must be a number"),
        ("spikes_in", -3.0, ValueError, "spikes_in must be >= 0"),
        ("spikes_in", float("inf"), ValueError, "spikes_in must be finite"),
        ("input_nonzero", 1.5, ValueError, "input_nonzero is a fraction and must be in [0, 1]"),
        ("state_updates", -1.0, ValueError, "state_updates must be >= 0"),
        ("state_updates", True, TypeError, "state_updates must be a number"),
    ],
)
def test_bad_counts_are_refused_naming_the_layer_and_the_field(field, value, error, words):
    layer = LayerCount("bad", macs=100.0, fan_out=10.0, neurons_in=10.0)
    setattr(layer, field, value)
    with pytest.raises(error, match=words.replace("[", r"\[").replace("]", r"\]")):
        summarise([layer])


def test_bad_arguments_of_summarise_are_refused_by_name():
    layer = spike_fed(10.0)
    with pytest.raises(ValueError, match="layers must be a non-empty list"):
        summarise([])
    with pytest.raises(TypeError, match="layers must hold LayerCount objects, got dict"):
        summarise([{"name": "next", "macs": 1.0}])
    with pytest.raises(ValueError, match="ann_input_nonzero names no layer: 'nxet'"):
        summarise([layer], ann_input_nonzero={"nxet": 0.5})  # a typo must not silently give the dense ANN
    with pytest.raises(ValueError, match=r"ann_input_nonzero\['next'\] is a fraction"):
        summarise([layer], ann_input_nonzero={"next": 48.4})  # a percentage, not a fraction
    with pytest.raises(ValueError, match=r"ann_input_nonzero\['next'\] must be >= 0"):
        summarise([layer], ann_input_nonzero={"next": -0.1})
