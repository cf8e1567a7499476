#!/usr/bin/env bash
# make-zertdump-seeds.sh - the seed corpus of fuzz_zertdump: zert.smf files the sensor wrote for
# captures of pcaps/, RDW and VBS (spanned records included), each behind the one byte with which
# fuzz_zertdump picks the reading mode (byte % 3: 0 auto, 1 rdw, 2 vbs; bit X'80': text output).
# usage: tests/fuzz/make-zertdump-seeds.sh [ZERTSENSOR]   (default build/asan/zertsensor)
set -eu
cd "$(dirname "$0")/../.."
bin=${1:-build/asan/zertsensor}
out=tests/fuzz/corpus/zertdump
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

# seed NAME MODE_BYTE CAPTURE [zertsensor options]
seed() {
    local name=$1 mode=$2 capture=$3
    shift 3
    "$bin" -r "pcaps/$capture" -q -o "$work/$name" "$@"
    { printf "\\x$mode"; cat "$work/$name/zert.smf"; } >"$out/$name"
}
printf 'smf_format = vbs\nvbs_block_size = 128\n' >"$work/vbs128.conf"
seed rdw-quickstart 00 quickstart.pcap                             # auto, JSON
seed rdw-ee-sample 01 ee-sample.pcap                               # rdw, JSON
seed vbs-irc-starttls 02 irc-starttls.pcap --smf-format vbs        # vbs, JSON
seed vbs-tls-unwrap-text 81 tls-unwrap.pcap --smf-format vbs       # auto, text
seed vbs128-zert-events-text 81 zert-events.pcap -c "$work/vbs128.conf" # auto, text; spanned
ls -l "$out"
