#!/usr/bin/env bash
# README's main command: on a fresh machine, installs what is needed, brings up the local
# stack, starts a worker and the API, runs the main job end to end over HTTP, and prints
# the result with its Temporal UI link. The stack keeps running afterwards (stop it with
# `npm run stack:down`); the worker and API started here are stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-deps.sh
bash deploy/local/stack.sh up
set -a; eval "$(bash deploy/local/stack.sh env)"; set +a

logs=$(bash deploy/local/stack.sh logdir)
mkdir -p "$logs"
export API_PORT=${API_PORT:-8080}
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

npx --no-install tsx src/worker/main.ts >"$logs/demo-worker.log" 2>&1 & pids+=($!)
npx --no-install tsx src/api/main.ts >"$logs/demo-api.log" 2>&1 & pids+=($!)
echo "[demo] worker and API starting (logs: $logs/demo-worker.log, $logs/demo-api.log)"

npx --no-install tsx scripts/demo-client.ts "http://127.0.0.1:$API_PORT"
