#!/usr/bin/env bash
# tests/system/host.sh: a real Debian 12 Xen host on a disk, booted by GRUB.
# scripts/host/mkimage.sh builds the image (the base is cached outside the
# clone) with the hypervisor installed from its Debian package: Xenia's
# (`make deb`), or Debian's xen-hypervisor-4.17-amd64 when
# XENIA_HV=build/debian/xen-4.17 (the reference). QEMU boots it from the disk
# (BIOS -> GRUB's MBR -> the entry Debian's 20_linux_xen wrote -> the
# hypervisor -> Debian's kernel and initramfs -> systemd), root on virtio-blk,
# an e1000 NIC on QEMU's restricted user network with ssh forwarded from
# 127.0.0.1 only (tests/system/host-uefi.sh takes the other models: AHCI and
# virtio-net). Checks, over ssh with the image's test key:
#   system/host-ssh                  sshd answers through the forward
#   system/host-running              systemctl is-system-running: running
#   system/host-console-login        the serial console offers a login (hvc0)
#   system/host-xen-services         Debian's xen.service active; xenstored
#                                    and xenconsoled running
#   system/host-xl-list              xl list shows Domain-0
#   system/host-xl-info              xl info: Xen 4.17 interface, free memory
#   system/host-disk-interrupts      the root disk's interrupt count grows
#                                    (32 MiB O_DIRECT read of /dev/vda)
#   system/host-nic-interrupts       the e1000's interrupt count grows (4 MB
#                                    sent into dom0 over ssh)
#   system/host-domu-console         xl create -c /etc/xen/xenia-busybox.cfg:
#                                    the shipped guest's console line arrives
#   system/host-reboot-persists      a file written before `systemctl reboot`
#                                    is there after GRUB boots the host again
#   system/host-poweroff-exit-0      systemctl poweroff ends QEMU with 0
# Times bound hangs only (TCG on a loaded 2-core machine is slow: a boot takes
# 2-5 minutes): XENIA_HOST_BOOT_TIMEOUT (1200 s) per boot.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
hv=${XENIA_HV:-build/xenia}
variant=xenia
case "$hv" in *xen-4.17*) variant=xen ;; esac
checks=(ssh running console-login xen-services xl-list xl-info disk-interrupts nic-interrupts domu-console
        reboot-persists poweroff-exit-0)
prefix=system/host
. scripts/host/lib.sh
mkdir -p build/host
img=build/host/$variant.img
if ! bash scripts/host/mkimage.sh "$variant" "$img" > build/host/mkimage-$variant.log 2>&1; then
    tail -n 20 build/host/mkimage-$variant.log | sed 's/^/    /'
    report "scripts/host/mkimage.sh failed, see build/host/mkimage-$variant.log"
fi
key=${XENIA_CACHE:-/var/cache/xenia}/host-ssh-key
port=$(free_port)
log=build/host/console-$variant.log
boot_timeout=${XENIA_HOST_BOOT_TIMEOUT:-1200}

# Serial console to the log; the watchdog bounds a hypervisor hang (Xen and
# Xenia both take these options, added on GRUB's command line by the image).
timeout $((boot_timeout * 3)) qemu-system-x86_64 -accel tcg -cpu qemu64,+svm -smp 2 -m 2048 \
    -display none -serial "file:$log" -monitor none \
    -drive "file=$img,if=virtio,format=raw,cache=unsafe" \
    -netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$port-:22" -device e1000,netdev=n0 \
    < /dev/null > build/host/qemu-$variant.log 2>&1 &
qemu=$!

start=$SECONDS
wait_ssh || { kill "$qemu" 2>/dev/null; report "no ssh within ${boot_timeout}s of QEMU start"; }
pass ssh "first boot: ssh after $((SECONDS - start)) s"

check_running running

for _ in $(seq 1 60); do grep -aq 'xenia-host login:' "$log" && break; sleep 2; done
if grep -aq 'xenia-host login:' "$log"; then pass console-login
else fail console-login "no login prompt on the serial console; serial-getty@hvc0: $(on_host systemctl is-active serial-getty@hvc0)"; fi

svc=$(on_host 'systemctl is-active xen.service; pgrep -x oxenstored >/dev/null || pgrep -x xenstored >/dev/null && echo xenstored; pgrep -x xenconsoled >/dev/null && echo xenconsoled' 2>&1 | tr '\n' ' ')
if [ "$svc" = "active xenstored xenconsoled " ]; then pass xen-services "$svc"
else fail xen-services "got: $svc"; fi

list=$(on_host xl list 2>&1)
if grep -q '^Domain-0 *0 ' <<< "$list"; then pass xl-list
else fail xl-list "$(echo $list)"; fi

check_xl_info xl-info

check_io_interrupts disk-interrupts nic-interrupts

# The guest that ships in the image: xl create -c attaches xl console; the
# guest prints its line and powers off, which ends the console.
domu=$(T=300 on_host -tt 'xl create -c /etc/xen/xenia-busybox.cfg' 2>&1 | tr -d '\r')
if grep -q 'XENIA-DOMU: hello from the busybox guest' <<< "$domu"; then pass domu-console
else fail domu-console "$(tail -n 5 <<< "$domu" | tr '\n' ' ')"; fi

check_reboot_persists reboot-persists
check_poweroff poweroff-exit-0
report_end
