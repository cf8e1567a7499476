#!/usr/bin/env bash
# update.sh - regenerate golden expected files: tests/golden/update.sh NAME... (BIN=path/to/zertsensor,
# DUMP=path/to/zertdump). A NAME in TESTLIST updates expected/NAME.jsonl (--flows); a NAME in
# RECORDS updates records/NAME/ (the product outputs). `all` updates every test of both lists.
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
bin=${BIN:-$here/build/debug/zertsensor}
dump=${DUMP:-$(dirname "$bin")/zertdump}
corpus=$here/../shared/corpus
names=("$@")
if [ "${1:-}" = all ]; then
    mapfile -t names < <(grep -hoE '^[a-z0-9][^[:space:]]*' "$here/tests/golden/TESTLIST" "$here/tests/golden/RECORDS")
fi
for name in "${names[@]}"; do
    if grep -qE "^$name[[:space:]]" "$here/tests/golden/RECORDS"; then
        bash "$here/tests/tools/golden_records.sh" "$bin" "$dump" "$here" "$corpus" "$name" update
    fi
    if grep -qE "^$name[[:space:]]" "$here/tests/golden/TESTLIST"; then
        bash "$here/tests/tools/golden.sh" "$bin" "$here" "$corpus" "$name" update
    fi
done
echo "now review: git diff tests/golden"
