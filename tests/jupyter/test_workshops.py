"""The example workshops run headless, and the facilitator commands scaffold and prove workshops."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

from mcembed.cli import cli, main
from mcembed_jupyter import tooling
from solutions import WORKSHOPS

CODE_CHECK = """
  - id: code-double
    kind: code_check
    title: "Step 1: double"
    prompt: Write double(x), which returns twice x.
    target: double
    module: checks/numbers.py
    checks:
      - name: check_double_small
        description: Doubles 2 into 4.
      - name: check_double_negative
        description: Doubles -3 into -6.
    criteria: [planning]
"""
CHECKS = """

def check_double_small(double):
    if double(2) != 4:
        raise AssertionError(f"double(2) returned {double(2)!r}; it should return 4.")


def check_double_negative(double):
    if double(-3) != -6:
        raise AssertionError(f"double(-3) returned {double(-3)!r}; it should return -6.")
"""


@pytest.mark.parametrize(
    ("workshop", "checks"),
    [("analyse-assessment-data", 12), ("item-analysis-feedback", 15)],
)
def test_example_workshop_checks_pass_with_the_solution_and_fail_blank(
    workshop: str, checks: int
) -> None:
    """The notebook runs headless end to end both ways, and every check is sound."""
    folder = WORKSHOPS / workshop
    result = CliRunner().invoke(
        cli,
        [
            "workshop",
            "check",
            str(folder / "workshop.ipynb"),
            "--solution",
            str(folder / "solution.py"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert (
        f"All {checks} checks pass with the solution and fail with the blank template."
        in result.output
    )
    assert not (folder / "instance").exists(), "a check run must not write into the workshop folder"


def test_example_notebooks_are_valid_and_name_their_evidence_explicitly() -> None:
    """Every widget cell names its evidence id; every requirement of the credential has a widget."""
    from mcembed import load_pack

    pack = load_pack(WORKSHOPS.parent / "professional-learning")
    for folder, credential_id in (
        ("analyse-assessment-data", "analyse-assessment-data-python"),
        ("item-analysis-feedback", "item-analysis-feedback-python"),
    ):
        nb = nbformat.read(WORKSHOPS / folder / "workshop.ipynb", as_version=4)
        nbformat.validate(nb)
        source = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        for req in pack.credential(credential_id).evidence:
            assert f'("{req.id}")' in source, f"{folder}: no widget for {req.id}"
        assert "ws.submit_panel()" in source
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")


def test_new_scaffolds_a_workshop_and_check_stubs_then_check_proves_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """From a credential with a code check: stubs, notebook, solution; unwritten checks are reported."""
    runner = CliRunner()
    pack = tmp_path / "pack"
    assert runner.invoke(cli, ["init", str(pack)]).exit_code == 0
    yaml_file = pack / "credentials" / "example.yaml"
    text = yaml_file.read_text()
    yaml_file.write_text(text.replace("rubric:\n", CODE_CHECK.lstrip("\n") + "rubric:\n", 1))

    result = runner.invoke(
        cli,
        [
            "workshop",
            "new",
            str(pack),
            "checking-for-understanding",
            "--folder",
            str(tmp_path / "ws"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "added check stubs to" in result.output
    module = (pack / "checks" / "numbers.py").read_text()
    assert "def check_double_small(target):" in module
    nb = nbformat.read(tmp_path / "ws" / "workshop.ipynb", as_version=4)
    sources = [c.source for c in nb.cells]
    assert any(s.startswith("def double(*args):") for s in sources)
    assert "ws.code_check('code-double')" in sources
    assert "ws.upload('lesson-plan')" in sources
    assert "ws.reflection('reflection')" in sources

    code, out = run_main(
        capsys,
        "workshop",
        "new",
        str(pack),
        "checking-for-understanding",
        "--folder",
        str(tmp_path / "ws"),
    )
    assert code == 1
    assert "already exists" in out

    (tmp_path / "ws" / "solution.py").write_text("def double(x):\n    return 2 * x\n")
    stubbed = runner.invoke(
        cli,
        [
            "workshop",
            "check",
            str(tmp_path / "ws" / "workshop.ipynb"),
            "--solution",
            str(tmp_path / "ws" / "solution.py"),
        ],
    )
    assert stubbed.exit_code == 1
    assert "solution FAILS" in stubbed.output
    assert "check_double_small is not written yet" in stubbed.output

    (pack / "checks" / "numbers.py").write_text(CHECKS)
    (tmp_path / "ws" / "solution.py").write_text(
        "def double(x):\n    return x + x if x > 0 else x\n"
    )
    wrong = runner.invoke(
        cli,
        [
            "workshop",
            "check",
            str(tmp_path / "ws" / "workshop.ipynb"),
            "--solution",
            str(tmp_path / "ws" / "solution.py"),
        ],
    )
    assert wrong.exit_code == 1
    assert "PROBLEM  check_double_negative: solution FAILS, blank fails" in wrong.output
    assert "ok       check_double_small: solution passes, blank fails" in wrong.output


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """Run the real entry point (which turns McembedError into a message and status 1)."""
    try:
        main(list(args))
        code = 0
    except SystemExit as e:
        code = int(e.code or 0)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_new_names_an_unknown_credential(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["init", str(tmp_path / "pack")]).exit_code == 0
    code, out = run_main(
        capsys, "workshop", "new", str(tmp_path / "pack"), "checking-for-understandin"
    )
    assert code == 1
    assert "No credential 'checking-for-understandin'" in out
    assert "did you mean 'checking-for-understanding'" in out


def test_the_solution_runs_after_each_cell_that_defines_its_names() -> None:
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("import csv"),
            nbformat.v4.new_code_cell("def parse_score(value):\n    return None"),
            nbformat.v4.new_code_cell("parse_score('1')"),
        ]
    )
    filled = tooling.with_solution(nb, "def parse_score(value):\n    return float(value)\n")
    assert [c.source.splitlines()[0] for c in filled.cells] == [
        "import csv",
        "def parse_score(value):",
        "def parse_score(value):",
        "parse_score('1')",
    ]
    assert "return float(value)" in filled.cells[2].source
    with pytest.raises(ValueError, match="nothing to replace"):
        tooling.with_solution(nb, "def other():\n    pass\n")
    with pytest.raises(ValueError, match="defines no function"):
        tooling.with_solution(nb, "print('hi')\n")


def test_check_refuses_what_it_cannot_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "broken.ipynb"
    bad.write_text("{not json")
    solution = tmp_path / "s.py"
    solution.write_text("x = 1\n")
    code, out = run_main(capsys, "workshop", "check", str(bad), "--solution", str(solution))
    assert code == 1
    assert "cannot read the notebook" in out
    assert "Traceback" not in out


def test_the_workshop_folder_can_be_copied_anywhere_with_its_pack(tmp_path: Path) -> None:
    """Relative paths: a copy of examples/ keeps the notebook's pack reference working."""
    shutil.copytree(
        WORKSHOPS.parent / "professional-learning", tmp_path / "examples" / "professional-learning"
    )
    shutil.copytree(
        WORKSHOPS / "analyse-assessment-data", tmp_path / "examples" / "workshops" / "a"
    )
    nb = json.loads((tmp_path / "examples" / "workshops" / "a" / "workshop.ipynb").read_text())
    setup = "".join(nb["cells"][1]["source"])
    assert 'pack="../../professional-learning"' in setup
    assert (
        (tmp_path / "examples" / "workshops" / "a" / "../../professional-learning/pack.yaml")
        .resolve()
        .exists()
    )
