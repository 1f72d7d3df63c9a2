"""The release: the sdist and the wheel build (``python -m build``), pass ``twine check``, carry every module and
every data file, and the wheel installs into a fresh virtual environment where the command line and a tiny
``SNNConv2d`` forward run — so a missing module, package-data file or dependency cannot ship.

The package is built from a copy of the working tree with two probe data files added where pretrained weights
will live (``minisnn/inpainting/pretrained/``): they must reach the wheel and be readable from the installed
package, which is what the ``package-data`` rule in ``pyproject.toml`` promises. Building and installing need
PyPI (the build backend, and NumPy, SciPy, Pillow and tqdm for the fresh environment).
"""

from __future__ import annotations

import email
import os
import shutil
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import numpy as np
import pytest

import minisnn

ROOT = Path(__file__).resolve().parent.parent
PROBES = ("minisnn/inpainting/pretrained/probe.npz", "minisnn/inpainting/pretrained/README.md")

pytestmark = pytest.mark.slow


def _run(command: list[str], cwd: Path, timeout: float = 900, env: dict | None = None) -> str:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _source_files() -> list[str]:
    """The files of the working tree that git would commit (tracked or new, not ignored)."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout to know which files are part of the source")
    out = _run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], ROOT)
    return [name for name in out.split("\0") if name and (ROOT / name).is_file()]


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    pytest.importorskip("build", reason="python -m build comes with the test extra")
    source = tmp_path_factory.mktemp("source")
    for name in _source_files():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    (source / PROBES[0]).parent.mkdir(parents=True, exist_ok=True)
    np.savez(source / PROBES[0], weights=np.arange(6, dtype=np.float32).reshape(2, 3))
    (source / PROBES[1]).write_text("Probe: package data must ship in the wheel.\n")
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "build", "--outdir", str(out), str(source)], source, timeout=1200)
    (sdist,) = out.glob("minisnn-*.tar.gz")
    (wheel,) = out.glob("minisnn-*.whl")
    return {"source": source, "sdist": sdist, "wheel": wheel}


def test_sdist_and_wheel_pass_twine_check(dist: dict[str, Path]) -> None:
    pytest.importorskip("twine", reason="twine comes with the test extra")
    out = _run([sys.executable, "-m", "twine", "check", "--strict", str(dist["sdist"]), str(dist["wheel"])], ROOT)
    assert out.count("PASSED") == 2, out


def test_wheel_has_every_module_and_data_file_and_the_metadata(dist: dict[str, Path]) -> None:
    source = dist["source"]
    with zipfile.ZipFile(dist["wheel"]) as wheel:
        names = set(wheel.namelist())
        (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        meta = email.message_from_bytes(wheel.read(metadata))
        entry_points = wheel.read(metadata.replace("METADATA", "entry_points.txt")).decode()
    shipped = [
        p.relative_to(source).as_posix()
        for p in (source / "minisnn").rglob("*")
        if (p.suffix in (".py", ".npz", ".md") or p.name == "SHA256SUMS") and "__pycache__" not in p.parts
    ]
    missing = sorted(set(shipped) - names)
    assert not missing, f"not in the wheel: {missing}"
    assert set(PROBES) <= names
    assert meta["Name"] == "minisnn" and meta["Version"] == minisnn.__version__
    assert meta["License-Expression"] == "MIT"
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert "minisnn = minisnn.__main__:main" in entry_points
    assert not [n for n in names if n.startswith(("tests/", "docs/", "tutorials/", "benchmarks/"))]


def test_sdist_has_what_a_rebuild_needs(dist: dict[str, Path]) -> None:
    with tarfile.open(dist["sdist"]) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    for needed in ("pyproject.toml", "README.md", "LICENSE", "minisnn/__init__.py", "minisnn/__main__.py", *PROBES):
        assert needed in names, f"{needed} not in the sdist"


SMOKE = """
import importlib.resources, pathlib, sys
import numpy as np
import minisnn
from minisnn import SNNConv2d, Tensor

assert pathlib.Path(minisnn.__file__).resolve().is_relative_to(pathlib.Path(sys.prefix).resolve()), minisnn.__file__
layer = SNNConv2d(3, 4, 3, padding=1, num_steps=4, rng=0)
rates = layer(Tensor(10 * np.random.default_rng(0).random((2, 3, 8, 8), dtype=np.float32)))
assert rates.shape == (2, 4, 8, 8) and rates.dtype == np.float32
assert 0.0 <= rates.data.min() and 0.0 < rates.data.max() <= 1.0  # some neurons fire, none twice per step
probe = importlib.resources.files("minisnn.inpainting").joinpath("pretrained/probe.npz")
with importlib.resources.as_file(probe) as path:
    assert np.load(path)["weights"].shape == (2, 3)
from minisnn.inpainting import SCNN
# the real package data: weights + model card
shipped = [SCNN.pretrained(name) for name in ("scnn", "cnn_only")]
card = importlib.resources.files("minisnn.inpainting").joinpath("pretrained/MODEL_CARD.md").read_text("utf-8")
assert [m.config.spiking for m in shipped] == [True, False] and "python -m minisnn train" in card
print(f"minisnn {minisnn.__version__} from {pathlib.Path(minisnn.__file__).parent}: "
      f"SNNConv2d forward {tuple(rates.shape)}, mean rate {float(rates.data.mean()):.3f}; package data readable; "
      f"the two pretrained models load ({shipped[0].num_parameters():,} parameters each) with their card")
"""


def test_wheel_installs_and_runs_in_a_fresh_virtual_environment(dist: dict[str, Path], tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True, clear=True)  # no system site-packages: only the wheel and its dependencies
    python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    _run([str(python), "-m", "pip", "install", "--quiet", str(dist["wheel"])], tmp_path, timeout=1200, env=clean)
    work = tmp_path / "elsewhere"  # not the repository, so that only the installed package can be imported
    work.mkdir()
    help_text = _run([str(python), "-m", "minisnn", "--help"], work, env=clean)
    for command in ("train", "evaluate", "demo"):
        assert command in help_text
    version = _run([str(python), "-m", "minisnn", "--version"], work, env=clean)
    assert version.strip() == f"minisnn {minisnn.__version__}"
    script = env_dir / ("Scripts/minisnn.exe" if os.name == "nt" else "bin/minisnn")
    assert _run([str(script), "--version"], work, env=clean).strip() == version.strip()
    print(_run([str(python), "-c", SMOKE], work, env=clean).strip())
