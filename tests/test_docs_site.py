"""The built site renders in a real browser: headless Chromium (Debian's package), driven over
the DevTools protocol on a pipe, opens the index, the API page and the tutorial of build/docs
and checks what a reader would see. Screenshots are kept in build/docs-screenshots/ as CI artifacts.

`make docs` builds the site and runs this with NDES_DOCS=1, where a missing site or browser is
a failure; in a plain `make test` with no site built, the module is skipped and says why.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import struct
import subprocess
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import ndes

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "build" / "docs"
SHOTS = ROOT / "build" / "docs-screenshots"
WIDTH, HEIGHT = 1280, 1000
TIMEOUT = 60  # seconds for one answer of the browser's, on a busy two-core machine
GUIDE_PAGES = {
    "installation",
    "quickstart",
    "tutorial",
    "connector",
    "client",
    "bulk",
    "async",
    "emulator",
    "backends",
    "cli",
    "logging",
    "performance",
    "reliability",
    "publishing",
    "changelog",
    "api",
}


class Chromium:
    """One headless browser and one tab, spoken to with the DevTools protocol over fds 3/4."""

    def __init__(self, exe: str, profile: Path) -> None:
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def fds_3_and_4() -> None:
            a, b = os.dup(to_browser_r), os.dup(from_browser_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "ASAN_OPTIONS")}
        self.proc = subprocess.Popen(
            [
                exe,
                "--headless",
                "--no-sandbox",  # CI runs as root
                "--disable-gpu",
                "--remote-debugging-pipe",
                f"--user-data-dir={profile}",
                f"--window-size={WIDTH},{HEIGHT}",
                "about:blank",
            ],
            pass_fds=(3, 4),
            preexec_fn=fds_3_and_4,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._next_id = 0
        self._buffer = b""
        self.events: list[dict[str, Any]] = []
        # A tab of our own: the one the browser opens at start may not exist yet.
        page = self.call("Target.createTarget", url="about:blank")
        attached = self.call("Target.attachToTarget", targetId=page["targetId"], flatten=True)
        self.session = attached["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable", session=True)
        self.call(
            "Emulation.setDeviceMetricsOverride",
            session=True,
            width=WIDTH,
            height=HEIGHT,
            deviceScaleFactor=1,
            mobile=False,
        )

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_browser], [], [], left)[0]:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                raise ConnectionError("Chromium closed the pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, session: bool = False, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        request: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session:
            request["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(request).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT
        while True:
            message = self._read(deadline)
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]
            self.events.append(message)

    def open(self, url: str) -> None:
        self.events.clear()
        self.call("Page.navigate", session=True, url=url)
        deadline = time.monotonic() + TIMEOUT
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            self.events.append(self._read(deadline))

    def js(self, expression: str) -> Any:
        result = self.call(
            "Runtime.evaluate", session=True, expression=expression, returnByValue=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def problems(self) -> list[str]:
        """Script exceptions, console errors and failed loads (a missing CSS or JS file)."""
        found = []
        for e in self.events:
            method, params = e.get("method"), e.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(str(params["exceptionDetails"].get("text")))
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                found.append(f"{params['entry'].get('text')} {params['entry'].get('url', '')}")
            elif method == "Runtime.consoleAPICalled" and params["type"] == "error":
                found.append(str(params["args"]))
        return found

    def screenshot(self, path: Path) -> bytes:
        png = base64.b64decode(self.call("Page.captureScreenshot", session=True)["data"])
        path.write_bytes(png)
        return png

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except (ConnectionError, TimeoutError, RuntimeError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chromium]:
    exe = shutil.which("chromium")
    missing = [
        what
        for what, there in (("build/docs", (SITE / "index.html").exists()), ("chromium", exe))
        if not there
    ]
    if missing:
        if os.environ.get("NDES_DOCS") == "1":
            pytest.fail(f"missing {', '.join(missing)}: `make docs` builds and installs them")
        pytest.skip(f"no {', '.join(missing)}: `make docs` builds the site and runs this test")
    SHOTS.mkdir(parents=True, exist_ok=True)
    chromium = Chromium(str(exe), tmp_path_factory.mktemp("chromium-profile"))
    yield chromium
    chromium.close()


def png_colours(png: bytes) -> tuple[int, int, int]:
    """(width, height, distinct colours in the first rows) of an 8-bit RGB or RGBA PNG, so a
    blank or unstyled capture can be told from a page."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind, data = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        header = data if kind == b"IHDR" else header
        idat += data if kind == b"IDAT" else b""
        pos += 12 + length
    width, height, depth, colour_type = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour_type in (2, 6), (depth, colour_type)
    channels = 3 if colour_type == 2 else 4
    raw = zlib.decompress(idat)
    stride = 1 + width * channels
    colours: set[bytes] = set()
    previous = bytearray(width * channels)
    for row in range(min(height, 200)):  # undo the PNG filters of the first 200 rows
        kind, line = raw[row * stride], bytearray(raw[row * stride + 1 : (row + 1) * stride])
        for i in range(len(line)):
            a = line[i - channels] if i >= channels else 0
            b = previous[i]
            c = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        colours.update(bytes(line[i : i + 3]) for i in range(0, len(line), channels))
        previous = line
    return width, height, len(colours)


def check_laid_out(browser: Chromium) -> None:
    """furo's stylesheet is applied: the navigation sits left of the article, not above it."""
    nav_right = browser.js(
        "document.querySelector('.sidebar-drawer').getBoundingClientRect().right"
    )
    article_left = browser.js("document.querySelector('article').getBoundingClientRect().left")
    assert nav_right <= article_left, (nav_right, article_left)


def test_index_renders_and_reaches_every_page(browser: Chromium):
    browser.open((SITE / "index.html").as_uri())
    assert browser.problems() == []
    assert browser.js("document.title").startswith("ndes")
    check_laid_out(browser)
    linked = browser.js(
        "[...document.querySelectorAll('.sidebar-tree a.reference.internal')]"
        ".map(a => a.getAttribute('href'))"
    )
    assert {h.removesuffix(".html") for h in linked} == GUIDE_PAGES
    assert browser.js("document.querySelector('article pre') !== null")  # the code example
    png = browser.screenshot(SHOTS / "index.png")
    width, height, colours = png_colours(png)
    assert (width, height) == (WIDTH, HEIGHT) and colours > 20, (width, height, colours)


def test_api_page_shows_the_c_type_from_the_extension(browser: Chromium):
    browser.open((SITE / "api.html").as_uri())
    assert browser.problems() == []
    check_laid_out(browser)

    def plain(shown: str) -> str:  # as in the docstring: one space, no typographic quotes
        return " ".join(shown.split()).replace("\u2019", "'")

    def text(anchor: str) -> str:
        return plain(browser.js(f"document.getElementById({json.dumps(anchor)}).innerText"))

    def described(anchor: str) -> str:
        return plain(
            browser.js(
                f"document.getElementById({json.dumps(anchor)}).nextElementSibling.innerText"
            )
        )

    assert ndes.NdesConnector.__doc__.split(".")[0] in described("ndes.NdesConnector")
    assert "display_name=None" in text("ndes.NdesConnector")
    # method signatures from the stub, docstrings from the extension
    assert "to_json() → bytes" in text("ndes.NdesConnector.to_json")
    assert described("ndes.NdesConnector.to_json") == ndes.NdesConnector.to_json.__doc__
    assert "from_json(data: bytes | bytearray" in text("ndes.NdesConnector.from_json")
    assert ndes.NdesConnector.display_name.__doc__ in described("ndes.NdesConnector.display_name")
    for anchor in (
        "ndes.Client.create",
        "ndes.AsyncClient.create",
        "ndes.errors.OutcomeUnknownError",
        "ndes.emulator.serve",
    ):
        assert text(anchor), anchor
    png = browser.screenshot(SHOTS / "api.png")
    width, height, colours = png_colours(png)
    assert (width, height) == (WIDTH, HEIGHT) and colours > 20, (width, height, colours)


def test_tutorial_page_shows_the_notebooks_outputs(browser: Chromium):
    """The notebook is rendered with the outputs stored in it (nb_execution_mode "off"): a
    connector's table and a DataFrame's, as a reader of the site sees them."""
    browser.open((SITE / "tutorial.html").as_uri())
    assert browser.problems() == []
    check_laid_out(browser)
    captions = browser.js(
        "[...document.querySelectorAll('article .output table caption')].map(c => c.innerText)"
    )
    assert any("NdesConnector" in c for c in captions), captions
    headers = browser.js(
        "[...document.querySelectorAll('article .output table.dataframe th')]"
        ".map(th => th.innerText)"
    )
    assert "state" in headers, headers
    png = browser.screenshot(SHOTS / "tutorial.png")
    width, height, colours = png_colours(png)
    assert (width, height) == (WIDTH, HEIGHT) and colours > 20, (width, height, colours)
