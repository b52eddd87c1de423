#!/usr/bin/env bash
# The shared-cache tier: two processes share one dogpile cache in a real memcached.
#   install  apt-get installs memcached when missing (its system service is kept from starting:
#            the tests start their own instance on a free port of 127.0.0.1 and stop it)
#   pytest   tests/shared_cache
# Usage: tools/shared-cache-tier.sh   (needs the project venv: `make .venv/.installed-test`)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${VENV_BIN:-$REPO/.venv/bin}/python"
say() { printf '%s [shared-cache] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
as_root() { if [[ $EUID -eq 0 ]]; then "$@"; else sudo -n "$@"; fi; }

install_memcached() {
    if command -v memcached >/dev/null || [[ -x /usr/bin/memcached ]]; then
        say "memcached present: $(command -v memcached || echo /usr/bin/memcached)"
        return 0
    fi
    say "apt-get install memcached (about 15 s)"
    # policy-rc.d answering 101: the package's postinst must not start a system-wide memcached.
    local policy=/usr/sbin/policy-rc.d backup=""
    if [[ -e "$policy" ]]; then backup="$(mktemp)"; as_root cp -p "$policy" "$backup"; fi
    printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
    as_root chmod 755 "$policy"
    local rc=0
    { as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q -o Acquire::http::Timeout=60 &&
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends memcached; } \
        >/tmp/shared-cache-apt.log 2>&1 || rc=$?
    if [[ -n "$backup" ]]; then as_root mv "$backup" "$policy"; else as_root rm -f "$policy"; fi
    if ((rc)); then tail -n 20 /tmp/shared-cache-apt.log >&2; say "ERROR: apt-get install memcached failed"; exit 1; fi
}

t0=$SECONDS
install_memcached
printf 'step install: %d s\n' "$((SECONDS - t0))"
t1=$SECONDS
cd "$REPO"
"$PY" -m pytest -q -p no:cacheprovider tests/shared_cache
printf 'step pytest: %d s\n' "$((SECONDS - t1))"
