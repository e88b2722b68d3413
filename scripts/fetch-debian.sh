#!/usr/bin/env bash
# Fetch Debian's own binaries that Xenia boots and compares against, by package
# name, into build/debian/ (idempotent). Nothing fetched here is committed.
#   build/debian/vmlinuz          Debian's dom0-capable kernel (XZ bzImage)
#   build/debian/modules/         its /lib/modules tree (xen-* drivers)
#   build/debian/busybox          busybox-static
#   build/debian/xen-4.17         Debian's real Xen 4.17 hypervisor (the peer)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out="$top/build/debian"
mkdir -p "$out/pkgs" "$out/root"
cd "$out/pkgs"

need_apt_update() { [ -z "$(ls /var/lib/apt/lists/ 2>/dev/null | grep -v -e lock -e partial)" ]; }
if need_apt_update; then apt-get update -qq; fi

fetch() { # fetch PACKAGE: download and unpack into root/ once
    local pkg=$1
    if ! ls "$pkg"_*.deb >/dev/null 2>&1; then
        apt-get download -qq "$pkg" || { apt-get update -qq && apt-get download -qq "$pkg"; }
    fi
    local deb; deb=$(ls "$pkg"_*.deb | head -n1)
    if [ ! -e "$deb.unpacked" ]; then dpkg-deb -x "$deb" "$out/root" && touch "$deb.unpacked"; fi
}

# linux-image-amd64 is a meta package: resolve the concrete kernel it names.
kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
[ -n "$kpkg" ] || { echo "fetch-debian: cannot resolve linux-image-amd64" >&2; exit 1; }
fetch "$kpkg"
fetch busybox-static
fetch xen-hypervisor-4.17-amd64

kver=${kpkg#linux-image-}
ln -sfn "root/boot/vmlinuz-$kver" "$out/vmlinuz"
ln -sfn "root/lib/modules/$kver" "$out/modules"
ln -sfn "root/bin/busybox" "$out/busybox"
if [ ! -e "$out/xen-4.17" ]; then
    gunzip -c "$(ls "$out"/root/boot/xen-4.17*-amd64.gz | head -n1)" > "$out/xen-4.17"
fi
echo "fetch-debian: kernel $kver, busybox, xen-4.17 in $out"
