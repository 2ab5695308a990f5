#!/usr/bin/env bash
# The system tools README's two commands need, installed when missing (scripts/test.sh and
# scripts/demo.sh call this; so does CI through them). Debian packages need root; without it
# the script names exactly what to install and stops. Cheap when everything is present.
#
#   bash scripts/provision.sh [test|demo]           # install what that command needs (default: test)
#   bash scripts/provision.sh [test|demo] --check   # only list what is missing (exit 1 if anything is)
#
# To add a tool, add one line to REQUIREMENTS below:
#   "<name>|<needed by: all|test>|<kind>|<shell test that succeeds when present>|<packages>"
# kinds: apt       Debian packages (with recommends)
#        apt-lean  Debian packages without recommends
#        pip       PyPI packages into the project's tool venv ($TOOLS_VENV, its bin/ on PATH
#                  through `deploy/local/stack.sh env` users: call "$TOOLS_VENV/bin/<tool>")
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLS_VENV=${TOOLS_VENV:-${MAGICAI_STACK_HOME:-$PWD/.stack}/tools-venv}

REQUIREMENTS=(
  "curl|all|apt|command -v curl|curl"
  "JDK 17 (Elasticsearch, Neo4j)|all|apt|command -v java && command -v javac|openjdk-17-jdk-headless"
  "maven (Neo4j, Elasticsearch downloads)|all|apt|command -v mvn|maven"
  "PostgreSQL 15|all|apt|test -x /usr/lib/postgresql/15/bin/postgres|postgresql-15"
  "python3 with venv (Temporal and LLM downloads)|all|apt|command -v python3 && python3 -m venv --help|python3 python3-pip python3-venv"
  "Chromium (tests/console.e2e.test.ts)|test|apt|command -v chromium|chromium"
  # Apache comes in as a dependency of the wordpress package; nothing uses it.
  # Without recommends: the node exporter would start a daemon of its own.
  "Prometheus + promtool (the stack's prometheus, alert rule tests)|all|apt-lean|command -v prometheus && command -v promtool|prometheus"
  "real WordPress (tests/wordpress-real.test.ts)|test|apt-lean|test -f /usr/share/wordpress/wp-settings.php && command -v php && command -v mariadbd && php -r 'exit(extension_loaded(\"mysqli\") ? 0 : 1);'|wordpress php-cli php-mysql mariadb-server"
)

purpose=test; check_only=
for arg in "$@"; do
  case $arg in
    test|demo) purpose=$arg ;;
    --check) check_only=1 ;;
    *) echo "usage: $0 [test|demo] [--check]" >&2; exit 2 ;;
  esac
done
log() { printf '[provision] %s\n' "$*" >&2; }

node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' 2>/dev/null \
  || { log "Node.js >= 20.19 is required, found $(node --version 2>/dev/null || echo none); install it first (https://nodejs.org or Debian's nodejs from bookworm-backports)"; exit 1; }

apt=(); apt_lean=(); pip=(); missing=()
for line in "${REQUIREMENTS[@]}"; do
  IFS='|' read -r name needed_by kind check packages <<<"$line"
  [ "$needed_by" = all ] || [ "$needed_by" = "$purpose" ] || continue
  if bash -c "$check" >/dev/null 2>&1; then continue; fi
  missing+=("$name: $packages")
  case $kind in
    apt) read -ra p <<<"$packages"; apt+=("${p[@]}") ;;
    apt-lean) read -ra p <<<"$packages"; apt_lean+=("${p[@]}") ;;
    pip) read -ra p <<<"$packages"; pip+=("${p[@]}") ;;
    *) log "unknown kind '$kind' for $name"; exit 2 ;;
  esac
done
[ ${#missing[@]} -eq 0 ] && exit 0
for m in "${missing[@]}"; do log "missing $m"; done
[ -n "$check_only" ] && exit 1

if [ $((${#apt[@]} + ${#apt_lean[@]})) -gt 0 ]; then
  if ! command -v apt-get >/dev/null; then
    log "not a Debian machine: install the packages above with your system's package manager, then run again"; exit 1
  fi
  if [ "$(id -u)" != 0 ]; then
    log "run as root once, or install them yourself:"
    if [ ${#apt[@]} -gt 0 ]; then log "  sudo apt-get install ${apt[*]}"; fi
    if [ ${#apt_lean[@]} -gt 0 ]; then log "  sudo apt-get install --no-install-recommends ${apt_lean[*]}"; fi
    exit 1
  fi
  # Waits for a dpkg lock held by another apt run instead of failing at once.
  install=(env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq)
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  if [ ${#apt[@]} -gt 0 ]; then "${install[@]}" "${apt[@]}"; fi
  if [ ${#apt_lean[@]} -gt 0 ]; then "${install[@]}" --no-install-recommends "${apt_lean[@]}"; fi
fi
if [ ${#pip[@]} -gt 0 ]; then
  [ -x "$TOOLS_VENV/bin/pip" ] || python3 -m venv "$TOOLS_VENV"
  "$TOOLS_VENV/bin/pip" install --quiet --disable-pip-version-check "${pip[@]}"
fi
log "installed: ${apt[*]} ${apt_lean[*]} ${pip[*]}"
