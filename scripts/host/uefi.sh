#!/usr/bin/env bash
# uefi.sh: sourced by the host scripts. uefi_qemu_args VARS: set the array
# uefi_args to QEMU's options for UEFI firmware: Debian's OVMF (package ovmf,
# installed with apt-get when missing), its code read-only and VARS a fresh
# copy of its empty variable store (no boot entries: the firmware falls back
# to the disk's EFI/BOOT/BOOTX64.EFI). The non-secure-boot 4 MiB build runs on
# QEMU's default i440FX machine.
uefi_qemu_args() { # uefi_qemu_args VARS-COPY
    local dir=/usr/share/OVMF
    if [ ! -e "$dir/OVMF_CODE_4M.fd" ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ovmf >/dev/null
    fi
    cp "$dir/OVMF_VARS_4M.fd" "$1"
    uefi_args=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=$dir/OVMF_CODE_4M.fd"
               -drive "if=pflash,format=raw,unit=1,file=$1")
}
