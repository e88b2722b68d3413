#!/usr/bin/env bash
# mkinitramfs-toolstack.sh: build the toolstack dom0's initramfs,
# build/dom0-toolstack-initrd.cpio: Debian's busybox-static, Debian's Xen
# 4.17 toolstack (xl, oxenstored, C xenstored, xen-init-dom0, xenconsoled,
# xenstore-*) with every shared library they need, Xen's dom0 drivers, and
# a domU to start: linux-image-cloud-amd64's kernel + build/domU-initrd.cpio
# (busybox + scripts/toolstack/domU-init.sh) + scripts/toolstack/guest.cfg.
# /init is scripts/toolstack/dom0-init.sh; with xenia.toolstack=1 on the
# dom0 command line it runs scripts/toolstack/workload.sh and powers off.
#
# Every file comes from a Debian package unpacked by scripts/fetch-debian.sh
# and scripts/fetch-toolstack.sh; libraries are resolved from the ELF
# DT_NEEDED entries against the unpacked packages only (never the host's),
# so a missing package is an error here rather than a failure in dom0.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
deb=build/debian
ts=$deb/toolstack
root=$ts/root
out=build/dom0-toolstack-initrd.cpio
domu_out=build/domU-initrd.cpio
# Xen's dom0 drivers the toolstack uses: event channels, privcmd
# (hypercalls, foreign mappings), xenfs (/proc/xen), grant device and
# grant allocation (xenstored maps domUs' store pages through gntdev).
modules="xen-evtchn xen-privcmd xenfs xen-gntdev xen-gntalloc"
# The PV disk and network checks: blkback serves a loop device, netback's
# interfaces join a bridge.
modules="$modules loop xen-blkback bridge xen-netback"

[ -x "$deb/busybox" ] && [ -e "$deb/modules" ] || bash scripts/fetch-debian.sh
[ -x "$root/usr/lib/xen-4.17/bin/xl" ] && [ -e "$ts/domU-vmlinuz" ] &&
    [ -e "$root/usr/libexec/xen-qemu-system-i386" ] || bash scripts/fetch-toolstack.sh   # (QEMU: the qdisk backend)
command -v cpio >/dev/null && command -v readelf >/dev/null || bash scripts/deps.sh

stage=$(mktemp -d build/initrd-toolstack.XXXXXX)
trap 'rm -rf "$stage"' EXIT
chmod 755 "$stage"

busybox_tree() { # busybox_tree DIR: busybox + a real link per applet
    mkdir -p "$1"/{bin,sbin,proc,sys,dev,tmp,run,etc,root}
    cp "$deb/busybox" "$1/bin/busybox"
    local a
    for a in $("$deb/busybox" --list); do
        [ "$a" = busybox ] || ln -s busybox "$1/bin/$a"
    done
}
cpio_of() { # cpio_of DIR OUT: newc, owned by root, no mknod needed
    # (A per-process temporary: concurrent test runs rebuild it too.)
    (cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) > "$2.$$.tmp"
    mv "$2.$$.tmp" "$2"
}

# Shared libraries: DT_NEEDED closure, looked up in the unpacked packages'
# library directories (the loader's default search path in the guest too).
libdirs=(lib/x86_64-linux-gnu usr/lib/x86_64-linux-gnu)
find_lib() { # find_lib SONAME: path relative to root, or fail
    local d
    for d in "${libdirs[@]}"; do
        [ -e "$root/$d/$1" ] && { echo "$d/$1"; return 0; }
    done
    return 1
}
install_elfs() { # install_elfs DEST FILE...: FILEs (relative to root/) at the
    # same paths under DEST, with every shared library they need and the loader
    local dest=$1 f so rel; shift
    local -A have=()
    # libgcc_s.so.1: glibc dlopens it at run time; no DT_NEEDED names it.
    local libs=(lib/x86_64-linux-gnu/libgcc_s.so.1)
    for f in "$@"; do
        [ -e "$root/$f" ] || { echo "mkinitramfs-toolstack: no $f in $root" >&2; exit 1; }
        mkdir -p "$dest/$(dirname "$f")"; cp "$root/$f" "$dest/$f"
    done
    local queue=("$@" "${libs[@]}")
    while [ ${#queue[@]} -gt 0 ]; do
        f=${queue[0]}; queue=("${queue[@]:1}")
        for so in $(readelf -d "$root/$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
            [ -n "${have[$so]:-}" ] && continue
            rel=$(find_lib "$so") || {
                echo "mkinitramfs-toolstack: $f needs $so, in no package of $ts (add it to scripts/fetch-toolstack.sh)" >&2
                exit 1; }
            have[$so]=$rel; queue+=("$rel")
        done
    done
    for rel in "${have[@]}" "${libs[@]}"; do
        mkdir -p "$dest/$(dirname "$rel")"
        cp -L "$root/$rel" "$dest/$rel"   # the soname link's target, as the soname
    done
    # The dynamic loader, at the path every binary's PT_INTERP names.
    mkdir -p "$dest/lib64" "$dest/lib/x86_64-linux-gnu"
    cp -L "$root/lib64/ld-linux-x86-64.so.2" "$dest/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
    ln -sfn ../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$dest/lib64/ld-linux-x86-64.so.2"
}
# Kernel modules, decompressed if need be, ordered so that every module
# follows what its .modinfo "depends=" names (no depmod/kmod on the host).
place_modules() { # place_modules KDIR DEST NAME...: DEST/lib/modules/*.ko + load order
    local kdir=$1 dest=$2 m; shift 2
    local -A placed=()
    mkdir -p "$dest/lib/modules"
    : > "$dest/lib/modules/load"
    place_module() { # place_module NAME: its dependencies first, then itself
        local m=$1 ko dep
        [ -n "${placed[$m]:-}" ] && return 0
        placed[$m]=1
        ko=$(find "$kdir/kernel" \( -name "$m.ko" -o -name "$m.ko.xz" -o -name "${m//-/_}.ko" \) | head -n1)
        [ -n "$ko" ] || { echo "mkinitramfs-toolstack: no module $m in $kdir" >&2; exit 1; }
        case $ko in *.xz) xz -dc "$ko" > "$dest/lib/modules/$m.ko" ;; *) cp "$ko" "$dest/lib/modules/$m.ko" ;; esac
        for dep in $(objcopy -O binary --only-section=.modinfo "$dest/lib/modules/$m.ko" /dev/stdout |
                     tr '\0' '\n' | sed -n 's/^depends=//p' | tr ',' ' '); do
            place_module "$dep"
        done
        echo "$m" >> "$dest/lib/modules/load"
    }
    for m in "$@"; do place_module "$m"; done
}

# --- the domU's initramfs -------------------------------------------------
domu=$stage/domU
busybox_tree "$domu"
cp scripts/toolstack/domU-init.sh "$domu/init"
chmod 755 "$domu/init"
mkdir -p "$domu/usr/share/xenia"
cp scripts/toolstack/pv-io-domU.sh scripts/toolstack/pvbench-domU.sh "$domu/usr/share/xenia/"
# The PV I/O benchmark's 4 KiB random reads (static: the domU has no libc).
gcc -static -O2 -Wall -Wextra -Werror -o "$domu/usr/share/xenia/randread" scripts/toolstack/randread.c
# blkfront and netfront, for the PV disk and network checks (modules in
# the cloud kernel).
mkdir -p "$domu/lib/modules"
for m in xen-blkfront xen-netfront; do
    ko=$(find "$root/lib/modules" -name "$m.ko*" | head -n1)
    [ -n "$ko" ] || { echo "mkinitramfs-toolstack: no $m in $root/lib/modules" >&2; exit 1; }
    case $ko in *.xz) xz -dc "$ko" > "$domu/lib/modules/$m.ko" ;; *) cp "$ko" "$domu/lib/modules/$m.ko" ;; esac
done
cpio_of "$domu" "$domu_out"
rm -rf "$domu"

# --- the driver domain's initramfs -----------------------------------------
# A domU that serves other domUs (scripts/toolstack/drvdom.sh): the cloud
# kernel's blkback, netback and bridge, Debian's xl for `xl devd` (which
# runs the backends' hotplug scripts there), xenstore-* for the scripts.
drv=$stage/drvdom
busybox_tree "$drv"
mkdir -p "$drv"/{var/lib/xen,var/log/xen,etc/xen/scripts,usr/share/xenia}
ln -s /run "$drv/var/run"
install_elfs "$drv" usr/lib/xen-4.17/bin/xl usr/bin/xenstore usr/bin/xenstore-{read,write,rm,exists,list,ls}
cp "$root/etc/xen/xl.conf" "$drv/etc/xen/"
cp scripts/toolstack/block-phy scripts/toolstack/vif-bridge-bb "$drv/etc/xen/scripts/"
chmod 755 "$drv/etc/xen/scripts/block-phy" "$drv/etc/xen/scripts/vif-bridge-bb"
place_modules "$(find "$root/lib/modules" -mindepth 1 -maxdepth 1 -type d | head -n1)" "$drv" \
    xen-evtchn xen-privcmd xenfs xen-gntdev loop xen-blkback bridge xen-netback
cp scripts/toolstack/drvdom-init.sh "$drv/init"
chmod 755 "$drv/init"
cpio_of "$drv" build/drvdom-initrd.cpio
rm -rf "$drv"

# --- dom0 ----------------------------------------------------------------
busybox_tree "$stage"
mkdir -p "$stage"/{lib/modules,var/lib/xen,var/log/xen,usr/share/xenia,etc/xen}
ln -s /run "$stage/var/run"
ln -s /run/lock "$stage/var/lock"

# Binaries, at Debian's paths (xl finds libxl-save-helper etc. there).
bins=(usr/lib/xen-4.17/bin/{xl,oxenstored,xenstored,xen-init-dom0,xenconsoled,xenconsole,libxl-save-helper,xenstore-control}
      usr/bin/xenstore usr/bin/xenstore-{ls,read,write,list,rm,exists,chmod,watch}
      # qemu-system-xen's QEMU, at the path libxl starts it from: the
      # qdisk backend of PV guests (scripts/toolstack/qdisk.sh).
      usr/libexec/xen-qemu-system-i386)
install_elfs "$stage" "${bins[@]}"
cp "$root"/etc/xen/{xl.conf,oxenstored.conf} "$stage/etc/xen/"
# QEMU reads its keymap even for libxl's "-vnc none" (qemu-system-data).
mkdir -p "$stage/usr/share/qemu/keymaps"
cp "$root/usr/share/qemu/keymaps/en-us" "$stage/usr/share/qemu/keymaps/"

place_modules "$(readlink -f "$deb/modules")" "$stage" $modules

# The domU: kernel, initramfs, config; the workload; /init.
cp -L "$ts/domU-vmlinuz" "$stage/usr/share/xenia/domU-vmlinuz"
cp "$domu_out" "$stage/usr/share/xenia/domU-initrd.cpio"
cp build/drvdom-initrd.cpio "$stage/usr/share/xenia/drvdom-initrd.cpio"
cp scripts/toolstack/guest.cfg "$stage/etc/xen/guest.cfg"
# Block and vif hotplug scripts busybox can run (Debian's need bash).
mkdir -p "$stage/etc/xen/scripts"
cp scripts/toolstack/block-phy scripts/toolstack/vif-bridge-bb "$stage/etc/xen/scripts/"
chmod 755 "$stage/etc/xen/scripts/block-phy" "$stage/etc/xen/scripts/vif-bridge-bb"
cp scripts/toolstack/workload.sh scripts/toolstack/pv-io.sh scripts/toolstack/sched.sh \
    scripts/toolstack/density.sh scripts/toolstack/qdisk.sh scripts/toolstack/drvdom.sh \
    scripts/toolstack/pvh.sh scripts/toolstack/pvbench.sh scripts/toolstack/pvhbench.sh \
    "$stage/usr/share/xenia/"
# The hypervisor's page-exact free memory (free_pages in workload.sh): static, Debian's libxen-dev headers.
mkdir -p build/include
[ -e build/include/xen ] || ln -sfn /usr/include/xen build/include/xen
gcc -static -O2 -Wall -Wextra -Werror -Ibuild/include -o "$stage/usr/share/xenia/physinfo" \
    scripts/toolstack/physinfo.c
# The PVH domctls with bad input (scripts/toolstack/pvh.sh).
gcc -static -O2 -Wall -Wextra -Werror -Ibuild/include -o "$stage/usr/share/xenia/pvh-domctl" \
    scripts/toolstack/pvh-domctl.c
# The project's PV domU test guests (tests/guests/domu_*.c), one xl config
# each; scripts/toolstack/domu-guests.sh runs them.
make -s -k -C tests/guests >&2 || echo "mkinitramfs-toolstack: some test guests do not build" >&2
mkdir -p "$stage/usr/share/xenia/guests" "$stage/etc/xen/guests"
for elf in build/guests/domu_*.elf; do
    g=$(basename "$elf" .elf)
    cp "$elf" "$stage/usr/share/xenia/guests/"
    printf 'name = "%s"\ntype = "pv"\nkernel = "/usr/share/xenia/guests/%s.elf"\nmemory = 32\nvcpus = 1\non_poweroff = "destroy"\non_crash = "destroy"\n' \
        "$g" "$g" > "$stage/etc/xen/guests/$g.cfg"
    # tests/guests/NAME.xl: more of the guest's config (its devices).
    [ ! -e "tests/guests/$g.xl" ] || cat "tests/guests/$g.xl" >> "$stage/etc/xen/guests/$g.cfg"
done
# The PVH domU test guests (tests/guests/pvh_domu_*.c): type="pvh", and a
# reboot (Xen's answer to a triple fault) ends them; scripts/toolstack/pvh.sh
# runs them.
for elf in build/guests/pvh_domu_*.elf; do
    g=$(basename "$elf" .elf)
    cp "$elf" "$stage/usr/share/xenia/guests/"
    printf 'name = "%s"\ntype = "pvh"\nkernel = "/usr/share/xenia/guests/%s.elf"\nmemory = 32\nvcpus = 1\non_poweroff = "destroy"\non_reboot = "destroy"\non_crash = "destroy"\n' \
        "$g" "$g" > "$stage/etc/xen/guests/$g.cfg"
done
cp scripts/toolstack/domu-guests.sh "$stage/usr/share/xenia/domu-guests.sh"
cp scripts/toolstack/dom0-init.sh "$stage/init"
chmod 755 "$stage/init"

cpio_of "$stage" "$out"
echo "mkinitramfs-toolstack: $out ($(du -k "$out" | cut -f1) KiB; modules: $(tr '\n' ' ' < "$stage/lib/modules/load"))"
