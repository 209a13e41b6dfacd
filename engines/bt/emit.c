/* The host-code encoder (see emit.h). */
#include "engines/bt/emit.h"

#include <string.h>

void em_bytes(struct emit *e, const void *p, unsigned n)
{
	if (e->w + n > e->end) {
		e->full = true;
		return;
	}
	memcpy(e->w, p, n);
	e->w += n;
}

void em_u8(struct emit *e, uint8_t b) { em_bytes(e, &b, 1); }
void em_u32(struct emit *e, uint32_t v) { em_bytes(e, &v, 4); }
void em_u64(struct emit *e, uint64_t v) { em_bytes(e, &v, 8); }

static void em_rex(struct emit *e, bool w, int reg, int index, int base)
{
	uint8_t rex = 0x40 | (w ? 8 : 0) | (reg > 7 ? 4 : 0) | (index > 7 ? 2 : 0) | (base > 7 ? 1 : 0);

	if (rex != 0x40)
		em_u8(e, rex);
}

static void em_opc(struct emit *e, uint32_t opc, unsigned oplen)
{
	for (unsigned i = 0; i < oplen; i++)
		em_u8(e, (uint8_t)(opc >> (8 * i)));
}

static unsigned scale_bits(int scale)
{
	return scale == 8 ? 3 : scale == 4 ? 2 : scale == 2 ? 1 : 0;
}

/* ModRM (+SIB, +disp) for a memory operand. */
static void em_modrm_mem(struct emit *e, int reg, struct hmem m)
{
	unsigned r = (unsigned)(reg & 7) << 3;

	if (m.base < 0) {
		em_u8(e, (uint8_t)(r | 4));
		em_u8(e, (uint8_t)((scale_bits(m.scale) << 6) |
				   ((m.index < 0 ? 4u : (unsigned)(m.index & 7)) << 3) | 5));
		em_u32(e, (uint32_t)m.disp);
		return;
	}
	unsigned mod = m.disp == 0 && (m.base & 7) != 5 ? 0 : m.disp >= -128 && m.disp <= 127 ? 1 : 2;
	if (m.index < 0 && (m.base & 7) != 4) {
		em_u8(e, (uint8_t)((mod << 6) | r | (unsigned)(m.base & 7)));
	} else {
		em_u8(e, (uint8_t)((mod << 6) | r | 4));
		em_u8(e, (uint8_t)((scale_bits(m.scale) << 6) |
				   ((m.index < 0 ? 4u : (unsigned)(m.index & 7)) << 3) | (unsigned)(m.base & 7)));
	}
	if (mod == 1)
		em_u8(e, (uint8_t)m.disp);
	else if (mod == 2)
		em_u32(e, (uint32_t)m.disp);
}

void em_op_mem(struct emit *e, uint8_t pfx, bool w, uint32_t opc, unsigned oplen,
	       int reg, struct hmem m)
{
	if (pfx)
		em_u8(e, pfx);
	em_rex(e, w, reg, m.index < 0 ? 0 : m.index, m.base < 0 ? 0 : m.base);
	em_opc(e, opc, oplen);
	em_modrm_mem(e, reg, m);
}

/* A three-byte VEX form (W1, L0) with a memory operand: map 2 (0F38) or
 * 3 (0F3A), pp the implied prefix, vvvv a register (-1: none). */
static void em_vex_mem(struct emit *e, unsigned map, unsigned pp, uint8_t opc, int reg, int vvvv,
		       struct hmem m)
{
	int x = m.index < 0 ? 0 : m.index, b = m.base < 0 ? 0 : m.base;

	em_u8(e, 0xc4);
	em_u8(e, (uint8_t)((reg > 7 ? 0 : 0x80) | (x > 7 ? 0 : 0x40) | (b > 7 ? 0 : 0x20) | map));
	em_u8(e, (uint8_t)(0x80 | ((~(unsigned)(vvvv < 0 ? 0 : vvvv) & 15) << 3) | pp));
	em_u8(e, opc);
	em_modrm_mem(e, reg, m);
}

void em_pext_mem(struct emit *e, int dst, int src, struct hmem mask)
{
	em_vex_mem(e, 2, 2, 0xf5, dst, src, mask);                /* VEX.LZ.F3.0F38.W1 F5 */
}

void em_rorx_mem(struct emit *e, int dst, struct hmem m, uint8_t n)
{
	em_vex_mem(e, 3, 3, 0xf0, dst, -1, m);                    /* VEX.LZ.F2.0F3A.W1 F0 ib */
	em_u8(e, n);
}

void em_not(struct emit *e, int reg)
{
	em_op_reg(e, true, 0xf7, 1, 2, reg);                       /* not r64: F7 /2 */
}

void em_jrcxz_over_jmp(struct emit *e, uint8_t **jmp_pos)
{
	em_u8(e, 0xe3);                                            /* jrcxz past the jmp */
	em_u8(e, 5);
	*jmp_pos = em_jmp(e, NULL);
}

void em_op_reg(struct emit *e, bool w, uint32_t opc, unsigned oplen, int reg, int rm)
{
	em_rex(e, w, reg, 0, rm);
	em_opc(e, opc, oplen);
	em_u8(e, (uint8_t)(0xc0 | ((reg & 7) << 3) | (rm & 7)));
}

void em_load(struct emit *e, int reg, struct hmem m) { em_op_mem(e, 0, true, 0x8b, 1, reg, m); }
void em_store(struct emit *e, struct hmem m, int reg) { em_op_mem(e, 0, true, 0x89, 1, reg, m); }
void em_add_mem(struct emit *e, int reg, struct hmem m) { em_op_mem(e, 0, true, 0x03, 1, reg, m); }
void em_cmp_mem(struct emit *e, int reg, struct hmem m) { em_op_mem(e, 0, true, 0x3b, 1, reg, m); }
void em_mov_rr(struct emit *e, int dst, int src) { em_op_reg(e, true, 0x89, 1, src, dst); }

void em_lea(struct emit *e, bool addr32, int reg, struct hmem m)
{
	em_op_mem(e, addr32 ? 0x67 : 0, true, 0x8d, 1, reg, m);
}

void em_mov_imm(struct emit *e, int reg, uint64_t v)
{
	if (v <= 0xffffffffull) {               /* mov r32, imm32 zero-extends */
		em_rex(e, false, 0, 0, reg);
		em_u8(e, (uint8_t)(0xb8 | (reg & 7)));
		em_u32(e, (uint32_t)v);
	} else if ((int64_t)v == (int32_t)v) {  /* mov r64, simm32 */
		em_op_reg(e, true, 0xc7, 1, 0, reg);
		em_u32(e, (uint32_t)v);
	} else {
		em_rex(e, true, 0, 0, reg);
		em_u8(e, (uint8_t)(0xb8 | (reg & 7)));
		em_u64(e, v);
	}
}

void em_store_imm32(struct emit *e, struct hmem m, int32_t v)
{
	em_op_mem(e, 0, true, 0xc7, 1, 0, m);
	em_u32(e, (uint32_t)v);
}

void em_shr_imm(struct emit *e, int reg, uint8_t n) { em_op_reg(e, true, 0xc1, 1, 5, reg); em_u8(e, n); }
void em_shl_imm(struct emit *e, int reg, uint8_t n) { em_op_reg(e, true, 0xc1, 1, 4, reg); em_u8(e, n); }
void em_and_imm(struct emit *e, int reg, int32_t v) { em_op_reg(e, true, 0x81, 1, 4, reg); em_u32(e, (uint32_t)v); }

void em_imul_imm(struct emit *e, int reg, int32_t v)
{
	em_op_reg(e, true, 0x69, 1, reg, reg);
	em_u32(e, (uint32_t)v);
}

void em_add_mem_imm(struct emit *e, struct hmem m, int32_t v)
{
	if (v >= -128 && v <= 127) {
		em_op_mem(e, 0, true, 0x83, 1, 0, m);
		em_u8(e, (uint8_t)v);
	} else {
		em_op_mem(e, 0, true, 0x81, 1, 0, m);
		em_u32(e, (uint32_t)v);
	}
}

void em_cmp_byte_mem0(struct emit *e, struct hmem m) { em_op_mem(e, 0, false, 0x80, 1, 7, m); em_u8(e, 0); }
void em_push_mem(struct emit *e, struct hmem m) { em_op_mem(e, 0, false, 0xff, 1, 6, m); }
void em_pop_mem(struct emit *e, struct hmem m) { em_op_mem(e, 0, false, 0x8f, 1, 0, m); }
void em_jmp_mem(struct emit *e, struct hmem m) { em_op_mem(e, 0, false, 0xff, 1, 4, m); }

void em_push_reg(struct emit *e, int reg)
{
	em_rex(e, false, 0, 0, reg);
	em_u8(e, (uint8_t)(0x50 | (reg & 7)));
}

void em_pop_reg(struct emit *e, int reg)
{
	em_rex(e, false, 0, 0, reg);
	em_u8(e, (uint8_t)(0x58 | (reg & 7)));
}

void em_flags_to_ax(struct emit *e)
{
	static const uint8_t c[] = { 0x9f, 0x0f, 0x90, 0xc0 };   /* lahf; seto al */
	em_bytes(e, c, sizeof(c));
}

void em_flags_from_ax(struct emit *e)
{
	static const uint8_t c[] = { 0x04, 0x7f, 0x9e };         /* add al, 0x7f; sahf */
	em_bytes(e, c, sizeof(c));
}

void em_patch_rel32(uint8_t *rw, intptr_t delta, const uint8_t *target_rx)
{
	int32_t rel = (int32_t)(target_rx - (rw + delta + 4));

	memcpy(rw, &rel, 4);
}

static uint8_t *em_rel32(struct emit *e, const uint8_t *target_rx)
{
	uint8_t *at = e->w;

	em_u32(e, 0);
	if (!e->full)
		em_patch_rel32(at, e->delta, target_rx ? target_rx : em_rx(e));
	return at;
}

uint8_t *em_jmp(struct emit *e, const uint8_t *target_rx)
{
	em_u8(e, 0xe9);
	return em_rel32(e, target_rx);
}

uint8_t *em_jcc(struct emit *e, unsigned cc, const uint8_t *target_rx)
{
	em_u8(e, 0x0f);
	em_u8(e, (uint8_t)(0x80 | (cc & 15)));
	return em_rel32(e, target_rx);
}

uint8_t *em_call(struct emit *e, const uint8_t *target_rx)
{
	em_u8(e, 0xe8);
	return em_rel32(e, target_rx);
}

void em_call_abs(struct emit *e, const void *fn)
{
	em_mov_imm(e, H_RAX, (uint64_t)(uintptr_t)fn);
	em_op_reg(e, false, 0xff, 1, 2, H_RAX);                /* call rax */
}
