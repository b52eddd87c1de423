"""What a command returns, and how it is printed: ``-f table|json|yaml|value|csv``, ``-c``, ``--sort-column``.

A command returns a :class:`Listing` (many records, one row each) or a :class:`Record`
(one object); :func:`emit` prints either in the chosen format. Tables use the shared
renderer of :mod:`normalizer.tables`; JSON and YAML see plain dicts and lists (see
:func:`plain`), whatever classes the library's records are.

>>> emit(Listing([{"name": "m1.tiny", "ram": 512}], ("name", "ram")), "value", [], [], sys.stdout)
m1.tiny 512
"""

from __future__ import annotations

import csv
import datetime
import json
import sys
from dataclasses import dataclass
from collections.abc import Mapping, Sequence
from typing import Any, Callable, TextIO

import yaml

from normalizer.cli.runtime import UsageError
from normalizer.tables import cell_text, cell_value, render_table

__all__ = ["FORMATS", "Listing", "Record", "check_columns", "detail_text", "emit", "flatten", "plain", "sort_records"]

#: The output formats of every command, the first the default.
FORMATS = ("table", "json", "yaml", "value", "csv")


@dataclass
class Listing:
    """Many records, printed one row each.

    ``columns`` are the default columns of the table, value and csv formats (JSON and
    YAML print whole records unless ``-c`` names columns); ``table`` optionally renders
    the default table itself (used when neither ``-c`` nor ``--sort-column`` is given);
    ``status`` is the command's exit status.

    >>> Listing([{"a": 1}], ("a",)).status
    0
    """

    records: list
    columns: Sequence[str]
    table: Callable[[list], str] | None = None
    status: int = 0


@dataclass
class Record:
    """One object, printed as a Field/Value table (or one value per line, ...).

    ``fields`` are the default fields of the table, value and csv formats (None: every
    field, nested ones by dotted name); ``table`` optionally renders the default table
    itself; ``last_line`` is printed after the table (``ssh USER@ADDRESS``), in the table
    format only, so JSON and YAML stay parseable.

    >>> Record({"name": "web1"}, last_line="ssh ubuntu@203.0.113.3").last_line
    'ssh ubuntu@203.0.113.3'
    """

    record: Mapping
    fields: Sequence[str] | None = None
    table: Callable[[Mapping], str] | None = None
    last_line: str | None = None
    status: int = 0


def plain(value: Any) -> Any:
    """A copy made of plain dicts, lists and scalars (what JSON and YAML dumpers expect).

    Mappings (Munch and its subclasses) become dicts, sequences and sets lists, dates ISO
    text; other objects their ``str``.

    >>> from munch import Munch
    >>> plain(Munch(name="web1", addresses=(Munch(addr="10.0.0.2"),)))
    {'name': 'web1', 'addresses': [{'addr': '10.0.0.2'}]}
    """
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(item) for item in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return str(value)


def flatten(record: Mapping, prefix: str = "") -> dict:
    """Nested mappings as dotted keys, for a Field/Value table.

    >>> flatten({"name": "web1", "image": {"distro": "ubuntu", "version": "24.04"}})
    {'name': 'web1', 'image.distro': 'ubuntu', 'image.version': '24.04'}
    """
    flat: dict = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, name + "."))
        else:
            flat[name] = value
    return flat


def _has(record: Any, column: str) -> bool:
    for part in column.split("."):
        if not isinstance(record, Mapping) or part not in record:
            return False
        record = record[part]
    return True


def check_columns(records: Sequence[Any], columns: Sequence[str], option: str) -> None:
    """A usage error for a column no record has (a typo would otherwise print a column of ``-``).

    >>> check_columns([{"name": "web1", "image": {"distro": "ubuntu"}}], ["name", "image.distro"], "-c")
    >>> check_columns([{"name": "web1"}], ["nmae"], "-c")
    Traceback (most recent call last):
    ...
    normalizer.cli.runtime.UsageError: -c nmae: no such column; the columns are: name
    """
    if not records:
        return
    for column in columns:
        if not any(_has(record, column) for record in records):
            known = sorted({key for record in records if isinstance(record, Mapping) for key in flatten(record)})
            raise UsageError(f"{option} {column}: no such column; the columns are: {', '.join(known)}")


def _sort_key(value: Any) -> tuple:
    if value is None or value == "":
        return (2, "")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (0, value)
    return (1, cell_text(value).lower())


def sort_records(records: list, columns: Sequence[str]) -> list:
    """Records sorted by these columns, in order; missing values last, numbers as numbers.

    >>> [r["n"] for r in sort_records([{"n": 10}, {"n": None}, {"n": 9}], ["n"])]
    [9, 10, None]
    """
    result = list(records)
    for column in reversed(list(columns)):
        result.sort(key=lambda record: _sort_key(cell_value(record, column)))
    return result


def _script_text(value: Any) -> str:
    """A cell for scripts (value, csv): empty when missing, lists comma-separated."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ",".join(_script_text(item) for item in value)
    if isinstance(value, Mapping):
        return json.dumps(plain(value), sort_keys=True)
    return " ".join(str(value).split()) if "\n" in str(value) else str(value)


def detail_text(value: Any) -> str:
    """A Field/Value cell: a mapping (and each of a list of mappings) as ``key=value`` pairs.

    >>> detail_text([{"addr": "10.0.0.2", "version": 4}]), detail_text({})
    ('addr=10.0.0.2,version=4', '-')
    """
    if isinstance(value, Mapping):
        return ",".join(f"{k}={cell_text(v)}" for k, v in flatten(value).items()) or "-"
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, Mapping) for v in value):
        return "; ".join(detail_text(item) for item in value)
    return cell_text(value)


def _dump(data: Any, fmt: str, stream: TextIO) -> None:
    if fmt == "json":
        stream.write(json.dumps(plain(data), indent=2, ensure_ascii=False) + "\n")
    else:
        stream.write(yaml.safe_dump(plain(data), sort_keys=False, allow_unicode=True, default_flow_style=False))


def _listing(result: Listing, fmt: str, columns: Sequence[str], sort: Sequence[str], stream: TextIO) -> None:
    check_columns(result.records, columns, "-c")
    check_columns(result.records, sort, "--sort-column")
    records = sort_records(result.records, sort) if sort else list(result.records)
    if fmt in ("json", "yaml"):
        data = [{c: cell_value(r, c) for c in columns} for r in records] if columns else records
        _dump(data, fmt, stream)
        return
    chosen = list(columns or result.columns)
    if fmt == "table":
        custom = result.table is not None and not columns and not sort
        text = result.table(records) if custom else render_table(records, chosen)
        stream.write(text + "\n" if text else "")
    elif fmt == "value":
        for record in records:
            stream.write(" ".join(_script_text(cell_value(record, c)) for c in chosen) + "\n")
    else:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(chosen)
        writer.writerows([[_script_text(cell_value(r, c)) for c in chosen] for r in records])


def _record(result: Record, fmt: str, columns: Sequence[str], stream: TextIO) -> None:
    check_columns([result.record], columns, "-c")
    if fmt in ("json", "yaml"):
        _dump({c: cell_value(result.record, c) for c in columns} if columns else result.record, fmt, stream)
        return
    flat = flatten(result.record)
    chosen = list(columns or result.fields or flat)
    values = [flat[c] if c in flat else cell_value(result.record, c) for c in chosen]
    if fmt == "table":
        if result.table is not None and not columns:
            text = result.table(result.record)
        else:
            text = render_table([{"Field": c, "Value": detail_text(v)} for c, v in zip(chosen, values)],
                                ("Field", "Value"))
        stream.write(text + "\n" if text else "")
        if result.last_line:
            stream.write(result.last_line + "\n")
    elif fmt == "value":
        for value in values:
            stream.write(_script_text(value) + "\n")
    else:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(chosen)
        writer.writerow([_script_text(v) for v in values])


def emit(result: Listing | Record | None, fmt: str, columns: Sequence[str], sort: Sequence[str],
         stream: TextIO) -> None:
    """Print a command's result in a format, with only these columns (all when empty), sorted.

    >>> emit(Record({"name": "web1", "state": "running"}), "table", [], [], sys.stdout)
    Field  Value
    name   web1
    state  running
    >>> emit(Listing([{"n": "b"}, {"n": "a"}], ("n",)), "csv", [], ["n"], sys.stdout)
    n
    a
    b
    """
    if result is None:
        return
    if isinstance(result, Listing):
        _listing(result, fmt, columns or (), sort or (), stream)
    else:
        _record(result, fmt, columns or (), stream)
    stream.flush()

