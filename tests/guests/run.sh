#!/usr/bin/env bash
# tests/guests/run.sh [NAME...]: build the test guests, boot each as dom0
# of the hypervisor $XENIA_HV (default build/xenia) in QEMU, two at a time,
# and print one verdict per guest for tests/run.sh:
#     PASS: guests/NAME     or     FAIL: guests/NAME (reason) + console tail
# A guest passes when its console shows "XENIA-TEST: NAME PASS" and the
# machine then stops as a dom0 poweroff should: QEMU exits 0 (Xenia), or,
# on Debian's Xen 4.17 (which only halts), the runner ends QEMU itself.
# The malformed kernels must produce what malformed/expect says.
#   XENIA_HV=build/debian/xen-4.17 bash tests/guests/run.sh   # the reference
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
hv=${XENIA_HV:-build/xenia}
# A hang bound only: pgt_preempt alone took minutes on a host at load 20.
timeout_s=${XENIA_GUEST_TIMEOUT:-300}
jobs=${XENIA_GUEST_JOBS:-2}
out=build/guests
export XENIA_QEMU_MEM=${XENIA_QEMU_MEM:-256}
hvargs="console=com1 dom0_mem=64M noreboot watchdog watchdog_timeout=10"   # a hang explains itself

# Build what builds (-k); a guest without its .elf fails on its own.
make -s -k -C tests/guests > build/guests.build.log 2>&1
case $(basename "$hv") in xen-4*) real_xen=1 ;; *) real_xen=0 ;; esac
# Logs and verdicts of this run in a directory of its own (others may run
# the suite at the same time); build/guests/logs-HV names the latest run.
mkdir -p "$out/runs"
logs=$(mktemp -d "$out/runs/$(basename "$hv").XXXXXX")
ln -sfn "runs/$(basename "$logs")" "$out/logs-$(basename "$hv")"
ls -dt "$out/runs/$(basename "$hv")".* | tail -n +6 | xargs -r rm -rf   # keep 5

# The last console lines of a run, indented for tests/run.sh.
# (printable ASCII only: tests/run.sh greps this output as text).
tail_of() { tr -cd '\11\12\40-\176' < "$1" | grep -v '^$' | tail -n 12 | sed 's/^/    /'; }

# boot NAME LOG PATTERN: boot build/guests/NAME.elf; return once QEMU exits or
# the console matches PATTERN (then QEMU is ended); sets $status ('' if ended).
# PVH guests (pvh_*) boot as a PVH dom0 (Xen's dom0=pvh; Xen 4.17 also needs
# dom0-iommu=none without an IOMMU) on a CPU with nested paging; pvh_smp with
# dom0_max_vcpus=2.
boot() {
    local name=$1 log=$2 pattern=$3 pid args=$hvargs cpu=${XENIA_QEMU_CPU:-qemu64,+svm}
    if [[ $name == pvh_* ]]; then args="$hvargs dom0=pvh dom0-iommu=none"; cpu="$cpu,+npt"; fi
    [ "$name" = pvh_smp ] && args="$args dom0_max_vcpus=2"   # a second vCPU to start
    : > "$log"   # before the first grep: never match a previous run's log
    XENIA_QEMU_CPU=$cpu timeout "$timeout_s" bash scripts/qemu.sh "$hv" "$args" "$out/$name.elf" \
        > "$log" 2>&1 < /dev/null &
    pid=$!
    status=''
    while kill -0 "$pid" 2>/dev/null; do
        # Xen only halts: end QEMU. Xenia must end it itself (or time out).
        if [ "$real_xen" = 1 ] && grep -Eq "$pattern" "$log"; then
            kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; return
        fi
        sleep 0.5
    done
    wait "$pid"; status=$?
}

# run_guest NAME: one verdict for a test guest.
run_guest() {
    local name=$1 log=$logs/$1.log line
    if [ ! -e "$out/$name.elf" ] || [ "$out/$name.elf" -ot "tests/guests/$name.c" ]; then
        echo "FAIL: guests/$name (does not build)"
        grep -A3 "$name" build/guests.build.log | head -20 | sed 's/^/    /'
        return
    fi
    boot "$name" "$log" "XENIA-TEST: $name (PASS|FAIL)"
    line=$(tr -d '\r' < "$log" | grep -Eo "XENIA-TEST: $name (PASS|FAIL).*" | head -n1)
    if [ -z "$line" ]; then
        if [ "$status" = 124 ]; then echo "FAIL: guests/$name (no result in ${timeout_s}s)"
        else echo "FAIL: guests/$name (no result; QEMU exit ${status:-killed})"; fi
        tail_of "$log"
    elif [[ $line != *" PASS"* ]]; then
        echo "FAIL: guests/$name (${line#XENIA-TEST: $name })"; tail_of "$log"
    elif [ "$real_xen" = 0 ] && [ "$status" != 0 ]; then
        echo "FAIL: guests/$name (passed, but QEMU exit ${status:-none}, not 0 for poweroff)"
        tail_of "$log"
    else
        echo "PASS: guests/$name"
    fi
}

# run_malformed NAME XEN_REGEX XENIA_REGEX: the dom0 build must fail cleanly.
run_malformed() {
    local name=$1 want log=$logs/$1.log
    if [ "$real_xen" = 1 ]; then want="$2"; else want="$3"; fi
    if [ "$real_xen" = 1 ]; then boot "$name" "$log" "Could not construct domain 0"
    else boot "$name" "$log" "XENIA-TEST: "; fi
    if grep -q "XENIA-TEST: " "$log"; then
        echo "FAIL: guests/$name (guest code ran)"; tail_of "$log"
    elif [ "$real_xen" = 0 ] && { [ -z "$status" ] || [ "$status" = 0 ] || [ "$status" = 124 ]; }; then
        echo "FAIL: guests/$name (QEMU exit ${status:-none}: must end non-zero)"; tail_of "$log"
    elif ! grep -v "$name.elf" "$log" | grep -Eq "$want"; then
        echo "FAIL: guests/$name (console lacks /$want/)"; tail_of "$log"
    else
        echo "PASS: guests/$name"
    fi
}

# One line per job: "guest NAME" or "malformed NAME XEN XENIA".
jobs_list() {
    local f n
    for f in tests/guests/*.c; do
        n=$(basename "$f" .c)
        # domu_*, pvh_domu_*: domUs, run by xl in tests/system/toolstack.sh
        # and toolstack-pvh.sh, not as dom0.
        [[ $n == domu_* || $n == pvh_domu_* ]] && continue
        [ $# -eq 0 ] || [[ " $* " == *" $n "* ]] && echo "guest|$n"
    done
    grep -v '^#' tests/guests/malformed/expect | while IFS='|' read -r n x y; do
        [ -n "$n" ] && { [ $# -eq 0 ] || [[ " $* " == *" $n "* ]]; } && echo "malformed|$n|$x|$y"
    done
}

# Run the jobs $jobs at a time; print verdicts in list order.
mapfile -t list < <(jobs_list "$@")
start=$SECONDS
for i in "${!list[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do sleep 0.2; done
    IFS='|' read -r kind n x y <<< "${list[$i]}"
    if [ "$kind" = guest ]; then run_guest "$n" > "$logs/$n.verdict" &
    else run_malformed "$n" "$x" "$y" > "$logs/$n.verdict" & fi
done
wait
for i in "${!list[@]}"; do
    IFS='|' read -r kind n _ <<< "${list[$i]}"
    tr -cd '\11\12\40-\176' < "$logs/$n.verdict"
done
echo "guests: $((SECONDS - start))s on $hv"
