#!/usr/bin/env bash
# The integration tier from nothing or warm: install -> start -> layouts -> pytest tests/integration.
# Prints "phase <name>: <seconds> s" for each phase and exits with pytest's exit code.
# The services stay up afterwards (the next run is fast) unless --stop is given.
# The project venv (<repo>/.venv, `make -C <repo> .venv/.installed-test`) must exist.
# Usage: run-integration.sh [--stop] [PYTEST ARGS...]   (default pytest args: tests/integration)
set -euo pipefail
# shellcheck source=_env.sh
source "$(dirname "${BASH_SOURCE[0]}")/_env.sh"

main() {
    local stop_after=0 args=() t0=$SECONDS rc=0
    for arg in "$@"; do
        if [[ "$arg" == "--stop" ]]; then stop_after=1; else args+=("$arg"); fi
    done
    local python="$LOOPBACK_REPO/.venv/bin/python"
    [[ -x "$python" ]] || die "no project venv at $LOOPBACK_REPO/.venv: run 'make -C $LOOPBACK_REPO .venv/.installed-test' first"
    phase install "$LOOPBACK_DIR/install.sh"
    phase start "$LOOPBACK_DIR/start.sh"
    phase layouts env LOOPBACK_SERVICE_PASSWORD="$SERVICE_PASSWORD" \
        "$VENV/bin/python" "$LOOPBACK_DIR/layouts.py" --prefix "$PREFIX"
    ((${#args[@]})) || args=(tests/integration)
    (cd "$LOOPBACK_REPO" && phase pytest env LOOPBACK_PREFIX="$PREFIX" "$python" -m pytest -q "${args[@]}") || rc=$?
    if ((stop_after)); then
        phase stop "$LOOPBACK_DIR/stop.sh" || true
    fi
    printf 'phase integration-total: %d s\n' "$((SECONDS - t0))"
    return "$rc"
}

main "$@"
