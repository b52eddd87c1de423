#!/usr/bin/env bash
# normalizer vs openstacksdk on one FakeCloud (requests-mock, 127.0.0.1 only).
# Creates or reuses benchmarks/.venv, installs requirements.txt and normalizer (editable),
# then runs run.py. Extra arguments go to run.py, e.g. `benchmarks/run.sh --quick`.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
PYTHON="${PYTHON:-python3}"
VENV="$HERE/.venv"
STAMP="$VENV/.installed"

if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
        || { echo "benchmarks need Python 3.11+ (openstacksdk 4.22 requires it); set PYTHON=" >&2; exit 2; }
    "$PYTHON" -m venv "$VENV"
fi
# reinstall only when the requirements or normalizer's packaging changed
if [ ! -f "$STAMP" ] || [ "$HERE/requirements.txt" -nt "$STAMP" ] || [ "$ROOT/setup.cfg" -nt "$STAMP" ]; then
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet -r "$HERE/requirements.txt"
    "$VENV/bin/python" -m pip install --quiet -e "$ROOT[testing]"
    touch "$STAMP"
fi
# pip byte-compiles what it installs, but not an editable source tree: compile it, so the
# import and connect figures are not inflated by compiling normalizer on every start
"$VENV/bin/python" -m compileall -q "$ROOT/normalizer" >/dev/null
exec "$VENV/bin/python" "$HERE/run.py" "$@"
