"""The README's Python examples run as written (all but the one that needs a real tenant)."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


def test_readme_examples_run():
    runnable = [b for b in BLOCKS if "NDES_TOKEN" not in b]
    assert len(runnable) == 5 and len(BLOCKS) == 7
    namespace: dict[str, object] = {}
    exec("import ndes", namespace)
    for block in runnable:
        exec(compile(block, str(README), "exec"), namespace)
