#!/bin/sh
# Credit2 as `xl` drives it, measured inside the toolstack dom0 (run by
# scripts/toolstack/dom0-init.sh when the kernel command line has
# xenia.toolstack=sched; scripts/sched-credit2.sh boots it and reads the
# result lines). CPU-bound domUs (guest.cfg's domU with xenia.burn=1 spin
# forever); CPU time per vCPU from `xl vcpu-list` over a measuring window:
#   XENIA-SCHED weights   A (256) and B (512) pinned to pCPU 1: B/A
#   XENIA-SCHED cap       A alone on pCPU 1 with a cap of 25%: A's share
#   XENIA-SCHED pinned    samples of A's pCPU that were not pCPU 1
#   XENIA-SCHED fairness  A, B, C unpinned on the 2 pCPUs: shares, moves
# Kernel argument xenia.sched.secs=N: the window in seconds (30).
export PATH=/bin:/sbin:/usr/bin:/usr/sbin:/usr/lib/xen-4.17/bin
cfg=/etc/xen/guest.cfg
clog=/var/log/xen/console
secs=30
for a in $(cat /proc/cmdline); do
    case $a in xenia.sched.secs=*) secs=${a#*=} ;; esac
done
xl() { timeout 300 /usr/lib/xen-4.17/bin/xl "$@"; }   # generous: a loaded host
uptime_s() { read -r t _ < /proc/uptime; echo "$t"; }
say() { echo "XENIA-SCHED $*"; }
# vCPU 0's pCPU and CPU time (s) of domain $1: "cpu time".
vcpu0() { xl vcpu-list "$1" 2>/dev/null | awk -v n="$1" '$1 == n && $3 == 0 { print $4, $6 }'; }
hog() { # hog NAME [CPUS]: a CPU-bound domU, pinned to CPUS if given
    pin=; [ -n "${2:-}" ] && pin="cpus=\"$2\""
    xl create "$cfg" "name=\"$1\"" 'extra="console=hvc0 xenia.burn=1"' $pin > /tmp/create-$1.out 2>&1 ||
        sed "s/^/XENIA-XL[$1]: /" /tmp/create-$1.out
}
burning() { # wait (600 s at most) until every named domU says it spins
    for n in "$@"; do
        i=0
        while ! grep -q "XENIA-DOMU: burning" "$clog/guest-$n.log" 2>/dev/null; do
            i=$((i + 1)); [ $i -lt 6000 ] || { say "error $n never started"; return 1; }
            sleep 0.1
        done
    done
}
# measure DOMS...: over $secs s, prints "wall dt1 dt2 ..." and counts, in
# /tmp/moves and /tmp/offpin, pCPU changes and samples off pCPU 1 of the first.
measure() {
    t0=$(uptime_s); s0=
    for n in "$@"; do s0="$s0 $(vcpu0 "$n" | cut -d' ' -f2)"; done
    moves=0; offpin=0; last=
    i=0
    while [ $i -lt "$secs" ]; do
        sleep 1; i=$((i + 1))
        c=$(vcpu0 "$1" | cut -d' ' -f1)
        [ "$c" = 1 ] || offpin=$((offpin + 1))
        [ -n "$last" ] && [ "$c" != "$last" ] && moves=$((moves + 1))
        last=$c
    done
    t1=$(uptime_s); s1=
    for n in "$@"; do s1="$s1 $(vcpu0 "$n" | cut -d' ' -f2)"; done
    echo "$moves" > /tmp/moves; echo "$offpin" > /tmp/offpin
    awk -v t0="$t0" -v t1="$t1" -v a="$s0" -v b="$s1" 'BEGIN {
        n = split(a, x, " "); split(b, y, " "); printf "%.1f", t1 - t0
        for (i = 1; i <= n; i++) printf " %.1f", y[i] - x[i]; print "" }'
}

xl vcpu-pin 0 all 0 > /dev/null 2>&1      # dom0 keeps to pCPU 0
hog hogA 1; hog hogB 1
burning hogA hogB || exit 0
xl sched-credit2 -d hogA -w 256; xl sched-credit2 -d hogB -w 512
sleep 3
set -- $(measure hogA hogB)
pin1=$(cat /tmp/offpin)
awk -v w="$1" -v a="$2" -v b="$3" 'BEGIN { printf "XENIA-SCHED weights wall=%ss A=%ss B=%ss B/A=%.2f\n", w, a, b, (a > 0 ? b / a : 0) }'

xl destroy hogB
xl sched-credit2 -d hogA -c 25
sleep 3
set -- $(measure hogA)
pin2=$(cat /tmp/offpin)
awk -v w="$1" -v a="$2" 'BEGIN { printf "XENIA-SCHED cap wall=%ss A=%ss share=%.2f\n", w, a, a / w }'
say "pinned off-pCPU-1-samples=$((pin1 + pin2)) of $((2 * secs))"
xl sched-credit2 | sed 's/^/XENIA-SCHED-XL: /'

xl sched-credit2 -d hogA -c 0
xl vcpu-pin hogA 0 all
hog hogB; hog hogC
burning hogB hogC || exit 0
sleep 3
set -- $(measure hogA hogB hogC)
awk -v w="$1" -v a="$2" -v b="$3" -v c="$4" -v m="$(cat /tmp/moves)" 'BEGIN {
    printf "XENIA-SCHED fairness wall=%ss A=%.2f B=%.2f C=%.2f of a pCPU, A moved %d times\n", w, a / w, b / w, c / w, m }'
xl destroy hogA; xl destroy hogB; xl destroy hogC
say "done"
