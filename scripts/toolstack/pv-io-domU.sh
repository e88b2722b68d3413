# pv-io-domU.sh: the domU's side of the PV disk and network checks, sourced
# by scripts/toolstack/domU-init.sh when the command line has
# xenia.pvio=ROLE (dom0's side, which picks the roles and the sizes, is
# scripts/toolstack/pv-io.sh). Busybox sh; check() comes from domU-init.sh.
# Data is a stream of `yes xenia-pv-io`, never stored (the domU has 128
# MiB): dom0 computes the expected checksum once and compares what the
# domU prints. Each role returns to domU-init.sh, which ticks until dom0
# shuts the domU down or destroys it.
#   xenia.pvio.mib=N     MiB per disk pass and per stream (64)
#   xenia.pvio.ip=ADDR   this domU's address on dom0's bridge (169.254.77.0/24)
# Roles:
#   a        xvdb: N MiB written with O_DIRECT ("disk done"); eth0: ping
#            dom0, serve N MiB on port 5001 to dom0 and on 5003 to b, fetch N
#            MiB from dom0's port 5002
#   b        eth0: ping a, fetch N MiB from it; then busy for ever
#            (stress_forever: "stress running"); dom0 destroys the domU
#   reuse    xvdb: N MiB read back (a's data), then the hot-plug sequence
#            (hotplug_sequence): xvdc, then eth0, attached and detached by
#            dom0's xl meanwhile
#   qdisk-w  xvdb (QEMU's qdisk, scripts/toolstack/qdisk.sh): N MiB written
#            with O_DIRECT, read back ("qdisk written")
#   qdisk-r  xvdb: N MiB read back ("qdisk read")
#   drvc     the driver domain's client (scripts/toolstack/drvdom.sh): xvdb
#            and eth0 served by the driver domain (169.254.78.1): N MiB
#            written with O_DIRECT and read back, ping, N MiB fetched from
#            its port 5010 ("drvc done"); then reads of xvdb and pings for
#            ever while dom0 destroys the driver domain
#   pvh-io   a PVH domU's PV devices (scripts/toolstack/pvh.sh): xvdb (dom0's
#            blkback) N MiB written with O_DIRECT and read back; eth0 (dom0's
#            netback): ping dom0, N MiB fetched from dom0's port 5002
#            ("pvh io done")
#   pvh-hotplug  a PVH domU (scripts/toolstack/pvh.sh): the hot-plug
#            sequence, then a NIC attached once more and busy for ever on it
#            and xvdb (stress_forever); dom0 destroys the domU
#   bench    the PV I/O benchmark's domU (scripts/toolstack/pvbench-domU.sh):
#            runs dom0's commands until told to stop

pvio_arg() { # pvio_arg NAME DEFAULT: xenia.pvio.NAME=VALUE from the command line
    for a in $(cat /proc/cmdline); do
        case $a in xenia.pvio.$1=*) echo "${a#*=}"; return ;; esac
    done
    echo "$2"
}
pvio_secs() { read -r t _ < /proc/uptime; echo "${t%.*}"; }
pvio_wait() { # pvio_wait SECONDS COMMAND...: poll COMMAND every 0.2 s
    end=$(($(pvio_secs) + $1)); shift
    while ! "$@"; do
        [ "$(pvio_secs)" -lt $end ] || return 1
        sleep 0.2
    done
}
is_blk() { [ -b "/dev/$1" ]; }
no_blk() { [ ! -b "/dev/$1" ]; }
is_net() { [ -e "/sys/class/net/$1" ]; }
no_net() { [ ! -e "/sys/class/net/$1" ]; }
yesno() { if "$@"; then echo yes; else echo no; fi; }
md5_of() { md5sum | cut -d' ' -f1; }
stream() { yes xenia-pv-io | head -c $((mib * 1048576)); }   # N MiB on stdout
# net_up IP: netfront's eth0 (at boot or hot-plugged) with IP/24, up
net_up() {
    pvio_wait 60 is_net eth0 || return 1
    ip link set lo up; ip addr add "$1/24" dev eth0 && ip link set eth0 up
}
# disk_read DEV MIB: md5 of the first MIB MiB, read with O_DIRECT
disk_read() { dd if="/dev/$1" bs=1M count="$2" iflag=direct 2>/dev/null | md5_of; }
# disk_roundtrip CHECK: xvdb appears (60 s at most), N MiB written with
# O_DIRECT and read back; one check line with the read-back md5
disk_roundtrip() {
    pvio_wait 60 is_blk xvdb; b=$?
    stream | dd of=/dev/xvdb bs=1M iflag=fullblock oflag=direct conv=fsync 2>/dev/null; w=$?
    got=$(disk_read xvdb "$mib")
    check "$1" $((b | w)) "xvdb=$(yesno [ $b = 0 ]),write=$w,read-back-md5=$got"
}
# ping_until IP SECONDS: the address answers (it may still be booting)
ping_until() { pvio_wait "$2" ping -c 1 -W 1 "$1" > /dev/null 2>&1; }
# hotplug_sequence: dom0 attaches xvdc, waits for "xvdc used", detaches
# it; then the same with a NIC. 4 MiB through xvdc, dom0 checks its side.
hotplug_sequence() {
    echo "XENIA-DOMU: hotplug ready"
    pvio_wait 120 is_blk xvdc; b=$?
    yes xenia-hotplug | head -c 4194304 | dd of=/dev/xvdc bs=1M iflag=fullblock oflag=direct conv=fsync 2>/dev/null; w=$?
    got=$(disk_read xvdc 4)
    check hotplug-xvdc $((b | w)) "seen=$(yesno [ $b = 0 ]),write=$w,md5=$got"
    echo "XENIA-DOMU: xvdc used"
    pvio_wait 120 no_blk xvdc; check hotplug-xvdc-gone $? "gone=$(yesno no_blk xvdc)"
    echo "XENIA-DOMU: xvdc gone"
    net_up "$ip"; n=$?
    ping_until 169.254.77.1 30; p=$?
    check hotplug-eth0 $((n | p)) "eth0=$(yesno is_net eth0),ping-dom0=$(yesno [ $p = 0 ])"
    echo "XENIA-DOMU: eth0 used"
    pvio_wait 120 no_net eth0; check hotplug-eth0-gone $? "gone=$(yesno no_net eth0)"
    echo "XENIA-DOMU: eth0 gone"
}
# stress_forever: busy until destroyed ("stress running"): reads of the
# first 16 MiB of xvdb and writes of the 16 MiB after them, a stream from
# dom0 (port 5004) and one to dom0 (port 5005)
stress_forever() {
    pvio_wait 30 is_blk xvdb
    (while :; do
        dd if=/dev/xvdb of=/dev/null bs=1M count=16 iflag=direct
        dd if=/dev/zero of=/dev/xvdb bs=1M seek=16 count=16 oflag=direct
    done) > /dev/null 2>&1 &
    nc 169.254.77.1 5004 < /dev/null > /dev/null 2>&1 &
    yes xenia-stress | nc 169.254.77.1 5005 > /dev/null 2>&1 &
    echo "XENIA-DOMU: stress running"
}

mib=$(pvio_arg mib 64)
ip=$(pvio_arg ip 169.254.77.2)
role=
for a in $(cat /proc/cmdline); do case $a in xenia.pvio=*) role=${a#*=} ;; esac; done
insmod /lib/modules/xen-blkfront.ko 2>/dev/null
insmod /lib/modules/xen-netfront.ko 2>/dev/null

case $role in
a)
    pvio_wait 30 is_blk xvdb; b=$?
    stream | dd of=/dev/xvdb bs=1M iflag=fullblock oflag=direct conv=fsync 2>/dev/null; w=$?
    # Segments per request: 11 without indirect descriptors, more with.
    segs=$(cat /sys/block/xvdb/queue/max_segments 2>/dev/null)
    check pv-disk-write $((b | w)) "xvdb=$(yesno [ $b = 0 ]),write=$w,max_segments=${segs:-none}"
    echo "XENIA-DOMU: disk done"
    net_up "$ip"; n=$?
    ping_until 169.254.77.1 30; p=$?
    check pv-net-ping $((n | p)) "eth0=$(yesno is_net eth0),ping-dom0=$(yesno [ $p = 0 ])"
    printf '#!/bin/sh\nyes xenia-pv-io | head -c %d\n' $((mib * 1048576)) > /tmp/send
    chmod 755 /tmp/send
    # One listener for dom0 (port 5001), one for b (5003).
    nc -l -p 5001 -e /tmp/send &
    nc -l -p 5003 -e /tmp/send &
    sleep 1
    echo "XENIA-DOMU: net served"
    got=$(nc -w 30 169.254.77.1 5002 < /dev/null | md5_of)
    echo "XENIA-DOMU-CHECK pv-net-rx md5=$got" ;;
b)
    net_up "$ip"; n=$?
    ping_until 169.254.77.2 300; p=$?
    check pv-net-peer-ping $((n | p)) "eth0=$(yesno is_net eth0),ping-a=$(yesno [ $p = 0 ])"
    # Until a's server listens, the connection is refused (nothing read:
    # the md5 of no bytes): retry.
    i=0
    while :; do
        got=$(nc -w 10 169.254.77.2 5003 < /dev/null 2>/dev/null | md5_of)
        [ "$got" = d41d8cd98f00b204e9800998ecf8427e ] && [ $i -lt 300 ] || break
        sleep 1; i=$((i + 1))
    done
    echo "XENIA-DOMU-CHECK pv-net-peer-rx md5=$got"
    stress_forever ;;
reuse)
    pvio_wait 30 is_blk xvdb; b=$?
    got=$(disk_read xvdb "$mib")
    [ $b = 0 ]; check pv-disk-read $? "xvdb=$(yesno [ $b = 0 ]),md5=$got"
    hotplug_sequence ;;
qdisk-w)
    disk_roundtrip qdisk-write
    echo "XENIA-DOMU: qdisk written" ;;
qdisk-r)
    pvio_wait 60 is_blk xvdb; b=$?
    got=$(disk_read xvdb "$mib")
    [ $b = 0 ]; check qdisk-read $? "xvdb=$(yesno [ $b = 0 ]),md5=$got"
    echo "XENIA-DOMU: qdisk read" ;;
drvc)
    disk_roundtrip drvc-disk
    net_up "$ip"; n=$?
    ping_until 169.254.78.1 60; p=$?
    got=$(nc -w 30 169.254.78.1 5010 < /dev/null 2>/dev/null | md5_of)
    check drvc-net $((n | p)) "eth0=$(yesno is_net eth0),ping-drvdom=$(yesno [ $p = 0 ]),md5=$got"
    echo "XENIA-DOMU: drvc done"
    (while :; do dd if=/dev/xvdb of=/dev/null bs=1M count=4 iflag=direct; ping -c 1 -W 1 169.254.78.1; done) \
        > /dev/null 2>&1 & ;;
pvh-io)
    disk_roundtrip pvh-disk
    net_up "$ip"; n=$?
    ping_until 169.254.77.1 60; p=$?
    got=$(nc -w 30 169.254.77.1 5002 < /dev/null 2>/dev/null | md5_of)
    check pvh-net $((n | p)) "eth0=$(yesno is_net eth0),ping-dom0=$(yesno [ $p = 0 ]),md5=$got"
    echo "XENIA-DOMU: pvh io done" ;;
pvh-hotplug)
    hotplug_sequence
    pvio_wait 300 is_net eth0           # dom0 attaches a NIC once more
    net_up "$ip"
    stress_forever ;;
bench) . /usr/share/xenia/pvbench-domU.sh ;;
esac
