#!/usr/bin/env bash
# tests/system/toolstack-pvh.sh: Debian's xl creates a PVH domU (type="pvh",
# linux-image-cloud-amd64 + busybox) in the toolstack dom0 of $XENIA_HV, on
# QEMU's qemu64,+svm,+npt (scripts/toolstack/pvh.sh; tests/system/toolstack.sh
# with XENIA_TOOLSTACK_SUITE=pvh). All pass on Debian's Xen 4.17:
#     XENIA_HV=build/debian/xen-4.17 bash tests/system/toolstack-pvh.sh
cd "$(dirname "$0")/../.." && XENIA_TOOLSTACK_SUITE=pvh exec bash tests/system/toolstack.sh
