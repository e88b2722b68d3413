#!/usr/bin/env bash
# dom0-workload.sh HYPERVISOR LOG: boot HYPERVISOR + Debian's kernel + the
# dom0 initramfs with the workload (xenia.test=1) once, console into LOG.
# Shared by tests/system/run.sh and scripts/bench.sh so both boot the very
# same thing. Prints one line on stdout:
#     exit=STATUS userspace=SECONDS|none wall=SECONDS
# STATUS is QEMU's exit status (124: timed out, "killed": ended by us);
# userspace is wall time from QEMU's start to "XENIA-DOM0: userspace up",
# wall the time until QEMU ended.
#   XENIA_BOOT_TIMEOUT   seconds to reach userspace (default 150)
#   XENIA_RUN_TIMEOUT    seconds for the whole run  (default 300)
#   XENIA_INITRD         the initramfs (default build/dom0-initrd.cpio)
#   XENIA_DOM0_ARGS      extra dom0 kernel arguments
#   XENIA_HV_ARGS        extra hypervisor arguments (the tests add the watchdog)
# Assumes build/debian (scripts/fetch-debian.sh) and the initramfs exist.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
hv=$1; log=$2
boot_timeout=${XENIA_BOOT_TIMEOUT:-150}
run_timeout=${XENIA_RUN_TIMEOUT:-300}
initrd=${XENIA_INITRD:-build/dom0-initrd.cpio}
# noreboot: a crash must not look like a clean stop (-no-reboot makes a
# reboot end QEMU with 0, like a power-off).
hvargs="console=com1 dom0_mem=512M noreboot ${XENIA_HV_ARGS:-}"
dom0="build/debian/vmlinuz console=hvc0 earlyprintk=xen xenia.test=1 ${XENIA_DOM0_ARGS:-}"
marker="XENIA-DOM0: userspace up"

: > "$log"
start=$EPOCHREALTIME
timeout "$run_timeout" bash scripts/qemu.sh "$hv" "$hvargs" "$dom0,$initrd" \
    > "$log" 2>&1 < /dev/null &
pid=$!
# Poll the console (0.1 s resolution is plenty for boots of 10+ s); give
# up early when userspace does not come, so a hang costs boot_timeout only.
up=none; killed=
while kill -0 "$pid" 2>/dev/null; do
    if [ "$up" = none ]; then
        now=$EPOCHREALTIME
        if grep -aq "$marker" "$log"; then
            up=$(awk -v a="$start" -v b="$now" 'BEGIN { printf "%.1f", b - a }')
        elif awk -v a="$start" -v b="$now" -v t="$boot_timeout" 'BEGIN { exit !(b - a > t) }'; then
            killed=1; kill "$pid" 2>/dev/null || true
        fi
    fi
    sleep 0.1
done
status=0; wait "$pid" || status=$?
[ -z "$killed" ] || status=killed
wall=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
echo "exit=$status userspace=$up wall=$wall"
