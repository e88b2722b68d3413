#!/usr/bin/env bash
# fetch-toolstack.sh: Debian's real Xen 4.17 toolstack and a domU kernel, by
# package name, into build/debian/toolstack/ (idempotent; nothing committed).
#   build/debian/toolstack/root/          every package below, dpkg-deb -x'd
#   build/debian/toolstack/domU-vmlinuz   linux-image-cloud-amd64's kernel
#                                         (LZ4 bzImage, PV domU capable)
# The package set is xen-utils-4.17 (xl, xenconsoled, xen-init-dom0,
# oxenstored), xen-utils-common, xenstore-utils (C xenstored,
# xenstore-ls/read/write), qemu-system-xen (the QEMU libxl starts for a
# qdisk backend) with qemu-system-data (its keymaps) and, resolved with apt-cache depends, every lib*
# package they pull in (libxen*, glibc, libyajl2, zlib, ...): binaries are
# never copied from the host, so what dom0 runs is exactly Debian's.
# scripts/mkinitramfs-toolstack.sh picks the files it needs out of root/.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out="$top/build/debian/toolstack"
mkdir -p "$out/pkgs" "$out/root"
cd "$out/pkgs"

if [ -z "$(ls /var/lib/apt/lists/ 2>/dev/null | grep -v -e lock -e partial)" ]; then
    apt-get update -qq
fi

fetch() { # fetch PACKAGE: download and unpack into root/ once
    local pkg=$1 deb
    if ! ls "${pkg}"_*.deb >/dev/null 2>&1; then
        # Sandbox user root: the download dir is ours, not _apt's (no warning).
        apt-get download -qq -o APT::Sandbox::User=root "$pkg" ||
            { apt-get update -qq && apt-get download -qq -o APT::Sandbox::User=root "$pkg"; }
    fi
    deb=$(ls "${pkg}"_*.deb | head -n1)
    if [ ! -e "$deb.unpacked" ]; then dpkg-deb -x "$deb" "$out/root" && touch "$deb.unpacked"; fi
}

# Resolve the package closure once and remember it (apt-cache takes ~0.5 s a
# call, so one call per level of the graph). Follow the Depends of the
# roots and of library packages only: the toolstack's scripts' deps
# (python3, udev, ucf, lsb-base, sysvinit-utils) are not needed by a busybox
# dom0 that starts the daemons itself. libgcc-s1: glibc dlopens
# libgcc_s.so.1 and xl aborts without it; no DT_NEEDED, ldd never lists it.
roots=(xen-utils-4.17 xen-utils-common xenstore-utils libgcc-s1 qemu-system-xen qemu-system-data)
key="roots: ${roots[*]}; follow: lib* zlib*"
if [ "$(head -n1 closure.txt 2>/dev/null)" != "$key" ]; then
    declare -A seen=()
    level=("${roots[@]}")
    while [ ${#level[@]} -gt 0 ]; do
        for p in "${level[@]}"; do seen[$p]=1; done
        # Unindented lines name the package, "  Depends: x" its deps;
        # "<virtual>" ones (python3:any) are skipped.
        next=()
        for d in $(apt-cache depends "${level[@]}" 2>/dev/null |
                   awk '$1 ~ /^\|?Depends:$/ && $2 !~ /^</ { print $2 }' | sort -u); do
            case $d in lib*|zlib*) [ -n "${seen[$d]:-}" ] || next+=("$d") ;; esac
        done
        level=("${next[@]}")
    done
    { echo "$key"; printf '%s\n' "${!seen[@]}" | LC_ALL=C sort; } > closure.txt.tmp
    mv closure.txt.tmp closure.txt
fi
tail -n +2 closure.txt | while read -r p; do fetch "$p"; done

# The domU kernel: linux-image-cloud-amd64 is a meta package; fetch the
# concrete image it names (its modules are not needed: the test domU has
# no devices beyond the console).
kpkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
       awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
[ -n "$kpkg" ] || { echo "fetch-toolstack: cannot resolve linux-image-cloud-amd64" >&2; exit 1; }
fetch "$kpkg"
ln -sfn "root/boot/vmlinuz-${kpkg#linux-image-}" "$out/domU-vmlinuz"

[ -x "$out/root/usr/lib/xen-4.17/bin/xl" ] || { echo "fetch-toolstack: no xl in $out/root" >&2; exit 1; }
echo "fetch-toolstack: $(($(wc -l < closure.txt) - 1)) packages + $kpkg in $out"
