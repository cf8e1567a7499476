#!/usr/bin/env bash
# report_roundtrip.sh - records.jsonl as the sensor writes it now, read back by the report's reader
# (emit/report_read.c) and written again by emit/emit_json.c: the same bytes, line for line.
# The captures and options are those of tests/golden/RECORDS, but the records are made fresh, so
# a key the writer gains and the reader does not fails here before any golden file is reviewed.
# usage: report_roundtrip.sh ZERTSENSOR TEST_REPORT_READ SOURCE_DIR CORPUS_DIR
set -u
bin=$1 test=$2 src=$3 corpus=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=0
while read -r name capture opts; do
    case $name in '' | '#'*) continue ;; esac
    case $capture in
    corpus/*) capture=$corpus/${capture#corpus/} ;;
    *) capture=$src/$capture ;;
    esac
    opts=${opts//@\//$src/}
    # shellcheck disable=SC2086 # options are words
    "$bin" -r "$capture" -q --seed 0 -o "$work/$name" $opts 2>"$work/$name.err"
    rc=$?
    if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then  # 1: damaged part-way, outputs valid (zertsensor(8))
        echo "zertsensor exited $rc on $capture"
        cat "$work/$name.err"
        exit 1
    fi
    n=$((n + 1))
done <"$src/tests/golden/RECORDS"
echo "records of $n captures made"
ZS_RECORDS_DIR=$work "$test"
