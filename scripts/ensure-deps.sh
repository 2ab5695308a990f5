#!/usr/bin/env bash
# Installs node_modules from package-lock.json when missing or stale (cheap when current).
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.magicai-lock-hash
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  # `npm install` honours the lock file; `npm ci` is avoided because npm 11 rejects this lock
  # over platform-specific optional packages of @swc/core that it never records.
  echo "[deps] npm install (from package-lock.json)"
  npm install --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi
