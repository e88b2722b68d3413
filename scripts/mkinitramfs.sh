#!/usr/bin/env bash
# mkinitramfs.sh: build build/dom0-initrd.cpio, the dom0 userland that
# `make run`, tests/system/run.sh and scripts/bench.sh boot: Debian's
# busybox-static, its applet symlinks, scripts/dom0-init.sh as /init and
# /bin/syscall-bench (scripts/syscall-bench.c, built static here).
#
# Uncompressed on purpose: measured on Xen 4.17 under TCG, dom0 unpacks the
# 2 MiB raw archive in ~50 ms and the 1 MiB gzip -9 one in ~110 ms; loading
# the extra MiB costs nothing measurable.
#
# Kernel modules are optional: XENIA_INITRD_MODULES="xen-evtchn xenfs ..."
# copies those .ko files from build/debian/modules (dependencies first, in
# the order given) and /init insmods them in that order. None by default:
# nothing the workload checks needs a module. XENIA_INITRD_OUT names
# another output file (tests/system/devices.sh builds one with drivers).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
deb=build/debian
out=${XENIA_INITRD_OUT:-build/dom0-initrd.cpio}
modules=${XENIA_INITRD_MODULES:-}

[ -x "$deb/busybox" ] || bash scripts/fetch-debian.sh
command -v cpio >/dev/null || bash scripts/deps.sh

stage=$(mktemp -d build/initrd.XXXXXX)
trap 'rm -rf "$stage"' EXIT
chmod 755 "$stage"
mkdir -p "$stage"/{bin,sbin,proc,sys,dev,tmp,etc,lib/modules,root}
cp "$deb/busybox" "$stage/bin/busybox"
# Real files for every applet, so `/bin/true` is a fork+exec of busybox
# (ash runs only bare applet names in-process, never a path).
for a in $("$deb/busybox" --list); do
    [ "$a" = busybox ] || ln -s busybox "$stage/bin/$a"
done
cp scripts/dom0-init.sh "$stage/init"
chmod 755 "$stage/init"
gcc -static -s -O2 -Wall -Wextra -Werror -o "$stage/bin/syscall-bench" scripts/syscall-bench.c

# The workload's 64 MiB tmpfs file, checksummed here the same way /init
# makes it (yes | head -c), so dom0 compares against the host's answer.
# (yes ends on SIGPIPE by design: no pipefail for this pipeline.)
(set +o pipefail; yes xenia-dom0-tmpfs-check | head -c $((64 << 20)) | md5sum) \
    | cut -d' ' -f1 > "$stage/etc/xenia-tmpfs-md5"

: > "$stage/lib/modules/load"
for m in $modules; do
    ko=$(find -L "$deb/modules/kernel" -name "$m.ko" -o -name "$m.ko.xz" | head -n1)
    [ -n "$ko" ] || { echo "mkinitramfs: no module $m in $deb/modules" >&2; exit 1; }
    case $ko in *.xz) xz -dc "$ko" > "$stage/lib/modules/$m.ko" ;; *) cp "$ko" "$stage/lib/modules/" ;; esac
    echo "$m" >> "$stage/lib/modules/load"
done

# newc, owned by root; /dev/console comes from the kernel's built-in
# initramfs, so building needs no mknod (and no root).
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) > "$out.tmp"
mv "$out.tmp" "$out"
echo "mkinitramfs: $out ($(du -k "$out" | cut -f1) KiB${modules:+, modules: $modules})"
