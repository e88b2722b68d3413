#!/usr/bin/env bash
# qemu.sh HYPERVISOR "HV ARGS" "MODULE ARGS[,MODULE ARGS...]" [extra qemu args...]
# Boots a multiboot hypervisor the way ../shared/REFERENCE.md describes
# (TCG, qemu64+svm, 2 CPUs, 1 GiB), serial on stdio. QEMU's exit status is
# the machine's: 0 after ACPI power-off, (code << 1) | 1 via isa-debug-exit.
# XENIA_QEMU_ACCEL: the -accel value. Default tcg (one host thread per CPU),
# but tcg,thread=single (every CPU on one thread) when XENIA_QEMU_CPU has
# +npt, i.e. on the machines that run HVM (PVH) guests: QEMU's multi-threaded
# TCG (7.2 and 10.0 alike) has a data race there. FXRSTOR, XRSTOR, FRSTOR and
# FLDENV on any CPU end in cpu_set_fpus() -> cpu_clear_ignne(), a plain
# read-modify-write of the *first* CPU's env->hflags2 from that CPU's thread.
# When it straddles CPU 0's own #VMEXIT (or VMRUN) it writes back a stale
# HF2_NPT_MASK: CPU 0 then walks the host's page tables through the guest's
# nested ones (a host triple fault at the instruction after VMRUN), or the
# guest's without them (the guest triple-faults). One thread cannot race.
# XENIA_QEMU_ARGS: more QEMU arguments, e.g. "-d cpu_reset -D reset.log
# -action reboot=reset" to see the registers of a triple fault (-no-reboot
# alone turns it into exit 0 with no reset to log; with reboot=reset the
# machine boots again: stop it once the log says "Triple fault").
set -euo pipefail
hv=$1; hvargs=$2; mods=$3; shift 3
monitor=none
[ -z "${XENIA_QEMU_MONITOR:-}" ] || monitor="unix:$XENIA_QEMU_MONITOR,server,nowait"
cpu=${XENIA_QEMU_CPU:-qemu64,+svm}
case ,$cpu, in
*,+npt,*) accel=${XENIA_QEMU_ACCEL:-tcg,thread=single} ;;
*) accel=${XENIA_QEMU_ACCEL:-tcg} ;;
esac
exec qemu-system-x86_64 -accel "$accel" -cpu "$cpu" \
    -smp "${XENIA_QEMU_SMP:-2}" -m "${XENIA_QEMU_MEM:-1024}" \
    -nographic -no-reboot -serial stdio \
    -monitor "$monitor" \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    -kernel "$hv" -append "$hvargs" -initrd "$mods" ${XENIA_QEMU_ARGS:-} "$@"
