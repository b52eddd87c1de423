#!/usr/bin/env bash
# The integration tier from nothing or warm: install -> start -> layouts -> pytest tests/integration.
# Says what each phase does before it starts and prints "phase <name>: <seconds> s" after it;
# exits with pytest's exit code (or that of the phase that failed).
# When it is done, passed or failed, it stops the loopback OpenStack services it started, and
# says so in its last lines. It leaves them running when NORMALIZER_KEEP_OPENSTACK=1 (the next
# run skips the start-up) or when they were all running before it began; --stop stops them
# in every case. The project venv (<repo>/.venv, `make -C <repo> .venv/.installed-test`) must exist.
# Usage: run-integration.sh [--stop] [PYTEST ARGS...]   (default pytest args: tests/integration)
set -euo pipefail
# shellcheck source=_env.sh
source "$(dirname "${BASH_SOURCE[0]}")/_env.sh"

# Globals, read by finish() when the script exits (normally, on a failed phase, or on a signal).
STOP_AFTER=0
WAS_RUNNING=0
T0=$SECONDS

all_running() {
    local name
    for name in "${LOOPBACK_SERVICES[@]}"; do pid_alive "$name" || return 1; done
}

any_running() {
    local name
    for name in "${LOOPBACK_SERVICES[@]}"; do pid_alive "$name" && return 0; done
    return 1
}

# finish: the last lines. Stop what this run started unless told to keep it, and say which.
finish() {
    local rc=$?
    trap - EXIT INT TERM
    local keep="${NORMALIZER_KEEP_OPENSTACK:-}" stop_cmd="make integration-stop (or $LOOPBACK_DIR/stop.sh)"
    echo
    if ! any_running; then
        log "the loopback OpenStack services are not running (logs: $LOGS)"
    elif ((STOP_AFTER)) || { ((!WAS_RUNNING)) && [[ "$keep" != 1 ]]; }; then
        log "stopping the loopback OpenStack services (data, logs and clouds.yaml stay in $PREFIX)"
        phase stop "$LOOPBACK_DIR/stop.sh" || log "stop.sh failed: see $LOGS; run it again to stop what is left"
        log "stopped the loopback OpenStack services; set NORMALIZER_KEEP_OPENSTACK=1 to keep them running" \
            "(the next run then skips the start-up, about 30 s)"
    elif [[ "$keep" == 1 ]]; then
        log "left the loopback OpenStack services running because NORMALIZER_KEEP_OPENSTACK=1;" \
            "stop them with: $stop_cmd"
    else
        log "left the loopback OpenStack services running because they were already running when this" \
            "run began; stop them with: $stop_cmd"
    fi
    printf 'phase integration-total: %d s\n' "$((SECONDS - T0))"
    exit "$rc"
}

main() {
    local args=() rc=0
    for arg in "$@"; do
        if [[ "$arg" == "--stop" ]]; then STOP_AFTER=1; else args+=("$arg"); fi
    done
    local python="$LOOPBACK_REPO/.venv/bin/python"
    [[ -x "$python" ]] || die "no project venv at $LOOPBACK_REPO/.venv: run 'make -C $LOOPBACK_REPO .venv/.installed-test' first"
    if all_running; then WAS_RUNNING=1; fi
    trap finish EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    log "install: apt packages, the OpenStack venv and the loopback plugins, each only when missing or stale"
    phase install "$LOOPBACK_DIR/install.sh"
    if ((WAS_RUNNING)); then
        log "start: every service already runs; checking that they answer"
    else
        log "start: MariaDB, RabbitMQ, Keystone, Glance, Placement, Neutron, Nova and Cinder on 127.0.0.1" \
            "(about 1 min the first time, 30 s when stopped)"
    fi
    phase start "$LOOPBACK_DIR/start.sh"
    log "layouts: four vendor-like projects with their networks and routers, and $PREFIX/clouds.yaml" \
        "(about 15 s the first time, 5 s after)"
    phase layouts env LOOPBACK_SERVICE_PASSWORD="$SERVICE_PASSWORD" \
        "$VENV/bin/python" "$LOOPBACK_DIR/layouts.py" --prefix "$PREFIX"
    if ((${#args[@]})); then
        log "pytest ${args[*]}: normalizer against the real services"
    else
        args=(tests/integration)
        log "pytest tests/integration: normalizer against the real services (it boots and deletes servers:" \
            "about 3-4 min)"
    fi
    (cd "$LOOPBACK_REPO" && phase pytest env LOOPBACK_PREFIX="$PREFIX" "$python" -m pytest -q "${args[@]}") || rc=$?
    return "$rc"
}

main "$@"
