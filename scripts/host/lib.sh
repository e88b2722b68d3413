#!/usr/bin/env bash
# scripts/host/lib.sh: sourced by the host tests (tests/system/host*.sh):
# verdicts, ssh into dom0 through the 127.0.0.1 forward, and the checks
# both boot paths share (a file surviving a reboot, poweroff ending QEMU).
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
