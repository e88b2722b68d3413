# drvdom.sh: a driver domain, sourced by scripts/toolstack/workload.sh
# after pv-io.sh (busybox sh; workload.sh's helpers and pv-io.sh's
# pv_create, pv_line, pv_md5, pv_md5_in, xl_dev, dom0_warnings). A domU
# created with driver_domain=1 runs the cloud kernel's blkback and netback
# and `xl devd` (scripts/toolstack/drvdom-init.sh, its own initramfs
# /usr/share/xenia/drvdom-initrd.cpio); a second domU's disk and vif name
# it as their backend (backend=xenia-drvdom, Xen 4.4's storage/network
# driver domains): grants and event channels between two domUs, nothing
# of dom0 in the data path (dom0's backends have no entry for the client).
# It defines drvdom_section; workload.sh runs it for a PV driver domain,
# pvh.sh for a PVH one.
# Checks:
#   drvdom-disk     the client writes N MiB to xvdb with O_DIRECT and reads
#                   them back intact; its frontend's backend-id is the
#                   driver domain, whose backend/vbd entry is Connected;
#                   dom0 has no backend/vbd for the client
#   drvdom-net      the client pings the driver domain over its bridge and
#                   fetches N MiB from it intact; the vif's backend is the
#                   driver domain's, none in dom0
#   drvdom-destroy  xl destroy of the driver domain while the client reads
#                   its disk and pings: the driver domain is gone, the client
#                   stays (listed, its console ticks on), dom0 answers xl
#                   list, no new warning in dom0's kernel log; then the
#                   client destroyed too and free memory back where it was

drv_ticks() { grep -c "XENIA-DOMU: tick" "$clog/guest-$1.log" 2>/dev/null || true; }
drv_ticks_above() { [ "$(drv_ticks "$1")" -gt "$2" ] 2>/dev/null; }

# drvdom_section [PREFIX [XL-ARG...]]: the checks, named PREFIXdrvdom-*;
# the driver domain is created with the extra xl arguments (pvh.sh: a PVH
# driver domain, 'type="pvh"', whose backends map the client's grants into
# its P2M).
drvdom_section() {
    dp=${1:-}; [ $# = 0 ] || shift
    bytes=$((pv_mib * 1048576))
    want=$(yes xenia-pv-io | head -c $bytes | pv_md5)
    D=xenia-drvdom; C=xenia-drv-client
    mark0=$(mem_mark); w0=$(dom0_warnings)
    t0=$(now)
    xl_dev create "$cfg" "name=\"$D\"" 'ramdisk="/usr/share/xenia/drvdom-initrd.cpio"' \
        "extra=\"console=hvc0 xenia.drv.mib=$pv_mib\"" 'driver_domain=1' 'memory=192' "$@" \
        > "/tmp/create-$D.out" 2>&1; rd=$?
    [ $rd = 0 ] || sed "s/^/XENIA-XL[$D]: /" "/tmp/create-$D.out"
    did=$(xl domid $D 2>/dev/null)
    ready=1; [ $rd != 0 ] || { wait_for 600 console_has $D "XENIA-DOMU: driver domain ready"; ready=$?; }
    setup=$(pv_line $D drvdom-setup)
    rc=1; cid=
    if [ $ready = 0 ]; then
        pv_create $C drvc 169.254.78.2 \
            "disk=['backend=$D,backendtype=phy,vdev=xvdb,access=rw,script=/etc/xen/scripts/block-phy,target=/dev/xenia-drv-disk']" \
            "vif=['backend=$D,bridge=xenbr1,script=/etc/xen/scripts/vif-bridge-bb']"; rc=$?
        cid=$(xl domid $C 2>/dev/null)
    fi
    done_=1; [ $rc != 0 ] || { wait_for 900 console_has $C "XENIA-DOMU: drvc done"; done_=$?; }
    time_of ${dp}drvdom-client "$(elapsed "$t0" "$(now)")"
    vbe=$(xs read "/local/domain/$cid/device/vbd/51728/backend-id" 2>/dev/null)
    vst=$(xs read "/local/domain/$did/backend/vbd/$cid/51728/state" 2>/dev/null)
    v0=$(xs exists "/local/domain/0/backend/vbd/$cid" 2>/dev/null && echo yes || echo no)
    nbe=$(xs read "/local/domain/$cid/device/vif/0/backend-id" 2>/dev/null)
    nst=$(xs read "/local/domain/$did/backend/vif/$cid/0/state" 2>/dev/null)
    n0=$(xs exists "/local/domain/0/backend/vif/$cid" 2>/dev/null && echo yes || echo no)
    dl=$(pv_line $C drvc-disk); nl=$(pv_line $C drvc-net)

    ok=1
    case $setup in PASS*) case $dl in PASS*)
        [ $rc = 0 ] && [ $done_ = 0 ] && [ -n "$did" ] && [ "$vbe" = "$did" ] && [ "$vst" = 4 ] && [ $v0 = no ] &&
        [ "$(echo "$dl" | sed -n 's/.*read-back-md5=\([0-9a-f]*\).*/\1/p')" = "$want" ] && ok=0 ;; esac ;; esac
    [ $ok = 0 ] || { domu_tail $D; domu_tail $C; }
    check ${dp}drvdom-disk $ok "drvdom=$did(create=$rd,${setup:-no setup line}),client=$cid(create=$rc),frontend-backend-id=${vbe:-none},drvdom-backend-state=${vst:-none},dom0-backend=$v0,domU:${dl:-none},want=$want"
    ok=1
    case $nl in PASS*) [ "$nbe" = "$did" ] && [ -n "$did" ] && [ "$nst" = 4 ] && [ $n0 = no ] &&
        [ "$(pv_md5_in "$nl")" = "$want" ] && ok=0 ;; esac
    [ $ok = 0 ] || domu_tail $C
    check ${dp}drvdom-net $ok "frontend-backend-id=${nbe:-none},drvdom-backend-state=${nst:-none},dom0-backend=$n0,domU:${nl:-none},want=$want"

    # The driver domain destroyed under its client's I/O.
    c1=$(drv_ticks $C)
    xl destroy $D > /dev/null 2>&1; dd_=$?
    wait_for 60 gone $D; g=$?
    wait_for 60 drv_ticks_above $C "$c1"; c1b=$(drv_ticks $C)
    wait_for 60 drv_ticks_above $C "$c1b"; alive=$?   # ticking on after the destroy
    c2=$(drv_ticks $C)
    running $C; listed=$?
    xl list > /dev/null 2>&1; xlok=$?
    w1=$(dom0_warnings)
    xl_dev destroy $C > /tmp/destroy-$C.out 2>&1; dc=$?
    [ $dc = 0 ] || sed "s/^/XENIA-XL[destroy $C]: /" /tmp/destroy-$C.out | tail -n 5
    wait_for 60 gone $C; gc=$?
    f=$(free_mem_back_to "$mark0")
    ok=1
    [ $done_ = 0 ] && [ $dd_ = 0 ] && [ $g = 0 ] && [ $alive = 0 ] && [ $listed = 0 ] && [ $xlok = 0 ] &&
        [ "$w0" = "$w1" ] && [ $dc = 0 ] && [ $gc = 0 ] && [ "$f" = "${mark0%% *}" ] && ok=0
    [ $ok = 0 ] || domu_tail $C
    check ${dp}drvdom-destroy $ok "client-ran=$((1 - done_)),destroy-drvdom=$dd_,drvdom-gone=$((1 - g)),client-ticks=$c1->$c2,client-listed=$((1 - listed)),dom0-xl-list=$xlok,dom0-warnings=$w0->$w1,destroy-client=$dc,client-gone=$((1 - gc)),free_pages=${f}(before ${mark0%% *})"
    time_of ${dp}drvdom "$(elapsed "$t0" "$(now)")"
    running $D && xl destroy $D > /dev/null 2>&1
    running $C && xl destroy $C > /dev/null 2>&1
}
