#!/usr/bin/env bash
# Installs Schemathesis (PyPI) into a virtualenv under the stack's home, once, and prints the
# path of its `schemathesis` command. Used by tests/api-contract.test.ts.
set -euo pipefail
VERSION=4.32.5
home=${SCHEMATHESIS_HOME:-${MAGICAI_STACK_HOME:-$(cd "$(dirname "$0")/.." && pwd)/.stack}/tools/schemathesis-$VERSION}
if [ ! -x "$home/bin/schemathesis" ]; then
  python3 -m venv "$home" >&2
  "$home/bin/pip" install --quiet "schemathesis==$VERSION" >&2
fi
echo "$home/bin/schemathesis"
