#!/usr/bin/env bash
# bench-toolstack.sh: Debian's xl driving PV domUs (the toolstack dom0 of
# tests/system/toolstack.sh) on Xenia and on Debian's Xen 4.17, runs
# interleaved like scripts/bench.sh; prints medians and the ratio Xenia/Xen:
#   xl create (128 MiB cloud-kernel PV domU), xl create to the domU's first
#   userspace line, one create/destroy cycle (median of every cycle of
#   every run: XENIA_BENCH_CYCLES=20 a run).
#   XENIA_BENCH_RUNS=3  XENIA_HV=build/xenia  XENIA_REF_HV=build/debian/xen-4.17
# The workload's lifecycle checks (section 6) are skipped: they only wait.
# A hypervisor whose toolstack does not get through the workload is run
# once and reported as such. Consoles: build/bench/toolstack-NAME-RUN.log.
# scripts/bench.sh (make bench) runs this after its dom0 figures, one run
# a hypervisor by default (XENIA_BENCH_TOOLSTACK_RUNS).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. scripts/bench-lib.sh
runs=${XENIA_BENCH_RUNS:-3}
cycles=${XENIA_BENCH_CYCLES:-20}
bench_prelude toolstack

metrics=(xl-create xl-create-to-domu-userspace create-destroy-cycle)
declare -A names=([xl-create]="xl create (128 MiB PV domU)"
    [xl-create-to-domu-userspace]="xl create to domU userspace"
    [create-destroy-cycle]="create/destroy cycle (of $cycles)")
declare -A vals=() dead=()
for ((r = 1; r <= runs; r++)); do
    for h in $(run_order "$r"); do
        [ -z "${dead[$h]:-}" ] || continue
        hv=${hvs[$h]}; log=build/bench/toolstack-$(basename "$hv")-$r.log
        res=$(XENIA_INITRD=build/dom0-toolstack-initrd.cpio \
              XENIA_DOM0_ARGS="xenia.toolstack=1 xenia.toolstack.cycles=$cycles xenia.toolstack.lifecycle=0" \
              XENIA_RUN_TIMEOUT=$((360 + 6 * cycles)) bash scripts/dom0-workload.sh "$hv" "$log")
        console=$(tr -cd '\11\12\40-\176' < "$log")
        echo "bench-toolstack: ${labels[$h]} run $r: $res"
        if ! grep -q 'XENIA-TOOLSTACK: workload done' <<< "$console" ||
           grep -q 'XENIA-CHECK [^ ]* FAIL' <<< "$console"; then
            why=$(grep -o 'XENIA-CHECK [^ ]* FAIL.*' <<< "$console" | head -n1 || true)
            dead[$h]="${why:-no result (hung or crashed)} ($log)"
            continue
        fi
        # Per-cycle times (XENIA-TIMES NAME v1 v2 ...) stand in for the
        # run's mean of the same name.
        times=$(grep -Eo 'XENIA-TIMES [^ ]+( [0-9.]+)+' <<< "$console" || true)
        while read -r _ name secs; do
            grep -q "^XENIA-TIMES $name " <<< "$times" || vals[$h,$name]+=" $secs"
        done < <(grep -Eo 'XENIA-TIME [^ ]+ [0-9.]+' <<< "$console")
        while read -r _ name secs; do vals[$h,$name]+=" $secs"; done \
            < <(printf '%s\n' "$times" | grep .)
    done
done

ratio_table "toolstack (median s)" "toolstack workload"
