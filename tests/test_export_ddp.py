"""The graduation script, examples/finetune_in_pytorch.py (issue 24, item 3): the pretrained SC-NN exported to
PyTorch, fine-tuned for a few steps under DistributedDataParallel with 2 local processes (gloo), imported back and
evaluated with ``python -m minisnn evaluate``.

Checked: the ranks end with identical weights, and they are the weights of the imported checkpoint, changed from
the pretrained ones; the evaluation writes its metrics; the DataLoader's crops are minisnn's own training batches,
shared out among the ranks; and 2 processes with half the batch each take the same steps as 1 process with the
whole batch (training noise off, so that the two runs draw nothing differently; the rate floor raised so that the
regulariser's all-reduced rates are in every step). Both launchers run: the script's ``--nproc`` and torchrun.
Tiny crops (24×24), a batch of 4, 3 steps, one thread per process.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skimage", reason="the offline sample photos come from scikit-image")

from minisnn.data import InpaintingBatches, sample_photos  # noqa: E402
from minisnn.export import classical_fills  # noqa: E402
from minisnn.inpainting import SCNN  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "examples" / "finetune_in_pytorch.py"
TINY = ["--data", "samples", "--steps", "3", "--crop", "24", "--batch-size", "4", "--threads", "1", "--log-every", "1"]


def example():
    spec = importlib.util.spec_from_file_location("finetune_in_pytorch", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(args: list[str], torchrun: bool = False) -> subprocess.CompletedProcess:
    launcher = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2"] if torchrun else [sys.executable]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([*launcher, str(SCRIPT), *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def digest(state: dict[str, np.ndarray]) -> str:
    """The script's SHA-256 of a state dict (names sorted, float32 bytes)."""
    h = hashlib.sha256()
    for name, value in sorted(state.items()):
        h.update(name.encode())
        h.update(np.ascontiguousarray(value, dtype=np.float32).tobytes())
    return h.hexdigest()


def test_two_processes_train_identical_weights_that_come_back_and_evaluate(tmp_path):
    out = tmp_path / "ddp"
    done = run([*TINY, "--nproc", "2", "--out", str(out), "--evaluate", "--eval-crop", "24", "--eval-crops", "8"])
    ranks = [json.loads((out / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert [r["world_size"] for r in ranks] == [2, 2] and [r["steps"] for r in ranks] == [3, 3]
    assert ranks[0]["sha256"] == ranks[1]["sha256"]
    assert "ranks hold identical weights: True" in done.stdout
    assert ranks[0]["loss"] == ranks[1]["loss"]  # the global batch's loss, all-reduced: the same on both ranks

    imported, original = SCNN.from_checkpoint(out / "model.npz"), SCNN.pretrained()
    assert digest(imported.state_dict()) == ranks[0]["sha256"]  # the ranks' weights, exactly
    change = max(np.abs(imported.state_dict()[k] - v).max() for k, v in original.state_dict().items())
    assert change > 1e-6, "fine-tuning did not move the weights"
    assert imported.config == original.config  # eval_views=8 and everything else as shipped

    metrics = json.loads((out / "evaluate" / "metrics.json").read_text())
    assert metrics["num_crops"] == 8 and metrics["eval_views"] == {"model": 8, "ablation": 8}
    assert np.isfinite(metrics["model"]["hole_psnr"]) and np.isfinite(metrics["ablation"]["hole_psnr"])
    assert "model_vs_ablation" in metrics["comparisons"]  # the fine-tuned model against the original, paired
    assert " -m minisnn evaluate --checkpoint " in done.stdout


def test_the_ranks_together_see_minisnns_training_batches():
    from torch.utils.data.distributed import DistributedSampler

    module = example()
    source = sample_photos("train")
    data = module.SameCrops(source, steps=2, batch_size=4, crop=16, mask="mixed", augment="flips", seed=5,
                            prefill="dual")  # fmt: skip
    stream = InpaintingBatches(source, 16, 4, mask="mixed", rng=5, augment=True)
    for step in range(2):
        expected = stream.next_batch()
        seen = []
        for rank in (0, 1):
            indices = list(DistributedSampler(data, num_replicas=2, rank=rank, shuffle=False))
            seen += [data[i] for i in indices[2 * step : 2 * step + 2]]  # the DataLoader's batch of 2 at this step
        inputs, images, masks, fills = (torch.stack(parts).numpy() for parts in zip(*seen, strict=True))
        order = [0, 2, 1, 3]  # rank 0 holds crops 0 and 2 of the batch, rank 1 crops 1 and 3
        np.testing.assert_array_equal(inputs, expected.inputs[order])
        np.testing.assert_array_equal(images, expected.images[order])
        np.testing.assert_array_equal(masks, expected.masks[order])
        np.testing.assert_array_equal(fills, classical_fills(expected.inputs[order], "dual"))


def test_two_ranks_with_half_the_batch_take_the_steps_of_one_process(tmp_path):
    check = [*TINY, "--no-noise", "--rate-floor", "0.9"]  # every channel below the floor: the penalty in every step
    run([*check, "--out", str(tmp_path / "one")])
    run([*check, "--out", str(tmp_path / "two")], torchrun=True)
    one = json.loads((tmp_path / "one" / "rank0.json").read_text())
    two = [json.loads((tmp_path / "two" / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert two[0]["sha256"] == two[1]["sha256"] and two[0]["world_size"] == 2
    # float32 sums taken in another order: the losses agree to 1e-5 relative
    np.testing.assert_allclose(two[0]["loss"], one["loss"], rtol=1e-5)
    a = SCNN.from_checkpoint(tmp_path / "one" / "model.npz").state_dict()
    b = SCNN.from_checkpoint(tmp_path / "two" / "model.npz").state_dict()
    start = SCNN.pretrained().state_dict()
    moved = max(np.abs(a[k] - start[k]).max() for k in a)
    apart = max(np.abs(a[k] - b[k]).max() for k in a)
    # Adam's steps are ~lr each; the two runs' rounding differs by float32 ulps of the gradients: 1 % of the move
    assert moved > 1e-5 and apart <= 1e-2 * moved, (moved, apart)
