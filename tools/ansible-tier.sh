#!/usr/bin/env bash
# The ansible tier: the normalizer.cloud collection as users get it, then its tests, then
# ansible-test sanity. Each step says what it does before it starts and prints
# "step <name>: <seconds> s" after it; the script stops at the first step that fails.
#
#   build    ansible-galaxy collection build -> a tarball in a temporary directory
#   install  ansible-galaxy collection install <tarball> -p <tmp> --no-deps --offline
#   doc      ansible-doc on every plugin of the installed copy (not the source tree)
#   pytest   pytest tests/ansible (the real ansible-playbook / ansible-inventory on FakeClouds)
#   sanity   ansible-test sanity --local --python X.Y, from ansible_collections/normalizer/cloud
#
# Usage: tools/ansible-tier.sh [STEP...]   (default: every step, in that order)
# Needs the project venv (`make .venv/.installed-test`: ansible-core comes from the `test`
# extra) and the package index: ansible-test installs each sanity test's pinned tools into
# its own virtualenv under ~/.ansible/test/venv (reused by later runs). See docs/ansible.md.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${VENV_BIN:-$REPO/.venv/bin}"
PY="$BIN/python"
COLLECTION="$REPO/ansible_collections/normalizer/cloud"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/ansible-tier.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
T0=$SECONDS

say() { printf '%s [ansible] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

# step NAME WHAT CMD...: say WHAT, run CMD, print "step NAME: N s" (FAILED when it failed).
step() {
    local name="$1" what="$2"; shift 2
    local t0=$SECONDS rc=0
    say "$name: $what"
    "$@" || rc=$?
    if ((rc)); then
        printf 'step %s: FAILED (exit %d) after %d s\n' "$name" "$rc" "$((SECONDS - t0))"
    else
        printf 'step %s: %d s\n' "$name" "$((SECONDS - t0))"
    fi
    return "$rc"
}

[[ -x "$PY" && -x "$BIN/ansible-galaxy" && -x "$BIN/ansible-test" ]] \
    || die "no ansible-core in $BIN: run 'make -C $REPO .venv/.installed-test' (the test extra installs it)"

# Ansible writes its caches under ANSIBLE_HOME; keep them in the temporary directory. The
# developer's ansible.cfg, collections and OS_* settings stay out of it.
while IFS= read -r name; do unset "$name"; done < <(env | sed -n 's/^\(ANSIBLE_[A-Za-z0-9_]*\|OS_[A-Za-z0-9_]*\)=.*/\1/p')
export ANSIBLE_HOME="$WORK/ansible-home" ANSIBLE_CONFIG="$WORK/none.cfg" ANSIBLE_NOCOLOR=1
: >"$ANSIBLE_CONFIG"
INSTALLED="$WORK/collections"

build() {
    "$BIN/ansible-galaxy" collection build "$COLLECTION" --output-path "$WORK/dist" --force
    ls "$WORK"/dist/normalizer-cloud-*.tar.gz >/dev/null
}

install() {
    ANSIBLE_COLLECTIONS_PATH="$INSTALLED" \
        "$BIN/ansible-galaxy" collection install "$WORK"/dist/normalizer-cloud-*.tar.gz -p "$INSTALLED" \
        --no-deps --offline --force
    [[ -f "$INSTALLED/ansible_collections/normalizer/cloud/MANIFEST.json" ]] \
        || die "the install left no MANIFEST.json under $INSTALLED"
}

# doc: every plugin file of the installed copy (plugins/<type>/<name>.py; doc_fragments and
# module_utils are not plugins) through ansible-doc, which must find it in $INSTALLED.
doc() {
    local root="$INSTALLED/ansible_collections/normalizer/cloud/plugins" file dir type name out count=0
    for file in "$root"/*/*.py; do
        [[ -e "$file" ]] || continue
        dir="$(basename "$(dirname "$file")")"
        name="$(basename "$file" .py)"
        case "$dir" in doc_fragments|module_utils) continue ;; modules) type=module ;; *) type="$dir" ;; esac
        [[ "$name" == __init__ ]] && continue
        say "ansible-doc -t $type normalizer.cloud.$name"
        out="$(cd "$WORK" && ANSIBLE_COLLECTIONS_PATH="$INSTALLED" ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false \
               "$BIN/ansible-doc" -t "$type" "normalizer.cloud.$name" 2>"$WORK/doc.err")" \
            || { cat "$WORK/doc.err" >&2; die "ansible-doc failed for the $type normalizer.cloud.$name"; }
        if [[ -s "$WORK/doc.err" ]]; then   # ansible-doc warns and errs on stderr
            cat "$WORK/doc.err" >&2; die "ansible-doc warned about the $type normalizer.cloud.$name"
        fi
        grep -qF "$INSTALLED" <<<"$out" || { printf '%s\n' "$out"; die "ansible-doc did not read the installed copy"; }
        count=$((count + 1))
    done
    ((count)) || say "no plugins in the collection yet (nothing under plugins/ but doc_fragments and module_utils)"
    say "ansible-doc read $count plugin(s) from the installed collection"
}

unit_tests() {
    (cd "$REPO" && "$PY" -m pytest -q -p no:cacheprovider tests/ansible)
}

# ansible-test runs pip in fresh virtualenvs made --without-pip, bootstrapping pip with a
# get-pip script it downloads from ci-files.testing.ansible.com and caches in
# ~/.ansible/test/cache. When that host cannot be reached (only the package index can, here),
# put a stand-in in the cache: it runs the pip wheel bundled with Python (ensurepip) to
# `pip install` the pip version ansible-test asks for from the package index.
ensure_pip_bootstrap() {
    local version cache
    version="$("$PY" - <<'EOF'
import types
from ansible_test._internal.python_requirements import get_venv_packages
print(get_venv_packages(types.SimpleNamespace(version=""))["pip"])
EOF
)"
    cache="$HOME/.ansible/test/cache/get_pip_${version//./_}.py"
    [[ -s "$cache" ]] && return 0
    mkdir -p "$(dirname "$cache")"
    if "$PY" -c 'import sys, urllib.request; urllib.request.urlretrieve(sys.argv[1], sys.argv[2])' \
        "https://ci-files.testing.ansible.com/ansible-test/get-pip-$version.py" "$cache.download" 2>/dev/null; then
        mv "$cache.download" "$cache"
        say "downloaded ansible-test's pip $version bootstrap script to $cache"
        return 0
    fi
    rm -f "$cache.download"
    cat >"$cache" <<'EOF'
"""Stand-in for ansible-test's get-pip bootstrap script (written by tools/ansible-tier.sh).

The real one comes from ci-files.testing.ansible.com, which the machine could not reach.
ansible-test runs this as ``python get_pip_X_Y.py [pip options] pip==X.Y --no-setuptools
--no-wheel`` in a virtualenv made without pip; it runs the pip wheel bundled with Python
(ensurepip) from sys.path and lets it install those packages from the package index.
"""
import os
import runpy
import sys
import tempfile

import ensurepip


def main():
    args = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
    package = ensurepip._get_packages()["pip"]  # pylint: disable=protected-access
    with tempfile.TemporaryDirectory() as tmp:
        wheel = package.wheel_path
        if not wheel:
            from importlib import resources
            wheel = os.path.join(tmp, package.wheel_name)
            with open(wheel, "wb") as handle:
                handle.write(resources.files("ensurepip").joinpath("_bundled", package.wheel_name).read_bytes())
        sys.path.insert(0, wheel)
        sys.argv = ["pip", "install", "--upgrade", "--force-reinstall", *args]
        runpy.run_module("pip", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
EOF
    say "ci-files.testing.ansible.com is unreachable: wrote a pip $version bootstrap stand-in to $cache" \
        "(it installs pip from the package index with Python's bundled pip)"
}

sanity() {
    local python
    python="$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
    ensure_pip_bootstrap
    rm -rf "$COLLECTION/tests/output"
    # --local: the controller is this venv (ansible-core from the test extra); ansible-test
    # still puts each sanity test's own requirements in a virtualenv of its own.
    # No --skip-test: every sanity test runs here (docs/ansible.md, "ansible-test sanity").
    (cd "$COLLECTION" && "$BIN/ansible-test" sanity --local --python "$python" --color no)
}

run_step() {
    case "$1" in
        build) step build "ansible-galaxy collection build -> $WORK/dist" build ;;
        install) step install "ansible-galaxy collection install the tarball -p $INSTALLED (no dependencies, offline)" install ;;
        doc) step doc "ansible-doc on every plugin of the installed collection" doc ;;
        pytest) step pytest "pytest tests/ansible: ansible-playbook and ansible-inventory against FakeClouds on 127.0.0.1" unit_tests ;;
        sanity) step sanity "ansible-test sanity --local for ansible_collections/normalizer/cloud (about 10 s; the first run installs each test's tools from PyPI, about 45 s)" sanity ;;
        *) die "unknown step '$1' (steps: build install doc pytest sanity)" ;;
    esac
}

main() {
    local steps=("$@")
    ((${#steps[@]})) || steps=(build install doc pytest sanity)
    # doc needs install needs build: asking for a later one runs the earlier ones first.
    if [[ " ${steps[*]} " == *" doc "* && " ${steps[*]} " != *" install "* ]]; then steps=(install "${steps[@]}"); fi
    if [[ " ${steps[*]} " == *" install "* && " ${steps[*]} " != *" build "* ]]; then steps=(build "${steps[@]}"); fi
    for name in "${steps[@]}"; do run_step "$name"; done
    printf 'step ansible-total: %d s\n' "$((SECONDS - T0))"
}

main "$@"
