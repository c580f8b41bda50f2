"""The stubs: mypy --strict accepts a script that uses the public API, and rejects misuse."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

GOOD = """
from datetime import datetime, timezone
import ndes

c = ndes.NdesConnector(display_name="NDES-01", state=ndes.NdesConnectorState.ACTIVE,
                       last_connection_date_time=datetime.now(timezone.utc),
                       role_scope_tag_ids=["0"], additional_data={"x": [1, "a"]})
body: bytes = c.to_json()
again: ndes.NdesConnector = ndes.NdesConnector.from_json(body)
same: bool = again == c
packed: bytes = c.to_msgpack()
d = c.to_dict()
c2 = ndes.NdesConnector.from_dict(d)
name: str | None = c2.display_name
when: datetime | None = c2.last_connection_date_time
c2.state = "inactive"
with ndes.Client(token=lambda: "t", base_url="http://127.0.0.1:1/beta", max_retries=0) as client:
    try:
        made: ndes.NdesConnector = client.create(display_name="x", state="active")
    except ndes.OutcomeUnknownError as unknown:
        crid: str | None = unknown.client_request_id
    except ndes.GraphError as graph_error:
        status: int = graph_error.status
    except ndes.TransportError:
        pass
async def use_async() -> ndes.NdesConnector:
    async def token() -> str:
        return "t"

    async with ndes.AsyncClient(token=token, base_url="http://127.0.0.1:1/beta") as aclient:
        return await aclient.create(display_name="x")
try:
    ndes.NdesConnector.from_msgpack(packed)
except ndes.DecodeError as e:
    offset: int = e.offset
except ndes.ValidationError as v:
    field: str = v.field
"""

BAD = """
import ndes
ndes.NdesConnector(display_name=3)
ndes.NdesConnector("positional")
x: int = ndes.NdesConnector().to_json()
"""


def run_mypy(tmp_path: Path, source: str) -> subprocess.CompletedProcess[str]:
    pytest.importorskip("mypy")
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(source))
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(script)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )


def test_mypy_strict_accepts_the_public_api(tmp_path: Path) -> None:
    result = run_mypy(tmp_path, GOOD)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_rejects_misuse(tmp_path: Path) -> None:
    result = run_mypy(tmp_path, BAD)
    assert result.returncode == 1
    assert result.stdout.count("error:") == 3, result.stdout


def test_the_package_itself_passes_mypy_strict(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    source = Path(__file__).resolve().parents[1] / "ndes"
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(source)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr


MISSPELT = """
import ndes
ndes.NdesConnector(displayname="x")
with ndes.Client(token="t") as client:
    client.create(displayname="x")
    client.create(display_name="x", state=3)
ndes.create(token="t", machinename="m")
ndes.create(token="t", display_name="ok", role_scope_tag_ids=["0"])
"""


def test_mypy_strict_flags_a_misspelt_keyword_field(tmp_path: Path) -> None:
    """The keyword fields are one TypedDict (ndes._fields.ConnectorFields), Unpack-ed."""
    result = run_mypy(tmp_path, MISSPELT)
    assert result.returncode == 1
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert [line.split(":")[1] for line in errors] == ["3", "5", "6", "7"], result.stdout
    assert '"displayname"' in errors[0] and '"displayname"' in errors[1]
    assert '"state"' in errors[2] and '"machinename"' in errors[3]
