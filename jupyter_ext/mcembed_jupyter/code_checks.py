"""Running a pack's code checks against the learner's live objects in the kernel.

A ``code_check`` requirement names a target (``parse_score``), a check module
of the pack and the checks in it. A check is a plain function that takes the
learner's object and returns (passed) or raises ``AssertionError`` with a
message for the learner (failed). This module runs them: each under a time
limit, every other exception turned into a kind sentence that points at the
learner's line, and the source of the checked code kept as evidence.

Whether the results are enough to submit is not decided here: the core's
``check_item`` says that when the evidence is saved or submitted.
"""

from __future__ import annotations

import hashlib
import inspect
import signal
import threading
import time
import traceback
import types
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from mcembed import CheckResult, EvidenceRequirement

__all__ = ["CheckRun", "CheckTimeout", "load_checks", "run_checks", "source_of"]

DEFAULT_TIME_LIMIT = 5.0
MAX_SOURCE_CHARS = 20_000


class CheckTimeout(BaseException):
    """Raised inside a check that ran past its time limit.

    A ``BaseException`` so that the learner's ``except Exception`` cannot swallow it.
    """


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckRun:
    """The results of one run of a requirement's checks."""

    results: tuple[CheckResult, ...]
    source: str
    seconds: float

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.results)


_MODULES: dict[str, dict[str, Any]] = {}


def load_checks(source: str, name: str = "mcembed_checks") -> Mapping[str, Any]:
    """The namespace of a check module, compiled once per distinct source."""
    key = hashlib.sha256(source.encode("utf-8")).hexdigest()
    found = _MODULES.get(key)
    if found is None:
        module = types.ModuleType(f"{name}_{key[:12]}")
        module.__file__ = f"<checks {name}>"
        exec(compile(source, module.__file__, "exec"), module.__dict__)
        found = _MODULES[key] = module.__dict__
    return found


def source_of(value: Any) -> str:
    """The source of the learner's function or class; a short repr of any other value."""
    if inspect.isfunction(value) or inspect.isclass(value) or inspect.ismethod(value):
        try:
            return inspect.getsource(value)[:MAX_SOURCE_CHARS]
        except (OSError, TypeError):
            return f"# source not available for {value!r}"
    text = repr(value)
    return text if len(text) <= 2000 else text[:2000] + " ..."


def run_checks(
    requirement: EvidenceRequirement,
    checks: Mapping[str, Any],
    namespace: Mapping[str, Any],
    *,
    time_limit: float = DEFAULT_TIME_LIMIT,
) -> CheckRun:
    """Run every check of ``requirement`` against ``namespace[requirement.target]``.

    Args:
        requirement: a ``code_check`` requirement (its target and named checks).
        checks: the check module's namespace (see ``load_checks``).
        namespace: the learner's variables (the kernel's ``user_ns``).
        time_limit: seconds each check may take.

    Returns:
        One ``CheckResult`` per check, in the requirement's order.
    """
    started = time.perf_counter()
    target = requirement.target
    if target not in namespace:
        message = (
            f"{target} is not defined yet. Run the cell where you define it, "
            "then run the checks again."
        )
        results = tuple(
            CheckResult(name=c.name, passed=False, message=message) for c in requirement.checks
        )
        return CheckRun(results=results, source="", seconds=time.perf_counter() - started)
    value = namespace[target]
    results = tuple(
        _run_one(c.name, checks.get(c.name), value, target, c.description, time_limit)
        for c in requirement.checks
    )
    return CheckRun(results=results, source=source_of(value), seconds=time.perf_counter() - started)


def _run_one(
    name: str,
    check: Callable[[Any], Any] | None,
    value: Any,
    target: str,
    description: str,
    time_limit: float,
) -> CheckResult:
    if not callable(check):
        return CheckResult(
            name=name,
            passed=False,
            message=f"The check {name} is missing from the pack's check module; "
            "tell your facilitator.",
        )
    try:
        _call_with_limit(check, value, time_limit)
    except AssertionError as e:
        return CheckResult(name=name, passed=False, message=str(e).strip() or description)
    except CheckTimeout:
        return CheckResult(
            name=name,
            passed=False,
            message=f"{target} was still running after {time_limit:g} seconds, so the check "
            "stopped it. Look for a loop that never ends (a while loop whose condition "
            "never becomes false).",
        )
    except Exception as e:
        return CheckResult(name=name, passed=False, message=_explain(e, target))
    return CheckResult(name=name, passed=True, message=description)


def _explain(error: Exception, target: str) -> str:
    """A kind sentence about an exception raised while checking the learner's code."""
    frames = traceback.extract_tb(error.__traceback__)
    learner = [
        f
        for f in frames
        if f.filename not in (__file__, threading.__file__)
        and not f.filename.startswith("<checks ")
    ]
    where = ""
    if learner:
        last = learner[-1]
        line = f": {last.line.strip()}" if last.line else ""
        where = f" at line {last.lineno} of {last.name}{line}"
    detail = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return (
        f"{target} stopped with {detail}{where}. It should return a value for the "
        "check's input instead of raising an error."
    )


def _call_with_limit(fn: Callable[[Any], Any], value: Any, seconds: float) -> Any:
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        with _alarm(seconds):
            return fn(value)
    return _in_thread(fn, value, seconds)


@contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    """SIGALRM after ``seconds`` (the kernel runs widget callbacks on its main thread)."""

    def expire(signum: int, frame: types.FrameType | None) -> None:
        raise CheckTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _in_thread(fn: Callable[[Any], Any], value: Any, seconds: float) -> Any:
    """Where no alarm is possible (Windows, a worker thread): wait at most ``seconds``.

    A runaway check keeps running in its daemon thread; its result is dropped.
    """
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["value"] = fn(value)
        except BaseException as e:  # handed to the caller's thread below
            outcome["error"] = e

    worker = threading.Thread(target=work, name="mcembed-check", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise CheckTimeout
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")
