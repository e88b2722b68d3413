#!/usr/bin/env bash
# Host-side unit tests (cmocka) of the hypervisor's pure logic, built with
# AddressSanitizer and UndefinedBehaviorSanitizer.
#
# Each tests/unit/test_NAME.c names the hypervisor sources it links with on
# one line:   /* SOURCES: common/cmdline.c common/vsprintf.c */
# It is compiled with -DXENIA_HOST_TEST against the host C library (so
# common/string.c is never needed) plus tests/unit/host_stubs.c.
#
# Prints one line per test case: "PASS: unit/NAME/case" or "FAIL: ...".
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
out=build/tests/unit
mkdir -p "$out" build/include
[ -e build/include/xen ] || ln -sfn /usr/include/xen build/include/xen

CFLAGS=(-std=gnu11 -g -O1 -Wall -Wextra -Werror -Wno-unused-parameter
        -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
        -DXENIA_HOST_TEST -D__XEN__ -D__XEN_TOOLS__
        -Iinclude -Ibuild/include -Itests/unit -include include/xenia/compiler.h)

filter=${1:-}
for src in tests/unit/test_*.c; do
    name=$(basename "$src" .c); name=${name#test_}
    [ -n "$filter" ] && [ "$name" != "$filter" ] && continue
    sources=$(sed -n 's|.*SOURCES:\(.*\)\*/.*|\1|p' "$src" | head -n1)
    bin="$out/$name"
    if ! gcc "${CFLAGS[@]}" "$src" $sources tests/unit/host_stubs.c -o "$bin" -lcmocka \
            > "$out/$name.build.log" 2>&1; then
        echo "FAIL: unit/$name (does not build)"; sed 's/^/    /' "$out/$name.build.log" | head -30
        continue
    fi
    log="$out/$name.log"
    ( cd "$out" && CMOCKA_MESSAGE_OUTPUT=stdout ASAN_OPTIONS=detect_leaks=1 \
        UBSAN_OPTIONS=print_stacktrace=1 timeout 300 "./$name" ) > "$log" 2>&1
    rc=$?
    sed -n 's/^\[       OK \] \(.*\)$/PASS: unit\/'"$name"'\/\1/p' "$log"
    sed -n 's/^\[  FAILED  \] \([^ ,]*\)$/FAIL: unit\/'"$name"'\/\1/p' "$log" | sort -u
    if [ $rc -ne 0 ] && ! grep -q '^\[  FAILED  \] [^ ,]*$' "$log"; then
        echo "FAIL: unit/$name (exit $rc)"; tail -30 "$log" | sed 's/^/    /'
    elif [ $rc -ne 0 ]; then
        grep -B2 -A8 -e 'ERROR' -e 'Failure' "$log" | head -40 | sed 's/^/    /'
    fi
done
