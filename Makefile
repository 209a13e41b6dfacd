# ringbench: see README.md.  `make bench` and `make test` do everything.
.DEFAULT_GOAL := all
.DELETE_ON_ERROR:

CC       ?= cc
OPT      ?= -O2
CFLAGS   += -std=c11 -D_GNU_SOURCE $(OPT) -g -Wall -Wextra -MMD -MP -I. \
            $(shell pkg-config --cflags capstone json-c 2>/dev/null)
LDLIBS   += $(shell pkg-config --libs capstone json-c 2>/dev/null) -lpfm -lm -lrt
SANITIZE := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

BUILD    := build
SRCS     := $(sort $(wildcard harness/*.c engines/*.c engines/*/*.c))
OBJS     := $(SRCS:%.c=$(BUILD)/%.o)
LIB_OBJS := $(filter-out $(BUILD)/harness/main.o,$(OBJS))
ASAN_OBJS := $(LIB_OBJS:$(BUILD)/%=$(BUILD)/asan/%)

# Every Debian package the build, the tests and the suite need.
DEB_PACKAGES := gcc make binutils pkg-config libcapstone-dev libpfm4-dev \
                libjson-c-dev gnuplot-nox qemu-system-x86 util-linux cpio \
                libzydis-dev python3-yaml

.PHONY: all deps test bench regress clean nested linux-image
all: deps ringbench guest

deps:
	@sh harness/deps.sh $(DEB_PACKAGES)

ringbench: $(OBJS)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# `ringbench --version`: the commit the binary was built from.
RB_VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
$(BUILD)/harness/main.o: CFLAGS += -DRB_VERSION='"$(RB_VERSION)"'
$(BUILD)/harness/main.o: .FORCE
.PHONY: .FORCE

$(BUILD)/%.o: %.c | deps
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/asan/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SANITIZE) -c -o $@ $<

$(BUILD)/libringbench-asan.a: $(ASAN_OBJS)
	rm -f $@ && ar rcs $@ $^

# Parts contribute their own rules.
include guests/guests.mk
include microbench/microbench.mk
include tests/tests.mk

# The harness (docs/results.md): `make bench` measures every engine,
# `make bench QUICK=1` is the short smoke run, `make regress` holds a
# quick run against this host's baseline, results/baselines/<host
# fingerprint>.json (exit 1 on a regression); on a host without one it
# records the run as that baseline and passes (docs/results.md).
BENCH_ARGS ?= $(if $(filter-out 0,$(QUICK)),--quick)
# Then the Linux part (docs/linux.md), its own budget (under 5 minutes),
# into the run's directory; an engine that cannot boot Linux is reported,
# and the Linux part failing whole does not undo the run before it.
# Last a small overcommit sweep (the smp group at 1x, 2x, 4x, quick: about
# 2-3 minutes here) into results/latest/overcommit (docs/results.md).
bench: deps ringbench guest native
	./ringbench bench $(BENCH_ARGS)
	-./ringbench bench --linux $(if $(filter-out 0,$(QUICK)),--quick) --out results/latest/linux
	-./ringbench bench --quick --overcommit 1,2,4 --timeout 120 --out results/latest --run-id overcommit

# The Linux guest image (docs/linux.md): Debian's kernel and a busybox
# initramfs in build/linux/, the packages cached with the nested image's.
linux-image: deps
	@sh harness/images/linux.sh $(BUILD)/linux $(BUILD)/nested/cache

# The nested AMD-V platform's image (docs/nested.md): Debian's kernel and
# busybox-static fetched into build/nested/, cached.
nested: deps
	@sh harness/nested/image.sh $(BUILD)/nested

regress: deps ringbench guest native
	./ringbench bench --quick --quiet --no-plots
	./ringbench compare --baselines results/baselines results/latest

clean:
	rm -rf $(BUILD) ringbench

-include $(OBJS:.o=.d) $(ASAN_OBJS:.o=.d)
