"""Typed fix requests: the contract between the rules that propose a quick-fix and the fixes.

A rule creates one of these frozen dataclasses; the fix for its kind receives it back
(`layerlint.fixes.apply_fix` dispatches on the class). In between, a request travels as JSON
inside a diagnostic (`{"title", "kind", "data"}`) and comes back in a code action, so each kind
says how it serialises (`to_data`, whose keys and order are a public contract: editors hand the
data back unchanged), how it is read back with validation (`from_data`, raising
`MalformedFixRequest` with the kind and what is wrong), and how it moves when the block holding
it moves down the module (`shifted`). Positions are 1-based lines; call sites are
`(line, column)` pairs, column 1-based in characters.

Stdlib only, at the bottom of the package: `analysis` and `fixes` both import this module and
neither imports the other.
"""

from __future__ import annotations

import ast
import keyword
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar, TypeVar

CallSite = tuple[int, int]
"""(line, column) of a callee, 1-based, the column in characters."""

FRAMEWORKS = ("keras", "tf_keras")
"""The Keras packages a Keras fix can write code for."""


class FixError(Exception):
    """The fix cannot be applied to this text (it changed, or the code is not as expected)."""


class MalformedFixRequest(FixError, ValueError):
    """A fix request's data does not have the shape its kind needs."""


_Request = TypeVar("_Request", bound="FixRequest")
_OneSite = TypeVar("_OneSite", bound="_OneCallSite")


@dataclass(frozen=True, kw_only=True)
class FixRequest:
    """What every fix request has: the title the editor shows, and its kind (`KIND`)."""

    KIND: ClassVar[str]
    title: str

    @property
    def kind(self) -> str:
        return self.KIND

    @property
    def data(self) -> dict[str, Any]:
        """The JSON-serialisable arguments, as they travel inside a diagnostic."""
        return self.to_data()

    def to_data(self) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def from_data(cls: type[_Request], data: Mapping[str, Any], title: str) -> _Request:
        raise NotImplementedError

    def shifted(self: _Request, line_offset: int) -> _Request:
        """The same request for the code moved down by `line_offset` lines."""
        del line_offset
        return self


def parse_fix_request(kind: str, data: Mapping[str, Any] | None, title: str) -> FixRequest:
    """The typed request for a kind and its data as they came back from an editor."""
    request_type = REQUEST_TYPES.get(kind)
    if request_type is None:
        raise FixError(f"unknown fix kind {kind!r}")
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise MalformedFixRequest(f"malformed {kind} data: expected an object, got {data!r}")
    return request_type.from_data(data, str(title))


# -- reading data back -------------------------------------------------------------------------
class _Reader:
    """Reads one kind's data, collecting every problem into one MalformedFixRequest."""

    def __init__(self, kind: str, data: Mapping[str, Any]) -> None:
        self.kind, self.data = kind, data
        self.problems: list[str] = []

    def _missing(self, key: str) -> bool:
        if key not in self.data:
            self.problems.append(f"missing {key!r}")
            return True
        return False

    def text(self, key: str, identifier: bool = False) -> str:
        if self._missing(key):
            return ""
        value = self.data[key]
        if not isinstance(value, str):
            self.problems.append(f"{key} {value!r} is not a string")
            return ""
        if identifier and not is_identifier(value):
            self.problems.append(f"{value!r} is not an identifier")
        return value

    def optional_text(self, key: str, identifier: bool = False) -> str | None:
        if self.data.get(key) is None:
            return None
        return self.text(key, identifier)

    def line(self, key: str) -> int:
        if self._missing(key):
            return 0
        return self._integer(key, self.data[key])

    def _integer(self, what: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            self.problems.append(f"{what} {value!r} is not a number")
            return 0
        try:
            return int(value)
        except ValueError:
            self.problems.append(f"{what} {value!r} is not a number")
            return 0

    def call_sites(self, key: str = "call_sites") -> tuple[CallSite, ...]:
        if self._missing(key):
            return ()
        value = self.data[key]
        sites: list[CallSite] = []
        if not isinstance(value, (list, tuple)):
            self.problems.append(f"{key} {value!r} is not a list of [line, column] pairs")
            return ()
        for site in value:
            if not isinstance(site, (list, tuple)) or len(site) != 2:
                self.problems.append(f"call site {site!r} is not a [line, column] pair")
                continue
            sites.append((self._integer("call site line", site[0]),
                          self._integer("call site column", site[1])))
        return tuple(sites)

    def names(self, key: str) -> tuple[str, ...]:
        if self._missing(key):
            return ()
        value = self.data[key]
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            self.problems.append(f"{key} {value!r} is not a list of names")
            return ()
        return tuple(value)

    def framework(self, key: str = "framework", default: str | None = None) -> str:
        value = self.data.get(key, default) if default is not None else self.text(key)
        if value not in FRAMEWORKS and not (default is None and key not in self.data):
            self.problems.append(f"unknown framework {value!r}")
        return str(value)

    def flag(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            self.problems.append(f"{key} {value!r} is not true or false")
            return default
        return value

    def check(self, request: _Request) -> _Request:
        if self.problems:
            raise MalformedFixRequest(f"malformed {self.kind} data: " + "; ".join(self.problems))
        return request


def is_identifier(name: object) -> bool:
    return isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name)


def _shift_sites(sites: tuple[CallSite, ...], offset: int) -> tuple[CallSite, ...]:
    return tuple((line + offset, column) for line, column in sites)


def _sites_data(sites: tuple[CallSite, ...]) -> list[list[int]]:
    return [[line, column] for line, column in sites]


# -- the kinds ---------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class SplitLayer(FixRequest):
    """"Split bn into bn_1/bn_2": each call site of a reused layer gets its own instance.

    scope: "attribute" (`self.<name>` of class_name) or "variable" (a local of function_name,
    or module level when None). new_names: one per call site, in order. alias/alias_line: the
    local alias the calls go through (`bn = self.bn`), removed by the fix."""

    KIND: ClassVar[str] = "split-layer"
    scope: str
    class_name: str | None
    function_name: str | None
    name: str
    new_names: tuple[str, ...]
    definition_line: int
    call_sites: tuple[CallSite, ...]
    alias: str | None = None
    alias_line: int | None = None

    @property
    def reference(self) -> str:
        """How the layer reads in code, for messages."""
        return f"self.{self.name}" if self.scope == "attribute" else self.name

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "scope": self.scope, "class_name": self.class_name,
            "function_name": self.function_name, "name": self.name,
            "new_names": list(self.new_names), "definition_line": self.definition_line,
            "call_sites": _sites_data(self.call_sites),
        }
        if self.alias is not None:
            data["alias"] = self.alias
            data["alias_line"] = self.alias_line
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any], title: str) -> SplitLayer:
        read = _Reader(cls.KIND, data)
        alias = read.optional_text("alias", identifier=True)
        request = cls(
            title=title, scope=read.text("scope"), class_name=read.optional_text("class_name"),
            function_name=read.optional_text("function_name"),
            name=read.text("name", identifier=True), new_names=read.names("new_names"),
            definition_line=read.line("definition_line"), call_sites=read.call_sites(),
            alias=alias, alias_line=read.line("alias_line") if alias is not None else None,
        )
        if request.scope not in ("attribute", "variable"):
            read.problems.append(f"unknown scope {request.scope!r}")
        if request.scope == "attribute" and not request.class_name:
            read.problems.append("scope 'attribute' needs class_name")
        if request.alias is not None and request.scope != "attribute":
            read.problems.append("an alias is only supported for scope 'attribute'")
        read.problems += [f"{name!r} is not an identifier"
                          for name in request.new_names if not is_identifier(name)]
        if not request.call_sites or len(request.new_names) != len(request.call_sites):
            read.problems.append("new_names and call_sites must be non-empty and of equal length")
        if len(set(request.new_names)) != len(request.new_names):
            read.problems.append("new_names repeat a name")
        if len(set(request.call_sites)) != len(request.call_sites):
            read.problems.append("call_sites repeat a position")
        return read.check(request)

    def shifted(self, line_offset: int) -> SplitLayer:
        return replace(
            self, definition_line=self.definition_line + line_offset,
            call_sites=_shift_sites(self.call_sites, line_offset),
            alias_line=None if self.alias_line is None else self.alias_line + line_offset,
        )


def split_layer_title(name: str, new_names: tuple[str, ...] | list[str]) -> str:
    """The quick-fix title the editor shows: `Split bn into bn_1/bn_2`."""
    return f"Split {name} into {'/'.join(new_names)}"


@dataclass(frozen=True, kw_only=True)
class LayerPerIteration(FixRequest):
    """"Give each iteration its own bn (self.bns[i])": a list of layers indexed by the loop.

    count: code for the iteration count, valid where the layer is built; container: how the
    module spells `nn.ModuleList` for torch, None for Keras."""

    KIND: ClassVar[str] = "layer-per-iteration"
    class_name: str
    name: str
    new_name: str
    index: str
    count: str
    container: str | None
    definition_line: int
    call_sites: tuple[CallSite, ...]

    def to_data(self) -> dict[str, Any]:
        return {
            "class_name": self.class_name, "name": self.name, "new_name": self.new_name,
            "index": self.index, "count": self.count, "container": self.container,
            "definition_line": self.definition_line, "call_sites": _sites_data(self.call_sites),
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any], title: str) -> LayerPerIteration:
        read = _Reader(cls.KIND, data)
        request = cls(
            title=title, class_name=read.text("class_name", identifier=True),
            name=read.text("name", identifier=True), new_name=read.text("new_name", identifier=True),
            index=read.text("index", identifier=True), count=read.text("count"),
            container=read.optional_text("container"),
            definition_line=read.line("definition_line"), call_sites=read.call_sites(),
        )
        if request.new_name == request.name:
            read.problems.append("new_name must differ from name")
        if not _is_expression(request.count):
            read.problems.append(f"count {request.count!r} is not an expression")
        if request.container is not None and not all(
            is_identifier(part) for part in request.container.split(".")
        ):
            read.problems.append(f"container {request.container!r} is not a dotted name")
        if not request.call_sites or len(set(request.call_sites)) != len(request.call_sites):
            read.problems.append("call_sites must be non-empty and distinct")
        return read.check(request)

    def shifted(self, line_offset: int) -> LayerPerIteration:
        return replace(self, definition_line=self.definition_line + line_offset,
                       call_sites=_shift_sites(self.call_sites, line_offset))


def _is_expression(code: str) -> bool:
    try:
        ast.parse(code, mode="eval")
    except (SyntaxError, ValueError):
        return False
    return True


@dataclass(frozen=True, kw_only=True)
class AddLayerConfig(FixRequest):
    """"Add get_config/from_config to Wrapper": store the constructor arguments and return them
    from get_config; `serialized` arguments go through serialize/deserialize_keras_object."""

    KIND: ClassVar[str] = "add-layer-config"
    class_name: str
    definition_line: int
    framework: str
    serialized: tuple[str, ...] = ()

    def to_data(self) -> dict[str, Any]:
        return {"class_name": self.class_name, "definition_line": self.definition_line,
                "framework": self.framework, "serialized": list(self.serialized)}

    @classmethod
    def from_data(cls, data: Mapping[str, Any], title: str) -> AddLayerConfig:
        read = _Reader(cls.KIND, data)
        return read.check(cls(
            title=title, class_name=read.text("class_name"),
            definition_line=read.line("definition_line"), framework=read.framework(),
            serialized=read.names("serialized"),
        ))

    def shifted(self, line_offset: int) -> AddLayerConfig:
        return replace(self, definition_line=self.definition_line + line_offset)


def layer_config_title(class_name: str) -> str:
    return f"Add get_config/from_config to {class_name}"


@dataclass(frozen=True, kw_only=True)
class _OneCallSite(FixRequest):
    """A fix that rewrites the single call at `call_sites[0]`."""

    call_sites: tuple[CallSite, ...]

    @property
    def call_site(self) -> CallSite:
        return self.call_sites[0]

    @classmethod
    def _read_site(cls, read: _Reader) -> tuple[CallSite, ...]:
        sites = read.call_sites()
        if len(sites) != 1 and not read.problems:
            read.problems.append(f"expected one call site, got {len(sites)}")
        return sites

    def shifted(self: _OneSite, line_offset: int) -> _OneSite:
        return replace(self, call_sites=_shift_sites(self.call_sites, line_offset))


@dataclass(frozen=True, kw_only=True)
class PrintToTfPrint(_OneCallSite):
    """"Replace print with tf.print" at the `print(...)` call."""

    KIND: ClassVar[str] = "print-to-tf-print"
    TITLE: ClassVar[str] = "Replace print with tf.print"
    title: str = TITLE

    def to_data(self) -> dict[str, Any]:
        return {"call_sites": _sites_data(self.call_sites)}

    @classmethod
    def from_data(cls, data: Mapping[str, Any], title: str) -> PrintToTfPrint:
        read = _Reader(cls.KIND, data)
        return read.check(cls(title=title, call_sites=cls._read_site(read)))


@dataclass(frozen=True, kw_only=True)
class VariableToAddWeight(_OneCallSite):
    """"Replace tf.Variable with self.add_weight" at the `tf.Variable(...)` call."""

    KIND: ClassVar[str] = "variable-to-add-weight"
    TITLE: ClassVar[str] = "Replace tf.Variable with self.add_weight"
    title: str = TITLE
    framework: str

    def to_data(self) -> dict[str, Any]:
        return {"call_sites": _sites_data(self.call_sites), "framework": self.framework}

    @classmethod
    def from_data(cls, data: Mapping[str, Any], title: str) -> VariableToAddWeight:
        read = _Reader(cls.KIND, data)
        sites = cls._read_site(read)
        return read.check(cls(title=title, call_sites=sites, framework=read.framework()))


@dataclass(frozen=True, kw_only=True)
class RegisterSerializable(FixRequest):
    """"Register Block with @keras.saving.register_keras_serializable()": decorate the class
    (or, with `target` "function", the function) named class_name."""

    KIND: ClassVar[str] = "register-serializable"
    class_name: str
    framework: str = "keras"
    target: str = "class"
    """What class_name names: "class" or "function" (the data's `kind` key)."""

    def to_data(self) -> dict[str, Any]:
        return {"class_name": self.class_name, "framework": self.framework, "kind": self.target}

    @classmethod
    def from_data(cls, data: Mapping[str, Any], title: str) -> RegisterSerializable:
        read = _Reader(cls.KIND, data)
        target = data.get("kind", "class")
        if target not in ("class", "function"):
            read.problems.append(f"kind {target!r} is neither 'class' nor 'function'")
        return read.check(cls(title=title, class_name=read.text("class_name"),
                              framework=read.framework(default="keras"), target=str(target)))


@dataclass(frozen=True, kw_only=True)
class RegisterBuffer(FixRequest):
    """"Register self.mask as a buffer": `self.register_buffer("mask", ..., persistent=...)`."""

    KIND: ClassVar[str] = "register-buffer"
    class_name: str
    attribute: str
    definition_line: int
    persistent: bool = True

    def to_data(self) -> dict[str, Any]:
        return {"class_name": self.class_name, "attribute": self.attribute,
                "definition_line": self.definition_line, "persistent": self.persistent}

    @classmethod
    def from_data(cls, data: Mapping[str, Any], title: str) -> RegisterBuffer:
        read = _Reader(cls.KIND, data)
        return read.check(cls(
            title=title, class_name=read.text("class_name"), attribute=read.text("attribute"),
            definition_line=read.line("definition_line"), persistent=read.flag("persistent", True),
        ))

    def shifted(self, line_offset: int) -> RegisterBuffer:
        return replace(self, definition_line=self.definition_line + line_offset)


@dataclass(frozen=True, kw_only=True)
class WrapModuleContainer(FixRequest):
    """"Wrap self.blocks in nn.ModuleList": the plain list/dict becomes nn.<wrapper>."""

    KIND: ClassVar[str] = "wrap-module-container"
    class_name: str
    attribute: str
    wrapper: str
    definition_line: int

    def to_data(self) -> dict[str, Any]:
        return {"class_name": self.class_name, "attribute": self.attribute,
                "wrapper": self.wrapper, "definition_line": self.definition_line}

    @classmethod
    def from_data(cls, data: Mapping[str, Any], title: str) -> WrapModuleContainer:
        read = _Reader(cls.KIND, data)
        return read.check(cls(
            title=title, class_name=read.text("class_name"), attribute=read.text("attribute"),
            wrapper=read.text("wrapper"), definition_line=read.line("definition_line"),
        ))

    def shifted(self, line_offset: int) -> WrapModuleContainer:
        return replace(self, definition_line=self.definition_line + line_offset)


@dataclass(frozen=True, kw_only=True)
class ResetBuilt(FixRequest):
    """Reset `self.built` in the class's build() so Keras runs the subclass's own build()."""

    KIND: ClassVar[str] = "reset-built"
    class_name: str
    definition_line: int

    def to_data(self) -> dict[str, Any]:
        return {"class_name": self.class_name, "definition_line": self.definition_line}

    @classmethod
    def from_data(cls, data: Mapping[str, Any], title: str) -> ResetBuilt:
        read = _Reader(cls.KIND, data)
        return read.check(cls(title=title, class_name=read.text("class_name"),
                              definition_line=read.line("definition_line")))

    def shifted(self, line_offset: int) -> ResetBuilt:
        return replace(self, definition_line=self.definition_line + line_offset)


@dataclass(frozen=True, kw_only=True)
class AddSymbolicBuild(FixRequest):
    """"Add Net.build() that builds its sublayers" on symbolic inputs."""

    KIND: ClassVar[str] = "add-symbolic-build"
    class_name: str

    def to_data(self) -> dict[str, Any]:
        return {"class_name": self.class_name}

    @classmethod
    def from_data(cls, data: Mapping[str, Any], title: str) -> AddSymbolicBuild:
        read = _Reader(cls.KIND, data)
        return read.check(cls(title=title, class_name=read.text("class_name")))


@dataclass(frozen=True, kw_only=True)
class InsertLine(FixRequest):
    """"Insert layers.Flatten() before the Dense on line N" (LL105): one new line of code
    before `line` (1-based). The analysis proved with the static shapes of the edited text that
    the crash is gone."""

    KIND: ClassVar[str] = "insert-line"
    line: int
    text: str

    def to_data(self) -> dict[str, Any]:
        return {"line": self.line, "text": self.text}

    @classmethod
    def from_data(cls, data: Mapping[str, Any], title: str) -> InsertLine:
        read = _Reader(cls.KIND, data)
        request = cls(title=title, line=read.line("line"), text=read.text("text"))
        if "\n" in request.text or "\r" in request.text:
            read.problems.append("text must be one line")
        if request.line < 1:
            read.problems.append(f"line {request.line} is not a line number")
        return read.check(request)

    def shifted(self, line_offset: int) -> InsertLine:
        return replace(self, line=self.line + line_offset)


REQUEST_TYPES: dict[str, type[FixRequest]] = {
    request.KIND: request
    for request in (SplitLayer, LayerPerIteration, AddLayerConfig, PrintToTfPrint,
                    VariableToAddWeight, RegisterSerializable, RegisterBuffer,
                    WrapModuleContainer, ResetBuilt, AddSymbolicBuild, InsertLine)
}
"""Every fix kind and the request type that carries it."""
