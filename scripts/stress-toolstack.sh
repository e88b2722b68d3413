#!/usr/bin/env bash
# stress-toolstack.sh: the toolstack workload of tests/system/toolstack.sh
# (Debian's xl creating and destroying Linux PV domUs) many times, several
# machines side by side so the 2-core host is loaded, looking for hangs.
# Not a test (it takes long and its outcome depends on the load): `make
# stress`, or by hand:
#   XENIA_STRESS_ROUNDS=4     rounds
#   XENIA_STRESS_PARALLEL=2   machines per round, run side by side
#   XENIA_STRESS_CYCLES=40    create/destroy cycles per machine
#   XENIA_STRESS_SILENCE=300  seconds of console silence that mean "hung" (the
#                             64 MiB transfers of pv-net were once silent for
#                             255 s with three machines on the 2 cores)
#   XENIA_HV=build/xenia      the hypervisor (build/debian/xen-4.17 for Xen)
# Every machine has a QEMU monitor (dom0-workload.sh opens it beside the
# console log, NAME.log.monitor). A silent one is looked into before it
# is ended: `info registers -a` three times a second apart, each CPU's
# stack, and the RIPs and stack words inside the hypervisor's text named
# with addr2line (build/xenia-syms), into build/stress/NAME.hang.
# Prints one line per machine (done / failed checks / hung) and a summary;
# exits 1 if any machine hung or did not finish.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
rounds=${XENIA_STRESS_ROUNDS:-4}
parallel=${XENIA_STRESS_PARALLEL:-2}
cycles=${XENIA_STRESS_CYCLES:-40}
silence=${XENIA_STRESS_SILENCE:-300}
hv=${XENIA_HV:-build/xenia}
[ -e build/debian/vmlinuz ] || bash scripts/fetch-debian.sh
[ "$hv" != build/xenia ] || make -s all
bash scripts/mkinitramfs-toolstack.sh > /dev/null
out=build/stress
mkdir -p "$out"
rm -f "$out"/*.log "$out"/*.hang "$out"/*.result
# A copy of the hypervisor (and its symbols): rebuilding during a long run
# must not change what later rounds boot.
cp "$hv" "$out/hv"
[ ! -e "$hv-syms" ] || cp "$hv-syms" "$out/hv-syms"
label=$(basename "$hv")
hv=$out/hv syms=$out/hv-syms

monitor() { # monitor SOCKET COMMAND...: one monitor command, its answer on stdout
    printf '%s\n' "$2" | socat -t 2 - "UNIX-CONNECT:$1" 2>/dev/null | tr -d '\r' || true
}

# Name the words on stdin that point into the hypervisor's text (RIPs,
# return addresses on a stack dump) with addr2line; the address column of
# a memory dump ("ADDR: 0xWORD 0xWORD") is not a word.
symbolise() {
    [ -e "$syms" ] || { cat > /dev/null; return; }
    local text lo hi
    text=$(readelf -SW "$syms" | awk '{ for (i = 1; i < NF; i++) if ($i == ".text") print $(i + 2), $(i + 4) }')
    lo=$((16#${text% *})); hi=$((lo + 16#${text#* }))
    sed 's/^[0-9a-f]*://' | grep -Eo '(0x)?ffff82d0[0-9a-f]{8}' | sed 's/^0x//' |
        while read -r a; do
            [ $((16#$a)) -ge "$lo" ] && [ $((16#$a)) -lt "$hi" ] || continue
            printf '  %s ' "$a"
            addr2line -f -i -e "$syms" "0x$a" | paste -sd' ' -
        done
}

# Look inside a hung machine: registers of all CPUs (sampled three times:
# a RIP that never moves is a spin), each CPU's stack, symbolised.
diagnose() { # diagnose SOCKET REPORT
    local sock=$1 report=$2 regs cpus
    {
        for i in 1 2 3; do
            echo "== info registers -a (sample $i)"
            monitor "$sock" 'info registers -a' | grep -E '^(CPU#|RAX|RSI|R8|R12|RIP|CR0)' || true
            sleep 1
        done
        regs=$(monitor "$sock" 'info registers -a')
        cpus=$(grep -c '^CPU#' <<< "$regs" || true)
        for ((c = 0; c < cpus; c++)); do
            local rip rsp
            rip=$(grep -A20 "^CPU#$c" <<< "$regs" | grep -Eo 'RIP=[0-9a-f]+' | head -n1 | cut -d= -f2)
            rsp=$(grep -A20 "^CPU#$c" <<< "$regs" | grep -Eo 'RSP=[0-9a-f]+' | head -n1 | cut -d= -f2)
            echo "== CPU $c: RIP $rip RSP $rsp"
            echo "$rip" | symbolise
            echo "   stack words in the hypervisor's text:"
            monitor "$sock" "$(printf 'cpu %d\nx /160gx 0x%s' "$c" "$rsp")" | symbolise
        done
    } > "$report" 2>&1
}

# run_one NAME: one machine in the background (its pid appended to pids);
# dom0-workload.sh's result line in $out/NAME.result.
run_one() {
    local name=$1
    XENIA_HV_ARGS="watchdog watchdog_timeout=10" XENIA_INITRD=build/dom0-toolstack-initrd.cpio \
        XENIA_DOM0_ARGS="xenia.toolstack=1 xenia.toolstack.cycles=$cycles xenia.toolstack.lifecycle=0" \
        XENIA_BOOT_TIMEOUT=300 XENIA_RUN_TIMEOUT=$((900 + 30 * cycles)) \
        bash scripts/dom0-workload.sh "$hv" "$out/$name.log" > "$out/$name.result" 2>&1 &
    pids+=($!)
}

declare -A verdicts=()
hung=0; failed=0; done_ok=0
for ((r = 1; r <= rounds; r++)); do
    names=(); pids=()
    for ((p = 1; p <= parallel; p++)); do
        n=r$r-m$p; names+=("$n")
        run_one "$n"
    done
    declare -A size=() quiet=()
    for n in "${names[@]}"; do size[$n]=0; quiet[$n]=$SECONDS; done
    # Watch the consoles until every machine has ended.
    while :; do
        alive=0
        for i in "${!names[@]}"; do
            n=${names[$i]}
            kill -0 "${pids[$i]}" 2>/dev/null || continue
            alive=1
            s=$(stat -c %s "$out/$n.log" 2>/dev/null || echo 0)
            if [ "$s" != "${size[$n]}" ]; then size[$n]=$s; quiet[$n]=$SECONDS; continue; fi
            if [ $((SECONDS - quiet[$n])) -ge "$silence" ] && [ ! -e "$out/$n.hang" ]; then
                diagnose "$out/$n.log.monitor" "$out/$n.hang"
                monitor "$out/$n.log.monitor" quit > /dev/null
            fi
        done
        [ "$alive" = 1 ] || break
        sleep 2
    done
    wait
    for n in "${names[@]}"; do
        console=$(tr -cd '\11\12\40-\176' < "$out/$n.log")
        if [ -e "$out/$n.hang" ]; then
            v="HUNG (console silent ${silence}s; $out/$n.hang)"; hung=$((hung + 1))
        elif ! grep -q 'XENIA-TOOLSTACK: workload done' <<< "$console"; then
            v="NOT FINISHED ($(cat "$out/$n.result" 2>/dev/null); $out/$n.log)"; failed=$((failed + 1))
        elif grep -q 'XENIA-CHECK [^ ]* FAIL' <<< "$console"; then
            v="done, with failed checks: $(grep -o 'XENIA-CHECK [^ ]* FAIL' <<< "$console" | awk '{print $2}' | paste -sd' ' -)"
            failed=$((failed + 1))
        else
            v="done ($(cat "$out/$n.result"))"; done_ok=$((done_ok + 1))
        fi
        echo "stress-toolstack: $n: $v"
    done
done
total=$((rounds * parallel))
echo "stress-toolstack: $label: $done_ok of $total machines done, $hung hung, $failed failed ($cycles create/destroy cycles each, $parallel side by side)"
[ "$hung" = 0 ] && [ "$failed" = 0 ]
