#!/usr/bin/env bash
# tests/system/devices.sh: dom0 drives real (QEMU) devices. Boots $XENIA_HV
# (default build/xenia) with Debian's dom0 kernel and an initramfs carrying
# the virtio and e1000 drivers, a 64 MiB virtio-blk disk and an e1000 NIC on
# QEMU's user network (restricted: nothing leaves QEMU, nothing is sent),
# and a second 64 MiB disk on an AHCI controller.
# With xenia.devices=1 the dom0 /init (scripts/dom0-init.sh) checks:
#   system/devices-swiotlb            swiotlb-xen got machine-contiguous
#                                     buffers (XENMEM_exchange)
#   system/devices-disk-io            16 MiB written to /dev/vda and read
#                                     back with O_DIRECT, checksums equal
#   system/devices-disk-interrupts    the disk's interrupt count grew
#   system/devices-ahci-io, -ahci-interrupts   the same on /dev/sda (AHCI)
#   system/devices-disk-msix, -ahci-msi        virtio got MSI-X, AHCI MSI
#   system/devices-nic-link           eth0's carrier comes up
#   system/devices-nic-interrupts     the NIC's interrupt count grew
#   system/devices-power-button       QEMU's system_powerdown (the monitor)
#                                     raises ACPI's SCI in dom0
#   system/devices-poweroff-exit-0    then dom0 powers off: QEMU exits 0
# The reference: XENIA_HV=build/debian/xen-4.17 bash tests/system/devices.sh
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
hv=${XENIA_HV:-build/xenia}
checks=(swiotlb disk-io disk-interrupts ahci-io ahci-interrupts disk-msix ahci-msi nic-link
        nic-interrupts power-button)
all=("${checks[@]}" poweroff-exit-0)
fail_all() { for n in "${all[@]}"; do echo "FAIL: system/devices-$n ($1)"; done; exit 0; }
[ -e "$hv" ] || fail_all "no hypervisor $hv"
mkdir -p build/system
initrd=build/dom0-devices-initrd.cpio
XENIA_INITRD_OUT=$initrd \
XENIA_INITRD_MODULES="button virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk e1000
    scsi_common scsi_mod libata libahci ahci crct10dif_common crct10dif_generic crc-t10dif crc64
    crc64_rocksoft_generic crc64-rocksoft t10-pi sd_mod" \
    bash scripts/mkinitramfs.sh > build/system/devices-initrd.log 2>&1 ||
    fail_all "scripts/mkinitramfs.sh failed, see build/system/devices-initrd.log"
disk=build/system/devices-disk.img ahci=build/system/devices-ahci.img
rm -f "$disk" "$ahci"; truncate -s 64M "$disk" "$ahci"
log=build/system/devices-$(basename "$hv").log
mon=build/system/devices-$(basename "$hv").sock
rm -f "$mon"
start=$SECONDS
XENIA_QEMU_MONITOR=$mon timeout "${XENIA_RUN_TIMEOUT:-300}" bash scripts/qemu.sh "$hv" \
    "console=com1 dom0_mem=512M noreboot watchdog watchdog_timeout=10" \
    "build/debian/vmlinuz console=hvc0 xenia.devices=1,$initrd" \
    -drive "file=$disk,if=virtio,format=raw,cache=unsafe" \
    -device ahci,id=ahci -drive "if=none,id=d1,file=$ahci,format=raw,cache=unsafe" \
    -device ide-hd,drive=d1,bus=ahci.0 \
    -netdev user,id=n0,restrict=on -device e1000,netdev=n0 > "$log" 2>&1 < /dev/null &
qemu=$!
# Press the power button when dom0 asks for it (once).
pressed=
while kill -0 "$qemu" 2>/dev/null; do
    if [ -z "$pressed" ] && grep -aq "XENIA-DOM0: press the power button" "$log"; then
        printf 'system_powerdown\n' | socat -t 2 - "UNIX-CONNECT:$mon" > /dev/null 2>&1
        pressed=1
    fi
    sleep 0.5
done
status=0; wait "$qemu" || status=$?
rm -f "$mon"
console=$(tr -cd '\11\12\40-\176' < "$log")
tail_of() { grep -v '^$' <<< "$console" | tail -n 15 | sed 's/^/    /'; }
for n in "${checks[@]}"; do
    line=$(grep -m1 "XENIA-CHECK devices-$n " <<< "$console")
    if [ -z "$line" ]; then
        echo "FAIL: system/devices-$n (no result; QEMU status $status)"; tail_of
    elif [[ $line == *" PASS"* ]]; then
        echo "PASS: system/devices-$n"; echo "    ${line#*PASS }"
    else
        echo "FAIL: system/devices-$n (${line#*FAIL })"; tail_of
    fi
done
if grep -q "XENIA-DOM0: devices done" <<< "$console" && [ "$status" = 0 ]; then
    echo "PASS: system/devices-poweroff-exit-0"
else
    echo "FAIL: system/devices-poweroff-exit-0 (QEMU status $status)"; tail_of
fi
grep -Eo "XENIA-TIME .*" <<< "$console" | sed 's/^/    /'
echo "devices: $((SECONDS - start))s on $hv, console in $log"
