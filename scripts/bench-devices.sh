#!/usr/bin/env bash
# bench-devices.sh: dom0 disk throughput on Xenia and on Debian's Xen 4.17,
# runs interleaved like scripts/bench.sh: the devices machine of
# tests/system/devices.sh (virtio-blk and AHCI disks, 300 MiB each) with
# xenia.devices.bench=1: 256 MiB sequential O_DIRECT write and read per
# disk (1 MiB requests). Prints median MiB/s and the ratio Xenia/Xen
# (higher is better for Xenia). Consoles: build/bench/devices-NAME-RUN.log.
#   XENIA_BENCH_RUNS=3  XENIA_HV=build/xenia  XENIA_REF_HV=build/debian/xen-4.17
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. scripts/bench-lib.sh
runs=${XENIA_BENCH_RUNS:-3}
bench_prelude
initrd=build/dom0-devices-initrd.cpio
XENIA_INITRD_OUT=$initrd \
XENIA_INITRD_MODULES="button virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk e1000
    scsi_common scsi_mod libata libahci ahci crct10dif_common crct10dif_generic crc-t10dif crc64
    crc64_rocksoft_generic crc64-rocksoft t10-pi sd_mod" bash scripts/mkinitramfs.sh > /dev/null

metrics=(vda-256MiB-write-direct vda-256MiB-read-direct sda-256MiB-write-direct sda-256MiB-read-direct)
declare -A names=([vda-256MiB-write-direct]="virtio-blk write (MiB/s)"
    [vda-256MiB-read-direct]="virtio-blk read (MiB/s)"
    [sda-256MiB-write-direct]="AHCI write (MiB/s)" [sda-256MiB-read-direct]="AHCI read (MiB/s)")
declare -A vals=() dead=()
for ((r = 1; r <= runs; r++)); do
    for h in $(run_order "$r"); do
        [ -z "${dead[$h]:-}" ] || continue
        hv=${hvs[$h]}; log=build/bench/devices-$(basename "$hv")-$r.log
        disk=build/bench/devices-vda.img ahci=build/bench/devices-sda.img
        rm -f "$disk" "$ahci"; truncate -s 300M "$disk" "$ahci"
        status=0
        timeout 600 bash scripts/qemu.sh "$hv" "console=com1 dom0_mem=512M noreboot" \
            "build/debian/vmlinuz console=hvc0 xenia.devices.bench=1,$initrd" \
            -drive "file=$disk,if=virtio,format=raw,cache=unsafe" \
            -device ahci,id=ahci -drive "if=none,id=d1,file=$ahci,format=raw,cache=unsafe" \
            -device ide-hd,drive=d1,bus=ahci.0 > "$log" 2>&1 < /dev/null || status=$?
        console=$(tr -cd '\11\12\40-\176' < "$log")
        echo "bench-devices: ${labels[$h]} run $r: exit=$status"
        if ! grep -q 'XENIA-DOM0: devices bench done' <<< "$console"; then
            dead[$h]="no result (QEMU status $status; $log)"
            continue
        fi
        while read -r _ name secs; do
            vals[$h,$name]+=" $(awk -v s="$secs" 'BEGIN { printf "%.1f", (s > 0 ? 256 / s : 0) }')"
        done < <(grep -Eo 'XENIA-TIME [^ ]+ [0-9.]+' <<< "$console")
    done
done
rm -f build/bench/devices-vda.img build/bench/devices-sda.img

ratio_table "dom0 disks (median MiB/s)" "devices benchmark"
