"""The README's Python examples run as written (all but the one that needs a real tenant)."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


def test_readme_examples_run(server, emu):
    """Every block but the one that needs a real tenant, in order, with `client` (what that
    block makes) talking to the emulator instead."""
    import ndes

    runnable = [b for b in BLOCKS if "NDES_TOKEN" not in b]
    assert len(runnable) == 5 and len(BLOCKS) == 6
    with ndes.Client("any-token", base_url=server.base_url) as client:
        namespace: dict[str, object] = {"ndes": ndes, "client": client}
        for block in runnable:
            exec(compile(block, str(README), "exec"), namespace)
    assert [c.display_name for c in emu.connectors] == ["NDES-01"]
