#!/usr/bin/env bash
# tests/system/watchdog.sh: a hang explains itself. Boots build/xenia with
# `watchdog watchdog_timeout=2 watchdog_selftest` (CPU 1 spins with
# interrupts off once booted) and Debian's dom0, and checks that the
# watchdog names the stuck CPU, prints a symbolised call trace with the
# spinning function, has the other CPU print its state too, and ends QEMU
# with a failure status. Verdicts:
#   system/watchdog-detects-stuck-cpu   system/watchdog-call-trace
#   system/watchdog-dumps-other-cpus    system/watchdog-panic-exit
#   system/watchdog-report-while-console-busy
# (Xenia only: the self-test option is Xenia's.)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
hv=${XENIA_HV:-build/xenia}
checks=(detects-stuck-cpu call-trace dumps-other-cpus panic-exit report-while-console-busy)
fail_all() { for n in "${checks[@]}"; do echo "FAIL: system/watchdog-$n ($1)"; done; exit 0; }
[ -e "$hv" ] || fail_all "no hypervisor $hv"
[ -e build/dom0-initrd.cpio ] || bash scripts/mkinitramfs.sh > /dev/null 2>&1 ||
    fail_all "scripts/mkinitramfs.sh failed"
mkdir -p build/system
log=build/system/watchdog.log
start=$SECONDS
timeout 180 bash scripts/qemu.sh "$hv" \
    "console=com1 dom0_mem=512M noreboot watchdog watchdog_timeout=2 watchdog_selftest" \
    "build/debian/vmlinuz console=hvc0,build/dom0-initrd.cpio" > "$log" 2>&1 < /dev/null
status=$?
console=$(tr -cd '\11\12\40-\176' < "$log" | grep '^(XEN)')
tail_of() { tail -n 15 <<< "$console" | sed 's/^/    /'; }
verdict() { # verdict NAME OK DETAIL
    if [ "$2" = 0 ]; then echo "PASS: system/watchdog-$1"; else echo "FAIL: system/watchdog-$1 ($3)"; tail_of; fi
}
grep -q 'Watchdog timer detects that CPU1 is stuck!' <<< "$console"
verdict detects-stuck-cpu $? "no 'CPU1 is stuck' report (QEMU status $status)"
# The stuck CPU's trace names the spinning function, symbolised.
trace=$(sed -n '/\*\*\* CPU1 state:/,/\*\*\* CPU0 state:\|Panic/p' <<< "$console")
grep -Eq '\[<ffff82d0[0-9a-f]{8}>\] watchdog_selftest_spin\+0x[0-9a-f]+/0x[0-9a-f]+' <<< "$trace"
verdict call-trace $? "CPU1's call trace does not name watchdog_selftest_spin"
grep -q '\*\*\* CPU0 state:' <<< "$console" && grep -A1 '\*\*\* CPU0 state:' <<< "$console" | grep -q 'CPU:    0'
verdict dumps-other-cpus $? "CPU0 did not print its state"
[ "$status" != 0 ] && [ "$status" != 124 ] && grep -q 'Panic on CPU 1' <<< "$console"
verdict panic-exit $? "QEMU status $status (want a failure exit after 'Panic on CPU 1', not 0 or a timeout)"

# Again with CPU 0 printing long lines without end (watchdog_selftest_console):
# the report must take the console from a CPU that holds its lock, come out
# whole, and end QEMU. (A ticket lock reset under its holder can leave the
# reporter waiting on a ticket that never came: no report, a timeout.)
busy_log=build/system/watchdog-busy-console.log
timeout 180 bash scripts/qemu.sh "$hv" \
    "console=com1 dom0_mem=512M noreboot watchdog watchdog_timeout=2 watchdog_selftest watchdog_selftest_console" \
    "build/debian/vmlinuz console=hvc0,build/dom0-initrd.cpio" > "$busy_log" 2>&1 < /dev/null
status=$?
raw=$(tr -cd '\11\12\40-\176' < "$busy_log")
console=$(grep '^(XEN)' <<< "$raw")
report=$(sed -n '/^(XEN) Watchdog timer detects that CPU1 is stuck!$/,$p' <<< "$raw")
printing=$(grep -c 'holds the console' <<< "$raw")
after=$(grep -c 'holds the console' <<< "$report")
[ "$status" != 0 ] && [ "$status" != 124 ] && [ "$printing" -gt 0 ] && [ "$after" = 0 ] &&
    grep -Eq 'watchdog_selftest_spin\+0x' <<< "$report" && grep -q 'Panic on CPU 1' <<< "$report"
verdict report-while-console-busy $? \
    "QEMU status $status, CPU0 lines $printing before the report and $after inside it (want a whole report naming watchdog_selftest_spin, then 'Panic on CPU 1')"
echo "watchdog: $((SECONDS - start))s on $hv"
