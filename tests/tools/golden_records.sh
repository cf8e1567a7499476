#!/usr/bin/env bash
# golden_records.sh - one golden test of the product outputs: zertsensor -o DIR on a capture, then
# DIR/records.jsonl, `zertdump -t DIR/zert.smf`, --observations and the --stats counters, each
# diffed against its reviewed expected file in tests/golden/records/NAME/.
# usage: golden_records.sh ZERTSENSOR ZERTDUMP SOURCE_DIR CORPUS_DIR NAME [update]
set -u
bin=$1 dump=$2 src=$3 corpus=$4 name=$5 mode=${6:-check}
line=$(grep -E "^$name[[:space:]]" "$src/tests/golden/RECORDS") || { echo "no test $name"; exit 1; }
read -r _ capture opts <<<"$line"
case $capture in
corpus/*) capture=$corpus/${capture#corpus/} ;;
*) capture=$src/$capture ;;
esac
# options may name files of the repository as @/path (a configuration file, say)
opts=${opts//@\//$src/}
expected=$src/tests/golden/records/$name
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/got"
# shellcheck disable=SC2086 # options are words
"$bin" -r "$capture" -q --seed 0 -o "$work/out" --observations "$work/got/observations.jsonl" \
    --stats $opts >"$work/stdout" 2>"$work/stderr"
rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
    echo "zertsensor exited $rc"
    cat "$work/stderr"
    exit 1
fi
cp "$work/out/records.jsonl" "$work/got/records.jsonl"
if ! "$dump" -t "$work/out/zert.smf" >"$work/got/zert.smf.txt" 2>"$work/dump.err"; then
    echo "zertdump failed on the sensor's own zert.smf:"
    cat "$work/dump.err"
    exit 1
fi
# The counters: the exit status and every non-zero --stats counter (the last stderr line), one
# per line, so a diff names the counter that moved.
{
    echo "exit $rc"
    tail -n 1 "$work/stderr" | python3 -c '
import json, sys
for k, v in json.load(sys.stdin).items():
    if v:
        print(k, v)'
} >"$work/got/stats.txt" || { echo "no --stats line on stderr"; cat "$work/stderr"; exit 1; }

if [ "$mode" = update ]; then
    mkdir -p "$expected"
    cp "$work/got/"* "$expected/"
    echo "updated $expected: $(wc -l <"$expected/records.jsonl") records," \
        "$(wc -l <"$expected/observations.jsonl") observations"
    exit 0
fi
fail=0
for f in records.jsonl zert.smf.txt observations.jsonl stats.txt; do
    if ! diff -u "$expected/$f" "$work/got/$f"; then
        echo "golden.records $name: $f differs from $expected/$f"
        fail=1
    fi
done
[ $fail = 0 ] && echo "golden.records $name: $(wc -l <"$work/got/records.jsonl") records," \
    "$(wc -l <"$work/got/observations.jsonl") observations as expected"
exit $fail
