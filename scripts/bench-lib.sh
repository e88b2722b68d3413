# bench-lib.sh: helpers the benchmark scripts source (scripts/bench*.sh).

# bench_prelude [toolstack] [guests]: what every two-hypervisor benchmark
# sets up first: hvs[] (XENIA_HV, default build/xenia; XENIA_REF_HV,
# default Debian's Xen 4.17) and labels[], Debian's Xen fetched and Xenia
# built if missing, build/bench; with toolstack also the toolstack dom0's
# initramfs (scripts/mkinitramfs-toolstack.sh), with guests the test guests.
bench_prelude() {
    hvs=("${XENIA_HV:-build/xenia}" "${XENIA_REF_HV:-build/debian/xen-4.17}")
    labels=(Xenia "Xen 4.17")
    [ -e build/debian/xen-4.17 ] || bash scripts/fetch-debian.sh
    [ -e "${hvs[0]}" ] || make -s all
    local what
    for what in "$@"; do
        case $what in
        toolstack) bash scripts/mkinitramfs-toolstack.sh > /dev/null ;;
        guests) make -s -C tests/guests > /dev/null ;;
        esac
    done
    mkdir -p build/bench
}

# run_order RUN: the order the two hypervisors run in for run RUN, "0 1" or
# "1 0" by turns. Whichever boots first in a pair is at a disadvantage: an
# A/A run of bench-host (Xen 4.17 against itself, 3 runs) measured the
# first of each pair 6% slower at sequential disk writes, 9% at reads and
# 12% at TCP into dom0. With an even number of runs each goes first equally.
run_order() {
    if (( $1 % 2 )); then echo 0 1; else echo 1 0; fi
}

# median WORDS: the median of the numbers in $1 (2 decimals), or nothing.
median() {
    tr ' ' '\n' <<< "$1" | { grep . || true; } | sort -g |
        awk '{ v[NR] = $1 } END { if (NR) printf "%.2f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ratio A B: A/B with 2 decimals; "-" if either is missing or B is 0.
ratio() {
    if [ -n "$1" ] && [ -n "$2" ]; then
        awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'
    else
        echo -
    fi
}

# ratio_table TITLE WHAT: the table the two-hypervisor benchmarks print (the
# medians), then every run's figures, from the caller's arrays: labels[0..1],
# metrics[], names[metric], vals[h,metric] (values of every run) and dead[h]
# (why h gave no result).
ratio_table() {
    local m a b
    printf '\n%-36s %10s %10s %8s\n' "$1" "${labels[0]}" "${labels[1]}" ratio
    for m in "${metrics[@]}"; do
        a=$(median "${vals[0,$m]:-}"); b=$(median "${vals[1,$m]:-}")
        printf '%-36s %10s %10s %8s\n' "${names[$m]}" "${a:--}" "${b:--}" "$(ratio "$a" "$b")"
    done
    echo "(every run, ${labels[0]} | ${labels[1]}, to judge the spread:)"
    for m in "${metrics[@]}"; do
        printf '  %-34s%s |%s\n' "$m" "${vals[0,$m]:-}" "${vals[1,$m]:-}"
    done
    for h in 0 1; do
        [ -z "${dead[$h]:-}" ] || echo "${labels[$h]}: $2 did not complete: ${dead[$h]}"
    done
}
