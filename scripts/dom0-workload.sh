#!/usr/bin/env bash
# dom0-workload.sh HYPERVISOR LOG: boot HYPERVISOR + Debian's kernel + the
# dom0 initramfs with the workload (xenia.test=1) once, console into LOG.
# Shared by tests/system/run.sh and scripts/bench.sh so both boot the very
# same thing. Prints one line on stdout:
#     exit=STATUS userspace=SECONDS|none wall=SECONDS
# STATUS is QEMU's exit status (124: timed out, "killed": no userspace in
# time; both first dump the machine's state into LOG, see dump_and_kill);
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
# QEMU's serial input is a FIFO we hold open and its monitor a socket beside
# the log, so that a hang can be asked what it is doing before it is killed.
fifo=$log.serial-in; mon=$log.monitor
rm -f "$fifo" "$mon"; mkfifo "$fifo"
exec 3<>"$fifo"
start=$EPOCHREALTIME
# (timeout: a backstop should this script itself die; the loop below kills
# first. Appending: dump_and_kill's own line must not be overwritten.)
XENIA_QEMU_MONITOR=$mon timeout $((run_timeout + 120)) bash scripts/qemu.sh "$hv" "$hvargs" \
    "$dom0,$initrd" >> "$log" 2>&1 <&3 &
pid=$!

# A hang explains itself: the hypervisor's debug keys on the serial console
# (Ctrl-A three times switches input to it; Xen 4.17 and Xenia alike: d =
# every CPU's registers and stack, q = domains and vCPUs, e = event
# channels, r = run queues), then every CPU's registers as QEMU sees them
# and the 16 bytes of memory before and at its RIP, through its own page
# tables (LOG.registers: a CPU trapping on an INT3 that memory no longer
# holds is QEMU's stale code, one whose memory still holds it is waiting
# for the patching CPU), then QEMU is killed.
dump_and_kill() {
    echo "XENIA-HANG: $1: debug keys d q e r, QEMU's registers in $log.registers" >> "$log"
    printf '\001\001\001' >&3; sleep 1
    for key in d q e r; do printf '%s' "$key" >&3; sleep 2; done
    { printf 'info registers -a\n'
      for ((c = 0; c < ${XENIA_QEMU_SMP:-2}; c++)); do printf 'cpu %d\nx/16xb $pc-8\n' "$c"; done
    } | timeout 20 socat - "UNIX-CONNECT:$mon" > "$log.registers" 2>&1 || true
    kill "$pid" 2>/dev/null || true
}

# Poll the console (0.1 s resolution is plenty for boots of 10+ s); give
# up early when userspace does not come, so a hang costs boot_timeout only.
up=none; killed=; timed_out=
elapsed() { awk -v a="$start" -v b="$EPOCHREALTIME" -v t="$1" 'BEGIN { exit !(b - a > t) }'; }
while kill -0 "$pid" 2>/dev/null; do
    if [ "$up" = none ] && [ -z "$killed" ]; then
        now=$EPOCHREALTIME
        if grep -aq "$marker" "$log"; then
            up=$(awk -v a="$start" -v b="$now" 'BEGIN { printf "%.1f", b - a }')
        elif elapsed "$boot_timeout"; then
            killed=1; dump_and_kill "no userspace after ${boot_timeout}s"
        fi
    fi
    if [ -z "$killed$timed_out" ] && elapsed "$run_timeout"; then
        timed_out=1; dump_and_kill "still running after ${run_timeout}s"
    fi
    sleep 0.1
done
status=0; wait "$pid" || status=$?
exec 3>&-
rm -f "$fifo" "$mon"
[ -z "$timed_out" ] || status=124
[ -z "$killed" ] || status=killed
wall=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
echo "exit=$status userspace=$up wall=$wall"
