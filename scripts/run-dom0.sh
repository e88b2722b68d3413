#!/usr/bin/env bash
# run-dom0.sh (make run): boot Xenia + Debian's Linux as dom0 in QEMU,
# serial console on this terminal; dom0 ends in a busybox shell on hvc0
# ('poweroff' in it powers dom0 off and ends QEMU; Ctrl-C ends QEMU at once:
# scripts/qemu.sh's plain -serial stdio keeps the terminal's signals).
#   XENIA_HV=build/debian/xen-4.17   boot Debian's real Xen 4.17 instead
#   XENIA_HV_ARGS="..."              extra hypervisor arguments
#   XENIA_DOM0_ARGS="..."            extra dom0 kernel arguments
#                                    (xenia.test=1: run the system test's
#                                    workload, then power off)
#   XENIA_INITRD_MODULES="..."       kernel modules to put in the initramfs
#                                    and load at boot (scripts/mkinitramfs.sh)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
hv=${XENIA_HV:-build/xenia}
[ -e build/debian/vmlinuz ] && [ -e build/debian/busybox ] || bash scripts/fetch-debian.sh
[ -e "$hv" ] || make -s all
bash scripts/mkinitramfs.sh
echo "run-dom0: booting $hv + dom0; 'poweroff' in the shell or Ctrl-C ends QEMU"
exec bash scripts/qemu.sh "$hv" "console=com1 dom0_mem=512M ${XENIA_HV_ARGS:-}" \
    "build/debian/vmlinuz console=hvc0 earlyprintk=xen ${XENIA_DOM0_ARGS:-},build/dom0-initrd.cpio"
