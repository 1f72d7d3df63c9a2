"""Shared benchmark plumbing: timing, peak memory in a fresh process, and a table printer.

Each (framework, case) is measured in two fresh subprocesses: one times it (default allocator, after a
warm-up), the other measures the peak resident memory (VmHWM) of its first call with glibc's mmap threshold
fixed at 1 MiB, so that the peak belongs to that workload alone and freed buffers do not hide allocations.
Thread count: ``--threads N`` sets OPENBLAS/OMP/MKL thread variables for NumPy's BLAS and
``torch.set_num_threads`` for PyTorch.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable


def set_threads(threads: int) -> None:
    """Must run before NumPy is imported (in the worker process)."""
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def process_peak_mb() -> float:
    """This process's peak resident memory so far (VmHWM), in MB."""
    return _status_kb("VmHWM") / 1024


def fix_mmap_threshold(threshold: int = 1 << 20) -> None:
    """glibc: serve allocations ≥ threshold by mmap and give them back on free, so that resident memory
    tracks live memory (the default dynamic threshold keeps freed buffers of either framework resident)."""
    import ctypes

    try:
        ctypes.CDLL("libc.so.6").mallopt(-3, threshold)  # M_MMAP_THRESHOLD
    except OSError:
        pass


def peak_memory_mb(fn: Callable[[], object]) -> float:
    """Peak extra resident memory (MB) of the FIRST call of ``fn`` in this process.

    The first call, because caching allocators (PyTorch's) and glibc keep freed buffers resident: a second
    call would reuse them and look free. Call :func:`fix_mmap_threshold` before building the inputs.
    """
    baseline = reset_peak_memory()
    fn()
    return peak_memory_since(baseline)


def reset_peak_memory() -> int:
    """Reset the peak-RSS counter to the current RSS (Linux ≥ 4.0); returns the current RSS in kB."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    return _status_kb("VmRSS")


def peak_memory_since(baseline_kb: int) -> float:
    """Peak RSS above ``baseline_kb``, in MB."""
    return max(0, _status_kb("VmHWM") - baseline_kb) / 1024


def median_ms(fn: Callable[[], object], repeats: int = 7, warmup: int = 2, best: bool = False) -> float:
    """Median (or with ``best`` the minimum) wall-clock ms of ``repeats`` calls after ``warmup`` calls.

    The minimum estimates the undisturbed cost when other jobs share the cores (they only ever add time)."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return min(times) if best else statistics.median(times)


def measure(script: str, args: list[str], threads: int) -> dict:
    """Time in one fresh process, peak memory in another (see the module docstring); merged results."""
    timing = run_worker(script, [*args, "--mode", "time"], threads)
    memory = run_worker(script, [*args, "--mode", "memory"], threads)
    return {**timing, **memory}


def seed_study_parser(doc: str | None, worker_fields: tuple[str, ...], threads: int = 1) -> argparse.ArgumentParser:
    """The options every seed-study benchmark shares: ``--threads``, ``--seeds`` (default 0 1 2), ``--save JSON``
    (every run's measurements), ``--load JSON`` (reprint the table, no new runs) and the hidden ``--worker`` that
    :func:`run_worker` calls with ``worker_fields`` (one run in a fresh process)."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=threads)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--save", metavar="JSON", help="also write every run's measurements to this file")
    parser.add_argument("--load", metavar="JSON", help="print the table of runs saved with --save (no new runs)")
    parser.add_argument("--worker", nargs=len(worker_fields), metavar=worker_fields, help=argparse.SUPPRESS)
    return parser


def run_worker(script: str, args: list[str], threads: int) -> dict:
    """Run ``script --worker ...`` in a fresh process; it prints one JSON line."""
    env = dict(os.environ)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    out = subprocess.run(
        [sys.executable, script, "--worker", *args, "--threads", str(threads)],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    if out.returncode != 0:
        raise RuntimeError(f"worker {args} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def torch_available() -> bool:
    try:
        import importlib.util

        return importlib.util.find_spec("torch") is not None
    except Exception:
        return False


def print_table(headers: list[str], rows: list[list[object]]) -> str:
    """Markdown table, printed and returned."""
    cells = [[f"{c:.2f}" if isinstance(c, float) else str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |"]
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    lines += ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in cells]
    text = "\n".join(lines)
    print(text)
    return text


def numpy_description() -> str:
    """The NumPy version and the BLAS it was built with (name, version, configuration), for the table header."""
    import numpy as np

    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]  # NumPy >= 1.25
        config = blas.get("openblas configuration", "").strip()
        details = f"{blas.get('name', '?')} {blas.get('version', '?')}" + (f", {config}" if config else "")
    except Exception:  # older NumPy: no machine-readable build information
        details = "BLAS unknown"
    core = _openblas_core()
    return f"NumPy {np.__version__} ({details}{'; kernels for ' + core if core else ''})"


def _openblas_core() -> str:
    """The CPU type the loaded OpenBLAS chose kernels for (e.g. "SkylakeX"; "Prescott" = its generic fallback for
    a CPU it does not recognise), or "" when that cannot be asked (Linux only, OpenBLAS only)."""
    import ctypes

    try:
        with open("/proc/self/maps") as f:
            libraries = sorted({line.split()[-1] for line in f if "openblas" in line.lower() and ".so" in line})
    except OSError:
        return ""
    for path in libraries:
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for symbol in ("openblas_get_corename64_", "scipy_openblas_get_corename64_", "openblas_get_corename"):
            function = getattr(library, symbol, None)
            if function is not None:
                function.restype = ctypes.c_char_p
                return function().decode()
    return ""


def machine_description() -> str:
    import platform

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"
