#!/usr/bin/env bash
# `npm run faults`: the fault-injection suite (faults/run.ts) on a PRIVATE stack of its own —
# Temporal, PostgreSQL, Elasticsearch, Neo4j and the local model server on their own ports and
# with their own data (deploy/local/stack.sh with MAGICAI_STACK_DATA and STACK_*_PORT), reusing
# the binaries provisioned in the stack home. It stops and kills those services during the run,
# so the shared stack other processes use is never touched. The private stack is wiped at the
# start (fresh counts) and stopped at exit; its logs stay in $FAULTS_STACK_DATA/logs.
#   npm run faults                 the full run (1,000 items, 100 contents, 20 kills, …)
#   npm run faults -- --ci         the small variant (see faults/run.ts for every option)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

export MAGICAI_STACK_HOME=${MAGICAI_STACK_HOME:-$repo/.stack}
export MAGICAI_STACK_DATA=${FAULTS_STACK_DATA:-$repo/.faults-stack}
export STACK_TEMPORAL_PORT=${FAULTS_TEMPORAL_PORT:-27233}
export STACK_TEMPORAL_UI_PORT=${FAULTS_TEMPORAL_UI_PORT:-28233}
export STACK_PG_PORT=${FAULTS_PG_PORT:-25432}
export STACK_ES_PORT=${FAULTS_ES_PORT:-29200}           # transport: +100
export STACK_NEO4J_PORT=${FAULTS_NEO4J_PORT:-27687}
export STACK_LLM_PORT=${FAULTS_LLM_PORT:-28090}
export STACK_EMBED_PORT=${FAULTS_EMBED_PORT:-28091}
export STACK_PROMETHEUS_PORT=${FAULTS_PROMETHEUS_PORT:-29090}
export STACK_OTLP_GRPC_PORT=${FAULTS_OTLP_GRPC_PORT:-24317}
export STACK_OTLP_HTTP_PORT=${FAULTS_OTLP_HTTP_PORT:-24318}
SERVICES=(temporal postgres elasticsearch neo4j llm)

stack() { bash deploy/local/stack.sh "$@"; }
stop_all() { stack stop "${SERVICES[@]}" >/dev/null 2>&1 || true; }

[ "${FAULTS_SKIP_DEPS:-}" = 1 ] || bash scripts/ensure-deps.sh
# Leftovers of an earlier run that did not get to its exit trap, then a fresh state.
stop_all
rm -rf "$MAGICAI_STACK_DATA"
trap stop_all EXIT
echo "== private stack in $MAGICAI_STACK_DATA"
stack start "${SERVICES[@]}"

set -a; eval "$(stack env)"; set +a
export TEMPORAL_NAMESPACE=faults ELASTICSEARCH_INDEX_PREFIX=magicai-faults NODE_ENV=test
export BLOB_DIR=$MAGICAI_STACK_DATA/blobs JWT_DEV_KEY_DIR=$MAGICAI_STACK_DATA/jwt
export FAULTS_STACK_SCRIPT=$repo/deploy/local/stack.sh FAULTS_BUILD_DIR=$repo/.test-artifacts/faults-dist
echo "== schema"; LOG_LEVEL=warn npx --no-install tsx src/schema/main.ts
echo "== build (worker and API processes run compiled)"; bash scripts/build.sh "$FAULTS_BUILD_DIR" >/dev/null
echo "== fault run"
node --import tsx faults/run.ts "$@"
