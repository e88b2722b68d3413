# pvbench.sh: the PV I/O benchmark (xenia.toolstack.only=pvbench; collected
# by scripts/bench-pvio.sh), sourced by scripts/toolstack/workload.sh after
# pv-io.sh (busybox sh; its helpers: xl, check, now, elapsed, wait_for,
# console_has, domu_tail, pv_create, xl_dev, $clog, $slow, $pv_mib). Four
# domUs (scripts/toolstack/pvbench-domU.sh, role "bench", 169.254.77.1N on
# dom0's bridge xenbr0), each with xvdb on blkback (a loop device on an
# $pv_mib MiB file in dom0's tmpfs; xenia.toolstack.pvmib) and a NIC; domU 1
# also has xvdc on QEMU's qdisk (a raw $pv_mib MiB file). Dom0 hands each
# domU commands and reads its results from its console. One line per
# figure, higher is better:
#     XENIA-BENCH NAME VALUE MiB/s|KiB/s|IOPS   (KiB/s: TCP, net-*)
# One domU (the other three idle, polling dom0 every 0.5 s):
#   blk-write, blk-read      $pv_mib MiB sequential, 1 MiB O_DIRECT, xvdb
#   blk-randread             4 KiB random reads (queue depth 1, randread),
#                            $pb_secs s (xenia.toolstack.pvbench.secs, 10)
#   qdisk-write, qdisk-read, qdisk-randread   the same on xvdc
#   net-dom0-domu            domU 1 fetches $pb_netmib MiB from dom0 (busybox
#                            nc; xenia.toolstack.pvbench.netmib, 4)
#   net-domu-dom0            dom0 fetches $pb_netmib MiB from domU 1
#   net-domu-domu            domU 2 fetches $pb_netmib MiB from domU 1
# Four domUs at once (each on its own disk; no qdisk; they start within
# 0.05 s of each other): all bytes over the longest domU's seconds (IOPS:
# the sum), then the sum of the four rates and each domU's result as
# "XENIA-BENCH-INFO NAME sum-of-rates=R domU1:secs=S,bytes=B ...":
#   agg4-blk-write, agg4-blk-read, agg4-blk-randread
#   agg4-net-dom0-domu, agg4-net-domu-dom0
#   agg4-net-domu-domu       domU N fetches from domU N+1 (4 from 1)
# A figure that fails prints "XENIA-BENCH-FAIL NAME detail" instead.

pb_secs=10
pb_netmib=4
for a in $(cat /proc/cmdline); do
    case $a in
    xenia.toolstack.pvbench.secs=*) pb_secs=${a#*=} ;;
    xenia.toolstack.pvbench.netmib=*) pb_netmib=${a#*=} ;;
    esac
done
pb_all="1 2 3 4"
pb_seq=0
pb_name() { echo "xenia-pvb-$1"; }
pb_ip() { echo "169.254.77.$((10 + $1))"; }
pb_log() { echo "$clog/guest-$(pb_name "$1").log"; }
pb_send() { # pb_send I COMMAND: domU I takes COMMAND at its next poll, once /tmp/pb-go exists; tag in pb_tag_I
    pb_seq=$((pb_seq + 1))
    rm -f "/tmp/pb-conn$1"
    printf '#!/bin/sh\ntouch /tmp/pb-conn%d\nwhile [ ! -e /tmp/pb-go ]; do sleep 0.05; done\necho "c%d %s"\n' \
        "$1" $pb_seq "$2" > "/tmp/pb-cmd$1"
    chmod 755 "/tmp/pb-cmd$1"
    nc -l -p $((5300 + $1)) -e "/tmp/pb-cmd$1" > /dev/null 2>&1 &
    eval "pb_tag_$1=c$pb_seq"
}
pb_connected() { for i in $1; do [ -e "/tmp/pb-conn$i" ] || return 1; done; }
pb_has() { grep -q "XENIA-DOMU-BENCH $2 " "$(pb_log "$1")" 2>/dev/null; }
pb_result() { # pb_result I TAG: domU I's result for TAG (waits for it)
    wait_for 900 pb_has "$1" "$2" || return 1
    grep -o "XENIA-DOMU-BENCH $2 .*" "$(pb_log "$1")" | head -n1 | tr -d '\r' |
        sed "s/^XENIA-DOMU-BENCH $2 //"
}
pb_field() { echo "$2" | sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }
pb_unit() { # pb_unit NAME KIND: IOPS, KiB/s (TCP) or MiB/s (disks)
    case $2:$1 in iops:*) echo IOPS ;; *:*net-*) echo KiB/s ;; *) echo MiB/s ;; esac
}
pb_value() { # pb_value NAME KIND RESULT: IOPS (KIND iops) or pb_unit's rate (KIND the MiB expected)
    if [ "$2" = iops ]; then pb_field iops "$3"; return; fi
    s=$(pb_field secs "$3"); b=$(pb_field bytes "$3")
    d=1048576; [ "$(pb_unit "$1" "$2")" = KiB/s ] && d=1024
    [ -n "$s" ] && [ "$b" = $(($2 * 1048576)) ] &&
        awk -v s="$s" -v b="$b" -v d=$d 'BEGIN { if (s > 0) printf "%.1f", b / d / s }'
}
# pb_combine NAME KIND RESULTS FAILED: one figure from the domUs' RESULTS
# (one "secs=S bytes=B" or "iops=N ..." line each) as XENIA-BENCH, or
# XENIA-BENCH-FAIL with FAILED if that is not empty. IOPS: the sum (every
# domU reads for the same seconds). Rates: all bytes over the longest
# domU's seconds, fio's aggregate bandwidth ("aggrb"): a sum of the rates
# would count a domU that ran ahead while the others waited as if the
# others had moved data at the same time. The sum of the rates and every
# domU's result follow as XENIA-BENCH-INFO.
pb_combine() {
    unit=$(pb_unit "$1" "$2")
    if [ -n "$4" ]; then echo "XENIA-BENCH-FAIL $1 $4"; return; fi
    d=1048576; [ "$unit" = KiB/s ] && d=1024
    echo "$3" | awk -v name="$1" -v unit="$unit" -v d=$d '
        NF == 0 { next }
        { for (f = 1; f <= NF; f++) { split($f, kv, "="); v[kv[1]] = kv[2] }
          n++; info = info " domU" n ":" $1 "," $2
          if (unit == "IOPS") { total += v["iops"]; next }
          bytes += v["bytes"]; rates += v["bytes"] / d / v["secs"]
          if (v["secs"] > longest) longest = v["secs"] }
        END { if (unit != "IOPS") total = bytes / d / longest
              printf "XENIA-BENCH %s %.1f %s\n", name, total, unit
              if (n > 1 && unit != "IOPS") printf "XENIA-BENCH-INFO %s sum-of-rates=%.1f%s\n", name, rates, info }'
}
# pb_run NAME KIND "I..." COMMAND (KIND: iops, or the MiB each moves): COMMAND on every domU I at once ("%P"
# becomes 5100+I, "%N" the next domU's address in the list): each domU's
# command waits in dom0 until every domU of the set has asked for it, so
# they start within one 0.05 s poll of each other; reports pb_combine's figure.
pb_run() {
    name=$1; kind=$2; set_=$3; cmd=$4
    rm -f /tmp/pb-go
    for i in $set_; do
        next=${set_%% *}; seen=
        for j in $set_; do
            [ -n "$seen" ] && { next=$j; break; }
            [ "$j" = "$i" ] && seen=1
        done
        pb_send "$i" "$(echo "$cmd" | sed "s/%P/$((5100 + i))/; s/%N/$(pb_ip "$next")/")"
    done
    wait_for 900 pb_connected "$set_"
    touch /tmp/pb-go
    results=; failed=
    for i in $set_; do
        eval "tag=\$pb_tag_$i"
        r=$(pb_result "$i" "$tag")
        if [ -n "$(pb_value "$name" "$kind" "$r")" ]; then results="$results$r
"
        else failed="$failed domU$i:${r:-no result}"; fi
    done
    pb_combine "$name" "$kind" "$results" "$failed"
}
# pb_pull NAME "I...": dom0 fetches every domU I's stream (its port 5200) at once.
pb_pull() {
    pids=
    for i in $2; do
        (t0=$(now); b=$(nc "$(pb_ip "$i")" 5200 < /dev/null 2>/dev/null | wc -c)
         echo "secs=$(elapsed "$t0" "$(now)") bytes=$b" > "/tmp/pb-pull$i") &
        pids="$pids $!"
    done
    wait $pids
    results=; failed=
    for i in $2; do
        r=$(cat "/tmp/pb-pull$i")
        if [ -n "$(pb_value "$1" $pb_netmib "$r")" ]; then results="$results$r
"
        else failed="$failed domU$i:$r"; fi
    done
    pb_combine "$1" $pb_netmib "$results" "$failed"
}
pb_ready() { for i in $pb_all; do console_has "$(pb_name "$i")" "XENIA-DOMU: bench ready" || return 1; done; }

pvbench_section() {
    echo "XENIA-BENCH-INFO disk-mib=$pv_mib net-mib=$pb_netmib randread-secs=$pb_secs domUs=4"
    # The five images live in /tmp, a tmpfs that may hold half of dom0's
    # RAM by default: at 256 MiB a pass they need more (bench-pvio.sh sizes
    # dom0 for them).
    mount -o remount,size=90% /tmp
    brctl addbr xenbr0 2>/dev/null; ip addr add 169.254.77.1/24 dev xenbr0 2>/dev/null
    ip link set xenbr0 up
    vif="bridge=xenbr0,script=/etc/xen/scripts/vif-bridge-bb"
    printf '#!/bin/sh\nexec dd if=/dev/zero bs=1M count=%d 2>/dev/null\n' "$pb_netmib" > /tmp/pb-send
    chmod 755 /tmp/pb-send
    srvs=; loops=
    for i in $pb_all; do
        nc -ll -p $((5100 + i)) -e /tmp/pb-send > /dev/null 2>&1 &
        srvs="$srvs $!"
        truncate -s $((pv_mib * 1048576)) "/tmp/pb$i.img"
        lo=$(losetup -f); losetup "$lo" "/tmp/pb$i.img"; loops="$loops $lo"
        disks="'phy:$lo,xvdb,w,script=/etc/xen/scripts/block-phy'"
        if [ "$i" = 1 ]; then
            truncate -s $((pv_mib * 1048576)) /tmp/pbq.img
            disks="$disks,'file:/tmp/pbq.img,xvdc,w,backendtype=qdisk'"
        fi
        pv_create "$(pb_name "$i")" "bench xenia.pvio.idx=$i xenia.pvio.netmib=$pb_netmib" "$(pb_ip "$i")" \
            "disk=[$disks]" "vif=['$vif']"
    done
    t0=$(now)
    if wait_for 900 pb_ready; then
        echo "XENIA-BENCH-INFO domUs-ready-after=$(elapsed "$t0" "$(now)")s"
        pb_run blk-write $pv_mib 1 "write xvdb $pv_mib"
        pb_run blk-read $pv_mib 1 "read xvdb $pv_mib"
        pb_run blk-randread iops 1 "rand xvdb $pv_mib $pb_secs"
        pb_run qdisk-write $pv_mib 1 "write xvdc $pv_mib"
        pb_run qdisk-read $pv_mib 1 "read xvdc $pv_mib"
        pb_run qdisk-randread iops 1 "rand xvdc $pv_mib $pb_secs"
        pb_run net-dom0-domu $pb_netmib 1 "fetch 169.254.77.1 %P"
        pb_pull net-domu-dom0 1
        pb_run net-domu-domu $pb_netmib 2 "fetch $(pb_ip 1) 5200"
        pb_run agg4-blk-write $pv_mib "$pb_all" "write xvdb $pv_mib"
        pb_run agg4-blk-read $pv_mib "$pb_all" "read xvdb $pv_mib"
        pb_run agg4-blk-randread iops "$pb_all" "rand xvdb $pv_mib $pb_secs"
        pb_run agg4-net-dom0-domu $pb_netmib "$pb_all" "fetch 169.254.77.1 %P"
        pb_pull agg4-net-domu-dom0 "$pb_all"
        pb_run agg4-net-domu-domu $pb_netmib "$pb_all" "fetch %N 5200"
    else
        for i in $pb_all; do domu_tail "$(pb_name "$i")"; done
        echo "XENIA-BENCH-FAIL domUs not ready within 900 s"
    fi
    for i in $pb_all; do xl destroy "$(pb_name "$i")" 2>/dev/null; done
    kill $srvs 2>/dev/null
    for lo in $loops; do losetup -d "$lo" 2>/dev/null; done
    rm -f /tmp/pb*.img /tmp/pb-send /tmp/pb-cmd* /tmp/pb-conn* /tmp/pb-go /tmp/pb-pull*
    echo "XENIA-BENCH-INFO done"
}
pvbench_section
