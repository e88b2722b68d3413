#!/usr/bin/env bash
# bench.sh (make bench): boot the same dom0 + workload (scripts/dom0-init.sh,
# xenia.test=1) on Xenia and on Debian's Xen 4.17, runs interleaved (Xenia,
# Xen, then Xen, Xenia: which goes first alternates, run_order() in
# bench-lib.sh) so a busy host slows both alike, and print the medians and
# the ratio Xenia/Xen. No thresholds: figures only.
#   XENIA_BENCH_RUNS=3                  runs per hypervisor
#   XENIA_HV=build/xenia                the hypervisor measured
#   XENIA_REF_HV=build/debian/xen-4.17  the reference
# Consoles: build/bench/NAME-RUN.log. A hypervisor that does not reach
# dom0 userspace is run once and reported as such, never as a ratio.
# Then the toolstack figures (scripts/bench-toolstack.sh: xl create to the
# domU's userspace, 20 create/destroy cycles), interleaved the same way:
#   XENIA_BENCH_TOOLSTACK_RUNS=1        toolstack runs per hypervisor (one
#                                       Xen 4.17 run is ~4 min under TCG;
#                                       0 skips them)
# Then the credit2 scheduler (scripts/sched-credit2.sh; XENIA_BENCH_SCHED=0
# skips it). Then dom0's disk throughput (scripts/bench-devices.sh: virtio-blk and
# AHCI, 256 MiB O_DIRECT each way):
#   XENIA_BENCH_DEVICES_RUNS=1          runs per hypervisor (0 skips them)
# Then the Debian host from disk (scripts/bench-host.sh):
#   XENIA_BENCH_HOST_RUNS=1             runs per hypervisor (0 skips them)
# Then issue 8's figures: event-channel round trips 2-level vs FIFO
# (scripts/bench-evtchn.sh) and density (scripts/bench-density.sh: small
# domUs alive at once per GiB, mean xl create, create/destroy cycles):
#   XENIA_BENCH_EVTCHN_RUNS=3           runs per hypervisor (0 skips them)
#   XENIA_BENCH_DENSITY_RUNS=1          runs per hypervisor (0 skips them)
# Then issue 9's PV I/O of domUs under the toolstack (scripts/bench-pvio.sh:
# blkback and qdisk sequential and 4 KiB random reads, TCP dom0<->domU and
# domU->domU, one domU and four at once):
#   XENIA_BENCH_PVIO_RUNS=1             runs per hypervisor (0 skips them;
#                                       sizes: XENIA_BENCH_PVIO_MIB, 4,
#                                       XENIA_BENCH_PVIO_NETMIB, 1)
# Then issue 7's PVH domUs (scripts/bench-pvh.sh: xl create to the domU's
# userspace and N fork+exec inside it, a PVH domU and a PV domU on each
# hypervisor, dom0 on qemu64,+svm,+npt):
#   XENIA_BENCH_PVH_RUNS=1              runs per hypervisor (0 skips them;
#                                       XENIA_BENCH_PVH_FORKS, 500,
#                                       XENIA_BENCH_PVH_VCPUS, 1)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. scripts/bench-lib.sh
runs=${XENIA_BENCH_RUNS:-3}
hvs=("${XENIA_HV:-build/xenia}" "${XENIA_REF_HV:-build/debian/xen-4.17}")
labels=(Xenia "Xen 4.17")
[ -e build/debian/vmlinuz ] && [ -e build/debian/busybox ] && [ -e build/debian/xen-4.17 ] ||
    bash scripts/fetch-debian.sh
[ -e "${hvs[0]}" ] || make -s all
bash scripts/mkinitramfs.sh
mkdir -p build/bench

metrics=(userspace fork-exec-1000 tmpfs-64MiB-write tmpfs-64MiB-md5 null-syscalls-200k
    pipe-roundtrips-20k page-faults-20k wall)
declare -A names=([userspace]="QEMU start to dom0 userspace"
    [fork-exec-1000]="1000 fork+exec (busybox)" [tmpfs-64MiB-write]="64 MiB write to tmpfs"
    [tmpfs-64MiB-md5]="64 MiB md5sum from tmpfs" [null-syscalls-200k]="200k null system calls"
    [pipe-roundtrips-20k]="20k pipe round trips" [page-faults-20k]="20k page faults (fresh pages)"
    [wall]="QEMU start to exit (total)")
declare -A vals=() dead=() note=()   # vals[h,metric] = "v1 v2 ..."

for ((r = 1; r <= runs; r++)); do
    for h in $(run_order "$r"); do
        [ -z "${dead[$h]:-}" ] || continue
        hv=${hvs[$h]}; log=build/bench/$(basename "$hv")-$r.log
        res=$(bash scripts/dom0-workload.sh "$hv" "$log")
        echo "bench: ${labels[$h]} run $r: $res"
        status=$(sed -n 's/.*exit=\([^ ]*\).*/\1/p' <<< "$res")
        up=$(sed -n 's/.*userspace=\([^ ]*\).*/\1/p' <<< "$res")
        if [ "$up" = none ]; then
            dead[$h]=1; note[$h]="did not reach dom0 userspace (QEMU exit $status; $log)"
            continue
        fi
        vals[$h,userspace]+=" $up"
        console=$(tr -cd '\11\12\40-\176' < "$log")
        while read -r _ name secs; do
            vals[$h,$name]+=" $secs"
        done < <(grep -Eo 'XENIA-TIME [^ ]+ [0-9.]+' <<< "$console")
        # A run only counts whole: a failed check or a dirty end is noted.
        if grep -q 'XENIA-CHECK [^ ]* FAIL' <<< "$console" || [ "$status" != 0 ]; then
            note[$h]="run $r: $(grep -o 'XENIA-CHECK [^ ]* FAIL.*' <<< "$console" | head -n1) QEMU exit $status ($log)"
        else
            vals[$h,wall]+=" $(sed -n 's/.*wall=\([^ ]*\).*/\1/p' <<< "$res")"
        fi
    done
done

count() { tr ' ' '\n' <<< "$1" | grep -c . || true; }

echo
echo "Debian's Linux 6.1 as PV dom0, busybox initramfs; QEMU TCG, 2 vCPUs; medians, seconds"
printf '%-30s %14s %14s %10s\n' "" "${labels[0]}" "${labels[1]}" "Xenia/Xen"
for m in "${metrics[@]}"; do
    a=$(median "${vals[0,$m]:-}"); b=$(median "${vals[1,$m]:-}")
    ratio=$(ratio "$a" "$b")
    printf '%-30s %14s %14s %10s\n' "${names[$m]}" \
        "${a:-n/a}${a:+ ($(count "${vals[0,$m]:-}"))}" "${b:-n/a}${b:+ ($(count "${vals[1,$m]:-}"))}" "$ratio"
done
echo "(n) = runs in the median; 'total' counts clean runs only"
for h in 0 1; do
    [ -z "${note[$h]:-}" ] || echo "${labels[$h]}: ${note[$h]}"
done

# The toolstack benchmark after the dom0 one: one run each keeps the whole
# of make bench under ~10 min; the cycle figure is already a median of 20.
truns=${XENIA_BENCH_TOOLSTACK_RUNS:-1}
if [ "$truns" -gt 0 ]; then
    echo
    XENIA_BENCH_RUNS=$truns bash scripts/bench-toolstack.sh
fi
# The credit2 scheduler through xl (scripts/sched-credit2.sh): about 6 min a hypervisor.
if [ "${XENIA_BENCH_SCHED:-1}" = 1 ]; then
    echo
    bash scripts/sched-credit2.sh
fi
druns=${XENIA_BENCH_DEVICES_RUNS:-1}
if [ "$druns" -gt 0 ]; then
    echo
    XENIA_BENCH_RUNS=$druns bash scripts/bench-devices.sh
fi
# The Debian host from disk (scripts/bench-host.sh): boot to the login
# prompt, fio and TCP; about 15 min for one run of each hypervisor.
hruns=${XENIA_BENCH_HOST_RUNS:-1}
if [ "$hruns" -gt 0 ]; then
    echo
    XENIA_BENCH_RUNS=$hruns bash scripts/bench-host.sh
fi
eruns=${XENIA_BENCH_EVTCHN_RUNS:-3}
if [ "$eruns" -gt 0 ]; then
    echo
    XENIA_BENCH_RUNS=$eruns bash scripts/bench-evtchn.sh
fi
nruns=${XENIA_BENCH_DENSITY_RUNS:-1}
if [ "$nruns" -gt 0 ]; then
    echo
    XENIA_BENCH_RUNS=$nruns bash scripts/bench-density.sh
fi
pruns=${XENIA_BENCH_PVIO_RUNS:-1}
if [ "$pruns" -gt 0 ]; then
    echo
    XENIA_BENCH_RUNS=$pruns bash scripts/bench-pvio.sh
fi
# PVH vs PV domUs (scripts/bench-pvh.sh reads XENIA_BENCH_PVH_RUNS itself).
if [ "${XENIA_BENCH_PVH_RUNS:-1}" -gt 0 ]; then
    echo
    bash scripts/bench-pvh.sh
fi
