"""Project-wide guards: layers, the public API, documented settings."""

from __future__ import annotations

import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import mcembed
from mcembed.config import SETTINGS

ROOT = Path(__file__).resolve().parent.parent
FRAMEWORKS = ("flask", "werkzeug", "pylti1p3", "ipywidgets", "traitlets", "IPython")


def test_the_core_imports_no_web_or_notebook_framework() -> None:
    """Every mcembed module, imported in a fresh interpreter, pulls in no framework."""
    modules = [
        m.name
        for m in pkgutil.walk_packages(mcembed.__path__, "mcembed.")
        if ".migrations" not in m.name and not m.name.endswith("__main__")
    ]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"bad = sorted(n for n in sys.modules if n.split('.')[0] in {FRAMEWORKS!r})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert len(modules) > 20
    assert out == ""


def test_all_is_the_sorted_public_names() -> None:
    public = sorted(
        n
        for n in vars(mcembed)
        if not n.startswith("_")
        and n not in {"annotations"}
        and not isinstance(getattr(mcembed, n), type(sys))
    )
    assert sorted(set(mcembed.__all__) - {"__version__"}) == public
    assert mcembed.__all__ == sorted(mcembed.__all__)


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    for setting in SETTINGS:
        assert f"`{setting.env}`" in readme, f"{setting.env} is not documented in README.md"


def test_every_env_variable_the_code_reads_is_a_setting() -> None:
    names = {s.env for s in SETTINGS}
    used: set[str] = set()
    for path in (ROOT / "src").rglob("*.py"):
        used |= set(re.findall(r'"(MCEMBED_[A-Z_]+)"', path.read_text()))
    assert used <= names, used - names


def test_every_package_data_pattern_matches_a_file() -> None:
    """A pattern that matches nothing leaves files out of the wheel (mcembed init's template)."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    roots = config["tool"]["setuptools"]["packages"]["find"]["where"]
    for package, patterns in config["tool"]["setuptools"]["package-data"].items():
        (base,) = [ROOT / r / package for r in roots if (ROOT / r / package).is_dir()]
        for pattern in patterns:
            assert [p for p in base.glob(pattern) if p.is_file()], f"{package}: {pattern}"


def test_settings_take_the_instance_as_text_or_path() -> None:
    from pathlib import Path

    assert mcembed.Settings(instance="somewhere").instance == Path("somewhere")
