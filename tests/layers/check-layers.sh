#!/bin/sh
# check-layers.sh — every #include "…" in src/ points to the file's own layer or one
# below it (docs/design.md, "Layers"). Lists each offending include as FILE:LINE and
# fails; a layer directory it does not know is an error too, so a new folder must be
# placed in the order here first.
#
# usage: tests/layers/check-layers.sh [SRC_DIR]       (default: src beside this script)
set -u
src=${1:-$(dirname "$0")/../../src}
order="util model policy backend config daemon sim cli"

rank() { # layer name -> its position in $order, or nothing
    i=0
    for l in $order; do
        [ "$l" = "$1" ] && { echo $i; return; }
        i=$((i + 1))
    done
}

bad=0; files=0; incs=0
for f in $(cd "$src" && find . -name '*.[ch]' | sed 's#^\./##' | sort); do
    files=$((files + 1))
    own=${f%%/*}; r=$(rank "$own")
    if [ -z "$r" ]; then
        echo "src/$f: folder '$own' is not a layer ($order)"; bad=$((bad + 1)); continue
    fi
    # "layer/…" includes with their line numbers
    for hit in $(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$src/$f" |
                 sed 's/^\([0-9]*\):.*"\([^"]*\)".*/\1:\2/'); do
        line=${hit%%:*}; inc=${hit#*:}; incs=$((incs + 1))
        to=${inc%%/*}
        if [ "$to" = "$inc" ]; then
            echo "src/$f:$line: #include \"$inc\" names no layer: write it as \"LAYER/FILE\""
            bad=$((bad + 1)); continue
        fi
        tr=$(rank "$to")
        if [ -z "$tr" ]; then
            echo "src/$f:$line: #include \"$inc\": '$to' is not a layer"; bad=$((bad + 1))
        elif [ "$tr" -gt "$r" ]; then
            echo "src/$f:$line: #include \"$inc\": $own may not include $to (a layer above it)"
            bad=$((bad + 1))
        fi
        # within backend, the libvirt and simulated hypervisors do not know each other
        case "$f:$inc" in
            backend/libvirt/*:backend/sim/*|backend/sim/*:backend/libvirt/*)
                echo "src/$f:$line: #include \"$inc\": one backend may not include another"
                bad=$((bad + 1)) ;;
        esac
    done
done
echo "layers: $files files, $incs includes, $bad upward or unplaced"
[ "$bad" = 0 ]
