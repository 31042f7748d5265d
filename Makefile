# vqtrace build. `make` leaves a statically linked ./vqtrace at the top.
# `make check` runs every test (host unit tests, then the real-kernel e2e
# suite in QEMU); `make demo` shows vqtrace live over a load in a guest.

OUTPUT ?= .output
ARCH ?= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
CLANG ?= clang
LLVM_STRIP ?= llvm-strip
BPFTOOL ?= $(shell command -v bpftool 2>/dev/null || echo /usr/sbin/bpftool)
CC ?= cc

ifeq ($(filter $(ARCH),x86 arm64),)
$(error Architecture $(ARCH) is not supported; use ARCH=x86 or ARCH=arm64)
endif

VMLINUX := vmlinux/$(ARCH)/vmlinux.h
CFLAGS ?= -g -O2
CPPFLAGS += -D_GNU_SOURCE
WARN := -Wall -Wextra -Werror -Wno-unused-parameter
INCLUDES := -I$(OUTPUT) -Iinclude -Isrc
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Ivmlinux/$(ARCH) -Iinclude -Ibpf -Wall -Werror
STATIC_LIBS := -static -lbpf -lelf -lz -ljansson -levent_extra -levent_core -lpthread
DYN_LIBS := -lbpf -lelf -lz -ljansson -levent_extra -levent_core -lpthread

# Userspace sources: everything in src/; main.c is the only one not linked into unit tests.
SRCS := $(wildcard src/*.c)
OBJS := $(patsubst src/%.c,$(OUTPUT)/%.o,$(SRCS))
LIB_OBJS := $(filter-out $(OUTPUT)/main.o,$(OBJS))
BPF_HDRS := $(wildcard bpf/*.h) $(wildcard include/*.h)
UNIT_TESTS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(wildcard tests/unit/test_*.c))

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all clean deps check unit e2e demo loadgen vmlinux prom-check bpf-arm64

all: vqtrace

vqtrace: $(OUTPUT)/vqtrace
	$(call msg,CP,$@)
	$(Q)cp $< $@

$(OUTPUT) $(OUTPUT)/tests:
	$(Q)mkdir -p $@

$(OUTPUT)/vqtrace.bpf.o: bpf/vqtrace.bpf.c $(BPF_HDRS) $(VMLINUX) | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $(@:.bpf.o=.tmp.bpf.o)
	$(Q)$(BPFTOOL) gen object $@ $(@:.bpf.o=.tmp.bpf.o)

$(OUTPUT)/vqtrace.skel.h: $(OUTPUT)/vqtrace.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name vqtrace_bpf > $@

$(OBJS): $(OUTPUT)/%.o: src/%.c $(wildcard src/*.h) $(wildcard include/*.h) $(OUTPUT)/vqtrace.skel.h
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(EXTRA_CFLAGS) $(INCLUDES) -c $< -o $@

$(OUTPUT)/vqtrace: $(OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(STATIC_LIBS) $(EXTRA_LDFLAGS) -o $@

$(OUTPUT)/tests/%: tests/unit/%.c $(LIB_OBJS) | $(OUTPUT)/tests
	$(call msg,CC-TEST,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(INCLUDES) $< $(LIB_OBJS) $(DYN_LIBS) -lcmocka -o $@

loadgen:
	$(Q)$(MAKE) -s -C tools/vhost-loadgen

deps:
	$(Q)tools/deps.sh

# Regenerate vmlinux/<arch>/vmlinux.h from the pinned Debian kernel's BTF.
vmlinux:
	$(Q)tools/gen-vmlinux.sh $(ARCH)

# The BPF side of the other architecture must keep compiling (CO-RE; the
# loader itself is portable C). Builds the arm64 object and skeleton.
bpf-arm64:
	$(Q)$(MAKE) -s ARCH=arm64 OUTPUT=$(OUTPUT)/arm64 $(OUTPUT)/arm64/vqtrace.skel.h
	$(Q)echo "bpf-arm64: vqtrace.bpf.o and its skeleton build for arm64"

unit: $(UNIT_TESTS) vqtrace
	$(Q)tests/run-unit.sh $(UNIT_TESTS)

e2e: vqtrace loadgen
	$(Q)tests/e2e/run.sh

# --prometheus: promtool on a unit-test render, the Grafana dashboard's
# metric names, and a live scrape by a real Prometheus in the 6.12 VM.
prom-check: vqtrace loadgen $(OUTPUT)/tests/test_prom
	$(Q)tests/prom/promtool_check.sh $(OUTPUT)/tests/test_prom
	$(Q)tests/prom/dashboard_test.sh $(OUTPUT)/tests/test_prom
	$(Q)tests/prom/live.sh

check: deps
	$(Q)$(MAKE) -s all loadgen bpf-arm64
	$(Q)$(MAKE) -s unit
	$(Q)$(MAKE) -s e2e
	$(Q)$(MAKE) -s prom-check

demo: deps
	$(Q)$(MAKE) -s all loadgen
	$(Q)tools/demo.sh

clean:
	$(call msg,CLEAN,)
	$(Q)rm -rf $(OUTPUT) vqtrace
	$(Q)$(MAKE) -s -C tools/vhost-loadgen clean 2>/dev/null || true
