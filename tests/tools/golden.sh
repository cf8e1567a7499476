#!/usr/bin/env bash
# golden.sh - run one golden test: zertsensor on a capture, diffed against the reviewed expected file.
# usage: golden.sh BIN SOURCE_DIR CORPUS_DIR NAME [update]
set -u
bin=$1 src=$2 corpus=$3 name=$4 mode=${5:-check}
line=$(grep -E "^$name[[:space:]]" "$src/tests/golden/TESTLIST") || { echo "no test $name"; exit 1; }
read -r _ capture opts <<<"$line"
case $capture in
corpus/*) capture=$corpus/${capture#corpus/} ;;
*) capture=$src/$capture ;;
esac
expected=$src/tests/golden/expected/$name.jsonl
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# shellcheck disable=SC2086 # options are words
"$bin" -r "$capture" -q --flows - $opts >"$out"
rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
    echo "zertsensor exited $rc"
    exit 1
fi
if [ "$mode" = update ]; then
    cp "$out" "$expected"
    echo "updated $expected ($(wc -l <"$expected") flows)"
    exit 0
fi
if ! diff -u "$expected" "$out"; then
    echo "golden $name: output differs from $expected"
    exit 1
fi
echo "golden $name: $(wc -l <"$out") flows as expected"
