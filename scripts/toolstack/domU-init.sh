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
check() { if [ "$2" = 0 ]; then echo "XENIA-DOMU-CHECK $1 PASS $3"; else echo "XENIA-DOMU-CHECK $1 FAIL $3"; fi; }
# One tick a second on the console, for ever: dom0 sees whether the domU
# makes progress, and ends it (xl shutdown/destroy/reboot).
tick_forever() {
    i=0
    while :; do i=$((i + 1)); echo "XENIA-DOMU: tick $i"; sleep 1; done
}
# xenia.stay=1 (the lifecycle checks: xl pause/shutdown/reboot/destroy of
# a running domU): no workload, no power-off of its own, ticks.
# xenia.burn=1 (scripts/toolstack/sched.sh): CPU-bound forever.
case " $(cat /proc/cmdline) " in
*" xenia.stay=1 "*) tick_forever ;;
*" xenia.burn=1 "*)
    echo "XENIA-DOMU: burning"
    while :; do :; done ;;
esac
# xenia.forkexec=N (scripts/toolstack/pvhbench.sh, scripts/bench-pvh.sh):
# N fork+exec of busybox (a path, so ash really forks), timed by the domU's
# own clock (/proc/uptime, 10 ms), one result line, then power-off; no other
# workload.
case " $(cat /proc/cmdline) " in
*" xenia.forkexec="*)
    n=$(sed 's/.*xenia\.forkexec=\([0-9]*\).*/\1/' /proc/cmdline)
    i=0; fails=0
    read -r t0 _ < /proc/uptime
    while [ $i -lt "$n" ]; do /bin/true || fails=$((fails + 1)); i=$((i + 1)); done
    read -r t1 _ < /proc/uptime
    echo "XENIA-DOMU-BENCH fork-exec n=$n failed=$fails secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')"
    echo "XENIA-DOMU: workload done"
    poweroff -f ;;
esac
# xenia.pvio=ROLE: a part in dom0's PV disk/network checks
# (scripts/toolstack/pv-io.sh, which passes the sizes too); the roles are
# in /usr/share/xenia/pv-io-domU.sh, ending in ticks until dom0 ends the domU.
case " $(cat /proc/cmdline) " in
*" xenia.pvio="*) . /usr/share/xenia/pv-io-domU.sh; tick_forever ;;
esac

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
# xenia.cpus=N (scripts/toolstack/pvh.sh, vcpus=N): every vCPU online and
# doing work: fork/exec pinned to the last CPU (IPIs and TLB shootdowns
# between the CPUs as processes move), the CPU it ran on (/proc/self/stat
# field 39), a timer there (sleep), both CPUs busy at once, interrupts
# counted on the last CPU in /proc/interrupts, and APIC IDs that agree.
case " $(cat /proc/cmdline) " in
*" xenia.cpus="*)
    want=$(sed 's/.*xenia\.cpus=\([0-9]*\).*/\1/' /proc/cmdline)
    last=$((want - 1))
    n=$(nproc); online=$(cat /sys/devices/system/cpu/online)
    [ "$n" = "$want" ] && [ "$online" = "0-$last" ]; check smp-online $? "nproc=$n,online=$online"
    r=$(taskset -c $last sh -c 'i=0; f=0; while [ $i -lt 100 ]; do /bin/true || f=$((f + 1)); i=$((i + 1)); done
        sleep 1; echo "failed=$f,cpu=$(cut -d " " -f 39 /proc/self/stat)"')
    [ "$r" = "failed=0,cpu=$last" ]; check smp-pinned-work $? "$r"
    taskset -c 0 sh -c 'i=0; while [ $i -lt 50 ]; do /bin/true; i=$((i + 1)); done' & p0=$!
    taskset -c $last sh -c 'i=0; while [ $i -lt 50 ]; do /bin/true; i=$((i + 1)); done' & p1=$!
    wait $p0; r0=$?; wait $p1; r1=$?
    irqs=$(awk -v c=$((last + 2)) 'NR > 1 && $c ~ /^[0-9]+$/ { s += $c } END { print s + 0 }' /proc/interrupts)
    [ $r0 = 0 ] && [ $r1 = 0 ] && [ "$irqs" -gt 0 ]
    check smp-parallel $? "rc=$r0/$r1,cpu$last-interrupts=$irqs"
    # CPUID's APIC IDs (leaf 1, leaf 0xb) agree with the local APIC's: 2 x the vCPU id, as Xen.
    ids=$(awk -F': *' '/^processor/ { p = $2 } /^apicid/ { a = $2 } /^initial apicid/ { printf "%s:%s/%s,", p, a, $2 }' /proc/cpuinfo)
    bad=$(echo "$ids" | tr ',' '\n' | awk -F'[:/]' 'NF == 3 && !($2 == $1 * 2 && $3 == $1 * 2) { n++ } END { print n + 0 }')
    [ "$bad" = 0 ] && [ -n "$ids" ]; check smp-apic-ids $? "cpu:apicid/initial=${ids%,}" ;;
esac
echo "XENIA-DOMU: workload done"
poweroff -f
