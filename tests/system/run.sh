#!/usr/bin/env bash
# tests/system/run.sh: Debian's Linux as dom0 of $XENIA_HV (default
# build/xenia) in QEMU, with the busybox initramfs running the dom0
# workload (scripts/dom0-init.sh, xenia.test=1), and the event channel ABI
# dom0 chose (FIFO; 2-level with XENIA_DOM0_ARGS="xen.fifo_events=0").
# One verdict per check:
#     PASS: system/NAME     or     FAIL: system/NAME (reason) + console tail
# All pass on Debian's Xen 4.17:
#     XENIA_HV=build/debian/xen-4.17 bash tests/system/run.sh
# One boot, ~2 min on Xen under TCG; a hypervisor that does not reach
# userspace costs XENIA_BOOT_TIMEOUT (150 s) at most.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
hv=${XENIA_HV:-build/xenia}
# The watchdog on (Xen's option): a hang panics with every CPU's call trace
# in the console log instead of running into the timeout silently.
watchdog="watchdog watchdog_timeout=10"
checks=(hypervisor-type hypervisor-version cpus-online dom0-pirqs fork-exec-1000 tmpfs-64MiB-checksum
    syscall-bench)
all=(dom0-userspace "${checks[@]}" dom0-event-abi poweroff-exit-0)

fail_all() { for n in "${all[@]}"; do echo "FAIL: system/$n ($1)"; done; exit 0; }
if [ ! -e build/debian/vmlinuz ] || [ ! -e build/debian/busybox ]; then
    bash scripts/fetch-debian.sh > build/fetch-debian.log 2>&1 ||
        fail_all "scripts/fetch-debian.sh failed, see build/fetch-debian.log"
fi
[ -e "$hv" ] || fail_all "no hypervisor $hv"
bash scripts/mkinitramfs.sh > /dev/null || fail_all "scripts/mkinitramfs.sh failed"

# This run's console in a directory of its own (others may run the suite
# at the same time); build/system/logs-HV names the latest run.
out=build/system
mkdir -p "$out/runs"
logs=$(mktemp -d "$out/runs/$(basename "$hv").XXXXXX")
ln -sfn "runs/$(basename "$logs")" "$out/logs-$(basename "$hv")"
ls -dt "$out/runs/$(basename "$hv")".* | tail -n +6 | xargs -r rm -rf   # keep 5
log=$logs/dom0.log

start=$SECONDS
result=$(XENIA_HV_ARGS="$watchdog ${XENIA_HV_ARGS:-}" bash scripts/dom0-workload.sh "$hv" "$log")
status=$(sed -n 's/.*exit=\([^ ]*\).*/\1/p' <<< "$result")
up=$(sed -n 's/.*userspace=\([^ ]*\).*/\1/p' <<< "$result")
console=$(tr -cd '\11\12\40-\176' < "$log")   # printable ASCII, no \r

# The last console lines of the run, indented for tests/run.sh (without
# the hypervisor's raw stack words: the lines before them say more).
# The console's last lines before the end (or before a hang's dump,
# scripts/dom0-workload.sh), then the dump's summary: where each CPU and
# vCPU was (the whole dump stays in the log).
tail_of() {
    sed '/^XENIA-HANG:/q' <<< "$console" | grep -Ev '^$|^\(XEN\) +stack\[[0-9]+\]' | tail -n 12 | sed 's/^/    /'
    sed -n '/^XENIA-HANG:/,$p' <<< "$console" |
        grep -E '^\(XEN\) (RIP:|\*\*\* CPU|    VCPU[0-9]|CPU[0-9]+: )' | head -n 24 | sed 's/^/    /'
}
case $status in
124) how="QEMU timed out" ;; killed) how="no userspace in ${XENIA_BOOT_TIMEOUT:-150}s" ;;
*) how="QEMU exit $status" ;;
esac

if [ "$up" != none ]; then
    echo "PASS: system/dom0-userspace"
    echo "    userspace ${up}s after QEMU start"
else
    echo "FAIL: system/dom0-userspace (no 'XENIA-DOM0: userspace up'; $how)"; tail_of
fi

for n in "${checks[@]}"; do
    line=$(grep -Eo "XENIA-CHECK $n (PASS|FAIL).*" <<< "$console" | head -n1)
    if [ -z "$line" ]; then
        if [ "$up" = none ]; then echo "FAIL: system/$n (dom0 userspace not reached)"
        else echo "FAIL: system/$n (no result; $how)"; tail_of; fi
    elif [[ $line == "XENIA-CHECK $n PASS"* ]]; then
        echo "PASS: system/$n"
        echo "    ${line#XENIA-CHECK $n PASS }"
    else
        echo "FAIL: system/$n (${line#XENIA-CHECK $n FAIL })"; tail_of
    fi
done

# The event channel ABI dom0's Linux chose: FIFO once EVTCHNOP_init_control
# works, 2-level when told so (XENIA_DOM0_ARGS="xen.fifo_events=0").
if [[ " ${XENIA_DOM0_ARGS:-} " == *" xen.fifo_events=0 "* ]]; then abi="2-level"
else abi="FIFO-based"; fi
if grep -q "xen:events: Using $abi ABI" <<< "$console"; then
    echo "PASS: system/dom0-event-abi"
    echo "    $abi"
elif [ "$up" = none ]; then
    echo "FAIL: system/dom0-event-abi (dom0 userspace not reached)"
else
    echo "FAIL: system/dom0-event-abi (no 'xen:events: Using $abi ABI')"
    grep "xen:events" <<< "$console" | head -3 | sed 's/^/    /'
fi

if ! grep -q "XENIA-DOM0: workload done" <<< "$console"; then
    echo "FAIL: system/poweroff-exit-0 (workload did not finish; $how)"
    [ "$up" = none ] || tail_of
elif [ "$status" != 0 ]; then
    echo "FAIL: system/poweroff-exit-0 (workload done, then $how)"; tail_of
else
    echo "PASS: system/poweroff-exit-0"
fi
grep -Eo "XENIA-TIME .*" <<< "$console" | sed 's/^/    /'
echo "system: $((SECONDS - start))s on $hv"
