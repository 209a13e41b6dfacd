/* Bounded fuzzing of the semantics layer under the sanitizers: random
 * code bytes at CPL 3 and CPL 0 in long mode with paging, random
 * registers, every vector routed to a handler that returns.  Whatever the
 * bytes do (faults, privileged instructions, writes over its own tables,
 * triple faults, unimplemented instructions), the host must not crash and
 * the layer must stop cleanly. */
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "engines/x86/cpu.h"
#include "tests/check.h"
#include "tests/unit/long_mode.h"

#define RAM  (4u << 20)
#define GDT  LM_GDT
#define IDT  LM_IDT
#define TSS  LM_TSS
#define CODE 0x200000u          /* second 2 MiB page: user, writable */
#define HANDLER 0x10000u        /* add rsp, 8; iretq */

static uint8_t *ram;
static struct x86_cpu cpu;
static uint64_t seed = 0x243f6a8885a308d3ull;

static uint64_t rnd(void) { return lm_rnd(&seed); }


static void setup(int cpl)
{
	memset(ram, 0, 0x20000);
	lm_build_tables(ram, HANDLER);
	/* HANDLER: add rsp, 8 (error code) ; iretq */
	static const uint8_t h[] = { 0x48, 0x83, 0xc4, 0x08, 0x48, 0xcf };
	memcpy(ram + HANDLER, h, sizeof(h));
	for (int i = 0; i < 64; i++)
		ram[CODE + i] = (uint8_t)rnd();

	x86_cpu_init(&cpu, NULL, "test");
	cpu.ram = ram;
	cpu.ram_size = RAM;
	cpu.cr0 = CR0_PE | CR0_PG | CR0_WP | 0x10;
	cpu.cr3 = LM_PML4;
	cpu.cr4 = CR4_PAE;
	cpu.efer = EFER_LME | EFER_LMA | EFER_NXE | EFER_SCE;
	cpu.gdt = (struct dtable){ GDT, 0x37 };
	cpu.idt = (struct dtable){ IDT, 0xfff };
	cpu.tr = (struct segment){ .base = TSS, .limit = 0x67, .selector = 0x28, .type = 0xb, .present = 1 };
	cpu.seg[S_CS] = (struct segment){ .selector = (uint16_t)(cpl ? 0x23 : 0x08), .type = 0xb, .s = 1,
					  .present = 1, .l = 1, .dpl = (uint8_t)cpl, .limit = 0xffffffff, .g = 1 };
	cpu.seg[S_SS] = (struct segment){ .selector = (uint16_t)(cpl ? 0x1b : 0x10), .type = 3, .s = 1,
					  .present = 1, .db = 1, .dpl = (uint8_t)cpl, .limit = 0xffffffff, .g = 1 };
	cpu.cpl = (uint8_t)cpl;
	for (int r = 0; r < 16; r++)
		cpu.gpr[r] = rnd() % 3 ? CODE + (rnd() & 0xffff) : rnd();
	cpu.gpr[R_RSP] = CODE + 0x1f000;
	cpu.rip = CODE;
	cpu.rflags = 2;
	x86_update_mode(&cpu);
	x86_tlb_flush(&cpu, false);
}

/* Up to n instructions; how it ended. */
enum { RAN, EXITED };

static int run(int n)
{
	volatile int i = 0;

	switch (setjmp(cpu.jb)) {
	case 0:
		break;
	case X86_JMP_FAULT:
		x86_handle_fault(&cpu);
		break;
	default:
		return EXITED;
	}
	for (; i < n; i++) {
		if (cpu.exit_ready)
			return EXITED;
		cpu.pending = false;
		x86_step(&cpu);
		if (cpu.halted)
			return EXITED;
	}
	return RAN;
}

int main(void)
{
	unsigned runs = 0, exited = 0;
	uint64_t insns = 0, faults = 0;

	ram = calloc(1, RAM);
	for (int t = 0; t < 3000; t++) {
		setup(t % 2 ? 3 : 0);
		if (run(200) == EXITED)
			exited++;
		runs++;
		insns += cpu.cnt.insns;
		faults += cpu.cnt.exceptions;
	}
	CHECK(runs == 3000, "%u random programs ran without a host crash (%llu instructions, %llu exceptions, %u stopped early)",
	      runs, (unsigned long long)insns, (unsigned long long)faults, exited);
	free(ram);
	CHECK_EXIT();
}
