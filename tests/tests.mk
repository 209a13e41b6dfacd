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

test: deps ringbench guest $(UNIT_BINS) $(TEST_GUESTS)
	@sh tests/run.sh $(UNIT_BINS)
