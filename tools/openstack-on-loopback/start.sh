#!/usr/bin/env bash
# Start the loopback OpenStack (MariaDB, RabbitMQ, Keystone, Glance, Placement, Neutron, Nova, Cinder)
# on 127.0.0.1, initialising the databases and the catalog on the first run. Idempotent: a
# service that already runs is left alone. Every wait is bounded (LOOPBACK_TIMEOUT seconds,
# default 180); a service that does not come up is named, with the tail of its log.
# Usage: start.sh     (run install.sh first)
set -euo pipefail
# shellcheck source=_env.sh
source "$(dirname "${BASH_SOURCE[0]}")/_env.sh"

TIMEOUT="${LOOPBACK_TIMEOUT:-180}"
MARKER="$DATA/.initialized"
RPC_QUEUES=(conductor scheduler "compute.$COMPUTE_HOST")
OPENSTACK_DBS=(keystone neutron nova nova_api nova_cell0 placement cinder)
# Cinder came later than the rest: a data dir initialised before it gets its database and
# catalog entries on the next start (this marker), without touching the others.
CINDER_MARKER="$DATA/.initialized-cinder"

[[ -x "$VENV/bin/python" ]] || die "no OpenStack venv at $VENV: run $LOOPBACK_DIR/install.sh first"
command -v mariadbd >/dev/null || [[ -x /usr/sbin/mariadbd ]] || die "mariadbd missing: run install.sh"

rmq() {  # rmq TOOL ARGS: a RabbitMQ CLI tool against our node
    local tool="$1"; shift
    env HOME="$DATA/rabbitmq" RABBITMQ_CONF_ENV_FILE="$ETC/rabbitmq/rabbitmq-env.conf" \
        ERL_EPMD_ADDRESS=127.0.0.1 "/usr/lib/rabbitmq/bin/$tool" "$@"
}

render() {  # render TEMPLATE DEST: fill in the @VARS@ of a config template
    sed -e "s#@PREFIX@#$PREFIX#g" -e "s#@DATA@#$DATA#g" -e "s#@LOGS@#$LOGS#g" -e "s#@RUN@#$RUN#g" \
        -e "s#@ETC@#$ETC#g" -e "s#@VENV@#$VENV#g" -e "s#@DB_USER@#$DB_USER#g" -e "s#@DB_PASS@#$DB_PASS#g" \
        -e "s#@SERVICE_PASSWORD@#$SERVICE_PASSWORD#g" -e "s#@COMPUTE_HOST@#$COMPUTE_HOST#g" "$1" >"$2"
}

render_configs() {
    local src="$LOOPBACK_DIR/etc"
    mkdir -p "$ETC"/{keystone,glance,neutron,nova,placement,rabbitmq,cinder} "$LOGS/rabbitmq" "$RUN" \
        "$DATA"/cinder/{lock,conversion} \
        "$DATA"/{keystone/fernet-keys,keystone/credential-keys,glance/images,glance/staging,glance/tasks} \
        "$DATA"/{neutron/lock,nova/lock,rabbitmq/mnesia}
    chmod 700 "$DATA/keystone/fernet-keys" "$DATA/keystone/credential-keys"
    render "$src/mariadb.cnf" "$ETC/mariadb.cnf"
    render "$src/rabbitmq.conf" "$ETC/rabbitmq/rabbitmq.conf"
    render "$src/rabbitmq-env.conf" "$ETC/rabbitmq/rabbitmq-env.conf"
    echo "[]." >"$ETC/rabbitmq/enabled_plugins"
    render "$src/keystone.conf" "$ETC/keystone/keystone.conf"
    render "$src/glance-api.conf" "$ETC/glance/glance-api.conf"
    render "$src/placement.conf" "$ETC/placement/placement.conf"
    render "$src/neutron.conf" "$ETC/neutron/neutron.conf"
    render "$src/ml2_conf.ini" "$ETC/neutron/ml2_conf.ini"
    render "$src/nova.conf" "$ETC/nova/nova.conf"
    render "$src/cinder.conf" "$ETC/cinder/cinder.conf"
    # nova-compute must not see the database sections (see the comment in nova.conf).
    awk '/^\[/ {skip = ($0 == "[database]" || $0 == "[api_database]")} !skip' \
        "$ETC/nova/nova.conf" >"$ETC/nova/nova-cpu.conf"
}

# claim_port NAME PORT: fail if PORT is taken by a process these scripts did not start.
claim_port() {
    if ! pid_alive "$1" && port_open "$2"; then
        die "127.0.0.1:$2 (for $1) is already in use by a process these scripts did not start; stop it or free the port"
    fi
}

start_mariadb() {
    claim_port mariadb 3306
    if [[ ! -d "$DATA/mysql/mysql" ]]; then
        log "initialising the MariaDB datadir"
        mariadb-install-db --defaults-file="$ETC/mariadb.cnf" --auth-root-authentication-method=socket \
            --skip-test-db >"$LOGS/mariadb-install.log" 2>&1 \
            || { tail_log mariadb-install; die "mariadb-install-db failed"; }
    fi
    spawn mariadb /usr/sbin/mariadbd --defaults-file="$ETC/mariadb.cnf"
    wait_until mariadb "$TIMEOUT" mysql_root -e 'SELECT 1'
    local db sql=""
    for db in "${OPENSTACK_DBS[@]}"; do
        sql+="CREATE DATABASE IF NOT EXISTS \`$db\` CHARACTER SET utf8;"
        sql+="GRANT ALL PRIVILEGES ON \`$db\`.* TO '$DB_USER'@'127.0.0.1';"
        sql+="GRANT ALL PRIVILEGES ON \`$db\`.* TO '$DB_USER'@'localhost';"
    done
    mysql_root -e "CREATE USER IF NOT EXISTS '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$DB_PASS';
                   CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASS'; $sql"
}

start_rabbitmq() {
    # Our own epmd, bound to 127.0.0.1, so that its PID is recorded (RabbitMQ would fork one).
    if ! pid_alive epmd && port_open 4369; then
        log "an epmd not started here already listens on 4369: RabbitMQ will use it"
    else
        spawn epmd /usr/bin/epmd -address 127.0.0.1 -port 4369
        wait_until epmd 30 port_open 4369
    fi
    claim_port rabbitmq 5672
    spawn rabbitmq env HOME="$DATA/rabbitmq" RABBITMQ_CONF_ENV_FILE="$ETC/rabbitmq/rabbitmq-env.conf" \
        ERL_EPMD_ADDRESS=127.0.0.1 /usr/lib/rabbitmq/bin/rabbitmq-server
    wait_until rabbitmq "$TIMEOUT" port_open 5672
}

# run_logged NAME CMD...: run a one-shot command with output to logs/NAME.log
run_logged() {
    local name="$1"; shift
    echo "=== $(date -u +%FT%TZ) run: $*" >>"$LOGS/$name.log"
    "$@" >>"$LOGS/$name.log" 2>&1
}

init_keystone() {
    local conf="$ETC/keystone/keystone.conf" km="$VENV/bin/keystone-manage"
    run_logged init-keystone "$km" --config-file "$conf" db_sync
    [[ -n "$(ls -A "$DATA/keystone/fernet-keys")" ]] ||
        run_logged init-keystone "$km" --config-file "$conf" fernet_setup --keystone-user root --keystone-group root
    [[ -n "$(ls -A "$DATA/keystone/credential-keys")" ]] ||
        run_logged init-keystone "$km" --config-file "$conf" credential_setup --keystone-user root --keystone-group root
    run_logged init-keystone "$km" --config-file "$conf" bootstrap --bootstrap-password "$SERVICE_PASSWORD" \
        --bootstrap-admin-url http://127.0.0.1:5000/v3 --bootstrap-internal-url http://127.0.0.1:5000/v3 \
        --bootstrap-public-url http://127.0.0.1:5000/v3 --bootstrap-region-id RegionOne
}

init_nova() {
    local nm=("$VENV/bin/nova-manage" --config-file "$ETC/nova/nova.conf")
    run_logged init-nova "${nm[@]}" api_db sync
    run_logged init-nova "${nm[@]}" cell_v2 map_cell0
    if ! "${nm[@]}" cell_v2 list_cells 2>>"$LOGS/init-nova.log" | grep -q ' cell1 '; then
        run_logged init-nova "${nm[@]}" cell_v2 create_cell --name cell1
    fi
    run_logged init-nova "${nm[@]}" db sync
}

init_cinder() {
    run_logged init-cinder "$VENV/bin/cinder-manage" --config-file "$ETC/cinder/cinder.conf" db sync
}

init_databases() {
    log "creating the databases: keystone, glance, neutron, placement, nova and cinder schemas (db sync, in" \
        "parallel, about 25 s; output in $LOGS/init-*.log)"
    local -A jobs=()
    init_keystone & jobs[init-keystone]=$!
    run_logged init-glance "$VENV/bin/glance-manage" --config-file "$ETC/glance/glance-api.conf" db_sync &
    jobs[init-glance]=$!
    run_logged init-neutron "$VENV/bin/neutron-db-manage" --config-file "$ETC/neutron/neutron.conf" \
        --config-file "$ETC/neutron/ml2_conf.ini" upgrade head & jobs[init-neutron]=$!
    run_logged init-placement "$VENV/bin/placement-manage" --config-file "$ETC/placement/placement.conf" db sync &
    jobs[init-placement]=$!
    init_nova & jobs[init-nova]=$!
    init_cinder & jobs[init-cinder]=$!
    local name failed=()
    for name in "${!jobs[@]}"; do
        wait "${jobs[$name]}" || failed+=("$name")
    done
    for name in "${failed[@]}"; do tail_log "$name"; done
    ((${#failed[@]} == 0)) || die "database initialisation failed: ${failed[*]}"
}

start_keystone() {
    claim_port keystone 5000
    spawn keystone env OS_KEYSTONE_CONFIG_DIR="$ETC/keystone" "$VENV/bin/gunicorn" --chdir "$LOOPBACK_DIR/wsgi" \
        --bind 127.0.0.1:5000 --workers 1 --threads 8 --timeout 120 keystone_app:application
    wait_until keystone "$TIMEOUT" http_ok http://127.0.0.1:5000/v3
}

start_services() {
    local name port
    for name in glance-api:9292 placement:8778 neutron-server:9696 nova-api:8774 cinder-api:8776; do
        claim_port "${name%%:*}" "${name##*:}"
    done
    spawn glance-api "$VENV/bin/glance-api" --config-file "$ETC/glance/glance-api.conf"
    spawn placement env OS_PLACEMENT_CONFIG_DIR="$ETC/placement" "$VENV/bin/gunicorn" \
        --chdir "$LOOPBACK_DIR/wsgi" --bind 127.0.0.1:8778 --workers 1 --threads 4 --timeout 120 \
        placement_app:application
    spawn neutron-server "$VENV/bin/neutron-server" --config-file "$ETC/neutron/neutron.conf" \
        --config-file "$ETC/neutron/ml2_conf.ini"
    spawn nova-api "$VENV/bin/nova-api" --config-file "$ETC/nova/nova.conf"
    spawn nova-conductor "$VENV/bin/nova-conductor" --config-file "$ETC/nova/nova.conf"
    spawn nova-scheduler "$VENV/bin/nova-scheduler" --config-file "$ETC/nova/nova.conf"
    spawn nova-compute "$VENV/bin/nova-compute" --config-file "$ETC/nova/nova-cpu.conf"
    spawn cinder-api "$VENV/bin/cinder-api" --config-file "$ETC/cinder/cinder.conf"
    spawn cinder-scheduler "$VENV/bin/cinder-scheduler" --config-file "$ETC/cinder/cinder.conf"
    spawn cinder-volume "$VENV/bin/cinder-volume" --config-file "$ETC/cinder/cinder.conf"
    for name in glance-api:9292 placement:8778 neutron-server:9696 nova-api:8774 cinder-api:8776; do
        port="${name##*:}"; name="${name%%:*}"
        wait_until "$name" "$TIMEOUT" http_ok "http://127.0.0.1:$port/"
    done
}

health() {  # health CHECK...: the API-level checks of health.py, bounded by TIMEOUT
    env LOGS="$LOGS" LOOPBACK_SERVICE_PASSWORD="$SERVICE_PASSWORD" \
        "$VENV/bin/python" "$LOOPBACK_DIR/health.py" --timeout "$TIMEOUT" "$@"
}

discover_hosts() {
    # Maps the compute node to cell1; until then the scheduler sees no host.
    local deadline=$((SECONDS + TIMEOUT))
    until env LOGS="$LOGS" "$VENV/bin/python" "$LOOPBACK_DIR/health.py" --timeout 1 hypervisor 2>/dev/null; do
        ((SECONDS < deadline)) || { tail_log nova-compute; die "nova-compute's host was never mapped to a cell"; }
        run_logged discover-hosts "$VENV/bin/nova-manage" --config-file "$ETC/nova/nova.conf" \
            cell_v2 discover_hosts --verbose || true
        sleep 1
    done
}

rpc_consumers_ready() {
    # oslo.messaging queues are not durable: a cast sent before a consumer exists is dropped
    # (a boot stays in BUILD/scheduling for ever). "Service up" is not enough.
    local queues q
    queues="$(rmq rabbitmqctl -q list_queues name consumers 2>/dev/null)" || return 1
    for q in "${RPC_QUEUES[@]}"; do
        awk -v q="$q" '$1 == q && $2 > 0 {found = 1} END {exit !found}' <<<"$queues" || return 1
    done
}

wait_rpc() {
    local deadline=$((SECONDS + TIMEOUT))
    until rpc_consumers_ready; do
        if ((SECONDS >= deadline)); then
            log "RabbitMQ has no consumer on one of: ${RPC_QUEUES[*]}"
            rmq rabbitmqctl -q list_queues name consumers >&2 || true
            tail_log nova-conductor; tail_log nova-scheduler; tail_log nova-compute
            die "nova RPC consumers not ready within ${TIMEOUT}s"
        fi
        sleep 1
    done
}

main() {
    local t0=$SECONDS
    mkdir -p "$LOGS" "$RUN" "$DATA"
    if [[ -f "$MARKER" ]]; then
        log "starting what is not running (databases and catalog exist: $DATA)"
    else
        log "first start: initialising MariaDB, the databases and the catalog under $DATA"
    fi
    phase render-configs render_configs
    phase mariadb start_mariadb
    phase rabbitmq start_rabbitmq
    if [[ ! -f "$MARKER" ]]; then
        phase init-databases init_databases
    fi
    if [[ -f "$MARKER" && ! -f "$CINDER_MARKER" ]]; then
        log "adding Cinder to a data dir made before it: its database (cinder-manage db sync)"
        phase init-cinder run_logged init-cinder "$VENV/bin/cinder-manage" --config-file "$ETC/cinder/cinder.conf" \
            db sync || { tail_log init-cinder; die "cinder database initialisation failed"; }
    fi
    phase keystone start_keystone
    if [[ ! -f "$MARKER" || ! -f "$CINDER_MARKER" ]]; then
        log "creating the catalog: services, endpoints and service users in Keystone"
        phase catalog run_logged catalog env LOOPBACK_SERVICE_PASSWORD="$SERVICE_PASSWORD" \
            "$VENV/bin/python" "$LOOPBACK_DIR/catalog.py" || { tail_log catalog; die "catalog creation failed"; }
        touch "$MARKER" "$CINDER_MARKER"
    fi
    phase services start_services
    log "checking that every API answers: identity, image, network, placement, compute (and its services), volume"
    phase api-health health identity image network placement compute-api compute-services volume
    log "mapping the compute host to cell1 (nova-manage cell_v2 discover_hosts)"
    phase discover-hosts discover_hosts
    log "waiting for the compute node's resource provider in Placement"
    phase placement-health health resource-provider
    log "waiting for nova's RPC consumers on RabbitMQ: ${RPC_QUEUES[*]}"
    phase rpc-consumers wait_rpc
    printf 'phase start-total: %d s\n' "$((SECONDS - t0))"
    log "loopback OpenStack is ready: Keystone http://127.0.0.1:5000/v3 (admin / $SERVICE_PASSWORD, project admin)"
}

main "$@"
