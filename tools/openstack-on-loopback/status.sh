#!/usr/bin/env bash
# Show whether each recorded service of the loopback OpenStack runs, then run the API
# health checks and the RabbitMQ consumer check once (bounded). Exit 0 when all is well.
# Usage: status.sh [--quiet]
set -euo pipefail
# shellcheck source=_env.sh
source "$(dirname "${BASH_SOURCE[0]}")/_env.sh"

QUEUES=(conductor scheduler "compute.$COMPUTE_HOST")

main() {
    local quiet=0 bad=() name rss
    [[ "${1:-}" == "--quiet" ]] && quiet=1
    for name in "${LOOPBACK_SERVICES[@]}"; do
        if pid_alive "$name"; then
            rss="$(ps -o rss= -g "$(recorded_pid "$name")" 2>/dev/null | awk '{s += $1} END {printf "%d", s / 1024}')"
            ((quiet)) || printf '%-15s running  pid %-7s %5s MB\n' "$name" "$(recorded_pid "$name")" "$rss"
        else
            ((quiet)) || printf '%-15s STOPPED\n' "$name"
            bad+=("$name")
        fi
    done
    ((${#bad[@]} == 0)) || { log "not running: ${bad[*]}"; return 1; }
    env LOGS="$LOGS" LOOPBACK_SERVICE_PASSWORD="$SERVICE_PASSWORD" \
        "$VENV/bin/python" "$LOOPBACK_DIR/health.py" --timeout 10 || return 1
    local queues q
    queues="$(timeout 30 env HOME="$DATA/rabbitmq" RABBITMQ_CONF_ENV_FILE="$ETC/rabbitmq/rabbitmq-env.conf" \
        /usr/lib/rabbitmq/bin/rabbitmqctl -q list_queues name consumers 2>/dev/null)" || { log "rabbitmqctl failed"; return 1; }
    for q in "${QUEUES[@]}"; do
        awk -v q="$q" '$1 == q && $2 > 0 {f = 1} END {exit !f}' <<<"$queues" || { log "no RPC consumer on $q"; return 1; }
    done
    ((quiet)) || log "all services up; API checks and RPC consumers OK"
}

main "$@"
