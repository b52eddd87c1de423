"""Aligned text tables of normalized records: the one renderer the command line and IPython share.

Pure: records in, text out. A cell shows a list as comma-separated values, None or an
empty value as ``-``, a nested field by its dotted name (``image.distro``).

>>> print(render_table([{"name": "web1", "image": {"distro": "ubuntu"}}], ("name", "image.distro")))
name  image.distro
web1  ubuntu
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["cell_value", "cell_text", "render_table"]


def cell_value(record: Any, column: str) -> Any:
    """The value of a dotted column in a record; None where a part is missing.

    >>> cell_value({"image": {"distro": "debian"}}, "image.distro"), cell_value({}, "a.b")
    ('debian', None)
    """
    value = record
    for part in column.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def cell_text(value: Any) -> str:
    """One cell's text: lists joined by commas, None and empty values as ``-``, no line breaks.

    >>> cell_text(["10.0.0.0/24", "fd00::/64"]), cell_text(None), cell_text(False)
    ('10.0.0.0/24,fd00::/64', '-', 'False')
    """
    if isinstance(value, (list, tuple)):
        text = ",".join(cell_text(item) for item in value) if value else "-"
    elif value is None or value == "":
        text = "-"
    else:
        text = str(value)
    return " ".join(text.split()) if "\n" in text or "\r" in text else text


def render_table(records: Iterable[Any], columns: Sequence[str]) -> str:
    """Render records as an aligned text table with a header row.

    >>> print(render_table([{"name": "m1.tiny", "ram": 512}, {"name": "m1.small", "ram": 2048}], ("name", "ram")))
    name      ram
    m1.tiny   512
    m1.small  2048
    """
    rows = [list(columns)] + [[cell_text(cell_value(record, column)) for column in columns] for record in records]
    widths = [max(len(row[i]) for row in rows) for i in range(len(columns))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows)
