#!/bin/sh
# /init of the dom0 initramfs (scripts/mkinitramfs.sh): busybox sh as PID 1.
# Mounts the basics, says "XENIA-DOM0: userspace up", then either runs the
# dom0 workload (kernel command line has xenia.test=1; tests/system/run.sh
# and scripts/bench.sh parse its XENIA-CHECK / XENIA-TIME lines) and powers
# off, or the device workload (xenia.devices=1: tests/system/devices.sh),
# or gives the console (hvc0) an interactive shell for `make run`.
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp

# Optional modules (XENIA_INITRD_MODULES at build time), in the order given.
while read -r m; do
    [ -n "$m" ] && { insmod "/lib/modules/$m.ko" || echo "XENIA-DOM0: insmod $m failed"; }
done < /lib/modules/load
# xenfs (a module in Debian's kernel) creates /proc/xen when loaded.
if grep -qw xenfs /proc/filesystems && [ -d /proc/xen ]; then
    mount -t xenfs xenfs /proc/xen
fi

read -r up _ < /proc/uptime
echo "XENIA-DOM0: userspace up (dom0 uptime ${up}s)"

# Seconds since dom0 booted, centisecond resolution (busybox date has no %N).
now() { read -r t _ < /proc/uptime; echo "$t"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
check() { # check NAME OK(0/1) VALUE
    if [ "$2" = 0 ]; then echo "XENIA-CHECK $1 PASS $3"; else echo "XENIA-CHECK $1 FAIL $3"; fi
}
forks() { awk '/^processes/ { print $2 }' /proc/stat; }

workload() {
    v=$(cat /sys/hypervisor/type 2>/dev/null || echo missing)
    [ "$v" = xen ]; check hypervisor-type $? "$v"

    v=$(cat /sys/hypervisor/version/major 2>/dev/null).$(cat /sys/hypervisor/version/minor 2>/dev/null)
    [ "$v" = 4.17 ]; check hypervisor-version $? "$v"

    n=$(nproc); v="$n/$(cat /sys/devices/system/cpu/online 2>/dev/null)"
    [ "$n" = 2 ]; check cpus-online $? "$v"

    # Device interrupts reach dom0 as PIRQs: the drivers' lines (i8042, ACPI
    # SCI...) are bound to event channels (xen-pirq-ioapic-* in /proc/interrupts).
    v=$(grep -c 'xen-pirq' /proc/interrupts 2>/dev/null)
    [ "${v:-0}" -ge 1 ]; check dom0-pirqs $? "xen-pirq-lines=${v:-0},$(grep 'xen-pirq' /proc/interrupts | awk '{ print $NF }' | sort -u | tr '\n' ' ')"

    # PV MMU stress 1: 1000 fork+exec. A path (/bin/true), never the bare
    # name: ash runs bare applet names in-process, a path it forks and
    # execs. /proc/stat's fork counter shows that they really forked.
    f0=$(forks); fails=0; i=0; t0=$(now)
    while [ $i -lt 1000 ]; do
        /bin/true || fails=$((fails + 1))
        i=$((i + 1))
    done
    t1=$(now); f1=$(forks)
    comm=$(/bin/cat /proc/self/comm)   # "cat" only if exec really happened
    [ $((f1 - f0)) -ge 1000 ] && [ $fails = 0 ] && [ "$comm" = cat ]
    check fork-exec-1000 $? "forks=$((f1 - f0)),failed=$fails,comm=$comm"
    echo "XENIA-TIME fork-exec-1000 $(elapsed "$t0" "$t1")"

    # PV MMU stress 2: 64 MiB into tmpfs (fresh pages, page-table updates),
    # read back through md5sum; the host computed the sum at build time.
    t0=$(now)
    yes xenia-dom0-tmpfs-check | head -c 67108864 > /tmp/blob
    t1=$(now)
    sum=$(md5sum /tmp/blob | cut -d' ' -f1)
    t2=$(now)
    size=$(stat -c %s /tmp/blob); rm -f /tmp/blob
    [ "$size" = 67108864 ] && [ "$sum" = "$(cat /etc/xenia-tmpfs-md5)" ]
    check tmpfs-64MiB-checksum $? "size=$size,md5=$sum"
    echo "XENIA-TIME tmpfs-64MiB-write $(elapsed "$t0" "$t1")"
    echo "XENIA-TIME tmpfs-64MiB-md5 $(elapsed "$t1" "$t2")"

    # The PV crossing and wake-ups: 200k getppid() (each user -> hypervisor
    # -> kernel -> hypervisor -> user), 20k one-byte round trips between
    # two processes over pipes (context switches) and 20k page faults on
    # fresh anonymous pages, timed for scripts/bench.sh (XENIA-TIME lines
    # from scripts/syscall-bench.c); every result checked.
    /bin/syscall-bench 200 20 20; rc=$?
    check syscall-bench $rc "exit=$rc"

    echo "XENIA-DOM0: workload done"
}

# Sum of the interrupt counts on the /proc/interrupts lines matching $1.
irq_count() {
    awk -v p="$1" '$0 ~ p { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i } END { print s + 0 }' \
        /proc/interrupts
}

# disk_check DEV IRQ-PATTERN NAME: /tmp/pattern (md5 $want) to DEV and back,
# O_DIRECT; checks devices-NAME-io and devices-NAME-interrupts.
disk_check() {
    i0=$(irq_count "$2")
    t0=$(now)
    dd if=/tmp/pattern of="$1" bs=1M oflag=direct conv=fsync 2>/dev/null; w=$?
    t1=$(now)
    dd if="$1" of=/tmp/back bs=1M count=16 iflag=direct 2>/dev/null; r=$?
    t2=$(now)
    got=$(md5sum < /tmp/back | cut -d' ' -f1); rm -f /tmp/back
    [ -b "$1" ] && [ $w = 0 ] && [ $r = 0 ] && [ "$got" = "$want" ]
    check "devices-$3-io" $? "$1=$([ -b "$1" ] && echo yes || echo missing),write=$w,read=$r,md5=$got"
    echo "XENIA-TIME $3-16MiB-write-direct $(elapsed "$t0" "$t1")"
    echo "XENIA-TIME $3-16MiB-read-direct $(elapsed "$t1" "$t2")"
    i1=$(irq_count "$2")
    [ "$i1" -gt "$i0" ]
    check "devices-$3-interrupts" $? "interrupts=$i0->$i1,$(grep "$2" /proc/interrupts | awk '{ print $(NF-1) "/" $NF }' | head -n 3 | tr '\n' ' ')"
}

# Real devices driven by dom0 (tests/system/devices.sh gives QEMU a virtio
# disk, an AHCI disk and an e1000 NIC): DMA through swiotlb-xen, interrupts
# as PIRQs.
devices() {
    ! dmesg | grep -q 'swiotlb.*Failed to remap'
    check devices-swiotlb $? "$(dmesg | grep -m1 -o 'software IO TLB: [^[]*' || echo 'no swiotlb message')"

    # The disks: 16 MiB of random data written and read back with O_DIRECT.
    dd if=/dev/urandom of=/tmp/pattern bs=1M count=16 2>/dev/null
    want=$(md5sum < /tmp/pattern | cut -d' ' -f1)
    disk_check /dev/vda virtio disk
    disk_check /dev/sda ahci ahci
    # Their drivers got message-signalled interrupts (MSI-X for virtio, MSI for AHCI).
    grep virtio /proc/interrupts | grep -q 'msi-x'
    check devices-disk-msix $? "$(grep virtio /proc/interrupts | awk '{ print $(NF-1) }' | sort -u | tr '\n' ' ')"
    grep ahci /proc/interrupts | grep -q -- '-msi '
    check devices-ahci-msi $? "$(grep ahci /proc/interrupts | awk '{ print $(NF-1) }' | sort -u | tr '\n' ' ')"

    # The NIC: link up on QEMU's user network (nothing is sent anywhere).
    n0=$(irq_count eth0)
    ip link set eth0 up 2>/dev/null
    i=0
    while [ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" != 1 ] && [ $i -lt 100 ]; do
        sleep 0.2; i=$((i + 1))
    done
    [ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" = 1 ]
    check devices-nic-link $? "eth0 carrier=$(cat /sys/class/net/eth0/carrier 2>/dev/null || echo missing)"
    n1=$(irq_count eth0)
    [ "$n1" -gt "$n0" ]
    check devices-nic-interrupts $? "eth0-interrupts=$n0->$n1"
    # The power button: QEMU's system_powerdown (sent by the test when it
    # reads the line below) is an ACPI SCI, GSI 9, level: dom0's acpi
    # interrupt count must grow.
    a0=$(irq_count acpi)
    echo "XENIA-DOM0: press the power button"
    i=0
    while [ "$(irq_count acpi)" -le "$a0" ] && [ $i -lt 300 ]; do sleep 0.2; i=$((i + 1)); done
    a1=$(irq_count acpi)
    [ "$a1" -gt "$a0" ]
    check devices-power-button $? "acpi-interrupts=$a0->$a1,$(grep acpi /proc/interrupts | awk '{ print $(NF-1) }' | head -n1)"
    echo "XENIA-DOM0: devices done"
}

# Disk throughput for scripts/bench-devices.sh: 256 MiB sequential O_DIRECT
# writes and reads, 1 MiB at a time, on each disk.
devices_bench() {
    for dev in vda sda; do
        t0=$(now)
        dd if=/dev/zero of=/dev/$dev bs=1M count=256 oflag=direct conv=fsync 2>/dev/null
        t1=$(now)
        dd if=/dev/$dev of=/dev/null bs=1M count=256 iflag=direct 2>/dev/null
        t2=$(now)
        echo "XENIA-TIME $dev-256MiB-write-direct $(elapsed "$t0" "$t1")"
        echo "XENIA-TIME $dev-256MiB-read-direct $(elapsed "$t1" "$t2")"
    done
    echo "XENIA-DOM0: devices bench done"
}

case " $(cat /proc/cmdline) " in
*" xenia.devices.bench=1 "*)
    devices_bench
    sync
    poweroff -f
    ;;
*" xenia.devices=1 "*)
    devices
    sync
    poweroff -f
    ;;
*" xenia.test=1 "*)
    workload
    sync
    poweroff -f   # dom0 power-off: ACPI S5 via the hypervisor, QEMU exits 0
    ;;
esac

# Interactive: a login shell with the console as controlling tty (job
# control, ^C). PID 1 is this script, not busybox init, so plain
# poweroff/reboot would signal nobody: make them act directly.
cat > /etc/profile <<'EOF'
alias poweroff='poweroff -f' reboot='reboot -f' halt='halt -f'
EOF
echo "XENIA-DOM0: interactive shell on the console ('poweroff' ends QEMU)"
while :; do
    setsid cttyhack sh -l
done
