#!/usr/bin/env bash
# README's test command. On a fresh machine it installs the dependencies, brings up the
# local stack (reusing running services), then runs typecheck, lint and every test.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/provision.sh
bash scripts/ensure-deps.sh
bash deploy/local/stack.sh up
set -a; eval "$(bash deploy/local/stack.sh env)"; set +a
export NODE_ENV=test
# Tests run in their own Temporal namespace and index prefix (registered at set-up when
# missing), not in the operators' `default`; explicitly set ones are kept.
export TEMPORAL_NAMESPACE=${TEMPORAL_NAMESPACE:-magicai-test}
export ELASTICSEARCH_INDEX_PREFIX=${ELASTICSEARCH_INDEX_PREFIX:-magicai-test}
echo "== test namespace $TEMPORAL_NAMESPACE"; LOG_LEVEL=warn npx --no-install tsx src/schema/main.ts

echo "== typecheck"; npx --no-install tsc -p tsconfig.json --noEmit
echo "== lint"; npx --no-install eslint . && npx --no-install prettier --check .
echo "== tests"
# One file at a time: the files share the local stack, and 2 cores gain nothing from parallel runs.
files=("$@"); [ ${#files[@]} -gt 0 ] || files=(tests/*.test.ts)
# A test stuck on a wait fails after 10 minutes instead of holding the run to CI's limit.
node --import tsx --test --test-concurrency=1 --test-timeout=600000 --test-reporter=spec "${files[@]}"
