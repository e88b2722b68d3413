# Xenia: a type-1 hypervisor speaking the Xen 4.17 interface.
#   make          build build/xenia (multiboot1 image)
#   make run      boot a Debian 12 Xen host from disk: GRUB -> Xenia -> dom0 (interactive)
#   make run-initramfs  the fast development boot: Xenia + dom0 on a busybox initramfs
#   make deb      build/xenia-hypervisor_*.deb, installed as Xen's hypervisor package is
#   make test     unit tests, test guests, system tests: "N passed, N failed"
#   make bench    Xenia against Debian's Xen 4.17, same workload, ratios
#   make stress   xl create/destroy on machines side by side, looking for hangs

BUILD    := build
CC       := gcc
LD       := ld
OBJCOPY  := objcopy

# Debian's libxen-dev headers are the one definition of the ABI: expose
# /usr/include/xen alone (not the rest of /usr/include: the hypervisor is
# freestanding).
XEN_ABI_INCLUDE := /usr/include/xen

HV_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-ffreestanding -fno-builtin -fno-stack-protector -fno-common \
	-mno-red-zone -mgeneral-regs-only -fpie -fno-asynchronous-unwind-tables \
	-fno-strict-aliasing -fcf-protection=none \
	-nostdinc -isystem $(shell $(CC) -print-file-name=include) \
	-Iinclude -I$(BUILD)/include -D__XEN__ -D__XEN_TOOLS__ \
	-include include/xenia/compiler.h -MMD -MP
HV_ASFLAGS := -D__ASSEMBLY__ -Iinclude -I$(BUILD)/include -MMD -MP
HV_LDFLAGS := -nostdlib -static -no-pie -z max-page-size=4096 -z noexecstack \
	--no-warn-rwx-segments

# Compiler support routines (128-bit division, popcount) from GCC's own libgcc.
LIBGCC := $(shell $(CC) -print-libgcc-file-name)

HV_SRCS := $(sort $(shell find arch common drivers -name '*.c' -o -name '*.S' | grep -v '\.lds\.S$$'))
HV_OBJS := $(patsubst %,$(BUILD)/hv/%.o,$(HV_SRCS))

.PHONY: all run run-initramfs deb test bench stress sched density soak deps clean unit guests
all: $(BUILD)/xenia

$(BUILD)/include/xen:
	@test -d $(XEN_ABI_INCLUDE) || { echo "missing $(XEN_ABI_INCLUDE): run 'make deps' (libxen-dev)"; exit 1; }
	@mkdir -p $(BUILD)/include
	ln -sfn $(XEN_ABI_INCLUDE) $@

$(BUILD)/hv/%.c.o: %.c | $(BUILD)/include/xen
	@mkdir -p $(dir $@)
	$(CC) $(HV_CFLAGS) -c $< -o $@

$(BUILD)/hv/%.S.o: %.S | $(BUILD)/include/xen
	@mkdir -p $(dir $@)
	$(CC) $(HV_ASFLAGS) -c $< -o $@

$(BUILD)/xenia.lds: arch/x86/xenia.lds.S include/xenia/config.h
	@mkdir -p $(BUILD)
	$(CC) -E -P -D__ASSEMBLY__ -Iinclude -x c $< -o $@

# The symbol table (common/symbols.c names code addresses in stack traces)
# takes two links: the first with an empty table, whose text symbols make the
# table of the second. The table's section lies after text, rodata and
# data, so no code address moves between the two links (checked).
$(BUILD)/symbols-empty.S: scripts/symbols.awk
	@mkdir -p $(BUILD)
	awk -f $< < /dev/null > $@

$(BUILD)/symbols-empty.o $(BUILD)/symbols.o: %.o: %.S
	$(CC) $(HV_ASFLAGS) -c $< -o $@

$(BUILD)/xenia-syms.0: $(HV_OBJS) $(BUILD)/xenia.lds $(BUILD)/symbols-empty.o
	$(LD) $(HV_LDFLAGS) -T $(BUILD)/xenia.lds -o $@ $(HV_OBJS) $(BUILD)/symbols-empty.o $(LIBGCC)

$(BUILD)/symbols.S: $(BUILD)/xenia-syms.0 scripts/symbols.awk
	nm -n --defined-only $< | awk -f scripts/symbols.awk > $@

$(BUILD)/xenia-syms: $(HV_OBJS) $(BUILD)/xenia.lds $(BUILD)/symbols.o
	$(LD) $(HV_LDFLAGS) -T $(BUILD)/xenia.lds -o $@ $(HV_OBJS) $(BUILD)/symbols.o $(LIBGCC)
	@nm -n --defined-only $@ | awk '$$2 ~ /^[tT]$$/' > $@.text
	@nm -n --defined-only $(BUILD)/xenia-syms.0 | awk '$$2 ~ /^[tT]$$/' | cmp -s - $@.text || \
	    { echo "symbols: code moved between the two links"; rm -f $@; exit 1; }

$(BUILD)/xenia: $(BUILD)/xenia-syms
	$(OBJCOPY) -O binary $< $@

deps:
	@bash scripts/deps.sh

run: deps all
	bash scripts/host/run.sh

run-initramfs: deps all
	bash scripts/run-dom0.sh

deb: deps all
	bash scripts/host/mkdeb.sh

test: deps
	bash tests/run.sh

bench: deps all
	bash scripts/bench.sh

stress: deps all
	bash scripts/stress-toolstack.sh

sched: deps all
	bash scripts/sched-credit2.sh

# Issue 8's density figures (Xenia and Xen 4.17 side by side) and the soak
# (1000 create/destroy cycles, 30 min of the hostile fuzzer): not in make test.
density: deps all
	bash scripts/bench-density.sh

soak: deps all
	bash scripts/soak.sh

clean:
	rm -rf $(BUILD)/hv $(BUILD)/xenia $(BUILD)/xenia-syms* $(BUILD)/symbols* $(BUILD)/xenia.lds $(BUILD)/tests $(BUILD)/guests

-include $(HV_OBJS:.o=.d)
