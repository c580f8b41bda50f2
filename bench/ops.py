"""Runs one operation N times, for counting instructions under callgrind (bench/callgrind.sh).

python bench/ops.py LIBRARY OP N      LIBRARY: ndes | msgspec;  OP: base | encode | decode |
                                      decode-read | msgpack-decode | msgpack-decode-read |
                                      graph-decode | construct | page-read | batch-encode |
                                      batch-decode  ("base" calls len(); a page is 100
                                      connectors, a batch 10,000)
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from contenders import (  # noqa: E402
    GRAPH_DECODE,
    MSGPACK_READ_ALL,
    PAGE_READ_ALL,
    READ_ALL,
    msgspec_ops,
    ndes_ops,
)

library, op, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
ops = ndes_ops() if library == "ndes" else msgspec_ops()
data = b"x"
f = {
    "base": lambda: len(data),
    "encode": ops["json encode"],
    "decode": ops["json decode"],
    "decode-read": ops[READ_ALL],
    "msgpack-decode": ops["msgpack decode"],
    "msgpack-decode-read": ops[MSGPACK_READ_ALL],
    "graph-decode": ops[GRAPH_DECODE],
    "page-read": ops[PAGE_READ_ALL],
    "construct": ops["construct"],
    "batch-encode": ops["batch json encode"],
    "batch-decode": ops["batch json decode"],
}[op]
for _ in range(n):
    f()
