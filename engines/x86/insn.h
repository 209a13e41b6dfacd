/* A decoded instruction: what the Capstone front end (decode.c) produces
 * once per guest code address, and what every handler receives. */
#ifndef RINGBENCH_X86_INSN_H
#define RINGBENCH_X86_INSN_H

#include <stddef.h>
#include <stdint.h>

struct x86_cpu;
struct x86_inst;

/* Every instruction handler has this signature.  It executes the
 * instruction at cpu->rip and leaves RIP at the next one to run.  Returns
 * nonzero when control flow or machine state changed so that the rest of
 * a pre-decoded block must not run (taken branch, mode change, ...). */
typedef int (*x86_handler)(struct x86_cpu *cpu, const struct x86_inst *in);
/* The threaded form an interpreter block runs (x86_thread_for): count,
 * execute, then call the next instruction's (in[1].tfn) unless the handler
 * returned nonzero or cpu->pending is set; a block ends with an entry whose
 * fn is NULL (its tfn returns). */
typedef void (*x86_thread)(struct x86_cpu *cpu, const struct x86_inst *in);

enum { OP_NONE, OP_REG, OP_MEM, OP_IMM, OP_SREG, OP_CR, OP_DR, OP_XMM };
#define OPR_NONE 0xff
#define OPR_RIP  16

struct x86_op {
	uint8_t kind, size;
	uint8_t reg;            /* OP_REG: GPR index; OP_SREG/CR/DR: number */
	uint8_t hi8;            /* AH, CH, DH, BH */
	uint8_t seg;            /* OP_MEM: segment */
	uint8_t base, index, scale;
	int64_t disp;           /* OP_MEM displacement, OP_IMM value */
};

/* in->flags */
#define IF_BLOCK_END 0x1        /* ends a pre-decoded block */
#define IF_LOCK      0x2
#define IF_IMM_COUNT 0x4        /* shift/rotate C0/C1: count from an imm8, not the implied 1 */

struct x86_inst {
	x86_handler fn;
	x86_thread tfn;         /* set by the interpreter's decode cache only */
	uint8_t len;
	uint8_t opsize;         /* operand size in bytes */
	uint8_t addrsize;       /* address size in bytes */
	uint8_t nops;
	uint8_t rep;            /* 0, 0xf3 (REP/REPE) or 0xf2 (REPNE) */
	uint8_t cc;             /* condition for Jcc/SETcc/CMOVcc */
	uint8_t flags;
	uint8_t sseg;           /* segment override for string sources, else S_DS */
	uint16_t id;            /* Capstone instruction id */
	uint8_t bytes[15];
	uint8_t mode;           /* decode mode: 16, 32, 64 */
	struct x86_op op[3];
};

/* The legacy prefixes: operand and address size, LOCK, REP/REPNE, segments. */
static inline int x86_legacy_prefix(uint8_t c)
{
	return c == 0x66 || c == 0x67 || c == 0xf0 || c == 0xf2 || c == 0xf3 || c == 0x26 ||
	       c == 0x2e || c == 0x36 || c == 0x3e || c == 0x64 || c == 0x65;
}

/* Decode one instruction at bytes (n available) in the given mode (16, 32
 * or 64).  Fills *in (with the handler); returns the length, or 0 when the
 * bytes are not an instruction (in->fn raises #UD then). */
unsigned x86_decode(const uint8_t *bytes, unsigned n, int mode, struct x86_inst *in);
/* Capstone's feature groups (X86_GRP_*) of the instruction at bytes, and
 * X86_GRP_MMX when it names an MMX register: up to
 * max into g; returns how many (0 when Capstone cannot decode it). */
unsigned x86_insn_groups(const uint8_t *bytes, unsigned n, int mode, uint8_t *g, unsigned max);
/* Capstone's text for an instruction, for error messages. */
void x86_disasm(const uint8_t *bytes, unsigned n, int mode, char *out, size_t len);

/* The instruction table (insn_table.h): handler for a Capstone id, or NULL;
 * *flags gets IF_BLOCK_END when the row ends a block. */
x86_handler x86_handler_for(unsigned id, int *flags);
/* A faster handler for this particular form (ops_fast.c), or NULL. */
x86_handler x86_specialize(const struct x86_inst *in);
/* The same for 64-bit mode only (ops_fast64.c), or NULL; asked first. */
x86_handler x86_specialize64(const struct x86_inst *in);
/* The arithmetic flags in two parts for liveness: CF, which INC and DEC
 * keep, and the other five. */
enum { X86_FLS_CF = 1, X86_FLS_OSZAP = 2, X86_FLS_ALL = 3 };
/* The threaded form of in (its fast form's, else one calling in->fn; for
 * an entry with no fn, the block's end).  live_after: the flags someone
 * may read after it; where it would change none of them, a form that
 * leaves the flags alone, if it has one. */
x86_thread x86_thread_for(const struct x86_inst *in, uint8_t live_after);
/* Thread a block of n instructions and its end entry in[n] (fn NULL):
 * each instruction gets x86_thread_for with the flags its successors in
 * the block may read, all of them after the block. */
void x86_thread_block(struct x86_inst *in, unsigned n);

#endif
