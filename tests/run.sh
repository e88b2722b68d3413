#!/usr/bin/env bash
# make test: every suite, one verdict line per test, then the closing line
#   N passed, N failed
# Suites print "PASS: name", "FAIL: name" or "SKIP: name: reason".
# tests/expected-failures lists tests of capabilities not built yet (one
# name per line, '#' comments): their FAIL is reported as XFAIL, and a PASS
# of a listed test counts as a failure until it is taken off the list.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
mkdir -p build
results=build/test-results.txt
: > "$results"

run_suite() { # run_suite NAME COMMAND...
    echo "== $1"
    "${@:2}" 2>&1 | tee -a "$results" | grep -E '^(PASS|FAIL|SKIP): |^    ' || true
}

# Debian's kernel, busybox and Xen 4.17 (by package name): unit tests read
# the real bzImage, system tests boot it.
if ! bash scripts/fetch-debian.sh > build/fetch-debian.log 2>&1; then
    echo "FAIL: setup/fetch-debian"; tail -20 build/fetch-debian.log
    echo "FAIL: setup/fetch-debian" >> "$results"
fi

if make -s -j"$(nproc)" all > build/make.log 2>&1; then
    echo "PASS: build/xenia" >> "$results"
else
    echo "FAIL: build/xenia"; tail -30 build/make.log; echo "FAIL: build/xenia" >> "$results"
fi
run_suite unit bash tests/unit/run.sh
[ -x tests/guests/run.sh ] && run_suite guests bash tests/guests/run.sh
[ -x tests/system/run.sh ] && run_suite system bash tests/system/run.sh
[ -x tests/system/watchdog.sh ] && run_suite watchdog bash tests/system/watchdog.sh
[ -x tests/system/devices.sh ] && run_suite devices bash tests/system/devices.sh
[ -x tests/system/toolstack.sh ] && run_suite toolstack bash tests/system/toolstack.sh
[ -x tests/system/toolstack-pvh.sh ] && run_suite toolstack-pvh bash tests/system/toolstack-pvh.sh
[ -x tests/system/host.sh ] && run_suite host bash tests/system/host.sh
[ -x tests/system/host-uefi.sh ] && run_suite host-uefi bash tests/system/host-uefi.sh

declare -A expected=()
if [ -f tests/expected-failures ]; then
    while read -r name _; do
        [ -n "$name" ] && [ "${name#\#}" = "$name" ] && expected[$name]=1
    done < tests/expected-failures
fi

passed=0; failed=0; skipped=0; xfail=(); xpass=(); failures=(); skips=()
while IFS= read -r line; do
    case "$line" in
    "PASS: "*) name=${line#PASS: }; name=${name%% *}
        if [ -n "${expected[$name]:-}" ]; then xpass+=("$name"); failed=$((failed + 1))
        else passed=$((passed + 1)); fi ;;
    "FAIL: "*) name=${line#FAIL: }; name=${name%% *}
        if [ -n "${expected[$name]:-}" ]; then xfail+=("$name")
        else failures+=("$name"); failed=$((failed + 1)); fi ;;
    "SKIP: "*) skips+=("${line#SKIP: }"); skipped=$((skipped + 1)) ;;
    esac
done < "$results"

echo
for n in "${xfail[@]}"; do echo "expected failure (not built yet): $n"; done
for n in "${xpass[@]}"; do echo "unexpected pass (take it off tests/expected-failures): $n"; done
for n in "${skips[@]}"; do echo "skipped: $n"; done
for n in "${failures[@]}"; do echo "failed: $n"; done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
