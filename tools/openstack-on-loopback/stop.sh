#!/usr/bin/env bash
# Stop what start.sh started, and only that: the process groups recorded in <prefix>/run/pids
# (a PID is trusted only while its start time matches the record). OpenStack services first,
# then RabbitMQ, epmd and MariaDB. TERM, then KILL after 15 s.
# Usage: stop.sh [--wipe] [SERVICE...]
#   --wipe     also delete the databases, queues, images, keys, logs and configs (not the venv),
#              so the next start.sh builds a fresh cloud
#   SERVICE    stop only these (names as in run/pids, e.g. nova-compute); no --wipe then
set -euo pipefail
# shellcheck source=_env.sh
source "$(dirname "${BASH_SOURCE[0]}")/_env.sh"

OPENSTACK=(nova-compute nova-api nova-scheduler nova-conductor cinder-volume cinder-scheduler cinder-api neutron-server glance-api placement keystone)
GRACE="${LOOPBACK_STOP_GRACE:-15}"

# stop_group NAME...: TERM every named group, wait up to GRACE seconds, then KILL the rest.
stop_group() {
    local name pid alive=()
    for name in "$@"; do
        if pid_alive "$name"; then
            pid="$(recorded_pid "$name")"
            kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
            alive+=("$name")
        else
            forget_pid "$name"
        fi
    done
    ((${#alive[@]})) || return 0
    log "stopping ${alive[*]}"
    local deadline=$((SECONDS + GRACE)) remaining
    while :; do
        remaining=()
        for name in "${alive[@]}"; do
            pid="$(recorded_pid "$name")"
            # the group is gone when no process has it as its process group
            if pgrep -g "$pid" >/dev/null 2>&1; then remaining+=("$name"); fi
        done
        ((${#remaining[@]})) || break
        if ((SECONDS >= deadline)); then
            log "still running after ${GRACE}s, sending KILL: ${remaining[*]}"
            for name in "${remaining[@]}"; do kill -KILL -- "-$(recorded_pid "$name")" 2>/dev/null || true; done
            sleep 1
            break
        fi
        sleep 0.5
    done
    for name in "${alive[@]}"; do forget_pid "$name"; done
}

stop_rabbitmq() {
    if pid_alive rabbitmq; then
        # A clean stop leaves the node's database consistent for the next start.
        timeout 30 env HOME="$DATA/rabbitmq" RABBITMQ_CONF_ENV_FILE="$ETC/rabbitmq/rabbitmq-env.conf" \
            /usr/lib/rabbitmq/bin/rabbitmqctl -q stop >/dev/null 2>&1 || true
    fi
    stop_group rabbitmq
}

wipe() {
    if [[ -f "$PIDS" ]] && [[ -n "$(awk 'NF' "$PIDS")" ]]; then
        die "not wiping: these recorded processes are still running: $(awk '{print $1}' "$PIDS" | xargs)"
    fi
    # The databases live in the datadir under DATA: removing it after MariaDB stopped needs no
    # DROP DATABASE (which waits for metadata locks held by live services).
    rm -rf "$DATA" "$LOGS" "$ETC" "$RUN" "$PREFIX/clouds.yaml"
    log "wiped $PREFIX (kept the venv)"
}

main() {
    local do_wipe=0 only=()
    for arg in "$@"; do
        case "$arg" in
            --wipe) do_wipe=1 ;;
            -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
            *) only+=("$arg") ;;
        esac
    done
    if ((${#only[@]})); then
        ((do_wipe == 0)) || die "--wipe stops everything; do not name services with it"
        phase stop stop_group "${only[@]}"
        return
    fi
    local t0=$SECONDS
    phase stop-openstack stop_group "${OPENSTACK[@]}"
    phase stop-rabbitmq stop_rabbitmq
    phase stop-infra stop_group epmd mariadb
    ((do_wipe == 0)) || phase wipe wipe
    printf 'phase stop-total: %d s\n' "$((SECONDS - t0))"
}

main "$@"
