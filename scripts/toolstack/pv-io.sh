# pv-io.sh: PV disk and network checks of the toolstack workload, sourced
# by scripts/toolstack/workload.sh (busybox sh; its helpers: xl, xs, check,
# now, elapsed, time_of, wait_for, console_has, gone, mem_mark,
# free_mem_back_to, domu_tail, $cfg, $clog, $slow). Dom0's blkback serves
# loop devices, its netback joins a bridge (xenbr0, link-local addresses:
# nothing leaves the emulated machine); busybox hotplug scripts
# (/etc/xen/scripts/block-phy, vif-bridge-bb) since Debian's need bash.
# Three domUs run scripts/toolstack/pv-io-domU.sh (xenia.pvio=ROLE): a
# (disk A, a NIC) and b (disk B, a NIC) together, then reuse (disk A, and
# disk B and a NIC hot-plugged). $pv_mib (xenia.toolstack.pvmib, 64) MiB
# per disk pass and per stream, all of them `yes xenia-pv-io`.
# Checks:
#   pv-disk           a writes N MiB to xvdb with O_DIRECT, xl shutdown ends
#                     it cleanly, dom0 reads the same bytes from disk A
#   pv-disk-features  a's disk: feature-persistent in backend and frontend,
#                     feature-max-indirect-segments, a's queue takes more
#                     than 11 segments, and blkback's statistics show writes
#                     averaging more than 11 pages (88 sectors) a request:
#                     indirect requests in use
#   pv-net            a: ping dom0, N MiB each way with dom0 at once
#   pv-net-domu-domu  b pings a and fetches N MiB from it over the bridge
#   pv-destroy-under-io  b then reads and writes disk B and streams both
#                     ways with dom0; xl destroy in the middle: backends and
#                     vif gone, the domain gone from the hypervisor's own
#                     list (debug key q; on Xenia every "N frames still
#                     referenced" of a and b has its "last frame freed"),
#                     no new warning in dom0's kernel log, and once a is
#                     gone too, free memory back to the page (debug key m,
#                     kB) to its value before a and b were created (dom0's
#                     own maptrack growth, key g, accounted)
#   pv-disk-reuse     a new domU on disk A reads the N MiB back
#   pv-block-hotplug  xl block-attach of disk B (b's) as xvdc to that running
#                     domU, 4 MiB through it (dom0 reads them on its side),
#                     block-detach: gone in the domU and from xl block-list
#   pv-net-hotplug    xl network-attach: eth0 appears, pings both ways,
#                     network-detach: gone in the domU and in dom0; then
#                     xl shutdown, free memory back

# xl create/attach/detach wait for the backends' hotplug scripts: slower
# than workload.sh's 60 s bound on a loaded host; 300 s still bounds a hang.
xl_dev() { timeout 300 /usr/lib/xen-4.17/bin/xl "$@"; }
pv_md5() { md5sum | cut -d' ' -f1; }
pv_md5_in() { echo "$1" | sed -n 's/.*md5=\([0-9a-f]*\).*/\1/p'; }
pv_create() { # pv_create NAME ROLE IP [KEY=VALUE...]: a pv-io-domU.sh domU
    pn=$1; pr=$2; pip=$3; shift 3
    xl_dev create "$cfg" "name=\"$pn\"" \
        "extra=\"console=hvc0 xenia.pvio=$pr xenia.pvio.mib=$pv_mib xenia.pvio.ip=$pip\"" \
        "$@" > "/tmp/create-$pn.out" 2>&1
    prc=$?
    [ $prc = 0 ] || sed "s/^/XENIA-XL[$pn]: /" "/tmp/create-$pn.out"
    return $prc
}
pv_line() { # pv_line NAME CHECK: the rest of the domU's "XENIA-DOMU-CHECK CHECK" line
    grep -o "XENIA-DOMU-CHECK $2 .*" "$clog/guest-$1.log" 2>/dev/null | head -n1 | tr -d '\r' |
        sed "s/^XENIA-DOMU-CHECK $2 //"
}
pv_has_line() { [ -n "$(pv_line "$1" "$2")" ]; }
pv_shut() { # pv_shut NAME: xl shutdown, 0 once gone; destroyed (1) if it hangs
    xl shutdown "$1" > /dev/null 2>&1
    wait_for $slow gone "$1" && return 0
    xl destroy "$1" > /dev/null 2>&1
    return 1
}
pv_nox() { ! xs exists "$1" 2>/dev/null; }
pv_nofile() { [ ! -e "$1" ]; }
# The hypervisor's own count of free memory, in kB (pages * 4): the last
# "Physical memory information" dump (debug key m) in xl dmesg; Xen and
# Xenia print "Xen heap", "Dom heap" (and Xen "DMA heap") totals.
hv_free_kb() {
    xl debug-keys m > /dev/null 2>&1 || return 1
    xl dmesg 2>/dev/null | awk '/Physical memory information:/ { s = 0; seen = 1 }
        /(Xen|DMA|Dom) heap: [0-9]+kB free/ { v = $0; sub(/.*heap: /, "", v); sub(/kB.*/, "", v); s += v }
        END { if (seen) print s }'
}
# Is DOMID in the hypervisor's domain list (dying domains too), debug key q?
hv_has_domain() {
    xl debug-keys q > /dev/null 2>&1
    xl dmesg 2>/dev/null | awk -v id="$1" '/pressed -> dumping domain info/ { f = 0 }
        index($0, "General information for domain " id ":") { f = 1 } END { exit !f }'
}
hv_lacks_domain() { ! hv_has_domain "$1"; }
dom0_warnings() { dmesg | grep -cE 'BUG:|Oops|WARNING:|general protection'; }

# blk_features DOMID: what blkfront and blkback negotiated for DOMID's
# xvdb, and blkback's write statistics (bf_* variables, bf_detail).
blk_features() {
    bf_be=/local/domain/0/backend/vbd/$1/51728
    bf_bp=$(xs read $bf_be/feature-persistent 2>/dev/null)
    bf_bi=$(xs read $bf_be/feature-max-indirect-segments 2>/dev/null)
    bf_fp=$(xs read /local/domain/$1/device/vbd/51728/feature-persistent 2>/dev/null)
    bf_st=/sys/bus/xen-backend/devices/vbd-$1-51728/statistics
    bf_wreq=$(cat $bf_st/wr_req 2>/dev/null); bf_wsect=$(cat $bf_st/wr_sect 2>/dev/null)
    bf_detail="backend:feature-persistent=${bf_bp:-none},feature-max-indirect-segments=${bf_bi:-none},frontend:feature-persistent=${bf_fp:-none},blkback:wr_req=${bf_wreq:-none},wr_sect=${bf_wsect:-none}"
}
# blk_features_used: after blk_features, persistent grants on both sides
# and indirect descriptors offered (more than 11 segments) and in use
# (writes average more than 11 pages, 88 sectors).
blk_features_used() {
    [ "$bf_bp" = 1 ] && [ "$bf_fp" = 1 ] && [ "${bf_bi:-0}" -gt 11 ] && [ "${bf_wreq:-0}" -gt 0 ] &&
        [ "${bf_wsect:-0}" -gt $((88 * ${bf_wreq:-0})) ] 2>/dev/null
}

# pv_block_hotplug NAME LOOPDEV: with the domU NAME (a pv-io-domU.sh
# hotplug_sequence) at "hotplug ready": xl block-attach of LOOPDEV as xvdc,
# 4 MiB through it (dom0 reads them on its side), block-detach: gone in the
# domU and from xl block-list. Sets hp_ok (0: all held) and hp_detail.
pv_block_hotplug() {
    hn=$1; hlo=$2
    hp_md5=$(yes xenia-hotplug | head -c 4194304 | pv_md5)
    hp_listed() { xl block-list $hn 2>/dev/null | awk '$1 == 51744 { f = 1 } END { exit !f }'; }
    xl_dev block-attach $hn "phy:$hlo,xvdc,w,script=/etc/xen/scripts/block-phy" > /tmp/attach.out 2>&1; ba=$?
    [ $ba = 0 ] || sed "s/^/XENIA-XL[block-attach]: /" /tmp/attach.out
    hp_listed; l1=$?
    wait_for 300 console_has $hn "XENIA-DOMU: xvdc used"; used=$?
    hl=$(pv_line $hn hotplug-xvdc)
    xl_dev block-detach $hn xvdc > /tmp/detach.out 2>&1; bd=$?
    [ $bd = 0 ] || sed "s/^/XENIA-XL[block-detach]: /" /tmp/detach.out
    wait_for 300 console_has $hn "XENIA-DOMU: xvdc gone"; gone_=$?
    hp_listed; l2=$?
    hgot=$(dd if="$hlo" bs=1M count=4 iflag=direct 2>/dev/null | pv_md5)
    hp_ok=1
    case $hl in PASS*) [ $ba = 0 ] && [ $l1 = 0 ] && [ $used = 0 ] && [ $bd = 0 ] && [ $gone_ = 0 ] &&
        [ $l2 != 0 ] && [ "$(pv_md5_in "$hl")" = "$hp_md5" ] && [ "$hgot" = "$hp_md5" ] && hp_ok=0 ;; esac
    hp_detail="attach=$ba,listed=$((1 - l1)),domU:${hl:-none},dom0-md5=$hgot,want=$hp_md5,detach=$bd,gone-in-domU=$((1 - gone_)),listed-after=$((1 - l2))"
}
# pv_net_hotplug NAME IP DOMID: then xl network-attach (bridge xenbr0):
# eth0 appears with IP and pings both ways; network-detach: gone in the
# domU and its vif in dom0. Sets hp_ok and hp_detail.
pv_net_hotplug() {
    hn=$1; hip=$2; hid=$3
    # (xl network-attach takes one KEY=VALUE per argument, not a comma list.)
    xl_dev network-attach $hn bridge=xenbr0 script=/etc/xen/scripts/vif-bridge-bb > /tmp/attach.out 2>&1; na=$?
    [ $na = 0 ] || sed "s/^/XENIA-XL[network-attach]: /" /tmp/attach.out
    wait_for 300 console_has $hn "XENIA-DOMU: eth0 used"; used=$?
    nl=$(pv_line $hn hotplug-eth0)
    ping -c 3 -W 5 "$hip" > /dev/null 2>&1; p=$?
    xl_dev network-detach $hn 0 > /tmp/detach.out 2>&1; nd=$?
    [ $nd = 0 ] || sed "s/^/XENIA-XL[network-detach]: /" /tmp/detach.out
    wait_for 300 console_has $hn "XENIA-DOMU: eth0 gone"; gone_=$?
    wait_for 30 pv_nofile /sys/class/net/vif$hid.0; ni=$?
    hp_ok=1
    case $nl in PASS*) [ $na = 0 ] && [ $used = 0 ] && [ $p = 0 ] && [ $nd = 0 ] && [ $gone_ = 0 ] &&
        [ $ni = 0 ] && hp_ok=0 ;; esac
    hp_detail="attach=$na,domU:${nl:-none},dom0-ping=$((1 - p)),detach=$nd,gone-in-domU=$((1 - gone_)),vif-gone-in-dom0=$((1 - ni))"
}

pv_io_section() {
    bytes=$((pv_mib * 1048576))
    # The expected checksum, computed while the domUs boot.
    (yes xenia-pv-io | head -c $bytes | pv_md5 > /tmp/want.md5) &
    want_pid=$!
    # Disk A: a's N MiB. Disk B: 16 MiB b reads, 16 MiB b writes.
    truncate -s $bytes /tmp/diskA.img
    truncate -s 33554432 /tmp/diskB.img
    lo=$(losetup -f 2>/dev/null); losetup "$lo" /tmp/diskA.img 2>/dev/null; lr=$?
    lo2=$(losetup -f 2>/dev/null); losetup "$lo2" /tmp/diskB.img 2>/dev/null; lr2=$?
    phy="phy:$lo,xvdb,w,script=/etc/xen/scripts/block-phy"
    phy2="phy:$lo2,xvdb,w,script=/etc/xen/scripts/block-phy"
    vif="bridge=xenbr0,script=/etc/xen/scripts/vif-bridge-bb"
    brctl addbr xenbr0 2>/dev/null; ip addr add 169.254.77.1/24 dev xenbr0 2>/dev/null
    ip link set xenbr0 up
    # Dom0's ends of the streams: N MiB to a; an endless one to b and a sink for b's.
    printf '#!/bin/sh\nyes xenia-pv-io | head -c %d\n' $bytes > /tmp/send
    printf '#!/bin/sh\nexec cat /dev/zero\n' > /tmp/zeros
    printf '#!/bin/sh\nexec cat > /dev/null\n' > /tmp/sink
    chmod 755 /tmp/send /tmp/zeros /tmp/sink
    nc -l -p 5002 -e /tmp/send > /dev/null 2>&1 &
    srv=$!
    nc -l -p 5004 -e /tmp/zeros > /dev/null 2>&1 &
    z=$!
    nc -l -p 5005 -e /tmp/sink > /dev/null 2>&1 &
    k=$!

    # 1. a and b together.
    a=xenia-pv-a; b=xenia-pv-b
    t0=$(now); tpv=$t0
    kb0=$(hv_free_kb); gt0=$(dom0_gnttab); w0=$(dom0_warnings)
    pv_create $a a 169.254.77.2 "disk=['$phy']" "vif=['$vif']"; ra=$?
    pv_create $b b 169.254.77.3 "disk=['$phy2']" "vif=['$vif']"; rb=$?
    ida=$(xl domid $a 2>/dev/null); idb=$(xl domid $b 2>/dev/null)
    wait_for 900 console_has $a "XENIA-DOMU: disk done"; done_=$?
    blk_features "$ida"
    wline=$(pv_line $a pv-disk-write)
    time_of pv-disk-write "$(elapsed "$t0" "$(now)")"

    # dom0 <-> a, N MiB each way at once; b fetches from a meanwhile.
    wait_for $slow console_has $a "XENIA-DOMU: net served"; served=$?
    t1=$(now)
    got=$(timeout 900 nc 169.254.77.2 5001 < /dev/null 2>/dev/null | pv_md5)
    wait_for 900 pv_has_line $a pv-net-rx
    time_of pv-net "$(elapsed "$t1" "$(now)")"
    ping_=$(pv_line $a pv-net-ping); rx=$(pv_line $a pv-net-rx)
    wait_for 900 pv_has_line $b pv-net-peer-rx   # b's fetch from a, before a goes
    pv_shut $a; sa=$?
    wait $want_pid; want=$(cat /tmp/want.md5)
    dgot=$(dd if="$lo" bs=1M count=$pv_mib iflag=direct 2>/dev/null | pv_md5)
    ok=1
    case $wline in PASS*) [ $lr = 0 ] && [ $ra = 0 ] && [ $done_ = 0 ] && [ $sa = 0 ] &&
        [ "$dgot" = "$want" ] && ok=0 ;; esac
    [ $ok = 0 ] || domu_tail $a
    check pv-disk $ok "loop=$lo,create=$ra,domU:${wline:-none},shutdown-clean=$((1 - sa)),dom0-md5=$dgot,want=$want"
    segs=$(echo "$wline" | sed -n 's/.*max_segments=\([0-9]*\).*/\1/p')
    blk_features_used && [ "${segs:-0}" -gt 11 ] 2>/dev/null
    check pv-disk-features $? "$bf_detail,domU-max_segments=${segs:-none}"
    ok=1
    case $ping_ in PASS*) [ $served = 0 ] && [ "$(pv_md5_in "$rx")" = "$want" ] && [ "$got" = "$want" ] &&
        ok=0 ;; esac
    [ $ok = 0 ] || domu_tail $a
    check pv-net $ok "ping=${ping_:-none},domU-got:${rx:-none},dom0-got-md5=$got,want=$want"

    # 2. b: the N MiB from a, then heavy I/O, then xl destroy.
    wait_for 900 console_has $b "XENIA-DOMU: stress running"; up=$?
    pping=$(pv_line $b pv-net-peer-ping); prx=$(pv_line $b pv-net-peer-rx)
    ok=1
    case $pping in PASS*) [ $rb = 0 ] && [ "$(pv_md5_in "$prx")" = "$want" ] && ok=0 ;; esac
    [ $ok = 0 ] || domu_tail $b
    check pv-net-domu-domu $ok "create=$rb,${pping:-no ping line},got-from-a:${prx:-none}"
    # In flight: blkback's request count and the vif's byte count both move.
    st=/sys/bus/xen-backend/devices/vbd-$idb-51728/statistics
    vs=/sys/class/net/vif$idb.0/statistics
    io_now() {
        echo "$(cat $st/rd_req $st/wr_req 2>/dev/null | awk '{ s += $1 } END { print s + 0 }')" \
             "$(cat $vs/rx_bytes $vs/tx_bytes 2>/dev/null | awk '{ s += $1 } END { print s + 0 }')"
    }
    io0=$(io_now)
    io_moved() { set -- $io0 $(io_now); [ "$3" -gt "$1" ] && [ "$4" -gt "$2" ]; }
    wait_for 120 io_moved; busy=$?; io1=$(io_now)
    t1=$(now)
    xl destroy $b; rd=$?
    wait_for 30 gone $b; g=$?
    wait_for 30 pv_nox /local/domain/0/backend/vbd/$idb; nb=$?
    wait_for 30 pv_nox /local/domain/0/backend/vif/$idb; nv=$?
    wait_for 30 pv_nofile /sys/class/net/vif$idb.0; ni=$?
    wait_for 60 hv_lacks_domain "$idb"; hl=$?
    wait_for 60 hv_lacks_domain "$ida"; hla=$?
    kill $srv $z $k 2>/dev/null
    # Free memory to the page, dom0's maptrack growth accounted (one page a frame).
    mem_back() {
        kb1=$(hv_free_kb); gt1=$(dom0_gnttab)
        set -- $gt0 $gt1
        [ "$1" = "$3" ] && [ "${kb0:-x}" = "$((kb1 + 4 * ($4 - $2)))" ] 2>/dev/null
    }
    wait_for 30 mem_back; mb=$?
    w1=$(dom0_warnings); xl list > /dev/null 2>&1; xlok=$?
    # Xenia says when a destroyed domain keeps frames another domain still
    # maps (xenstored's and xenconsoled's mappings of its rings) and when
    # the last of them goes; Xen says neither: a domain with the first line
    # needs the second.
    msgs=$(xl dmesg 2>/dev/null)
    zl=0; zf=0; zok=0
    for i in $ida $idb; do
        kept=$(echo "$msgs" | grep -c "domain $i: [0-9]* frames still referenced")
        freed=$(echo "$msgs" | grep -c "domain $i: last frame freed")
        zl=$((zl + kept)); zf=$((zf + freed))
        [ "$kept" = 0 ] || [ "$freed" -gt 0 ] || zok=1
    done
    [ $rb = 0 ] && [ $up = 0 ] && [ $busy = 0 ] && [ $rd = 0 ] && [ $g = 0 ] && [ $nb = 0 ] &&
        [ $nv = 0 ] && [ $ni = 0 ] && [ $hl = 0 ] && [ $hla = 0 ] && [ $mb = 0 ] && [ "$w0" = "$w1" ] &&
        [ $xlok = 0 ] && [ $zok = 0 ]
    ok=$?; [ $ok = 0 ] || domu_tail $b
    check pv-destroy-under-io $ok "domid=$idb,io(requests bytes)=$io0->$io1,destroy=$rd,gone=$((1 - g)),backends-gone=vbd:$((1 - nb))/vif:$((1 - nv))/iface:$((1 - ni)),hv-list-gone=$((1 - hl))(a:$((1 - hla))),free_kB=$kb0->$kb1,dom0-gnttab(frames maptrack)=$gt0->$gt1,dom0-warnings=$w0->$w1,kept-frames/freed-later=$zl/$zf"
    time_of pv-destroy-under-io "$(elapsed "$t1" "$(now)")"

    # 3. A new domU on disk A; disk B (b's) and a NIC hot-plugged into it.
    d=xenia-pv-reuse
    t0=$(now); mark1=$(mem_mark)
    pv_create $d reuse 169.254.77.4 "disk=['$phy']"; rc=$?
    id=$(xl domid $d 2>/dev/null)
    wait_for 900 console_has $d "XENIA-DOMU: hotplug ready"; up=$?
    line=$(pv_line $d pv-disk-read)
    ok=1
    case $line in PASS*) [ $rc = 0 ] && [ "$(pv_md5_in "$line")" = "$want" ] && ok=0 ;; esac
    [ $ok = 0 ] || domu_tail $d
    check pv-disk-reuse $ok "create=$rc,domU:${line:-none},want=$want"

    pv_block_hotplug $d "$lo2"
    ok=1; [ $lr2 = 0 ] && [ $up = 0 ] && [ $hp_ok = 0 ] && ok=0
    [ $ok = 0 ] || domu_tail $d
    check pv-block-hotplug $ok "$hp_detail"

    pv_net_hotplug $d 169.254.77.4 "$id"
    pv_shut $d; sh=$?
    f=$(free_mem_back_to "$mark1")
    # What the hypervisor said of this domain's destruction, shown on failure.
    xl dmesg 2>/dev/null | grep -E "domain $id: " | sed "s/^/XENIA-XL[pv-net-hotplug]: /"
    ok=1; [ $hp_ok = 0 ] && [ $sh = 0 ] && [ "$f" = "${mark1%% *}" ] && ok=0
    [ $ok = 0 ] || domu_tail $d
    check pv-net-hotplug $ok "$hp_detail,shutdown-clean=$((1 - sh)),free_pages=${f}(before ${mark1%% *}, dom0 $(dom0_footprint) now)"
    time_of pv-reuse-hotplug "$(elapsed "$t0" "$(now)")"
    time_of pv-io "$(elapsed "$tpv" "$(now)")"

    losetup -d "$lo" 2>/dev/null; losetup -d "$lo2" 2>/dev/null
    rm -f /tmp/diskA.img /tmp/diskB.img /tmp/send /tmp/zeros /tmp/sink /tmp/want.md5
}
