/* Control transfers that change CS or privilege: far JMP and RET, INT n,
 * IRET, SYSCALL and SYSRET. */
#include "engines/x86/ops.h"
#include "engines/x86/ops_list.h"

HANDLER(h_ljmp)
{
	uint64_t off;
	uint16_t sel;

	if (in->op[0].kind == OP_IMM) {
		sel = (uint16_t)in->op[0].disp;
		off = (uint64_t)in->op[1].disp;
	} else {
		unsigned os = in->opsize == 8 ? 8 : in->opsize == 2 ? 2 : 4;
		uint64_t lin = mem_lin(cpu, in, &in->op[0]);
		off = x86_read(cpu, lin, os);
		sel = (uint16_t)x86_read(cpu, lin + os, 2);
	}
	/* Real mode: CS is the selector, its base selector * 16 (a Linux
	 * AP's trampoline starts with one, to its own segment). */
	if (!(cpu->cr0 & CR0_PE)) {
		cpu->seg[S_CS].selector = sel;
		cpu->seg[S_CS].base = (uint64_t)sel << 4;
		x86_update_mode(cpu);
		cpu->rip = off & (in->opsize == 2 ? 0xffff : 0xffffffff);
		return 1;
	}
	uint64_t lo, hi;
	struct segment s;
	if (!(sel & ~3u) || !x86_read_desc(cpu, sel, &lo, &hi))
		x86_gp(cpu, sel & ~3u);
	x86_desc_to_seg(lo, sel, &s);
	if (!s.s || !(s.type & 8)) {
		x86_internal_error(cpu, "far JMP through a gate or TSS (selector %#x) is not implemented", sel);
		x86_exit_now(cpu);
	}
	if ((s.type & 4) ? s.dpl > cpu->cpl : (s.dpl != cpu->cpl || (sel & 3) > cpu->cpl))
		x86_gp(cpu, sel & ~3u);
	x86_load_cs(cpu, sel, cpu->cpl);
	cpu->rip = cpu->mode == 64 ? off : off & 0xffffffff;
	return 1;
}

HANDLER(h_retf)
{
	unsigned size = in->id == X86_INS_RETFQ ? 8 : stack_opsize(cpu, in) == 2 ? 2 : 4;
	uint64_t m = stack_mask(cpu), sp = cpu->gpr[R_RSP] & m;
	uint64_t off = x86_read(cpu, x86_lin(cpu, S_SS, sp), size);
	uint16_t sel = (uint16_t)x86_read(cpu, x86_lin(cpu, S_SS, (sp + size) & m), 2);
	unsigned rpl = sel & 3;
	uint64_t imm = in->nops ? (uint64_t)(in->op[0].disp & 0xffff) : 0;

	if (rpl < cpu->cpl)
		x86_gp(cpu, sel & ~3u);
	sp += 2 * size + imm;
	if (rpl > cpu->cpl) {
		uint64_t nsp = x86_read(cpu, x86_lin(cpu, S_SS, sp & m), size);
		uint16_t nss = (uint16_t)x86_read(cpu, x86_lin(cpu, S_SS, (sp + size) & m), 2);
		x86_load_cs(cpu, sel, (int)rpl);
		x86_load_seg(cpu, S_SS, nss);
		cpu->gpr[R_RSP] = nsp + imm;
	} else {
		x86_load_cs(cpu, sel, (int)rpl);
		set_rsp(cpu, sp);
	}
	cpu->rip = off;
	return 1;
}

HANDLER(h_int)
{
	int vec = in->id == X86_INS_INT3 ? 3 : (int)(in->op[0].disp & 0xff);

	if (in->id == X86_INS_INT1) {
		/* ICEBP: a #DB trap that ignores the gate's DPL, like an
		 * external event. */
		x86_deliver(cpu, X86_DB, 0, 0, false, next_rip(cpu, in));
		return 1;
	}
	x86_deliver(cpu, vec, 0, 0, true, next_rip(cpu, in));
	return 1;
}

/* Data segments the new privilege may not use become null (SDM IRET). */
static void drop_inaccessible(struct x86_cpu *cpu)
{
	static const int s[] = { S_ES, S_DS, S_FS, S_GS };

	for (int i = 0; i < 4; i++) {
		struct segment *g = &cpu->seg[s[i]];
		bool conf_code = (g->type & 0xc) == 0xc;
		if (!g->unusable && g->s && !conf_code && g->dpl < cpu->cpl) {
			g->selector = 0;
			g->unusable = 1;
		}
	}
}

HANDLER(h_iret)
{
	unsigned size = in->id == X86_INS_IRETQ ? 8 : in->id == X86_INS_IRET ? 2 : 4;
	uint64_t m = stack_mask(cpu), sp = cpu->gpr[R_RSP] & m;
	uint64_t rd[5];
	int n = 3;
	unsigned old_cpl = cpu->cpl;

	if (cpu->rflags & F_NT) {
		x86_internal_error(cpu, "IRET with NT set (task return) is not implemented");
		x86_exit_now(cpu);
	}
	for (int i = 0; i < 3; i++)
		rd[i] = x86_read(cpu, x86_lin(cpu, S_SS, (sp + (uint64_t)i * size) & m), size);
	unsigned rpl = rd[1] & 3;
	if (cpu->mode == 64 || rpl > old_cpl) {
		n = 5;
		for (int i = 3; i < 5; i++)
			rd[i] = x86_read(cpu, x86_lin(cpu, S_SS, (sp + (uint64_t)i * size) & m), size);
	}
	if (rpl < old_cpl)
		x86_gp(cpu, (uint32_t)rd[1] & ~3u);

	uint64_t mask = F_ARITH | F_TF | F_DF | F_NT | F_AC | F_ID | F_RF;
	if (old_cpl == 0)
		mask |= F_IOPL;
	if (old_cpl <= ((cpu->rflags >> 12) & 3))
		mask |= F_IF;
	if (size == 2)
		mask &= 0xffff;

	x86_load_cs(cpu, (uint16_t)rd[1], (int)rpl);
	if (n == 5) {
		x86_load_seg(cpu, S_SS, (uint16_t)rd[4]);
		cpu->gpr[R_RSP] = size == 8 ? rd[3] : (cpu->gpr[R_RSP] & ~m) | (rd[3] & m);
	} else {
		set_rsp(cpu, sp + 3 * size);
	}
	set_flags(cpu, (cpu->rflags & ~mask) | (rd[2] & mask));
	cpu->rip = rd[0];
	if (rpl > old_cpl)
		drop_inaccessible(cpu);         /* bases kept: seg_base as x86_load_seg left it */
	cpu->nmi_blocked = false;       /* IRET ends NMI blocking */
	cpu->irq_check = true;
	return 1;
}

static struct segment flat(uint16_t sel, uint8_t type, uint8_t dpl, bool l)
{
	return (struct segment){ .base = 0, .limit = 0xffffffff, .selector = sel, .type = type,
				 .present = 1, .dpl = dpl, .db = !l, .s = 1, .l = l, .g = 1 };
}

/* SYSCALL from compatibility mode: legal on AMD (to CSTAR), #UD on Intel. */
HANDLER(h_syscall)
{
	if (!cpu->lma || !(cpu->efer & EFER_SCE) || (cpu->mode != 64 && !x86_vendor_amd()))
		x86_ud(cpu);
	uint16_t ksel = (uint16_t)(cpu->star >> 32);

	cpu->gpr[R_RCX] = next_rip(cpu, in);
	cpu->gpr[R_R11] = cpu->rflags & ~F_RF;
	cpu->rflags &= ~(cpu->sfmask | F_RF);
	cpu->rflags |= 2;
	cpu->seg[S_CS] = flat(ksel & ~3, 0xb, 0, true);
	cpu->seg[S_SS] = flat((ksel + 8) & ~3, 0x3, 0, false);
	cpu->cpl = 0;
	cpu->rip = cpu->mode == 64 ? cpu->lstar : cpu->cstar;
	x86_update_mode(cpu);
	return 1;
}

HANDLER(h_sysret)
{
	if (!cpu->lma || !(cpu->efer & EFER_SCE))
		x86_ud(cpu);
	if (cpu->cpl || cpu->mode != 64)
		x86_gp(cpu, 0);
	uint16_t usel = (uint16_t)(cpu->star >> 48);
	bool to64 = in->opsize == 8;
	uint64_t target = to64 ? cpu->gpr[R_RCX] : (uint32_t)cpu->gpr[R_RCX];

	/* A non-canonical target: Intel raises #GP(0) here, at CPL 0; AMD
	 * returns and the fetch at CPL 3 faults. */
	if (to64 && !x86_canonical(target) && !x86_vendor_amd())
		x86_gp(cpu, 0);
	if (to64)
		cpu->seg[S_CS] = flat((uint16_t)((usel + 16) | 3), 0xb, 3, true);
	else
		cpu->seg[S_CS] = flat((uint16_t)(usel | 3), 0xb, 3, false);
	cpu->seg[S_SS] = flat((uint16_t)((usel + 8) | 3), 0x3, 3, false);
	set_flags(cpu, cpu->gpr[R_R11] & 0x3c7fd7);
	cpu->cpl = 3;
	cpu->rip = target;
	x86_update_mode(cpu);
	cpu->irq_check = true;
	return 1;
}
