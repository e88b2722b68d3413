# qdisk.sh: the PV disk served by Debian's qemu-system-xen (QEMU's qdisk
# backend, xen-block) instead of dom0's blkback; sourced by
# scripts/toolstack/workload.sh (busybox sh; its helpers: xl, xs, check,
# now, elapsed, time_of, wait_for, console_has, gone, mem_mark,
# free_mem_back_to, domu_tail, $cfg, $clog, $slow, $pv_mib) after pv-io.sh
# (whose pv_create, pv_line, pv_shut, pv_md5 it uses); it defines
# qdisk_section (the checks) and the qd_* helpers (pvh.sh uses them too).
# libxl starts QEMU
# (/usr/libexec/xen-qemu-system-i386 -M xenpv) for a PV domU with a qdisk
# disk; QEMU maps the domU's grants through /dev/xen/gntdev (or copies with
# GNTTABOP_copy), binds its event channel through /dev/xen/evtchn and
# talks to xenstore. A raw file, /tmp/qdisk.img, no loop device.
# Checks:
#   qdisk-disk     domU 1 (disk=['format=raw,vdev=xvdb,access=rw,
#                  backendtype=qdisk,target=/tmp/qdisk.img']) writes N MiB
#                  with O_DIRECT and reads them back; the backend is QEMU's
#                  (backend/qdisk in xenstore, a QEMU process for the domain,
#                  device-model state "running"); xl shutdown ends it
#                  cleanly, QEMU goes with it; dom0 reads the same bytes
#                  from the file
#   qdisk-recreate domU 2 on the same file (the issue's legacy spelling,
#                  'file:/tmp/qdisk.img,xvdb,w,backendtype=qdisk') reads the
#                  N MiB back intact; xl shutdown, QEMU gone, free memory
#                  back to its value before domU 1

qd_qemu_pids() { # qd_qemu_pids DOMID: QEMU processes serving DOMID
    for p in /proc/[0-9]*; do
        c=$(tr '\0' ' ' < "$p/cmdline" 2>/dev/null) || continue
        case $c in *xen-qemu-system-i386*" -xen-domid $1 "*) echo "${p#/proc/}" ;; esac
    done
}
qd_no_qemu() { [ -z "$(qd_qemu_pids "$1")" ]; }
qd_log() { # qd_log NAME: QEMU's log (libxl's qemu-dm-NAME.log), prefixed
    tail -n 20 "/var/log/xen/qemu-dm-$1.log" 2>/dev/null | sed "s/^/XENIA-XL-LOG[qemu-dm-$1]: /"
}

qdisk_section() {
    bytes=$((pv_mib * 1048576))
    img=/tmp/qdisk.img
    want=$(yes xenia-pv-io | head -c $bytes | pv_md5)
    rm -f $img; truncate -s $bytes $img
    mark0=$(mem_mark)

    d=xenia-qdisk-w
    t0=$(now)
    pv_create $d qdisk-w 169.254.77.5 \
        "disk=['format=raw,vdev=xvdb,access=rw,backendtype=qdisk,target=$img']"; rc=$?
    id=$(xl domid $d 2>/dev/null)
    done_=1; [ $rc != 0 ] || { wait_for 900 console_has $d "XENIA-DOMU: qdisk written"; done_=$?; }
    qb=$(xs read "/local/domain/0/backend/qdisk/$id/51728/state" 2>/dev/null)
    vb=$(xs exists "/local/domain/0/backend/vbd/$id" 2>/dev/null && echo yes || echo no)
    dm=$(xs read "/local/domain/0/device-model/$id/state" 2>/dev/null)
    pids=$(qd_qemu_pids "$id" | tr '\n' ' ')
    line=$(pv_line $d qdisk-write)
    time_of qdisk-write "$(elapsed "$t0" "$(now)")"
    pv_shut $d; sh=$?
    [ -n "$id" ] && wait_for 60 qd_no_qemu "$id"; qg=$?
    fgot=$(pv_md5 < $img)
    ok=1
    case $line in PASS*) [ $rc = 0 ] && [ $done_ = 0 ] && [ "$qb" = 4 ] && [ "$vb" = no ] &&
        [ "$dm" = running ] && [ -n "$pids" ] && [ "$(echo "$line" | sed -n 's/.*read-back-md5=\([0-9a-f]*\).*/\1/p')" = "$want" ] &&
        [ $sh = 0 ] && [ $qg = 0 ] && [ "$fgot" = "$want" ] && ok=0 ;; esac
    [ $ok = 0 ] || { domu_tail $d; qd_log $d; }
    check qdisk-disk $ok "create=$rc,backend/qdisk-state=${qb:-none},backend/vbd=$vb,device-model=${dm:-none},qemu-pids=${pids:-none},domU:${line:-none},shutdown-clean=$((1 - sh)),qemu-gone=$((1 - qg)),dom0-file-md5=$fgot,want=$want"

    d=xenia-qdisk-r
    pv_create $d qdisk-r 169.254.77.5 "disk=['file:$img,xvdb,w,backendtype=qdisk']"; rc=$?
    id=$(xl domid $d 2>/dev/null)
    done_=1; [ $rc != 0 ] || { wait_for 900 console_has $d "XENIA-DOMU: qdisk read"; done_=$?; }
    pids=$(qd_qemu_pids "$id" | tr '\n' ' ')
    line=$(pv_line $d qdisk-read)
    pv_shut $d; sh=$?
    [ -n "$id" ] && wait_for 60 qd_no_qemu "$id"; qg=$?
    f=$(free_mem_back_to "$mark0")
    ok=1
    case $line in PASS*) [ $rc = 0 ] && [ $done_ = 0 ] && [ -n "$pids" ] && [ "$(pv_md5_in "$line")" = "$want" ] &&
        [ $sh = 0 ] && [ $qg = 0 ] && [ "$f" = "${mark0%% *}" ] && ok=0 ;; esac
    [ $ok = 0 ] || { domu_tail $d; qd_log $d; }
    check qdisk-recreate $ok "create=$rc,qemu-pids=${pids:-none},domU:${line:-none},want=$want,shutdown-clean=$((1 - sh)),qemu-gone=$((1 - qg)),free_pages=${f}(before ${mark0%% *})"
    time_of qdisk "$(elapsed "$t0" "$(now)")"
    rm -f $img
}
