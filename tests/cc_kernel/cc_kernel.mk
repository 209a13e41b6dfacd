# The test kernel (tests/cc_kernel): the same C built twice with Debian's
# gcc, -msse2 (the issue's flags) and x87-only (-mno-sse -mfpmath=387), as
# ELF32 Multiboot images (QEMU's -kernel wants ELF32), and the host
# programs that print the expected lines.  tests/e2e/cc_kernel.sh runs them.
CCK_DIR    := $(BUILD)/tests/cc_kernel
CCK_SRCS   := tests/cc_kernel/cc_tests.c tests/cc_kernel/cc_lib.c
CCK_CFLAGS := -std=c11 -O2 -fcf-protection=full -fno-math-errno -Wall -Wextra -I.
CCK_KFLAGS := $(CCK_CFLAGS) -ffreestanding -nostdlib -mno-red-zone -fno-pic -fno-pie \
              -fno-stack-protector -fno-asynchronous-unwind-tables -static -no-pie \
              -Wl,--build-id=none -Wl,-z,max-page-size=0x1000 -Wl,-T,tests/cc_kernel/kernel.ld
CCK_SSE2   := -msse2
CCK_X87    := -mno-sse -mno-sse2 -mno-mmx -mfpmath=387 -DCC_X87_ONLY
CCK_DEPS   := $(CCK_SRCS) tests/cc_kernel/cc.h tests/cc_kernel/kmain.c tests/cc_kernel/boot.S \
              tests/cc_kernel/kernel.ld tests/cc_kernel/host.c tests/guests/multiboot.inc
CC_KERNELS := $(CCK_DIR)/kernel-sse2.elf $(CCK_DIR)/kernel-x87.elf $(CCK_DIR)/host-sse2 $(CCK_DIR)/host-x87

.PHONY: cc-kernel
cc-kernel: $(CC_KERNELS)

$(CCK_DIR)/kernel-%.elf: $(CCK_DEPS)
	@mkdir -p $(@D)
	$(CC) $(CCK_KFLAGS) $(CCK_$(if $(filter x87,$*),X87,SSE2)) -o $(@:.elf=.elf64) \
	      tests/cc_kernel/boot.S tests/cc_kernel/kmain.c $(CCK_SRCS)
	objcopy -O elf32-i386 $(@:.elf=.elf64) $@

$(CCK_DIR)/host-%: $(CCK_DEPS)
	@mkdir -p $(@D)
	$(CC) $(CCK_CFLAGS) -msse2 $(if $(filter x87,$*),-DCC_X87_ONLY) -o $@ tests/cc_kernel/host.c $(CCK_SRCS)
