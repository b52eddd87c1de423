#!/usr/bin/env bash
# Install everything the loopback OpenStack needs, idempotently:
#   - Debian's mariadb-server and rabbitmq-server (only when missing; their services are NOT started)
#   - one virtualenv with the OpenStack 2025.1 "Epoxy" services pinned by requirements.lock
#     (rebuilt only when the lock, the Python or the plugin package changes: hash stamp)
#   - the loopback plugin package (the ML2 mechanism driver that binds ports without agents)
# Usage: install.sh            (LOOPBACK_PREFIX overrides the state folder, default <repo>/.loopback)
set -euo pipefail
# shellcheck source=_env.sh
source "$(dirname "${BASH_SOURCE[0]}")/_env.sh"

APT_PACKAGES=(mariadb-server mariadb-client rabbitmq-server)

as_root() {
    if [[ $EUID -eq 0 ]]; then "$@"; else sudo -n "$@"; fi
}

apt_missing() {  # the packages of APT_PACKAGES that are not installed, one per line
    local p
    for p in "${APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
    done
}

install_apt() {
    local missing=()
    mapfile -t missing < <(apt_missing)
    if ((${#missing[@]} == 0)); then
        log "apt packages present: ${APT_PACKAGES[*]}"
        return 0
    fi
    log "apt-get update and install ${missing[*]} (about 15 s to 2 min; output in $PREFIX/install-apt.log)"
    # policy-rc.d answering 101 keeps the postinst scripts from starting system-wide services:
    # the scripts here run their own MariaDB and RabbitMQ on 127.0.0.1 under the prefix.
    local policy=/usr/sbin/policy-rc.d backup=""
    if [[ -e "$policy" ]]; then
        backup="$(mktemp)"
        as_root cp -p "$policy" "$backup"
    fi
    printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
    as_root chmod 755 "$policy"
    local rc=0
    {
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q -o Acquire::http::Timeout=60 &&
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
    } >"$PREFIX/install-apt.log" 2>&1 || rc=$?
    if [[ -n "$backup" ]]; then as_root mv "$backup" "$policy"; else as_root rm -f "$policy"; fi
    if ((rc != 0)); then
        tail -n 30 "$PREFIX/install-apt.log" >&2
        die "apt-get install failed (log: $PREFIX/install-apt.log)"
    fi
}

lock_hash() {
    {
        cat "$LOOPBACK_DIR/requirements.lock"
        "$LOOPBACK_PYTHON" -c 'import sys; print(sys.version)'
    } | sha256sum | cut -d' ' -f1
}

plugin_hash() {
    find "$LOOPBACK_DIR/plugins" -type f \( -name '*.py' -o -name '*.cfg' -o -name '*.toml' \) \
        -not -path '*/build/*' -not -path '*.egg-info*' -print0 | sort -z | xargs -0 cat | sha256sum | cut -d' ' -f1
}

install_venv() {
    local want have=""
    want="$(lock_hash)"
    [[ -f "$VENV/.lock-hash" ]] && have="$(cat "$VENV/.lock-hash")"
    if [[ "$want" == "$have" && -x "$VENV/bin/python" ]]; then
        log "OpenStack venv is current ($VENV)"
        return 0
    fi
    log "building the OpenStack venv in $VENV (requirements.lock changed or no venv): pip installs" \
        "every pinned package of requirements.lock, about 90 s without a pip cache; output in $PREFIX/install-pip.log"
    rm -rf "$VENV"
    "$LOOPBACK_PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip >"$PREFIX/install-pip.log" 2>&1
    # --no-deps: the lock is a full freeze, so pip resolves nothing and CI gets the same set.
    if ! "$VENV/bin/python" -m pip install -q --no-deps -r "$LOOPBACK_DIR/requirements.lock" \
            >>"$PREFIX/install-pip.log" 2>&1; then
        tail -n 30 "$PREFIX/install-pip.log" >&2
        die "pip install of requirements.lock failed (log: $PREFIX/install-pip.log)"
    fi
    rm -f "$VENV/.plugin-hash"
    echo "$want" >"$VENV/.lock-hash"
}

install_plugins() {
    local want have=""
    want="$(plugin_hash)"
    [[ -f "$VENV/.plugin-hash" ]] && have="$(cat "$VENV/.plugin-hash")"
    if [[ "$want" != "$have" ]]; then
        log "installing the loopback plugins"
        # Built from a copy: a build never writes into the work tree.
        rm -rf "$PREFIX/build-plugins"
        cp -r "$LOOPBACK_DIR/plugins" "$PREFIX/build-plugins"
        "$VENV/bin/python" -m pip install -q --no-deps --no-build-isolation "$PREFIX/build-plugins" \
            >>"$PREFIX/install-pip.log" 2>&1 || die "plugin install failed (log: $PREFIX/install-pip.log)"
        rm -rf "$PREFIX/build-plugins"
        echo "$want" >"$VENV/.plugin-hash"
    else
        log "loopback plugins are current"
    fi
}

main() {
    mkdir -p "$PREFIX"
    phase install-apt install_apt
    phase install-venv install_venv
    phase install-plugins install_plugins
}

main "$@"
