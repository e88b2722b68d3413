#!/usr/bin/env bash
# soak.sh (make soak): Xen issue 8's soak on one hypervisor ($XENIA_HV,
# default build/xenia; build/debian/xen-4.17 for the reference), not a
# test of make test (it takes hours under TCG):
#  1. XENIA_SOAK_CYCLES create/destroy cycles of the 16 MiB test guest
#     (tests/guests/domu_alive.c) by Debian's xl in the toolstack dom0
#     (scripts/toolstack/density.sh, kinds=none): every one created and
#     destroyed, and the hypervisor's free pages back to the page at the end.
#  2. The hostile fuzzer (tests/guests/hostile.c) as dom0 for
#     XENIA_SOAK_FUZZ_SECONDS of its own time, seed XENIA_SOAK_SEED (default:
#     the date): it must finish, and the hypervisor still answer.
# Prints PASS:/FAIL: soak/NAME lines and the figures (cycle time, pages
# leaked, fuzzer calls made). Consoles: build/soak/*.log.
#   XENIA_SOAK_CYCLES=1000  XENIA_SOAK_FUZZ_SECONDS=1800  XENIA_QEMU_MEM=1024
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
hv=${XENIA_HV:-build/xenia}
cycles=${XENIA_SOAK_CYCLES:-1000}
fuzz=${XENIA_SOAK_FUZZ_SECONDS:-1800}
seed=${XENIA_SOAK_SEED:-$(date +%s)}
[ -e build/debian/xen-4.17 ] || bash scripts/fetch-debian.sh
[ "$hv" != build/xenia ] || make -s all
make -s -C tests/guests > /dev/null
out=build/soak
mkdir -p "$out"
name=$(basename "$hv")

if [ "$cycles" -gt 0 ]; then
    bash scripts/mkinitramfs-toolstack.sh > /dev/null
    log=$out/cycles-$name.log
    res=$(XENIA_INITRD=build/dom0-toolstack-initrd.cpio \
          XENIA_DOM0_ARGS="xenia.toolstack=1 xenia.toolstack.only=density xenia.density.kinds=none xenia.density.createp=0 xenia.density.cycles=$cycles" \
          XENIA_HV_ARGS="watchdog watchdog_timeout=10" \
          XENIA_RUN_TIMEOUT=$((600 + 30 * cycles)) bash scripts/dom0-workload.sh "$hv" "$log")
    console=$(tr -cd '\11\12\40-\176' < "$log")
    line=$(grep -o "XENIA-CHECK create-destroy-$cycles .*" <<< "$console" || true)
    figures=$(grep -o 'XENIA-DENSITY cycles .*' <<< "$console" || true)
    case $line in
    *" PASS "*) echo "PASS: soak/create-destroy-$cycles (${line#* PASS }; ${figures#XENIA-DENSITY cycles })" ;;
    *) echo "FAIL: soak/create-destroy-$cycles (${line:-no result: $res}; $log)"
       grep -E 'XENIA-(XL|PROGRESS)|\(XEN\).*(PANIC|FATAL|Assertion)' <<< "$console" | tail -n 15 | sed 's/^/    /' || true ;;
    esac
fi

if [ "$fuzz" -gt 0 ]; then
    log=$out/hostile-$name.log
    case $name in xen-4*) real_xen=1 ;; *) real_xen=0 ;; esac
    : > "$log"
    XENIA_QEMU_MEM=256 timeout $((fuzz * 3 + 600)) bash scripts/qemu.sh "$hv" \
        "console=com1 dom0_mem=64M noreboot watchdog watchdog_timeout=10" \
        "build/guests/hostile.elf seconds=$fuzz seed=$seed" > "$log" 2>&1 < /dev/null &
    pid=$!
    # Xen only halts after the result line: end QEMU then. Xenia powers off.
    while kill -0 "$pid" 2>/dev/null; do
        if [ "$real_xen" = 1 ] && grep -aq 'XENIA-TEST: hostile' "$log"; then
            kill "$pid" 2>/dev/null || true
        fi
        sleep 2
    done
    status=0; wait "$pid" || status=$?
    console=$(tr -cd '\11\12\40-\176' < "$log")
    calls=$(grep -o 'hostile: [0-9]* iterations, .*' <<< "$console" | tail -n 1 || true)
    if grep -q 'XENIA-TEST: hostile PASS' <<< "$console" && { [ "$real_xen" = 1 ] || [ "$status" = 0 ]; }; then
        echo "PASS: soak/hostile-${fuzz}s (seed $seed; $calls)"
    else
        echo "FAIL: soak/hostile-${fuzz}s (seed $seed; QEMU exit $status; $log)"
        grep -v '^$' <<< "$console" | tail -n 15 | sed 's/^/    /'
    fi
fi
