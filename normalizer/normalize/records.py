"""How normalized records show themselves: one line per record, an aligned table per list.

Each normalized resource is a Munch subclass of its kind (:class:`Server`,
:class:`Network`, :class:`Flavor`, :class:`Image`, :class:`FloatingIP`,
:class:`Keypair`) whose only difference from a Munch is its repr: one line saying what it
is, at most :data:`MAX_LINE` characters, never a secret (no key material, no
``properties``). Nested values stay plain Munch; ``json.dumps`` and ``pickle`` see the
same keys and values as before. ``Cloud.list_*`` return a :class:`RecordList`: a list
that prints as an aligned table (``print``, IPython, notebooks via ``_repr_html_``).

>>> Flavor(name="m1.small", vcpus=1, ram=2048, disk=20)
<flavor m1.small 1 vCPU 2048 MiB 20 GiB>
>>> print(RecordList("flavor", [Flavor(name="m1.small", vcpus=1, ram=2048, disk=20, ephemeral=0, is_public=True)]))
name      vcpus  ram   disk  ephemeral  is_public
m1.small  1      2048  20    0          True
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Callable

from munch import Munch, munchify
from yaml.representer import Representer, SafeRepresenter

from normalizer.tables import cell_text, cell_value, render_table

__all__ = ["MAX_LINE", "COLUMNS", "Record", "Server", "Network", "Flavor", "Image", "FloatingIP", "Keypair",
           "RecordList", "one_line", "network_roles_text", "table_html"]

#: The longest one-line repr; longer ones end in an ellipsis.
MAX_LINE = 120

#: The table columns of each kind (dotted names read nested fields; ``roles`` is derived).
COLUMNS: Mapping[str, tuple[str, ...]] = {
    "server": ("name", "state", "interface_ip", "login_user", "image.distro", "flavor.name"),
    "network": ("name", "roles", "cidrs", "is_shared", "status"),
    "flavor": ("name", "vcpus", "ram", "disk", "ephemeral", "is_public"),
    "image": ("name", "distro", "version", "arch", "login_user", "status"),
    "floating_ip": ("floating_ip_address", "fixed_ip_address", "attached", "status", "network"),
    "keypair": ("name", "type", "fingerprint"),
    "orphan": ("kind", "name", "id", "age", "reason"),
}


def _clean(value: Any) -> str:
    """A cell's text with control characters escaped (a name cannot drive the terminal)."""
    text = cell_text(value)
    return text if text.isprintable() else "".join(
        c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def _line(kind: str, parts: Iterable[Any]) -> str:
    inner = " ".join([kind, *(_clean(part) for part in parts)])
    if len(inner) + 2 > MAX_LINE:
        inner = inner[: MAX_LINE - 3] + "…"
    return f"<{inner}>"


def network_roles_text(network: Mapping[str, Any]) -> str:
    """A network's roles in one word each: public, private (default boot), external, nat-source, nat-dest.

    >>> network_roles_text({"is_default": True, "nat_destination": True}), network_roles_text({})
    ('private,nat-dest', '-')
    """
    flags = (("is_public", "public"), ("is_default", "private"), ("is_external", "external"),
             ("nat_source", "nat-source"), ("nat_destination", "nat-dest"))
    return ",".join(word for key, word in flags if network.get(key)) or "-"


def _server_parts(s: Mapping[str, Any]) -> list:
    image, flavor = (v if isinstance(v, Mapping) else {} for v in (s.get("image"), s.get("flavor")))
    return [s.get("name"), s.get("state"), s.get("interface_ip"), image.get("distro") or image.get("name"),
            flavor.get("name")]


def _flavor_parts(f: Mapping[str, Any]) -> list:
    vcpus = f.get("vcpus")
    parts = [f.get("name"), f"{'?' if vcpus is None else vcpus} vCPU{'' if vcpus == 1 else 's'}",
             f"{_clean(f.get('ram'))} MiB", f"{_clean(f.get('disk'))} GiB"]
    return parts + (["disabled"] if f.get("is_disabled") else []) + ([] if f.get("is_public", True) else ["private"])


def _floating_ip_parts(f: Mapping[str, Any]) -> list:
    fixed = f.get("fixed_ip_address")
    return [f.get("floating_ip_address"), f"-> {fixed}" if fixed else "attached" if f.get("attached") else "unattached"]


_PARTS: Mapping[str, Callable[[Mapping[str, Any]], list]] = {
    "server": _server_parts,
    "network": lambda n: [n.get("name"), network_roles_text(n), n.get("cidrs")],
    "flavor": _flavor_parts,
    "image": lambda i: [i.get(k) for k in ("name", "distro", "version", "arch", "status")],
    "floating_ip": _floating_ip_parts,
    "keypair": lambda k: [k.get("name"), k.get("fingerprint")],
    "orphan": lambda o: [o.get("kind"), o.get("name"), o.get("reason")],
}


def one_line(kind: str, record: Mapping[str, Any]) -> str:
    """The one-line repr of a record of this kind (any mapping; an unknown kind shows its name).

    >>> one_line("floating_ip", {"floating_ip_address": "203.0.113.7", "fixed_ip_address": "10.0.0.5"})
    '<floating_ip 203.0.113.7 -> 10.0.0.5>'
    """
    if not isinstance(record, Mapping):
        return repr(record)
    return _line(kind, _PARTS.get(kind, lambda r: [r.get("name")])(record))


class Record(Munch):
    """A normalized record: a Munch whose repr is one line (subclasses set ``_kind``).

    >>> Keypair(name="deploy", fingerprint="SHA256:abc", public_key="ssh-ed25519 AAAA")
    <keypair deploy SHA256:abc>
    """

    _kind = "record"

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # noqa: D107 (as Munch's, without its Python loop)
        dict.__init__(self, *args, **kwargs)

    def __repr__(self) -> str:
        return one_line(self._kind, self)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        """IPython's pretty printer shows the one line.

        >>> class P: text = print
        >>> Keypair(name="k")._repr_pretty_(P(), False)
        <keypair k ->
        """
        p.text(repr(self))

    def copy(self) -> "Record":
        """A copy of the same kind; nested mappings stay plain Munch (``Munch.copy`` would make them records).

        >>> type(Server(image={"id": "i"}).copy().image).__name__
        'Munch'
        """
        return type(self)(munchify(dict(self), Munch))

    @classmethod
    def fromDict(cls, d: Any) -> Any:  # noqa: N802 (Munch's name)
        """Like ``Munch.fromDict``, with only the top level of this kind.

        >>> Image.fromDict({"name": "x", "properties": {"a": 1}}).properties.__class__.__name__
        'Munch'
        """
        made = munchify(d, Munch)
        return cls(made) if isinstance(made, Mapping) else made


class Server(Record):
    """A normalized server: ``<server NAME STATE INTERFACE_IP DISTRO FLAVOR>``."""

    _kind = "server"


class Network(Record):
    """A normalized network: ``<network NAME ROLES CIDRS>``."""

    _kind = "network"


class Flavor(Record):
    """A normalized flavor: ``<flavor NAME N vCPUs RAM MiB DISK GiB>``."""

    _kind = "flavor"


class Image(Record):
    """A normalized image: ``<image NAME DISTRO VERSION ARCH STATUS>``."""

    _kind = "image"


class FloatingIP(Record):
    """A normalized floating IP: ``<floating_ip ADDRESS -> FIXED>``."""

    _kind = "floating_ip"


class Keypair(Record):
    """A normalized keypair: ``<keypair NAME FINGERPRINT>`` (never the key)."""

    _kind = "keypair"


def _row(record: Any, columns: Sequence[str]) -> dict:
    """The record's cells, cleaned, under the same dotted names (so render_table reads them back)."""
    row: dict = {}
    for column in columns:
        value = network_roles_text(record) if column == "roles" and isinstance(record, Mapping) \
            else cell_value(record, column)
        *parents, last = column.split(".")
        target = row
        for part in parents:
            target = target.setdefault(part, {})
        target[last] = _clean(value)
    return row


def table_html(records: Sequence[Any], columns: Sequence[str], caption: str = "") -> str:
    """An HTML table of records, every cell escaped.

    >>> table_html([{"name": "<b>"}], ("name",))
    '<table><thead><tr><th>name</th></tr></thead><tbody><tr><td>&lt;b&gt;</td></tr></tbody></table>'
    """
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(cell_value(_row(r, columns), c))}</td>" for c in columns)
                   + "</tr>" for r in records)
    top = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table>{top}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


class RecordList(list):
    """A ``list_*`` result: a plain list of records that prints as an aligned table.

    ``repr()`` stays a list (one record's line per row, so it nests in other reprs and
    reads in tracebacks); ``print()``/``str()``, IPython and notebooks show the table.
    JSON-dumps as a list; pickles back to a RecordList of the same kind.

    >>> servers = RecordList("server", [Server(name="web1", state="running", image={}, flavor={})])
    >>> servers
    [<server web1 running - - ->]
    """

    def __init__(self, kind: str, records: Iterable[Any] = ()) -> None:
        super().__init__(records)
        self.kind = kind

    @property
    def columns(self) -> tuple[str, ...]:
        """The table's columns for this kind.

        >>> RecordList("keypair").columns
        ('name', 'type', 'fingerprint')
        """
        return COLUMNS.get(self.kind, ("name",))

    def __repr__(self) -> str:
        return "[" + ",\n ".join(one_line(self.kind, r) for r in self) + "]"

    def __str__(self) -> str:
        if not self:
            return f"(no {self.kind}s)"
        return render_table((_row(r, self.columns) for r in self), self.columns)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        """IPython's pretty printer shows the table.

        >>> class P: text = print
        >>> RecordList("keypair", [Keypair(name="k", type="ssh")])._repr_pretty_(P(), False)
        name  type  fingerprint
        k     ssh   -
        """
        p.text(f"[{self.kind}s...]" if cycle else str(self))

    def _repr_html_(self) -> str:
        """The table as HTML for notebooks, every cell escaped.

        >>> "&lt;script&gt;" in RecordList("keypair", [Keypair(name="<script>")])._repr_html_()
        True
        """
        return table_html(self, self.columns, caption=f"{len(self)} {self.kind}{'' if len(self) == 1 else 's'}")


# YAML dumps a RecordList as the plain list it was before (munch registers Munch and its subclasses).
SafeRepresenter.add_representer(RecordList, SafeRepresenter.represent_list)
Representer.add_representer(RecordList, Representer.represent_list)
