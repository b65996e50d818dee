"""Facilitator tooling behind ``mcembed workshop new`` and ``mcembed workshop check``.

``scaffold`` writes a workshop notebook for a credential (its card, one widget
per evidence requirement in the pack's order, a stub cell before each code
check, self-assessment and submit panel), a ``solution.py`` skeleton, and stub
functions for any named check missing from the pack's check modules.

``check_workshop`` executes a notebook headless (nbclient) twice, with the
reference solution and as the blank template, each time in a fresh instance
folder, then runs every code check of every ``Workshop`` the notebook made in
that same kernel. A workshop is sound when each check passes with the solution
and fails with the blank template.
"""

from __future__ import annotations

import ast
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import yaml
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from mcembed import Credential, EvidenceKind, NotFound, ValidationError, load_pack
from mcembed.errors import did_you_mean

__all__ = ["CheckOutcome", "WorkshopReport", "check_workshop", "probe", "scaffold"]

PROBE_MARK = "MCEMBED-WORKSHOP-PROBE:"


# --- workshop new ---------------------------------------------------------------------


def _missing_check_stubs(pack: Path) -> dict[Path, list[tuple[str, str]]]:
    """Check functions the pack's credentials name but its modules do not define."""
    wanted: dict[Path, list[tuple[str, str]]] = {}
    for file in sorted((pack / "credentials").glob("*.y*ml")):
        try:
            data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError:
            continue  # load_pack reports it with its line
        for ev in data.get("evidence") or []:
            if not isinstance(ev, dict) or ev.get("kind") != "code_check" or not ev.get("module"):
                continue
            module = pack / str(ev["module"])
            defined: set[str] = set()
            if module.exists():
                try:
                    tree = ast.parse(module.read_text(encoding="utf-8"))
                except SyntaxError:
                    continue
                defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
            for check in ev.get("checks") or []:
                name = str(check.get("name", "")) if isinstance(check, dict) else ""
                known = {n for n, _ in wanted.get(module, [])}
                if name.isidentifier() and name not in defined and name not in known:
                    wanted.setdefault(module, []).append((name, str(check.get("description", ""))))
    return wanted


_CHECK_STUB = '''

def {name}(target):
    """{description}"""
    # Call target on small fixed inputs; return when it is right, and raise
    # AssertionError with a sentence for the learner when it is not, e.g.
    #     got = target(...)
    #     if got != expected:
    #         raise AssertionError(f"target(...) returned {{got!r}}; it should return ...")
    raise AssertionError("{name} is not written yet: write it in the pack's check module.")
'''


def _write_check_stubs(pack: Path) -> list[Path]:
    written = []
    for module, checks in _missing_check_stubs(pack).items():
        module.parent.mkdir(parents=True, exist_ok=True)
        head = "" if module.exists() else f'"""Code checks of the pack (module {module.name})."""\n'
        stubs = "".join(
            _CHECK_STUB.format(name=n, description=(d or n).replace('"""', "'''"))
            for n, d in checks
        )
        with module.open("a", encoding="utf-8") as f:
            f.write(head + stubs)
        written.append(module)
    return written


def _notebook_for(credential: Credential, pack: str) -> nbformat.NotebookNode:
    cells = [
        new_markdown_cell(
            f"# {credential.name}\n\n{credential.summary}\n\n"
            "Run the cells from top to bottom. The boxes between the cells collect your "
            "evidence; everything you type is kept in the `instance` folder next to this notebook."
        ),
        new_code_cell(
            "import mcembed_jupyter as mj\n\n"
            f"ws = mj.Workshop({credential.id!r}, pack={pack!r})\nws.card()"
        ),
    ]
    factories = {
        EvidenceKind.REFLECTION: "reflection",
        EvidenceKind.ARTIFACT: "upload",
        EvidenceKind.LINK: "link",
        EvidenceKind.ATTESTATION: "attestation",
        EvidenceKind.CODE_CHECK: "code_check",
    }
    for req in credential.evidence:
        cells.append(new_markdown_cell(f"## {req.title}\n\n{req.prompt}".rstrip()))
        if req.kind is EvidenceKind.CODE_CHECK and req.target:
            cells.append(
                new_code_cell(
                    f"def {req.target}(*args):\n"
                    f'    """Write {req.target} as described above."""\n'
                    "    return None"
                )
            )
        cells.append(new_code_cell(f"ws.{factories[req.kind]}({req.id!r})"))
    cells += [
        new_markdown_cell("## Where is your work now?"),
        new_code_cell("ws.self_assessment()"),
        new_markdown_cell("## Submit"),
        new_code_cell("ws.submit_panel()"),
    ]
    return new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {
                "name": "python3",
                "display_name": "Python 3 (ipykernel)",
                "language": "python",
            },
            "language_info": {"name": "python"},
        },
    )


def _solution_for(credential: Credential) -> str:
    lines = [f'"""Reference solution for the workshop "{credential.name}".', ""]
    lines += [
        "Check the workshop with: mcembed workshop check workshop.ipynb --solution solution.py",
        '"""',
    ]
    for req in credential.evidence:
        if req.kind is EvidenceKind.CODE_CHECK and req.target:
            lines += [
                "",
                "",
                f"def {req.target}(*args):",
                f'    """The reference {req.target}: replace this body with a correct one."""',
                f"    raise NotImplementedError({req.target!r})",
            ]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True, slots=True, kw_only=True)
class Scaffold:
    """What ``scaffold`` wrote."""

    notebook: Path
    solution: Path
    check_modules: tuple[Path, ...] = ()


def scaffold(
    pack: str | os.PathLike[str], credential_id: str, folder: str | os.PathLike[str]
) -> Scaffold:
    """Write a workshop for ``credential_id`` of ``pack`` into ``folder``.

    Raises:
        ValidationError: ``folder`` already holds a workshop notebook.
        PackError: the pack has problems (after any missing checks were stubbed).
        NotFound: the pack has no such credential.
    """
    pack_dir = Path(pack)
    target = Path(folder)
    notebook = target / "workshop.ipynb"
    if notebook.exists():
        raise ValidationError(f"{notebook} already exists; choose another folder.")
    stubs = _write_check_stubs(pack_dir) if (pack_dir / "credentials").is_dir() else []
    loaded = load_pack(pack_dir)
    try:
        credential = loaded.credential(credential_id)
    except KeyError:
        ids = [c.id for c in loaded.credentials]
        raise NotFound(
            f"No credential {credential_id!r} in {pack_dir}{did_you_mean(credential_id, ids)}."
        ) from None
    target.mkdir(parents=True, exist_ok=True)
    relative = os.path.relpath(pack_dir.resolve(), target.resolve())
    nbformat.write(_notebook_for(credential, Path(relative).as_posix()), notebook)
    solution = target / "solution.py"
    if not solution.exists():
        solution.write_text(_solution_for(credential), encoding="utf-8")
    return Scaffold(notebook=notebook, solution=solution, check_modules=tuple(stubs))


# --- workshop check -------------------------------------------------------------------


def probe(namespace: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Run every code check of every ``Workshop`` in ``namespace`` (inside the kernel)."""
    from .code_checks import load_checks, run_checks
    from .workshop import Workshop

    report = []
    workshops = [v for v in list(namespace.values()) if isinstance(v, Workshop)]
    for ws in workshops:
        for req in ws.credential.evidence:
            if req.kind is not EvidenceKind.CODE_CHECK:
                continue
            source = ws.backend.read_check_module(ws.credential, req.id)
            run = run_checks(req, load_checks(source), namespace, time_limit=ws.time_limit)
            report.append(
                {
                    "credential": ws.credential.id,
                    "evidence": req.id,
                    "target": req.target,
                    "results": [
                        {"name": r.name, "passed": r.passed, "message": r.message}
                        for r in run.results
                    ],
                }
            )
    return report


_PROBE_CELL = (
    "import json as _mcembed_json\n"
    "import mcembed_jupyter.tooling as _mcembed_tooling\n"
    "print(_mcembed_tooling.PROBE_MARK"
    " + _mcembed_json.dumps(_mcembed_tooling.probe(globals())))"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckOutcome:
    """One check: whether it passed with the solution and with the blank template."""

    credential: str
    evidence: str
    target: str
    name: str
    with_solution: bool
    with_blank: bool
    solution_message: str = ""

    @property
    def sound(self) -> bool:
        return self.with_solution and not self.with_blank


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkshopReport:
    """The outcome of ``check_workshop``."""

    outcomes: tuple[CheckOutcome, ...]
    errors: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return bool(self.outcomes) and not self.errors and all(o.sound for o in self.outcomes)


def _defined_names(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


def with_solution(notebook: nbformat.NotebookNode, solution: str) -> nbformat.NotebookNode:
    """The notebook with the solution run right after every cell that defines one of its names."""
    provided = _defined_names(solution)
    if not provided:
        raise ValidationError("The solution defines no function, class or variable to use.")
    filled = nbformat.from_dict(json.loads(json.dumps(notebook)))
    cells = []
    injected = 0
    for cell in filled.cells:
        cells.append(cell)
        if cell.cell_type == "code" and _defined_names(cell.source) & provided:
            cells.append(new_code_cell(solution))
            injected += 1
    if not injected:
        raise ValidationError(
            "No cell of the notebook defines a name the solution provides "
            f"({', '.join(sorted(provided))}), so there is nothing to replace."
        )
    filled.cells = cells
    return filled


def _execute(
    notebook: nbformat.NotebookNode, cwd: Path, *, allow_errors: bool, timeout: int
) -> tuple[list[dict[str, Any]], list[str]]:
    """Run ``notebook`` plus the probe cell in a fresh kernel and instance folder."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.from_dict(json.loads(json.dumps(notebook)))
    nb.cells.append(new_code_cell(_PROBE_CELL))
    errors: list[str] = []
    with tempfile.TemporaryDirectory(prefix="mcembed-workshop-check-") as instance:
        env = {
            **os.environ,
            "MCEMBED_INSTANCE": instance,
            "MCEMBED_LEARNER": "workshop-check",
            "MCEMBED_DATABASE_URL": "",
        }
        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            allow_errors=allow_errors,
            resources={"metadata": {"path": str(cwd)}},
        )
        try:
            client.execute(env=env, cwd=str(cwd))
        except CellExecutionError as e:
            errors.append(str(e).strip().splitlines()[-1] if str(e).strip() else repr(e))
    for number, cell in enumerate(nb.cells[:-1], 1):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                errors.append(f"cell {number}: {output.get('ename')}: {output.get('evalue')}")
    for output in nb.cells[-1].get("outputs", []):
        text = output.get("text", "") if output.get("output_type") == "stream" else ""
        for line in text.splitlines():
            if line.startswith(PROBE_MARK):
                return json.loads(line[len(PROBE_MARK) :]), errors
    errors.append("the notebook made no mcembed_jupyter.Workshop, so there are no checks to run")
    return [], errors


def check_workshop(
    notebook: str | os.PathLike[str],
    solution: str | os.PathLike[str],
    *,
    timeout: int = 120,
) -> WorkshopReport:
    """Prove each code check passes with ``solution`` and fails with the blank ``notebook``.

    Args:
        notebook: the workshop notebook as learners get it.
        solution: a Python file with the reference functions (run after each cell
            that defines one of them), or a filled-in copy of the notebook.
        timeout: seconds each cell may run.
    """
    nb_path = Path(notebook)
    try:
        blank = nbformat.read(nb_path, as_version=4)
    except (OSError, ValueError) as e:
        raise ValidationError(f"{nb_path}: cannot read the notebook ({e})") from None
    sol_path = Path(solution)
    try:
        if sol_path.suffix == ".ipynb":
            filled = nbformat.read(sol_path, as_version=4)
        else:
            filled = with_solution(blank, sol_path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ValidationError(f"{sol_path}: cannot read the solution ({e})") from None
    cwd = nb_path.resolve().parent
    solved, solved_errors = _execute(filled, cwd, allow_errors=False, timeout=timeout)
    plain, _blank_errors = _execute(blank, cwd, allow_errors=True, timeout=timeout)
    blank_results = {
        (r["evidence"], res["name"]): res["passed"] for r in plain for res in r["results"]
    }
    outcomes = tuple(
        CheckOutcome(
            credential=r["credential"],
            evidence=r["evidence"],
            target=r["target"],
            name=res["name"],
            with_solution=res["passed"],
            with_blank=blank_results.get((r["evidence"], res["name"]), False),
            solution_message=res["message"],
        )
        for r in solved
        for res in r["results"]
    )
    errors = tuple(f"with the solution, {e}" for e in solved_errors)
    return WorkshopReport(outcomes=outcomes, errors=errors)


def summarize(report: WorkshopReport) -> Sequence[str]:
    """The report as lines for a terminal."""
    lines: list[str] = []
    evidence = ""
    for o in report.outcomes:
        if o.evidence != evidence:
            evidence = o.evidence
            lines.append(f"{o.credential} / {o.evidence} ({o.target})")
        verdict = "ok" if o.sound else "PROBLEM"
        lines.append(
            f"  {verdict:<7}  {o.name}: solution {'passes' if o.with_solution else 'FAILS'}, "
            f"blank {'PASSES' if o.with_blank else 'fails'}"
        )
        if not o.with_solution:
            lines.append(f"           {o.solution_message}")
    lines += [f"error: {e}" for e in report.errors]
    sound = sum(o.sound for o in report.outcomes)
    if report.ok:
        lines.append(f"All {sound} checks pass with the solution and fail with the blank template.")
    else:
        lines.append(f"{sound} of {len(report.outcomes)} checks are sound.")
    return lines
