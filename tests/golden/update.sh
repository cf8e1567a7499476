#!/usr/bin/env bash
# update.sh - regenerate golden expected files: tests/golden/update.sh NAME... (BIN=path/to/zertsensor)
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
bin=${BIN:-$here/build/debug/zertsensor}
for name in "$@"; do
    bash "$here/tests/tools/golden.sh" "$bin" "$here" "$here/../shared/corpus" "$name" update
done
echo "now review: git diff tests/golden/expected"
