/* Finding memory groups (group.h).  A span starts at a memory operand
 * [B + disp] and goes on over instructions that cannot change B, RSP or
 * the TLB and cannot leave the block: copied and dropped ones that do not
 * name B, and further members.  A member naming B elsewhere (it may write
 * it) ends the span.  No helper may run inside a span: it would store the
 * host address in G into the guest's register file. */
#include "engines/bt/group.h"

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

/* G: named by no instruction of the span; not RSP, not R12 (as ModRM rm
 * it needs a SIB), not RCX (the flag-free probe's own scratch).  R8-R15
 * need a REX, which a member without one only takes if it names no AH-BH. */
static int pick_g(const struct x86_inst *in, const struct bt_form *f, const struct bt_group *g)
{
	static const int8_t pref[] = { H_RBX, H_RSI, H_RDI, H_RBP, H_R11, H_R10, H_R9, H_R8,
				       H_R15, H_R14, H_R13, H_RDX, H_RAX };
	uint16_t used = 0;
	bool low_only = false;

	for (unsigned i = g->start; i < g->end; i++) {
		used |= f[i].regs;
		if ((g->members >> i & 1) && f[i].rex_off == 0xff && has_hi8(&in[i]))
			low_only = true;
	}
	for (unsigned k = 0; k < sizeof(pref); k++)
		if (!(used >> pref[k] & 1) && (!low_only || pref[k] < 8))
			return pref[k];
	return -1;
}

bool bt_find_group(const struct x86_inst *in, const struct bt_form *f, unsigned n, unsigned i,
		   struct bt_group *g)
{
	int b = member_base(&in[i], &f[i]);

	if (b < 0 || (f[i].regs_nomem >> b & 1))
		return false;
	int64_t lo = in[i].op[f[i].mem].disp, hi = lo + access_size(&in[i], &f[i]);
	*g = (struct bt_group){ i, i + 1, 1ull << i, 1, b, -1, lo, 0, f[i].mem_write };
	for (unsigned j = i + 1; j < n; j++) {
		if (member_base(&in[j], &f[j]) == b) {
			int64_t d = in[j].op[f[j].mem].disp, e = d + access_size(&in[j], &f[j]);
			int64_t nlo = d < lo ? d : lo, nhi = e > hi ? e : hi;
			if (nhi - nlo > 4096)
				break;
			lo = nlo;
			hi = nhi;
			g->members |= 1ull << j;
			g->count++;
			g->write |= f[j].mem_write;
			g->end = j + 1;
			if (f[j].regs_nomem >> b & 1)
				break;          /* it may write B: the last member */
			continue;
		}
		if ((f[j].cls != TC_COPY && f[j].cls != TC_DROP) || (f[j].regs >> b & 1))
			break;
	}
	if (g->count < 2)
		return false;
	g->min = lo;
	g->size = (unsigned)(hi - lo);
	g->g = pick_g(in, f, g);
	return g->g >= 0;
}
