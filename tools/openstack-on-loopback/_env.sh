# Sourced by every script here: paths, logging, phase timing, bounded waits and PID records.
# shellcheck shell=bash disable=SC2034  # the variables are used by the scripts that source this

LOOPBACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LOOPBACK_REPO="$(cd "$LOOPBACK_DIR/../.." && pwd)"
PREFIX="$(realpath -m "${LOOPBACK_PREFIX:-$LOOPBACK_REPO/.loopback}")"
VENV="$PREFIX/venv"
RUN="$PREFIX/run"
LOGS="$PREFIX/logs"
DATA="$PREFIX/data"
ETC="$PREFIX/etc"
PIDS="$RUN/pids"
LOOPBACK_PYTHON="${LOOPBACK_PYTHON:-python3}"
COMPUTE_HOST="loopback-compute"
DB_USER="openstack"
DB_PASS="loopback"
DB_SOCKET="$RUN/mysqld.sock"
SERVICE_PASSWORD="loopback"     # every service user and the admin user
# Every process start.sh records, in start order.
LOOPBACK_SERVICES=(mariadb epmd rabbitmq keystone glance-api placement neutron-server nova-api nova-conductor
                   nova-scheduler nova-compute)
# None of these is exported: RabbitMQ's scripts read un-prefixed names such as LOGS from the
# environment, and a stray LOGS makes RabbitMQ fail to boot.

log() { printf '%s [loopback] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# phase NAME CMD...: run CMD, then print "phase NAME: N s" (the timing log the CI keeps).
phase() {
    local name="$1"; shift
    local t0=$SECONDS rc=0
    "$@" || rc=$?
    printf 'phase %s: %d s\n' "$name" "$((SECONDS - t0))"
    return "$rc"
}

# tail_log NAME: the last lines of a service's log, for failure messages.
tail_log() {
    local f="$LOGS/$1.log"
    if [[ -f "$f" ]]; then
        echo "----- last 30 lines of $f -----" >&2
        tail -n 30 "$f" >&2
        echo "-----" >&2
    else
        echo "(no log at $f)" >&2
    fi
}

# wait_until NAME TIMEOUT CMD...: poll CMD every second until it succeeds; on timeout name the
# service, show its log tail and fail.
wait_until() {
    local name="$1" timeout="$2"; shift 2
    local deadline=$((SECONDS + timeout)) t0=$SECONDS said=0
    until "$@" >/dev/null 2>&1; do
        if ((!said)); then log "waiting for $name to answer (up to ${timeout}s)"; said=1; fi
        if ((SECONDS >= deadline)); then
            log "$name did not become ready within ${timeout}s (check: $*)"
            tail_log "$name"
            return 1
        fi
        if ! pid_alive "$name"; then
            if [[ -n "$(recorded_pid "$name")" ]]; then
                log "$name exited while starting"
                tail_log "$name"
                return 1
            fi
        fi
        sleep 1
    done
    ((!said)) || log "$name answers (after $((SECONDS - t0)) s)"
}

port_open() {  # port_open PORT: something listens on 127.0.0.1:PORT
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

http_ok() {  # http_ok URL: any HTTP answer below 500 within 5 s
    local code
    code="$(curl -m 5 -s -o /dev/null -w '%{http_code}' "$1")" || return 1
    [[ "$code" != 000 && "$code" -lt 500 ]]
}

# PID records: "name pid starttime" so a recycled PID is never mistaken for ours.
proc_start() {  # field 22 of /proc/PID/stat; the command name before it may contain spaces
    local stat
    stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 0
    awk '{print $20}' <<<"${stat##*) }"
}

recorded_pid() {
    [[ -f "$PIDS" ]] || return 0
    awk -v n="$1" '$1 == n {print $2}' "$PIDS" | tail -n 1
}

pid_alive() {  # pid_alive NAME: the recorded process of NAME still runs (same start time)
    [[ -f "$PIDS" ]] || return 1
    local line pid start
    line="$(awk -v n="$1" '$1 == n' "$PIDS" | tail -n 1)"
    [[ -n "$line" ]] || return 1
    read -r _ pid start <<<"$line"
    [[ -d "/proc/$pid" && "$(proc_start "$pid")" == "$start" ]]
}

record_pid() {  # record_pid NAME PID
    mkdir -p "$RUN"
    local tmp="$PIDS.tmp.$$"
    { [[ -f "$PIDS" ]] && awk -v n="$1" '$1 != n' "$PIDS"; echo "$1 $2 $(proc_start "$2")"; } >"$tmp" || true
    mv "$tmp" "$PIDS"
}

forget_pid() {
    [[ -f "$PIDS" ]] || return 0
    local tmp="$PIDS.tmp.$$"
    awk -v n="$1" '$1 != n' "$PIDS" >"$tmp" || true
    mv "$tmp" "$PIDS"
}

# spawn NAME CMD...: start CMD in its own session (so its whole process group can be stopped),
# stdout/stderr to logs/NAME.log, and record its PID. A running NAME is left alone.
spawn() {
    local name="$1"; shift
    if pid_alive "$name"; then
        log "$name already running (pid $(recorded_pid "$name"))"
        return 0
    fi
    mkdir -p "$LOGS"
    echo "=== $(date -u +%FT%TZ) start: $*" >>"$LOGS/$name.log"
    setsid "$@" >>"$LOGS/$name.log" 2>&1 </dev/null &
    local pid=$!
    record_pid "$name" "$pid"
    log "started $name (pid $pid)"
}

mysql_root() { mysql --protocol=socket -S "$DB_SOCKET" -u root "$@"; }

os_bin() { echo "$VENV/bin/$1"; }
