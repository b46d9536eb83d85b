#!/bin/sh
# install-conf.sh — meson install script: puts the example sova.conf into
# $DESTDIR/SYSCONFDIR/sova/ unless a sova.conf is already there (the operator's is kept;
# the example then goes beside it as sova.conf.example).
# usage: install-conf.sh EXAMPLE_FILE SYSCONFDIR/sova
set -eu
src=$1; dir=${DESTDIR:-}$2
mkdir -p "$dir"
if [ -e "$dir/sova.conf" ]; then
    install -m 0644 "$src" "$dir/sova.conf.example"
    echo "Keeping $dir/sova.conf; the example is $dir/sova.conf.example"
else
    install -m 0644 "$src" "$dir/sova.conf"
    echo "Installing $src to $dir"
fi
