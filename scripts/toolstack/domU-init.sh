#!/bin/sh
# /init of the toolstack test's domU (linux-image-cloud-amd64 + busybox,
# built by scripts/mkinitramfs-toolstack.sh). Its console (hvc0) is the
# xenconsoled log that dom0's workload (scripts/toolstack/workload.sh)
# greps: "XENIA-DOMU: userspace up" first, then a small workload, one
# "XENIA-DOMU-CHECK" line per check, "XENIA-DOMU: workload done", power-off
# (SCHEDOP_shutdown, so xl destroys the domain: on_poweroff="destroy").
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
# Linux answers a toolstack's control/shutdown "poweroff"/"halt" (xl
# shutdown) by running /sbin/poweroff (orderly_poweroff, not forced): give
# it one that says so on the console and powers off for real. ("reboot"
# needs nothing: the kernel restarts by itself.)
mkdir -p /sbin
printf '#!/bin/sh\necho "XENIA-DOMU: poweroff requested" > /dev/console\nexec /bin/poweroff -f\n' > /sbin/poweroff
chmod 755 /sbin/poweroff
read -r up _ < /proc/uptime
echo "XENIA-DOMU: userspace up (domU uptime ${up}s)"
# xenia.stay=1 (the lifecycle checks: xl pause/shutdown/reboot/destroy of
# a running domU): no workload, no power-off of its own; one numbered tick
# a second on the console, so dom0 sees whether it makes progress.
case " $(cat /proc/cmdline) " in
*" xenia.stay=1 "*)
    i=0
    while :; do i=$((i + 1)); echo "XENIA-DOMU: tick $i"; sleep 1; done ;;
# xenia.burn=1 (scripts/toolstack/sched.sh): CPU-bound forever.
*" xenia.burn=1 "*)
    echo "XENIA-DOMU: burning"
    while :; do :; done ;;
esac

check() { if [ "$2" = 0 ]; then echo "XENIA-DOMU-CHECK $1 PASS $3"; else echo "XENIA-DOMU-CHECK $1 FAIL $3"; fi; }
v=$(cat /sys/hypervisor/type 2>/dev/null || echo missing)
[ "$v" = xen ]; check hypervisor-type $? "$v"
# PV MMU in a domU: fork+exec (a path, so ash really forks) and 8 MiB of
# fresh tmpfs pages read back.
i=0; fails=0
while [ $i -lt 200 ]; do /bin/true || fails=$((fails + 1)); i=$((i + 1)); done
[ $fails = 0 ]; check fork-exec-200 $? "failed=$fails"
yes xenia-domu | head -c 8388608 > /tmp/blob
s1=$(md5sum < /tmp/blob); s2=$(md5sum < /tmp/blob); n=$(stat -c %s /tmp/blob)
[ "$n" = 8388608 ] && [ "$s1" = "$s2" ]; check tmpfs-8MiB $? "size=$n"
# xenia.pvdisk=1: a PV disk (xvdb, dom0's blkback on a loop device) gets
# 8 MiB with O_DIRECT and gives them back; dom0 then checks the same bytes.
case " $(cat /proc/cmdline) " in
*" xenia.pvdisk=1 "*)
    insmod /lib/modules/xen-blkfront.ko 2>/dev/null
    i=0; while [ ! -b /dev/xvdb ] && [ $i -lt 100 ]; do sleep 0.2; i=$((i + 1)); done
    yes xenia-pv-disk | head -c 8388608 > /tmp/pattern
    want=$(md5sum < /tmp/pattern | cut -d' ' -f1)
    dd if=/tmp/pattern of=/dev/xvdb bs=1M oflag=direct conv=fsync 2>/dev/null; w=$?
    dd if=/dev/xvdb of=/tmp/back bs=1M count=8 iflag=direct 2>/dev/null; r=$?
    got=$(md5sum < /tmp/back | cut -d' ' -f1)
    [ -b /dev/xvdb ] && [ $w = 0 ] && [ $r = 0 ] && [ "$got" = "$want" ]
    check pv-disk-io $? "xvdb=$([ -b /dev/xvdb ] && echo yes || echo missing),write=$w,read=$r,md5=$got" ;;
esac
# xenia.pvnet=1: a PV NIC (netfront) on dom0's bridge, link-local
# addresses inside this machine: ping dom0, fetch 4 MiB from dom0 (nc),
# serve 4 MiB for dom0 to fetch, then wait for dom0's xl shutdown.
case " $(cat /proc/cmdline) " in
*" xenia.pvnet=1 "*)
    insmod /lib/modules/xen-netfront.ko 2>/dev/null
    i=0; while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 100 ]; do sleep 0.2; i=$((i + 1)); done
    ip link set lo up; ip addr add 169.254.77.2/24 dev eth0; ip link set eth0 up
    ping -c 3 -W 5 169.254.77.1 > /dev/null 2>&1
    check pv-net-ping $? "eth0=$([ -e /sys/class/net/eth0 ] && echo yes || echo missing)"
    want=$(yes xenia-dom0-net | head -c 4194304 | md5sum | cut -d' ' -f1)
    got=$(nc -w 30 169.254.77.1 5002 < /dev/null | md5sum | cut -d' ' -f1)
    [ "$got" = "$want" ]; check pv-net-rx $? "md5=$got"
    yes xenia-domu-net | head -c 4194304 > /tmp/domu.bin
    # nc -e: the socket closes when the sender is done (the fetcher sends nothing).
    printf '#!/bin/sh\nexec cat /tmp/domu.bin\n' > /tmp/send; chmod 755 /tmp/send
    nc -l -p 5001 -e /tmp/send &
    sleep 1
    echo "XENIA-DOMU: net served"
    while :; do sleep 1; done ;;
esac
echo "XENIA-DOMU: workload done"
poweroff -f
