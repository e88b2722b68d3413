#!/usr/bin/env bash
# tests/system/host-uefi.sh: the Debian 12 Xen host of tests/system/host.sh,
# booted through UEFI instead of BIOS. scripts/host/mkimage.sh --efi builds
# the GPT image (EFI system partition with grub-efi-amd64 at the removable
# path EFI/BOOT/BOOTX64.EFI, base cached outside the clone) with the
# hypervisor installed from its Debian package: Xenia's (`make deb`), or
# Debian's xen-hypervisor-4.17-amd64 when XENIA_HV=build/debian/xen-4.17 (the
# reference). QEMU runs Debian's OVMF (scripts/host/uefi.sh: a fresh copy of
# its variable store, so no NVRAM entry) -> BOOTX64.EFI -> the `multiboot2`
# entry Debian's 20_linux_xen wrote -> the hypervisor -> Debian's dom0 with
# systemd; root on a disk of an AHCI controller, a virtio-net NIC with ssh
# forwarded from 127.0.0.1 only: the device models tests/system/host.sh
# (virtio-blk, e1000) does not take, so the two cover both disk and both NIC
# models. Checks, over ssh with the image's test key:
#   system/host-uefi-ssh              sshd answers through the forward
#   system/host-uefi-running          systemctl is-system-running: running
#   system/host-uefi-firmware         dom0 sees an EFI boot (/sys/firmware/efi,
#                                     its kernel log's "efi: EFI v...") and the
#                                     firmware's ACPI tables (FACP, APIC, DSDT
#                                     under /sys/firmware/acpi/tables)
#   system/host-uefi-xl-info          xl info: Xen 4.17 interface, free memory
#   system/host-uefi-root-on-ahci     dom0's root is on /dev/sda (sd) of the
#                                     AHCI controller (PCI driver ahci)
#   system/host-uefi-nic-virtio-net   the NIC ssh comes in on is virtio-net
#                                     (virtio_net on virtio-pci)
#   system/host-uefi-disk-interrupts  the AHCI controller's interrupt count
#                                     grows (32 MiB O_DIRECT read of /dev/sda)
#   system/host-uefi-nic-interrupts   the virtio-net NIC's interrupt count
#                                     grows (4 MB sent into dom0 over ssh)
#   system/host-uefi-reboot-persists  a file written before `systemctl reboot`
#                                     is there after OVMF and GRUB boot again
#   system/host-uefi-poweroff-exit-0  systemctl poweroff ends QEMU with 0
# Two boots; XENIA_HOST_BOOT_TIMEOUT (1200 s) bounds each wait (TCG on a
# loaded machine: a boot takes minutes).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
. scripts/host/uefi.sh
hv=${XENIA_HV:-build/xenia}
variant=xenia
case "$hv" in *xen-4.17*) variant=xen ;; esac
checks=(ssh running firmware xl-info root-on-ahci nic-virtio-net disk-interrupts nic-interrupts
        reboot-persists poweroff-exit-0)
prefix=system/host-uefi
. scripts/host/lib.sh
mkdir -p build/host
img=build/host/$variant-efi.img
if ! bash scripts/host/mkimage.sh --efi "$variant" "$img" > build/host/mkimage-$variant-efi.log 2>&1; then
    tail -n 20 build/host/mkimage-$variant-efi.log | sed 's/^/    /'
    report "scripts/host/mkimage.sh --efi failed, see build/host/mkimage-$variant-efi.log"
fi
key=${XENIA_CACHE:-/var/cache/xenia}/host-ssh-key
port=$(free_port)
log=build/host/console-$variant-efi.log
boot_timeout=${XENIA_HOST_BOOT_TIMEOUT:-1200}
uefi_qemu_args "build/host/OVMF_VARS-$variant.fd"

timeout $((boot_timeout * 3)) qemu-system-x86_64 -accel tcg -cpu qemu64,+svm -smp 2 -m 2048 \
    "${uefi_args[@]}" -display none -serial "file:$log" -monitor none \
    -device ahci,id=ahci -drive "if=none,id=d0,file=$img,format=raw,cache=unsafe" -device ide-hd,drive=d0,bus=ahci.0,bootindex=0 \
    -netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$port-:22" -device virtio-net-pci,netdev=n0 \
    < /dev/null > build/host/qemu-$variant-efi.log 2>&1 &
qemu=$!

start=$SECONDS
wait_ssh || { kill "$qemu" 2>/dev/null; report "no ssh within ${boot_timeout}s of QEMU start"; }
pass ssh "ssh after $((SECONDS - start)) s"

check_running running

fw=$(on_host 'test -d /sys/firmware/efi && echo efi-dir; dmesg | grep -m1 -o "efi: EFI v[0-9.]*"; for t in FACP APIC DSDT; do test -e /sys/firmware/acpi/tables/$t && echo $t; done' 2>&1 | tr '\n' ' ')
if [[ $fw == "efi-dir efi: EFI v"*" FACP APIC DSDT " ]]; then pass firmware "$fw"
else fail firmware "got: $fw"; fi

check_xl_info xl-info

probe_io
if [ "${io[disk]:-}" = sda ] && [ "${io[disk_drv]:-}" = sd ] && [ "${io[disk_ctrl]:-}" = ahci ]; then
    pass root-on-ahci "/dev/sda on ${io[disk_pci]}, PCI driver ahci"
else fail root-on-ahci "root disk ${io[disk]:-?} (driver ${io[disk_drv]:-?}) on ${io[disk_pci]:-?} (PCI driver ${io[disk_ctrl]:-?})"; fi
if [ "${io[nic_drv]:-}" = virtio_net ] && [ "${io[nic_ctrl]:-}" = virtio-pci ]; then
    pass nic-virtio-net "${io[nic]} on ${io[nic_pci]}, virtio_net"
else fail nic-virtio-net "NIC ${io[nic]:-?} (driver ${io[nic_drv]:-?}) on ${io[nic_pci]:-?} (PCI driver ${io[nic_ctrl]:-?})"; fi
check_io_interrupts disk-interrupts nic-interrupts

check_reboot_persists reboot-persists
check_poweroff poweroff-exit-0
report_end
