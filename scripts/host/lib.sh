#!/usr/bin/env bash
# scripts/host/lib.sh: sourced by the host tests (tests/system/host*.sh):
# verdicts, ssh into dom0 through the 127.0.0.1 forward, and the checks
# both boot paths share (the disk's and NIC's interrupts, a file surviving a
# reboot, poweroff ending QEMU).
# The caller sets before using them:
#   prefix        verdict name prefix, e.g. system/host
#   checks        array of check names, in report order
#   key port      the image's ssh key, the forwarded port on 127.0.0.1
#   qemu log      QEMU's pid, its serial console log
#   boot_timeout  seconds bounding each boot (a hang bound only)
declare -A verdict=()
pass() { verdict[$1]="PASS: $prefix-$1"; [ -z "${2:-}" ] || verdict[$1]+=$'\n'"    $2"; }
fail() { verdict[$1]="FAIL: $prefix-$1 ($2)"; }

# report [WHY]: every check's verdict (WHY for those not reached, with the
# console's tail), then exit 0.
report() {
    for n in "${checks[@]}"; do
        echo "${verdict[$n]:-FAIL: $prefix-$n (not reached: ${1:-an earlier step failed})}"
    done
    [ -z "${log:-}" ] || [ -z "${1:-}" ] || { tr -cd '\11\12\40-\176' < "$log" | grep -v '^\s*$' |
        tail -n 20 | sed 's/^/    /'; }
    exit 0
}

# report_end: report, with the console's tail if any check failed.
report_end() {
    for n in "${checks[@]}"; do [[ ${verdict[$n]:-FAIL} == PASS* ]] || report "see $log"; done
    report
}

# free_port: a free TCP port on 127.0.0.1.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# on_host COMMAND...: run in dom0 over ssh, bounded by T seconds (120).
on_host() {
    timeout "${T:-120}" ssh -i "$key" -p "$port" -o BatchMode=yes -o ConnectTimeout=20 \
        -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
        root@127.0.0.1 "$@"
}

# wait_ssh: until sshd answers; 1 if QEMU ended or boot_timeout passed.
wait_ssh() {
    local deadline=$((SECONDS + boot_timeout))
    while [ $SECONDS -lt $deadline ] && kill -0 "$qemu" 2>/dev/null; do
        T=40 on_host true 2>/dev/null && return 0
        sleep 5
    done
    return 1
}

# check_reboot_persists NAME: write a random token in dom0, `systemctl
# reboot`, wait for a new boot_id (back through firmware and GRUB), then the
# token must be read back.
check_reboot_persists() {
    local token boot1 b got deadline t0=$SECONDS
    token=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
    boot1=$(on_host cat /proc/sys/kernel/random/boot_id)
    on_host "echo $token > /root/xenia-reboot-token && sync"
    on_host 'systemctl reboot' > /dev/null 2>&1
    deadline=$((SECONDS + boot_timeout))
    while [ $SECONDS -lt $deadline ]; do
        b=$(T=30 on_host cat /proc/sys/kernel/random/boot_id 2>/dev/null)
        [ -n "$b" ] && [ "$b" != "$boot1" ] && break
        kill -0 "$qemu" 2>/dev/null || break
        sleep 5
    done
    got=$(on_host cat /root/xenia-reboot-token 2>/dev/null)
    if [ "$got" = "$token" ]; then pass "$1" "back after $((SECONDS - t0)) s"
    else fail "$1" "after reboot: '${got}' (QEMU running: $(kill -0 "$qemu" 2>/dev/null && echo yes || echo no))"; fi
}

# check_poweroff NAME: `systemctl poweroff` must end QEMU with status 0.
check_poweroff() {
    local deadline status
    on_host 'systemctl poweroff' > /dev/null 2>&1
    deadline=$((SECONDS + boot_timeout))
    while kill -0 "$qemu" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 2; done
    if kill -0 "$qemu" 2>/dev/null; then
        kill "$qemu"; fail "$1" "QEMU still running ${boot_timeout}s after poweroff"
    else
        status=0; wait "$qemu" || status=$?
        if [ "$status" = 0 ]; then pass "$1" "all in $((SECONDS - start)) s"
        else fail "$1" "QEMU status $status"; fi
    fi
}

# check_xl_info NAME: xl info reports the Xen 4.17 interface and free memory.
check_xl_info() {
    local info
    info=$(on_host xl info 2>&1)
    if grep -q '^xen_major *: 4$' <<< "$info" && grep -q '^xen_minor *: 17$' <<< "$info" &&
       grep -q '^free_memory *: [0-9]' <<< "$info"; then
        pass "$1" "$(grep -E '^(xen_version|free_memory|nr_cpus)' <<< "$info" | tr -s ' ' | tr '\n' ' ')"
    else fail "$1" "$(echo $info | head -c 300)"; fi
}

# check_running NAME: systemctl is-system-running --wait says running.
check_running() {
    local state
    state=$(T=600 on_host systemctl is-system-running --wait 2>&1)
    if [ "$state" = running ]; then pass "$1"
    else fail "$1" "is-system-running: $state; failed units: $(on_host systemctl --failed --no-legend | tr '\n' ' ')"; fi
}

# probe_io: dom0's root disk and the NIC this ssh connection came in on
# (QEMU's restricted network gives no default route), whatever their models
# and names, into io[]: disk (vda, sda), disk_drv (virtio_blk, sd),
# disk_ctrl and disk_pci (the PCI function under it and its driver: virtio-pci,
# ahci), disk_irqs (that function's Linux IRQs: its MSI/MSI-X vectors from
# msi_irqs/, else its INTx line), and the same nic, nic_drv (e1000,
# virtio_net), nic_ctrl, nic_pci, nic_irqs.
declare -A io=()
io_probe='
pcifn() { p=$(readlink -f "$1"); while [ "$p" != / ] && [ -n "$p" ]; do
    case ${p##*/} in [0-9a-f][0-9a-f][0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f].[0-7]) echo "$p"; return ;; esac
    p=${p%/*}; done; }
irqs() { if [ -n "$(ls "$1/msi_irqs" 2>/dev/null)" ]; then echo $(ls "$1/msi_irqs" | sort -n); else cat "$1/irq"; fi; }
drv() { basename "$(readlink "$1/driver")"; }
part=$(findmnt -no SOURCE /); part=${part#/dev/}
if [ -e "/sys/class/block/$part/partition" ]; then disk=$(basename "$(dirname "$(readlink -f "/sys/class/block/$part")")"); else disk=$part; fi
nic=$(ip -o route get "${SSH_CONNECTION%% *}" | awk "{ for (i = 1; i < NF; i++) if (\$i == \"dev\") { print \$(i + 1); exit } }")
dp=$(pcifn "/sys/class/block/$disk/device"); np=$(pcifn "/sys/class/net/$nic/device")
echo "disk=$disk"; echo "disk_drv=$(drv "/sys/class/block/$disk/device")"
echo "disk_ctrl=$(drv "$dp")"; echo "disk_pci=${dp##*/}"; echo "disk_irqs=$(irqs "$dp")"
echo "nic=$nic"; echo "nic_drv=$(drv "/sys/class/net/$nic/device")"
echo "nic_ctrl=$(drv "$np")"; echo "nic_pci=${np##*/}"; echo "nic_irqs=$(irqs "$np")"
'
probe_io() {
    local k v
    io=()
    while IFS='=' read -r k v; do [ -z "$k" ] || io[$k]=$v; done < <(on_host "$io_probe" 2>/dev/null)
}

# irq_sum IRQ...: their interrupts in dom0's /proc/interrupts, all CPUs.
irq_sum() {
    on_host cat /proc/interrupts | awk -v list=" $* " '{ n = $1; sub(/:$/, "", n) }
        index(list, " " n " ") { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i }
        END { print s + 0 }'
}

# check_io_interrupts DISK-NAME NIC-NAME: the root disk's interrupt count grows
# over a 32 MiB O_DIRECT read of it, the NIC's over 4 MB sent into dom0 through
# the forward (probe_io finds both and their IRQs).
check_io_interrupts() {
    local d0 d1 n0 n1
    [ ${#io[@]} -gt 0 ] || probe_io
    d0=$(irq_sum ${io[disk_irqs]:-}); n0=$(irq_sum ${io[nic_irqs]:-})
    on_host "dd if=/dev/${io[disk]:-missing} of=/dev/null bs=1M count=32 skip=64 iflag=direct" > /dev/null 2>&1
    head -c 4000000 /dev/zero | on_host 'cat > /dev/null' 2>/dev/null
    d1=$(irq_sum ${io[disk_irqs]:-}); n1=$(irq_sum ${io[nic_irqs]:-})
    if [ -n "${io[disk_irqs]:-}" ] && [ "${d1:-0}" -gt "${d0:-0}" ]; then
        pass "$1" "/dev/${io[disk]} (${io[disk_ctrl]} at ${io[disk_pci]}, IRQs ${io[disk_irqs]}): $d0 -> $d1"
    else fail "$1" "/dev/${io[disk]:-?} (${io[disk_ctrl]:-?} at ${io[disk_pci]:-?}, IRQs ${io[disk_irqs]:-none}): count $d0 -> $d1"; fi
    if [ -n "${io[nic_irqs]:-}" ] && [ "${n1:-0}" -gt "${n0:-0}" ]; then
        pass "$2" "${io[nic]} (${io[nic_drv]} at ${io[nic_pci]}, IRQs ${io[nic_irqs]}): $n0 -> $n1"
    else fail "$2" "${io[nic]:-?} (${io[nic_drv]:-?} at ${io[nic_pci]:-?}, IRQs ${io[nic_irqs]:-none}): count $n0 -> $n1"; fi
}
