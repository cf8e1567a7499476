#!/bin/sh
# compare_bench.sh - peak memory of zertsensor --compare on a day of N connections (bench/README.md).
#
# usage: bench/compare_bench.sh [N...]        (default: 100000 1000000)
#
# For each N: bench/gen_compare.py writes a capture of N short clear connections spread over a
# day; the sensor's own zert.smf of it, with every time shifted by 317.37 s
# (tests/tools/smfedit.py shift), is the mainframe's dump (N subtype 11 records and the
# summaries); then the sensor runs on the capture once alone and once with --compare against
# the dump, and the wall time and peak RSS of both runs go to bench/work/compare.txt (also
# printed). The release build is build/bench, as bench/run.sh makes it. Needs python3, cmake,
# gcc and GNU time (/usr/bin/time, package `time`).
set -eu
cd "$(dirname "$0")/.."
work=bench/work
mkdir -p "$work"
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install time" >&2; exit 1; }
echo "building build/bench (Release)" >&2
cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build build/bench -j2 >/dev/null
bin=build/bench/zertsensor
conf=$work/compare.conf
printf 'local_networks = 10.0.0.0/8\ninterval = 900\n' >"$conf"
out=$work/compare.txt
[ $# -gt 0 ] || set -- 100000 1000000
printf '%-9s %-10s %-10s %-9s %-12s %-9s %-12s %-22s %s\n' conns records dump_MiB \
    alone_s alone_KiB cmp_s cmp_KiB held "offset" >"$out.new"
for n in "$@"; do
    pcap=$work/compare-$n.pcap
    [ -s "$pcap" ] || python3 bench/gen_compare.py --conns "$n" "$pcap"
    rm -rf "$work/compare-$n-base" "$work/compare-$n-out"
    /usr/bin/time -f "%e %M" -o "$work/compare-$n.alone" \
        $bin -r "$pcap" -q -c "$conf" -o "$work/compare-$n-base"
    echo "shifting the dump by 317.37 s" >&2
    records=$(python3 tests/tools/smfedit.py shift "$work/compare-$n-base/zert.smf" \
        "$work/compare-$n.smf" 317.37)
    rm -rf "$work/compare-$n-base"
    set +e
    /usr/bin/time -f "%e %M" -o "$work/compare-$n.cmp" $bin -r "$pcap" -q -c "$conf" \
        --compare "$work/compare-$n.smf" -o "$work/compare-$n-out" >"$work/compare-$n.report"
    rc=$?
    set -e
    [ $rc -eq 0 ] || { echo "N=$n: --compare exit $rc (want 0):" >&2; cat "$work/compare-$n.report" >&2; }
    held=$(sed -n 's/^  held at once *\([0-9]*\) connections, \([0-9]*\) summaries$/\1+\2/p' \
        "$work/compare-$n.report")
    offset=$(sed -n 's/^  clock offset *mainframe = capture \([-+0-9.]*\) s.*/\1/p' \
        "$work/compare-$n.report")
    mib=$(( $(wc -c <"$work/compare-$n.smf") / 1048576 ))
    read -r as ak <"$work/compare-$n.alone"
    read -r cs ck <"$work/compare-$n.cmp"
    printf '%-9s %-10s %-10s %-9s %-12s %-9s %-12s %-22s %s\n' "$n" "$records" "$mib" "$as" \
        "$ak" "$cs" "$ck" "$held" "$offset" >>"$out.new"
    rm -f "$work/compare-$n.smf"
done
mv "$out.new" "$out"
cat "$out"
