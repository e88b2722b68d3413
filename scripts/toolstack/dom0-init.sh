#!/bin/sh
# /init of the toolstack dom0 initramfs (scripts/mkinitramfs-toolstack.sh):
# busybox sh as PID 1, then Debian's Xen 4.17 toolstack started the way
# Debian's /etc/init.d/xen does (modules, xenfs, xenstored, xen-init-dom0,
# xenconsoled), then either the toolstack workload (kernel command line
# has xenia.toolstack=1: scripts/toolstack/workload.sh, then power-off) or
# an interactive shell with xl on the PATH.
#   xenia.xenstored=c|o   C xenstored or oxenstored (default: oxenstored,
#                         Debian's first choice, falling back to C)
export PATH=/bin:/sbin:/usr/bin:/usr/sbin:/usr/lib/xen-4.17/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# xenconsoled gives every guest console a pty (libxl waits for its
# console/tty node in xenstore): /dev/ptmx + devpts.
mkdir -p /dev/pts
mount -t devpts -o mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mkdir -p /run/xen /run/xenstored /run/lock /var/lib/xen /var/lib/xenstored \
    /var/log/xen/console
cmdline=" $(cat /proc/cmdline) "
say() { echo "XENIA-DOM0: $*"; }

# Xen's device drivers, dependencies first (the order file was computed
# from the modules' own "depends=" at build time).
while read -r m; do
    [ -n "$m" ] && { insmod "/lib/modules/$m.ko" || say "insmod $m failed"; }
done < /lib/modules/load
# xenfs creates /proc/xen when loaded; privcmd, xenbus, xsd_kva live there.
mount -t xenfs xenfs /proc/xen || say "mount xenfs failed"

read -r up _ < /proc/uptime
say "userspace up (dom0 uptime ${up}s)"

# Until the CRNG is seeded, getrandom() blocks: libuuid inside xl would
# stall ~3 s per xl create. One byte from /dev/random waits for it once.
head -c 1 /dev/random > /dev/null
read -r t _ < /proc/uptime; say "CRNG seeded at ${t}s"

# xenstored: like /etc/init.d/xen, oxenstored first, C xenstored if it
# does not come up. Both daemonize; the loop waits for the store to answer.
start_xenstored() { # start_xenstored BINARY
    XENSTORED_ROOTDIR=/run/xenstored "$1" --pid-file /run/xenstore.pid || return 1
    i=0
    while [ $i -lt 100 ]; do
        xenstore-read -s / > /dev/null 2>&1 && return 0
        sleep 0.1; i=$((i + 1))
    done
    return 1
}
case $cmdline in
*" xenia.xenstored=c "*) order="xenstored" ;;
*" xenia.xenstored=o "*) order="oxenstored" ;;
*) order="oxenstored xenstored" ;;
esac
xenstored=none
for x in $order; do
    if start_xenstored "/usr/lib/xen-4.17/bin/$x"; then xenstored=$x; break; fi
    say "$x did not come up"
done
say "xenstored: $xenstored"
# Bounded (busybox timeout): on a hypervisor under construction a hung
# hypercall must not hang /init. xenconsoled's parent returns once the
# daemon has forked, so the timeout never touches the daemon itself.
timeout 30 xen-init-dom0 || say "xen-init-dom0 failed"
# Every guest's console into /var/log/xen/console/guest-NAME.log: the
# workload greps the domU's userspace marker there.
timeout 30 xenconsoled --log=guest --log-dir=/var/log/xen/console --pid-file /run/xenconsoled.pid ||
    say "xenconsoled failed"
read -r t _ < /proc/uptime; say "toolstack up at ${t}s"

case $cmdline in
*" xenia.toolstack=1 "*)
    sh /usr/share/xenia/workload.sh
    sync
    poweroff -f   # ACPI S5 via the hypervisor: QEMU exits 0
    ;;
*" xenia.toolstack=sched "*)   # scripts/sched-credit2.sh
    sh /usr/share/xenia/sched.sh
    poweroff -f
    ;;
esac

cat > /etc/profile <<'EOF'
export PATH=/bin:/sbin:/usr/bin:/usr/sbin:/usr/lib/xen-4.17/bin
alias poweroff='poweroff -f' reboot='reboot -f' halt='halt -f'
EOF
say "interactive shell on the console (xl create /etc/xen/guest.cfg; 'poweroff' ends QEMU)"
while :; do
    setsid cttyhack sh -l
done
