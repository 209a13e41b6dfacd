/* What the translator needs to know about a guest instruction beyond its
 * decoding: where its ModRM byte is (to rewrite memory operands and RSP),
 * its prefixes, which registers it uses, how it treats the flags, and how
 * it is translated. */
#ifndef RINGBENCH_BT_FORM_H
#define RINGBENCH_BT_FORM_H

#include <stdbool.h>
#include <stdint.h>

#include "engines/x86/insn.h"

enum bt_class {
	TC_HELPER,      /* call the shared handler */
	TC_COPY,        /* host-execute the bytes as they are */
	TC_DROP,        /* no effect (NOP/PREFETCH forms with a memory operand) */
	TC_MEM,         /* memory operand rewritten through the TLB probe */
	TC_RSP,         /* register form naming RSP: renamed to a scratch */
	TC_LEA,         /* address computation naming RSP or RIP */
	TC_PUSH, TC_POP, TC_LEAVE,
	TC_JMP, TC_JCC, TC_CALL, TC_RET,
	TC_JMP_IND, TC_CALL_IND,
	TC_DF,          /* CLD/STD: DF in cpu.rflags (the host's DF stays 0 for C) */
	TC_PUSH_MEM,    /* PUSH qword [mem]: a load and a push, each through the probe */
};

struct bt_form {
	uint8_t cls;
	uint8_t modrm_off;      /* 0xff: none */
	uint8_t rex_off;        /* 0xff: none */
	uint8_t op_off;         /* first opcode byte */
	uint8_t tail_off;       /* first byte after ModRM/SIB/disp: the immediate */
	bool reg_ext;           /* ModRM.reg is an opcode extension, not a register */
	uint8_t mem;            /* index of the memory operand, 0xff none */
	bool mem_write;         /* the memory operand is written */
	uint8_t flags_read;     /* X86_FLS_*: flags it reads (or may keep) */
	uint8_t flags_kill;     /* flags it defines whatever they were */
	bool sensitive;         /* privileged or sensitive: a helper by design */
	bool rsp;               /* names RSP (or SPL) as a register operand */
	uint16_t regs;          /* GPRs it names or uses implicitly (bit per reg) */
	uint16_t regs_nomem;    /* ... apart from its memory operand's base and index */
};

/* Classify in (64-bit code only). */
void bt_classify(const struct x86_inst *in, struct bt_form *f);

#endif
