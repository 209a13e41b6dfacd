/* The immediate-count shift stubs of alu_imm.c: where the stub of a form
 * and count is, and the register form run inline (the fast handlers'). */
#ifndef RINGBENCH_X86_ALU_IMM_H
#define RINGBENCH_X86_ALU_IMM_H

#include "engines/x86/alu.h"
#include "engines/x86/alu_asm.h"

#define X86_IMM_STUB 8          /* bytes per stub (at most 5 + 3), aligned */

extern const char x86_shift_imm_stubs[];

/* Rows A_ROL-A_SAR on rDX, then the same on [rDX]; per row, 4 sizes of 64
 * counts. */
static inline const char *x86_shift_imm_stub(int op, unsigned size, bool mem, uint8_t count)
{
	unsigned row = (mem ? 7u : 0u) + (unsigned)(op - A_ROL);

	return x86_shift_imm_stubs + ((row * 4 + x86_size_index(size)) * 64 + (count & 63)) * X86_IMM_STUB;
}

/* a SHIFT= count, the register form, with the guest's flags loaded. */
static inline uint64_t x86_shift_imm_reg(int op, unsigned size, uint64_t a, uint8_t count,
					 uint64_t *fl)
{
	const char *stub = x86_shift_imm_stub(op, size, false, count);
	FL_VARS(fl);

	__asm__(FL_IN "lea 1f(%%rip), %%r11\n\tjmp *%[s]\n1:" FL_OUT
		: "+d"(a), [of] "+r"(of), "+a"(ax) : [s] "r"(stub) : "r11", "cc");
	*fl = fl_merge(*fl, ax, of);
	return a & x86_size_mask(size);
}

#endif
