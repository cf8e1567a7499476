#!/usr/bin/env bash
# docs_check.sh - what a user installs and reads.
#   install BUILD_DIR SOURCE_DIR: cmake --install into a DESTDIR puts both programs and the three
#     manual pages in place; the installed programs run; the pages format without a groff
#     warning and name every option of --help and every key of the example configuration.
#   readme SOURCE_DIR: README.md names no file outside the repository, and its relative links
#     lead to files that exist.
set -u
fail=0
check() { # check WHAT COMMAND...
    local what=$1
    shift
    if ! "$@"; then
        echo "FAIL: $what"
        fail=1
    fi
}
case $1 in
install)
    build=$2 src=$3
    dest=$(mktemp -d)
    trap 'rm -rf "$dest"' EXIT
    if ! DESTDIR=$dest cmake --install "$build" --prefix /usr/local >"$dest.log" 2>&1; then
        echo "FAIL: cmake --install"; cat "$dest.log"; rm -f "$dest.log"; exit 1
    fi
    rm -f "$dest.log"
    root=$dest/usr/local
    for f in bin/zertsensor bin/zertdump share/man/man8/zertsensor.8 share/man/man1/zertdump.1 \
        share/man/man5/zertsensor.conf.5; do
        check "$f installed" test -s "$root/$f"
    done
    check "installed zertsensor runs" "$root/bin/zertsensor" --version
    check "installed zertdump runs" "$root/bin/zertdump" --version
    for page in "$root"/share/man/*/*; do
        warn=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
        check "$(basename "$page") formats without warnings: $warn" test -z "$warn"
        # the installed page is the one in the repository
        check "$(basename "$page") is docs/man's" cmp -s "$page" "$src/docs/man/$(basename "$page")"
    done
    # every long option of --help is in the page (as \-\-name), and the short ones
    for opt in $("$root/bin/zertsensor" --help | grep -oE -- '--[a-z][a-z-]*' | sort -u) -r -c -o -q -V -h; do
        check "zertsensor.8 documents $opt" grep -qF -- "$(printf '%s' "$opt" | sed 's/-/\\-/g')" \
            "$root/share/man/man8/zertsensor.8"
    done
    for opt in -t -s -f -z --version --help; do
        check "zertdump.1 documents $opt" grep -qF -- "$(printf '%s' "$opt" | sed 's/-/\\-/g')" \
            "$root/share/man/man1/zertdump.1"
    done
    for key in $(grep -oE '^[a-z_][a-z_0-9]*' "$src/conf/zertsensor.conf.example" | sort -u) job; do
        check "zertsensor.conf.5 documents $key" grep -qE "^\.(B|BR|BI|TP) .*\b$key\b" \
            "$root/share/man/man5/zertsensor.conf.5"
    done
    ;;
readme)
    src=$2
    check "README.md names a file outside the repository: $(grep -n '\.\./' "$src/README.md")" \
        sh -c "! grep -q '\.\./' '$src/README.md'"
    for link in $(grep -oE '\]\([^)#:]+' "$src/README.md" | sed 's/^](//'); do
        check "README.md links to $link, which is missing" test -e "$src/$link"
    done
    ;;
*)
    echo "usage: docs_check.sh install BUILD SRC | readme SRC"
    exit 2
    ;;
esac
[ $fail = 0 ] && echo "docs $1: ok"
exit $fail
