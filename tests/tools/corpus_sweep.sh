#!/usr/bin/env bash
# corpus_sweep.sh - every corpus capture through zertsensor: no sanitizer report, no hang, no crash,
# the deliberately corrupt files rejected with a one-line error, and truncated files processed up
# to the damage. usage: corpus_sweep.sh BIN CORPUS_DIR
set -u
bin=$1 corpus=$2
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 n=0
# The two captures the corpus README calls deliberately corrupt: libpcap stops on a bad record
# header after 6 packets; the sensor must say so in one line naming the file and exit non-zero.
corrupt=" suricata-verify/bug-1450-04/tls_DER-incomplete-header.pcap suricata-verify/bug-1450-05/tls_DER-incomplete-content.pcap "
while IFS=$'\t' read -r path _; do
    [ "$path" = path ] && continue
    n=$((n + 1))
    timeout 120 "$bin" -r "$corpus/$path" -q --flows "$tmp/flows" --observations "$tmp/obs" \
        --dump-streams "$tmp/streams" 2>"$tmp/err"
    rc=$?
    rm -rf "$tmp/streams"
    if grep -qE 'Sanitizer|runtime error:|LeakSanitizer' "$tmp/err"; then
        echo "FAIL $path: sanitizer report"; head -20 "$tmp/err"; fail=$((fail + 1)); continue
    fi
    case " $corrupt " in
    *" $path "*)
        lines=$(wc -l <"$tmp/err")
        if [ "$rc" -eq 0 ] || [ "$lines" -ne 1 ] || ! grep -qF "$path" "$tmp/err"; then
            echo "FAIL $path: corrupt file: exit $rc, $lines stderr lines"; cat "$tmp/err"
            fail=$((fail + 1))
        fi
        continue ;;
    esac
    if [ "$rc" -ne 0 ]; then
        echo "FAIL $path: exit $rc"; head -5 "$tmp/err"; fail=$((fail + 1))
    fi
done <"$corpus/INDEX.tsv"

# Truncated files: cut captures mid-record; everything before the cut must still be reported.
for path in zeek/http-qinq-0.pcap arkime/CVE-2018-6794.pcap zeek/pcapng-multi-interface.pcapng; do
    n=$((n + 1))
    full=$("$bin" -r "$corpus/$path" -q --flows - | wc -l)
    size=$(stat -c %s "$corpus/$path")
    head -c $((size - 37)) "$corpus/$path" >"$tmp/cut.pcap"
    "$bin" -r "$tmp/cut.pcap" -q --flows "$tmp/flows" 2>"$tmp/err"
    rc=$?
    got=$(wc -l <"$tmp/flows")
    if [ "$rc" -ne 1 ] || ! grep -q "cut.pcap: input damaged after" "$tmp/err" || [ "$got" -lt 1 ] ||
        [ "$got" -gt "$full" ]; then
        echo "FAIL truncated $path: exit $rc, $got of $full flows"; cat "$tmp/err"; fail=$((fail + 1))
    fi
    # the same capture gzip'd and through standard input gives the same flows as the file
    gzip -c "$corpus/$path" | "$bin" -r - -q --flows "$tmp/flows.gz" 2>/dev/null
    "$bin" -r "$corpus/$path" -q --flows "$tmp/flows.plain"
    if ! cmp -s "$tmp/flows.gz" "$tmp/flows.plain"; then
        echo "FAIL gzip via stdin differs for $path"; fail=$((fail + 1))
    fi
done
# Not a capture at all, and a missing file: one line, exit 2.
head -c 4096 /dev/urandom >"$tmp/garbage.pcap"
for f in "$tmp/garbage.pcap" "$tmp/missing.pcap"; do
    n=$((n + 1))
    "$bin" -r "$f" -q 2>"$tmp/err"
    rc=$?
    if [ "$rc" -ne 2 ] || [ "$(wc -l <"$tmp/err")" -ne 1 ] || ! grep -qF "$f" "$tmp/err"; then
        echo "FAIL $f: exit $rc"; cat "$tmp/err"; fail=$((fail + 1))
    fi
done
echo "corpus sweep: $((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
