#!/usr/bin/env bash
# tests/system/host.sh: a real Debian 12 Xen host on a disk, booted by GRUB.
# scripts/host/mkimage.sh builds the image (the base is cached outside the
# clone) with the hypervisor installed from its Debian package: Xenia's
# (`make deb`), or Debian's xen-hypervisor-4.17-amd64 when
# XENIA_HV=build/debian/xen-4.17 (the reference). QEMU boots it from the disk
# (BIOS -> GRUB's MBR -> the entry Debian's 20_linux_xen wrote -> the
# hypervisor -> Debian's kernel and initramfs -> systemd), root on virtio-blk,
# an e1000 NIC on QEMU's restricted user network with ssh forwarded from
# 127.0.0.1 only. Checks, over ssh with the image's test key:
#   system/host-ssh                  sshd answers through the forward
#   system/host-running              systemctl is-system-running: running
#   system/host-console-login        the serial console offers a login (hvc0)
#   system/host-xen-services         Debian's xen.service active; xenstored
#                                    and xenconsoled running
#   system/host-xl-list              xl list shows Domain-0
#   system/host-xl-info              xl info: Xen 4.17 interface, free memory
#   system/host-disk-interrupts      the root disk's interrupt count grows
#                                    (32 MiB O_DIRECT read)
#   system/host-nic-interrupts       eth0's interrupt count grows
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
declare -A verdict=()
pass() { verdict[$1]="PASS: system/host-$1"; [ -z "${2:-}" ] || verdict[$1]+=$'\n'"    $2"; }
fail() { verdict[$1]="FAIL: system/host-$1 ($2)"; }
report() {
    for n in "${checks[@]}"; do
        echo "${verdict[$n]:-FAIL: system/host-$n (not reached: ${1:-an earlier step failed})}"
    done
    [ -z "${log:-}" ] || [ -z "${1:-}" ] || { tr -cd '\11\12\40-\176' < "$log" | grep -v '^\s*$' |
        tail -n 20 | sed 's/^/    /'; }
    exit 0
}
mkdir -p build/host
img=build/host/$variant.img
if ! bash scripts/host/mkimage.sh "$variant" "$img" > build/host/mkimage-$variant.log 2>&1; then
    tail -n 20 build/host/mkimage-$variant.log | sed 's/^/    /'
    report "scripts/host/mkimage.sh failed, see build/host/mkimage-$variant.log"
fi
key=${XENIA_CACHE:-/var/cache/xenia}/host-ssh-key
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
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

on_host() { # on_host COMMAND: run in dom0 over ssh; 60 s bound per command unless told
    timeout "${T:-120}" ssh -i "$key" -p "$port" -o BatchMode=yes -o ConnectTimeout=20 \
        -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
        root@127.0.0.1 "$@"
}
wait_ssh() { # wait_ssh: until sshd answers (or QEMU ends / the boot timeout passes)
    local deadline=$((SECONDS + boot_timeout))
    while [ $SECONDS -lt $deadline ] && kill -0 "$qemu" 2>/dev/null; do
        T=40 on_host true 2>/dev/null && return 0
        sleep 5
    done
    return 1
}

start=$SECONDS
wait_ssh || { kill "$qemu" 2>/dev/null; report "no ssh within ${boot_timeout}s of QEMU start"; }
pass ssh "first boot: ssh after $((SECONDS - start)) s"
boot1=$(on_host cat /proc/sys/kernel/random/boot_id)

state=$(T=600 on_host systemctl is-system-running --wait 2>&1)
if [ "$state" = running ]; then pass running
else fail running "is-system-running: $state; failed units: $(on_host systemctl --failed --no-legend | tr '\n' ' ')"; fi

for _ in $(seq 1 60); do grep -aq 'xenia-host login:' "$log" && break; sleep 2; done
if grep -aq 'xenia-host login:' "$log"; then pass console-login
else fail console-login "no login prompt on the serial console; serial-getty@hvc0: $(on_host systemctl is-active serial-getty@hvc0)"; fi

svc=$(on_host 'systemctl is-active xen.service; pgrep -x oxenstored >/dev/null || pgrep -x xenstored >/dev/null && echo xenstored; pgrep -x xenconsoled >/dev/null && echo xenconsoled' 2>&1 | tr '\n' ' ')
if [ "$svc" = "active xenstored xenconsoled " ]; then pass xen-services "$svc"
else fail xen-services "got: $svc"; fi

list=$(on_host xl list 2>&1)
if grep -q '^Domain-0 *0 ' <<< "$list"; then pass xl-list
else fail xl-list "$(echo $list)"; fi

info=$(on_host xl info 2>&1)
if grep -q '^xen_major *: 4$' <<< "$info" && grep -q '^xen_minor *: 17$' <<< "$info" &&
   grep -q '^free_memory *: [0-9]' <<< "$info"; then
    pass xl-info "$(grep -E '^(xen_version|free_memory|nr_cpus)' <<< "$info" | tr -s ' ' | tr '\n' ' ')"
else fail xl-info "$(echo $info | head -c 300)"; fi

# Interrupt counts: the disk's lines are named after its virtio device, the
# NIC's after eth0; the sum over CPUs before and after some I/O.
irq_sum() { # irq_sum PATTERN: interrupts of /proc/interrupts lines matching it, all CPUs
    on_host cat /proc/interrupts | awk -v pat="$1" '$0 ~ pat {
        for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i } END { print s + 0 }'
}
disk_dev=$(on_host 'basename "$(readlink /sys/block/vda/device)"')
disk_irqs() { irq_sum "${disk_dev:-no-disk}-"; }
nic_irqs() { irq_sum eth0; }
d0=$(disk_irqs); n0=$(nic_irqs)
on_host 'dd if=/dev/vda of=/dev/null bs=1M count=32 skip=64 iflag=direct 2>/dev/null; head -c 4000000 /dev/zero | md5sum' > /dev/null
d1=$(disk_irqs); n1=$(nic_irqs)
if [ -n "$d1" ] && [ "${d1:-0}" -gt "${d0:-0}" ]; then pass disk-interrupts "$d0 -> $d1"
else fail disk-interrupts "count $d0 -> $d1"; fi
if [ -n "$n1" ] && [ "${n1:-0}" -gt "${n0:-0}" ]; then pass nic-interrupts "$n0 -> $n1"
else fail nic-interrupts "count $n0 -> $n1"; fi

# The guest that ships in the image: xl create -c attaches xl console; the
# guest prints its line and powers off, which ends the console.
domu=$(T=300 on_host -tt 'xl create -c /etc/xen/xenia-busybox.cfg' 2>&1 | tr -d '\r')
if grep -q 'XENIA-DOMU: hello from the busybox guest' <<< "$domu"; then pass domu-console
else fail domu-console "$(tail -n 5 <<< "$domu" | tr '\n' ' ')"; fi

token=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
on_host "echo $token > /root/xenia-reboot-token && sync"
on_host 'systemctl reboot' > /dev/null 2>&1
# Wait for the old system to go away (its boot_id stops answering), then back.
deadline=$((SECONDS + boot_timeout))
while [ $SECONDS -lt $deadline ]; do
    b=$(T=30 on_host cat /proc/sys/kernel/random/boot_id 2>/dev/null)
    [ -n "$b" ] && [ "$b" != "$boot1" ] && break
    kill -0 "$qemu" 2>/dev/null || break
    sleep 5
done
got=$(on_host cat /root/xenia-reboot-token 2>/dev/null)
if [ "$got" = "$token" ]; then pass reboot-persists "back after $((SECONDS - start)) s in all"
else fail reboot-persists "after reboot: '${got}' (QEMU running: $(kill -0 "$qemu" 2>/dev/null && echo yes || echo no))"; fi

on_host 'systemctl poweroff' > /dev/null 2>&1
deadline=$((SECONDS + boot_timeout))
while kill -0 "$qemu" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 2; done
if kill -0 "$qemu" 2>/dev/null; then
    kill "$qemu"; fail poweroff-exit-0 "QEMU still running ${boot_timeout}s after poweroff"
else
    status=0; wait "$qemu" || status=$?
    if [ "$status" = 0 ]; then pass poweroff-exit-0; else fail poweroff-exit-0 "QEMU status $status"; fi
fi
for n in "${checks[@]}"; do [[ ${verdict[$n]:-FAIL} == PASS* ]] || report "see $log"; done
report
