"""The tutorial notebook (docs/tutorial.ipynb) runs top to bottom in a fresh kernel, so it
cannot rot; the site renders the outputs stored in it, so those must be there too."""

from __future__ import annotations

from pathlib import Path

import nbclient
import nbformat

NOTEBOOK = Path(__file__).resolve().parents[1] / "docs" / "tutorial.ipynb"


def _html_tables(notebook: nbformat.NotebookNode) -> list[str]:
    return [
        output["data"]["text/html"]
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if "<table" in output.get("data", {}).get("text/html", "")
    ]


def test_the_notebook_executes_and_shows_tables(tmp_path: Path):
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []  # what is checked below comes from this run, not the stored copy
    # The kernel starts in tmp_path, away from the source tree's ndes/ (no compiled _core), so
    # it imports the installed package; a cell that raises fails the test (CellExecutionError).
    client = nbclient.NotebookClient(
        notebook,
        timeout=120,
        startup_timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
    tables = _html_tables(notebook)
    assert any("NdesConnector" in t for t in tables), "no connector shown as a table"
    assert any("displayName" in t and "machineName" in t for t in tables), "no DataFrame table"
    errors = [
        o
        for c in notebook.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "error"
    ]
    assert errors == []


def test_the_stored_notebook_has_its_outputs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    unrun = [c.source.splitlines()[0] for c in code if c.execution_count is None]
    assert unrun == [], "execute the notebook before committing it (the site shows its outputs)"
    assert len(_html_tables(notebook)) >= 2
