"""Every code block in README.md and docs/*.md runs, so that none can drift from the code.

Python blocks of one file run in order in one namespace, as a reader pastes them. Blocks that
talk to a tenant run against the emulator: for each file the test swaps the default backend of
``ndes.Client`` (``backend=None``, which means urllib, also under ``ndes.create``) for one that
hands requests for Graph's own URL to an in-process ``EmulatorBackend`` and any other (an
emulator the block serves itself) to urllib as before, after checking the block's ``proxy=``
and ``verify=`` by making a urllib backend with them; sets ``NDES_TOKEN``, and answers
azure-identity's ``DefaultAzureCredential.get_token``; then it checks the emulator saw what the
block sent with those tokens. A block that defines pytest tests is run by pytest in a
subprocess. In shell blocks, every ``ndes ...`` line must parse with the CLI's own parser and
every ``make X`` must name a Makefile target. Sphinx directives (```{toctree}`` and the like)
are checked by the ``make docs`` build itself, which fails on any warning.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

import ndes
import ndes.client
from ndes import HttpRequest, HttpResponse
from ndes.backends import UrllibBackend
from ndes.emulator import EmulatorBackend

ROOT = Path(__file__).resolve().parents[1]
FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```[ \t]*$", re.M | re.S)
RUN_LANGUAGES = {"python", "sh"}
SHOWN_LANGUAGES = {"text", "json"}  # displayed only
ENV_TOKEN = "docs-env-token"
AZURE_TOKEN = "docs-azure-token"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"


def blocks(path: Path) -> list[tuple[str, str, int]]:
    """(language or {directive}, code, line of its first line) for each fenced block."""
    text = path.read_text()
    return [
        ((m.group(1).split() or [""])[0], m.group(2), text.count("\n", 0, m.start()) + 2)
        for m in FENCE.finditer(text)
    ]


def test_the_pages_and_readme_have_blocks():
    assert len(FILES) >= 10, FILES
    counts = {p.name: sum(lang == "python" for lang, _, _ in blocks(p)) for p in FILES}
    assert counts["README.md"] >= 4 and counts["quickstart.md"] >= 3, counts


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_fence_has_a_known_language(path: Path):
    for lang, _, line in blocks(path):
        directive = lang.startswith("{") and lang.endswith("}")
        known = RUN_LANGUAGES | SHOWN_LANGUAGES
        assert directive or lang in known, f"{path.name}:{line}: fence {lang!r}"


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # its parent package is missing
        return False


def _needs(code: str) -> list[str]:
    mods = re.findall(r"^\s*(?:from|import)\s+([\w.]+)", code, re.M)
    return [m for m in mods if not _installed(m)]


class TenantIsEmulator:
    """The default backend while a page runs: Graph is the emulator, anything else is urllib."""

    def __init__(self) -> None:
        self.graph = EmulatorBackend()
        self.elsewhere = UrllibBackend()

    def send(self, request: HttpRequest) -> HttpResponse:
        if request.url.startswith(ndes.client.DEFAULT_BASE_URL + "/"):
            return self.graph.send(request)
        return self.elsewhere.send(request)

    def close(self) -> None:  # shared by every client a page makes; closed by the fixture
        pass


class AsyncTenantIsEmulator:
    """The same for ndes.AsyncClient's default backend."""

    def __init__(self, sync: TenantIsEmulator) -> None:
        self.sync = sync

    async def send(self, request: HttpRequest) -> HttpResponse:
        return self.sync.send(request)

    async def aclose(self) -> None:
        pass


@pytest.fixture
def tenant(monkeypatch: pytest.MonkeyPatch):
    """The emulator in place of a tenant: ndes.Client's default backend, NDES_TOKEN and
    DefaultAzureCredential. Gives the emulator's backend and the scopes azure was asked for."""
    default = TenantIsEmulator()

    def default_backend(self: object, *, proxy: str | None, verify: bool | str) -> object:
        UrllibBackend(proxy=proxy, verify=verify).close()  # a bad proxy or CA path still fails
        return default

    monkeypatch.setattr(ndes.client.Client, "_default_backend", default_backend)
    monkeypatch.setattr(
        ndes.AsyncClient, "_default_backend", lambda self, **o: AsyncTenantIsEmulator(default)
    )
    monkeypatch.setenv("NDES_TOKEN", ENV_TOKEN)
    scopes: list[tuple[str, ...]] = []
    if _installed("azure.identity"):
        from azure.core.credentials import AccessToken
        from azure.identity import DefaultAzureCredential

        def get_token(self: object, *asked: str, **kwargs: object) -> AccessToken:
            scopes.append(asked)
            return AccessToken(AZURE_TOKEN, int(time.time()) + 3600)

        monkeypatch.setattr(DefaultAzureCredential, "get_token", get_token)
    yield default.graph, scopes
    default.elsewhere.close()


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_python_blocks_run(path: Path, tenant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    backend, scopes = tenant
    python = [(code, line) for lang, code, line in blocks(path) if lang == "python"]
    missing = sorted({m for code, _ in python for m in _needs(code)})
    if missing:
        if os.environ.get("NDES_DOCS") == "1":
            pytest.fail(f"{path.name} needs {missing}, which the docs extra must install")
        pytest.skip(f"{path.name} needs {missing} (the docs extra); `make docs` runs it")
    monkeypatch.chdir(tmp_path)  # a block that writes a file writes it here
    namespace: dict[str, object] = {"__name__": f"docs_{path.stem}"}
    for code, line in python:
        if re.search(r"^def test_", code, re.M):
            _run_as_pytest(code, path, line, tmp_path)
            continue
        # Line numbers in a traceback are the file's own.
        exec(compile("\n" * (line - 1) + code, str(path), "exec"), namespace)
    seen = backend.emulator.requests
    tokens = {r.headers["authorization"] for r in seen}
    assert tokens <= {f"Bearer {ENV_TOKEN}", f"Bearer {AZURE_TOKEN}"}, tokens
    if any("DefaultAzureCredential" in code for code, _ in python):
        assert f"Bearer {AZURE_TOKEN}" in tokens and scopes and set(scopes) == {(GRAPH_SCOPE,)}
    if any("NDES_TOKEN" in code for code, _ in python):
        assert f"Bearer {ENV_TOKEN}" in tokens, f"{path.name}: no block used NDES_TOKEN"
    graph_paths = ("/beta/deviceManagement/ndesConnectors", "/beta/$batch")
    assert all(r.path.startswith(graph_paths) for r in seen), [r.path for r in seen]


def _run_as_pytest(code: str, path: Path, line: int, where: Path) -> None:
    test_file = where / f"test_{path.stem}_{line}.py"
    test_file.write_text(code)
    tests = len(re.findall(r"^def test_", code, re.M))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test_file.name],
        cwd=where,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and f"{tests} passed" in done.stdout, (
        f"{path.name}:{line}\n{done.stdout}\n{done.stderr}"
    )


def _makefile_targets() -> set[str]:
    return set(re.findall(r"^([\w-]+):", (ROOT / "Makefile").read_text(), re.M))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_shell_blocks_name_real_commands(path: Path):
    from ndes.cli import _parser

    targets = _makefile_targets()
    for lang, code, first in blocks(path):
        if lang != "sh":
            continue
        pending = ""
        for offset, line in enumerate(code.splitlines()):
            if line.endswith("\\"):  # a command continued on the next line
                pending += line[:-1] + " "
                continue
            raw, pending = pending + line, ""
            words = shlex.split(raw, comments=True)
            # What the shell does with redirections and pipes is not the command's arguments.
            for i, word in enumerate(words):
                if word in ("<", ">", ">>", "2>", "|", "&&", ";"):
                    words = words[:i]
                    break
            where = f"{path.name}:{first + offset}"
            if words[:1] == ["ndes"]:
                try:
                    _parser().parse_args(words[1:])
                except SystemExit as exc:
                    pytest.fail(f"{where}: `{raw.strip()}` does not parse ({exc})")
            elif words[:1] == ["make"]:
                assert words[1] in targets, f"{where}: no Makefile target {words[1]!r}"
