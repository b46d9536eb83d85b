#!/bin/sh
# check-docs.sh — keeps the documentation in step with the code:
#  - every long option that `sova CMD --help` lists is in the man page (docs/sova.1)
#    and in the README;
#  - every configuration key the loaders accept (src/config/*config.c) is in the
#    configuration reference (docs/sova.conf.5.md, the source of sova.conf(5)) and, in
#    its section, in the example sova.conf (data/sova.conf: `#key = ...`);
#  - each key's reload on SIGHUP (src/config/config_reload.c) in sova.conf(5) and the
#    example sova.conf;
#  - the bash completion (data/sova.bash-completion) offers every command and every
#    long option of each.
# usage: check-docs.sh SOVA_BINARY SOURCE_ROOT
set -u
sova=$1; root=$2; bad=0
for cmd in $("$sova" --help | awk '/^Commands:/{on=1; next} on && /^  [a-z]/ {print $1}'); do
    opts=$("$sova" "$cmd" --help | grep -o -- '--[a-z][a-z-]*' | grep -v -- '--help' | sort -u)
    [ -n "$opts" ] || { echo "sova $cmd --help lists no options"; bad=1; }
    for o in $opts; do
        man=$(printf '%s' "$o" | sed 's/-/\\\\-/g')
        grep -q -- "$man" "$root/docs/sova.1" || { echo "docs/sova.1 lacks $o (sova $cmd)"; bad=1; }
        grep -q -- "$o" "$root/README.md" || { echo "README.md lacks $o (sova $cmd)"; bad=1; }
        grep -q "^ *$cmd) .*\"[^\"]*$o[ \"]" "$root/data/sova.bash-completion" ||
            { echo "data/sova.bash-completion lacks $o (sova $cmd)"; bad=1; }
    done
    grep -q "commands=\".*\b$cmd\b" "$root/data/sova.bash-completion" ||
        { echo "data/sova.bash-completion lacks the command $cmd"; bad=1; }
done
# the string lists `static const char *const *_keys[] = { ... };` of every config loader
keys=$(awk '/_keys\[\] = \{/ {on=1} on {print} on && /\};/ {on=0}' "$root"/src/config/*config.c |
       sed 's/^.*_keys\[\] = {//' | grep -o '"[a-z-]*"' | tr -d '"' | sort -u)
[ -n "$keys" ] || { echo "found no configuration keys in src/config/*config.c"; bad=1; }
for k in $keys; do
    grep -q -- "\`$k\`" "$root/docs/sova.conf.5.md" || { echo "docs/sova.conf.5.md lacks key $k"; bad=1; }
done
# the example sova.conf: each loader's keys (agent_keys: [agent], host_keys: [host NAME], ...)
# as a commented `#key = ` line in that section
sections=$(grep -ho '\*const [a-z]*_keys\[\]' "$root"/src/config/*config.c |
           sed 's/.* \([a-z]*\)_keys.*/\1/')
for sec in $sections; do
    for k in $(awk -v a="${sec}_keys" '$0 ~ a"\\[\\] = \\{" {on=1} on {print} on && /\};/ {on=0}' \
                   "$root"/src/config/*config.c | sed 's/^.*_keys\[\] = {//' | grep -o '"[a-z-]*"' | tr -d '"'); do
        awk -v s="$sec" -v k="$k" '/^#?\[/ { in_s = ($0 ~ "^#?\\[" s "[] ]") } in_s && $0 ~ "^#" k " = " { f=1 }
                                  END { exit !f }' "$root/data/sova.conf" ||
            { echo "data/sova.conf lacks #$k = ... in [$sec]"; bad=1; }
    done
done
# reload on SIGHUP: each key is in its section's item of sova.conf(5)'s "Reload (SIGHUP)"
# list ("- `[SEC...` reload: yes: ... reload: no: ..."), under "reload: yes" when
# config_reload.c lists it (SEC_reload[]), else under "reload: no"; in the example sova.conf a key that does not reload says so
# ("(restart)" on the comment line above it)
reloads() { awk -v a="${1}_reload" '$0 ~ a"\\[\\] = \\{" {on=1} on {print} on && /\};/ {on=0}' \
                "$root/src/config/config_reload.c" | sed 's/^.*_reload\[\] = {//' | grep -o '"[a-z-]*"' | tr -d '"'; }
nreload=0
for sec in $sections; do
    rl=$(reloads "$sec")
    for k in $(awk -v a="${sec}_keys" '$0 ~ a"\\[\\] = \\{" {on=1} on {print} on && /\};/ {on=0}' \
                   "$root"/src/config/*config.c | sed 's/^.*_keys\[\] = {//' | grep -o '"[a-z-]*"' | tr -d '"'); do
        if printf '%s\n' $rl | grep -qx -- "$k"; then want=yes; else want=no; fi
        awk -v s="$sec" -v k="$k" -v w="$want" '
            /^- `\[/ { on = index($0, "- `[" s) == 1; line = "" }
            /^$/ { on = 0 }
            on { line = line " " $0; n = index(line, "reload: no:")
                 yes = n ? substr(line, 1, n) : line; no = n ? substr(line, n) : ""
                 if (index(w == "yes" ? yes : no, "`" k "`")) f = 1 }
            END { exit !f }' "$root/docs/sova.conf.5.md" ||
            { echo "docs/sova.conf.5.md: [$sec] $k is not under reload: $want"; bad=1; }
        awk -v s="$sec" -v k="$k" -v w="$want" '/^#?\[/ { in_s = ($0 ~ "^#?\\[" s "[] ]") }
            in_s && $0 ~ "^#" k " = " { f = 1; r = (prev ~ /\(restart\)/); exit }
            { prev = $0 } END { exit !(f && (w == "no") == r) }' "$root/data/sova.conf" ||
            { echo "data/sova.conf: the comment above #$k = in [$sec] must say (restart) iff it does not reload"; bad=1; }
        nreload=$((nreload + 1))
    done
done
[ $bad = 0 ] && echo "docs in step: options of $("$sova" --help | grep -c "^  [a-z]") commands (man page, README, completion), $(echo $keys | wc -w) config keys (reference, example sova.conf), reload of $nreload keys"
exit $bad
