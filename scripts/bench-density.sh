#!/usr/bin/env bash
# bench-density.sh (make density; make bench runs it once): Xen issue 8's
# density figures, Xenia against Debian's Xen 4.17 in one run. The
# toolstack dom0 (scripts/mkinitramfs-toolstack.sh) runs
# scripts/toolstack/density.sh (xenia.toolstack.only=density): as many
# small domUs as memory allows alive at once (the own 16 MiB test guest
# tests/guests/domu_alive.c, then Linux with 96 MiB: 64 cannot hold Debian's
# cloud kernel and its initrd, see scripts/toolstack/density.sh), every one answering,
# all destroyed and the hypervisor's free pages back to the page; xl
# create -p of the test guest (and xl list, the floor of any xl command);
# XENIA_DENSITY_CYCLES create/destroy cycles with the pages leaked.
# The two hypervisors run side by side (one QEMU each, started together),
# so a busy host slows both alike. Prints figures and ratios Xenia/Xen, no
# thresholds; then each run's checks (PASS/FAIL lines, not a verdict).
#   XENIA_BENCH_RUNS=1         runs per hypervisor
#   XENIA_DENSITY_KINDS=alive+linux  (+: a comma would end the QEMU module argument)
#   XENIA_DENSITY_MAX=200      at most this many of a kind
#   XENIA_DENSITY_LINUX_MIB=96 each Linux domU's memory
#   XENIA_DENSITY_CYCLES=20    create/destroy cycles (scripts/soak.sh: 1000)
#   XENIA_QEMU_MEM=1024        the machine's RAM (MiB); dom0 has 512
#   XENIA_HV=build/xenia  XENIA_REF_HV=build/debian/xen-4.17
# Consoles: build/bench/density-NAME-RUN.log. The run's bound is only a
# hang bound (90 min + 40 s a cycle): on a loaded 2-core host 30 creates and
# 30 destroys alone have taken 35 min.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. scripts/bench-lib.sh
runs=${XENIA_BENCH_RUNS:-1}
kinds=${XENIA_DENSITY_KINDS:-alive+linux}
max=${XENIA_DENSITY_MAX:-200}
cycles=${XENIA_DENSITY_CYCLES:-20}
linux_mib=${XENIA_DENSITY_LINUX_MIB:-96}
export XENIA_QEMU_MEM=${XENIA_QEMU_MEM:-1024}
bench_prelude toolstack

args="xenia.toolstack=1 xenia.toolstack.only=density xenia.density.kinds=$kinds"
args="$args xenia.density.max=$max xenia.density.cycles=$cycles xenia.density.linux_mib=$linux_mib"
declare -A vals=() checks=() perfc=()
for ((r = 1; r <= runs; r++)); do
    pids=()
    for h in 0 1; do
        log=build/bench/density-$(basename "${hvs[$h]}")-$r.log
        XENIA_INITRD=build/dom0-toolstack-initrd.cpio XENIA_DOM0_ARGS="$args" \
            XENIA_RUN_TIMEOUT=$((5400 + 40 * cycles)) \
            bash scripts/dom0-workload.sh "${hvs[$h]}" "$log" > "$log.result" &
        pids+=($!)
    done
    wait "${pids[@]}" || true
    for h in 0 1; do
        log=build/bench/density-$(basename "${hvs[$h]}")-$r.log
        echo "bench-density: ${labels[$h]} run $r: $(cat "$log.result")"
        console=$(tr -cd '\11\12\40-\176' < "$log")
        grep -q 'XENIA-TOOLSTACK: workload done' <<< "$console" ||
            checks[$h]+="FAIL: density run $r did not finish ($log)"$'\n'
        checks[$h]+=$(grep -o 'XENIA-CHECK .*' <<< "$console" | sed 's/^XENIA-CHECK \([^ ]*\) \([A-Z]*\) /\2: \1 (run '"$r"') /' || true)$'\n'
        perfc[$h]+=$(grep -o 'XENIA-PERFC .*' <<< "$console" | sed "s/^XENIA-PERFC /run $r: /" || true)$'\n'
        # XENIA-DENSITY KIND key=value ...: one figure per kind and key.
        while read -r _ kind rest; do
            for kv in $rest; do
                case $kv in *=*) vals[$h,$kind-${kv%%=*}]+=" ${kv#*=}" ;; esac
            done
        done < <(grep -o 'XENIA-DENSITY .*' <<< "$console" | sed 's/stop=".*//' || true)
        while read -r _ name times; do
            m=$(median "$times")
            [ -z "$m" ] || vals[$h,median-$name]+=" $m"
        done < <(grep -Eo 'XENIA-TIMES [^ ]+( [0-9.]+)+' <<< "$console" || true)
    done
done

row() { # row LABEL KEY: medians over runs, ratio Xenia/Xen
    local a b
    a=$(median "${vals[0,$2]:-}"); b=$(median "${vals[1,$2]:-}")
    printf '%-46s %12s %12s %10s\n' "$1" "${a:-n/a}" "${b:-n/a}" "$(ratio "$a" "$b")"
}
echo
echo "Density (QEMU TCG, 2 vCPUs, ${XENIA_QEMU_MEM} MiB, dom0 512 MiB; Debian's xl; medians of $runs run(s))"
printf '%-46s %12s %12s %10s\n' "" "${labels[0]}" "${labels[1]}" "Xenia/Xen"
row "host free pages before the domUs" host-free_pages
for k in ${kinds//+/ }; do
    case $k in alive) what="16 MiB test guest" ;; *) what="$linux_mib MiB Linux" ;; esac
    row "$what: alive at once" $k-alive
    row "$what: alive at once per GiB of RAM" $k-per_gib
    row "$what: pages each (free pages drop)" $k-pages_each
    row "$what: mean xl create (s)" $k-mean_create
    row "$what: destroy all (s)" $k-destroy_all
done
row "xl create -p, 16 MiB test guest (median s)" median-xl-create-p
row "xl list (median s: any xl command's floor)" median-xl-list
if [ "$cycles" -gt 0 ]; then
    row "create/destroy cycles done" cycles-n
    row "create/destroy cycle (mean s)" cycles-mean
    row "pages leaked after the cycles" cycles-leaked_pages
fi
echo
echo "Hypervisor time in the hypercalls of each phase (Xenia's perf counters, debug key p; Xen 4.17 has none):"
printf '%s' "${perfc[0]:-}" | grep . | sed 's/^/  /' || echo "  none"
for h in 0 1; do
    echo "${labels[$h]}:"
    printf '%s' "${checks[$h]:-}" | grep . | sed 's/^/  /' || true
done
