#!/usr/bin/env bash
# sched-credit2.sh (make sched; part of make bench): the credit2 scheduler
# as `xl sched-credit2` and `xl vcpu-pin` drive it, measured with CPU-bound
# PV domUs in the toolstack dom0 (scripts/toolstack/sched.sh), on Xenia and
# on Debian's Xen 4.17 in the same run. Figures, not a test: what each
# hypervisor gives against what the settings ask for:
#   weights 256:512 (both pinned to pCPU 1)   B/A, asked 2.00
#   cap 25% (alone on pCPU 1)                 share, asked 0.25
#   pinned vCPU samples off its pCPU          asked 0
#   3 vCPUs on 2 pCPUs, equal weights         each share, asked 0.67
#   XENIA_SCHED_SECS=30  measuring window (s)
#   XENIA_HV=build/xenia  XENIA_REF_HV=build/debian/xen-4.17 (none: skip)
# Consoles: build/bench/sched-NAME.log.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
secs=${XENIA_SCHED_SECS:-30}
hvs=("${XENIA_HV:-build/xenia}")
labels=(Xenia)
if [ "${XENIA_REF_HV:-build/debian/xen-4.17}" != none ]; then
    hvs+=("${XENIA_REF_HV:-build/debian/xen-4.17}"); labels+=("Xen 4.17")
fi
[ -e build/debian/xen-4.17 ] || bash scripts/fetch-debian.sh
[ -e "${hvs[0]}" ] || make -s all
bash scripts/mkinitramfs-toolstack.sh > build/mkinitramfs-toolstack.log 2>&1
mkdir -p build/bench

declare -A res=()
for h in "${!hvs[@]}"; do
    hv=${hvs[$h]}; log=build/bench/sched-$(basename "$hv").log
    out=$(XENIA_INITRD=build/dom0-toolstack-initrd.cpio \
          XENIA_DOM0_ARGS="xenia.toolstack=sched xenia.sched.secs=$secs" \
          XENIA_RUN_TIMEOUT=$((1800 + 12 * secs)) bash scripts/dom0-workload.sh "$hv" "$log")
    echo "sched-credit2: ${labels[$h]}: $out"
    console=$(tr -cd '\11\12\40-\176' < "$log")
    grep -E "^XENIA-(SCHED|XL)" <<< "$console" | sed 's/^/    /' || true
    # (A phase that did not finish leaves its figure n/a.)
    get() { { grep -o "XENIA-SCHED $1 .*" <<< "$console" | grep -o "$2=[0-9.]*" | head -n1 | cut -d= -f2; } || true; }
    res[$h,ratio]=$(get weights 'B/A')
    res[$h,cap]=$(get cap share)
    res[$h,pin]=$(grep -o 'off-pCPU-1-samples=[0-9]*' <<< "$console" | cut -d= -f2 || true)
    res[$h,fair]=$(grep -o 'XENIA-SCHED fairness .*' <<< "$console" |
                   sed 's/.*s A=\([0-9.]*\) B=\([0-9.]*\) C=\([0-9.]*\).*/\1\/\2\/\3/' || true)
done

printf '\n%-44s %8s' "credit2 ($secs s windows)" asked
for l in "${labels[@]}"; do printf ' %16s' "$l"; done; echo
row() { printf '%-44s %8s' "$1" "$2"; for h in "${!hvs[@]}"; do printf ' %16s' "${res[$h,$3]:-n/a}"; done; echo; }
row "weight 512 vs 256 on one pCPU: B/A" 2.00 ratio
row "cap 25% alone on a pCPU: share" 0.25 cap
row "pinned vCPU, samples off its pCPU" 0 pin
row "3 vCPUs on 2 pCPUs: shares A/B/C" 0.67 fair
