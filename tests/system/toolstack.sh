#!/usr/bin/env bash
# tests/system/toolstack.sh: Debian's real Xen 4.17 toolstack (xl,
# oxenstored, xenconsoled) in a busybox dom0 of $XENIA_HV (default
# build/xenia), driving PV domUs (linux-image-cloud-amd64 + busybox).
# The dom0 initramfs is scripts/mkinitramfs-toolstack.sh's; its workload
# (scripts/toolstack/workload.sh) runs with xenia.toolstack=1. One verdict
# per check:   PASS: system/toolstack-NAME   or   FAIL: ... + console tail
# All pass on Debian's Xen 4.17:
#     XENIA_HV=build/debian/xen-4.17 bash tests/system/toolstack.sh
#   XENIA_TOOLSTACK_CYCLES=5   create/destroy cycles (50 for a soak)
#   XENIA_TOOLSTACK_PVMIB=16   MiB per PV disk pass and network stream (64: issue 9's size)
#   XENIA_QEMU_MEM=1024        QEMU's RAM (MiB): dom0 512 + two 128 MiB domUs
#   XENIA_BOOT_TIMEOUT=150     seconds to dom0 userspace
#   XENIA_RUN_TIMEOUT          seconds for the whole run (default 3000 + 10/cycle: a hang bound)
#   XENIA_TOOLSTACK_SUITE=pvh  only the PVH domU checks (tests/system/toolstack-pvh.sh): a CPU
#                              with nested paging, xenia.toolstack.only=pvh, verdicts
#                              system/toolstack-pvh-*; with it, XENIA_PVH_VCPUS=2 (the
#                              PVH domU's vCPUs), XENIA_PVH_CPUS=1 (the pCPUs they may
#                              run on; all: no pin), XENIA_PVH_BOOTS=1 (boots of it in
#                              all; the extra ones print XENIA-PVH-BOOT lines, no verdict),
#                              XENIA_PVH_LIFECYCLE=1 (0: pvh-domu-lifecycle is skipped)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
hv=${XENIA_HV:-build/xenia}
# The watchdog on (Xen's option): a hang panics with every CPU's call trace
# in the console log instead of running into the timeout silently.
watchdog="watchdog watchdog_timeout=10"
cycles=${XENIA_TOOLSTACK_CYCLES:-5}
# MiB per PV disk pass and network stream: 16 keeps make test inside its
# budget (the domU->dom0 network path is slow under TCG); 64 is issue 9's size.
pvmib=${XENIA_TOOLSTACK_PVMIB:-16}
initrd=build/dom0-toolstack-initrd.cpio
checks=(xl-info xl-list-dom0 domu-userspace domu-workload-poweroff xenstore-tree
        domu-free-memory create-destroy-free-memory two-domus)
# PV disks and NICs (scripts/toolstack/pv-io.sh).
checks+=(pv-disk pv-disk-features pv-net pv-net-domu-domu pv-destroy-under-io pv-disk-reuse
         pv-block-hotplug pv-net-hotplug)
# The disk served by Debian's qemu-system-xen (scripts/toolstack/qdisk.sh).
checks+=(qdisk-disk qdisk-recreate)
# A driver domain's blkback/netback serving another domU (scripts/toolstack/drvdom.sh).
checks+=(drvdom-disk drvdom-net drvdom-destroy)
# Lifecycle of running domUs (workload.sh section 6: xl info/dmesg/list/
# vcpu-list, pause/unpause, destroy, reboot, shutdown).
checks+=(xl-info-fields xl-dmesg xl-debug-keys xl-list-domu xl-vcpu-list xl-vcpu-pin xl-pause-unpause
         xl-destroy xl-reboot xl-shutdown)
checks+=($(cd tests/guests && for f in domu_*.c; do echo "domu-guest-${f%.c}"; done))   # scripts/toolstack/domu-guests.sh
tag=
if [ "${XENIA_TOOLSTACK_SUITE:-}" = pvh ]; then   # scripts/toolstack/pvh.sh
    checks=(pvh-virt-caps pvh-domctl-errors pvh-domu-refusals pvh-domu-userspace pvh-domu-fifo pvh-domu-smp pvh-domu-poweroff
            pvh-domu-lifecycle pvh-domu-pvio pvh-domu-disk-features pvh-domu-qdisk pvh-domu-block-hotplug pvh-domu-net-hotplug
            pvh-domu-destroy-under-io pvh-drvdom-disk pvh-drvdom-net pvh-drvdom-destroy)
    tag=pvh-
    export XENIA_QEMU_CPU=qemu64,+svm,+npt
    XENIA_DOM0_ARGS="xenia.toolstack.only=pvh xenia.pvh.vcpus=${XENIA_PVH_VCPUS:-2} xenia.pvh.cpus=${XENIA_PVH_CPUS:-1} xenia.pvh.boots=${XENIA_PVH_BOOTS:-1} xenia.pvh.lifecycle=${XENIA_PVH_LIFECYCLE:-1} ${XENIA_DOM0_ARGS:-}"
fi
all=(${tag}dom0-userspace "${checks[@]}" ${tag}poweroff-exit-0)

fail_all() { for n in "${all[@]}"; do echo "FAIL: system/toolstack-$n ($1)"; done; exit 0; }
[ -e "$hv" ] || fail_all "no hypervisor $hv"
mkdir -p build
bash scripts/mkinitramfs-toolstack.sh > build/mkinitramfs-toolstack.log 2>&1 ||
    fail_all "scripts/mkinitramfs-toolstack.sh failed, see build/mkinitramfs-toolstack.log"

# This run's console in a directory of its own; build/system/toolstack-HV
# names the latest run (the same layout as tests/system/run.sh).
out=build/system
mkdir -p "$out/runs"
name=toolstack-$tag$(basename "$hv")
logs=$(mktemp -d "$out/runs/$name.XXXXXX")
ln -sfn "runs/$(basename "$logs")" "$out/logs-$name"
ls -dt "$out/runs/$name".* | tail -n +4 | xargs -r rm -rf   # keep 3
log=$logs/dom0.log

# scripts/dom0-workload.sh boots exactly like the dom0 system test; the
# toolstack initramfs ignores its xenia.test=1 and acts on xenia.toolstack=1.
start=$SECONDS
result=$(XENIA_INITRD=$initrd \
    XENIA_DOM0_ARGS="xenia.toolstack=1 xenia.toolstack.cycles=$cycles xenia.toolstack.pvmib=$pvmib ${XENIA_DOM0_ARGS:-}" \
    XENIA_RUN_TIMEOUT=${XENIA_RUN_TIMEOUT:-$((3000 + 10 * cycles))} \
    XENIA_HV_ARGS="$watchdog ${XENIA_HV_ARGS:-}" bash scripts/dom0-workload.sh "$hv" "$log")
status=$(sed -n 's/.*exit=\([^ ]*\).*/\1/p' <<< "$result")
up=$(sed -n 's/.*userspace=\([^ ]*\).*/\1/p' <<< "$result")
console=$(tr -cd '\11\12\40-\176' < "$log")   # printable ASCII, no \r

# The console's last lines before the end (or before a hang's dump,
# scripts/dom0-workload.sh), then the dump's summary: where each CPU and
# vCPU was (the whole dump stays in the log).
tail_of() {
    sed '/^XENIA-HANG:/q' <<< "$console" | grep -Ev '^$|^\(XEN\) +stack\[[0-9]+\]' | tail -n 15 | sed 's/^/    /'
    sed -n '/^XENIA-HANG:/,$p' <<< "$console" |
        grep -E '^\(XEN\) (RIP:|\*\*\* CPU|    VCPU[0-9]|CPU[0-9]+: )' | head -n 24 | sed 's/^/    /'
}
case $status in
124) how="QEMU timed out" ;; killed) how="no userspace in ${XENIA_BOOT_TIMEOUT:-150}s" ;;
*) how="QEMU exit $status" ;;
esac

if [ "$up" != none ]; then
    echo "PASS: system/toolstack-${tag}dom0-userspace"
    echo "    userspace ${up}s after QEMU start; $(grep -o 'XENIA-DOM0: xenstored: .*' <<< "$console" | head -n1)"
else
    echo "FAIL: system/toolstack-${tag}dom0-userspace (no 'XENIA-DOM0: userspace up'; $how)"; tail_of
fi

for n in "${checks[@]}"; do
    line=$(grep -Eo "XENIA-CHECK $n (PASS|FAIL|SKIP).*" <<< "$console" | head -n1)
    if [[ $line == "XENIA-CHECK $n SKIP"* ]]; then
        echo "SKIP: system/toolstack-$n: ${line#XENIA-CHECK $n SKIP }"
    elif [ -z "$line" ]; then
        if [ "$up" = none ]; then echo "FAIL: system/toolstack-$n (dom0 userspace not reached)"
        else echo "FAIL: system/toolstack-$n (no result; $how)"; tail_of; fi
    elif [[ $line == "XENIA-CHECK $n PASS"* ]]; then
        echo "PASS: system/toolstack-$n"
        echo "    ${line#XENIA-CHECK $n PASS }"
    else
        echo "FAIL: system/toolstack-$n (${line#XENIA-CHECK $n FAIL })"
        # The workload's own diagnostics (xl errors, domU console tails).
        # The workload's own diagnostics for this check: the xl errors,
        # domU console and xl log tails it printed since the previous check.
        awk -v n="$n" '/XENIA-CHECK / { if ($2 == n) { for (i = 0; i < k; i++) print "    " d[i]; exit } k = 0; next }
            /^XENIA-(XL|DOMU-LOG|XL-LOG|XENSTORE)/ { d[k++] = $0 }' <<< "$console" | tail -n 25
    fi
done

if ! grep -q "XENIA-TOOLSTACK: workload done" <<< "$console"; then
    echo "FAIL: system/toolstack-${tag}poweroff-exit-0 (workload did not finish; $how)"
    [ "$up" = none ] || tail_of
elif [ "$status" != 0 ]; then
    echo "FAIL: system/toolstack-${tag}poweroff-exit-0 (workload done, then $how)"; tail_of
else
    echo "PASS: system/toolstack-${tag}poweroff-exit-0"
fi
grep -Eo "XENIA-TIME .*" <<< "$console" | sed 's/^/    /'
echo "toolstack: $((SECONDS - start))s on $hv, console in $log"
