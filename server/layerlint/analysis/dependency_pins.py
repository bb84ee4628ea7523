"""Which Keras a set of dependency pins implies, read from the files that declare them.

Reads requirement strings (`tensorflow~=2.12`, `keras<3`, `tf-keras`) from requirements*.txt,
setup.py (its `install_requires`/`extras_require` literals, through `ast`, never executed),
setup.cfg, pyproject.toml (PEP 621 and Poetry tables), Pipfile, environment.yml and `pip
install` command lines (notebook cells), and decides from them the Keras major version that
`keras` / `tf.keras` resolves to:
- a `keras` pin whose every allowed version is below 3 is Keras 2, at or above 3 is Keras 3;
- else a `tf-keras` requirement means the project runs legacy Keras 2 (it is installed for
  `TF_USE_LEGACY_KERAS=1` or `import tf_keras`), and so do tf-models-official (written on
  tf_keras), tensorflow-addons and tensorflow-compression (their last releases need TensorFlow
  before 2.16);
- else a `tensorflow` pin whose every allowed version is below 2.16 is Keras 2 (TensorFlow
  bundled Keras 2 until 2.15), at or above 2.16 is Keras 3.
An unbounded pin (`tensorflow>=2.4`, a bare `keras`) decides nothing: it was written for
whatever was current then. A compatible-release pin (`~=2.12`, Poetry's `^2.12`) decides like
the release it names, the one the code was written for. Only `pip install --upgrade keras` is
read as Keras 3 (the line keras.io gives for upgrading to Keras 3).
"""

from __future__ import annotations

import ast
import configparser
import re
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 (tomli is a dependency there)
    import tomli as tomllib

Version = tuple[int, ...]

_TENSORFLOW = {"tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tensorflow-macos",
               "tensorflow-intel", "tensorflow-aarch64", "intel-tensorflow", "tf-nightly",
               "tf-nightly-cpu", "tf-nightly-gpu"}
_KERAS = {"keras", "keras-nightly"}
# Keras 2 worlds: tf-keras itself; TensorFlow Model Garden, whose `official.*` code is written on
# tf_keras; and packages whose last releases require TensorFlow before 2.16
# (tensorflow-addons, end of life at 2.15; tensorflow-compression, 2.14).
_LEGACY = {"tf-keras", "tf-keras-nightly", "tf-models-official", "tf-models-nightly",
           "tensorflow-addons", "tensorflow-compression"}
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$")
_CLAUSE = re.compile(r"(===|==|~=|!=|<=|>=|<|>|\^|~|=)?\s*([0-9][0-9A-Za-z.*+!-]*)")
_KERAS_3 = (3,)
_TF_KERAS_3 = (2, 16)


@dataclass(frozen=True)
class Pin:
    """One requirement on TensorFlow, Keras or tf-keras, where it was read."""

    package: str
    """"keras", "tensorflow" or "tf-keras" (variants such as tensorflow-cpu folded in)."""
    specifier: str
    """As written: "~=2.12", "<3", "" for none."""
    path: str
    line: int
    text: str
    """The requirement as written, for messages."""
    upgrade: bool = False
    """Installed with `pip install --upgrade`: the newest release."""


@dataclass(frozen=True)
class PinVerdict:
    major: int | None
    version: str | None
    """The exact Keras version when a pin names one (`keras==3.9.2`)."""
    deciding: tuple[Pin, ...]


def package_of(name: str) -> str | None:
    """The package family a distribution name belongs to (PEP 503 normalised), or None."""
    normal = re.sub(r"[-_.]+", "-", name).lower()
    if normal in _KERAS:
        return "keras"
    if normal in _TENSORFLOW:
        return "tensorflow"
    if normal in _LEGACY:
        return "tf-keras"
    return None


def parse_requirement(text: str, path: str, line: int, upgrade: bool = False) -> Pin | None:
    """A Pin for a PEP 508 (or conda `name=1.2`) requirement on one of our packages."""
    requirement = text.split(";", 1)[0].split("#", 1)[0].strip().strip("\"'")
    match = _REQUIREMENT.match(requirement)
    if not match:
        return None
    package = package_of(match.group(1))
    if package is None:
        return None
    specifier = match.group(3).strip().strip("()")
    if specifier.startswith("@"):  # a URL or path: no version to read
        specifier = ""
    return Pin(package, specifier, path, line, requirement, upgrade)


def _version(text: str) -> Version:
    numbers = []
    for part in text.split("."):
        digits = re.match(r"\d+", part)
        if digits is None:
            break
        numbers.append(int(digits.group()))
    return tuple(numbers) or (0,)


def allowed_range(specifier: str) -> tuple[Version | None, Version | None, str | None]:
    """(lowest allowed, first excluded, exact version) of a specifier; None where unbounded."""
    low, high, exact, _ = _read_specifier(specifier)
    return low, high, exact


def _read_specifier(specifier: str) -> tuple[Version | None, Version | None, str | None, str | None]:
    """allowed_range's answer and the release a `~=` clause names (the one written for)."""
    low: Version | None = None
    high: Version | None = None
    exact: str | None = None
    named: str | None = None

    def raise_low(value: Version) -> None:
        nonlocal low
        low = value if low is None or value > low else low

    def cut_high(value: Version) -> None:
        nonlocal high
        high = value if high is None or value < high else high

    for operator, text in _CLAUSE.findall(specifier):
        version = _version(text)
        if operator in ("==", "===", "=", "") and text.endswith("*"):
            prefix = _version(text.rstrip(".*"))
            raise_low(prefix)
            cut_high((*prefix[:-1], prefix[-1] + 1))
        elif operator in ("==", "===", "=", ""):  # Poetry and conda: a bare version is exact
            raise_low(version)
            cut_high((*version, 0, 0, 1))
            exact = text
        elif operator in (">=", ">"):
            raise_low(version)
        elif operator in ("<", "<="):
            cut_high(version if operator == "<" else (*version, 0, 0, 1))
        elif operator == "~=":
            raise_low(version)
            named = text
            kept = version[:-1] if len(version) > 1 else version
            cut_high((*kept[:-1], kept[-1] + 1))
        elif operator == "^":  # Poetry: the leftmost non-zero part may not change
            raise_low(version)
            named = text
            index = next((i for i, part in enumerate(version) if part), len(version) - 1)
            cut_high((*version[:index], version[index] + 1))
        elif operator == "~":  # Poetry: ~1.2 allows 1.2.x
            raise_low(version)
            kept = version[:2] if len(version) > 1 else version
            cut_high((*kept[:-1], kept[-1] + 1))
    return low, high, exact, named


def _side_of(specifier: str, boundary: Version) -> bool | None:
    """True when every allowed version is at or above `boundary`, False when all are below it,
    None when the specifier allows both (or says nothing). `~=2.12` allows 2.16 and later too,
    but it names the release the code was written for, so it decides like `==2.12`."""
    low, high, _, named = _read_specifier(specifier)
    if named is not None:
        return _version(named) >= boundary
    if high is not None and high <= boundary:
        return False
    if low is not None and low >= boundary:
        return True
    return None


def verdict(pins: list[Pin]) -> PinVerdict:
    """The Keras major version these pins imply (see the module docstring for the order)."""
    keras = [pin for pin in pins if pin.package == "keras"]
    decided = _decide(keras, _KERAS_3, lambda above: 3 if above else 2)
    if decided is not None:
        major, deciding = decided
        exact = next((allowed_range(pin.specifier)[2] for pin in deciding
                      if allowed_range(pin.specifier)[2]), None)
        return PinVerdict(major, exact, deciding)
    legacy = [pin for pin in pins if pin.package == "tf-keras"]
    if legacy:
        return PinVerdict(2, None, (legacy[0],))
    tensorflow = [pin for pin in pins if pin.package == "tensorflow"]
    decided = _decide(tensorflow, _TF_KERAS_3, lambda above: 3 if above else 2)
    if decided is not None:
        return PinVerdict(decided[0], None, decided[1])
    return PinVerdict(None, None, ())


def _decide(pins: list[Pin], boundary: Version, major_of) -> tuple[int, tuple[Pin, ...]] | None:
    majors: dict[int, list[Pin]] = {}
    for pin in pins:
        # `pip install -U keras` is how keras.io says to move to Keras 3; an upgrade of
        # tensorflow says nothing of the tf.keras the code was written for.
        upgraded_keras = pin.upgrade and not pin.specifier and pin.package == "keras"
        side = True if upgraded_keras else _side_of(pin.specifier, boundary)
        if side is not None:
            majors.setdefault(major_of(side), []).append(pin)
    if len(majors) != 1:  # nothing decisive, or pins that disagree
        return None
    (major, deciding), = majors.items()
    return major, tuple(deciding)


# -- reading the files -------------------------------------------------------------------------
PIN_FILE_PATTERNS = ("requirements*.txt", "requirements/*.txt", "setup.py", "setup.cfg",
                     "pyproject.toml", "Pipfile", "environment.yml", "environment.yaml")


def pins_in_file(path: Path, text: str) -> list[Pin]:
    """The pins a dependency file declares (an unreadable or malformed file declares none)."""
    name = path.name
    where = str(path)
    try:
        if name == "setup.py":
            return _setup_py_pins(text, where)
        if name == "setup.cfg":
            return _setup_cfg_pins(text, where)
        if name in ("pyproject.toml", "Pipfile"):
            return _toml_pins(text, where)
        if name.startswith("environment."):
            return _line_pins(text, where, r"^\s*-\s*(.+)$")
        return _line_pins(text, where, r"^\s*([A-Za-z].*)$")
    except (SyntaxError, ValueError, configparser.Error):
        return []


def _line_pins(text: str, where: str, pattern: str) -> list[Pin]:
    line_pattern = re.compile(pattern)
    pins = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = line_pattern.match(line)
        if match and (pin := parse_requirement(match.group(1), where, number)):
            pins.append(pin)
    return pins


def _setup_py_pins(text: str, where: str) -> list[Pin]:
    pins = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            pin = parse_requirement(node.value, where, node.lineno)
            if pin is not None and re.match(r"^[A-Za-z0-9._-]+\s*([<>=!~\[;]|$)", node.value.strip()):
                pins.append(pin)
    return pins


def _setup_cfg_pins(text: str, where: str) -> list[Pin]:
    parser = configparser.ConfigParser()
    parser.read_string(text)
    wanted = []
    if parser.has_option("options", "install_requires"):
        wanted.append(parser.get("options", "install_requires"))
    if parser.has_section("options.extras_require"):
        wanted.extend(value for _, value in parser.items("options.extras_require"))
    requirements = {line.strip() for value in wanted for line in value.splitlines() if line.strip()}
    return [pin for number, line in enumerate(text.splitlines(), start=1)
            if line.strip() in requirements and (pin := parse_requirement(line, where, number))]


def _toml_pins(text: str, where: str) -> list[Pin]:
    data = tomllib.loads(text)
    found: list[str] = []
    project = data.get("project", {})
    found += [item for item in project.get("dependencies", []) if isinstance(item, str)]
    for extra in project.get("optional-dependencies", {}).values():
        found += [item for item in extra if isinstance(item, str)]
    poetry = data.get("tool", {}).get("poetry", {})
    tables = [poetry.get("dependencies", {}), data.get("packages", {}),
              *(group.get("dependencies", {}) for group in poetry.get("group", {}).values())]
    for table in tables:
        for name, value in table.items():
            version = value.get("version", "") if isinstance(value, dict) else value
            if isinstance(version, str):
                found.append(f"{name} {'' if version.strip() == '*' else version}")
    lines = text.splitlines()
    pins = []
    for requirement in found:
        pin = parse_requirement(requirement, where, _line_of(lines, requirement))
        if pin is not None:
            pins.append(pin)
    return pins


def _line_of(lines: list[str], requirement: str) -> int:
    name = re.split(r"[<>=!~^\[;\s]", requirement.strip(), maxsplit=1)[0]
    for number, line in enumerate(lines, start=1):
        if re.search(rf"(^|[\"'\s]){re.escape(name)}([\"'\s<>=!~^\[]|$)", line):
            return number
    return 1


_PIP = re.compile(r"^\s*[!%]\s*(?:python3?\s+-m\s+)?pip3?\s+install\s+(.*)$")


def pip_install_pins(line: str, where: str, number: int) -> list[Pin]:
    """Pins of an IPython `!pip install ...` / `%pip install ...` line (options skipped)."""
    match = _PIP.match(line)
    return pip_arguments_pins(match.group(1), where, number) if match else []


def pip_arguments_pins(arguments: str, where: str, number: int) -> list[Pin]:
    """Pins of the arguments of `pip install` (`-q -U "keras<3" tf-keras`)."""
    try:
        words = shlex.split(arguments.split("#", 1)[0])
    except ValueError:
        words = arguments.split()
    upgrade = any(word in ("-U", "--upgrade") or (word.startswith("-") and not word.startswith("--")
                                                  and "U" in word) for word in words)
    pins = []
    skip_next = False
    for word in words:
        if skip_next:
            skip_next = False
            continue
        if word in ("-r", "-c", "-e", "--requirement", "--constraint", "-i", "--index-url",
                    "--extra-index-url", "-f", "--find-links", "--target", "-t"):
            skip_next = True
            continue
        if word.startswith("-"):
            continue
        pin = parse_requirement(word, where, number, upgrade=upgrade)
        if pin is not None:
            pins.append(pin)
    return pins
