#!/usr/bin/env bash
# Saves a completed workflow's history as a replay fixture:
#   bash scripts/record-history.sh <workflowId> <fixture-name> [runId]
# Fixtures under tests/replay-histories/ are replayed by tests/replay.test.ts, so a change to
# workflow code that would break runs already in flight fails the tests.
# With payload encryption on, export TEMPORAL_CODEC_ENDPOINT=<api>/codec and
# TEMPORAL_CODEC_AUTH="Bearer <operator token>" (the CLI reads both): fixtures are stored decrypted.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: $0 <workflowId> <fixture-name> [runId]" >&2; exit 2; }
eval "$(bash deploy/local/stack.sh env | grep TEMPORAL_CLI_PATH)"
"$TEMPORAL_CLI_PATH" workflow show --workflow-id "$1" ${3:+--run-id "$3"} --output json >"tests/replay-histories/$2.json"
echo "wrote tests/replay-histories/$2.json"
