#!/usr/bin/env bash
# outputs.sh - output files are created, never trusted: planted links are refused and never
# followed, files end 0640 and directories 0750 whatever the umask, a pre-existing file is
# replaced, and a failed run leaves no temporary file behind (sensor/outfile.h).
# usage: outputs.sh ZERTSENSOR CAPTURE
set -u
bin=$(realpath "$1")
cap=$(realpath "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
checks=0

fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}

check() { # check DESCRIPTION COMMAND...
    checks=$((checks + 1))
    local what=$1
    shift
    "$@" || fail "$what"
}

mode_of() { stat -c %a "$1"; }

# run DIR ARGS...: zertsensor in DIR with every output on (as ARGS say); sets rc and err
run() {
    local dir=$1
    shift
    (cd "$dir" && "$bin" -r "$cap" -q "$@") >"$work/stdout" 2>"$work/stderr"
    rc=$?
    err=$(cat "$work/stderr")
}

all_outputs=(-o out --flows flows.jsonl --observations obs.jsonl --dump-streams streams)

no_partial() { # no temporary file or directory left anywhere under DIR
    local left
    left=$(find "$1" -name '*.partial-*')
    [ -z "$left" ] || {
        echo "left behind: $left"
        return 1
    }
}

# A reference run: which files exist, and what they hold.
ref=$work/ref
mkdir "$ref"
run "$ref" "${all_outputs[@]}"
check "reference run exits 0 (got $rc: $err)" [ "$rc" = 0 ]
stream=$(cd "$ref/streams" && ls | grep -m1 '\.s2c$')
if [ -z "$stream" ]; then
    echo "FAIL: the reference run dumped no stream: $err"
    exit 1
fi
outputs=(out/records.jsonl out/zert.smf flows.jsonl obs.jsonl "streams/$stream")
for f in "${outputs[@]}"; do
    check "reference $f is not empty" [ -s "$ref/$f" ]
done

# 1. Modes whatever the umask: files 0640, created directories 0750; nothing left over.
for mask in 000 077 022; do
    d=$work/umask$mask
    mkdir "$d"
    (umask "$mask" && cd "$d" && "$bin" -r "$cap" -q "${all_outputs[@]}") 2>"$work/stderr"
    rc=$?
    check "umask $mask: exit 0 (got $rc: $(cat "$work/stderr"))" [ "$rc" = 0 ]
    for f in "${outputs[@]}"; do
        check "umask $mask: $f mode $(mode_of "$d/$f"), want 640" [ "$(mode_of "$d/$f")" = 640 ]
    done
    for dir in out streams; do
        check "umask $mask: $dir mode $(mode_of "$d/$dir"), want 750" \
            [ "$(mode_of "$d/$dir")" = 750 ]
    done
    for f in $(cd "$d/streams" && ls); do
        check "umask $mask: streams/$f mode 640" [ "$(mode_of "$d/streams/$f")" = 640 ]
    done
    check "umask $mask: no temporary file left" no_partial "$d"
done

# 2. A link planted at each output path: refused; the link and its target are untouched.
for f in "${outputs[@]}"; do
    d=$work/link-$(basename "$f")
    mkdir -p "$d/out" "$d/streams"
    printf 'secret\n' >"$d/victim"
    chmod 600 "$d/victim"
    ln -s "$d/victim" "$d/$f"
    run "$d" "${all_outputs[@]}"
    check "link at $f: exit 2 (got $rc)" [ "$rc" = 2 ]
    check "link at $f: message (got: $err)" \
        grep -q "$f: is a symbolic link: refused" <<<"$err"
    check "link at $f: target content kept" [ "$(cat "$d/victim")" = secret ]
    check "link at $f: target mode $(mode_of "$d/victim"), want 600" \
        [ "$(mode_of "$d/victim")" = 600 ]
    check "link at $f: still the planted link" [ "$(readlink "$d/$f")" = "$d/victim" ]
    check "link at $f: no temporary file left" no_partial "$d"
done

# 3. A pre-existing regular file 0666 at each output path is replaced by a 0640 one.
for f in "${outputs[@]}"; do
    d=$work/old-$(basename "$f")
    mkdir -p "$d/out" "$d/streams"
    printf 'old content\n' >"$d/$f"
    chmod 666 "$d/$f"
    run "$d" "${all_outputs[@]}"
    check "old $f: exit 0 (got $rc: $err)" [ "$rc" = 0 ]
    check "old $f: mode $(mode_of "$d/$f"), want 640" [ "$(mode_of "$d/$f")" = 640 ]
    check "old $f: replaced by this run's output" cmp -s "$d/$f" "$ref/$f"
done

# 4. -o DIR and --dump-streams DIR: a link or a file is refused, and nothing is written.
for opt in -o --dump-streams; do
    d=$work/dirlink$opt
    mkdir -p "$d/real"
    ln -s real "$d/link"
    run "$d" "$opt" link
    check "$opt link: exit 2 (got $rc)" [ "$rc" = 2 ]
    check "$opt link: message (got: $err)" grep -q "link: is a symbolic link: refused" <<<"$err"
    check "$opt link: nothing written through the link" [ -z "$(ls -A "$d/real")" ]
    run "$d" "$opt" link/ # a trailing slash would make open() follow it
    check "$opt link/: exit 2 (got $rc)" [ "$rc" = 2 ]
    check "$opt link/: nothing written through the link" [ -z "$(ls -A "$d/real")" ]
    : >"$d/file"
    run "$d" "$opt" file
    check "$opt file: exit 2 (got $rc)" [ "$rc" = 2 ]
    check "$opt file: message (got: $err)" grep -q "file: not a directory" <<<"$err"
done

# 5. A run that fails removes its temporary files and replaces nothing.
d=$work/failed
mkdir -p "$d/out"
printf 'previous\n' >"$d/flows.jsonl"
ln -s "$d/nowhere" "$d/out/zert.smf"
run "$d" "${all_outputs[@]}"
check "failed run: exit 2 (got $rc)" [ "$rc" = 2 ]
check "failed run: the previous flows.jsonl is kept" [ "$(cat "$d/flows.jsonl")" = previous ]
check "failed run: no records.jsonl" [ ! -e "$d/out/records.jsonl" ]
check "failed run: no temporary file left" no_partial "$d"

# 6. Devices are written in place, never replaced: /dev/null works, /dev/full is an error.
run "$work" --flows /dev/null --observations /dev/null
check "/dev/null: exit 0 (got $rc: $err)" [ "$rc" = 0 ]
check "/dev/null is still a character device" [ -c /dev/null ]
run "$work" --flows /dev/full
check "/dev/full: exit 2 (got $rc)" [ "$rc" = 2 ]
check "/dev/full: message (got: $err)" grep -q "/dev/full: No space left on device" <<<"$err"
check "/dev/full is still a character device" [ -c /dev/full ]

echo "$((checks - fails)) passed, $fails failed"
[ "$fails" = 0 ]
