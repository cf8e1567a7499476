#!/usr/bin/env bash
# bench/run.sh - throughput and memory benchmark of zertsensor (see bench/README.md).
#
# 1. builds a release binary in build/bench;
# 2. builds bench/work/big.pcap: the Ethernet captures of the shared corpus, one after
#    another in time, replicated BENCH_COPIES times by tcprewrite with a different
#    address seed per copy, the copies again one after another in time;
# 3. times zertsensor, tcpdump -r (the libpcap read limit) and ndpiReader on it,
#    BENCH_REPEAT rounds, interleaved, and prints packets/s (wall median and best, per CPU
#    second) and peak RSS;
# 4. measures memory per idle flow on a generated capture of BENCH_IDLE_FLOWS open
#    TCP connections, against a baseline run on a 100-flow capture.
#
# Environment: ZS_CORPUS (default ../shared/corpus), BENCH_COPIES (40), BENCH_REPEAT (7),
# BENCH_IDLE_FLOWS (250000), BENCH_REBUILD=1 (rebuild the captures even if up to date).
# Installs nothing; exits 1 naming the Debian packages to install when a tool is missing.
set -euo pipefail
export LC_ALL=C

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH")
CORPUS=${ZS_CORPUS:-$ROOT/../shared/corpus}
WORK=$BENCH/work
COPIES=${BENCH_COPIES:-40}
REPEAT=${BENCH_REPEAT:-7}
IDLE_FLOWS=${BENCH_IDLE_FLOWS:-250000}
SESSIONS_SMALL=${BENCH_SESSIONS_SMALL:-20000}
SESSIONS_BIG=${BENCH_SESSIONS_BIG:-200000}
IDLE_MAX_FLOWS=1048576   # table size for the idle-flow runs (both of them)
CAPTURE_RECIPE=1         # bump when the way big.pcap is built changes (forces a rebuild)
BIN=$ROOT/build/bench/zertsensor
GNUTIME=/usr/bin/time

say() { printf '%s\n' "$*" >&2; }
die() { say "run.sh: $*"; exit 1; }

# ---------------------------------------------------------------- tools
missing_pkgs=()
need() { # need COMMAND DEBIAN_PACKAGE
    command -v "$1" >/dev/null 2>&1 || missing_pkgs+=("$2")
}
need tcprewrite tcpreplay
need tcpdump tcpdump
need ndpiReader libndpi-bin
need editcap wireshark-common
need capinfos wireshark-common
need python3 python3
need cmake cmake
need cc gcc
if [[ ! -x $GNUTIME ]] || ! $GNUTIME --version 2>&1 | grep -q GNU; then
    missing_pkgs+=(time)
fi
if ((${#missing_pkgs[@]})); then
    say "run.sh: missing tools; install them with:"
    say "  apt-get install $(printf '%s\n' "${missing_pkgs[@]}" | sort -u | tr '\n' ' ')"
    exit 1
fi
[[ -f $CORPUS/INDEX.tsv ]] || die "no corpus index at $CORPUS/INDEX.tsv (set ZS_CORPUS)"
mkdir -p "$WORK"

# ---------------------------------------------------------------- build
say "== building release binary in build/bench"
if ! (cd "$ROOT" && cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release &&
      cmake --build build/bench -j2) >"$WORK/build.log" 2>&1; then
    tail -30 "$WORK/build.log" >&2
    die "build failed (log: $WORK/build.log)"
fi
cat >"$WORK/sizeof.c" <<'EOF'
#include <stdio.h>
#include "flowtable/flow.h"
int main(void)
{
    printf("%zu %zu %zu\n", sizeof(struct flow), sizeof(struct flow_key), sizeof(struct tcp_half));
    return 0;
}
EOF
cc -std=c11 -I"$ROOT" "$WORK/sizeof.c" -o "$WORK/sizeof" || die "cannot compile the sizeof probe"
read -r SZ_FLOW SZ_KEY SZ_HALF < <("$WORK/sizeof")

# ---------------------------------------------------------------- the large capture
# Inputs: every Ethernet capture of the index, normalised by editcap to microsecond pcap
# (pcapng, nanosecond and gzip inputs included). A capture tcprewrite refuses to process
# (it aborts the whole run on some malformed packets) is left out and listed.
stamp_want=$(
    {
        echo "copies=$COPIES"
        echo "recipe=$CAPTURE_RECIPE"
        sha256sum "$BENCH/pcapcat.py" | cut -c1-64
        awk -F'\t' 'NR > 1 && $9 == "ether"' "$CORPUS/INDEX.tsv"
        tcprewrite --version 2>&1 | head -1
    } | sha256sum | cut -c1-64
)
if [[ ${BENCH_REBUILD:-0} != 1 && -f $WORK/big.pcap && -f $WORK/big.stamp &&
      $(head -1 "$WORK/big.stamp") == "$stamp_want" ]]; then
    say "== reusing $WORK/big.pcap (up to date)"
else
    say "== building the large capture in $WORK ($COPIES copies)"
    rm -rf "$WORK/norm" "$WORK/big.pcap" "$WORK/big.stamp"
    mkdir -p "$WORK/norm"
    : >"$WORK/excluded.txt"
    n_in=0
    while IFS= read -r path; do
        n_in=$((n_in + 1))
        out=$WORK/norm/$(printf '%s' "$path" | tr '/' '_').pcap
        if ! editcap -F pcap "$CORPUS/$path" "$out" 2>"$WORK/editcap.err"; then
            echo "$path	editcap: $(head -1 "$WORK/editcap.err")" >>"$WORK/excluded.txt"
            rm -f "$out"
            continue
        fi
        python3 "$BENCH/pcapcat.py" "$WORK/one.pcap" "$out" >/dev/null
        if ! tcprewrite --seed=1 -i "$WORK/one.pcap" -o "$WORK/one-rw.pcap" 2>"$WORK/tcprewrite.err"; then
            echo "$path	tcprewrite: $(grep -A2 Fatal "$WORK/tcprewrite.err" | tail -2 | tr -s ' \n' '  ')" \
                >>"$WORK/excluded.txt"
            rm -f "$out"
        fi
    done < <(awk -F'\t' 'NR > 1 && $9 == "ether" {print $1}' "$CORPUS/INDEX.tsv" | sort)
    rm -f "$WORK/one.pcap" "$WORK/one-rw.pcap"
    # base.pcap: the inputs one after another, 1 s apart, padding dropped (pcapcat.py says why)
    read -r base_pkts base_span < <(python3 "$BENCH/pcapcat.py" "$WORK/base.pcap" "$WORK"/norm/*.pcap)
    n_used=$(ls "$WORK"/norm/*.pcap | wc -l)
    # copy k: tcprewrite --seed=k (IPv4/IPv6 addresses mapped, consistently within the
    # copy), placed 60 s after the previous copy's last packet: the copies follow one
    # another like successive periods on one link and never share a moment.
    step=$(python3 -c "import math; print(math.ceil($base_span) + 60)")
    start=1700000000
    for ((k = 1; k <= COPIES; k++)); do
        tcprewrite --seed=$k -i "$WORK/base.pcap" -o "$WORK/copy.pcap" 2>"$WORK/tcprewrite.err" ||
            { cat "$WORK/tcprewrite.err" >&2; die "tcprewrite failed on copy $k"; }
        app=--append
        ((k == 1)) && app=
        python3 "$BENCH/pcapcat.py" $app --no-trim --max-span 0 --start $((start + (k - 1) * step)) \
            "$WORK/big.pcap" "$WORK/copy.pcap" >/dev/null
    done
    rm -f "$WORK/copy.pcap" "$WORK/tcprewrite.err" "$WORK/editcap.err"
    big_pkts=$((base_pkts * COPIES))
    {
        echo "$stamp_want"
        echo "inputs=$n_in used=$n_used base_pkts=$base_pkts base_span=$base_span copies=$COPIES pkts=$big_pkts"
    } >"$WORK/big.stamp"
fi
stats_line=$(sed -n 2p "$WORK/big.stamp")
big_pkts=${stats_line##*pkts=}
BIG=$WORK/big.pcap
big_bytes=$(stat -c %s "$BIG")

# ---------------------------------------------------------------- timing harness
# run NAME CMD...: one timed run; appends "wall_us cpu_us maxrss_kb" to $WORK/NAME.runs.
# timeit.py takes wall and CPU time (wait4 rusage, microseconds; GNU time's %U/%S only have
# 10 ms), GNU time the peak RSS (%M, KiB).
run() {
    local name=$1; shift
    local rc=0
    rm -f "$WORK/time.tmp" "$WORK/rss.tmp"
    python3 "$BENCH/timeit.py" "$WORK/time.tmp" $GNUTIME -f '%M' -o "$WORK/rss.tmp" "$@" \
        >"$WORK/$name.stdout" 2>"$WORK/$name.stderr" || rc=$?
    if ((rc != 0)); then
        tail -5 "$WORK/$name.stderr" >&2
        die "$name exited with status $rc: $*"
    fi
    echo "$(tail -1 "$WORK/time.tmp") $(tail -1 "$WORK/rss.tmp")" >>"$WORK/$name.runs"
    rm -f "$WORK/time.tmp" "$WORK/rss.tmp"
}

# The headline is the job users run: zERT records of the capture (-o DIR), both files
# written. The flow path (-q --flows /dev/null) is measured beside it.
ZS_ARGS=(-q --flows /dev/null)
REC_DIR=$WORK/records-out
rm -f "$WORK"/*.runs

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
say "== timing on $BIG ($big_pkts packets), $REPEAT rounds (load average $LOAD_BEFORE)"
cat "$BIG" >/dev/null # into the page cache: every tool reads from memory
run warmup "$BIN" -r "$BIG" "${ZS_ARGS[@]}"
for ((r = 1; r <= REPEAT; r++)); do
    say "   round $r/$REPEAT"
    rm -rf "$REC_DIR"
    run records "$BIN" -r "$BIG" -q -o "$REC_DIR"
    run zertsensor "$BIN" -r "$BIG" "${ZS_ARGS[@]}"
    run tcpdump tcpdump -r "$BIG" -w /dev/null
    run ndpiReader ndpiReader -q -i "$BIG"
done
"$BIN" -r "$BIG" -q --flows /dev/null --stats 2>"$WORK/big.stats.json" || true
rm -rf "$REC_DIR"
"$BIN" -r "$BIG" -q -o "$REC_DIR" --stats 2>"$WORK/records.stats.json" || true
rec_json=$(wc -l <"$REC_DIR/records.jsonl")
rec_smf=$(stat -c %s "$REC_DIR/zert.smf")

# ---------------------------------------------------------------- records memory over a long run
# SESSIONS_SMALL and SESSIONS_BIG short connections over 48 h, each its own security session
# (its own client): peak RSS of the records job must not grow with the length of the run.
say "== records memory: $SESSIONS_SMALL and $SESSIONS_BIG one-connection sessions over 48 h"
for n in "$SESSIONS_SMALL" "$SESSIONS_BIG"; do
    [[ -f $WORK/sessions-$n.pcap ]] ||
        python3 "$BENCH/gen_sessions.py" "$WORK/sessions-$n.pcap" "$n" 48 >/dev/null
    for ((r = 1; r <= 3; r++)); do
        rm -rf "$WORK/sessions-out"
        run "sessions-$n" "$BIN" -r "$WORK/sessions-$n.pcap" -q -o "$WORK/sessions-out"
    done
done
"$BIN" -r "$WORK/sessions-$SESSIONS_BIG.pcap" -q -o "$WORK/sessions-out" --stats \
    2>"$WORK/sessions.stats.json" || true
sess_clients=$(python3 -c '
import json, sys
c = set(); n = 0
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["record"] == "summary" and r.get("event") == "interval":
        c.add(r["client"]["ip"]); n += r["conns"]["end"] - r["conns"]["start"]
print(len(c), n)' "$WORK/sessions-out/records.jsonl")

# ---------------------------------------------------------------- memory per idle flow
say "== memory per idle flow ($IDLE_FLOWS open TCP connections)"
if [[ ! -f $WORK/idle-$IDLE_FLOWS.pcap ]]; then
    python3 "$BENCH/gen_idle.py" "$WORK/idle-$IDLE_FLOWS.pcap" "$IDLE_FLOWS" >/dev/null
fi
python3 "$BENCH/gen_idle.py" "$WORK/idle-tiny.pcap" 100 >/dev/null
IDLE_ARGS=(-q --flows /dev/null --max-flows $IDLE_MAX_FLOWS --tcp-timeout 86400)
for ((r = 1; r <= 3; r++)); do
    run idle-tiny "$BIN" -r "$WORK/idle-tiny.pcap" "${IDLE_ARGS[@]}"
    run idle "$BIN" -r "$WORK/idle-$IDLE_FLOWS.pcap" "${IDLE_ARGS[@]}"
done
"$BIN" -r "$WORK/idle-$IDLE_FLOWS.pcap" "${IDLE_ARGS[@]}" --stats 2>"$WORK/idle.stats.json" || true
idle_created=$(grep -o '"flows_created":[0-9]*' "$WORK/idle.stats.json" | cut -d: -f2)
idle_evicted=$(grep -o '"flows_evicted":[0-9]*' "$WORK/idle.stats.json" | cut -d: -f2)
idle_timed=$(grep -o '"flows_timed_out":[0-9]*' "$WORK/idle.stats.json" | cut -d: -f2)

# ---------------------------------------------------------------- report
python3 "$BENCH/report.py" "$WORK" pkts="$big_pkts" idle_flows="$IDLE_FLOWS" \
    rec_json="$rec_json" rec_smf="$rec_smf" sessions_small="$SESSIONS_SMALL" \
    sessions_big="$SESSIONS_BIG" sess_clients="${sess_clients% *}" sess_conns="${sess_clients#* }" \
    created="$idle_created" evicted="$idle_evicted" timed_out="$idle_timed" \
    sz_flow="$SZ_FLOW" sz_key="$SZ_KEY" sz_half="$SZ_HALF" >"$WORK/report.txt"

{
    echo "zertsensor benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')" \
        "(family $(grep -m1 'cpu family' /proc/cpuinfo | cut -d: -f2 | tr -d ' ')," \
        "model $(grep -m1 '^model[[:space:]]' /proc/cpuinfo | cut -d: -f2 | tr -d ' ')), kernel $(uname -r)," \
        "load average before timing $LOAD_BEFORE"
    echo "tools: $(tcpdump --version 2>&1 | head -2 | tr '\n' ' '); $(ndpiReader -h 2>&1 | grep -m1 -o 'nDPI [0-9.]*'); $(cc --version | head -1)"
    echo "capture: $BIG, $big_pkts packets, $((big_bytes / 1048576)) MiB; $stats_line"
    echo "runs: $REPEAT rounds, interleaved, page cache warm; wall time median and best, CPU time" \
        "(user+sys) median; peak RSS = max over rounds"
    echo "commands: zertsensor -r FILE -q -o DIR (headline) | zertsensor -r FILE ${ZS_ARGS[*]} |" \
        "tcpdump -r FILE -w /dev/null | ndpiReader -q -i FILE"
    if [[ -s $WORK/excluded.txt ]]; then
        echo "corpus captures left out: $(cut -f1 "$WORK/excluded.txt" | tr '\n' ' ')"
    fi
    echo
    cat "$WORK/report.txt"
} | tee "$WORK/result.txt"
