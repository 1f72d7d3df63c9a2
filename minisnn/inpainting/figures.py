"""Figures for training runs and evaluations (matplotlib, imported only when a figure is drawn)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from minisnn.data import Batch
from minisnn.io import atomic_write
from minisnn.trainer import History


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt  # without a screen matplotlib falls back to the Agg backend
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError('figures need matplotlib: pip install "minisnn[tutorials]"') from error
    return plt


def plot_history(history: History, path: str | Path | None = None, title: str = "") -> Any:
    """Training loss per step (log scale) with validation loss, and validation pooled hole PSNR on a second axis
    with the best classical fill's PSNR on the same crops as a labelled dashed line (the number to beat)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.semilogy(history.step, history.train_loss, color="C0", alpha=0.35, label="train loss (per step)")
    if len(history.train_loss) >= 10:
        k = max(5, len(history.train_loss) // 30)
        smooth = np.convolve(history.train_loss, np.ones(k) / k, mode="valid")
        ax.semilogy(history.step[k - 1 :], smooth, color="C0", label=f"train loss ({k}-step mean)")
    if history.val_step:
        ax.semilogy(history.val_step, history.val["loss"], "o-", color="C1", label="validation loss")
    ax.set_xlabel("training step")
    ax.set_ylabel("loss (MSE on [0, 1] images)")
    lines, labels = ax.get_legend_handles_labels()
    if history.val_step:
        twin = ax.twinx()
        twin.plot(history.val_step, history.val["hole_psnr"], "s-", color="C2", label="validation hole PSNR (pooled)")
        if "baseline_psnr" in history.val:
            twin.axhline(history.val["baseline_psnr"][-1], color="C3", linestyle="--", linewidth=1,
                         label="best classical fill, same crops")  # fmt: skip
        twin.set_ylabel("validation hole PSNR [dB]", color="C2")
        more = twin.get_legend_handles_labels()
        lines, labels = lines + more[0], labels + more[1]
    ax.legend(lines, labels, fontsize="small", loc="upper right")
    ax.set_title(title or "SC-NN training")
    fig.tight_layout()
    if path is not None:
        _save(fig, path, 120)
        plt.close(fig)
    return fig


def examples_figure(data: Batch, outputs: dict[str, np.ndarray], path: str | Path | None = None, num: int = 6) -> Any:
    """Rows of: masked input | model | harmonic fill | ground truth (the seed paper's Figure 3 layout)."""
    plt = _pyplot()
    columns = [("masked input", np.where(data.masks > 0, 1.0, data.images))]  # the hole shown white
    if "model" in outputs:
        columns.append(("SC-NN output", outputs["model"]))
    if "harmonic" in outputs:
        columns.append(("harmonic fill", outputs["harmonic"]))
    columns.append(("ground truth", data.images))
    num = min(num, len(data.images))
    fig, axes = plt.subplots(num, len(columns), figsize=(2.2 * len(columns), 2.2 * num), squeeze=False)
    for row in range(num):
        for col, (name, images) in enumerate(columns):
            ax = axes[row, col]
            ax.imshow(np.clip(images[row].transpose(1, 2, 0), 0, 1), interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title(name, fontsize="small")
    fig.tight_layout()
    if path is not None:
        _save(fig, path, 100)
        plt.close(fig)
    return fig


def _save(fig: Any, path: str | Path, dpi: int) -> None:
    """PNG through :func:`minisnn.io.atomic_write`: never a truncated file, never through a symbolic link (the link is
    replaced, its target untouched), an error that names the path."""
    atomic_write(Path(path), lambda f: fig.savefig(f, format="png", dpi=dpi), "figure")
