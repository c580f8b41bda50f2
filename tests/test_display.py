"""Connectors in notebooks: plain values in HTML tables, a list as one table, pandas in one call;
and a real notebook executed by nbclient."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import ndes
from ndes import Connectors, NdesConnector

ROOT = Path(__file__).resolve().parents[1]
WHEN = datetime(2026, 11, 28, 9, 30, tzinfo=timezone.utc)


def sample() -> NdesConnector:
    return NdesConnector(
        id="c1",
        display_name="NDES-01",
        state="active",
        last_connection_date_time=WHEN,
        enrolled_date_time=datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2))),
        role_scope_tag_ids=["0", "7"],
        additional_data={"note": "é"},
    )


def test_html_shows_plain_values_not_python_literals():
    html = sample()._repr_html_()
    for shown in (">NDES-01<", ">active<", ">2026-11-28 09:30:00 UTC<", ">0, 7<"):
        assert shown in html
    assert ">2026-01-02 03:04:05+02:00<" in html
    assert "{&quot;note&quot;: &quot;é&quot;}" in html
    for literal in ("'NDES-01'", "NdesConnectorState", "datetime", "['0'"):
        assert literal not in html


def test_an_unknown_state_from_the_server_shows_as_sent():
    c = NdesConnector.from_json(b'{"state":"retired"}')
    assert ">retired<" in c._repr_html_()


def test_a_list_of_connectors_is_one_table():
    items = Connectors([sample(), NdesConnector(display_name="NDES-02", machine_name="m2")])
    html = items._repr_html_()
    assert html.count("<table>") == 1 and html.count("<tr>") == 3  # header and two rows
    assert "2 NdesConnector" in html
    header = html.split("</thead>")[0]
    assert header.index(">id<") < header.index(">display_name<") < header.index(">machine_name<")
    assert "connector_version" not in header  # no connector has it
    assert ">NDES-02<" in html and ">m2<" in html
    assert "no connectors" in Connectors()._repr_html_()


def test_connectors_is_a_list():
    items = Connectors([sample()])
    assert isinstance(items, list) and items == [sample()] and items[0].id == "c1"
    assert type(items[:1]) is Connectors and items[:1] == items and items[-1] is items[0]


def test_to_pandas():
    pandas = pytest.importorskip("pandas")
    frame = Connectors([sample(), NdesConnector(display_name="NDES-02")]).to_pandas()
    assert isinstance(frame, pandas.DataFrame)
    assert list(frame["display_name"]) == ["NDES-01", "NDES-02"]
    assert frame["state"][0] == "active" and type(frame["state"][0]) is str
    assert frame["last_connection_date_time"][0] == pandas.Timestamp(WHEN)
    assert frame["role_scope_tag_ids"][0] == ["0", "7"]
    assert frame["additional_data"][0] == {"note": "é"}
    assert list(frame.columns[:3]) == ["id", "display_name", "state"]


def test_dir_lists_the_lazy_names_without_loading_them():
    import subprocess
    import sys

    code = (
        "import sys, ndes; names = dir(ndes); "
        "print(all(n in names for n in ndes.__all__), 'ndes.client' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False"]
    assert {"Client", "create", "NdesConnectorState", "backends", "emulator"} <= set(dir(ndes))


def source_tree_is_importable() -> bool:
    """False where the suite tests an installed copy (a wheel, the ASan stage): there the source
    tree's ndes/ has no extension, and a process started in it would import that."""
    return "1" not in (
        os.environ.get("NDES_EXPECT_INSTALLED"),
        os.environ.get("NDES_EXPECT_SANITIZED"),
    )


NOTEBOOK_CELLS = [
    "import ndes\nfrom datetime import datetime, timezone",
    "c = ndes.NdesConnector(display_name='NDES-01', state='active',\n"
    "    last_connection_date_time=datetime(2026, 11, 28, 9, 30, tzinfo=timezone.utc))\nc",
    "items = ndes.Connectors([c, ndes.NdesConnector(display_name='NDES-02', state='inactive')])\n"
    "items",
    "items.to_pandas()",
]


def test_a_notebook_shows_a_connector_and_a_list_as_tables(tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    pytest.importorskip("pandas")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in NOTEBOOK_CELLS]
    # Started in the clone root, as a notebook opened in the repository would be, where the
    # source tree is what imports; elsewhere when an installed copy is under test.
    cwd = ROOT if source_tree_is_importable() else tmp_path
    client = nbclient.NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}
    )
    client.execute()
    html = [
        [o["data"]["text/html"] for o in cell.outputs if "text/html" in o.get("data", {})]
        for cell in nb.cells
    ]
    assert html[0] == []
    (one,) = html[1]
    assert one.count("<table>") == 1 and ">NDES-01<" in one and ">active<" in one
    assert ">2026-11-28 09:30:00 UTC<" in one and "NdesConnectorState" not in one
    (many,) = html[2]
    assert many.count("<table>") == 1 and many.count("<tr>") == 3
    assert ">NDES-02<" in many and ">inactive<" in many
    (frame,) = html[3]
    assert "dataframe" in frame and "NDES-02" in frame
