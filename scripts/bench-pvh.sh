#!/usr/bin/env bash
# bench-pvh.sh: PVH vs PV domUs from Debian's xl, on Xenia and on Debian's Xen
# 4.17, runs interleaved like scripts/bench.sh (issue 7). The toolstack dom0
# of tests/system/toolstack-pvh.sh (QEMU's qemu64,+svm,+npt: Xen 4.17 needs
# nested paging for PVH domUs under TCG) with xenia.toolstack.only=pvhbench
# (scripts/toolstack/pvhbench.sh): a PVH domU, then a PV domU, each 128 MiB
# (the cloud kernel, busybox), each running N fork+exec of busybox timed by
# its own clock (scripts/toolstack/domU-init.sh, xenia.forkexec=N), then
# powering itself off. Prints medians in seconds and the ratio Xenia/Xen
# (lower is better for Xenia), then PVH/PV on each hypervisor:
#   xl create, xl create to the domU's userspace line, the domU's own uptime
#   at that line (its kernel boot), N fork+exec in the domU (its clock), and
#   dom0's clock from that line to the fork+exec result line (a check on the
#   domU's clock: the same loop plus a few steps before it).
#   XENIA_BENCH_PVH_RUNS=1     runs per hypervisor (0 skips the benchmark)
#   XENIA_BENCH_PVH_FORKS=500  N
#   XENIA_BENCH_PVH_VCPUS=1    vcpus= of both domUs
#   XENIA_BENCH_PVH_CPUS=1     xl's cpus= of both domUs ("all": no pin; an
#                              HVM vCPU on CPU 0 meets a QEMU TCG race that
#                              can triple-fault it or the host: scripts/qemu.sh)
#   XENIA_BENCH_PVH_TIMEOUT=3600  seconds a run of dom0 may take (a hang bound;
#                              each wait inside is 900 s at most: Xen 4.17
#                              took 180-260 s to a PVH domU's userspace on a
#                              loaded host)
#   XENIA_HV=build/xenia  XENIA_REF_HV=build/debian/xen-4.17
# Then Xenia's perf counters for one more xl create -p of each type (where
# xl create's time goes: hypervisor time in hypercalls and the costliest
# ones; Xen 4.17 as Debian builds it has none).
# Consoles: build/bench/pvh-NAME-RUN.log. A hypervisor whose dom0 gives no
# figures is run once and reported as such; a domU that fails is named
# (XENIA-BENCH-FAIL) and has no figure, hence no ratio. scripts/bench.sh
# (make bench) runs this last.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. scripts/bench-lib.sh
runs=${XENIA_BENCH_PVH_RUNS:-1}
forks=${XENIA_BENCH_PVH_FORKS:-500}
vcpus=${XENIA_BENCH_PVH_VCPUS:-1}
pcpus=${XENIA_BENCH_PVH_CPUS:-1}
run_timeout=${XENIA_BENCH_PVH_TIMEOUT:-3600}
[ "$runs" -gt 0 ] || { echo "bench-pvh: XENIA_BENCH_PVH_RUNS=0, skipped"; exit 0; }
bench_prelude toolstack

types=(pvh pv)
kinds=(xl-create create-to-userspace domu-boot fork-exec fork-exec-dom0)
declare -A kind_names=([xl-create]="xl create"
    [create-to-userspace]="xl create to domU userspace"
    [domu-boot]="domU's uptime at userspace"
    [fork-exec]="$forks fork+exec in the domU"
    [fork-exec-dom0]="the same, dom0's clock")
metrics=()
declare -A names=()
for t in "${types[@]}"; do
    for k in "${kinds[@]}"; do
        metrics+=("$t-$k"); names[$t-$k]="${t^^}: ${kind_names[$k]}"
    done
done
declare -A vals=() dead=() fails=() perfc=()
for ((r = 1; r <= runs; r++)); do
    for h in $(run_order "$r"); do
        [ -z "${dead[$h]:-}" ] || continue
        hv=${hvs[$h]}; log=build/bench/pvh-$(basename "$hv")-$r.log
        load=$(cut -d' ' -f1-3 /proc/loadavg)
        res=$(XENIA_QEMU_CPU=qemu64,+svm,+npt XENIA_INITRD=build/dom0-toolstack-initrd.cpio \
              XENIA_DOM0_ARGS="xenia.toolstack=1 xenia.toolstack.only=pvhbench xenia.toolstack.pvhbench.forks=$forks xenia.toolstack.pvhbench.vcpus=$vcpus xenia.toolstack.pvhbench.cpus=$pcpus" \
              XENIA_BOOT_TIMEOUT=300 XENIA_RUN_TIMEOUT=$run_timeout \
              bash scripts/dom0-workload.sh "$hv" "$log")
        console=$(tr -cd '\11\12\40-\176' < "$log")
        echo "bench-pvh: ${labels[$h]} run $r: $res (load before: $load)"
        while read -r _ name why; do
            echo "bench-pvh:   ${labels[$h]} run $r: $name failed: $why"
            fails[$h]+="${fails[$h]:+; }run $r $name: $why"
        done < <(grep -o 'XENIA-BENCH-FAIL.*' <<< "$console" || true)
        if ! grep -q 'XENIA-BENCH ' <<< "$console"; then
            why=$(grep -o 'XENIA-CHECK [^ ]* FAIL.*' <<< "$console" | head -n1 || true)
            dead[$h]="${why:-no figures (hung or crashed)} ($log)"
            continue
        fi
        grep -q 'XENIA-TOOLSTACK: workload done' <<< "$console" ||
            fails[$h]+="${fails[$h]:+; }run $r: the workload did not finish ($log)"
        while read -r _ name v; do vals[$h,$name]+=" $v"; done \
            < <(grep -Eo 'XENIA-BENCH [^ ]+ [0-9.]+' <<< "$console")
        perfc[$h]+=$(grep -o 'XENIA-PERFC .*' <<< "$console" | sed "s/^XENIA-PERFC /run $r: /" || true)$'\n'
    done
done

ratio_table "PVH and PV domUs, ${vcpus} vCPU (median s)" "PVH benchmark"
for h in 0 1; do
    [ -z "${fails[$h]:-}" ] || echo "${labels[$h]}: no figure for: ${fails[$h]}"
done
# PVH against PV on the same hypervisor (lower is better for PVH).
printf '\n%-30s %9s %9s %7s %9s %9s %7s\n' "PVH vs PV (median s)" "Xenia PVH" PV PVH/PV \
    "Xen PVH" PV PVH/PV
for k in "${kinds[@]}"; do
    row=()
    for h in 0 1; do
        a=$(median "${vals[$h,pvh-$k]:-}"); b=$(median "${vals[$h,pv-$k]:-}")
        row+=("${a:--}" "${b:--}" "$(ratio "$a" "$b")")
    done
    printf '%-30s %9s %9s %7s %9s %9s %7s\n' "${kind_names[$k]}" "${row[@]}"
done
echo "(QEMU TCG, dom0 on qemu64,+svm,+npt; domUs of 128 MiB, ${vcpus} vCPU on pCPU(s) $pcpus; $runs run(s) a hypervisor)"
echo
echo "Hypervisor time in the hypercalls of one xl create -p (Xenia's perf counters, debug key p; Xen 4.17 has none):"
printf '%s' "${perfc[0]:-}" | grep . | sed 's/^/  /' || echo "  none"
