#!/usr/bin/env bash
# check_cursor_only.sh - house style: wire bytes in dissectors/ are read through cursor.h only.
# Fails on casts that read integers through packet pointers and on indexing of the usual names
# for wire buffers; cursor.h itself is the one place allowed to index.
set -u
src=$1
bad=$(grep -nE '\*\s*\(\s*(const\s+)?u?int(8|16|32|64)_t\s*\*\s*\)|\b(data|payload|pkt|packet|der|blob|wire)\[[^]]+\]' \
    "$src"/dissectors/*.c "$src"/dissectors/*.h | grep -v '^[^:]*/cursor\.h:')
if [ -n "$bad" ]; then
    echo "raw reads of wire bytes outside cursor.h:"
    echo "$bad"
    echo "1 failed"
    exit 1
fi
echo "cursor-only reads: $(ls "$src"/dissectors/*.c | wc -l) dissector files clean"
