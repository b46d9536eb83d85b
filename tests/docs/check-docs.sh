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
#    long option of each;
#  - per command, its SYNOPSIS lines in sova(1) and its lines in the README's usage block
#    list exactly the long options its --help lists (none missing, none it lacks);
#  - every "-X, --long" pair of a --help is on one line of sova(1), and every option sova(1)
#    OPTIONS describes exists, its short form with the same long one;
#  - the Prometheus metrics (src/daemon/metrics_*.c) are the ones sova(1) METRICS lists;
#  - the policy names the completion and the README's usage offer are the registries';
#  - the simulator's scenario keys are those the key tables of docs/scenario.md and
#    docs/cluster-scenario.md list;
#  - the attributes of the operator's per-VM element are those sova.conf(5) lists.
# (That every key sova.conf(5) documents is read, with the default and range it gives, and
# the example's values are the defaults: tests/unit/test_config_docs.c.)
# usage: check-docs.sh SOVA_BINARY SOURCE_ROOT
set -u
sova=$1; root=$2; bad=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# each command's --help, read once
"$sova" --help > "$tmp/help"
cmds=$(awk '/^Commands:/{on=1; next} on && /^  [a-z]/ {print $1}' "$tmp/help")
for cmd in $cmds; do "$sova" "$cmd" --help > "$tmp/$cmd.help"; done
for cmd in $cmds; do
    opts=$(grep -o -- '--[a-z][a-z-]*' "$tmp/$cmd.help" | grep -v -- '--help' | sort -u)
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
# per command: SYNOPSIS (every ".B sova CMD" line up to the next) and README usage lines
# ("sova CMD ..." and its continuation lines in the first ```sh block of ## Usage)
longs() { grep -o -- '--[a-z][a-z-]*' | grep -vx -- '--help' | sort -u; }
allhelp=$(for cmd in $cmds; do cat "$tmp/$cmd.help"; done)
for cmd in $cmds; do
    help=$(longs < "$tmp/$cmd.help")
    syn=$(awk -v c="$cmd" 'BEGIN { gsub(/-/, "\\\\-", c) } /^\.SH/ { sec = $2 }
              sec == "SYNOPSIS" && /^\.B sova / { cur = $3 } sec == "SYNOPSIS" && cur == c' \
              "$root/docs/sova.1" | sed 's/\\-/-/g' | longs)
    use=$(awk -v c="$cmd" '/^## Usage/ { u = 1 } u && !done && /^```sh/ { on = 1; next }
              on && /^```/ { on = 0; done = 1 } on { if ($1 == "sova") cur = $2; if (cur == c) print }' \
              "$root/README.md" | longs)
    for o in $(printf '%s\n' "$help" | grep -vxF -- "$syn"); do
        echo "docs/sova.1 SYNOPSIS lacks $o (sova $cmd)"; bad=1; done
    for o in $(printf '%s\n' "$syn" | grep -vxF -- "$help"); do
        echo "docs/sova.1 SYNOPSIS gives sova $cmd $o, which its --help lacks"; bad=1; done
    for o in $(printf '%s\n' "$help" | grep -vxF -- "$use"); do
        echo "README.md usage lacks $o (sova $cmd)"; bad=1; done
    for o in $(printf '%s\n' "$use" | grep -vxF -- "$help"); do
        echo "README.md usage gives sova $cmd $o, which its --help lacks"; bad=1; done
    for pair in $(sed -n 's/^ *\(-[a-zA-Z]\), \(--[a-z][a-z-]*\).*/\1\2/p' "$tmp/$cmd.help" | grep -v -- '--help$'); do
        so=${pair%%--*}; lo=--${pair#*--}
        sed 's/\\-/-/g' "$root/docs/sova.1" | grep -q -- "$so\([^a-zA-Z-].*\)\?$lo\b" ||
            { echo "docs/sova.1 lacks \"$so, $lo\" (sova $cmd)"; bad=1; }
    done
done
# the tag lines of sova(1) OPTIONS (after .TP): each option exists, a short one as in a --help
awk '/^\.SH/ { sec = $2 } sec == "OPTIONS" && prev == ".TP" { print } { prev = $0 }' "$root/docs/sova.1" |
    sed 's/\\-/-/g' > "$tmp/tags"
while read -r tag; do
    lo=$(printf '%s\n' "$tag" | grep -o -- '--[a-z][a-z-]*' | head -1)
    so=$(printf '%s\n' "$tag" | sed -n 's/^[^-]*\(-[a-zA-Z]\)[^a-zA-Z-].*/\1/p')
    [ -n "$lo" ] || continue
    printf '%s\n' "$allhelp" | grep -q -- "$lo\b" || { echo "docs/sova.1 OPTIONS describes $lo, which no command has"; bad=1; }
    [ -z "$so" ] || printf '%s\n' "$allhelp" | grep -q -- "^ *$so, $lo\b" ||
        { echo "docs/sova.1 OPTIONS gives \"$so, $lo\", which no command's --help has"; bad=1; }
done < "$tmp/tags"
# the simulator's scenario keys (the *_keys[] lists of its two loaders) against the key
# tables of docs/scenario.md and docs/cluster-scenario.md, both ways
for pair in sim_scenario_host.c:scenario.md sim_scenario_cluster.c:cluster-scenario.md; do
    src=$root/src/backend/sim/${pair%%:*}; doc=$root/docs/${pair#*:}
    known=$(awk '/_keys\[\] = \{/ {on=1} on {print} on && /\};/ {on=0}' "$src" |
            sed 's/^.*_keys\[\] = {//' | grep -o '"[a-z-]*"' | tr -d '"' | sort -u)
    [ -n "$known" ] || { echo "found no scenario keys in $src"; bad=1; }
    table=$(awk -F'|' '/^\| (`\[|\| )/ && NF > 4 { print $3 }' "$doc" | grep -o '`[a-z-]*`' | tr -d '`' | sort -u)
    for k in $(printf '%s\n' "$known" | grep -vxF -- "$table"); do
        echo "docs/${pair#*:} lacks the scenario key $k"; bad=1; done
    for k in $(printf '%s\n' "$table" | grep -vxF -- "$known"); do
        echo "docs/${pair#*:} documents $k, which ${pair%%:*} does not read"; bad=1; done
done
# the operator's per-VM element <vm .../>: the attributes libvirt_meta.c's read_vm() reads
# are the rows of sova.conf(5)'s attribute table (after "The operator's element")
attrs=$(awk '/^static void read_vm\(/ {on=1} on {print} on && /^}/ {exit}' "$root/src/backend/libvirt/libvirt_meta.c" |
        grep -o 'attr(names, values, "[a-z-]*")' | grep -o '"[a-z-]*"' | tr -d '"' | sort -u)
rows=$(awk '/^The operator.s element/ {on=1} on && /^\| `/ {print; t=1} t && /^$/ {exit}' "$root/docs/sova.conf.5.md" |
       sed 's/^| `\([a-z-]*\)`.*/\1/' | sort -u)
[ -n "$attrs" ] && [ -n "$rows" ] || { echo "found no per-VM attributes (libvirt_meta.c read_vm, sova.conf(5))"; bad=1; }
for a in $(printf '%s\n' "$attrs" | grep -vxF -- "$rows"); do
    echo "docs/sova.conf.5.md lacks the per-VM attribute $a"; bad=1; done
for a in $(printf '%s\n' "$rows" | grep -vxF -- "$attrs"); do
    echo "docs/sova.conf.5.md documents the per-VM attribute $a, which no reader reads"; bad=1; done
# the metrics: sova_metrics_family/histogram(m, "NAME", ...) against \fBNAME\fR in METRICS
metrics=$(grep -ho 'sova_metrics_\(family\|histogram\)(m, "sova_[a-z_]*"' "$root"/src/daemon/metrics_*.c |
          grep -o 'sova_[a-z_]*"' | tr -d '"' | sort -u)
documented=$(awk '/^\.SH/ { sec = $2 } sec == "METRICS"' "$root/docs/sova.1" |
             grep -o '\\fBsova_[a-z_]*\\fR' | sed 's/\\fB//; s/\\fR//' | sort -u)
[ -n "$metrics" ] || { echo "found no metrics in src/daemon/metrics_*.c"; bad=1; }
for m in $(printf '%s\n' "$metrics" | grep -vxF -- "$documented"); do
    echo "docs/sova.1 METRICS lacks $m"; bad=1; done
for m in $(printf '%s\n' "$documented" | grep -vxF -- "$metrics"); do
    echo "docs/sova.1 METRICS lists $m, which no daemon exports"; bad=1; done
# the policy names the bash completion and the README's usage offer: each list exactly a
# registry's (as `sova sim-cluster` names them for an unknown one; sim adds none, and its
# net baselines none, static, oracle)
known() { "$sova" sim-cluster "--$1" '?' /dev/null 2>&1 | sed -n 's/.*(known: \(.*\))$/\1/p' | tr -d ,; }
cluster_p=$(known policy); cpu_p=$(known cpu-policy); net_p=$(known net-policy)
[ -n "$cluster_p" ] && [ -n "$cpu_p" ] && [ -n "$net_p" ] || { echo "could not read the policy registries"; bad=1; }
same() { [ "$(printf '%s\n' $1 | sort | tr '\n' ' ')" = "$(printf '%s\n' $2 | sort | tr '\n' ' ')" ]; }
policy_lists() {   # FILE: each word list that offers policies, one a line
    { grep -o 'compgen -W "[^"$]*"' "$1" | sed 's/compgen -W "//; s/"$//'
      grep -o -- '-policy [a-z|-]*|[a-z|-]*' "$1" | sed 's/^-policy //' | tr '|' ' '; } |
        grep -E '(^| )(sova|balance)( |$)'
}
for f in data/sova.bash-completion README.md; do
    wrong=$(policy_lists "$root/$f" | while read -r l; do
        case " $l " in
            *" zigzag "*) want="$cpu_p"; printf '%s\n' $l | grep -qx none && want="$cpu_p none" ;;
            *" watcher "*|*" sova-prototype "*) want="$cluster_p" ;;
            *) want="$net_p"; printf '%s\n' $l | grep -qx oracle && want="$net_p none static oracle" ;;
        esac
        same "$l" "$want" || echo "$f offers the policies \"$l\", the registry has \"$want\""
    done)
    [ -z "$wrong" ] || { printf '%s\n' "$wrong"; bad=1; }
done
[ $bad = 0 ] && echo "docs in step: options of $(echo $cmds | wc -w) commands (man page, README, completion), $(echo $keys | wc -w) config keys (reference, example sova.conf), reload of $nreload keys, $(echo $metrics | wc -w) metrics"
exit $bad
