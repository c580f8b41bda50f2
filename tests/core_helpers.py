"""What several tests of the C binding share: its class methods, the set a shared str is kept in
(test_shared_strs, test_attack7, test_introspection), a program run in a fresh interpreter under
the debug allocator, and threads switched as often as the interpreter allows (test_attack6,
test_attack7, test_datetime_spares)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterable, Iterator

#: The class methods of NdesConnector, bound to the type from their own METH_O table.
CLASS_METHODS = [
    "from_json",
    "from_msgpack",
    "from_dict",
    "to_json_array",
    "from_json_array",
    "to_msgpack_array",
    "from_msgpack_array",
    "from_json_page",
    "from_msgpack_page",
]

M64 = (1 << 64) - 1


def set_of(value: bytes) -> int:
    """The set shared_ascii_str keeps value in (its hash, written again here)."""
    n = len(value)
    if n > 8:
        a, c = int.from_bytes(value[:8], "little"), int.from_bytes(value[-8:], "little")
    elif n >= 4:
        a, c = int.from_bytes(value[:4], "little") | int.from_bytes(value[-4:], "little") << 32, 0
    else:
        a, c = value[0] | value[n // 2] << 8 | value[n - 1] << 16, 0
    return ((((a + (c << 7) + n) & M64) * 0x9E3779B97F4A7C15) & M64) >> 58


def one_set(candidates: Iterable[str], count: int) -> list[str]:
    """The first `count` of the candidates that fall in one set."""
    by_set: dict[int, list[str]] = {}
    for v in candidates:
        same = by_set.setdefault(set_of(v.encode()), [])
        same.append(v)
        if len(same) == count:
            return same
    raise AssertionError("no such values")


def run_debug(program: str, tmp_path, cmd: list[str] = (), env: dict | None = None, timeout=120):
    """`program` run by `cmd` (a prefix such as valgrind's) in a fresh interpreter in dev mode,
    under the debug allocator unless env says otherwise."""
    return subprocess.run(
        [*cmd, sys.executable, "-X", "dev", "-c", program],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env if env is not None else dict(os.environ, PYTHONMALLOC="debug"),
        timeout=timeout,
    )


@contextlib.contextmanager
def switching_often() -> Iterator[None]:
    """Threads switched every microsecond, as often as the interpreter allows."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(old)
