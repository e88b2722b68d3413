# bench-lib.sh: helpers the benchmark scripts source (scripts/bench*.sh).

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
