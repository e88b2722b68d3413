#!/usr/bin/env bash
# bench-host.sh: the Debian 12 host (scripts/host/mkimage.sh) on Xenia and on
# Debian's Xen 4.17, runs interleaved, each from a fresh copy of its image:
#   QEMU start to the login prompt on the serial console (s, lower is better)
#   dom0 disk with Debian's fio on the virtio root disk, O_DIRECT, on a 256 MiB
#   file: sequential write and read in 1 MiB requests (MiB/s), 4 KiB random
#   reads for 20 s (IOPS)
#   TCP between the host and dom0 through the 127.0.0.1 forward: 64 MiB sent
#   to busybox nc in dom0, and 64 MiB from it (MiB/s), XENIA_BENCH_HOST_TCP
#   (3) times each per boot: one transfer's speed varies by 20% under QEMU's
#   user network, so the median is over every transfer of every run.
#   dom0 -> host is also taken with the sending pipeline (head | nc) pinned
#   by taskset, both on vCPU 0 and split over vCPUs 0 and 1: unpinned, dom0's
#   Linux puts the pipeline on one vCPU or across both, transfer by transfer,
#   on either hypervisor, and the two placements differ 2x in speed. The
#   pinned rows compare the hypervisors placement for placement.
# Prints medians and the ratio Xenia/Xen. Consoles: build/bench/host-NAME-RUN.log.
#   XENIA_BENCH_RUNS=1
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. scripts/bench-lib.sh
runs=${XENIA_BENCH_RUNS:-1}
tcp_reps=${XENIA_BENCH_HOST_TCP:-3}
variants=(xenia xen)
labels=(Xenia "Xen 4.17")
key=${XENIA_CACHE:-/var/cache/xenia}/host-ssh-key
mkdir -p build/bench build/host
for v in "${variants[@]}"; do
    bash scripts/host/mkimage.sh "$v" "build/host/bench-$v.base.img" > "build/bench/host-mkimage-$v.log" 2>&1
done
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

metrics=(login seq-write seq-read rand-read tcp-in tcp-out tcp-out-one tcp-out-split)
declare -A names=([login]="QEMU start to login prompt (s)" [seq-write]="fio 256 MiB seq write (MiB/s)"
    [seq-read]="fio 256 MiB seq read (MiB/s)" [rand-read]="fio 4 KiB random read (IOPS)"
    [tcp-in]="TCP host -> dom0, 64 MiB (MiB/s)" [tcp-out]="TCP dom0 -> host, 64 MiB (MiB/s)"
    [tcp-out-one]="  pipeline pinned to vCPU 0" [tcp-out-split]="  pipeline split, vCPUs 0 and 1")
declare -A vals=() dead=()

one_run() { # one_run INDEX RUN
    local h=$1 r=$2 v=${variants[$1]}
    local img=build/host/bench-$v.img log=build/bench/host-$v-$r.log
    local port nport; port=$(free_port); nport=$(free_port)
    cp --sparse=always "build/host/bench-$v.base.img" "$img"
    : > "$log"
    local start; start=$(date +%s.%N)
    qemu-system-x86_64 -accel tcg -cpu qemu64,+svm -smp 2 -m 2048 -display none \
        -serial "file:$log" -monitor none -drive "file=$img,if=virtio,format=raw" \
        -netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$port-:22,hostfwd=tcp:127.0.0.1:$nport-:5001" \
        -device e1000,netdev=n0 < /dev/null > /dev/null 2>&1 &
    local qemu=$! login=
    for _ in $(seq 1 1200); do
        if grep -aq 'login: ' "$log"; then login=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }'); break; fi
        kill -0 "$qemu" 2>/dev/null || break
        sleep 1
    done
    on_host() { timeout "${T:-600}" ssh -i "$key" -p "$port" -o BatchMode=yes -o ConnectTimeout=20 \
        -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR root@127.0.0.1 "$@"; }
    if [ -z "$login" ]; then dead[$h]="no login prompt (run $r)"; kill "$qemu" 2>/dev/null; return; fi
    # tcp_transfer in|out SERVER: 64 MiB through the forward to (in) or from
    # (out) SERVER, a busybox nc listening on dom0's port 5001; prints MiB/s,
    # or nothing if the transfer failed. Starts SERVER and waits (up to 60 s)
    # until dom0's kernel lists port 5001 (0x1389) as listening (state 0A):
    # QEMU's forward resets a connection that arrives before the listener.
    tcp_transfer() {
        on_host "pkill -f 'busybox n[c] -l|slee[p] 600'" > /dev/null 2>&1 || true  # alone: it would match its own command line
        on_host "rm -f /root/fio.dat; setsid sh -c '$2' > /dev/null 2>&1 < /dev/null &
            for i in \$(seq 1 300); do
                grep -q ':1389 0*:0000 0A' /proc/net/tcp /proc/net/tcp6 && exit 0; sleep 0.2
            done; exit 1" || true
        python3 - "$nport" "$1" <<'PY' || true
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=120)
total = 64 << 20
t = time.time()
if sys.argv[2] == "in":
    buf = b"\0" * (1 << 20)
    for _ in range(64):
        s.sendall(buf)
    s.shutdown(socket.SHUT_WR)
    s.recv(1)       # nc ends, and closes, once it has read everything
else:
    n = 0
    while n < total:
        b = s.recv(1 << 20)
        if not b:
            sys.exit("dom0 closed after %d bytes" % n)
        n += len(b)
print("%.1f" % (64 / (time.time() - t)))
PY
        on_host "pkill -f 'busybox n[c] -l|slee[p] 600'" > /dev/null 2>&1 || true
    }
    vals[$h,login]+=" $login"
    for _ in $(seq 1 60); do T=30 on_host true 2>/dev/null && break; sleep 5; done
    fio_terse() { on_host "fio --output-format=terse --terse-version=3 --filename=/root/fio.dat --size=256M --direct=1 --ioengine=psync --name=b $*"; }
    # terse v3: field 7 read KiB/s, 8 read IOPS, 48 write KiB/s, 49 write IOPS
    local w rd rr
    w=$(fio_terse --rw=write --bs=1M | awk -F';' '{ printf "%.1f", $48 / 1024 }') || w=
    rd=$(fio_terse --rw=read --bs=1M | awk -F';' '{ printf "%.1f", $7 / 1024 }') || rd=
    rr=$(fio_terse --rw=randread --bs=4k --runtime=20 --time_based | awk -F';' '{ printf "%.0f", $8 }') || rr=
    vals[$h,seq-write]+=" $w"; vals[$h,seq-read]+=" $rd"; vals[$h,rand-read]+=" $rr"
    local t
    for ((t = 1; t <= tcp_reps; t++)); do
        vals[$h,tcp-in]+=" $(tcp_transfer in 'sleep 600 | busybox nc -l -p 5001 > /dev/null')"
        vals[$h,tcp-out]+=" $(tcp_transfer out 'head -c 67108864 /dev/zero | busybox nc -l -p 5001 > /dev/null')"
        vals[$h,tcp-out-one]+=" $(tcp_transfer out 'taskset -c 0 head -c 67108864 /dev/zero | taskset -c 0 busybox nc -l -p 5001 > /dev/null')"
        vals[$h,tcp-out-split]+=" $(tcp_transfer out 'taskset -c 0 head -c 67108864 /dev/zero | taskset -c 1 busybox nc -l -p 5001 > /dev/null')"
    done
    on_host 'systemctl poweroff' > /dev/null 2>&1 || true
    for _ in $(seq 1 600); do kill -0 "$qemu" 2>/dev/null || break; sleep 1; done
    kill "$qemu" 2>/dev/null || true
    wait "$qemu" 2>/dev/null || true
    rm -f "$img"
}

for ((r = 1; r <= runs; r++)); do
    for h in $(run_order "$r"); do one_run "$h" "$r"; done
done
ratio_table "Debian host from disk ($runs run(s))" "the host run"
echo "(boot: lower is better for Xenia; throughput: higher)"
