"""The evaluation memory estimate (issue 21, item 4): extrapolated from two small probes, it follows the peak
measured on the chunk itself, and the budget under a virtual-memory limit leaves room for the address space."""

import dataclasses
import resource

import pytest

from minisnn.inpainting import SCNN, memory


@pytest.mark.parametrize("views", [1, 8])
def test_the_estimate_follows_the_peak_measured_on_the_chunk(views):
    models = [SCNN.reduced(rng=0).set_eval_views(views)]
    for crop, chunk in ((48, 3), (40, 6)):
        estimate = memory.estimate_peak_bytes(models, crop, chunk)
        measured = memory.evaluation_peak_bytes(models, crop, chunk)
        assert 0.85 <= estimate / measured <= 1.35, (crop, chunk, estimate, measured)


def test_a_model_and_its_ablation_run_one_after_the_other():
    """The pair's peak is about its larger member's (one network's activations at a time), not their sum."""
    small = SCNN.reduced(rng=0)
    wide = SCNN(dataclasses.replace(small.config, width=2 * small.config.width), rng=0)
    alone = memory.estimate_peak_bytes([wide], 48, 4)
    pair = memory.estimate_peak_bytes([small, wide], 48, 4)
    assert memory.estimate_peak_bytes([small], 48, 4) < 0.8 * alone
    assert 0.95 * alone <= pair <= 1.2 * alone


def test_largest_chunk_is_the_largest_that_fits_the_budget():
    models = [SCNN.reduced(rng=0)]
    fixed, per_pixel = memory.peak_line(models)
    per_crop = per_pixel * 48**2
    fits, fixed_seen, per_crop_seen = memory.largest_chunk(models, 48, 32, fixed + 5.5 * per_crop)
    assert (
        fits == 5
        and fixed_seen == pytest.approx(fixed, rel=0.05)
        and per_crop_seen == pytest.approx(per_crop, rel=0.02)
    )
    assert memory.largest_chunk(models, 48, 3, fixed + 5.5 * per_crop)[0] == 3  # never more than asked
    assert memory.largest_chunk(models, 48, 32, fixed + 0.5 * per_crop)[0] == 0


def test_a_virtual_memory_limit_leaves_room_for_the_address_space(monkeypatch):
    limit = memory._virtual_size() + int(2e9)
    monkeypatch.setattr(resource, "getrlimit", lambda which: (limit, resource.RLIM_INFINITY))
    available = memory.available_bytes()
    expected = (2e9 - memory.VIRTUAL_FIXED) / memory.VIRTUAL_OVERHEAD
    assert available is not None and available <= expected * 1.01
    assert available >= min(expected * 0.95, _mem_available())  # the limit binds unless the machine has less


def test_models_must_be_one_or_two():
    with pytest.raises(ValueError, match="models must hold a model and at most an ablation, got 0"):
        memory.evaluation_peak_bytes([], 16)


def _mem_available():
    for line in open("/proc/meminfo"):
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024
    return float("inf")


def test_evaluation_memory_does_not_grow_with_the_number_of_time_steps():
    """Issue 21, row 6: evaluation kept the T-step backward buffers (pre_reset, held_steps) under no_grad -- 6.75 GiB
    for a header's num_steps 1024. Without a graph, only the membrane and one count per neuron persist."""
    base = SCNN.reduced(rng=0)
    short, long = (SCNN(dataclasses.replace(base.config, num_steps=t), rng=0) for t in (4, 64))
    assert memory.evaluation_peak_bytes([long], 32, 2) < 1.2 * memory.evaluation_peak_bytes([short], 32, 2)


@pytest.mark.parametrize(("views", "crops", "bound_mb"), [(1, 32, 300), (8, 8, 150)])
def test_the_table1_model_evaluates_in_little_memory(views, crops, bound_mb):
    """Issue 21, row 7: `evaluate --crop 64 --num-crops 32` of the Table 1 model (T = 100) peaked at 2.0 GB RSS, and
    at 8.6 GB with 8 views (about 2.2 GB per 8 crops); measured now: about 120 MB and 190 MB at 32 crops (NumPy's
    arrays, traced)."""
    model = SCNN.table1(rng=0).set_eval_views(views)
    assert memory.evaluation_peak_bytes([model], 64, crops) < bound_mb * 1e6
