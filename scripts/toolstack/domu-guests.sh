#!/bin/sh
# domu-guests.sh: the project's own PV test guests (tests/guests/domu_*.c)
# run as ordinary domUs by Debian's xl in the toolstack dom0; called by
# scripts/toolstack/workload.sh (busybox sh: no bash in dom0).
# scripts/mkinitramfs-toolstack.sh puts each build/guests/domu_NAME.elf at
# /usr/share/xenia/guests/ with /etc/xen/guests/domu_NAME.cfg. Each guest
# prints through its PV console ring (xenconsoled's log) and ends with
# "XENIA-TEST: NAME PASS|FAIL ...", then powers off (pass) or crashes.
# A guest's tests/guests/NAME.xl may give it devices: a disk on
# /dev/xenia-scratch (a link to a 1 MiB loop device set up here, served by
# dom0's blkback), a vif on the bridge xenbr0 (dom0's netback). After
# each guest dom0 must still answer (xl list), or the guest fails. One line per guest, parsed by tests/system/toolstack.sh:
#     XENIA-CHECK domu-guest-NAME PASS|FAIL detail
export PATH=/bin:/sbin:/usr/bin:/usr/sbin:/usr/lib/xen-4.17/bin
set -u
clog=/var/log/xen/console
xl() { timeout 60 /usr/lib/xen-4.17/bin/xl "$@"; }
secs() { read -r t _ < /proc/uptime; echo "${t%.*}"; }

# (xenbr0: pv-io.sh's bridge, made here when it runs alone.)
[ -e /sys/class/net/xenbr0 ] || { brctl addbr xenbr0 2>/dev/null; ip addr add 169.254.77.1/24 dev xenbr0 2>/dev/null; }
ip link set xenbr0 up 2>/dev/null
truncate -s 1048576 /tmp/xenia-scratch.img
scratch=$(losetup -f 2>/dev/null) && losetup "$scratch" /tmp/xenia-scratch.img 2>/dev/null &&
    ln -sf "$scratch" /dev/xenia-scratch

for cfg in /etc/xen/guests/domu_*.cfg; do
    [ -e "$cfg" ] || { echo "XENIA-CHECK domu-guest-none FAIL no guest configs in /etc/xen/guests"; break; }
    n=$(basename "$cfg" .cfg)
    read -r t0 _ < /proc/uptime
    # Foreground: xl returns once the domain is gone, saying why it ended
    # ("Domain N has shut down, reason code R": 0 poweroff, 2 crash).
    # (300 s: the hostile frontends wait on dom0's backends, slow under load.)
    timeout 300 /usr/lib/xen-4.17/bin/xl create -F "$cfg" > "/tmp/create-$n.out" 2>&1
    rc=$?
    if [ $rc = 143 ] || [ $rc = 124 ]; then
        # Hung: the hypervisor's view of it (debug keys q, e) before it goes.
        id=$(xl domid "$n" 2>/dev/null)
        xl debug-keys q > /dev/null 2>&1; xl debug-keys e > /dev/null 2>&1
        xl dmesg 2>/dev/null | awk -v id="$id" '/General information for domain / { f = index($0, "domain " id ":") > 0 }
            /Event channel information for domain / { f = index($0, "domain " id ":") > 0 }
            /pressed -> / { f = 0 } f' | tail -n 40 | sed "s/^/XENIA-XL-LOG[$n]: /"
    fi
    read -r t1 _ < /proc/uptime
    reason=$(sed -n 's/.*has shut down, reason code \([0-9]*\).*/\1/p' "/tmp/create-$n.out" | head -n1)
    # xenconsoled has consumed the ring before the guest shut down (the
    # guest waits for that); give it a moment to write its log.
    end=$(($(secs) + 5))
    while ! grep -q "XENIA-TEST: $n " "$clog/guest-$n.log" 2>/dev/null && [ "$(secs)" -lt $end ]; do
        sleep 0.2
    done
    line=$(tr -d '\r' < "$clog/guest-$n.log" 2>/dev/null | grep -o "XENIA-TEST: $n .*" | head -n1)
    detail="${line#XENIA-TEST: $n },xl-rc=$rc,shutdown-reason=${reason:-none},$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1fs", b - a }')"
    case $line in
    "XENIA-TEST: $n PASS"*) ok=0 ;;
    *) ok=1 ;;
    esac
    [ $ok = 0 ] && [ $rc = 0 ] && [ "$reason" = 0 ] || ok=1
    xl list > /dev/null 2>&1; alive=$?
    [ $alive = 0 ] || { ok=1; detail="$detail,dom0-xl-list-after=rc$alive"; }
    # The guest's own indented notes (figures, not checks), into dom0's console.
    tr -d '\r' < "$clog/guest-$n.log" 2>/dev/null | grep '^  ' | head -n 10 | sed "s/^/XENIA-GUEST[$n]:/"
    if [ $ok = 0 ]; then
        echo "XENIA-CHECK domu-guest-$n PASS $detail"
    else
        sed "s/^/XENIA-XL[$n]: /" "/tmp/create-$n.out" | tail -n 8
        tr -d '\r' < "$clog/guest-$n.log" 2>/dev/null | tail -n 20 | sed "s/^/XENIA-DOMU-LOG[$n]: /"
        [ -n "$line" ] || detail="no XENIA-TEST line on its console,$detail"
        echo "XENIA-CHECK domu-guest-$n FAIL $detail"
    fi
    xl destroy "$n" > /dev/null 2>&1 || :
done
[ -z "${scratch:-}" ] || losetup -d "$scratch" 2>/dev/null
rm -f /dev/xenia-scratch /tmp/xenia-scratch.img
