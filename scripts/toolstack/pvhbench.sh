# pvhbench.sh: PVH vs PV domUs from Debian's xl (xenia.toolstack.only=pvhbench;
# collected by scripts/bench-pvh.sh), sourced by scripts/toolstack/workload.sh
# (busybox sh; its helpers: xl, now, elapsed, wait_for, console_has, gone,
# domu_tail, $cfg, $clog, $slow, $domu_args). Dom0 runs on QEMU's
# qemu64,+svm,+npt (Xen 4.17 needs nested paging for PVH domUs under TCG).
# For each type in turn, one domU from guest.cfg (128 MiB, the cloud kernel,
# busybox) with type="TYPE", booted with xenia.forkexec=N
# (scripts/toolstack/domU-init.sh: N fork+exec of busybox timed by the
# domU, then its own power-off). One line per figure, seconds:
#     XENIA-BENCH TYPE-xl-create SECS              xl create returning
#     XENIA-BENCH TYPE-create-to-userspace SECS    xl create's start to the
#                                                  domU's "userspace up" line
#                                                  in xenconsoled's log
#     XENIA-BENCH TYPE-domu-boot SECS              the domU's own uptime at
#                                                  that line (its kernel boot)
#     XENIA-BENCH TYPE-fork-exec SECS              N fork+exec in the domU
#     XENIA-BENCH TYPE-fork-exec-dom0 SECS         dom0's clock from the
#                                                  userspace line to the
#                                                  result line (the same loop
#                                                  plus the domU's few steps
#                                                  before it: a check on the
#                                                  domU's clock)
# A figure that fails prints "XENIA-BENCH-FAIL TYPE-NAME detail" instead.
# After the timed domUs, one more of each type is created paused between
# perfc_reset and perfc_dump (workload.sh: Xenia's perf counters; Xen 4.17
# has none and prints nothing) and destroyed, for where xl create's time
# goes: "XENIA-PERFC create-TYPE n=1 hypercall_ms=... top=...". (Apart: the
# counters print to the serial console, which would slow the timed ones.)
# Kernel arguments:
#   xenia.toolstack.pvhbench.types="pvh pv"   the types, in this order
#                                             (comma-separated: pvh,pv)
#   xenia.toolstack.pvhbench.forks=500        N
#   xenia.toolstack.pvhbench.vcpus=1          vcpus= of every domU
#   xenia.toolstack.pvhbench.cpus=1           xl's cpus= of every domU ("all":
#                                             no pin): an HVM vCPU on CPU 0
#                                             meets a QEMU TCG race that can
#                                             triple-fault it or the host
#                                             (scripts/qemu.sh)
# Every wait is bounded by 6 x $slow (xenia.toolstack.slow): Xen 4.17 under
# TCG took 180-260 s to a PVH domU's userspace on a loaded host.
hb_types="pvh pv"
hb_forks=500
hb_vcpus=1
hb_cpus=1
for a in $(cat /proc/cmdline); do
    case $a in
    xenia.toolstack.pvhbench.types=*) hb_types=$(echo "${a#*=}" | tr ',' ' ') ;;
    xenia.toolstack.pvhbench.forks=*) hb_forks=${a#*=} ;;
    xenia.toolstack.pvhbench.vcpus=*) hb_vcpus=${a#*=} ;;
    xenia.toolstack.pvhbench.cpus=*) hb_cpus=${a#*=} ;;
    esac
done
hb_pin=$(cpus_arg "$hb_cpus")
hb_bound=$((slow * 6))
hb_fail() { echo "XENIA-BENCH-FAIL $1 $2"; }
echo "XENIA-PVHBENCH: types=$hb_types forks=$hb_forks vcpus=$hb_vcpus cpus=$hb_cpus bound=${hb_bound}s"
for ty in $hb_types; do
    d=xenia-bench-$ty
    t0=$(now)
    xl create "$cfg" "name=\"$d\"" "type=\"$ty\"" "vcpus=$hb_vcpus" ${hb_pin:+"$hb_pin"} \
        "extra=\"console=hvc0 xenia.forkexec=$hb_forks $domu_args\"" > /tmp/create-$d.out 2>&1
    rc=$?
    t1=$(now)
    if [ $rc != 0 ]; then
        sed "s/^/XENIA-XL[$d]: /" /tmp/create-$d.out
        hb_fail $ty-xl-create "xl create rc=$rc"
        xl destroy $d 2>/dev/null
        continue
    fi
    echo "XENIA-BENCH $ty-xl-create $(elapsed "$t0" "$t1")"
    if wait_for $hb_bound console_has $d "XENIA-DOMU: userspace up"; then
        t2=$(now)
        echo "XENIA-BENCH $ty-create-to-userspace $(elapsed "$t0" "$t2")"
        up=$(grep -o 'domU uptime [0-9.]*s' "$clog/guest-$d.log" | head -n1 | sed 's/[^0-9.]//g')
        [ -z "$up" ] || echo "XENIA-BENCH $ty-domu-boot $up"
    else
        domu_tail $d
        hb_fail $ty-create-to-userspace "no 'XENIA-DOMU: userspace up' within $hb_bound s of xl create"
        xl destroy $d 2>/dev/null
        continue
    fi
    if wait_for $hb_bound console_has $d "XENIA-DOMU-BENCH fork-exec"; then
        t3=$(now)
        line=$(grep -o 'XENIA-DOMU-BENCH fork-exec .*' "$clog/guest-$d.log" | head -n1 | tr -d '\r')
        s=$(echo "$line" | sed -n 's/.* secs=\([0-9.]*\).*/\1/p')
        f=$(echo "$line" | sed -n 's/.* failed=\([0-9]*\).*/\1/p')
        if [ -n "$s" ] && [ "$f" = 0 ]; then
            echo "XENIA-BENCH $ty-fork-exec $s"
            echo "XENIA-BENCH $ty-fork-exec-dom0 $(elapsed "$t2" "$t3")"
        else hb_fail $ty-fork-exec "${line:-no result line}"; fi
    else
        domu_tail $d
        hb_fail $ty-fork-exec "no result within $hb_bound s of userspace"
    fi
    # Its own power-off ends it (on_poweroff="destroy"); a domU still there is destroyed.
    if ! wait_for $hb_bound gone $d; then
        domu_tail $d
        echo "XENIA-PVHBENCH: $d still in xl list $hb_bound s after its workload; destroyed"
        xl destroy $d 2>/dev/null
    fi
done
for ty in $hb_types; do
    d=xenia-perfc-$ty
    perfc_reset
    xl create -p "$cfg" "name=\"$d\"" "type=\"$ty\"" "vcpus=$hb_vcpus" > /tmp/create-$d.out 2>&1 &&
        perfc_dump create-$ty 1
    xl destroy $d 2>/dev/null
done
