#!/usr/bin/env bash
# The production build (`npm run build`): compiles src/ to dist/ with tsc and copies the files
# the code reads at run time (SQL migrations, lexicons, the reviewer console's page).
#   bash scripts/build.sh [OUT_DIR]   (default dist)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-dist}
rm -rf "$out"
npx --no-install tsc -p tsconfig.build.json --outDir "$out"
(cd src && find . -type f ! -name '*.ts' -print0) | while IFS= read -r -d '' file; do
  mkdir -p "$out/$(dirname "$file")"
  cp "src/$file" "$out/$file"
done
echo "built $out"
