#!/usr/bin/env bash
# Install what building and testing Xenia needs, from Debian's registry. Idempotent.
set -euo pipefail
pkgs=(gcc make binutils libxen-dev libcmocka-dev qemu-system-x86 cpio xz-utils gzip python3 socat
      openssh-client debootstrap fdisk e2fsprogs)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "deps: installing ${missing[*]}"
    SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
