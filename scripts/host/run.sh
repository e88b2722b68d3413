#!/usr/bin/env bash
# run.sh (make run): boot the Debian 12 Xen host on Xenia, interactively.
# The disk is build/host/run-xenia.img (made from the cached base by
# scripts/host/mkimage.sh the first time, and again when that base changes;
# later runs keep its contents and upgrade the xenia-hypervisor package in it,
# as apt would). BIOS (or UEFI) -> GRUB ->
# Xenia -> Debian's dom0 with systemd; the serial console is this terminal:
# log in as root (no password), `xl list`, `xl create -c /etc/xen/xenia-busybox.cfg`.
# `systemctl poweroff` ends QEMU; Ctrl-C ends it at once; Ctrl-A three times
# switches the console between dom0 and the hypervisor (debug keys), as on Xen.
#   XENIA_HV=build/debian/xen-4.17    boot Debian's real Xen 4.17 instead
#   XENIA_HOST_DISK=virtio|ahci       the root disk's controller (virtio)
#   XENIA_HOST_NIC=e1000|virtio       the NIC model (e1000)
#   XENIA_HOST_SSH_PORT=2222          ssh -p 2222 -i /var/cache/xenia/host-ssh-key root@127.0.0.1
#   XENIA_HOST_FRESH=1                start again from the base image
#   XENIA_HOST_FIRMWARE=bios|uefi     BIOS -> GRUB in the MBR (bios, the default),
#                                     or Debian's OVMF -> grub-efi-amd64 on a GPT
#                                     disk's EFI system partition (uefi; its own
#                                     image, build/host/run-VARIANT-efi.img)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
. scripts/host/uefi.sh
variant=xenia
case "${XENIA_HV:-}" in *xen-4.17*) variant=xen ;; esac
fw=()
case "${XENIA_HOST_FIRMWARE:-bios}" in
    bios) img=build/host/run-$variant.img; efi=() ;;
    uefi) img=build/host/run-$variant-efi.img; efi=(--efi) ;;
    *) echo "run: XENIA_HOST_FIRMWARE is bios or uefi" >&2; exit 2 ;;
esac
mkdir -p build/host
[ -z "${XENIA_HOST_FRESH:-}" ] || rm -f "$img"
bash scripts/host/mkimage.sh "${efi[@]}" "$variant" "$img"
if [ ${#efi[@]} -gt 0 ]; then
    uefi_qemu_args "build/host/run-OVMF_VARS-$variant.fd"
    fw=("${uefi_args[@]}")
fi
case "${XENIA_HOST_DISK:-virtio}" in
    virtio) disk=(-drive "file=$img,if=virtio,format=raw") ;;
    ahci) disk=(-device ahci,id=ahci -drive "if=none,id=d0,file=$img,format=raw" -device ide-hd,drive=d0,bus=ahci.0) ;;
    *) echo "run: XENIA_HOST_DISK is virtio or ahci" >&2; exit 2 ;;
esac
case "${XENIA_HOST_NIC:-e1000}" in
    e1000) nic=e1000 ;; virtio) nic=virtio-net-pci ;;
    *) echo "run: XENIA_HOST_NIC is e1000 or virtio" >&2; exit 2 ;;
esac
port=${XENIA_HOST_SSH_PORT:-2222}
echo "run: booting $img ($variant); root has no password on the console;"
echo "run: ssh -p $port -i ${XENIA_CACHE:-/var/cache/xenia}/host-ssh-key root@127.0.0.1; Ctrl-C ends QEMU"
exec qemu-system-x86_64 -accel tcg -cpu qemu64,+svm -smp 2 -m 2048 "${fw[@]}" \
    -nographic -serial stdio -monitor none "${disk[@]}" \
    -netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$port-:22" -device "$nic,netdev=n0"
