"""Bounded YAML reading for files a user controls (profiles and clouds.yaml).

``yaml.safe_load`` never runs code, but it still lets a small file cost a lot: a
document nested a few hundred levels deep overflows Python's stack, a handful of
aliases that refer to each other ("billion laughs") expands into billions of nodes once
anything walks the result, and a malformed date or a 5000-digit integer raises a bare
``ValueError``. :func:`load` reads like ``safe_load`` but refuses those documents with
:class:`UnsafeDocument`, which carries the line and the key path of the offending node;
each boundary (the profile loader, the configuration loader) turns it into its own
error. :func:`check_nesting` applies the same bounds to data that did not come from YAML
(keyword arguments, JSON).

Pure: parses text it is given; no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

__all__ = ["MAX_CHARS", "MAX_DEPTH", "MAX_NODES", "UnsafeDocument", "check_nesting", "check_size", "load"]

#: Deepest nesting accepted; real profiles and clouds.yaml files stay under 10.
MAX_DEPTH = 50
#: Most nodes a document may hold once every alias is expanded.
MAX_NODES = 100_000
#: Longest document read; the largest bundled profile is about 20 000 characters.
MAX_CHARS = 4_000_000

_FLATTEN = f"flatten the document: at most {MAX_DEPTH} levels of nesting"
_NO_ALIAS = "write the values out instead of repeating them with YAML aliases (*name)"


class UnsafeDocument(ValueError):
    """A document that is malformed or too costly to read; mapped to a typed error by the caller.

    ``line`` is 1-based (None when unknown); ``pointer`` is the key path such as
    ``network.networks[0].name`` ("" for the top level).

    >>> str(UnsafeDocument("nested too deeply", hint="flatten it", line=3, pointer="a.b"))
    'line 3: a.b: nested too deeply'
    """

    def __init__(self, problem: str, *, hint: str, line: int | None = None, pointer: str = "") -> None:
        self.problem, self.hint, self.line, self.pointer = problem, hint, line, pointer
        shown = pointer if len(pointer) <= 80 else pointer[:60] + "..."  # the outer keys say where
        where = (f"line {line}: " if line is not None else "") + (f"{shown}: " if shown else "")
        super().__init__(where + problem)


def _pointer(path: list[Any]) -> str:
    text = ""
    for step in path:
        if isinstance(step, int):
            text += f"[{step}]"
        elif step is not None:
            text += f".{step}" if text else str(step)
    return text


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader that tracks the key path and the expanded size while composing."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._path: list[Any] = []
        self._sizes: dict[int, int] = {}   # id(node) -> node count with aliases expanded
        self._paths: dict[int, str] = {}   # id(node) -> key path, for construction errors

    def _fail(self, problem: str, hint: str, mark: Any, pointer: str | None = None) -> UnsafeDocument:
        return UnsafeDocument(problem, hint=hint, line=mark.line + 1 if mark is not None else None,
                              pointer=_pointer(self._path) if pointer is None else pointer)

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            target = self.anchors.get(event.anchor)
            if target is not None and id(target) not in self._sizes:
                raise self._fail(f"the alias *{event.anchor} refers to the node that contains it", _NO_ALIAS,
                                 event.start_mark)
            return super().compose_node(parent, index)
        step = index.value if isinstance(index, yaml.ScalarNode) else index
        self._path.append(step if isinstance(step, (str, int)) or step is None else "?")
        try:
            if len(self._path) > MAX_DEPTH:
                raise self._fail(f"nested more than {MAX_DEPTH} levels deep", _FLATTEN, self.peek_event().start_mark)
            node = super().compose_node(parent, index)
            self._paths[id(node)] = _pointer(self._path)
        finally:
            self._path.pop()
        size = 1 + sum(self._sizes.get(id(child), 1) for child in _children(node))
        if size > MAX_NODES:
            raise self._fail(f"expands to more than {MAX_NODES} values (aliases count each time they are used)",
                             _NO_ALIAS, node.start_mark, self._paths[id(node)])
        self._sizes[id(node)] = size
        return node

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError, TypeError) as err:
            if isinstance(err, UnsafeDocument):
                raise
            # the value itself is not repeated: it may be a password written unquoted
            raise UnsafeDocument(f"unreadable value ({err})", hint="correct the value, or quote it if it is text",
                                 line=node.start_mark.line + 1,
                                 pointer=self._paths.get(id(node), "")) from None


def _children(node: Any) -> list[Any]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def check_size(text: str) -> None:
    """Refuse a document longer than :data:`MAX_CHARS` before parsing it.

    >>> check_size("a: 1")
    """
    if len(text) > MAX_CHARS:
        raise UnsafeDocument(f"is {len(text)} characters long (at most {MAX_CHARS})",
                             hint="a configuration or profile file is a few kilobytes: check that this is the right file")


def load(text: str) -> Any:
    """Parse one YAML document like ``yaml.safe_load``, within :data:`MAX_DEPTH` and :data:`MAX_NODES`.

    Raises ``yaml.YAMLError`` for a syntax error and :class:`UnsafeDocument` for a
    document that is too deep, too large once aliases are expanded, self-referencing, or
    holds a value Python cannot represent (a date such as 2024-13-45).

    >>> load("a: [1, 2]")
    {'a': [1, 2]}
    >>> load("when: 2024-13-45")
    Traceback (most recent call last):
    ...
    normalizer.profiles.safe_yaml.UnsafeDocument: line 1: when: unreadable value (month must be in 1..12)
    """
    check_size(text)
    fast = _load_plain(text)
    if fast is not _NOT_PLAIN:
        return fast
    loader = _BoundedLoader(text)
    try:
        return loader.get_single_data()
    except RecursionError:
        # only reachable with a tiny interpreter stack: the depth bound comes first otherwise
        raise UnsafeDocument(f"nested more than {MAX_DEPTH} levels deep", hint=_FLATTEN) from None
    finally:
        loader.dispose()


_NOT_PLAIN = object()
_NESTING = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_UNNESTING = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def _load_plain(text: str) -> Any:
    """The document read by libyaml when it is plainly within bounds, else ``_NOT_PLAIN``.

    Plain: no anchor or alias, at most :data:`MAX_DEPTH` levels, at most
    :data:`MAX_NODES` events, and every value readable. libyaml's events are checked
    first (without building anything), so a deep or huge document is never composed
    by C code; any other document, and any error, goes to the bounded Python loader,
    which reads the same YAML and says precisely what is wrong. Profiles are read on
    every first ``connect()``: this is about ten times faster.
    """
    if not getattr(yaml, "__with_libyaml__", False):
        return _NOT_PLAIN
    depth = events = 0
    try:
        for event in yaml.parse(text, Loader=yaml.CSafeLoader):
            events += 1
            if isinstance(event, _NESTING):
                depth += 1
            elif isinstance(event, _UNNESTING):
                depth -= 1
            if depth > MAX_DEPTH or events > MAX_NODES or isinstance(event, yaml.AliasEvent) \
                    or getattr(event, "anchor", None) is not None:
                return _NOT_PLAIN
        return yaml.load(text, Loader=yaml.CSafeLoader)  # noqa: S506 - CSafeLoader is the safe loader
    except Exception:  # noqa: BLE001 - the bounded loader reports it precisely
        return _NOT_PLAIN


def check_nesting(value: Any) -> str | None:
    """The key path of the first place ``value`` nests too deeply or grows too large, else None.

    Walks without recursion, so a structure nested 100000 levels deep or one that
    contains itself is reported, not a RecursionError.

    >>> check_nesting({"a": [1, {"b": 2}]}) is None
    True
    >>> deep = {}; deep["self"] = deep; check_nesting(deep)[:14]
    'self.self.self'
    """
    stack: list[tuple[Any, list[Any]]] = [(value, [])]
    seen = 0
    while stack:
        item, path = stack.pop()
        seen += 1
        if len(path) > MAX_DEPTH or seen > MAX_NODES:
            return _pointer(path) or "(top level)"
        if isinstance(item, Mapping):
            stack.extend((child, path + [key if isinstance(key, (str, int)) else "?"]) for key, child in item.items())
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend((child, path + [n]) for n, child in enumerate(item))
    return None
