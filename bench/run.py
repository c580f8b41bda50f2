"""ndes side by side with the encoders and the Graph SDK a user would pick instead.

One process run interleaves the contenders round by round and reports medians, and each
contender's time as a multiple of ndes's. Writes docs/benchmarks.md and docs/benchmarks.png.

    python bench/run.py              (make bench)
    python bench/run.py --only bulk  (the bulk-create rows alone, printed)
    python bench/run.py --only imports  (the import rows alone, printed)
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib.metadata as md
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from contenders import (  # noqa: E402
    CONTENDERS,
    connector_fields,
    msgspec_types,
    read_all,
    wire_dict,
)
from data import BATCH, HELD  # noqa: E402
from report import FLOOR, THAT_MATTERS  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
QUICK = os.environ.get("NDES_BENCH_QUICK") == "1"
ROUNDS = 3 if QUICK else 11
BATCH_ROUNDS = 2 if QUICK else 9
SAMPLE_SECONDS = 0.01 if QUICK else 0.03
KIOTA_SHARE = 10
CONCURRENT = 200 if QUICK else 1000


def loop(f, n: int) -> float:
    start = time.perf_counter_ns()
    for _ in range(n):
        f()
    return (time.perf_counter_ns() - start) / n


def calibrate(f) -> int:
    n = 1
    while True:
        start = time.perf_counter()
        loop(f, n)
        if time.perf_counter() - start >= SAMPLE_SECONDS / 4 or n >= 1 << 20:
            return max(1, int(n * SAMPLE_SECONDS / max(time.perf_counter() - start, 1e-9) / 1))
        n *= 4


def time_operations() -> dict[str, dict[str, float]]:
    """Median ns per call of every (operation, contender), the empty call subtracted."""
    ops: dict[str, dict[str, object]] = {}
    for name, make in CONTENDERS.items():
        try:
            for op, f in make().items():
                ops.setdefault(op, {})[name] = f
        except ImportError as exc:
            print(f"  {name}: not installed ({exc}); left out", file=sys.stderr)
    empty = lambda: None  # noqa: E731
    counts = {(op, n): calibrate(f) for op, fs in ops.items() for n, f in fs.items()}
    counts[("", "")] = calibrate(empty)
    samples: dict[tuple[str, str], list[float]] = {k: [] for k in counts}
    for r in range(max(ROUNDS, BATCH_ROUNDS)):
        keys = list(counts)
        keys = keys[r % len(keys) :] + keys[: r % len(keys)]  # rotate who goes first
        for op, name in keys:
            if (
                op.startswith("batch")
                and r >= BATCH_ROUNDS
                or not op.startswith("batch")
                and r >= ROUNDS
            ):
                continue
            f = empty if op == "" else ops[op][name]
            gc.collect()
            samples[(op, name)].append(loop(f, counts[(op, name)]))
    overhead = statistics.median(samples.pop(("", "")))
    result: dict[str, dict[str, float]] = {}
    for (op, name), values in samples.items():
        result.setdefault(op, {})[name] = max(statistics.median(values) - overhead, 0.0)
    result["_overhead"] = {"empty call": overhead}
    return result


@contextlib.contextmanager
def plain_install() -> Iterator[str]:
    """A python whose venv holds ndes as a wheel installs it (its modules, byte-compiled, and the
    built extension, copied into site-packages): `make bench` runs from the editable install,
    whose import hook loads importlib.util, contextlib and more on the first `import ndes`, and
    whose sources are compiled at each import where PYTHONDONTWRITEBYTECODE is set; a user's
    install does neither."""
    import ndes
    from ndes import _core

    with tempfile.TemporaryDirectory() as root:
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", root], check=True)
        python = os.path.join(root, "bin", "python")
        site = subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        package = Path(site) / "ndes"
        shutil.copytree(
            Path(ndes.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__")
        )
        shutil.copy2(_core.__file__, package)
        # Byte-compiled as pip does on install: the import is then not a compile, even where
        # PYTHONDONTWRITEBYTECODE is set.
        subprocess.run([python, "-m", "compileall", "-q", str(package)], check=True)
        yield python


def import_times(runs: int) -> dict[str, float]:
    """Median ms a fresh interpreter spends importing each, by `-X importtime`: the cumulative
    time of the top-level imports the statement adds to an empty interpreter's (wall clocks of
    whole processes differ by more than ndes's import takes). The ndes cases and their floor run
    in a plain install (plain_install); the SDK in this environment, where it is installed."""
    cases = {
        "ndes": "import ndes",
        "msgraph-beta-sdk": "from msgraph_beta import GraphServiceClient",
        # What a script that creates loads: the client on its default backend.
        THAT_MATTERS: "from ndes import Client; Client('a-token').close()",
        # The part of it the default backend cannot avoid.
        FLOOR: "import http.client, ssl, select, socket, threading",
    }
    with plain_install() as plain:
        return _import_times(runs, cases, plain)


def _import_times(runs: int, cases: dict[str, str], plain: str) -> dict[str, float]:
    def top_level(code: str, cwd: str, python: str) -> dict[str, int] | None:
        done = subprocess.run(
            [python, "-X", "importtime", "-c", code], cwd=cwd, capture_output=True
        )
        if done.returncode != 0:
            return None
        out = {}
        for line in done.stderr.decode().splitlines():
            parts = line.split("|")
            if line.startswith("import time:") and len(parts) == 3 and parts[1].strip().isdigit():
                name = parts[2].rstrip()
                if not name.startswith("  "):  # nested imports are inside their parent's time
                    out[name.strip()] = int(parts[1])
        return out

    ms: dict[str, list[float]] = {k: [] for k in cases}
    with tempfile.TemporaryDirectory() as cwd:
        for _ in range(runs):
            empty = {p: top_level("pass", cwd, p) or {} for p in (plain, sys.executable)}
            for key, code in cases.items():
                python = sys.executable if key == "msgraph-beta-sdk" else plain
                found = top_level(code, cwd, python)
                if found is not None:
                    added = sum(us for name, us in found.items() if name not in empty[python])
                    ms[key].append(added / 1000)
    return {k: statistics.median(v) for k, v in ms.items() if v}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def emulator_process() -> Iterator[str]:
    """An emulator in another process, so that its CPU is not counted; yields its base URL."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "ndes", "emulator", "--port", str(port)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=tempfile.gettempdir(),
    )
    try:
        yield server.stdout.readline().strip()
    finally:
        server.terminate()
        server.wait(10)


def client_cpu(creates: int) -> dict[str, float]:
    """CPU microseconds this process spends per create(), the emulator in another process."""
    out: dict[str, float] = {}
    with emulator_process() as base_url:
        import ndes

        fields = connector_fields()
        with ndes.Client("bench-token", base_url=base_url, write_limit=None) as client:
            client.create(**fields)
            start = time.process_time()
            for _ in range(creates):
                client.create(**fields)
            out["ndes (UrllibBackend)"] = (time.process_time() - start) / creates * 1e6
        try:
            import requests

            doc = wire_dict(fields)
            with requests.Session() as session:
                url = base_url + "/deviceManagement/ndesConnectors"
                headers = {"Authorization": "Bearer bench-token"}
                session.post(url, json=doc, headers=headers).json()
                start = time.process_time()
                for _ in range(creates):
                    r = session.post(url, json=doc, headers=headers)
                    r.raise_for_status()
                    r.json()
                out["requests.Session().post(json=...)"] = (
                    (time.process_time() - start) / creates * 1e6
                )
        except ImportError:
            pass
        out.update(async_client_cpu(base_url, creates))
    return out


def async_client_cpu(base_url: str, creates: int) -> dict[str, float]:
    """CPU microseconds per awaited create(): ndes's AsyncClient and msgraph-beta-sdk, both
    async, one create after another against the same server."""
    out: dict[str, float] = {}
    try:
        out["ndes AsyncClient (AsyncHttpxBackend)"] = (
            asyncio.run(_one_by_one(_ndes_async_create, base_url, creates)) * 1e6
        )
    except ImportError:  # httpx
        pass
    try:
        out["msgraph-beta-sdk"] = asyncio.run(_one_by_one(_msgraph_create, base_url, creates)) * 1e6
    except ImportError:
        pass
    return out


def concurrent_creates(creates: int, tasks: int = 50) -> dict[str, float]:
    """Wall seconds for `creates` creates from `tasks` asyncio tasks sharing one client, each
    contender against a fresh emulator in another process."""
    out: dict[str, float] = {}
    for name, make in (
        ("ndes AsyncClient (AsyncHttpxBackend)", _ndes_async_create),
        ("msgraph-beta-sdk", _msgraph_create),
    ):
        try:
            with emulator_process() as base_url:
                out[name] = asyncio.run(_all_at_once(make, base_url, creates, tasks))
        except ImportError:
            pass
    return out


@contextlib.asynccontextmanager
async def _ndes_async_create(base_url: str) -> AsyncIterator[Callable[[], Awaitable[object]]]:
    import ndes

    fields = connector_fields()
    async with ndes.AsyncClient("bench-token", base_url=base_url, write_limit=None) as client:
        yield lambda: client.create(**fields)


def _msgraph_client(base_url: str):
    """msgraph-beta-sdk's client on the emulator with a fixed token: (client, adapter, fields)."""
    from kiota_abstractions.authentication import AuthenticationProvider
    from msgraph_beta import GraphRequestAdapter, GraphServiceClient
    from msgraph_beta.generated.models.ndes_connector_state import NdesConnectorState as KS

    class StaticToken(AuthenticationProvider):
        async def authenticate_request(self, request, additional_authentication_context=None):
            request.headers.add("Authorization", "Bearer bench-token")

    adapter = GraphRequestAdapter(StaticToken())
    adapter.base_url = base_url
    fields = connector_fields()
    fields["state"] = KS.Active
    fields.pop("id")
    return GraphServiceClient(request_adapter=adapter), adapter, fields


@contextlib.asynccontextmanager
async def _msgraph_create(base_url: str) -> AsyncIterator[Callable[[], Awaitable[object]]]:
    from msgraph_beta.generated.models.ndes_connector import NdesConnector as K

    client, _, fields = _msgraph_client(base_url)
    yield lambda: client.device_management.ndes_connectors.post(K(**fields))


async def _one_by_one(make, base_url: str, creates: int) -> float:
    """CPU seconds per create, one awaited after the other (after one to warm up)."""
    async with make(base_url) as create:
        await create()
        start = time.process_time()
        for _ in range(creates):
            await create()
        return (time.process_time() - start) / creates


async def _all_at_once(make, base_url: str, creates: int, tasks: int) -> float:
    async with make(base_url) as create:
        await create()

        async def worker(count: int) -> None:
            for _ in range(count):
                await create()

        start = time.perf_counter()
        await asyncio.gather(*(worker(len(range(i, creates, tasks))) for i in range(tasks)))
        return time.perf_counter() - start


BULK_ROUNDS = 2 if QUICK else 5


def bulk_create(creates: int) -> dict[str, dict[str, float]]:
    """Wall seconds for `creates` connectors, one create() at a time vs create_many ($batch of
    20), and client CPU µs per connector, against the emulator in another process over
    loopback: medians of BULK_ROUNDS. The write limiter is off (write_limit=None): at Intune's
    100 writes per 20 s any way of sending 1,000 takes 200 s, which says nothing of the client."""
    import ndes

    rows = [{k: v for k, v in connector_fields(i).items() if k != "id"} for i in range(creates)]
    wall: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}

    def timed(name: str, work) -> None:
        wall_start, cpu_start = time.perf_counter(), time.process_time()
        made = work()
        cpu.setdefault(name, []).append((time.process_time() - cpu_start) / creates * 1e6)
        wall.setdefault(name, []).append(time.perf_counter() - wall_start)
        assert made == creates, (name, made)

    with emulator_process() as base_url:
        with ndes.Client("bench-token", base_url=base_url, write_limit=None) as client:
            client.create_many(rows[:20])  # a warm connection and warm caches for both
            for _ in range(BULK_ROUNDS):
                gc.collect()
                timed(
                    "ndes create(), one by one", lambda: sum(1 for r in rows if client.create(**r))
                )
                gc.collect()
                timed("ndes create_many()", lambda: client.create_many(rows).counts["created"])
        try:
            for _ in range(2):  # at some 15 ms a connector, two rounds tell enough
                gc.collect()
                timed(
                    "msgraph-beta-sdk BatchRequestContent",
                    lambda: asyncio.run(_msgraph_batches(base_url, creates)),
                )
        except ImportError as exc:
            print(f"  msgraph-beta-sdk: not installed ({exc}); left out", file=sys.stderr)
    return {
        "wall s": {k: statistics.median(v) for k, v in wall.items()},
        "cpu us": {k: statistics.median(v) for k, v in cpu.items()},
    }


async def _msgraph_batches(base_url: str, creates: int) -> int:
    """The same work through the Graph SDK's batching: BatchRequestContent of 20 POSTs built
    from its request builder, sent through its BatchRequestBuilder's request, each answer read
    into its NdesConnector model. Two workarounds for msgraph-core's batch code: a sub-request's
    url is made relative (BatchRequestItem keeps the absolute one, and its version regex never
    matches), and the answer is read from the raw bytes, since BatchResponseItem reads a JSON
    body with get_bytes_value and loses it."""
    import json

    from kiota_serialization_json.json_parse_node import JsonParseNode
    from msgraph_beta.generated.models.ndes_connector import NdesConnector as K
    from msgraph_core.requests.batch_request_builder import BatchRequestBuilder
    from msgraph_core.requests.batch_request_content import BatchRequestContent
    from msgraph_core.requests.batch_request_item import BatchRequestItem

    client, adapter, fields = _msgraph_client(base_url)
    builder = client.device_management.ndes_connectors
    batches = BatchRequestBuilder(adapter)
    made = 0
    for first in range(0, creates, 20):
        content = BatchRequestContent()
        for i in range(first, min(first + 20, creates)):
            info = builder.to_post_request_information(K(**fields))
            info.path_parameters["baseurl"] = adapter.base_url
            item = BatchRequestItem(info, id=str(i))
            item.url = "/deviceManagement/ndesConnectors"
            content.add_request(str(i), item)
        request = await batches.to_post_request_information(content)
        raw = await adapter.send_primitive_async(request, "bytes", {})
        for answer in json.loads(raw)["responses"]:
            if answer["status"] == 201:
                JsonParseNode(answer["body"]).get_object_value(K)
                made += 1
    return made


def dist_size(name: str, seen: set[str] | None = None) -> tuple[int, int]:
    """(bytes of the distribution's own files, bytes with its dependency closure)."""
    from packaging.requirements import Requirement

    seen = set() if seen is None else seen
    key = name.lower().replace("_", "-")
    if key in seen:
        return 0, 0
    seen.add(key)
    try:
        dist = md.distribution(name)
    except md.PackageNotFoundError:
        return 0, 0
    own = sum(f.size or 0 for f in dist.files or [])
    total = own
    for req in dist.requires or []:
        r = Requirement(req)
        if r.marker and not r.marker.evaluate({"extra": ""}):
            continue
        total += dist_size(r.name, seen)[1]
    return own, total


def memory() -> dict[str, dict[str, float]]:
    """Bytes per decoded connector with HELD of them alive, and the peak of decoding them."""
    import ndes

    held = BATCH if QUICK else HELD
    data = ndes.NdesConnector.to_json_array(
        [ndes.NdesConnector(**connector_fields(i % BATCH)) for i in range(held)]
    )
    decoders = {"ndes": lambda: ndes.NdesConnector.from_json_array(data)}
    try:
        import msgspec

        Connector, _ = msgspec_types()
        decoders["msgspec"] = lambda: msgspec.json.decode(data, type=list[Connector])
    except ImportError:
        pass
    out: dict[str, dict[str, float]] = {}
    for name, decode in decoders.items():
        gc.collect()
        tracemalloc.start()
        result = decode()
        current, peak = tracemalloc.get_traced_memory()
        for c in result:
            read_all(c)
        gc.collect()
        after_reading = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        assert len(result) == held
        out[name] = {
            "per connector": current / held,
            "per connector, every field read": after_reading / held,
            "peak": peak,
            "held": held,
        }
        del result
    kiota = _kiota_memory(data)
    if kiota:
        out["msgraph-beta-sdk (Kiota)"] = kiota
    return out


KIOTA_MEMORY = """
import gc, os, sys
from pathlib import Path
from kiota_serialization_json.json_parse_node_factory import JsonParseNodeFactory
from msgraph_beta.generated.models.ndes_connector import NdesConnector as K
data = sys.stdin.buffer.read()
factory = JsonParseNodeFactory()
def resident():
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
gc.collect()
before = resident()
result = factory.get_root_parse_node("application/json", data).get_collection_of_object_values(K)
gc.collect()
print((resident() - before) / len(result))
"""


def _kiota_memory(data: bytes) -> dict[str, float] | None:
    """Kiota is too slow to run under tracemalloc (about 10 ms a connector without it), so its
    figure is the growth of a fresh process's resident memory while it decodes and keeps a
    tenth of the batch."""
    import ndes

    count = BATCH // KIOTA_SHARE
    part = ndes.NdesConnector.to_json_array(ndes.NdesConnector.from_json_array(data)[:count])
    done = subprocess.run(
        [sys.executable, "-c", KIOTA_MEMORY],
        input=part,
        capture_output=True,
        cwd=tempfile.gettempdir(),
    )
    if done.returncode != 0:
        return None
    return {"per connector": float(done.stdout), "peak": float("nan")}


def versions() -> dict[str, str]:
    out = {}
    for name in [
        "ndes",
        "msgspec",
        "orjson",
        "pydantic",
        "msgpack",
        "ormsgpack",
        "msgraph-beta-sdk",
        "microsoft-kiota-serialization-json",
        "requests",
    ]:
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            out[name] = "not installed"
    return out


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


BULK_CREATES = 1000


def main() -> None:
    if sys.argv[1:] == ["--only", "bulk"]:  # just these rows, printed; docs left as they are
        from report import bulk_lines

        print("\n".join(bulk_lines(bulk_create(BULK_CREATES), BULK_CREATES)))
        return
    if sys.argv[1:] == ["--only", "imports"]:  # the import rows alone, printed
        from report import import_lines

        print("\n".join(import_lines(import_times(3 if QUICK else 11))))
        return
    started = time.time()
    print("timing operations...", file=sys.stderr)
    times = time_operations()
    print("import times...", file=sys.stderr)
    imports = import_times(3 if QUICK else 11)
    print("client CPU per create...", file=sys.stderr)
    cpu = client_cpu(50 if QUICK else 300)
    print(f"bulk create of {BULK_CREATES:,}...", file=sys.stderr)
    bulk = bulk_create(BULK_CREATES)
    print(f"{CONCURRENT} concurrent creates...", file=sys.stderr)
    concurrent = concurrent_creates(CONCURRENT)
    print("sizes and memory...", file=sys.stderr)
    sizes = {n: dist_size(n) for n in ["ndes", "msgspec", "msgraph-beta-sdk"]}
    mem = memory()
    from report import write_report

    write_report(
        ROOT / "docs",
        times=times,
        imports=imports,
        cpu=cpu,
        bulk=bulk,
        bulk_creates=BULK_CREATES,
        sizes=sizes,
        mem=mem,
        concurrent=concurrent,
        concurrent_count=CONCURRENT,
        machine=f"{cpu_model()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}",
        python=platform.python_version(),
        versions=versions(),
        seconds=time.time() - started,
        quick=QUICK,
    )


def async_only() -> None:
    """`python bench/run.py async`: the AsyncClient figures alone, printed, no report."""
    with emulator_process() as base_url:
        for name, us in async_client_cpu(base_url, 50 if QUICK else 300).items():
            print(f"client CPU per create, async | {name} | {us:,.0f} µs")
    for name, seconds in concurrent_creates(CONCURRENT).items():
        print(f"{CONCURRENT} creates from 50 tasks, wall | {name} | {seconds:.2f} s")


if __name__ == "__main__":
    async_only() if sys.argv[1:] == ["async"] else main()
