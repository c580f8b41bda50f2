"""The import that matters: what `from ndes import Client` and a Client on the default backend
load. http.client and ssl are the floor (the backend needs them, and http.client brings
email, re, random, ipaddress and datetime along); nothing else heavy may come with them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import ndes

#: Modules the path that creates must not load, and where each used to come from.
HEAVY = {
    "dataclasses": "ndes._http, ndes._protocol (and it loads inspect, ast, dis, tokenize)",
    "inspect": "dataclasses",
    "ast": "dataclasses -> inspect",
    "tokenize": "dataclasses -> inspect, logging -> traceback",
    "uuid": "ndes._ops (a client-request-id)",
    "platform": "uuid",
    "logging": "ndes._policy",
    "traceback": "logging",
    "urllib.request": "ndes.backends._net (proxy variables)",
    "tempfile": "urllib.request",
    "shutil": "urllib.request",
    "hashlib": "urllib.request",
    "bz2": "urllib.request",
    "lzma": "urllib.request",
    "json": "only error bodies need it",
    "importlib.util": "ndes.__getattr__",
    "ndes._bulk": "bulk create only",
    "ndes._bulk_result": "bulk create only",
    "ndes.emulator": "the emulator only",
}

PROGRAM = """
import sys
if any("editable" in type(f).__module__ for f in sys.meta_path):
    # `make install`'s editable finder loads importlib.util to find the compiled core: its
    # imports, not the package's. An installed wheel has no such finder.
    import importlib.machinery, importlib.util
before = set(sys.modules)
from ndes import Client
from ndes.backends import UrllibBackend
Client("a-token").close()
UrllibBackend().close()
print(" ".join(sorted(set(sys.modules) - before)))
"""


def _loaded(tmp_path: Path) -> set[str]:
    """The modules a fresh interpreter adds for the path that creates, with no proxy set
    (a *_proxy variable rightly loads urllib.request to read it)."""
    root = str(Path(ndes.__file__).parent.parent)
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env["PYTHONPATH"] = root
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
        check=True,
    )
    return set(done.stdout.split())


def test_the_path_that_creates_loads_no_heavy_module(tmp_path):
    loaded = _loaded(tmp_path)
    assert "ndes.client" in loaded and "http.client" in loaded  # it did run the path
    assert {name: why for name, why in HEAVY.items() if name in loaded} == {}


def test_only_the_floor_and_ndes_itself_are_loaded(tmp_path):
    """Beyond what `import http.client, ssl` loads, only ndes's own modules and typing."""
    floor_program = (
        "import sys; b = set(sys.modules); import http.client, ssl, select, socket, "
        "threading; print(' '.join(sorted(set(sys.modules) - b)))"
    )
    if any("editable" in type(f).__module__ for f in sys.meta_path):
        floor_program = "import importlib.machinery, importlib.util; " + floor_program
    done = subprocess.run(
        [sys.executable, "-c", floor_program],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=True,
    )
    floor = set(done.stdout.split())
    extra = {m for m in _loaded(tmp_path) - floor if not m.startswith("ndes")}
    allowed = {"__future__", "typing", "_typing", "typing.io", "typing.re", "contextlib"}
    allowed |= {"contextvars", "_contextvars"}  # a C module: the attempt deadline per thread/task
    # 3.13's http.client no longer loads random (the retry backoff's jitter needs it).
    allowed |= {"random", "_random", "bisect", "_bisect", "_sha2", "_sha512"}
    assert extra <= allowed, extra
