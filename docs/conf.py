"""Sphinx configuration for the minisnn documentation.

Build (from the repository root): ``python -m sphinx -n -W --keep-going docs docs/_build/html``.

Everything that follows the code is generated at build time, so the site cannot drift from it:

* the API reference: a page for every public module of the package, with autosummary tables that give each
  class and function its own page (``write_api_pages``; ``api/index.md`` is the entry);
* the tutorials: every ``tutorials/[0-9]*.ipynb``, copied into ``docs/tutorials/`` and rendered by
  myst-nb from their committed outputs (never re-executed);
* the command line page: the ``--help`` of ``python -m minisnn`` and of each of its sub-commands;
* the tutorials' solutions page: every ``tutorials/solutions/*.py``;
* the landing page's figure: drawn by minisnn itself (a LIF neuron simulated with ``minisnn.neuron``).

The narrative pages include the README files between ``<!-- docs:NAME:start/end -->`` markers; links in
those files that point at other files of the repository are rewritten to the pages that render them
(``REPO_LINKS`` below), and any other relative link fails the build.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import os
import pkgutil
import re
import shutil
import sys
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))  # document the package of this checkout, installed or not

import minisnn  # noqa: E402

GENERATED = DOCS / "_generated"  # build-time includes and figures (git-ignored, like api/ and tutorials/ copies)

# -- project --------------------------------------------------------------------------------------------------
project = "minisnn"
author = "the minisnn contributors"
copyright = "2026, the minisnn contributors"
release = minisnn.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_nb",  # MyST Markdown pages and the notebooks (includes myst_parser)
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
]
exclude_patterns = ["_build", "_generated", "_intersphinx", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]
templates_path = ["_templates"]
nitpicky = True  # every cross-reference must resolve (the test builds with -n -W)
# private base classes named in "Bases:" lines: documented through their public subclasses
nitpick_ignore = [("py:class", "minisnn.nn.layers._Pool2d")]

# -- MyST and the notebooks -----------------------------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist", "attrs_inline"]
myst_heading_anchors = 3
nb_execution_mode = "off"  # render the committed outputs; the test suite executes the notebooks
nb_merge_streams = True

# -- API reference --------------------------------------------------------------------------------------------
autosummary_generate: list[str] = []  # the module pages, set by write_api_pages()
autosummary_ignore_module_all = True  # document each name once, in the module that defines it
autosummary_imported_members = False
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_preserve_defaults = True
autodoc_inherit_docstrings = False
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
napoleon_use_ivar = True  # "Attributes:" as a field list: autodoc documents the attributes themselves

# -- intersphinx: the live inventories first, a committed copy when offline (see _intersphinx/README.md) ---------
_INV = DOCS / "_intersphinx"
intersphinx_mapping = {
    "python": ("https://docs.python.org/3", (None, str(_INV / "python.inv"))),
    "numpy": ("https://numpy.org/doc/stable", (None, str(_INV / "numpy.inv"))),
    "scipy": ("https://docs.scipy.org/doc/scipy", (None, str(_INV / "scipy.inv"))),
}
intersphinx_timeout = 5
if os.environ.get("MINISNN_DOCS_OFFLINE"):  # skip the web entirely (the tests set this: CI has no internet)
    intersphinx_mapping = {key: (url, str(_INV / f"{key}.inv")) for key, (url, _) in intersphinx_mapping.items()}

# -- HTML -----------------------------------------------------------------------------------------------------
html_theme = "furo"
html_title = f"minisnn {release}"
html_static_path = ["_static"]
html_css_files = ["minisnn.css"]
html_theme_options = {"navigation_with_keys": True}
html_last_updated_fmt = None


# -- MathJax: served from the site itself when the docs extra is installed (works offline) ----------------------
def _local_mathjax() -> Path | None:
    """The ``es5`` folder of MathJax 3 from the ``django-static-mathjax`` package, if it is installed."""
    try:
        spec = importlib.util.find_spec("mathjax")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    es5 = Path(next(iter(spec.submodule_search_locations))) / "static" / "mathjax" / "es5"
    return es5 if (es5 / "tex-mml-chtml.js").is_file() else None


MATHJAX = _local_mathjax()
if MATHJAX is not None:
    mathjax_path = "mathjax/tex-mml-chtml.js"  # relative to _static/


def copy_mathjax(app: Any, exception: Exception | None) -> None:
    """Copy the MathJax script, its fonts and its TeX extensions into ``_static/mathjax``."""
    if exception is not None or MATHJAX is None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / "mathjax"
    for part in ("tex-mml-chtml.js", "output/chtml/fonts/woff-v2", "input/tex/extensions", "ui", "a11y"):
        source = MATHJAX / part
        if source.is_dir():
            shutil.copytree(source, target / part, dirs_exist_ok=True)
        elif source.is_file():
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / part)


# -- the tutorials: picked up by glob, copied next to docs/tutorials/index.md -----------------------------------
TUTORIALS = ROOT / "tutorials"


def tutorial_notebooks() -> list[Path]:
    return sorted(TUTORIALS.glob("[0-9]*.ipynb"))


def _write_if_changed(path: Path, data: bytes) -> None:
    """Write only when the content changes, so that Sphinx's incremental build sees no change otherwise."""
    if not path.exists() or path.read_bytes() != data:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def sync_tutorials() -> None:
    target = DOCS / "tutorials"
    wanted = {p.name for p in tutorial_notebooks()}
    for stale in target.glob("[0-9]*.ipynb"):  # a renamed or renumbered notebook leaves no old copy behind
        if stale.name not in wanted:
            stale.unlink()
    for notebook in tutorial_notebooks():
        _write_if_changed(target / notebook.name, notebook.read_bytes())
    solutions = sorted((TUTORIALS / "solutions").glob("*.py"))
    lines = [
        "# Solutions to the exercises",
        "",
        "Try the exercise first: each notebook's check cell tells you what is wrong. In a notebook,",
        "`%run solutions/<file>.py` runs a solution.",
        "",
    ]
    for path in solutions:
        lines += [f"## `{path.name}`", "", f"```{{literalinclude}} ../../tutorials/solutions/{path.name}", "```", ""]
    _write_if_changed(target / "solutions.md", "\n".join(lines).encode())


# -- the command line: the parser's own --help, for the command and each sub-command ----------------------------
def write_cli_help() -> None:
    import argparse

    from minisnn.__main__ import build_parser

    parser = build_parser()
    parser.formatter_class = argparse.HelpFormatter
    os.environ["COLUMNS"] = "100"  # argparse wraps at the terminal width: make the page reproducible
    blocks = [("python -m minisnn --help", parser.format_help())]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                blocks.append((f"python -m minisnn {name} --help", sub.format_help()))
    lines = []
    for command, text in blocks:
        title = command.removesuffix(" --help").removeprefix("python -m ")
        lines += [f"### `{title}`", "", "```text", f"$ {command}", text.rstrip(), "```", ""]
    _write_if_changed(GENERATED / "cli_help.md", "\n".join(lines).encode())


# -- the landing page's figure, drawn by the library -------------------------------------------------------------
def write_landing_figure() -> None:
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from minisnn import LIFParams, plot
    from minisnn.neuron import simulate_lif

    params = LIFParams(R=1.0, C=10.0, dt=0.1, t_ref=2.0)  # τ = RC = 10 ms
    t = np.arange(1000) * params.dt
    current = np.where((t > 10) & (t < 80), 1.5, 0.0) + np.where(t >= 80, 2.5, 0.0)
    result = simulate_lif(current, params)
    fig, ax = plt.subplots(figsize=(8, 3.2), dpi=110)
    plot.membrane_trace(result, ax=ax, current=current, title="A leaky integrate-and-fire neuron (minisnn.neuron)")
    fig.tight_layout()
    png = io.BytesIO()
    fig.savefig(png, format="png", metadata={"Software": None})
    plt.close(fig)
    _write_if_changed(GENERATED / "lif_neuron.png", png.getvalue())


# -- API reference helpers: what each module defines, and links through re-exports --------------------------------
def _is_function(value: Any) -> bool:
    """A function, also behind a decorator that keeps its name (``functools.lru_cache``, ``wraps``)."""
    return inspect.isfunction(inspect.unwrap(value))


def public_modules() -> list[str]:
    """``minisnn`` and every sub-module whose dotted name has no part starting with ``_``."""
    names = ["minisnn"]
    for info in pkgutil.walk_packages(minisnn.__path__, "minisnn."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return sorted(names)


def module_constants(name: str) -> list[str]:
    """Public names bound by a top-level assignment in the module's own source (its constants)."""
    module = importlib.import_module(name)
    source = inspect.getsource(module)
    found: list[str] = []
    for node in ast.parse(source).body:
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets = [node.target]
        for target in targets:
            for leaf in ast.walk(target):
                if isinstance(leaf, ast.Name) and not leaf.id.startswith("_") and leaf.id != "__all__":
                    value = getattr(module, leaf.id, None)
                    if not (inspect.isclass(value) or _is_function(value) or inspect.ismodule(value)):
                        found.append(leaf.id)
    return list(dict.fromkeys(found))


def canonical_names() -> dict[int, str]:
    """id(object) → the dotted name under which the API reference documents it (its defining module)."""
    names: dict[int, str] = {}
    for modname in public_modules():
        module = importlib.import_module(modname)
        for attr, value in vars(module).items():
            if attr.startswith("_"):
                continue
            if (inspect.isclass(value) or _is_function(value)) and value.__module__ == modname:
                names[id(value)] = f"{modname}.{value.__qualname__}"
        for const in module_constants(modname):
            value = getattr(module, const)
            if not isinstance(value, int | float | str | bytes | type(None)):  # interned values share ids
                names.setdefault(id(value), f"{modname}.{const}")
    return names


def import_paths() -> dict[str, list[str]]:
    """Documented name → how users import it: ``from minisnn.nn import SNNConv2d`` (most specific first)."""
    names = _canonical()
    paths: dict[str, list[str]] = {}
    for modname in sorted(public_modules(), key=lambda name: -name.count(".")):
        module = importlib.import_module(modname)
        for attr in getattr(module, "__all__", []) if hasattr(module, "__path__") else []:
            value = getattr(module, attr)
            if not inspect.ismodule(value) and id(value) in names:
                paths.setdefault(names[id(value)], []).append(f"from {modname} import {attr}")
    return paths


def write_api_pages() -> None:
    """``docs/api/<module>.rst`` for every public module: its docstring, then autosummary tables (one page per
    class and function, written by autosummary into ``api/generated/``), its constants and its sub-modules.

    The module pages are written here rather than by autosummary's ``:recursive:`` because ``minisnn.tensor``
    and ``minisnn.gradcheck`` are modules *and* functions re-exported under the same names by ``minisnn``,
    which autosummary's name lookup resolves to the functions.
    """
    names = _canonical()
    modules = public_modules()
    target = DOCS / "api"
    wanted = {f"{name}.rst" for name in modules}
    for stale in target.glob("minisnn*.rst"):
        if stale.name not in wanted:
            stale.unlink()
    stubs: set[str] = set()
    for modname in modules:
        module = importlib.import_module(modname)
        lines = [modname, "=" * len(modname), "", f".. automodule:: {modname}", ""]
        if hasattr(module, "__path__") and hasattr(module, "__all__"):
            exports = [
                names[id(value)]
                for value in (getattr(module, attr) for attr in module.__all__)
                if not inspect.ismodule(value) and id(value) in names
            ]
            if exports:
                lines += [
                    f".. rubric:: Exported by ``{modname}``",
                    "",
                    f"``from {modname} import …`` gives these names; each is documented in the module that defines it.",
                    "",
                    ".. autosummary::",
                    "   :nosignatures:",
                    "",
                    *(f"   ~{name.removeprefix(modname + '.')}" for name in exports),
                    "",
                ]
        defined = [
            (attr, value)
            for attr, value in vars(module).items()
            if not attr.startswith("_")
            and (inspect.isclass(value) or _is_function(value))
            and value.__module__ == modname
        ]
        groups = {
            "Classes": [a for a, v in defined if inspect.isclass(v) and not issubclass(v, BaseException)],
            "Functions": [a for a, v in defined if _is_function(v)],
            "Exceptions": [a for a, v in defined if inspect.isclass(v) and issubclass(v, BaseException)],
        }
        for title, members in groups.items():
            if members:
                lines += [
                    f".. rubric:: {title}",
                    "",
                    ".. autosummary::",
                    "   :toctree: generated",
                    "   :nosignatures:",
                    "",
                ]
                lines += [f"   {name}" for name in members] + [""]
        constants = module_constants(modname)
        if constants:
            lines += [".. rubric:: Constants", ""]
            for const in constants:
                lines += [f".. autodata:: {const}", ""]
        children = [m for m in modules if m.rpartition(".")[0] == modname]
        if children:
            lines += [".. rubric:: Modules", "", ".. toctree::", "   :maxdepth: 1", ""]
            lines += [f"   {child}" for child in children] + [""]
        _write_if_changed(target / f"{modname}.rst", "\n".join(lines).encode())
        stubs.update(f"{modname}.{name}.rst" for members in groups.values() for name in members)
    for stale in (target / "generated").glob("*.rst"):  # a removed or renamed name leaves no page behind
        if stale.name not in stubs:
            stale.unlink()
    autosummary_generate[:] = [f"api/{modname}.rst" for modname in modules]


def drop_type_docstrings(app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
    """A constant without a doc comment gets no docstring (autodoc would show its type's: ``dict()`` → …)."""
    if what in ("data", "attribute") and lines and not inspect.isclass(obj):
        type_doc = inspect.getdoc(type(obj)) or ""
        if " ".join("\n".join(lines).split()) == " ".join(type_doc.split()):
            lines.clear()


def _array_like_expansions() -> list[str]:
    """How Sphinx writes out ``numpy.typing.ArrayLike`` when a module's annotations are not strings."""
    from numpy.typing import ArrayLike
    from sphinx.util.typing import stringify_annotation

    modes = ("smart", "fully-qualified-except-typing", "fully-qualified")
    return sorted({stringify_annotation(ArrayLike, mode) for mode in modes}, key=len, reverse=True)


def tidy_signature(
    app: Any, what: str, name: str, obj: Any, options: Any, signature: str | None, annotation: str | None
):
    """Readable, parseable signatures: ``ArrayLike`` rather than its expansion into NumPy's private types, and a
    dataclass field's ``default_factory`` shown as a call (autodoc writes ``<factory>``, which is not Python)."""
    if signature is None:
        return None
    for expansion in _array_like_expansions():
        signature = signature.replace(expansion, "~numpy.typing.ArrayLike")
    if "<factory>" in signature and dataclasses.is_dataclass(obj):
        for field in dataclasses.fields(obj):
            factory = field.default_factory
            if factory is not dataclasses.MISSING:
                call = f"{factory.__name__}()" if factory.__name__ != "<lambda>" else "..."
                signature = re.sub(rf"(\b{field.name}: [^=]*=\s*)<factory>", rf"\g<1>{call}", signature)
    return signature, annotation


def napoleon_attributes_as_prose(app: Any) -> None:
    """Napoleon reads the first line of an attribute's or property's docstring as ``type: description``.

    minisnn's attribute docstrings are prose (``"Rheobase: the smallest current …"``), and their "types" become
    broken cross-references, so napoleon sees them as ordinary docstrings (its sections still work).
    """
    from sphinx.ext import napoleon

    for listener in list(app.events.listeners["autodoc-process-docstring"]):
        if listener.handler is napoleon._process_docstring:
            app.disconnect(listener.id)

            def process(app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
                kind = "object" if what in ("attribute", "data", "property") else what
                napoleon._process_docstring(app, kind, name, obj, options, lines)

            app.connect("autodoc-process-docstring", process, priority=listener.priority)


def resolve_reexports(app: Any, env: Any, node: Any, contnode: Any) -> Any:
    """Resolve names that point at a re-export rather than at the documented definition.

    * ``minisnn.nn.SNNConv2d`` (a re-export) → ``minisnn.nn.snn_conv.SNNConv2d`` (where it is documented);
    * ``numpy.random._generator.Generator`` (what a type hint names) → ``numpy.random.Generator`` (what NumPy
      documents), likewise for SciPy; ``np.ndarray`` → ``numpy.ndarray``.
    """
    if node.get("refdomain") != "py":
        return None
    target, module, cls = node["reftarget"], node.get("py:module"), node.get("py:class")
    if target.startswith(("np.", "numpy.", "scipy.")):
        from sphinx.ext.intersphinx import missing_reference

        parts = ("numpy" + target[2:] if target.startswith("np.") else target).split(".")
        public = [part for part in parts[:-1] if not part.startswith("_")]
        for depth in range(len(public), 0, -1):  # the longest public package that re-exports the name
            for reftype in dict.fromkeys([node["reftype"], "obj"]):  # a type alias is documented as data
                retarget = node.deepcopy()
                retarget["reftarget"], retarget["reftype"] = ".".join([*public[:depth], parts[-1]]), reftype
                found = missing_reference(app, env, retarget, contnode)
                if found is not None:
                    return found
        return None
    candidates = [target] + ([f"{module}.{target}"] if module else []) + ([f"{module}.{cls}.{target}"] if cls else [])
    canonical = _canonical()
    for dotted in candidates:
        obj = _lookup(dotted)
        name = canonical.get(id(obj)) if obj is not None else None
        function = inspect.unwrap(getattr(obj, "__func__", getattr(obj, "fget", obj)))
        if name is None and inspect.isfunction(function) and function.__module__.startswith("minisnn"):
            name = f"{function.__module__}.{function.__qualname__}"  # a method, found through a re-export
        if name is not None and name != dotted:
            retarget = node.deepcopy()
            retarget["reftarget"], retarget["py:module"], retarget["py:class"] = name, None, None
            domain = env.get_domain("py")
            return domain.resolve_xref(env, node["refdoc"], app.builder, node["reftype"], name, retarget, contnode)
    return None


_CANONICAL: dict[int, str] = {}


def _canonical() -> dict[int, str]:
    if not _CANONICAL:
        _CANONICAL.update(canonical_names())
    return _CANONICAL


def _lookup(dotted: str) -> Any:
    """The object a dotted name of minisnn refers to, or None."""
    if not dotted.startswith("minisnn"):
        return None
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        try:
            for attr in parts[split:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return obj
    return None


def viewcode_constants_stay_home(app: Any, modname: str, attribute: str) -> str | None:
    """A constant is documented in its own module; viewcode would follow ``(1, 2).__module__`` to ``builtins``
    and list a "builtins" source page that it never writes (a broken link on ``_modules/index.html``)."""
    value = _lookup(f"{modname}.{attribute}")
    if value is not None and not (inspect.isclass(value) or inspect.isroutine(value) or inspect.ismodule(value)):
        return modname
    return None


# -- links in the included README files ---------------------------------------------------------------------------
# repository path → the page that renders it (absolute MyST paths are relative to docs/)
REPO_LINKS = {
    "README.md": "/index.md",
    "tutorials/README.md": "/tutorials/index.md",
    "tutorials/solutions": "/tutorials/solutions.md",
    "tutorials/checkpoints/README.md": "/checkpoints.md",
    "benchmarks/README.md": "/benchmarks.md",
}
_LINK = re.compile(r"\]\((?!https?:|mailto:|#|/)([^)\s]+)\)")


def rewrite_repo_links(app: Any, relative_path: Path, parent_docname: str, content: list[str]) -> None:
    """In an included repository file, point relative links at the pages that render their targets."""
    source = (Path(app.srcdir) / relative_path).resolve()
    try:
        source_dir = source.parent.relative_to(ROOT)
    except ValueError:
        return

    def replace(match: re.Match[str]) -> str:
        target, _, anchor = match.group(1).partition("#")
        repo_path = os.path.normpath(source_dir / target).rstrip("/")
        page = REPO_LINKS.get(repo_path)
        if page is None and repo_path.startswith("tutorials/") and repo_path.endswith(".ipynb"):
            page = "/" + repo_path  # the copy in docs/tutorials/ (a missing notebook fails the build)
        if page is None:
            return match.group(0)  # left as is: MyST reports it, and -W fails the build
        return f"]({page}{'#' + anchor if anchor else ''})"

    content[0] = _LINK.sub(replace, content[0])


def setup(app: Any) -> None:
    sync_tutorials()
    write_cli_help()
    write_landing_figure()
    write_api_pages()
    napoleon_attributes_as_prose(app)
    app.connect("autodoc-process-docstring", drop_type_docstrings, priority=400)
    app.connect("autodoc-process-signature", tidy_signature)
    app.config.autosummary_context = {"import_paths": import_paths()}
    app.connect("viewcode-follow-imported", viewcode_constants_stay_home)
    app.connect("include-read", rewrite_repo_links)
    app.connect("missing-reference", resolve_reexports)
    app.connect("build-finished", copy_mathjax)
