#!/usr/bin/env bash
# mkdeb.sh (make deb): package build/xenia as a Debian package that installs
# the way xen-hypervisor-4.17-amd64 installs Xen: the hypervisor as
# /boot/xen-xenia-amd64.gz (Debian's /etc/grub.d/20_linux_xen lists every
# /boot/xen* file and writes a "with Xen hypervisor" GRUB entry for it, with
# GRUB_CMDLINE_XEN*/dom0 options from /etc/default/grub.d/xen.cfg), its build
# configuration beside it as /boot/xen-xenia-amd64.config, and update-grub run
# on install and removal. Same Provides as Xen's package, so Debian's
# xen-utils-4.17 is satisfied by it. Output: build/xenia-hypervisor_VERSION_amd64.deb.
#   apt install ./build/xenia-hypervisor_*_amd64.deb
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
make -s all
command -v dpkg-deb >/dev/null || { echo "mkdeb: dpkg-deb missing" >&2; exit 1; }

# Version: 0.<commits>+g<hash>, plus .dirty for an uncommitted tree.
if git rev-parse --git-dir >/dev/null 2>&1; then
    version="0.$(git rev-list --count HEAD)+g$(git rev-parse --short=10 HEAD)"
    git diff --quiet HEAD -- arch common drivers include Makefile 2>/dev/null || version="$version.dirty"
else
    version="0.0+unknown"
fi
pkg=xenia-hypervisor
root=build/deb/root
rm -rf build/deb && mkdir -p "$root/DEBIAN" "$root/boot" "$root/usr/share/doc/$pkg"

gzip -9n -c build/xenia > "$root/boot/xen-xenia-amd64.gz"
cat > "$root/boot/xen-xenia-amd64.config" <<CFG
# Xenia $version: a type-1 hypervisor speaking the Xen 4.17 interface
CONFIG_XENIA=y
CONFIG_MULTIBOOT1=y
CONFIG_MULTIBOOT2=y
CONFIG_PV=y
CFG
cp README.md "$root/usr/share/doc/$pkg/README.md"

size=$(du -sk "$root" | cut -f1)
cat > "$root/DEBIAN/control" <<CTL
Package: $pkg
Version: $version
Architecture: amd64
Maintainer: Xenia developers <xenia@localhost>
Installed-Size: $size
Section: kernel
Priority: optional
Provides: xen-hypervisor, xen-hypervisor-4.17, xen-hypervisor-amd64
Recommends: xen-utils-4.17, xen-hypervisor-common
Description: Xenia hypervisor (Xen 4.17 interface) on AMD64
 A type-1 hypervisor that speaks the Xen 4.17 ABI: Debian's Linux runs on it
 as PV dom0 and domU with Debian's own Xen toolstack (xl, xenstored,
 xenconsoled). Installs as /boot/xen-xenia-amd64.gz; GRUB's 20_linux_xen
 boots it like Xen.
CTL
for script in postinst postrm; do
    cat > "$root/DEBIAN/$script" <<'SH'
#!/bin/sh
set -e
case "$1" in
    configure|remove)
        if command -v update-grub >/dev/null && [ -d /boot/grub ]; then update-grub || :; fi ;;
esac
exit 0
SH
    chmod 755 "$root/DEBIAN/$script"
done
out="build/${pkg}_${version}_amd64.deb"
rm -f build/${pkg}_*_amd64.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$out" >/dev/null
echo "$out"
