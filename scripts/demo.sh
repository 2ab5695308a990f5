#!/usr/bin/env bash
# README's main command. On a fresh machine: installs what is needed, brings up the local
# stack, starts the sample shop, a worker and the API, then processes a product list from the
# shop end to end over HTTP with a progress bar, and prints the report and the run's Temporal
# UI link. The stack keeps running afterwards (`npm run stack:down` stops it); the shop,
# worker and API started here stop on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/provision.sh demo
bash scripts/ensure-deps.sh
bash deploy/local/stack.sh up
set -a; eval "$(bash deploy/local/stack.sh env)"; set +a

logs=$(bash deploy/local/stack.sh logdir)
export API_PORT=${API_PORT:-8080}
SHOP_PORT=${SHOP_PORT:-8099}
# The crawler refuses loopback addresses unless allow-listed: allow the sample shop only.
export FETCH_ALLOW_HOSTS="127.0.0.1:$SHOP_PORT"
export FETCH_TIMEOUT_MS=${FETCH_TIMEOUT_MS:-3000}
export BLOB_DIR=${BLOB_DIR:-.stack/blobs}

for port in "$API_PORT" "$SHOP_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "[demo] port $port is already in use; stop what holds it or set API_PORT / SHOP_PORT" >&2
    exit 1
  fi
done

# `node --import tsx` (not the tsx wrapper) so each pid is the process itself and stops on kill.
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
node --import tsx fixtures/sample-shop/main.ts --port "$SHOP_PORT" >"$logs/demo-shop.log" 2>&1 & pids+=($!)
node --import tsx src/worker/main.ts >"$logs/demo-worker.log" 2>&1 & pids+=($!)
node --import tsx src/api/main.ts >"$logs/demo-api.log" 2>&1 & pids+=($!)
echo "[demo] sample shop, worker and API starting (logs in $logs/demo-*.log)"

node --import tsx scripts/demo-client.ts "http://127.0.0.1:$API_PORT" "http://127.0.0.1:$SHOP_PORT" "$@"
