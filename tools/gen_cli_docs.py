#!/usr/bin/env python3
"""Write docs/cli.md from the parser of ``openstack-normalizer`` (``--check``: fail when it differs).

>>> main(["--check"])  # doctest: +SKIP
0
"""

from __future__ import annotations

import argparse
import pathlib
import sys

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from normalizer.cli import render_markdown  # noqa: E402

TARGET = REPO / "docs" / "cli.md"


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check`` compare) docs/cli.md; returns the exit status.

    >>> main([])  # doctest: +SKIP
    0
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when docs/cli.md is not what the parser says")
    args = parser.parse_args(argv)
    text = render_markdown()
    if args.check:
        if not TARGET.exists() or TARGET.read_text(encoding="utf-8") != text:
            print(f"{TARGET.relative_to(REPO)} is stale: run python tools/gen_cli_docs.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
