"""The documentation site: it builds without a warning, and it works in a real browser.

One session-scoped build (``python -m sphinx -W --keep-going -b html docs <tmp>``, the
documented command) is served on 127.0.0.1 and opened in headless Chromium (Debian's
``chromium`` and ``chromium-driver`` packages, driven by selenium with the driver's path
given, so nothing is downloaded). Checked: the index, a model page, the API page and a
tutorial load without console errors and with every image loaded; every internal link
of the site (page and anchor) resolves; the built-in search finds ``adex``. A screenshot
of the model page is kept in ``$NEUROPLUG_ARTIFACTS`` (default ``tests/artifacts/``).

Without Chromium, its driver, selenium or Sphinx the browser checks are skipped with the
reason, unless ``NEUROPLUG_REQUIRE_HW`` is set (CI), where a missing tool fails.
"""

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

import pytest

from tests.hw_helpers import REQUIRE_HW

ROOT = Path(__file__).resolve().parent.parent

#: one worker runs this file (--dist loadgroup), so the site is built once per session
pytestmark = pytest.mark.xdist_group("site")

#: the pages the browser opens: the index, a model page, the API page, a tutorial
PAGES = ["index.html", "catalog/adex.html", "api/library.html", "tutorials/ei_network.html"]
MODEL_PAGE = "catalog/adex.html"


def _missing(why: str):
    if REQUIRE_HW:
        pytest.fail(f"NEUROPLUG_REQUIRE_HW is set but {why}")
    pytest.skip(why)


def _chromium() -> tuple[str, str]:
    """Paths of the Chromium binary and of its driver (skip/fail when absent)."""
    browser = next((shutil.which(n) for n in ("chromium", "chromium-browser")
                    if shutil.which(n)), None)
    driver = shutil.which("chromedriver")
    if browser is None:
        _missing("chromium is not installed (apt-get install chromium)")
    if driver is None:
        _missing("chromedriver is not installed (apt-get install chromium-driver)")
    return browser, driver


# ---------------------------------------------------------------------------- build
@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """The site, built once per session with the documented command (warnings are errors)."""
    try:
        import sphinx  # noqa: F401
    except ImportError:
        _missing('Sphinx is not installed (pip install ".[docs]")')
    out = tmp_path_factory.mktemp("site") / "html"
    t0 = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         "-d", str(out.parent / "doctrees"), "docs", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=900, check=False,
        env=dict(os.environ, JAX_PLATFORMS="cpu"))
    assert proc.returncode == 0, f"the Sphinx build failed or warned:\n{proc.stderr[-6000:]}"
    print(f"site built in {time.monotonic() - t0:.1f} s")
    return out


def test_site_builds_without_warnings(site):
    # the build itself ran with -W in the fixture; the pages this test suite relies on
    for page in PAGES + ["search.html", "searchindex.js", "api/index.html",
                         "catalog/README.html", "tutorials/index.html"]:
        assert (site / page).is_file(), f"{page} is missing from the site"
    pages = list(site.rglob("*.html"))
    assert len(pages) > 100, len(pages)


# ---------------------------------------------------------------------------- links
class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and a.get("name"):
            self.ids.add(a["name"])
        for key in ("href", "src"):
            if tag in ("a", "link", "img", "script") and a.get(key):
                self.links.append(a[key])


@functools.cache
def _parse(path: Path) -> _Links:
    p = _Links()
    p.feed(path.read_text(encoding="utf-8", errors="replace"))
    return p


def test_every_internal_link_resolves(site):
    """Every relative href/src of every page names an existing file, and every
    ``#anchor`` into an HTML page names an id on it (an equivalent of Sphinx's linkcheck
    for internal links, offline)."""
    broken = []
    pages = sorted(site.rglob("*.html"))
    for page in pages:
        for link in _parse(page).links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith(("mailto:", "javascript:")):
                continue                      # external: not this test's business
            path, frag = urldefrag(link)
            target = page if not path else (page.parent / unquote(urlsplit(path).path))
            target = target.resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(site)}: {link} (no such file)")
                continue
            if frag and target.suffix == ".html" and unquote(frag) not in _parse(target).ids:
                broken.append(f"{page.relative_to(site)}: {link} (no such anchor)")
    assert not broken, f"{len(broken)} broken internal links:\n" + "\n".join(broken[:50])


# ---------------------------------------------------------------------------- browser
@pytest.fixture(scope="session")
def server(site):
    """The site on http://127.0.0.1:<free port>/ (a thread of this process)."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def browser():
    binary, driver_path = _chromium()
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _missing('selenium is not installed (pip install ".[docs]")')
    opts = webdriver.ChromeOptions()
    opts.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1600", "--hide-scrollbars"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # the driver's path is given, so selenium-manager is never asked to download one
    drv = webdriver.Chrome(service=Service(executable_path=driver_path), options=opts)
    drv.set_page_load_timeout(60)
    yield drv
    drv.quit()


def _load(drv, url):
    drv.get(url)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if drv.execute_script("return document.readyState") == "complete" and \
                drv.execute_script("return Array.from(document.images).every(i => i.complete)"):
            return
        time.sleep(0.1)
    raise AssertionError(f"{url} did not finish loading in 30 s")


def _console_errors(drv) -> list[str]:
    return [f"{e['level']}: {e['message']}" for e in drv.get_log("browser")
            if e["level"] in ("SEVERE", "ERROR")]


@pytest.mark.parametrize("page", PAGES)
def test_page_loads_in_chromium(browser, server, page):
    browser.get_log("browser")                       # drop what earlier pages logged
    _load(browser, server + page)
    title = browser.title
    assert title and "404" not in title, title
    errors = _console_errors(browser)
    assert not errors, f"console errors on {page}:\n" + "\n".join(errors)
    images = browser.execute_script(
        "return Array.from(document.images).map(i => [i.currentSrc || i.src, i.naturalWidth])")
    broken = [src for src, width in images if not width]
    assert not broken, f"images that did not load on {page}: {broken}"
    if page.startswith("tutorials/"):
        assert images, f"{page} shows no figure"
    text = browser.find_element("tag name", "body").text
    assert len(text) > 200, f"{page} looks empty"


def test_model_page_screenshot(browser, server):
    _load(browser, server + MODEL_PAGE)
    assert "adex" in browser.title.lower()
    body = browser.find_element("tag name", "body").text
    assert "Adaptive exponential integrate-and-fire" in body and "V_peak" in body
    folder = Path(os.environ.get("NEUROPLUG_ARTIFACTS") or ROOT / "tests" / "artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    shot = folder / "site-model-page-adex.png"
    assert browser.save_screenshot(str(shot)), "Chromium took no screenshot"
    assert shot.stat().st_size > 10_000
    print(f"screenshot: {shot}")


def test_search_finds_adex(browser, server):
    browser.get_log("browser")
    _load(browser, server + "search.html?q=adex")
    deadline = time.monotonic() + 30
    hrefs = []
    while time.monotonic() < deadline:
        hrefs = browser.execute_script(
            "return Array.from(document.querySelectorAll('#search-results li a'))"
            ".map(a => a.getAttribute('href'))")
        if hrefs:
            break
        time.sleep(0.2)
    assert hrefs, "the search for 'adex' shows no result"
    assert any("catalog/adex.html" in h for h in hrefs), hrefs
    errors = _console_errors(browser)
    assert not errors, "console errors on the search page:\n" + "\n".join(errors)
