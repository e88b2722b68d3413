# pvbench-domU.sh: the domU's side of the PV I/O benchmark (dom0's side,
# which sends the commands and turns the results into figures, is
# scripts/toolstack/pvbench.sh), sourced by pv-io-domU.sh for the role
# "bench" (its helpers: pvio_arg, pvio_wait, net_up, ping_until, $ip).
# Busybox sh. The domU brings eth0 up, serves $pb_netmib MiB of zeros on port 5200
# to whoever connects (dom0 and the other domUs), then takes commands from
# dom0: every 0.5 s it connects to dom0's port 5300+IDX; when dom0 listens
# there it answers one line, "TAG COMMAND ARGS", and the domU runs it and
# prints "XENIA-DOMU-BENCH TAG RESULT" on its console:
#   write DEV MIB         dd of MIB MiB of zeros to /dev/DEV, 1 MiB O_DIRECT
#   read DEV MIB          dd of MIB MiB from /dev/DEV, 1 MiB O_DIRECT
#                         (both: RESULT is "secs=S bytes=B")
#   rand DEV MIB SECONDS  4 KiB random reads (randread): "iops=N reads=N secs=S"
#   fetch IP PORT         a TCP stream from IP:PORT to its end: "secs=S bytes=B"
#   stop                  the domU stops taking commands
#   xenia.pvio.idx=IDX    this domU's number (1..4): its command port 5300+IDX
#   xenia.pvio.netmib=N   MiB a stream it serves (4)

pb_idx=$(pvio_arg idx 1)
pb_netmib=$(pvio_arg netmib 4)
pb_t() { read -r t _ < /proc/uptime; echo "$t"; }
pb_timed() { # pb_timed COMMAND...: "secs=S bytes=B", B the bytes COMMAND printed on stdout
    t0=$(pb_t)
    b=$("$@" | wc -c)
    echo "secs=$(awk -v a="$t0" -v b="$(pb_t)" 'BEGIN { printf "%.2f", b - a }') bytes=$b"
}
pb_dd() { # pb_dd IF OF MIB FLAG: "secs=S bytes=B", B from dd's "F+P records out" (whole MiB only)
    t0=$(pb_t)
    out=$(dd if="$1" of="$2" bs=1M count="$3" "$4" 2>&1)
    t1=$(pb_t)
    n=$(echo "$out" | sed -n 's/^\([0-9]*\)+0 records out.*/\1/p')
    echo "secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') bytes=$((${n:-0} * 1048576))"
}

net_up "$ip"
ping_until 169.254.77.1 60
printf '#!/bin/sh\nexec dd if=/dev/zero bs=1M count=%d 2>/dev/null\n' "$pb_netmib" > /tmp/pb-send
chmod 755 /tmp/pb-send
nc -ll -p 5200 -e /tmp/pb-send > /dev/null 2>&1 &
echo "XENIA-DOMU: bench ready"
while :; do
    cmd=$(nc 169.254.77.1 $((5300 + pb_idx)) < /dev/null 2>/dev/null)
    [ -n "$cmd" ] || { sleep 0.5; continue; }
    set -- $cmd
    tag=$1; shift
    case $1 in
    write) r=$(pb_dd /dev/zero "/dev/$2" "$3" oflag=direct) ;;
    read) r=$(pb_dd "/dev/$2" /dev/null "$3" iflag=direct) ;;
    rand) r=$(/usr/share/xenia/randread "/dev/$2" "$3" "$4" 2>&1) ;;
    fetch) r=$(pb_timed nc "$2" "$3" < /dev/null) ;;
    stop) echo "XENIA-DOMU-BENCH $tag stopped"; break ;;
    *) r="unknown command $1" ;;
    esac
    echo "XENIA-DOMU-BENCH $tag $r"
done
