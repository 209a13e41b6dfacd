/* A small x86-64 encoder for the translator's own host code: the few
 * instruction forms the translator and its stubs need, with memory
 * operands as base + index*scale + disp32 (base -1: absolute disp32, which
 * works because everything translated code addresses lives below 2 GiB). */
#ifndef RINGBENCH_BT_EMIT_H
#define RINGBENCH_BT_EMIT_H

#include <stdbool.h>
#include <stdint.h>

/* Host registers, numbered as the guest's (identity mapping). */
enum { H_RAX, H_RCX, H_RDX, H_RBX, H_RSP, H_RBP, H_RSI, H_RDI,
       H_R8, H_R9, H_R10, H_R11, H_R12, H_R13, H_R14, H_R15 };

struct emit {
	uint8_t *w, *end;       /* write position and end, in the RW view */
	intptr_t delta;         /* RX address minus RW address */
	bool full;              /* ran past end: the output is void */
};

/* A memory operand: base/index -1 for none. */
struct hmem {
	int base, index, scale;
	int32_t disp;
};

static inline struct hmem hm_abs(const volatile void *p)
{
	return (struct hmem){ -1, -1, 1, (int32_t)(intptr_t)p };
}

static inline struct hmem hm_base(int base, int32_t disp)
{
	return (struct hmem){ base, -1, 1, disp };
}

static inline uint8_t *em_rx(const struct emit *e) { return e->w + e->delta; }

void em_bytes(struct emit *e, const void *p, unsigned n);
void em_u8(struct emit *e, uint8_t b);
void em_u32(struct emit *e, uint32_t v);
void em_u64(struct emit *e, uint64_t v);

/* Generic forms: optional legacy prefix (0: none), REX.W, opcode bytes
 * (1-3, first byte first in the low bits of opc), ModRM reg field. */
void em_op_mem(struct emit *e, uint8_t pfx, bool w, uint32_t opc, unsigned oplen,
	       int reg, struct hmem m);
void em_op_reg(struct emit *e, bool w, uint32_t opc, unsigned oplen, int reg, int rm);

/* The forms used by name. */
void em_load(struct emit *e, int reg, struct hmem m);            /* mov r64, m */
void em_store(struct emit *e, struct hmem m, int reg);           /* mov m, r64 */
void em_lea(struct emit *e, bool addr32, int reg, struct hmem m);
void em_mov_imm(struct emit *e, int reg, uint64_t v);
void em_mov_rr(struct emit *e, int dst, int src);
void em_store_imm32(struct emit *e, struct hmem m, int32_t v);    /* mov qword m, simm32 */
void em_add_mem(struct emit *e, int reg, struct hmem m);          /* add r64, m */
void em_cmp_mem(struct emit *e, int reg, struct hmem m);          /* cmp r64, m */
void em_shr_imm(struct emit *e, int reg, uint8_t n);
void em_shl_imm(struct emit *e, int reg, uint8_t n);
void em_and_imm(struct emit *e, int reg, int32_t v);
void em_imul_imm(struct emit *e, int reg, int32_t v);
void em_add_mem_imm(struct emit *e, struct hmem m, int32_t v);    /* add qword m, simm32 */
void em_cmp_byte_mem0(struct emit *e, struct hmem m);             /* cmp byte m, 0 */
void em_push_mem(struct emit *e, struct hmem m);
void em_push_reg(struct emit *e, int reg);
void em_pop_reg(struct emit *e, int reg);
void em_pop_mem(struct emit *e, struct hmem m);
void em_jmp_mem(struct emit *e, struct hmem m);
/* Flags of the guest into AX and back (LAHF/SETO, ADD/SAHF). */
/* Flag-free forms (BMI2 where named) for the flag-free TLB probe. */
void em_pext_mem(struct emit *e, int dst, int src, struct hmem mask);  /* BMI2 pext */
void em_rorx_mem(struct emit *e, int dst, struct hmem m, uint8_t n);    /* BMI2 rorx */
void em_not(struct emit *e, int reg);
/* jrcxz over a following jmp rel32 (its rel32 in *jmp_pos, to patch). */
void em_jrcxz_over_jmp(struct emit *e, uint8_t **jmp_pos);

void em_flags_to_ax(struct emit *e);
void em_flags_from_ax(struct emit *e);
/* Relative branches: return the RW address of the rel32 for patching. */
uint8_t *em_jmp(struct emit *e, const uint8_t *target_rx);
uint8_t *em_jcc(struct emit *e, unsigned cc, const uint8_t *target_rx);
uint8_t *em_call(struct emit *e, const uint8_t *target_rx);
/* Point the rel32 at rw (written earlier by em_jmp/em_jcc/em_call) at target. */
void em_patch_rel32(uint8_t *rw, intptr_t delta, const uint8_t *target_rx);
void em_call_abs(struct emit *e, const void *fn);                 /* via RAX */

#endif
