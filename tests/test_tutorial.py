"""The tutorial notebook (docs/tutorial.ipynb) runs top to bottom in a fresh kernel, so it
cannot rot; the site renders the outputs stored in it, so those must be there too.

After editing the notebook, store fresh outputs with ``.venv/bin/python tests/test_tutorial.py``
(the kernel starts in a temporary directory, so any working directory will do)."""

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


def execute(where: Path) -> nbformat.NotebookNode:
    """The notebook as a fresh kernel started in `where` runs it; a cell that raises raises
    CellExecutionError. Away from the source tree's ndes/ (no compiled _core), the kernel
    imports the installed package."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []  # only this run's outputs count
            cell.metadata = {}
    nbclient.NotebookClient(
        notebook,
        timeout=120,
        startup_timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(where)}},
    ).execute()
    return notebook


def test_the_notebook_executes_and_shows_tables(tmp_path: Path):
    notebook = execute(tmp_path)
    tables = _html_tables(notebook)
    assert any("NdesConnector" in t for t in tables), "no connector shown as a table"
    assert any('class="dataframe"' in t and "state" in t for t in tables), "no DataFrame"
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


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as where:
        nbformat.write(execute(Path(where)), NOTEBOOK)
    print(f"{NOTEBOOK}: executed, outputs stored")
