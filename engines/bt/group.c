/* Finding memory groups (group.h).  A span starts at a memory operand
 * [B + disp] and goes on over instructions that cannot change a base, RSP
 * or the TLB and cannot leave the block: copied and dropped ones that name
 * no base, memory instructions of their own (other forms and bases, each
 * with its own probe) and address computations naming no base, and
 * further members, through a base already taken or a new one that nothing
 * before it in the span names.  A member naming a base other
 * than as its address (it may write it) ends the span.  No helper may run
 * inside a span: it would store the host addresses in the G registers
 * into the guest's register file. */
#include "engines/bt/group.h"

#include <string.h>

#include "engines/bt/emit.h"
#include "engines/engine.h"

/* [B + disp] with B a GPR, no index, no FS/GS, 64-bit addressing, and no
 * RSP register operand: its base, else -1. */
static int member_base(const struct x86_inst *in, const struct bt_form *f)
{
	if (f->cls != TC_MEM || f->rsp || in->addrsize != 8)
		return -1;
	const struct x86_op *m = &in->op[f->mem];
	if (m->base >= 16 || m->index != OPR_NONE || m->seg == S_FS || m->seg == S_GS)
		return -1;
	return m->base;
}

static unsigned access_size(const struct x86_inst *in, const struct bt_form *f)
{
	return in->op[f->mem].size ? in->op[f->mem].size : in->opsize;
}

static bool has_hi8(const struct x86_inst *in)
{
	for (unsigned k = 0; k < in->nops; k++)
		if (in->op[k].kind == OP_REG && in->op[k].hi8)
			return true;
	return false;
}

/* The span from i with at most maxb bases; false: fewer than two members. */
static bool find_span(const struct x86_inst *in, const struct bt_form *f, unsigned n, unsigned i,
		      unsigned maxb, struct bt_group *g)
{
	int64_t lo[BT_GROUP_BASES], hi[BT_GROUP_BASES];
	uint16_t bases = 0, named = 0;  /* named: registers the span so far may write (a
					 * memory operand's base and index are only read) */

	memset(g, 0, sizeof(*g));
	g->start = g->end = i;
	for (unsigned j = i; j < n; j++) {
		int b = member_base(&in[j], &f[j]);
		if (b < 0) {
			bool own = (f[j].cls == TC_MEM || f[j].cls == TC_LEA) && !f[j].rsp && j > i;
			if ((f[j].cls != TC_COPY && f[j].cls != TC_DROP && !own) || (f[j].regs_nomem & bases))
				break;
			if (own)
				g->inner |= 1ull << j;
			named |= f[j].regs_nomem;
			continue;
		}
		unsigned k = 0;
		while (k < g->nbase && g->b[k].reg != b)
			k++;
		int64_t d = in[j].op[f[j].mem].disp, e = d + access_size(&in[j], &f[j]);
		if (k == g->nbase) {
			if (k == maxb || (named >> b & 1))
				break;
			g->nbase++;
			g->b[k] = (struct bt_group_base){ .reg = b, .g = -1 };
			lo[k] = d;
			hi[k] = e;
			bases |= (uint16_t)(1u << b);
		}
		int64_t nlo = d < lo[k] ? d : lo[k], nhi = e > hi[k] ? e : hi[k];
		if (nhi - nlo > 4096)
			break;
		lo[k] = nlo;
		hi[k] = nhi;
		struct bt_group_base *gb = &g->b[k];
		gb->count++;
		gb->write |= f[j].mem_write;
		gb->low_g |= f[j].rex_off == 0xff && has_hi8(&in[j]);
		g->members |= 1ull << j;
		g->base_of[j] = (uint8_t)k;
		g->count++;
		g->end = j + 1;
		named |= f[j].regs_nomem;
		if (f[j].regs_nomem & bases)
			break;                  /* it may write a base: the last member */
	}
	g->inner &= g->end < 64 ? (1ull << g->end) - 1 : ~0ull;
	/* Bases past the last member stay: each has a member before it. */
	for (unsigned k = 0; k < g->nbase; k++) {
		g->b[k].min = lo[k];
		g->b[k].size = (unsigned)(hi[k] - lo[k]);
	}
	bool pair = false;
	for (unsigned k = 0; k < g->nbase; k++)
		pair |= g->b[k].count >= 2;
	return pair;
}

/* The G registers: named by no instruction of the span; not RSP, not R12
 * (as ModRM rm it needs a SIB), not RCX (the flag-free probe's own
 * scratch).  R8-R15 need a REX, which a member without one only takes if
 * it names no AH-BH.  The number of bases that got one. */
static unsigned pick_gs(const struct bt_form *f, struct bt_group *g)
{
	static const int8_t pref[] = { H_RBX, H_RSI, H_RDI, H_RBP, H_R11, H_R10, H_R9, H_R8,
				       H_R15, H_R14, H_R13, H_RDX, H_RAX };
	uint16_t used = 0;

	for (unsigned i = g->start; i < g->end; i++)
		used |= f[i].regs;
	for (unsigned k = 0; k < g->nbase; k++) {
		for (unsigned p = 0; p < sizeof(pref) && g->b[k].g < 0; p++)
			if (!(used >> pref[p] & 1) && (!g->b[k].low_g || pref[p] < 8))
				g->b[k].g = pref[p];
		if (g->b[k].g < 0)
			return k;
		used |= (uint16_t)(1u << g->b[k].g);
	}
	return g->nbase;
}

bool bt_find_group(const struct x86_inst *in, const struct bt_form *f, unsigned n, unsigned i,
		   struct bt_group *g)
{
	unsigned maxb = BT_GROUP_BASES;

	/* Fewer bases where the registers run out. */
	while (maxb > 0 && find_span(in, f, n, i, maxb, g)) {
		unsigned got = pick_gs(f, g);
		if (got == g->nbase)
			return true;
		maxb = got;
	}
	return false;
}
