#!/bin/sh
# The toolstack workload, run by the toolstack dom0's /init
# (scripts/toolstack/dom0-init.sh) when the kernel command line has
# xenia.toolstack=1. Debian's xl, xenstore-* and xenconsoled drive domUs
# built from /etc/xen/guest.cfg. One line per check, parsed by
# tests/system/toolstack.sh:
#     XENIA-CHECK NAME PASS|FAIL detail       XENIA-TIME NAME seconds
# Kernel arguments: xenia.toolstack.cycles=N create/destroy cycles (5).
export PATH=/bin:/sbin:/usr/bin:/usr/sbin:/usr/lib/xen-4.17/bin
cfg=/etc/xen/guest.cfg
clog=/var/log/xen/console
#   xenia.toolstack.lifecycle=0   skip section 6 (scripts/bench-toolstack.sh)
#   xenia.toolstack.domu_args=ARG one more argument for every domU's kernel
#                                 (e.g. grant_table.version=2)
#   xenia.toolstack.slow=S        the bound on a domU's boot or run below (150 s)
#   xenia.toolstack.pvmib=N       MiB per PV disk pass and network stream (64)
#   xenia.toolstack.only=pv-io    only xl info and the PV disk/network checks
#                                 (while working on them; the rest report nothing)
#   xenia.toolstack.only=density  only xl info and scripts/toolstack/density.sh
#                                 (scripts/bench-density.sh, scripts/soak.sh)
#   xenia.toolstack.only=qdisk    only xl info and QEMU's qdisk (qdisk.sh)
#   xenia.toolstack.only=guests   only xl info and the domu_* test guests
#   xenia.toolstack.only=drvdom   only xl info and the driver domain (drvdom.sh)
#   xenia.toolstack.only=pvh      only xl info and a PVH domU (pvh.sh,
#                                 tests/system/toolstack-pvh.sh)
#   xenia.toolstack.only=pvbench  only xl info and the PV I/O benchmark (pvbench.sh,
#                                 scripts/bench-pvio.sh; sizes: pvmib above)
#   xenia.toolstack.only=pvhbench only xl info and the PVH vs PV domU benchmark
#                                 (pvhbench.sh, scripts/bench-pvh.sh)
cycles=5
lifecycle=1
domu_args=
pv_mib=64
only=
for a in $(cat /proc/cmdline); do
    case $a in
    xenia.toolstack.cycles=*) cycles=${a#*=} ;;
    xenia.toolstack.lifecycle=*) lifecycle=${a#*=} ;;
    xenia.toolstack.domu_args=*) domu_args=${a#*=} ;;
    xenia.toolstack.slow=*) slow_arg=${a#*=} ;;
    xenia.toolstack.pvmib=*) pv_mib=${a#*=} ;;
    xenia.toolstack.only=*) only=${a#*=} ;;
    esac
done
# Section 5b's and 6's checks (also named when xl info fails and everything is skipped).
pv_checks="pv-disk pv-disk-features pv-net pv-net-domu-domu pv-destroy-under-io pv-disk-reuse
    pv-block-hotplug pv-net-hotplug qdisk-disk qdisk-recreate drvdom-disk drvdom-net drvdom-destroy"
lifecycle_checks="xl-info-fields xl-dmesg xl-debug-keys xl-list-domu xl-vcpu-list xl-vcpu-pin xl-pause-unpause
    xl-destroy xl-reboot xl-shutdown"

# How long a domU may take to boot or finish before we call it hung: only a
# bound on a hang, generous for a 2-core host loaded with other machines.
slow=${slow_arg:-150}

# Every tool call bounded: on a hypervisor under construction a hung
# hypercall must cost one check, not the run (busybox timeout).
xl() { timeout 60 /usr/lib/xen-4.17/bin/xl "$@"; }
xs() { cmd=$1; shift; timeout 20 "/usr/bin/xenstore-$cmd" "$@"; }

now() { read -r t _ < /proc/uptime; echo "$t"; }   # centiseconds
secs() { read -r t _ < /proc/uptime; echo "${t%.*}"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
check() { # check NAME OK(0/1) DETAIL
    if [ "$2" = 0 ]; then echo "XENIA-CHECK $1 PASS $3"; else echo "XENIA-CHECK $1 FAIL $3"; fi
}
time_of() { echo "XENIA-TIME $1 $2"; }
free_mem() { xl info 2>/dev/null | awk '$1 == "free_memory" { print $3 }'; }
# Page-exact free pages (XEN_SYSCTL_physinfo; xl info rounds to MiB).
free_pages() { /usr/share/xenia/physinfo | sed -n 's/.*free_pages=\([0-9]*\).*/\1/p'; }
# (Diagnostics, XENIA-XL*/XENIA-DOMU-LOG lines, come before the check line
# they explain: tests/system/toolstack.sh shows them with that check.)
# Dom0's grant-table frames and maptrack frames ("F M"), from debug key g:
# the hypervisor allocates dom0 maptrack frames as its backends map more
# grants at once and keeps them while dom0 lives (Xen and Xenia alike).
dom0_gnttab() {
    xl debug-keys g > /dev/null 2>&1 || return 1
    xl dmesg 2>/dev/null | awk '/grant-table for remote d0 / { w = 1; next }
        w && /maptrack frames/ { v = $0; sub(/.*\(XEN\) */, "", v); split(v, f, " "); r = f[1] " " f[5]; w = 0 }
        END { print r }'
}
# Dom0's current size (kB, Linux's balloon driver).
dom0_kb() { cat /sys/devices/system/xen_memory/xen_memory0/info/current_kb 2>/dev/null; }
# Pages dom0 holds: its own (balloon driver) plus the grant-table and
# maptrack frames the hypervisor grew for it. They stay with dom0, so the
# hypervisor's free pages + this are constant once a domU is fully freed.
dom0_footprint() {
    echo "$(dom0_gnttab) $(dom0_kb)" | awk '{ print $1 + $2 + int($3 / 4) }'
}
# A memory mark, "FREE_PAGES DOM0_FOOTPRINT", for free_mem_back_to.
mem_mark() { echo "$(free_pages) $(dom0_footprint)"; }
# Domain freeing is asynchronous (xl destroy returns before the hypervisor
# has relinquished every page): poll until the free pages, plus whatever
# dom0 has taken since MARK (maptrack frames its backends grew, balloon),
# are back to MARK's, 120 s at most. Prints that corrected count (pages):
# the caller compares it with ${MARK%% *}. Page-exact, where xl info's
# free_memory (MiB) flips on a single maptrack frame at a MiB boundary.
free_mem_back_to() {
    set -- $1
    end=$(($(secs) + 120))     # a bound only: backends release late on a loaded host
    while :; do
        f=$(( $(free_pages) + $(dom0_footprint) - $2 ))
        [ "$f" = "$1" ] || [ $(secs) -ge $end ] && break
        sleep 0.5
    done
    echo "$f"
}
# The hypervisor's own share (Xenia's debug keys P/p, include/xenia/perfc.h:
# calls and ns per hypercall and domctl; Xen 4.17 as Debian builds it has no
# such counters and prints none): perfc_reset, then perfc_dump PHASE N prints
#   XENIA-PERFC PHASE n=N hypercall_ms=T per_domain_ms=T/N top=NAME:ms:calls,...
# (the six costliest domctls and hypercalls; a multicall's time includes its
# entries').
perfc_reset() { xl debug-keys P > /dev/null 2>&1; }
perfc_dump() {
    xl debug-keys p > /dev/null 2>&1
    xl dmesg 2>/dev/null | awk '/performance counters \[/ { n = 0 } / perfc / { l[++n] = $0 } END { for (i = 1; i <= n; i++) print l[i] }' > /tmp/perfc.txt
    grep -q 'perfc total' /tmp/perfc.txt || return 0
    _tot=$(sed -n 's/.*perfc total hypercall_ns=\([0-9]*\).*/\1/p' /tmp/perfc.txt)
    # (subop rows split a hypercall's row by command: they would count it twice)
    _top=$(grep -v ' perfc subop ' /tmp/perfc.txt |
        sed -n 's/.*perfc \([a-z]*\) \([^ ]*\) ([0-9]*): calls=\([0-9]*\) ns=\([0-9]*\).*/\4 \1.\2 \3/p' |
        sort -rn | head -n 6 | awk '{ printf "%s%s:%.1f:%s", (NR > 1 ? "," : ""), $2, $1 / 1e6, $3 }')
    echo "XENIA-PERFC $1 n=$2 hypercall_ms=$(awk -v t="$_tot" 'BEGIN { printf "%.1f", t / 1e6 }') per_domain_ms=$(awk -v t="$_tot" -v n="$2" 'BEGIN { if (n) printf "%.1f", t / 1e6 / n; else print 0 }') top=$_top"
}
cpus_arg() { # cpus_arg LIST: xl's cpus="LIST" (a hard affinity), nothing for "all"
    [ "$1" = all ] || echo "cpus=\"$1\""
}
running() { xl list 2>/dev/null | awk -v n="$1" '$1 == n { f = 1 } END { exit !f }'; }
wait_for() { # wait_for SECONDS COMMAND...: poll COMMAND every 0.1 s
    end=$(($(secs) + $1)); shift
    while ! "$@"; do
        [ $(secs) -lt $end ] || return 1
        sleep 0.1
    done
}
console_has() { grep -q "$2" "$clog/guest-$1.log" 2>/dev/null; }
gone() { # xl list answers and NAME is not in it (a failing xl is no "gone")
    out=$(xl list 2>/dev/null) &&
        echo "$out" | awk -v n="$1" '$1 == n { f = 1 } END { exit f }'
}
create() { # create NAME: xl create from guest.cfg under NAME; stderr shown
    xl create "$cfg" "name=\"$1\"" "extra=\"console=hvc0 $domu_args\"" > /tmp/create-$1.out 2>&1
    rc=$?
    [ $rc = 0 ] || sed "s/^/XENIA-XL[$1]: /" /tmp/create-$1.out
    return $rc
}
domu_tail() { # on failure: the domU's console and xl's log, prefixed
    tail -n "${2:-15}" "$clog/guest-$1.log" 2>/dev/null | sed "s/^/XENIA-DOMU-LOG[$1]: /"
    tail -n 10 "/var/log/xen/xl-$1.log" 2>/dev/null | sed "s/^/XENIA-XL-LOG[$1]: /"
}
stuck_report() { # a domU that stopped making progress: 40 console lines, and the
    # hypervisor's view of every vCPU on its console (debug keys q and r)
    domu_tail $1 40
    xl debug-keys q 2>/dev/null; xl debug-keys r 2>/dev/null
    sleep 1
}
# Running domUs driven by xl (the lifecycle checks, pvh.sh): guest.cfg with
# xenia.stay=1 on the domU's command line (scripts/toolstack/domU-init.sh:
# one "XENIA-DOMU: tick N" a second after "userspace up", no power-off of its own).
stay() { # stay NAME [KEY=VALUE...]: xl create a ticking domU; stderr shown
    n=$1; shift
    xl create "$cfg" "name=\"$n\"" "extra=\"console=hvc0 xenia.stay=1 $domu_args\"" "$@" > /tmp/create-$n.out 2>&1
    rc=$?
    [ $rc = 0 ] || sed "s/^/XENIA-XL[$n]: /" /tmp/create-$n.out
    return $rc
}
count_of() { # count_of NAME PATTERN: lines of the domU's console log matching
    c=$(grep -c "$2" "$clog/guest-$1.log" 2>/dev/null); echo "${c:-0}"
}
ticks_above() { [ "$(count_of "$1" 'XENIA-DOMU: tick')" -gt "$2" ]; }
ups_reach() { [ "$(count_of "$1" 'XENIA-DOMU: userspace up')" -ge "$2" ]; }
state_of() { xl list 2>/dev/null | awk -v n="$1" '$1 == n { print $5 }'; }

# 1. xl info: the hypervisor's physinfo/version through libxl.
t0=$(now); out=$(xl info 2>&1); rc=$?; t1=$(now)
free0=$(echo "$out" | awk '$1 == "free_memory" { print $3 }')
mark0=$(mem_mark)
ver=$(echo "$out" | awk '$1 == "xen_major" { M = $3 } $1 == "xen_minor" { m = $3 } END { print M "." m }')
[ $rc = 0 ] && [ -n "$free0" ] && [ "$ver" = 4.17 ]
check xl-info $? "rc=$rc,xen=$ver,free_memory=${free0}MiB,total_memory=$(echo "$out" | awk '$1 == "total_memory" { print $3 }')MiB"
[ $rc = 0 ] || echo "$out" | tail -n 5 | sed 's/^/XENIA-XL: /'
time_of xl-info "$(elapsed "$t0" "$t1")"

if [ $rc != 0 ]; then   # nothing below can work: fail fast, say why
    for n in xl-list-dom0 domu-userspace domu-workload-poweroff xenstore-tree \
             domu-free-memory create-destroy-free-memory two-domus $pv_checks $lifecycle_checks; do
        check $n 1 "skipped: xl info failed"
    done
    echo "XENIA-TOOLSTACK: workload done"
    exit 0
fi

if [ -n "$only" ]; then
    # Every 30 s, each running domU's last console line: where a slow run is.
    (while :; do
        sleep 30
        for f in "$clog"/guest-*.log; do
            n=${f##*/guest-}
            [ -e "$f" ] && running "${n%.log}" &&
                echo "XENIA-PROGRESS ${f##*/}: $(tail -n 1 "$f" | tr -d '\r')"
        done
    done) &
    progress=$!
    . /usr/share/xenia/pv-io.sh   # (defines pv_io_section and helpers)
    case $only in
    pv-io) pv_io_section ;;
    qdisk) . /usr/share/xenia/qdisk.sh; qdisk_section ;;
    guests) sh /usr/share/xenia/domu-guests.sh ;;
    drvdom) . /usr/share/xenia/drvdom.sh; drvdom_section ;;
    density) . /usr/share/xenia/density.sh ;;
    pvh) . /usr/share/xenia/pvh.sh ;;
    pvbench) . /usr/share/xenia/pvbench.sh ;;
    pvhbench) . /usr/share/xenia/pvhbench.sh ;;
    esac
    kill $progress 2>/dev/null
    echo "XENIA-TOOLSTACK: workload done"
    exit 0
fi

# 2. xl list: Domain-0, domid 0.
out=$(xl list 2>&1); rc=$?
echo "$out" | awk '$1 == "Domain-0" && $2 == 0 { f = 1 } END { exit !f }'
check xl-list-dom0 $? "rc=$rc,$(echo "$out" | awk '$1 == "Domain-0" { print "mem=" $3 ",vcpus=" $4 }')"

# 3. One domU, boot to its userspace and its own power-off; xenstore tree
#    present while it runs, gone after; free_memory back where it was.
d=xenia-domu-1
t0=$(now); create $d; rc=$?; t1=$(now)
time_of xl-create "$(elapsed "$t0" "$t1")"
domid=$(xl domid $d 2>/dev/null)
if [ $rc = 0 ] && wait_for $slow console_has $d "XENIA-DOMU: userspace up"; then
    t2=$(now)
    check domu-userspace 0 "domid=$domid,$(grep -o 'domU uptime [0-9.]*s' "$clog/guest-$d.log"),$(grep -o 'Grant tables using version [0-9]' "$clog/guest-$d.log" | head -n1)"
    time_of xl-create-to-domu-userspace "$(elapsed "$t0" "$t2")"
else
    domu_tail $d
    if [ $rc != 0 ]; then check domu-userspace 1 "xl create failed (rc=$rc)"
    else check domu-userspace 1 "no 'XENIA-DOMU: userspace up' within $slow s of xl create"; fi
fi
# The tree libxl wrote for the domain, read while it runs.
tree=$(xs ls -f "/local/domain/$domid" 2>&1); lines=$(echo "$tree" | grep -c .)
echo "$tree" | grep -q "^/local/domain/$domid/name = \"$d\"" &&
    echo "$tree" | grep -q "^/local/domain/$domid/console/ring-ref = " &&
    echo "$tree" | grep -q "^/local/domain/$domid/memory/target = "
tree_ok=$?
vm=$(xs read "/local/domain/$domid/vm" 2>/dev/null)
[ $tree_ok = 0 ] || echo "$tree" | head -n 20 | sed 's/^/XENIA-XENSTORE: /'

if wait_for $slow gone $d; then
    t3=$(now)
    domu_checks=$(grep -o 'XENIA-DOMU-CHECK .*' "$clog/guest-$d.log" 2>/dev/null | tr -d '\r')
    echo "$domu_checks" | sed 's/^/    /'
    console_has $d "XENIA-DOMU: workload done" && ! echo "$domu_checks" | grep -q ' FAIL'
    ok=$?; [ $ok = 0 ] || domu_tail $d
    [ $ok = 0 ]; check domu-workload-poweroff $? "domU checks passed=$(echo "$domu_checks" | grep -c ' PASS')/3,gone from xl list $(elapsed "$t0" "$t3")s after create"
else
    domu_tail $d; check domu-workload-poweroff 1 "still in xl list $slow s after create"
    xl destroy $d 2>/dev/null
fi
xs read "/local/domain/$domid/name" > /dev/null 2>&1; after=$?
[ -n "$vm" ] && { xs read "$vm/name" > /dev/null 2>&1; vm_after=$?; } || vm_after=0
doms=$(xs list /local/domain 2>/dev/null | tr '\n' ' ')
[ $tree_ok = 0 ] && [ $after != 0 ] && [ "$vm_after" != 0 ] && [ "$doms" = "0 " ]
check xenstore-tree $? "running=$lines-nodes,vm=$vm,after:/local/domain=[${doms% }]"
# Only meaningful if the domU existed: a failed create frees nothing.
f=$(free_mem_back_to "$mark0")
[ -n "$domid" ] && [ "$f" = "${mark0%% *}" ]
ok=$?; [ -n "$domid" ] && who="domid=$domid" || who="domU never created"
check domu-free-memory $ok "$who,free_pages=${f}(before ${mark0%% *})"

# 4. Create/destroy cycles (no waiting for the domU to boot: destroy of a
#    domain mid-boot); free_memory must come back exactly after each.
t0=$(now); fails=0; leak=""; each=""
i=1
while [ $i -le "$cycles" ]; do
    n=xenia-cycle-$i
    tc=$(now)
    # A failed create ends the loop: the next ones would fail the same way.
    if create $n; then xl destroy $n || fails=$((fails + 1)); else fails=$((fails + 1)); break; fi
    f=$(free_mem_back_to "$mark0")
    [ "$f" = "${mark0%% *}" ] || { leak="${leak}cycle$i:${f}-pages "; mark0=$(mem_mark); }
    running $n && fails=$((fails + 1))
    each="$each $(elapsed "$tc" "$(now)")"
    i=$((i + 1))
done
t1=$(now)
# Every cycle's own time, for scripts/bench-toolstack.sh's median.
echo "XENIA-TIMES create-destroy-cycle$each"
[ $fails = 0 ] && [ -z "$leak" ]
check create-destroy-free-memory $? "cycles=$cycles,failed=$fails,free_pages=${mark0%% *}${leak:+,changed:${leak% }}"
time_of create-destroy-cycles-$cycles "$(elapsed "$t0" "$t1")"
time_of create-destroy-cycle "$(awk -v a="$t0" -v b="$t1" -v n="$cycles" 'BEGIN { printf "%.2f", (b - a) / n }')"

# 5. Two domUs at once: both listed together, both reach userspace, run
#    their workload and power off.
t0=$(now); ok=0; pair=""
for d in xenia-pair-a xenia-pair-b; do
    if create $d; then pair="$pair $d"; else ok=1; fi
done
both=$(xl list 2>/dev/null | grep -c '^xenia-pair-')
[ "$both" = 2 ] || ok=1
for d in $pair; do   # only the ones created: no waiting for the others
    wait_for $slow console_has $d "XENIA-DOMU: userspace up" || { ok=1; domu_tail $d; }
done
t1=$(now)
for d in $pair; do
    if wait_for $slow gone $d && console_has $d "XENIA-DOMU: workload done"; then :; else
        ok=1; domu_tail $d; xl destroy $d 2>/dev/null
    fi
done
t2=$(now)
f=$(free_mem_back_to "$mark0")
[ $ok = 0 ] && [ "$f" = "${mark0%% *}" ]
check two-domus $? "listed-together=$both,free_pages=${f}(before ${mark0%% *})"
time_of two-domus-to-userspace "$(elapsed "$t0" "$t1")"
time_of two-domus-total "$(elapsed "$t0" "$t2")"

# 5b. PV disks and NICs (dom0's blkback and netback): scripts/toolstack/pv-io.sh;
#     the disk served by QEMU's qdisk: scripts/toolstack/qdisk.sh; a driver
#     domain serving another domU: scripts/toolstack/drvdom.sh.
. /usr/share/xenia/pv-io.sh
pv_io_section
. /usr/share/xenia/qdisk.sh; qdisk_section
. /usr/share/xenia/drvdom.sh; drvdom_section

# 6. Lifecycle of running domUs (stay() above), driven by xl.
lifecycle_section() {
    # xl info: the fields libxl reads from physinfo and xen_version.
    out=$(xl info 2>&1)
    field() { echo "$out" | awk -v k="$1" '$1 == k { print $3 }'; }
    cpus=$(field nr_cpus); M=$(field xen_major); m=$(field xen_minor); fm=$(field free_memory)
    [ "$cpus" = 2 ] && [ "$M" = 4 ] && [ "$m" = 17 ] && [ "${fm:-0}" -gt 0 ] 2>/dev/null
    check xl-info-fields $? "nr_cpus=$cpus,xen_major=$M,xen_minor=$m,free_memory=${fm}MiB"

    # xl dmesg: the hypervisor's console ring (SYSCTL_readconsole) holds its
    # boot lines; both Xen and Xenia print "(XEN) Command line: ..." early.
    out=$(xl dmesg 2>&1); rc=$?
    n=$(echo "$out" | grep -c '^(XEN) ')
    line=$(echo "$out" | grep -m1 '^(XEN) Command line: .*dom0_mem=' | tr -d '\r')
    [ $rc = 0 ] && [ -n "$line" ]
    ok=$?; [ $ok = 0 ] || echo "$out" | head -n 5 | sed 's/^/XENIA-XL: /'
    check xl-dmesg $ok "rc=$rc,(XEN)-lines=$n,${line:-no '(XEN) Command line' line}"

    # xl debug-keys: the hypervisor's domain ('q') and event-channel ('e')
    # dumps land in the console ring, under Xen's own headers.
    xl debug-keys q > /dev/null 2>&1; rq=$?
    xl debug-keys e > /dev/null 2>&1; re=$?
    out=$(xl dmesg 2>/dev/null)
    echo "$out" | grep -q 'General information for domain 0:'; gq=$?
    echo "$out" | grep -q 'Event channel information for domain 0:'; ge=$?
    [ $rq = 0 ] && [ $re = 0 ] && [ $gq = 0 ] && [ $ge = 0 ]
    check xl-debug-keys $? "q:rc=$rq,found=$((1 - gq)),e:rc=$re,found=$((1 - ge))"

    # One running domU: xl list's columns, xl vcpu-list, pause/unpause,
    # then xl destroy while it runs.
    d=xenia-life-1
    mark1=$(mem_mark)
    stay $d && wait_for $slow console_has $d "XENIA-DOMU: tick"
    up=$?; [ $up = 0 ] || domu_tail $d
    row=$(xl list 2>/dev/null | awk -v n="$d" '$1 == n')
    mem=$(echo "$row" | awk '{ print $3 }'); vc=$(echo "$row" | awk '{ print $4 }')
    st=$(echo "$row" | awk '{ print $5 }')
    # Running or blocked, nothing else (not paused, shut down, crashed, dying).
    [ $up = 0 ] && [ "$mem" = 128 ] && [ "$vc" = 1 ] && echo "$st" | grep -Eq '^(r-|-b)----$'
    check xl-list-domu $? "up=$up,mem=$mem,vcpus=$vc,state=$st"

    out=$(xl vcpu-list 2>&1); rc=$?
    v0=$(echo "$out" | awk '$1 == "Domain-0" && $2 == 0 { print $3 }' | tr '\n' ' ')
    vu=$(echo "$out" | awk -v n="$d" '$1 == n { print $3 }' | tr '\n' ' ')
    [ $rc = 0 ] && [ "$v0" = "0 1 " ] && [ "$vu" = "0 " ]
    ok=$?; [ $ok = 0 ] || echo "$out" | head -n 6 | sed 's/^/XENIA-XL: /'
    check xl-vcpu-list $ok "rc=$rc,Domain-0-vcpus=[${v0% }],$d-vcpus=[${vu% }]"

    # xl vcpu-pin: the domU's vCPU moves to the pCPU it is pinned to, runs
    # there (its ticks go on) and its hard affinity reads back; then back.
    cpu_aff() { xl vcpu-list "$d" 2>/dev/null | awk -v n="$d" '$1 == n && $3 == 0 { print $4 "/" $7 }'; }
    pinned_to() { [ "$(cpu_aff)" = "$1/$1" ]; }
    xl vcpu-pin "$d" 0 1; r1=$?
    wait_for 20 pinned_to 1; p1=$?; a1=$(cpu_aff)
    c1=$(count_of $d 'XENIA-DOMU: tick'); wait_for 10 ticks_above $d "$c1"; t1=$?
    xl vcpu-pin "$d" 0 0; r0=$?
    wait_for 20 pinned_to 0; p0=$?; a0=$(cpu_aff)
    xl vcpu-pin "$d" 0 all
    [ $up = 0 ] && [ $r1 = 0 ] && [ $p1 = 0 ] && [ $t1 = 0 ] && [ $r0 = 0 ] && [ $p0 = 0 ]
    check xl-vcpu-pin $? "pin-1:rc=$r1,cpu/hard=$a1,ticking=$((1 - t1)),pin-0:rc=$r0,cpu/hard=$a0"

    # Paused: 'p' in the state, no tick reaches the console (1 s to drain
    # a line in flight, then 3 s of nothing); unpaused: ticks again.
    xl pause $d; rc1=$?; sp=$(state_of $d)
    sleep 1; c1=$(count_of $d 'XENIA-DOMU: tick'); sleep 3; c2=$(count_of $d 'XENIA-DOMU: tick')
    xl unpause $d; rc2=$?; su=$(state_of $d)
    wait_for 10 ticks_above $d "$c2"; prog=$?
    c3=$(count_of $d 'XENIA-DOMU: tick')
    ok=1
    if [ $up = 0 ] && [ $rc1 = 0 ] && [ $rc2 = 0 ] && [ "$c1" = "$c2" ] && [ $prog = 0 ]; then
        case $sp in *p*) case $su in *p*) ;; *) ok=0 ;; esac ;; esac
    fi
    check xl-pause-unpause $ok "paused-state=$sp,ticks-while-paused=$c1->$c2,unpaused-state=$su,ticks-after=$c3"

    t0=$(now); xl destroy $d; rc=$?
    wait_for 20 gone $d; g=$?
    f=$(free_mem_back_to "$mark1")
    [ $up = 0 ] && [ $rc = 0 ] && [ $g = 0 ] && [ "$f" = "${mark1%% *}" ]
    check xl-destroy $? "up=$up,rc=$rc,gone=$([ $g = 0 ] && echo yes || echo no),free_pages=${f}(before ${mark1%% *})"
    time_of xl-destroy-running "$(elapsed "$t0" "$(now)")"

    # xl reboot: Linux gets control/shutdown = "reboot" and restarts; xl's
    # monitor (on_reboot="restart") builds a new domain under the same name.
    d=xenia-life-2
    stay $d 'on_reboot="restart"' && wait_for $slow console_has $d "XENIA-DOMU: userspace up"
    up=$?; id1=$(xl domid $d 2>/dev/null)
    t0=$(now); xl reboot $d; rc=$?
    wait_for $slow ups_reach $d 2; again=$?
    id2=$(xl domid $d 2>/dev/null)
    [ $up = 0 ] && [ $rc = 0 ] && [ $again = 0 ] && [ -n "$id2" ] && [ "$id2" != "$id1" ]
    ok=$?; [ $ok = 0 ] || domu_tail $d
    check xl-reboot $ok "up=$up,rc=$rc,domid=$id1->$id2,userspace-up-lines=$(count_of $d 'XENIA-DOMU: userspace up')"
    [ $ok = 0 ] && time_of xl-reboot-to-domu-userspace "$(elapsed "$t0" "$(now)")"

    # xl shutdown: control/shutdown = "poweroff"; the domU's /sbin/poweroff
    # says so on its console and powers off; on_poweroff="destroy".
    wait_for 30 console_has $d "XENIA-DOMU: tick"
    t0=$(now); xl shutdown $d; rc=$?
    wait_for $slow gone $d; g=$?
    console_has $d "XENIA-DOMU: poweroff requested"; req=$?
    f=$(free_mem_back_to "$mark1")
    [ -n "$id2" ] && [ $rc = 0 ] && [ $g = 0 ] && [ $req = 0 ] && [ "$f" = "${mark1%% *}" ]
    ok=$?; [ $ok = 0 ] || domu_tail $d
    check xl-shutdown $ok "rc=$rc,poweroff-requested=$([ $req = 0 ] && echo yes || echo no),gone=$([ $g = 0 ] && echo yes || echo no),free_pages=${f}(before ${mark1%% *})"
    time_of xl-shutdown $(elapsed "$t0" "$(now)")
    running $d && xl destroy $d 2>/dev/null
}
[ "$lifecycle" = 1 ] && lifecycle_section

sh /usr/share/xenia/domu-guests.sh   # tests/guests/domu_*: XENIA-CHECK domu-guest-NAME

echo "XENIA-TOOLSTACK: workload done"
