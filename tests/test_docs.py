"""The documentation site: it builds with no Sphinx warning, has no broken internal link, documents every public
name, and renders in a real browser (headless Chromium: the title, typeset equations, the tutorial's figures).

The site is built once per session, offline (``MINISNN_DOCS_OFFLINE=1``: cross-references to Python, NumPy and
SciPy resolve against the inventories in ``docs/_intersphinx/``), exactly as the README's command builds it.
Set ``MINISNN_DOCS_SCREENSHOTS=<folder>`` to keep the browser test's screenshots.
"""

from __future__ import annotations

import functools
import http.server
import importlib
import inspect
import json
import os
import pkgutil
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

import minisnn

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
NOTEBOOKS = sorted((ROOT / "tutorials").glob("[0-9]*.ipynb"))

pytestmark = pytest.mark.slow


@dataclass
class Site:
    html: Path
    returncode: int
    log: str
    seconds: float

    def page(self, name: str) -> Path:
        if self.returncode != 0 and not (self.html / "index.html").exists():
            pytest.fail(f"the documentation did not build:\n{self.log}")
        return self.html / name


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    for module in ("sphinx", "myst_nb", "furo"):
        pytest.importorskip(module, reason='the docs build needs the docs extra: pip install -e ".[docs]"')
    out = tmp_path_factory.mktemp("docs")
    command = [sys.executable, "-m", "sphinx", "-n", "-W", "--keep-going", "-q", "-b", "html"]
    command += ["-d", str(out / "doctrees"), str(DOCS), str(out / "html")]
    env = {**os.environ, "MINISNN_DOCS_OFFLINE": "1", "PYTHONWARNINGS": "ignore"}
    start = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    return Site(out / "html", result.returncode, result.stdout + result.stderr, time.perf_counter() - start)


def test_site_builds_with_no_warning_and_no_broken_reference(site: Site) -> None:
    """``-n -W --keep-going``: any Sphinx or docutils warning, unresolved cross-reference or missing document fails."""
    assert site.returncode == 0, f"sphinx-build reported (all warnings are errors):\n{site.log}"
    print(f"docs build: {site.seconds:.0f} s")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            if value is not None and (name == "src" or (name == "href" and tag in ("a", "link"))):
                self.links.append(value)


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_no_broken_internal_link(site: Site) -> None:
    """Every relative href/src of every page points at a file of the site, and every #fragment at an id there."""
    pages = sorted(site.page("").rglob("*.html"))
    parsed = {page: _parse(page) for page in pages}
    broken = []
    for page, links in parsed.items():
        for link in links.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith(("mailto:", "data:", "javascript:")):
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(site.html)}: {link} (no such file)")
            elif parts.fragment and target.suffix == ".html":
                ids = parsed[target].ids if target in parsed else _parse(target).ids
                if unquote(parts.fragment) not in ids:
                    broken.append(f"{page.relative_to(site.html)}: {link} (no id {parts.fragment!r} there)")
    assert not broken, f"{len(broken)} broken internal links:\n" + "\n".join(broken[:50])


def _image_outputs(notebook: Path) -> int:
    cells = json.loads(notebook.read_text())["cells"]
    return sum(
        any(mime.startswith("image/") for mime in output.get("data", {}))
        for cell in cells
        for output in cell.get("outputs", [])
    )


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_every_tutorial_is_rendered_with_its_figures(site: Site, notebook: Path) -> None:
    page = site.page(f"tutorials/{notebook.stem}.html")
    assert page.exists(), f"{notebook.name} is not on the site"
    images = [link for link in _parse(page).links if link.startswith("../_images/")]
    assert len(images) >= _image_outputs(notebook) > 0, f"{page.name}: {len(images)} images"
    assert all((page.parent / link).resolve().is_file() for link in images)


def _public_modules() -> list[str]:
    names = ["minisnn"]
    for info in pkgutil.walk_packages(minisnn.__path__, "minisnn."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return names


def test_api_reference_documents_every_public_name(site: Site) -> None:
    """Each public module has a page, and every name in an ``__all__`` (or, without one, every public class and
    function a module defines) is in the site's inventory under the module that defines it."""
    from sphinx.util.inventory import InventoryFile

    with open(site.page("objects.inv"), "rb") as stream:
        inventory = InventoryFile.load(stream, "", lambda base, uri: uri)
    documented = {name for kind, entries in inventory.items() if kind.startswith("py:") for name in entries}
    missing = []
    for modname in _public_modules():
        module = importlib.import_module(modname)
        if not site.page(f"api/{modname}.html").exists():
            missing.append(f"{modname} (no page)")
        names = getattr(module, "__all__", None)
        if names is None:
            names = [
                name
                for name, value in vars(module).items()
                if not name.startswith("_")
                and (inspect.isclass(value) or inspect.isfunction(inspect.unwrap(value)))
                and value.__module__ == modname
            ]
        for name in names:
            value = getattr(module, name)
            if inspect.ismodule(value):
                continue
            if inspect.isclass(value) or inspect.isfunction(inspect.unwrap(value)):
                if f"{value.__module__}.{value.__qualname__}" not in documented:
                    missing.append(f"{modname}.{name}")
            elif not any(entry.endswith(f".{name}") for entry in documented):  # a constant, where it is defined
                missing.append(f"{modname}.{name}")
    assert not missing, "not in the API reference: " + ", ".join(missing)


def test_command_line_page_shows_every_subcommand(site: Site) -> None:
    from minisnn.__main__ import build_parser

    text = site.page("cli.html").read_text()
    subcommands = next(a for a in build_parser()._actions if a.__class__.__name__ == "_SubParsersAction").choices
    for name in subcommands:
        assert f"python -m minisnn {name} --help" in text, name


def test_site_serves_its_own_mathjax(site: Site) -> None:
    """The equations do not depend on a CDN: the site works offline (and in CI's closed network)."""
    text = site.page("index.html").read_text()
    assert 'src="_static/mathjax/tex-mml-chtml.js"' in text, "MathJax is not bundled: pip install django-static-mathjax"
    assert site.page("_static/mathjax/tex-mml-chtml.js").is_file()
    assert list(site.page("_static/mathjax/output/chtml/fonts/woff-v2").glob("*.woff"))


# ------------------------------------------------------------------------------------------------ in a browser
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1600",
]


@pytest.fixture(scope="module")
def server(site: Site):
    handler = functools.partial(_QuietHandler, directory=str(site.page("")))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    chromedriver = shutil.which("chromedriver")
    if chromium is None or chromedriver is None:
        pytest.skip(
            "headless Chromium is not installed (Debian: apt-get install -y chromium chromium-driver; "
            ".ci/run does this when it runs as root)"
        )
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium comes with the test extra")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"]:
        options.add_argument(flag)
    os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium Manager download a browser or a driver
    driver = webdriver.Chrome(options=options, service=Service(executable_path=chromedriver))
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def _snnconv2d_tutorial() -> Path:
    (notebook,) = [p for p in NOTEBOOKS if p.stem.endswith("_snnconv2d")]
    return notebook


SNNCONV2D = f"{minisnn.SNNConv2d.__module__}.{minisnn.SNNConv2d.__qualname__}"
PAGES = {
    "landing": ("index.html", "minisnn", None),
    "tutorial": (f"tutorials/{_snnconv2d_tutorial().stem}.html", "SNNConv2d", _snnconv2d_tutorial()),
    "api": (f"api/generated/{SNNCONV2D}.html", "SNNConv2d", None),
}

STATE = """
const maths = [...document.querySelectorAll('.math')];
const images = [...document.querySelectorAll('article img')];
return {
  title: document.title,
  h1: (document.querySelector('article h1') || {}).textContent || '',
  maths: maths.length,
  typeset: maths.filter(e => e.querySelector('mjx-container')).length,
  errors: document.querySelectorAll('mjx-merror').length,
  images: images.length,
  loaded: images.filter(i => i.complete && i.naturalWidth > 0).length,
  broken: images.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src')),
  signature: !!document.getElementById(arguments[0]),
};
"""


@pytest.mark.parametrize("name", PAGES)
def test_page_renders_in_headless_chromium(browser, site: Site, server: str, name: str, tmp_path: Path) -> None:
    """The title is right, every equation was typeset by MathJax (without a TeX error), and every image loaded."""
    from selenium.webdriver.support.ui import WebDriverWait

    path, title, notebook = PAGES[name]
    assert site.page(path).exists(), path
    browser.get(f"{server}/{path}")

    def settled(driver):
        state = driver.execute_script(STATE, SNNCONV2D)
        done = state["typeset"] == state["maths"] and state["loaded"] == state["images"]
        return state if done else False

    try:
        state = WebDriverWait(browser, 60, poll_frequency=0.25).until(settled)
    except Exception:
        state = browser.execute_script(STATE, SNNCONV2D)
    shots = Path(os.environ.get("MINISNN_DOCS_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(shots / f"{name}.png"))
    if state["images"] and name != "landing":  # and one with the first figure in view
        browser.execute_script(
            "const figure = [...document.querySelectorAll('article img')].find(i => i.naturalWidth > 200);"
            "if (figure) figure.scrollIntoView({behavior: 'instant', block: 'center'});"
        )
        browser.save_screenshot(str(shots / f"{name}-figure.png"))

    assert title in state["title"] and title in state["h1"], state
    assert state["typeset"] == state["maths"], f"MathJax typeset {state['typeset']} of {state['maths']} equations"
    assert state["errors"] == 0, f"{state['errors']} TeX errors on {path}"
    assert not state["broken"], f"images that did not load: {state['broken']}"
    if name in ("landing", "tutorial"):
        assert state["maths"] > 0, f"no equations on {path}"
    if notebook is not None:
        assert state["loaded"] >= _image_outputs(notebook) > 0, state
    if name == "api":
        assert state["signature"], f"no signature with id {SNNCONV2D} on {path}"
