"""Turns one benchmark run into docs/benchmarks.md and docs/benchmarks.png."""

from __future__ import annotations

from pathlib import Path

from contenders import BATCH_READ_ALL, GRAPH_DECODE, MSGPACK_READ_ALL, PAGE_READ_ALL, READ_ALL

ORDER = [
    "json encode",
    "json decode",
    READ_ALL,
    GRAPH_DECODE,
    PAGE_READ_ALL,
    "msgpack encode",
    "msgpack decode",
    MSGPACK_READ_ALL,
    "batch json encode",
    "batch json decode",
    BATCH_READ_ALL,
    "construct",
]

# (what, ndes's figure over the peer's, at most)
TARGETS = [
    ("json encode", "msgspec", 0.5),
    ("msgpack encode", "msgspec", 0.5),
    ("json decode", "msgspec", 0.7),
    ("msgpack decode", "msgspec", 0.7),
    # issue 15: what users feel, fields read as they are used
    (READ_ALL, "msgspec", 0.7),
    (GRAPH_DECODE, "msgspec", 0.6),
    (MSGPACK_READ_ALL, "msgspec", 0.7),
    (PAGE_READ_ALL, "msgspec", 0.6),
    ("batch json encode", "msgspec", 0.5),
    ("batch json decode", "msgspec", 0.7),
]


def fmt_ns(ns: float) -> str:
    if ns >= 1e6:
        return f"{ns / 1e6:,.2f} ms"
    if ns >= 1e4:
        return f"{ns / 1e3:,.1f} µs"
    return f"{ns:,.0f} ns"


def verdict(value: float, limit: float) -> str:
    return "met" if value <= limit else f"**not met** ({value / limit:.2f}× the limit)"


def bulk_lines(bulk, creates: int) -> list[str]:
    """The bulk-create section: wall time and client CPU per connector, one by one vs $batch."""
    wall, cpu = bulk["wall s"], bulk["cpu us"]
    ref = cpu.get("ndes create_many()")
    lines = [
        f"## Bulk create: {creates:,} connectors",
        "",
        "Against the emulator in another process over loopback, the write limiter off (at"
        f" Intune's 100 writes per 20 s, {creates:,} take {creates / 5:,.0f} s however they are"
        " sent); medians of the rounds. `× ndes` is over `create_many()`.",
        "",
        "| how | wall time | client CPU per connector | CPU × ndes |",
        "|---|---:|---:|---:|",
    ]
    for name, seconds in wall.items():
        ratio = f"{cpu[name] / ref:.1f}" if ref else "–"
        lines.append(f"| {name} | {seconds:,.2f} s | {cpu[name]:,.0f} µs | {ratio} |")
    lines += [
        "",
        "The SDK row needs two workarounds for msgraph-core's batch code (see"
        " `bench/run.py: _msgraph_batches`): its sub-request urls are made relative, and its"
        " answer is read from the raw bytes, since its BatchResponseItem drops a JSON body.",
        "",
    ]
    return lines


THAT_MATTERS = "ndes Client + default backend (the import that matters)"
FLOOR = "http.client + ssl (its floor)"


def import_targets(imports) -> list[str]:
    """The import against msgraph-beta-sdk's: `import ndes`, and what creating needs."""
    lines = []
    sdk = imports.get("msgraph-beta-sdk")
    if "ndes" in imports and sdk:
        value = imports["ndes"] / sdk
        lines.append(
            f"| import vs msgraph-beta-sdk | {value:.4f} | 0.02 | {verdict(value, 0.02)} |"
        )
    if THAT_MATTERS in imports and sdk:
        value = imports[THAT_MATTERS] / sdk
        lines.append(f"| the import that matters vs msgraph-beta-sdk | {value:.3f} | – | |")
    if THAT_MATTERS in imports:  # issue 11's target, in ms added to an empty interpreter
        value = imports[THAT_MATTERS]
        lines.append(f"| the import that matters, ms | {value:.1f} | 20 | {verdict(value, 20)} |")
    if THAT_MATTERS in imports and FLOOR in imports:  # what ndes adds to what it cannot avoid
        value = imports[THAT_MATTERS] - imports[FLOOR]
        lines.append(f"| the import that matters above {FLOOR}, ms | {value:.1f} | – | |")
    return lines


def import_rows(imports) -> list[str]:
    return [
        f"| import (`-X importtime`, fresh process, imports an empty one lacks) | {name} | {ms:.1f} ms |"
        for name, ms in imports.items()
    ]


def import_lines(imports) -> list[str]:
    """`bench/run.py --only imports`: the import rows and their targets."""
    return [
        "| target | ndes / peer | limit | |",
        "|---|---:|---:|---|",
        *import_targets(imports),
        "",
        "| what | contender | figure |",
        "|---|---|---:|",
        *import_rows(imports),
    ]


def write_report(
    out: Path,
    *,
    times,
    imports,
    cpu,
    sizes,
    mem,
    machine,
    python,
    versions,
    seconds,
    quick,
    bulk=None,
    bulk_creates=0,
    concurrent=None,
    concurrent_count=1000,
) -> None:
    out.mkdir(exist_ok=True)
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python bench/run.py`) in one process run; do not edit by hand."
        + (" **Quick run (NDES_BENCH_QUICK=1): too few rounds to quote.**" if quick else ""),
        "",
        f"- machine: {machine}; Python {python}; run took {seconds:.0f} s",
        "- versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()),
        "- times are medians over interleaved rounds, per call (per whole batch for the 10,000 "
        f"batches), less the cost of calling an empty function ({times['_overhead']['empty call']:.0f} ns)",
        "- `× ndes` is the contender's time over ndes's: above 1, ndes is faster",
        "",
        "## Encoding and decoding",
        "",
    ]
    floor = times.get("floor (copy of the JSON bytes)", {}).get("ndes")
    for op in ORDER:
        row = times.get(op)
        if not row:
            continue
        base = row.get("ndes")
        lines += [f"### {op}", "", "| contender | time | × ndes |", "|---|---:|---:|"]
        for name, ns in sorted(row.items(), key=lambda kv: kv[1]):
            ratio = f"{ns / base:.2f}" if base else "–"
            lines.append(f"| {name} | {fmt_ns(ns)} | {ratio} |")
        lines.append("")
    if floor:
        lines += [
            f"The floor, copying a bytes object the size of the JSON output: {fmt_ns(floor)}.",
            "",
        ]

    lines += ["## Targets", "", "| target | ndes / peer | limit | |", "|---|---:|---:|---|"]
    for op, peer, limit in TARGETS:
        row = times.get(op, {})
        if "ndes" in row and peer in row:
            value = row["ndes"] / row[peer]
            lines.append(f"| {op} vs {peer} | {value:.2f} | {limit} | {verdict(value, limit)} |")
    if floor and "json encode" in times:
        value = times["json encode"]["ndes"] / floor
        lines.append(f"| json encode vs the floor | {value:.2f} | 3 | {verdict(value, 3)} |")
    lines += import_targets(imports)
    nd = cpu.get("ndes (UrllibBackend)")
    for peer, limit in (("msgraph-beta-sdk", 0.05), ("requests.Session().post(json=...)", 0.5)):
        if nd and peer in cpu:
            value = nd / cpu[peer]
            lines.append(
                f"| client CPU per create vs {peer} | {value:.3f} | {limit} | {verdict(value, limit)} |"
            )
    if "ndes" in mem and "msgspec" in mem:
        for when in ("per connector", "per connector, every field read"):
            value = mem["ndes"][when] / mem["msgspec"][when]
            lines.append(f"| memory {when} vs msgspec | {value:.2f} | 1 | {verdict(value, 1)} |")
    bulk_cpu = (bulk or {}).get("cpu us", {})
    sdk_batch = bulk_cpu.get("msgraph-beta-sdk BatchRequestContent")
    if sdk_batch and "ndes create_many()" in bulk_cpu:
        value = bulk_cpu["ndes create_many()"] / sdk_batch
        lines.append(
            f"| create_many client CPU per connector vs msgraph-beta-sdk's $batch | {value:.3f}"
            f" | 0.05 | {verdict(value, 0.05)} |"
        )
    lines.append("")

    lines += [
        "## Start-up, client CPU, size, memory",
        "",
        "| what | contender | figure |",
        "|---|---|---:|",
    ]
    lines += import_rows(imports)
    for name, us in cpu.items():
        lines.append(
            f"| client CPU per create, emulator in another process | {name} | {us:,.0f} µs |"
        )
    nd_async = cpu.get("ndes AsyncClient (AsyncHttpxBackend)")
    if nd_async and "msgraph-beta-sdk" in cpu:
        lines.append(
            "| client CPU per create, AsyncClient over msgraph-beta-sdk's (both async) | ndes AsyncClient | "
            f"{nd_async / cpu['msgraph-beta-sdk']:.3f} × |"
        )
    for name, s in (concurrent or {}).items():
        lines.append(
            f"| wall time for {concurrent_count:,} creates from 50 asyncio tasks over one client, emulator in another process | {name} | {s:.2f} s |"
        )
    for name, (own, total) in sizes.items():
        lines.append(
            f"| installed size (own / with dependencies) | {name} | {own / 1e6:,.2f} MB / {total / 1e6:,.2f} MB |"
        )
    for name, m in mem.items():
        held = f", {m['held']:,} held" if "held" in m else ""
        lines.append(
            f"| memory per decoded connector{held} | {name} | {m['per connector']:,.0f} B |"
        )
        if "per connector, every field read" in m:
            lines.append(
                f"| the same, once every field has been read | {name} | {m['per connector, every field read']:,.0f} B |"
            )
        if m["peak"] == m["peak"]:  # not NaN
            lines.append(
                f"| peak memory decoding them{held} | {name} | {m['peak'] / 1e6:,.1f} MB |"
            )
    lines += [
        "",
        "Memory is what tracemalloc counts while the decoded list is alive: the connector objects,"
        " their strings, lists and datetimes. Both libraries make every field's object when they"
        " decode (ndes keeps each date's UTC offset beside its datetime, for its encoders, and"
        " gives connectors with the same connector version or role scope tag one shared str, as"
        " a tenant's connectors have: here one version and six tags among all of them): the"
        " second figure, after reading every field of every connector, shows that reading adds"
        " nothing. Kiota is too slow"
        " under tracemalloc; its figure is the growth of a fresh process's resident memory while"
        " 1,000 decoded connectors are kept.",
        "",
        *(bulk_lines(bulk, bulk_creates) if bulk else []),
        "![time relative to ndes](benchmarks.png)",
        "",
    ]
    (out / "benchmarks.md").write_text("\n".join(lines))
    chart(out / "benchmarks.png", times)


def chart(path: Path, times) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    ops = [op for op in ORDER if op in times and "ndes" in times[op]]
    names = sorted({n for op in ops for n in times[op]}, key=lambda n: (n != "ndes", n))
    fig, ax = plt.subplots(figsize=(10, 0.5 + 0.45 * len(ops) * 1.6))
    height = 0.8 / len(names)
    for i, name in enumerate(names):
        ys, xs = [], []
        for j, op in enumerate(ops):
            if name in times[op]:
                ys.append(j + i * height)
                xs.append(times[op][name] / times[op]["ndes"])
        ax.barh(ys, xs, height=height, label=name)
    ax.set_yticks([j + 0.4 - height / 2 for j in range(len(ops))], ops)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.axvline(1, color="black", linewidth=0.8)
    ax.set_xlabel("time relative to ndes (log scale; right of 1: slower than ndes)")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
