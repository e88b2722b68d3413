#!/usr/bin/env bash
# mkimage.sh: a Debian 12 Xen host on a raw disk image, from Debian's packages.
#
#   mkimage.sh [--efi] base            build (once) the hypervisor-less base image,
#                                      cached outside the clone in $XENIA_CACHE
#                                      (/var/cache/xenia), keyed on the versions of
#                                      the packages in it and this script
#   mkimage.sh [--efi] xenia OUT.img   base + `make deb`'s xenia-hypervisor package
#   mkimage.sh [--efi] xen OUT.img     base + Debian's xen-hypervisor-4.17-amd64 (the
#                                      peer)
# An existing OUT.img made from the same base is upgraded in place (the package
# installed over what is there, as apt does); one made from another base (an
# older key: OUT.img.base names it) is replaced by a fresh copy of this one.
#
# The base: debootstrap bookworm (minbase), then from the same apt sources as
# this machine (updates and security included): systemd, linux-image-amd64,
# xen-utils-4.17, xen-utils-common, xenstore-utils, grub-pc, openssh-server,
# fio. One ext4 partition (label xenia-root) on an MBR disk, GRUB in the MBR.
# With --efi (a second base, host-efi-base-KEY.img) the disk is GPT: an EFI
# system partition (FAT32, 63 MiB, /boot/efi in fstab) then the ext4 root,
# and grub-efi-amd64 instead of grub-pc, in the removable-media place
# EFI/BOOT/BOOTX64.EFI (found by UEFI firmware such as OVMF without an NVRAM
# boot entry, as on a machine's first boot). That image is what
# `grub-install --target=x86_64-efi --removable` writes, made the way it does
# (grub-mkimage from the image's own grub-efi-amd64-bin, modules in
# /boot/grub/x86_64-efi, an early config that finds the root by UUID) but
# written into the FAT with mtools: the build machine's kernel need not
# mount vfat. update-grub and 20_linux_xen are the same, so the entry is the
# multiboot2/module2 one a real EFI machine gets.
# GRUB and the hypervisor talk on the first serial port, dom0 on hvc0
# (/etc/default/grub.d/xen.cfg: GRUB_CMDLINE_XEN_DEFAULT, the options
# Debian's 20_linux_xen puts on the multiboot line). Root has no password on
# the console; ssh accepts the key in $XENIA_CACHE/host-ssh-key only. The NIC
# takes DHCP from QEMU's user network through systemd-networkd, whose one
# .network file matches any wired name (en*, eth*): any NIC model, named the
# way udev names it by default (ens3, enp0s4, ...) or eth0 with net.ifnames=0.
# The hypervisor variants run dpkg -i + update-grub inside the image: the GRUB
# entry is the one Debian's own scripts write.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${XENIA_CACHE:-/var/cache/xenia}
mkdir -p "$cache"
[ "$(id -u)" -eq 0 ] || { echo "mkimage: needs root (loop devices, chroot)" >&2; exit 1; }

efi=
[ "${1:-}" != --efi ] || { efi=1; shift; }
need=(debootstrap:debootstrap sfdisk:fdisk mkfs.ext4:e2fsprogs partx:util-linux ssh-keygen:openssh-client)
[ -z "$efi" ] || need+=(mkfs.vfat:dosfstools mcopy:mtools)
missing=()
for n in "${need[@]}"; do command -v "${n%%:*}" >/dev/null || missing+=("${n#*:}"); done
if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

grub=grub-pc rootpart=p1 name=host-base
[ -z "$efi" ] || { grub=grub-efi-amd64; rootpart=p2; name=host-efi-base; }
packages=(systemd systemd-sysv udev dbus linux-image-amd64 xen-utils-4.17 xen-utils-common
          xenstore-utils $grub openssh-server fio kmod iproute2 procps bridge-utils
          busybox-static less)
size=${XENIA_IMAGE_SIZE:-3G}

# The cache key: this script and every package's candidate version here.
versions() {
    [ -n "$(ls /var/lib/apt/lists/ 2>/dev/null | grep -v -e lock -e partial)" ] || apt-get update -qq
    apt-cache policy "${packages[@]}" | awk '/^[^ ]/{p=$1} /Candidate:/{print p, $2}'
}
key=$( { versions; cat "$0"; } | sha256sum | cut -c1-16)
base="$cache/$name-$key.img"
sshkey="$cache/host-ssh-key"
[ -e "$sshkey" ] || ssh-keygen -q -t ed25519 -N '' -C xenia-host-test -f "$sshkey"

loop= mnt=
cleanup() {
    set +e
    if [ -n "$mnt" ]; then
        for m in dev/pts dev proc sys var/cache/apt/archives; do umount "$mnt/$m" 2>/dev/null; done
        umount "$mnt" 2>/dev/null; rmdir "$mnt"
    fi
    [ -n "$loop" ] && losetup -d "$loop"
    loop= mnt=
}
trap cleanup EXIT

attach() { # attach IMG: loop device with its partitions ($loop$rootpart the root)
    loop=$(losetup -f --show -P "$1")
    [ -b "$loop$rootpart" ] || partx -a "$loop" 2>/dev/null || true
    for _ in 1 2 3 4 5; do [ -b "$loop$rootpart" ] && break; sleep 1; done
    mnt=$(mktemp -d /tmp/xenia-image.XXXXXX)
}
mount_all() { # the root on $mnt, /dev /proc /sys inside
    mount "$loop$rootpart" "$mnt"
    mkdir -p "$mnt/dev" "$mnt/proc" "$mnt/sys"
    mount --bind /dev "$mnt/dev"; mount --bind /dev/pts "$mnt/dev/pts"
    mount -t proc proc "$mnt/proc"; mount -t sysfs sysfs "$mnt/sys"
    # grub-probe finds the root file system's device by UUID (no udev here).
    local uuid; uuid=$(blkid -s UUID -o value "$loop$rootpart")
    mkdir -p /dev/disk/by-uuid && ln -sfn "$loop$rootpart" "/dev/disk/by-uuid/$uuid"
}
in_image() { chroot "$mnt" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 HOME=/root "$@"; }

install_grub_efi() { # install_grub_efi ROOT-UUID: GRUB on the ESP's removable path, as grub-install --removable
    mkdir -p "$mnt/boot/efi" "$mnt/boot/grub"
    cp -r "$mnt/usr/lib/grub/x86_64-efi" "$mnt/boot/grub/"
    printf 'search.fs_uuid %s root\nset prefix=($root)/boot/grub\n' "$1" > "$mnt/tmp/load.cfg"
    in_image grub-mkimage -O x86_64-efi -c /tmp/load.cfg -p /boot/grub -o /tmp/BOOTX64.EFI \
        part_gpt part_msdos ext2 search_fs_uuid
    MTOOLS_SKIP_CHECK=1 mmd -i "${loop}p1" ::/EFI ::/EFI/BOOT 2>/dev/null
    MTOOLS_SKIP_CHECK=1 mcopy -i "${loop}p1" "$mnt/tmp/BOOTX64.EFI" ::/EFI/BOOT/BOOTX64.EFI 2>/dev/null
    rm -f "$mnt/tmp/load.cfg" "$mnt/tmp/BOOTX64.EFI"
}

build_base() {
    local tmp="$base.tmp"
    echo "mkimage: building the base image $base (debootstrap; a few minutes)"
    rm -f "$tmp"; truncate -s "$size" "$tmp"
    if [ -n "$efi" ]; then
        printf 'label: gpt\nstart=2048, size=129024, type=U, name=esp\ntype=L, name=xenia-root\n' | sfdisk -q "$tmp"
    else
        echo 'start=2048, type=83, bootable' | sfdisk -q "$tmp"
    fi
    attach "$tmp"
    [ -z "$efi" ] || mkfs.vfat -F 32 -n ESP "${loop}p1" >/dev/null
    mkfs.ext4 -q -L xenia-root "$loop$rootpart"
    mount "$loop$rootpart" "$mnt"
    local mirror; mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    debootstrap --variant=minbase bookworm "$mnt" "${mirror:-http://deb.debian.org/debian}" >/dev/null
    umount "$mnt"; mount_all
    # This machine's apt sources (updates, security): the same versions as the key.
    rm -f "$mnt/etc/apt/sources.list"
    cp /etc/apt/sources.list.d/debian.sources "$mnt/etc/apt/sources.list.d/" 2>/dev/null || \
        cp /etc/apt/sources.list "$mnt/etc/apt/sources.list"
    echo "do_symlinks = yes" > "$mnt/etc/kernel-img.conf"
    mkdir -p "$mnt/var/cache/apt/archives"
    mount --bind /var/cache/apt/archives "$mnt/var/cache/apt/archives"
    in_image apt-get update -qq
    echo "grub-pc grub-pc/install_devices_empty boolean true" | in_image debconf-set-selections
    in_image apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
    umount "$mnt/var/cache/apt/archives"

    local uuid; uuid=$(blkid -s UUID -o value "$loop$rootpart")
    echo "UUID=$uuid / ext4 errors=remount-ro 0 1" > "$mnt/etc/fstab"
    [ -z "$efi" ] || echo "UUID=$(blkid -s UUID -o value "${loop}p1") /boot/efi vfat umask=0077,nofail 0 2" >> "$mnt/etc/fstab"
    echo xenia-host > "$mnt/etc/hostname"
    printf '127.0.0.1 localhost\n127.0.1.1 xenia-host\n' > "$mnt/etc/hosts"
    in_image passwd -dq root
    # Emulated machines are slow (TCG on a loaded host: minutes to boot): give
    # systemd's jobs and devices (hvc0 for the serial getty) time rather than
    # failing them after its default 90 s.
    mkdir -p "$mnt/etc/systemd/system.conf.d"
    printf '[Manager]\nDefaultTimeoutStartSec=600s\nDefaultDeviceTimeoutSec=600s\n' \
        > "$mnt/etc/systemd/system.conf.d/50-xenia-slow-machine.conf"
    # Any NIC model, whatever its name: DHCP from QEMU's user network.
    mkdir -p "$mnt/etc/systemd/network"
    printf '[Match]\nName=en* eth*\n\n[Network]\nDHCP=yes\n' > "$mnt/etc/systemd/network/50-wired-dhcp.network"
    in_image systemctl enable systemd-networkd >/dev/null
    mkdir -p "$mnt/root/.ssh"; chmod 700 "$mnt/root/.ssh"
    cp "$sshkey.pub" "$mnt/root/.ssh/authorized_keys"
    sed -i 's/^#\?PermitRootLogin.*/PermitRootLogin prohibit-password/' "$mnt/etc/ssh/sshd_config"
    # GRUB and the hypervisor on the serial port; dom0's console on hvc0.
    cat > "$mnt/etc/default/grub" <<'GRUB'
GRUB_DEFAULT=0
GRUB_TIMEOUT=1
GRUB_DISTRIBUTOR=Debian
GRUB_CMDLINE_LINUX_DEFAULT="console=ttyS0"
GRUB_CMDLINE_LINUX=""
GRUB_TERMINAL=serial
GRUB_SERIAL_COMMAND="serial --unit=0 --speed=115200"
GRUB_DISABLE_OS_PROBER=true
GRUB
    cat >> "$mnt/etc/default/grub.d/xen.cfg" <<'XEN'

# Xenia's host image: the hypervisor on the serial port, dom0 on hvc0.
XEN_OVERRIDE_GRUB_DEFAULT=1
GRUB_DEFAULT="Debian GNU/Linux, with Xen hypervisor"
GRUB_CMDLINE_XEN_DEFAULT="console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M"
GRUB_CMDLINE_LINUX_XEN_REPLACE_DEFAULT="console=hvc0"
XEN
    # A guest that ships in /etc/xen: Debian's kernel, a busybox initramfs.
    local g; g=$(mktemp -d)
    mkdir -p "$g/bin" "$g/proc" "$g/dev" "$mnt/var/lib/xenia"
    cp "$mnt/bin/busybox" "$g/bin/busybox"
    cat > "$g/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
echo "XENIA-DOMU: hello from the busybox guest: Linux $(/bin/busybox uname -r)," \
     "$(/bin/busybox grep -c ^processor /proc/cpuinfo) vCPU(s); powering off"
exec /bin/busybox poweroff -f
INIT
    chmod 755 "$g/init"
    (cd "$g" && find . | cpio -o -H newc --quiet | gzip -9) > "$mnt/var/lib/xenia/busybox-domU.cpio.gz"
    rm -rf "$g"
    cat > "$mnt/etc/xen/xenia-busybox.cfg" <<'CFG'
# A small PV guest: Debian's kernel and a busybox initramfs that says hello
# on its console and powers off.   xl create -c /etc/xen/xenia-busybox.cfg
name = "busybox"
type = "pv"
kernel = "/vmlinuz"
ramdisk = "/var/lib/xenia/busybox-domU.cpio.gz"
extra = "console=hvc0 quiet"
memory = 128
vcpus = 1
on_poweroff = "destroy"
CFG
    if [ -n "$efi" ]; then install_grub_efi "$uuid"
    else in_image grub-install --target=i386-pc "$loop" >/dev/null 2>&1 || in_image grub-install --target=i386-pc "$loop"; fi
    in_image apt-get clean
    cleanup
    rm -f "$cache/$name"-*.img                    # older keys: superseded
    mv "$tmp" "$base"
}

install_hypervisor() { # install_hypervisor OUT DEB...: (base +) these packages, update-grub
    local out=$1; shift
    if [ -e "$out" ] && [ "$(cat "$out.base" 2>/dev/null)" = "${base##*/}" ]; then
        mv "$out" "$out.tmp"                      # an upgrade, as apt would do it
    else
        [ ! -e "$out" ] || echo "mkimage: $out was made from another base: starting again from ${base##*/}"
        rm -f "$out"; cp --sparse=always "$base" "$out.tmp"
    fi
    echo "${base##*/}" > "$out.base"
    attach "$out.tmp"; mount_all
    local d
    for d in "$@"; do cp "$d" "$mnt/tmp/"; done
    in_image sh -c 'dpkg -i /tmp/*.deb >/dev/null && rm -f /tmp/*.deb'
    in_image update-grub 2>/dev/null
    grep -m1 -E '^\s*(multiboot|multiboot2)\s' "$mnt/boot/grub/grub.cfg" | sed 's/^\s*/mkimage: GRUB: /'
    cleanup
    mv "$out.tmp" "$out"
}

[ -e "$base" ] || build_base
case "${1:-base}" in
    base) echo "$base" ;;
    xenia)
        deb=$(bash "$top/scripts/host/mkdeb.sh" | tail -n1)
        install_hypervisor "${2:?output image}" "$top/$deb" ;;
    xen)
        bash "$top/scripts/fetch-debian.sh" >/dev/null
        install_hypervisor "${2:?output image}" "$(ls "$top"/build/debian/pkgs/xen-hypervisor-4.17-amd64_*.deb | head -n1)" ;;
    *) echo "usage: $0 [--efi] base | xenia OUT.img | xen OUT.img" >&2; exit 2 ;;
esac
