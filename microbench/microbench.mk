# The microbenchmarks: the group files are linked into the guest kernel
# (guests/guests.mk); the unprivileged ones also into the native twins here.
MB_NATIVE_SRCS := microbench/native.c microbench/harness.c microbench/baseline.c
MB_NATIVE_OBJS := $(MB_NATIVE_SRCS:microbench/%.c=$(BUILD)/microbench/%.o)
MB_NATIVE      := $(BUILD)/microbench/native

.PHONY: native
native: $(MB_NATIVE)

$(MB_NATIVE): $(MB_NATIVE_OBJS)
	$(CC) -o $@ $^

$(BUILD)/microbench/%.o: microbench/%.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -MMD -MP -I. -c -o $@ $<

-include $(MB_NATIVE_OBJS:.o=.d)

# `make guest` also builds the native twins: the harness runs them beside the guest.
guest: native
