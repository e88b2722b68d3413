#!/usr/bin/env bash
# bench-evtchn.sh: event-channel round trip, 2-level against FIFO, Xenia
# against Debian's Xen 4.17 in one run (Xen issue 8's figure). Boots the
# test guest tests/guests/evtchn_rtt.c as dom0 of each hypervisor, the two
# side by side, XENIA_BENCH_RUNS times; each boot prints the median ns of
# a round trip per ABI ("XENIA-RTT ABI ns"). Prints medians over the runs
# and the ratios Xenia/Xen; no thresholds. Consoles: build/bench/rtt-*.log.
#   XENIA_BENCH_RUNS=3  XENIA_HV=build/xenia  XENIA_REF_HV=build/debian/xen-4.17
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. scripts/bench-lib.sh
runs=${XENIA_BENCH_RUNS:-3}
bench_prelude guests
declare -A vals=()
for ((r = 1; r <= runs; r++)); do
    pids=()
    for h in 0 1; do
        log=build/bench/rtt-$(basename "${hvs[$h]}")-$r.log
        : > "$log"
        XENIA_QEMU_MEM=256 timeout 120 bash scripts/qemu.sh "${hvs[$h]}" \
            "console=com1 dom0_mem=64M noreboot" build/guests/evtchn_rtt.elf \
            > "$log" 2>&1 < /dev/null &
        pids+=($!)
    done
    # Xen only halts after the result line: end its QEMU then.
    while kill -0 "${pids[@]}" 2>/dev/null; do
        for h in 0 1; do
            grep -aq 'XENIA-TEST: evtchn_rtt' "build/bench/rtt-$(basename "${hvs[$h]}")-$r.log" &&
                kill "${pids[$h]}" 2>/dev/null || true
        done
        sleep 1
    done
    wait "${pids[@]}" 2>/dev/null || true
    for h in 0 1; do
        while read -r _ abi ns; do
            vals[$h,$abi]+=" $ns"
        done < <(grep -ao 'XENIA-RTT [^ ]* [0-9]*' "build/bench/rtt-$(basename "${hvs[$h]}")-$r.log" || true)
    done
done
echo
echo "Event-channel round trip, loopback pair on one vCPU (ns; medians of $runs run(s))"
printf '%-30s %12s %12s %10s\n' "" "${labels[0]}" "${labels[1]}" "Xenia/Xen"
for abi in 2-level FIFO; do
    a=$(median "${vals[0,$abi]:-}"); b=$(median "${vals[1,$abi]:-}")
    printf '%-30s %12s %12s %10s\n' "round trip, $abi" "${a:-n/a}" "${b:-n/a}" "$(ratio "$a" "$b")"
done
for h in 0 1; do
    a=$(median "${vals[$h,FIFO]:-}"); b=$(median "${vals[$h,2-level]:-}")
    echo "${labels[$h]}: FIFO/2-level $(ratio "$a" "$b")"
done
