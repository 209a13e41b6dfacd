# The guest kernel: freestanding C and assembly, linked at 1 MiB.
# build/guests/kernel.elf is the ELF64 Multiboot kernel `ringbench run`
# boots; build/guests/kernel32.elf is the same image as ELF32, which QEMU's
# Multiboot loader (-kernel) requires.
GUEST_DIR    := $(BUILD)/guests
GUEST_ELF    := $(GUEST_DIR)/kernel.elf
GUEST_ELF32  := $(GUEST_DIR)/kernel32.elf
GUEST_MB     := harness groups baseline entry priv io irq pv smp lat_hist smp_contend smp_pv
GUEST_OBJS   := $(patsubst guests/%.S,$(GUEST_DIR)/%.o,$(sort $(wildcard guests/*.S))) \
                $(patsubst guests/%.c,$(GUEST_DIR)/%.o,$(sort $(wildcard guests/*.c))) \
                $(GUEST_MB:%=$(GUEST_DIR)/mb/%.o)

# No SSE, no red zone (interrupts arrive on the kernel stack), no calls the
# compiler invents into code that must stay in the user page.
GUEST_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -MMD -MP -I. -DRB_GUEST \
                -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
                -mno-red-zone -mgeneral-regs-only -fno-asynchronous-unwind-tables \
                -fno-tree-loop-distribute-patterns -fno-jump-tables
GUEST_ASFLAGS := -I. -D__ASSEMBLY__

.PHONY: guest
guest: $(GUEST_ELF) $(GUEST_ELF32)

$(GUEST_ELF): $(GUEST_OBJS) guests/kernel.ld
	ld -m elf_x86_64 -nostdlib -static -z max-page-size=0x1000 --build-id=none --no-warn-rwx-segments \
	   -T guests/kernel.ld -o $@ $(GUEST_OBJS)

$(GUEST_ELF32): $(GUEST_ELF)
	objcopy -O elf32-i386 $< $@

$(GUEST_DIR)/%.o: guests/%.c
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -c -o $@ $<

$(GUEST_DIR)/%.o: guests/%.S
	@mkdir -p $(@D)
	$(CC) $(GUEST_ASFLAGS) -MMD -MP -c -o $@ $<

$(GUEST_DIR)/mb/%.o: microbench/%.c
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -c -o $@ $<

-include $(GUEST_OBJS:.o=.d)
