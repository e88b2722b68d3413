#!/bin/sh
# density.sh: density and soak runs in the toolstack dom0 (busybox sh),
# sourced by scripts/toolstack/workload.sh when the kernel command line has
# xenia.toolstack.only=density. Free memory is the hypervisor's own page
# count (XEN_SYSCTL_physinfo free_pages, /usr/share/xenia/physinfo), so
# "back exactly" means to the page. Options (kernel command line):
#   xenia.density.kinds=alive+linux  which small domUs to pack (in order; none)
#   xenia.density.max=N              at most N of a kind alive at once (200)
#   xenia.density.alive_mib=16       the own test guest (tests/guests/domu_alive.c)
#   xenia.density.linux_mib=96       Linux (guest.cfg's kernel, xenia.stay=1). Not the
#                                    issue's 64: Debian's cloud kernel spans 62 MiB from
#                                    the PV load base, so libxenguest cannot fit the
#                                    initrd in 64 (xc_dom_chk_alloc_pages: "segment
#                                    module0 too large", on Xen 4.17 as on Xenia), and
#                                    with 72 a domU can run out of memory unpacking it
#   xenia.density.createp=5          xl create -p + destroy of domu_alive, timed
#                                    (and as many xl list, the floor)
#   xenia.density.cycles=0           create/destroy cycles of domu_alive afterwards
# Output (parsed by scripts/bench-density.sh and scripts/soak.sh):
#   XENIA-CHECK NAME PASS|FAIL detail
#   XENIA-DENSITY KIND key=value...       XENIA-TIMES NAME t1 t2 ...
#   XENIA-PERFC PHASE n=N hypercall_ms=...  (Xenia only: see perfc_dump)
kinds=alive+linux
max=200
alive_mib=16
linux_mib=96
createp=5
dcycles=0
for a in $(cat /proc/cmdline); do
    case $a in
    xenia.density.kinds=*) kinds=${a#*=} ;;
    xenia.density.max=*) max=${a#*=} ;;
    xenia.density.alive_mib=*) alive_mib=${a#*=} ;;
    xenia.density.linux_mib=*) linux_mib=${a#*=} ;;
    xenia.density.createp=*) createp=${a#*=} ;;
    xenia.density.cycles=*) dcycles=${a#*=} ;;
    esac
done
# The test guest's config; every create overrides name= (and memory=).
alive_cfg=/tmp/density-alive.cfg
printf 'type = "pv"\nkernel = "/usr/share/xenia/guests/domu_alive.elf"\nmemory = %s\nvcpus = 1\nextra = "stay"\non_crash = "preserve"\n' \
    "$alive_mib" > $alive_cfg

total_pages() { /usr/share/xenia/physinfo | sed -n 's/.*total_pages=\([0-9]*\).*/\1/p'; }
# Free pages once they stop changing (1 s unchanged; 60 s at most).
settled_free() {
    v=$(free_pages); same=0; end=$(($(secs) + 60))
    while [ $same -lt 10 ] && [ "$(secs)" -lt $end ]; do
        sleep 0.1; n=$(free_pages)
        if [ "$n" = "$v" ]; then same=$((same + 1)); else v=$n; same=0; fi
    done
    echo "$v"
}
# Poll until free pages are $1 again (freeing is asynchronous); 60 s at most.
pages_back_to() {
    end=$(($(secs) + 60))
    while :; do
        f=$(free_pages)
        [ "$f" = "$1" ] || [ "$(secs)" -ge $end ] && break
        sleep 0.2
    done
    echo "$f"
}
mean() { awk '{ for (i = 1; i <= NF; i++) { s += $i; n++ } } END { if (n) printf "%.3f", s / n; else print "none" }'; }
median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2); else print "none" }'; }

# (busybox sh has no local variables: helpers use names of their own, _x.)
# xl create's bound: generous (a busy 2-core host has taken over 60 s, the
# bound of workload.sh's xl(), for a Linux domU on Xen 4.17).
xl_create() { timeout $((2 * slow)) /usr/lib/xen-4.17/bin/xl create "$@"; }
create_kind() { # create_kind KIND NAME [-p]: xl create one small domU of KIND
    _k=$1; _n=$2; shift 2
    case $_k in
    alive) xl_create "$@" $alive_cfg "name=\"$_n\"" > "/tmp/create-$_n.out" 2>&1 ;;
    linux) xl_create "$@" "$cfg" "name=\"$_n\"" "memory=$linux_mib" \
               "extra=\"console=hvc0 xenia.stay=1\"" 'on_crash="preserve"' > "/tmp/create-$_n.out" 2>&1 ;;
    esac
}
ticks() { # ticks KIND NAME: answers on its console so far
    case $1 in
    alive) _c=$(grep -c 'XENIA-DOMU-ALIVE tick' "$clog/guest-$2.log" 2>/dev/null) ;;
    linux) _c=$(grep -c 'XENIA-DOMU: tick' "$clog/guest-$2.log" 2>/dev/null) ;;
    esac
    echo "${_c:-0}"
}

# perfc_reset, perfc_dump: workload.sh's (Xenia's perf counters).

kind_list=$(echo "$kinds" | tr '+,' '  ' | sed 's/none//')
total=$(total_pages)
# A warm-up domain of each kind first (the cycles' too): what the
# hypervisor allocates once (and keeps) is not a leak.
warm=alive
case "+$kinds+" in *+linux+*) warm="alive linux" ;; esac
for k in $warm; do
    create_kind $k warm-$k -p && xl destroy warm-$k
done
free0=$(settled_free)
echo "XENIA-DENSITY host total_pages=$total free_pages=$free0"

# 1. xl create -p of the 16 MiB test kernel (the issue's reference figure).
if [ "$createp" -gt 0 ]; then
    each=""; ok=0; i=1
    while [ $i -le "$createp" ]; do
        t0=$(now); create_kind alive createp-$i -p; rc=$?; t1=$(now)
        [ $rc = 0 ] || { ok=1; sed 's/^/XENIA-XL: /' /tmp/create-createp-$i.out | tail -n 5; }
        each="$each $(elapsed "$t0" "$t1")"
        xl destroy createp-$i 2>/dev/null
        i=$((i + 1))
    done
    f=$(pages_back_to "$free0")
    [ $ok = 0 ] && [ "$f" = "$free0" ]
    check density-create-p $? "creates=$createp,median=$(echo "$each" | median)s,free_pages=$f(before $free0)"
    echo "XENIA-TIMES xl-create-p$each"
fi

# 2. What any xl command costs here (process start, libxl and xenstore
#    set-up, one domain list): the floor under xl create's figure.
if [ "$createp" -gt 0 ]; then
    each=""; i=1
    while [ $i -le "$createp" ]; do
        t0=$(now); xl list > /dev/null 2>&1; t1=$(now)
        each="$each $(elapsed "$t0" "$t1")"; i=$((i + 1))
    done
    echo "XENIA-TIMES xl-list$each"
fi

# 3. As many of each kind alive at once as memory allows (or max): created
#    one after another until xl create fails; then every one must answer
#    (a new tick on its console after the last create), then all destroyed
#    and free pages back to the page.
for k in $kind_list; do
    case $k in alive) mib=$alive_mib ;; *) mib=$linux_mib ;; esac
    names=""; each=""; n=0; why="max=$max reached"
    f_before=$(free_pages)
    perfc_reset
    while [ $n -lt "$max" ]; do
        d=dens-$k-$n
        t0=$(now); create_kind $k $d; rc=$?; t1=$(now)
        if [ $rc != 0 ]; then
            _e=$(grep -v '^$' /tmp/create-$d.out | grep -m1 -i 'error' || true)
            [ -n "$_e" ] || _e="rc=$rc: $(grep -v '^$' /tmp/create-$d.out | tail -n 1)"
            why="xl create $((n + 1)) failed: $(echo "$_e" | cut -c1-160)"
            grep -v '^$' /tmp/create-$d.out | tail -n 8 | sed "s/^/XENIA-XL[$d]: /"
            xl destroy $d 2>/dev/null
            break
        fi
        names="$names $d"; each="$each $(elapsed "$t0" "$t1")"; n=$((n + 1))
    done
    f_full=$(free_pages)
    perfc_dump create-$k $n
    # Every one answers: a tick more than it had once all were created.
    marks=""
    for d in $names; do marks="$marks $d:$(ticks $k $d)"; done
    t0=$(now); end=$(($(secs) + 2 * slow)); silent=$names
    while [ -n "$silent" ] && [ "$(secs)" -lt $end ]; do
        left=""
        for m in $marks; do
            d=${m%%:*}; c=${m#*:}
            case " $silent " in *" $d "*) ;; *) continue ;; esac
            [ "$(ticks $k $d)" -gt "$c" ] || left="$left $d"
        done
        silent=$left
        [ -z "$silent" ] || sleep 1
    done
    answered=$((n - $(echo $silent | wc -w)))
    running=$(xl list 2>/dev/null | grep -c "^dens-$k-")
    crashed=$(xl list 2>/dev/null | awk -v p="dens-$k-" 'index($1, p) == 1 && $5 ~ /c/' | wc -l)
    for d in $silent; do domu_tail $d; done
    perfc_reset
    t1=$(now)
    for d in $names; do xl destroy $d || echo "XENIA-XL: xl destroy $d failed"; done
    t2=$(now)
    perfc_dump destroy-$k $n
    f=$(pages_back_to "$free0")
    t3=$(now)
    gib=$(awk -v p="$total" 'BEGIN { printf "%.3f", p * 4096 / 1073741824 }')
    echo "XENIA-DENSITY $k mib=$mib alive=$n answered=$answered per_gib=$(awk -v n=$n -v g="$gib" 'BEGIN { printf "%.2f", n / g }') mean_create=$(echo "$each" | mean) free_before=$f_before free_full=$f_full pages_each=$(awk -v a="$f_before" -v b="$f_full" -v n=$n 'BEGIN { if (n) printf "%d", (a - b) / n; else print 0 }') destroy_all=$(elapsed "$t1" "$t2") back_after=$(elapsed "$t2" "$t3") stop=\"$why\""
    echo "XENIA-TIMES xl-create-$k$each"
    [ $n -gt 0 ] && [ $answered = $n ] && [ "$running" = $n ] && [ "$crashed" = 0 ] && [ "$f" = "$free0" ]
    check density-$k $? "alive=$n,answered=$answered,listed=$running,crashed=$crashed,free_pages=$f(before $free0),$why"
done

# 4. Create/destroy cycles of the test guest (no waiting for it to run):
#    zero pages leaked at the end.
if [ "$dcycles" -gt 0 ]; then
    t0=$(now); fails=0; i=1; each=""
    while [ $i -le "$dcycles" ]; do
        tc=$(now)
        if create_kind alive cyc-$i; then xl destroy cyc-$i || fails=$((fails + 1)); else
            fails=$((fails + 1)); sed 's/^/XENIA-XL: /' /tmp/create-cyc-$i.out | tail -n 3
            [ $fails -lt 5 ] || break
        fi
        rm -f "$clog/guest-cyc-$i.log" /tmp/create-cyc-$i.out "/var/log/xen/xl-cyc-$i.log"*
        [ $((i % 100)) != 0 ] || echo "XENIA-PROGRESS cycle $i free_pages=$(free_pages)"
        each="$each $(elapsed "$tc" "$(now)")"
        i=$((i + 1))
    done
    t1=$(now)
    f=$(pages_back_to "$free0")
    [ $fails = 0 ] && [ "$f" = "$free0" ]
    check create-destroy-$dcycles $? "cycles=$((i - 1)),failed=$fails,free_pages=$f(before $free0),leaked=$((free0 - f))"
    echo "XENIA-DENSITY cycles n=$((i - 1)) mean=$(echo "$each" | mean) total=$(elapsed "$t0" "$t1") leaked_pages=$((free0 - f))"
fi
