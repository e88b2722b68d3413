#!/bin/sh
# /init of the driver domain (scripts/mkinitramfs-toolstack.sh builds its
# initramfs; dom0's scripts/toolstack/drvdom.sh creates it with
# driver_domain=1): a domU whose blkback and netback serve another domU.
# It loads Xen's backend drivers, makes a RAM-backed loop device
# (/dev/xenia-drv-disk, N MiB: xenia.drv.mib) and a bridge xenbr1
# (169.254.78.1/24), starts `xl devd` (libxl's device daemon: it watches
# this domain's backend/ directory in xenstore and runs the hotplug
# scripts the client's disk= and vif= name), then serves N MiB of
# `yes xenia-pv-io` on TCP port 5010 and ticks on its console.
# Console lines (xenconsoled's log in dom0):
#   XENIA-DOMU: userspace up ...     XENIA-DOMU: driver domain ready
#   XENIA-DOMU-CHECK drvdom-setup PASS|FAIL detail
export PATH=/bin:/sbin:/usr/bin:/usr/sbin:/usr/lib/xen-4.17/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mkdir -p /run/xen /run/lock /var/lib/xen /var/log/xen
read -r up _ < /proc/uptime
echo "XENIA-DOMU: userspace up (domU uptime ${up}s)"
mib=16
for a in $(cat /proc/cmdline); do
    case $a in xenia.drv.mib=*) mib=${a#*=} ;; esac
done
fail=
while read -r m; do
    [ -n "$m" ] && { insmod "/lib/modules/$m.ko" || fail="$fail insmod-$m"; }
done < /lib/modules/load
mount -t xenfs xenfs /proc/xen || fail="$fail xenfs"
truncate -s $((mib * 1048576)) /tmp/drv.img
lo=$(losetup -f) && losetup "$lo" /tmp/drv.img && ln -sf "$lo" /dev/xenia-drv-disk || fail="$fail loop"
brctl addbr xenbr1 && ip addr add 169.254.78.1/24 dev xenbr1 && ip link set xenbr1 up || fail="$fail bridge"
ip link set lo up
# libxl's device daemon, in the foreground of a background job (its log on our console).
xl -v devd -F > /dev/console 2>&1 &
printf '#!/bin/sh\nyes xenia-pv-io | head -c %d\n' $((mib * 1048576)) > /tmp/send
chmod 755 /tmp/send
(while :; do nc -l -p 5010 -e /tmp/send; done) > /dev/null 2>&1 &
sleep 1
kill -0 $! 2>/dev/null || fail="$fail nc"
if [ -z "$fail" ]; then
    echo "XENIA-DOMU-CHECK drvdom-setup PASS loop=$lo,devd=started"
else
    echo "XENIA-DOMU-CHECK drvdom-setup FAIL$fail"
fi
echo "XENIA-DOMU: driver domain ready"
i=0
while :; do i=$((i + 1)); echo "XENIA-DOMU: tick $i"; sleep 1; done
