#!/usr/bin/env bash
# qemu.sh HYPERVISOR "HV ARGS" "MODULE ARGS[,MODULE ARGS...]" [extra qemu args...]
# Boots a multiboot hypervisor the way ../shared/REFERENCE.md describes
# (TCG, qemu64+svm, 2 CPUs, 1 GiB), serial on stdio. QEMU's exit status is
# the machine's: 0 after ACPI power-off, (code << 1) | 1 via isa-debug-exit.
# XENIA_QEMU_ACCEL: the -accel value (default tcg: one host thread per
# CPU); tcg,thread=single runs every CPU on one thread. Two QEMU TCG bugs
# (7.2 and 10.0 alike) touch HVM guests here:
#  - multi-threaded: FXRSTOR, XRSTOR, FRSTOR and FLDENV on any CPU end in
#    cpu_set_fpus() -> cpu_clear_ignne(), a plain read-modify-write of the
#    *first* CPU's env->hflags2 from that CPU's thread. When it straddles
#    CPU 0's own #VMEXIT or VMRUN it writes back a stale HF2_NPT_MASK: CPU 0
#    then walks the host's page tables through the guest's nested ones (a
#    host triple fault at the instruction after VMRUN) or the guest's
#    without them (the guest triple-faults). Harmless while no HVM vCPU runs
#    on CPU 0: tests/system/toolstack-pvh.sh pins its PVH domUs to CPU 1.
#  - single-threaded: helper_vmrun() injects an EVENTINJ interrupt but
#    leaves exception_index set to its vector; the round-robin kick then
#    delivers that vector a second time, whatever the guest's IF (a PVH
#    domU panics in its entry code). So thread=single is no cure.
# XENIA_QEMU_ARGS: more QEMU arguments, e.g. "-d cpu_reset -D reset.log
# -action reboot=reset" to see the registers of a triple fault (-no-reboot
# alone turns it into exit 0 with no reset to log; with reboot=reset the
# machine boots again: stop it once the log says "Triple fault").
set -euo pipefail
hv=$1; hvargs=$2; mods=$3; shift 3
monitor=none
[ -z "${XENIA_QEMU_MONITOR:-}" ] || monitor="unix:$XENIA_QEMU_MONITOR,server,nowait"
exec qemu-system-x86_64 -accel "${XENIA_QEMU_ACCEL:-tcg}" -cpu "${XENIA_QEMU_CPU:-qemu64,+svm}" \
    -smp "${XENIA_QEMU_SMP:-2}" -m "${XENIA_QEMU_MEM:-1024}" \
    -nographic -no-reboot -serial stdio \
    -monitor "$monitor" \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    -kernel "$hv" -append "$hvargs" -initrd "$mods" ${XENIA_QEMU_ARGS:-} "$@"
