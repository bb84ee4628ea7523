"""Ground-truth harness: runs fixture programs under the real framework and reads their annotations.

Two jobs, both about the fixture files under `tests/fixtures/`:
- running: every program of one framework runs in ONE subprocess (importing TensorFlow costs
  seconds, so never one process per fixture), each isolated (own module, try/except around
  `run()`, `clear_session()` between), and comes back as a `RunOutcome`: crashed or not, the
  exception, the fixture lines on its traceback, layer counts of what `run()` returned, and
  numeric facts it measured;
- reading: `load_fixture` parses the header comments (`# runtime:`, `# framework:`, ...) and the
  trailing `# expect: LL101 error` / `# fix: <title>` comments the ground-truth tests compare
  the analysis against. The format is described in tests/fixtures/reuse/README.md.

Running this file as a script is the subprocess side (`--worker`); tests only import it.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import tempfile
import tokenize
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

FRAMEWORKS = ("tensorflow", "tf-keras", "torch")
"""`tf-keras`: TensorFlow with `TF_USE_LEGACY_KERAS=1`, so `tf.keras` is the Keras 2 of tf-keras
(how projects written for TensorFlow up to 2.15 run today); its own worker process, since the
switch is read when TensorFlow is first imported."""
SEVERITIES = ("error", "warning", "information", "hint")

# Environment for the worker: quiet TensorFlow, CPU only, Keras on its TensorFlow backend
# whatever the developer's shell says.
_WORKER_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "KERAS_BACKEND": "tensorflow",
    "CUDA_VISIBLE_DEVICES": "",
    "PYTHONHASHSEED": "0",
}

if TYPE_CHECKING:
    from layerlint.findings import Finding


# ---------------------------------------------------------------------------------------------
# Running programs


@dataclass(frozen=True)
class Program:
    """One program to run: source text defining `def run()`, named for the report."""

    name: str
    source: str
    framework: str = "tensorflow"
    filename: str | None = None
    """Used in tracebacks; defaults to `<program NAME>`."""


@dataclass(frozen=True)
class RunOutcome:
    name: str
    crashed: bool
    phase: str | None = None
    """Where it crashed: "load" (module-level code) or "run" (inside `run()`)."""
    error_type: str | None = None
    error_message: str | None = None
    traceback_lines: tuple[int, ...] = ()
    """Lines of the program itself on the exception's traceback, outermost first."""
    layer_counts: dict[str, int] = field(default_factory=dict)
    """Layer/module class name -> number of instances in what `run()` returned."""
    facts: dict[str, float] = field(default_factory=dict)
    """Numbers `run()` returned in a dict."""
    seconds: float = 0.0


class HarnessError(RuntimeError):
    """The worker process itself failed (not a program under test)."""


def run_programs(programs: Sequence[Program], timeout: float = 600.0) -> dict[str, RunOutcome]:
    """Run every program, one subprocess per framework, and return outcomes by name."""
    names = [program.name for program in programs]
    if len(set(names)) != len(names):
        raise ValueError("program names must be unique")
    unknown = {program.framework for program in programs} - set(FRAMEWORKS)
    if unknown:
        raise ValueError(f"unknown framework(s): {sorted(unknown)}")
    outcomes: dict[str, RunOutcome] = {}
    for framework in FRAMEWORKS:
        batch = [program for program in programs if program.framework == framework]
        if batch:
            outcomes.update(_run_batch(framework, batch, timeout))
    return outcomes


def run_sources(
    pairs: Iterable[tuple[str, str]], framework: str = "tensorflow", timeout: float = 600.0
) -> dict[str, RunOutcome]:
    """Run (name, source text) pairs, e.g. programs after a quick-fix, in one subprocess."""
    return run_programs([Program(name, source, framework) for name, source in pairs], timeout)


def _run_batch(framework: str, programs: Sequence[Program], timeout: float) -> dict[str, RunOutcome]:
    with tempfile.TemporaryDirectory(prefix="layerlint-runner-") as folder:
        request = Path(folder) / "request.json"
        response = Path(folder) / "response.json"
        request.write_text(
            json.dumps([
                {"name": p.name, "source": p.source, "filename": p.filename or f"<program {p.name}>"}
                for p in programs
            ]),
            encoding="utf-8",
        )
        command = [sys.executable, str(Path(__file__).resolve()), "--worker", framework,
                   str(request), str(response)]
        env = {**os.environ, **_WORKER_ENV,
               **({"TF_USE_LEGACY_KERAS": "1"} if framework == "tf-keras" else {})}
        try:
            completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                                       env=env, check=False)
            stderr_tail = completed.stderr[-3000:]
        except subprocess.TimeoutExpired as error:
            stderr_tail = f"worker timed out after {timeout} s: {str(error.stderr)[-2000:]}"
        # The worker rewrites the response after every program, so a worker that died midway
        # still reports what it finished; the rest are marked as the worker's failure.
        finished = json.loads(response.read_text(encoding="utf-8")) if response.exists() else []
    outcomes = {item["name"]: _outcome_from_json(item) for item in finished}
    if not outcomes and programs:
        raise HarnessError(f"{framework} worker produced no result:\n{stderr_tail}")
    for program in programs:
        outcomes.setdefault(program.name, RunOutcome(
            name=program.name, crashed=True, phase="worker", error_type="WorkerDied",
            error_message=stderr_tail))
    return outcomes


def _outcome_from_json(item: dict[str, Any]) -> RunOutcome:
    return RunOutcome(
        name=item["name"],
        crashed=item["crashed"],
        phase=item.get("phase"),
        error_type=item.get("error_type"),
        error_message=item.get("error_message"),
        traceback_lines=tuple(item.get("traceback_lines", ())),
        layer_counts=dict(item.get("layer_counts", {})),
        facts=dict(item.get("facts", {})),
        seconds=item.get("seconds", 0.0),
    )


# ---------------------------------------------------------------------------------------------
# Reading fixtures

_HEADER = re.compile(r"^#\s*(runtime|runtime-error|framework|after-fix|fact):\s*(.*?)\s*$")
_EXPECT = re.compile(r"#\s*expect:\s*([^#]+)")
_FIX = re.compile(r"#\s*fix:\s*([^#]+)")
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")  # Keras 3 bolds parts of its error messages
_EXPECTATION = re.compile(r"^(LL\d{3})\s+(error|warning|information|hint)$")


@dataclass(frozen=True)
class Expectation:
    line: int
    code: str
    severity: str


@dataclass(frozen=True)
class Fixture:
    name: str
    path: Path
    source: str
    runtime: str
    """"crash" or "ok": what the framework does when the program runs."""
    framework: str
    runtime_error: str | None
    expectations: tuple[Expectation, ...]
    fixes: dict[int, str]
    """Line -> title of the quick-fix the finding on that line must offer."""
    after_fix: dict[str, int]
    """Layer class -> count the fixed program's model must hold."""
    fact_checks: tuple[str, ...]
    """Python expressions over the facts `run()` returns, each must hold."""

    def program(self) -> Program:
        return Program(self.name, self.source, self.framework, str(self.path))


class FixtureFormatError(ValueError):
    pass


def load_fixture(path: Path) -> Fixture:
    source = path.read_text(encoding="utf-8")
    return parse_fixture(path.stem, source, path)


def load_fixtures(directory: Path) -> list[Fixture]:
    return [load_fixture(path) for path in sorted(directory.glob("*.py"))]


def parse_fixture(name: str, source: str, path: Path | None = None) -> Fixture:
    """Read a fixture's annotations from its comments (never from strings or docstrings)."""
    where = str(path or name)
    headers: dict[str, list[str]] = {}
    expectations: list[Expectation] = []
    fixes: dict[int, str] = {}
    for line, text, whole_line in _comments(source):
        header = _HEADER.match(text) if whole_line else None
        if header:
            headers.setdefault(header.group(1), []).append(header.group(2))
            continue
        expect = _EXPECT.search(text)
        fix = _FIX.search(text)
        if (expect or fix) and whole_line:
            raise FixtureFormatError(f"{where}:{line}: `# expect:`/`# fix:` must trail code")
        if expect:
            expectations.extend(_parse_expectations(expect.group(1), line, where))
        if fix:
            if not expect:
                raise FixtureFormatError(f"{where}:{line}: `# fix:` without `# expect:`")
            fixes[line] = fix.group(1).strip()
    runtime = _single(headers, "runtime", where)
    if runtime not in ("crash", "ok"):
        raise FixtureFormatError(f"{where}: `# runtime:` must be crash or ok, not {runtime!r}")
    framework = _single(headers, "framework", where, default="tensorflow")
    if framework not in FRAMEWORKS:
        raise FixtureFormatError(f"{where}: unknown framework {framework!r}")
    return Fixture(
        name=name,
        path=path or Path(f"{name}.py"),
        source=source,
        runtime=runtime,
        framework=framework,
        runtime_error=_single(headers, "runtime-error", where, default=None),
        expectations=tuple(expectations),
        fixes=fixes,
        after_fix=_parse_counts(headers.get("after-fix", []), where),
        fact_checks=tuple(headers.get("fact", [])),
    )


def _comments(source: str) -> Iterable[tuple[int, str, bool]]:
    """(line, comment text, whether the comment is alone on its line) for every comment."""
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    for token in tokens:
        if token.type == tokenize.COMMENT:
            whole_line = token.line[: token.start[1]].strip() == ""
            yield token.start[0], token.string, whole_line


def _parse_expectations(text: str, line: int, where: str) -> list[Expectation]:
    result = []
    for item in text.split(","):
        match = _EXPECTATION.match(item.strip())
        if not match:
            raise FixtureFormatError(
                f"{where}:{line}: cannot read expectation {item.strip()!r} "
                "(want e.g. `LL101 error`)")
        result.append(Expectation(line, match.group(1), match.group(2)))
    return result


def _parse_counts(values: list[str], where: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        for item in value.split(","):
            layer, _, number = item.partition("=")
            if not number.strip().isdigit():
                raise FixtureFormatError(f"{where}: `# after-fix:` wants Layer=N, got {item!r}")
            counts[layer.strip()] = int(number)
    return counts


def _single(headers: dict[str, list[str]], key: str, where: str, default: Any = ...) -> Any:
    values = headers.get(key, [])
    if len(values) > 1:
        raise FixtureFormatError(f"{where}: `# {key}:` given {len(values)} times")
    if values:
        return values[0]
    if default is ...:
        raise FixtureFormatError(f"{where}: missing `# {key}:` header")
    return default


def check_facts(fixture: Fixture, outcome: RunOutcome) -> list[str]:
    """The fixture's `# fact:` expressions that do not hold for the measured facts."""
    failed = []
    for expression in fixture.fact_checks:
        try:
            holds = bool(eval(expression, {"__builtins__": {}}, dict(outcome.facts)))
        except Exception as error:  # a missing fact reads as a failed check, with the reason
            failed.append(f"{expression}  ({type(error).__name__}: {error})")
            continue
        if not holds:
            failed.append(f"{expression}  (facts: {outcome.facts})")
    return failed


# ---------------------------------------------------------------------------------------------
# The worker: this part runs inside the subprocess, after importing the framework.


def _worker(framework: str, request_path: str, response_path: str) -> int:
    import time
    import traceback
    import types

    programs = json.loads(Path(request_path).read_text(encoding="utf-8"))
    reset = _framework_reset(framework)
    results: list[dict[str, Any]] = []
    for index, program in enumerate(programs):
        reset()
        module_name = f"_layerlint_fixture_{index}"
        module = types.ModuleType(module_name)
        module.__file__ = program["filename"]
        sys.modules[module_name] = module  # some frameworks look classes up by module
        result: dict[str, Any] = {"name": program["name"], "crashed": False}
        started = time.perf_counter()
        phase = "load"
        try:
            code = compile(program["source"], program["filename"], "exec")
            exec(code, module.__dict__)
            phase = "run"
            run = module.__dict__.get("run")
            if not callable(run):
                raise TypeError("the program defines no run() function")
            returned = run()
            result.update(_describe_returned(returned))
        except BaseException as error:  # the program under test may raise anything
            if isinstance(error, KeyboardInterrupt):
                raise
            frames = traceback.extract_tb(error.__traceback__)
            result.update(
                crashed=True,
                phase=phase,
                error_type=type(error).__name__,
                error_message=_ANSI_ESCAPE.sub("", str(error)),
                traceback_lines=[f.lineno for f in frames if f.filename == program["filename"]],
            )
        finally:
            sys.modules.pop(module_name, None)
        result["seconds"] = round(time.perf_counter() - started, 4)
        results.append(result)
        # Write-then-rename: a worker killed mid-write never leaves half a JSON document.
        partial = Path(response_path).with_suffix(".partial")
        partial.write_text(json.dumps(results), encoding="utf-8")
        os.replace(partial, response_path)
    return 0


def _framework_reset(framework: str):
    """Import the framework once and return the function that resets its global state."""
    if framework == "torch":
        import torch

        def reset_torch() -> None:
            torch.manual_seed(0)

        return reset_torch
    if framework == "tf-keras":
        import tf_keras

        def reset_tf_keras() -> None:
            tf_keras.backend.clear_session()
            tf_keras.utils.set_random_seed(0)

        return reset_tf_keras
    import keras

    def reset_keras() -> None:
        keras.backend.clear_session()
        if "tf_keras" in sys.modules:  # legacy Keras keeps its own graph and name counters
            sys.modules["tf_keras"].backend.clear_session()
        keras.utils.set_random_seed(0)

    return reset_keras


def _describe_returned(returned: Any) -> dict[str, Any]:
    counts: dict[str, int] = {}
    facts: dict[str, float] = {}
    values = returned.items() if isinstance(returned, dict) else [("", returned)]
    for key, value in values:
        if _is_number(value):
            facts[key] = float(value)
        elif value is not None:
            for name, count in _count_layers(value).items():
                counts[name] = counts.get(name, 0) + count
    return {"layer_counts": counts, "facts": facts}


def _is_number(value: Any) -> bool:
    try:
        import numpy
    except ImportError:  # pragma: no cover - numpy comes with both frameworks
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, (int, float, numpy.number)) and not isinstance(value, bool)


def _count_layers(model: Any) -> dict[str, int]:
    if hasattr(model, "_flatten_layers"):  # Keras 3 and tf_keras layers and models
        layers = model._flatten_layers(include_self=True, recursive=True)
    elif hasattr(model, "modules"):  # torch.nn.Module
        layers = model.modules()
    else:
        return {}
    counts: dict[str, int] = {}
    for layer in layers:
        counts[type(layer).__name__] = counts.get(type(layer).__name__, 0) + 1
    return counts


if __name__ == "__main__":
    if len(sys.argv) != 5 or sys.argv[1] != "--worker":
        sys.exit("usage: framework_runner.py --worker tensorflow|tf-keras|torch REQUEST RESPONSE")
    sys.exit(_worker(sys.argv[2], sys.argv[3], sys.argv[4]))


def mismatch_report(fixture: Fixture, found: list[Finding], heading: str) -> str | None:
    """None when `found` is exactly the fixture's `# expect:` set (line, code, severity), else
    `heading` and each missing and unexpected finding with its code line."""
    expected = Counter((e.line, e.code, e.severity) for e in fixture.expectations)
    actual = Counter((f.span.line, f.code, f.severity.value) for f in found)
    if expected == actual:
        return None
    lines = fixture.source.splitlines()
    messages = {(f.span.line, f.code, f.severity.value): f.message for f in found}
    report = [heading]
    for label, keys in (("missing", expected - actual), ("unexpected", actual - expected)):
        for line, code, severity in sorted(keys.elements()):
            text = lines[line - 1].strip() if 0 < line <= len(lines) else "?"
            report.append(f"  {label:10} line {line}: {code} {severity}   | {text}")
            if label == "unexpected":
                report.append(f"  {'':10} message: {messages[(line, code, severity)]}")
    return "\n".join(report)
