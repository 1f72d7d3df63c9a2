"""Write ``numpy.inv``: an offline stand-in for NumPy's intersphinx inventory.

NumPy's own ``objects.inv`` is only on the web, and the docs build must also work where the web is not
reachable (CI here has no internet). This script lists the NumPy names our API reference can point at,
with the URLs NumPy's documentation uses for them, from the NumPy that is installed:

* every public function in ``numpy``, ``numpy.linalg``, ``numpy.fft`` → ``reference/generated/<name>.html``;
* ``numpy.ndarray``, ``numpy.dtype`` and the ndarray methods and attributes → ``reference/generated/…``;
* the scalar types (``numpy.float32`` …) → ``reference/arrays.scalars.html``;
* ``numpy.random.Generator`` (and its methods), ``default_rng``, ``SeedSequence``;
* ``numpy.typing.ArrayLike``, ``DTypeLike``, ``NDArray``; the constants ``pi``, ``e``, ``inf``, ``nan``.

``conf.py`` asks numpy.org first and falls back to this file. Regenerate it after a NumPy upgrade with
``python docs/_intersphinx/make_numpy_inv.py`` (or, online, replace it with the real inventory).
"""

from __future__ import annotations

import inspect
import zlib
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def entries() -> list[tuple[str, str, str]]:
    """(name, domain:role, uri) triples; ``$`` in the uri stands for the name (written out by :func:`main`)."""
    out: list[tuple[str, str, str]] = []
    generated = "reference/generated/$.html#$"
    for prefix, module in (("numpy", np), ("numpy.linalg", np.linalg), ("numpy.fft", np.fft)):
        for name in sorted(dir(module)):
            if name.startswith("_"):
                continue
            value = getattr(module, name)
            if inspect.isclass(value) and issubclass(value, np.generic):
                out.append((f"numpy.{name}", "py:class", "reference/arrays.scalars.html#$"))
            elif callable(value) and not inspect.isclass(value):
                out.append((f"{prefix}.{name}", "py:function", generated))
    for cls in ("ndarray", "dtype"):
        out.append((f"numpy.{cls}", "py:class", generated))
        for name, value in inspect.getmembers(getattr(np, cls)):
            if not name.startswith("_"):
                role = "py:method" if callable(value) else "py:attribute"
                out.append((f"numpy.{cls}.{name}", role, generated))
    out.append(("numpy.random.Generator", "py:class", "reference/random/generator.html#$"))
    out.append(("numpy.random.default_rng", "py:function", "reference/random/generator.html#$"))
    for name, value in inspect.getmembers(np.random.Generator):
        if not name.startswith("_") and callable(value):
            out.append((f"numpy.random.Generator.{name}", "py:method", "reference/random/generated/$.html#$"))
    out.append(("numpy.random.SeedSequence", "py:class", "reference/random/bit_generators/generated/$.html#$"))
    for name in ("ArrayLike", "DTypeLike", "NDArray"):
        out.append((f"numpy.typing.{name}", "py:data", "reference/typing.html#$"))
    for name in ("pi", "e", "inf", "nan"):
        out.append((f"numpy.{name}", "py:data", "reference/constants.html#$"))
    out.append(("numpy", "py:module", "reference/index.html#module-$"))
    return sorted(set(out))


def main() -> None:
    header = (
        "# Sphinx inventory version 2\n"
        "# Project: NumPy\n"
        f"# Version: {np.__version__.rsplit('.', 1)[0]}\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    # Sphinx only expands a *trailing* ``$``: spell out any other, keep the anchor's
    body = "".join(f"{name} {role} 1 {uri[:-1].replace('$', name)}$ -\n" for name, role, uri in entries())
    (HERE / "numpy.inv").write_bytes(header.encode() + zlib.compress(body.encode(), 9))
    print(f"wrote {HERE / 'numpy.inv'}: {body.count(chr(10))} names (NumPy {np.__version__})")


if __name__ == "__main__":
    main()
