/* Shifts and rotates by an immediate count (C0/C1 ib, SHLD/SHRD ib), run
 * as that very instruction on the host, register or memory form.
 *
 * Why not the CL form with CL = the immediate: the forms are not the same
 * instruction for the undefined flags.  This Intel host leaves OF unchanged
 * for ROL/ROR reg,ib with a masked count above 1, but sets it for
 * ROL/ROR mem,ib and for the CL forms; AMD hosts compute it alike in every
 * form.  The rule is "undefined flags are what the host does", so the host
 * executes the guest's form, immediate and operand kind included.
 *
 * An immediate cannot come from a register: there is one stub per (register
 * or memory, operation, size, count), each the instruction on rDX or on
 * [rDX] (SHLD/SHRD with rCX as the source) followed by a jump back through
 * R11.  Counts 0-63 cover every immediate: the CPU masks it to 5 (6 with
 * REX.W) bits, and masking count & 63 gives the same masked count.  No
 * CALL: it would write below RSP, in the calling C code's red zone. */
#include "engines/x86/alu.h"

#include "engines/x86/alu_imm.h"

#define STUB X86_IMM_STUB

__asm__(
	".pushsection .text\n"
	/* One stub per count 0-63: the opcode bytes, the count; jmp *%r11 */
	".macro RB_IMM_STUBS bytes:vararg\n"
	".set rb_imm_n, 0\n"
	".rept 64\n"
	".balign 8\n"
	".byte \\bytes, rb_imm_n\n"
	"jmp *%r11\n"
	".set rb_imm_n, rb_imm_n + 1\n"
	".endr\n"
	".endm\n"
	/* Group 2 (C0 byte, C1 word/dword/qword), /r = 0 1 2 3 4 5 7;
	 * m = 0xc2 for rDX, 0x02 for [rDX]. */
	".macro RB_IMM_GRP2 m:req, r:req\n"
	"RB_IMM_STUBS 0xc0, (\\m | (\\r << 3))\n"
	"RB_IMM_STUBS 0x66, 0xc1, (\\m | (\\r << 3))\n"
	"RB_IMM_STUBS 0xc1, (\\m | (\\r << 3))\n"
	"RB_IMM_STUBS 0x48, 0xc1, (\\m | (\\r << 3))\n"
	".endm\n"
	".macro RB_IMM_GRP2_ALL m:req\n"
	"RB_IMM_GRP2 \\m, 0\nRB_IMM_GRP2 \\m, 1\nRB_IMM_GRP2 \\m, 2\nRB_IMM_GRP2 \\m, 3\n"
	"RB_IMM_GRP2 \\m, 4\nRB_IMM_GRP2 \\m, 5\nRB_IMM_GRP2 \\m, 7\n"
	".endm\n"
	/* SHLD (0F A4) and SHRD (0F AC) word, dword, qword; m = 0xca for
	 * rDX, rCX and 0x0a for [rDX], rCX. */
	".macro RB_IMM_SHXD m:req, opc:req\n"
	"RB_IMM_STUBS 0x66, 0x0f, \\opc, \\m\n"
	"RB_IMM_STUBS 0x0f, \\opc, \\m\n"
	"RB_IMM_STUBS 0x48, 0x0f, \\opc, \\m\n"
	".endm\n"
	".balign 64\n"
	".globl x86_shift_imm_stubs\n"
	".hidden x86_shift_imm_stubs\n"
	"x86_shift_imm_stubs:\n"
	"RB_IMM_GRP2_ALL 0xc2\n"
	"RB_IMM_GRP2_ALL 0x02\n"
	".balign 64\n"
	".globl x86_shxd_imm_stubs\n"
	".hidden x86_shxd_imm_stubs\n"
	"x86_shxd_imm_stubs:\n"
	"RB_IMM_SHXD 0xca, 0xa4\nRB_IMM_SHXD 0xca, 0xac\n"
	"RB_IMM_SHXD 0x0a, 0xa4\nRB_IMM_SHXD 0x0a, 0xac\n"
	".purgem RB_IMM_STUBS\n.purgem RB_IMM_GRP2\n.purgem RB_IMM_GRP2_ALL\n"
	".purgem RB_IMM_SHXD\n"
	".popsection\n");

extern const char x86_shxd_imm_stubs[];

/* The stub runs with the guest's flags loaded; for the memory form rDX
 * points at a copy of the operand. */
#define RUN_STUB(stub, ...) \
	if (mem) { \
		uint64_t tmp = a; \
		__asm__(FL_IN "lea 1f(%%rip), %%r11\n\tjmp *%[s]\n1:" FL_OUT \
			: "+m"(tmp), [of] "+r"(of), "+a"(ax) \
			: "d"(&tmp), [s] "r"(stub) __VA_ARGS__ : "r11", "cc"); \
		a = tmp; \
	} else { \
		__asm__(FL_IN "lea 1f(%%rip), %%r11\n\tjmp *%[s]\n1:" FL_OUT \
			: "+d"(a), [of] "+r"(of), "+a"(ax) \
			: [s] "r"(stub) __VA_ARGS__ : "r11", "cc"); \
	}

uint64_t x86_shift_imm(int op, unsigned size, bool mem, uint64_t a, uint8_t count, uint64_t *fl)
{
	const char *stub = x86_shift_imm_stub(op, size, mem, count);
	FL_VARS(fl);

	RUN_STUB(stub, )
	*fl = fl_merge(*fl, ax, of);
	return a & x86_size_mask(size);
}

uint64_t x86_shxd_imm(bool left, unsigned size, bool mem, uint64_t a, uint64_t b, uint8_t count,
		      uint64_t *fl)
{
	unsigned row = (mem ? 2u : 0u) + (left ? 0u : 1u);
	const char *stub = x86_shxd_imm_stubs +
		((row * 3 + x86_size_index(size) - 1) * 64 + (count & 63)) * STUB;
	FL_VARS(fl);

	RUN_STUB(stub, , "c"(b))
	*fl = fl_merge(*fl, ax, of);
	return a & x86_size_mask(size);
}
