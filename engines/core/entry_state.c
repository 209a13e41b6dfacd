/* The Multiboot v1 machine state at kernel entry (Multiboot spec 3.2). */
#include <string.h>

#include "engines/core/vm.h"

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002u

static struct segment flat_segment(uint16_t selector, uint8_t type)
{
	return (struct segment){
		.base = 0, .limit = 0xffffffff, .selector = selector, .type = type,
		.present = 1, .dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1,
	};
}

void vm_multiboot_entry_state(struct cpu_state *s, uint32_t entry, uint32_t info)
{
	memset(s, 0, sizeof(*s));
	s->gpr[R_RAX] = MULTIBOOT_BOOTLOADER_MAGIC;
	s->gpr[R_RBX] = info;
	s->rip = entry;
	s->rflags = 0x2;                       /* IF=0, reserved bit 1 */
	s->seg[S_CS] = flat_segment(0x08, 0xb); /* execute/read, accessed */
	for (int i = 0; i < S_COUNT; i++)
		if (i != S_CS)
			s->seg[i] = flat_segment(0x10, 0x3); /* read/write, accessed */
	/* A usable TR and an unusable LDTR, as after a BIOS and as VT-x insists. */
	s->tr = (struct segment){ .limit = 0xffff, .type = 0xb, .present = 1 };
	s->ldtr = (struct segment){ .limit = 0xffff, .type = 0x2, .present = 1, .unusable = 1 };
	s->gdt.limit = 0xffff;
	s->idt.limit = 0xffff;
	s->cr0 = 0x11;                         /* PE, ET */
	s->dr[6] = 0xffff0ff0;
	s->dr[7] = 0x400;
	s->pat = 0x0007040600070406ull;
	s->apic_base = 0xFEE00000ull | 0x900;  /* enabled, BSP */
	s->mxcsr = 0x1f80;                     /* all exceptions masked (SDM Vol. 1, 10.2.3.1) */
}
