#!/usr/bin/env bash
# check_layers.sh - the dependency rules of HACKING.md ("Layers and what each may include"),
# checked on every #include "..." of the project's C files:
#   conf/        a leaf: includes nothing of the project outside conf/
#   flowtable/   knows no capture, output, dissector or zERT: nothing outside flowtable/
#   dissectors/  the cursor and their own files, and from emit/ only the record types
#                (zert_record.h, obs_record.h) and the vocabulary that names their values
#                (name_tab.h, tls_version.h, tls_tables.h), and digest.h (digests fetched once)
#   emit/        never parses packets, never reaches into sensor/, flowtable/ or dissectors/;
#                may read the configuration (conf/)
#   sensor/      ties the layers together: anything
# usage: check_layers.sh SOURCE_DIR        check the tree
#        check_layers.sh --self-test SOURCE_DIR
#                                          also prove the check fails on a planted violation
set -u
self_test=0
if [ "${1:-}" = --self-test ]; then
    self_test=1
    shift
fi
src=$1

# allowed TARGET layers (after "../") per SOURCE layer, as an extended regular expression on
# the include's path; an empty pattern means nothing outside the layer
allowed() {
    case $1 in
    conf | flowtable) echo '^$' ;;
    dissectors) echo '^emit/(zert_record|obs_record|name_tab|tls_version|tls_tables|digest)\.h$' ;;
    emit) echo '^conf/[a-z_]+\.h$' ;;
    sensor) echo '.' ;;
    esac
}

check_tree() {
    local root=$1 bad=0 layer f line inc target
    for layer in conf flowtable dissectors emit sensor; do
        for f in "$root/$layer"/*.[ch]; do
            [ -e "$f" ] || continue
            while IFS= read -r line; do
                inc=$(sed -E 's/^[0-9]+:#include "([^"]+)".*/\1/' <<<"$line")
                case $inc in
                ../*) target=${inc#../} ;;
                */*) echo "$layer/$(basename "$f"):${line%%:*}: include \"$inc\" is not written relative to the file"; bad=1; continue ;;
                *) continue ;; # the same layer
                esac
                if ! grep -qE "$(allowed "$layer")" <<<"$target" || [ "$(allowed "$layer")" = '^$' ]; then
                    echo "$layer/$(basename "$f"):${line%%:*}: includes ../$target"
                    bad=1
                fi
            done < <(grep -nE '^#include "' "$f")
        done
    done
    return $bad
}

if ! check_tree "$src"; then
    echo "layer rules broken (HACKING.md, Layers)"
    exit 1
fi
echo "layer rules: $(ls "$src"/{conf,flowtable,dissectors,emit,sensor}/*.[ch] | wc -l) files clean"
if [ $self_test = 1 ]; then
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    for layer in conf flowtable dissectors emit sensor; do
        mkdir -p "$work/$layer"
        cp "$src/$layer"/*.[ch] "$work/$layer/"
    done
    # one planted violation per rule: each must be caught
    fails=0
    for plant in 'conf/conf.c:../emit/zert_record.h' 'flowtable/flow_table.c:../sensor/stats.h' \
                 'dissectors/tls.c:../emit/json_writer.h' 'emit/emit_json.c:../dissectors/cursor.h' \
                 'emit/emit_smf.c:../flowtable/flow.h'; do
        file=${plant%%:*} inc=${plant#*:}
        cp "$src/$file" "$work/$file.orig"
        printf '#include "%s"\n' "$inc" >>"$work/$file"
        if check_tree "$work" >/dev/null; then
            echo "self-test: a planted #include \"$inc\" in $file was not caught"
            fails=1
        fi
        mv "$work/$file.orig" "$work/$file"
    done
    [ $fails = 0 ] || exit 1
    echo "self-test: 5 planted violations caught"
fi
