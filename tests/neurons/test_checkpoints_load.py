"""Checkpoints written before the neuron wing keep loading through the one registry, and predict the same.

(The outputs of these files were compared bit for bit between the code before and after the move: the closing note
of issue 20. Here: every shipped file's neuron dict goes through ``model_from_dict`` to the same model class, and a
format-version-1 copy of the shipped SC-NN predicts exactly what the version-2 file does.)
"""

import json
from pathlib import Path

import numpy as np
import pytest

from minisnn import Tensor, io
from minisnn.inpainting import SCNN
from minisnn.inpainting.model import pretrained_path
from minisnn.neurons import LIFParams, SynapticParams, model_from_dict

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = {
    "pretrained scnn": (pretrained_path("scnn"), LIFParams),
    "pretrained cnn_only": (pretrained_path("cnn_only"), LIFParams),
    "tutorial paper": (ROOT / "tutorials/checkpoints/sc-nn_paper.npz", LIFParams),
    "tutorial table1": (ROOT / "tutorials/checkpoints/sc-nn_table1.npz", SynapticParams),
    "tutorial zero": (ROOT / "tutorials/checkpoints/sc-nn_zero.npz", LIFParams),
}


def inputs(seed=0):
    rng = np.random.default_rng(seed)
    image = rng.random((2, 3, 24, 24)).astype(np.float32)
    mask = np.zeros((2, 1, 24, 24), np.float32)
    mask[:, :, 8:16, 6:18] = 1
    return np.concatenate([image * (1 - mask), mask], axis=1)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_checkpoints_load_through_the_registry(name):
    path, cls = SHIPPED[name]
    if not path.exists():
        pytest.skip(f"{path} is not in this checkout")
    checkpoint = io.load(path)
    neuron = model_from_dict(checkpoint.extra["config"]["neuron"])
    assert type(neuron) is cls
    model = SCNN.from_checkpoint(path)
    assert model.config.neuron == neuron.to_dict()
    if model.spiking_layers:
        assert model.spiking_layers[0].neuron == neuron and model.spiking_layers[0].fused  # LIF/synaptic: fused
    out = model.eval()(Tensor(inputs())).data
    assert out.shape == (2, 3, 24, 24) and np.all(np.isfinite(out))


def test_a_version_1_copy_of_the_shipped_scnn_predicts_the_same(tmp_path):
    with np.load(pretrained_path("scnn"), allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    header = json.loads(str(arrays["__header__"]))
    assert header["version"] == 2
    header["version"] = 1
    header.pop("arrays", None)  # version 1 had no table of arrays (as tests/test_io.py writes one)
    arrays["__header__"] = np.array(json.dumps(header))
    np.savez(tmp_path / "v1.npz", **arrays)
    old, new = SCNN.from_checkpoint(tmp_path / "v1.npz"), SCNN.pretrained("scnn")
    assert io.load(tmp_path / "v1.npz").version == 1
    x = Tensor(inputs(1))
    np.testing.assert_array_equal(old.eval()(x).data, new.eval()(x).data)
