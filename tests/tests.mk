# Unit tests: tests/unit/test_*.c, each a program linked against the
# sanitized library.  End-to-end tests: tests/e2e/*.sh.  tests/run.sh runs
# them all and prints the "N passed, N failed, N skipped" line.
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
TEST_GUESTS := $(patsubst tests/guests/%.S,$(BUILD)/tests/guests/%.elf,$(wildcard tests/guests/*.S))

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libringbench-asan.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SANITIZE) -o $@ $< $(BUILD)/libringbench-asan.a $(LDLIBS)

# Tiny Multiboot test guests, assembled at build time.
$(BUILD)/tests/guests/%.elf: tests/guests/%.S tests/guests/guest.ld $(wildcard tests/guests/*.inc)
	@mkdir -p $(@D)
	$(CC) -m32 -nostdlib -static -Wl,--build-id=none -Wl,-T,tests/guests/guest.ld -o $@ $<

include tests/cc_kernel/cc_kernel.mk

test: deps ringbench guest $(UNIT_BINS) $(TEST_GUESTS) $(CC_KERNELS)
	@sh tests/run.sh $(UNIT_BINS)

# The decoder's independent oracle (Debian libzydis-dev, in DEB_PACKAGES):
# linked into this test only; execution decodes with Capstone.
$(BUILD)/tests/test_x86_decode_oracle: LDLIBS += -lZydis
