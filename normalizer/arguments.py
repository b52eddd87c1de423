"""Checks of what a caller passes to ``Cloud``'s methods, made where the arguments enter.

A wrong argument is the caller's mistake, not the cloud's: it is refused as a
:class:`~normalizer.exceptions.ConfigError` that names the argument and what to pass,
before any request. Values are described by their type, never echoed (an argument may
hold a secret). Pure: no I/O.

>>> reference("web1", "name_or_id"), reference(59662, "name_or_id")
('web1', '59662')
>>> flag("yes", "include_private")
Traceback (most recent call last):
...
normalizer.exceptions.ConfigError: include_private must be True or False, not a str; pass include_private=True or False
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from normalizer.exceptions import ConfigError

__all__ = ["kind_of", "reference", "object_reference", "flag", "optional_text", "keyword_request",
           "looks_like_uuid"]


def kind_of(value: Any) -> str:
    """A value described by its type, never by its content.

    >>> kind_of(None), kind_of([1]), kind_of(3)
    ('None', 'a list', 'an int')
    """
    if value is None:
        return "None"
    name = type(value).__name__
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


def reference(value: Any, what: str) -> str:
    """A name or an id as text (an integer id is its text); anything else is refused.

    >>> reference("m1.small", "name_or_id")
    'm1.small'
    >>> reference("", "name_or_id")
    Traceback (most recent call last):
    ...
    normalizer.exceptions.ConfigError: name_or_id must be a name or an id, not an empty string; pass e.g. 'web1'
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and value:
        return value
    shown = "an empty string" if value == "" else kind_of(value)
    raise ConfigError(f"{what} must be a name or an id, not {shown}", hint="pass e.g. 'web1'")


def object_reference(value: Any, what: str) -> str:
    """Like :func:`reference`, also accepting a normalized object (its ``id``, else its ``name``).

    >>> object_reference({"id": "9e1c", "name": "web1"}, "server")
    '9e1c'
    """
    if isinstance(value, Mapping):
        inner = value.get("id") or value.get("name")
        if inner is None:
            raise ConfigError(f"{what} is a mapping without an 'id' or a 'name'",
                              hint="pass a normalized object, or its name or id")
        return reference(inner, what)
    return reference(value, what)


def flag(value: Any, what: str) -> bool:
    """A boolean option: a truthy string such as "no" would do the opposite of what it says.

    >>> flag(False, "probe")
    False
    """
    if not isinstance(value, bool):
        raise ConfigError(f"{what} must be True or False, not {kind_of(value)}", hint=f"pass {what}=True or False")
    return value


def optional_text(value: Any, what: str) -> str | None:
    """None, or non-empty text.

    >>> optional_text(None, "distro") is None, optional_text("ubuntu", "distro")
    (True, 'ubuntu')
    """
    if value is None or (isinstance(value, str) and value):
        return value
    shown = "an empty string" if value == "" else kind_of(value)
    raise ConfigError(f"{what} must be text or None, not {shown}", hint=f"pass e.g. {what}='...' or leave it out")


def keyword_request(value: Any, what: str, positional: str, allowed: tuple[str, ...]) -> dict[str, Any] | None:
    """A request given as one value (for ``positional``) or as a mapping of keyword arguments.

    >>> keyword_request("t3.small", "flavor", "spec", ("spec", "min_ram"))
    {'spec': 't3.small'}
    >>> keyword_request({"min_rma": 1}, "flavor", "spec", ("spec", "min_ram"))
    Traceback (most recent call last):
    ...
    normalizer.exceptions.ConfigError: flavor has unknown keys ['min_rma']; use spec, min_ram
    """
    if value is None:
        return None
    if not isinstance(value, Mapping):
        return {positional: value}
    unknown = sorted(str(key) for key in value if key not in allowed)
    if unknown:
        raise ConfigError(f"{what} has unknown keys {unknown}", hint="use " + ", ".join(allowed))
    return dict(value)


def looks_like_uuid(value: Any) -> bool:
    """True for text shaped like a UUID (with or without dashes): worth a GET by id, never a name lookup.

    >>> looks_like_uuid("5f0c6f4e-3b1a-4f57-9d58-2a4e1b8f6c11"), looks_like_uuid("web1")
    (True, False)
    """
    text = str(value).replace("-", "")
    return len(text) == 32 and all(c in "0123456789abcdefABCDEF" for c in text)
