/* Privileged and sensitive instructions: interrupt flag, PUSHF/POPF,
 * control and debug registers, descriptor tables, MSRs, CPUID, TSC,
 * INVLPG, SWAPGS, HLT, VMCALL. */
#include <x86intrin.h>

#include "engines/core/lapic.h"
#include "engines/core/vcpu.h"
#include "engines/core/vm.h"
#include "engines/x86/features.h"
#include "engines/x86/ops.h"
#include "engines/x86/ops_list.h"

static inline unsigned iopl(const struct x86_cpu *cpu)
{
	return (unsigned)(cpu->rflags >> 12) & 3;
}

static inline void need_cpl0(struct x86_cpu *cpu)
{
	if (cpu->cpl)
		x86_gp(cpu, 0);
}

HANDLER(h_cli)
{
	if (cpu->cpl > iopl(cpu))
		x86_gp(cpu, 0);
	cpu->rflags &= ~F_IF;
	return advance(cpu, in);
}

HANDLER(h_sti)
{
	if (cpu->cpl > iopl(cpu))
		x86_gp(cpu, 0);
	advance(cpu, in);
	if (!(cpu->rflags & F_IF))
		x86_shadow_next(cpu);
	cpu->rflags |= F_IF;
	cpu->irq_check = true;
	return 1;
}

HANDLER(h_pushf)
{
	unsigned size = stack_opsize(cpu, in);

	/* VM and RF read as 0 in the image. */
	push(cpu, cpu->rflags & ~(F_VM | F_RF), size);
	return advance(cpu, in);
}

HANDLER(h_popf)
{
	unsigned size = stack_opsize(cpu, in);
	uint64_t v = pop(cpu, size);
	uint64_t mask = F_ARITH | F_TF | F_DF | F_NT | F_AC | F_ID;

	if (cpu->cpl == 0)
		mask |= F_IOPL;
	if (cpu->cpl <= iopl(cpu))
		mask |= F_IF;           /* otherwise IF is silently kept */
	if (size == 2)
		mask &= 0xffff;
	set_flags(cpu, (cpu->rflags & ~mask) | (v & mask));
	cpu->irq_check = true;
	advance(cpu, in);
	return 1;
}

HANDLER(h_hlt)
{
	need_cpl0(cpu);
	advance(cpu, in);
	cpu->halted = true;
	cpu->pending = true;
	return 1;
}

/* A NOP, but a spin-wait hint: with several vCPUs on one host thread a
 * loop of them gives the host thread to another vCPU (vcpu.c).  The call
 * stays out of line: with one vCPU PAUSE costs about what NOP does. */
static __attribute__((noinline, cold)) int pause_yield(struct x86_cpu *cpu, const struct x86_inst *in)
{
	if (cpu->vm->sched)
		vcpu_sched_pause(cpu->vm);
	return advance(cpu, in);
}

HANDLER(h_pause)
{
	if (__builtin_expect(cpu->smp, 0))
		return pause_yield(cpu, in);
	return advance(cpu, in);
}

HANDLER(h_movcr)
{
	const struct x86_op *d = &in->op[0], *s = &in->op[1];

	need_cpl0(cpu);
	if (d->kind == OP_CR) {
		x86_write_cr(cpu, d->reg, cpu->gpr[s->reg]);
		advance(cpu, in);
		return 1;
	}
	if (s->kind == OP_CR) {
		cpu->gpr[d->reg] = x86_read_cr(cpu, s->reg);
		return advance(cpu, in);
	}
	/* Debug registers: DR0-DR3 execute breakpoints act (debug.c); a
	 * write ends the block so the next instruction is checked.  DR4/DR5
	 * alias DR6/DR7 (CR4.DE is not in CPUID, so cannot be set). */
	if (d->kind == OP_DR) {
		int n = d->reg == 4 ? 6 : d->reg == 5 ? 7 : d->reg;
		if (n > 7)
			x86_ud(cpu);
		uint64_t v = cpu->gpr[s->reg];
		if (cpu->mode == 64 && (n == 6 || n == 7) && (v >> 32))
			x86_gp(cpu, 0);
		cpu->dr[n] = v;
		advance(cpu, in);
		return 1;
	} else {
		int n = s->reg == 4 ? 6 : s->reg == 5 ? 7 : s->reg;
		if (n > 7)
			x86_ud(cpu);
		cpu->gpr[d->reg] = cpu->mode == 64 ? cpu->dr[n] : (uint32_t)cpu->dr[n];
	}
	return advance(cpu, in);
}

/* LGDT, LIDT, SGDT, SIDT: a 2-byte limit then a 4- or 8-byte base. */
static int desc_table(struct x86_cpu *cpu, const struct x86_inst *in, struct dtable *t, bool load)
{
	uint64_t lin = mem_lin(cpu, in, &in->op[0]);
	unsigned bs = cpu->mode == 64 ? 8 : 4;

	if (load) {
		need_cpl0(cpu);
		uint16_t limit = (uint16_t)x86_read(cpu, lin, 2);
		uint64_t base = x86_read(cpu, lin + 2, bs);
		if (cpu->mode != 64 && in->opsize == 2)
			base &= 0xffffff;
		if (cpu->mode == 64 && !x86_canonical(base))
			x86_gp(cpu, 0);
		t->limit = limit;
		t->base = base;
	} else {
		x86_write(cpu, lin, 2, t->limit);
		x86_write(cpu, lin + 2, bs, t->base);
	}
	return advance(cpu, in);
}

HANDLER(h_lgdt) { return desc_table(cpu, in, &cpu->gdt, true); }
HANDLER(h_lidt) { return desc_table(cpu, in, &cpu->idt, true); }
HANDLER(h_sgdt) { return desc_table(cpu, in, &cpu->gdt, false); }
HANDLER(h_sidt) { return desc_table(cpu, in, &cpu->idt, false); }

HANDLER(h_smsw)
{
	const struct x86_op *d = &in->op[0];

	if (d->kind == OP_REG)
		set_reg(cpu, d->reg, d->size, 0, cpu->cr0);
	else
		x86_write(cpu, mem_lin(cpu, in, d), 2, cpu->cr0 & 0xffff);
	return advance(cpu, in);
}

HANDLER(h_lmsw)
{
	need_cpl0(cpu);
	uint64_t v = op_read(cpu, in, &in->op[0]) & 0xf;
	/* LMSW sets PE but cannot clear it. */
	x86_write_cr(cpu, 0, (cpu->cr0 & ~0xeull) | v | (cpu->cr0 & 1));
	advance(cpu, in);
	return 1;
}

HANDLER(h_clts)
{
	need_cpl0(cpu);
	cpu->cr0 &= ~CR0_TS;
	return advance(cpu, in);
}

HANDLER(h_ltr)
{
	need_cpl0(cpu);
	x86_load_tr(cpu, (uint16_t)op_read(cpu, in, &in->op[0]));
	return advance(cpu, in);
}

HANDLER(h_lldt)
{
	need_cpl0(cpu);
	x86_load_ldt(cpu, (uint16_t)op_read(cpu, in, &in->op[0]));
	return advance(cpu, in);
}

HANDLER(h_str)
{
	op_write(cpu, in, &in->op[0], cpu->tr.selector);
	return advance(cpu, in);
}

HANDLER(h_sldt)
{
	op_write(cpu, in, &in->op[0], cpu->ldtr.selector);
	return advance(cpu, in);
}

/* VERR/VERW (SDM vol. 2B): ZF says whether the segment the selector names
 * could be read / written at the current privilege.  Not a code or data
 * segment, null, or beyond the table: ZF=0.  A conforming code segment
 * skips the privilege check; otherwise DPL >= max(CPL, RPL).  Linux runs
 * VERW on every return to user space (the MDS buffer clear). */
static int verify_segment(struct x86_cpu *cpu, const struct x86_inst *in, bool write)
{
	uint16_t sel;
	uint64_t lo, hi;
	bool ok = false;

	if (!(cpu->cr0 & CR0_PE))
		x86_ud(cpu);
	sel = (uint16_t)op_read(cpu, in, &in->op[0]);
	if ((sel & ~3u) && x86_read_desc(cpu, sel, &lo, &hi) && (lo >> 44 & 1)) {
		unsigned type = (unsigned)(lo >> 40) & 15, dpl = (unsigned)(lo >> 45) & 3;
		bool code = type & 8, conforming = code && (type & 4);
		unsigned need = cpu->cpl > (sel & 3u) ? cpu->cpl : (sel & 3u);
		bool priv = conforming || dpl >= need;
		ok = priv && (write ? !code && (type & 2) : !code || (type & 2));
	}
	cpu->rflags = ok ? cpu->rflags | F_ZF : cpu->rflags & ~F_ZF;
	return advance(cpu, in);
}

HANDLER(h_verr) { return verify_segment(cpu, in, false); }
HANDLER(h_verw) { return verify_segment(cpu, in, true); }

HANDLER(h_invlpg)
{
	need_cpl0(cpu);
	x86_tlb_flush_page(cpu, mem_lin(cpu, in, &in->op[0]));
	return advance(cpu, in);
}

HANDLER(h_wbinvd)
{
	need_cpl0(cpu);
	return advance(cpu, in);
}

HANDLER(h_swapgs)
{
	if (cpu->mode != 64)
		x86_ud(cpu);
	need_cpl0(cpu);
	uint64_t t = cpu->seg[S_GS].base;
	cpu->seg[S_GS].base = cpu->kernel_gs_base;
	cpu->kernel_gs_base = t;
	cpu->seg_base[S_GS] = cpu->seg[S_GS].base;
	return advance(cpu, in);
}

HANDLER(h_cpuid)
{
	uint32_t r[4];

	x86_cpuid(cpu, (uint32_t)cpu->gpr[R_RAX], (uint32_t)cpu->gpr[R_RCX], r);
	cpu->gpr[R_RAX] = r[0];
	cpu->gpr[R_RBX] = r[1];
	cpu->gpr[R_RCX] = r[2];
	cpu->gpr[R_RDX] = r[3];
	return advance(cpu, in);
}

HANDLER(h_rdmsr)
{
	uint64_t v;

	need_cpl0(cpu);
	if (!x86_rdmsr(cpu, (uint32_t)cpu->gpr[R_RCX], &v))
		x86_gp(cpu, 0);
	cpu->gpr[R_RAX] = (uint32_t)v;
	cpu->gpr[R_RDX] = v >> 32;
	return advance(cpu, in);
}

/* RDPMC: #GP(0) above CPL 0 unless CR4.PCE, and for a counter that does
 * not exist (x86_pmc_read: AMD's four legacy counters only). */
HANDLER(h_rdpmc)
{
	uint64_t v;

	if (cpu->cpl && !(cpu->cr4 & CR4_PCE))
		x86_gp(cpu, 0);
	if (!x86_pmc_read(cpu, (uint32_t)cpu->gpr[R_RCX], &v))
		x86_gp(cpu, 0);
	cpu->gpr[R_RAX] = (uint32_t)v;
	cpu->gpr[R_RDX] = v >> 32;
	return advance(cpu, in);
}

HANDLER(h_wrmsr)
{
	uint64_t v = (cpu->gpr[R_RDX] << 32) | (uint32_t)cpu->gpr[R_RAX];

	need_cpl0(cpu);
	if (!x86_wrmsr(cpu, (uint32_t)cpu->gpr[R_RCX], v))
		x86_gp(cpu, 0);
	advance(cpu, in);
	return 1;               /* EFER, FS/GS base: re-derive the mode */
}

HANDLER(h_rdtsc)
{
	if ((cpu->cr4 & 0x4) && cpu->cpl)      /* CR4.TSD */
		x86_gp(cpu, 0);
	uint64_t t = __rdtsc();
	cpu->gpr[R_RAX] = (uint32_t)t;
	cpu->gpr[R_RDX] = t >> 32;
	if (in->id == X86_INS_RDTSCP)
		cpu->gpr[R_RCX] = (uint32_t)cpu->tsc_aux;
	return advance(cpu, in);
}

/* KVM's hypercall ABI: the number in RAX, the arguments in RBX, RCX, RDX
 * and RSI.  Every field of the exit's hypercall part is set and the rest
 * of the union left: zeroing the whole exit (its 256-byte error message)
 * with REP STOSQ was most of a hypercall answered in place. */
static void hypercall_exit(struct x86_cpu *cpu)
{
	cpu->exit.reason = VM_EXIT_HYPERCALL;
	cpu->exit.hypercall.nr = cpu->gpr[R_RAX];
	cpu->exit.hypercall.args[0] = cpu->gpr[R_RBX];
	cpu->exit.hypercall.args[1] = cpu->gpr[R_RCX];
	cpu->exit.hypercall.args[2] = cpu->gpr[R_RDX];
	cpu->exit.hypercall.args[3] = cpu->gpr[R_RSI];
	cpu->exit.hypercall.ret = 0;
}

bool x86_hypercall_quiet(struct x86_cpu *cpu)
{
	if (cpu->cpl || !cpu->vm || x86_debug_active(cpu) || !vm_hypercall_quiet(cpu->vm, cpu->gpr[R_RAX]))
		return false;
	hypercall_exit(cpu);
	x86_exit_dispatch(cpu);
	cpu->gpr[R_RAX] = cpu->exit.hypercall.ret;
	return true;
}

/* VMCALL/VMMCALL: KVM's hypercall ABI, handed to the VM core (in place
 * for the ones it answers at once). */
HANDLER(h_vmcall)
{
	if (cpu->cpl) {
		cpu->gpr[R_RAX] = (uint64_t)-1;        /* -KVM_EPERM, as KVM */
		return advance(cpu, in);
	}
	hypercall_exit(cpu);
	if (x86_exit_in_place(cpu)) {
		cpu->gpr[R_RAX] = cpu->exit.hypercall.ret;
		return advance(cpu, in);
	}
	cpu->exit_ready = true;
	cpu->pending = true;
	advance(cpu, in);
	return 1;
}

HANDLER(x86_op_ud)
{
	(void)in;
	x86_ud(cpu);
}

/* No handler.  An instruction whose CPUID feature the vCPU does not
 * advertise is #UD, as on a CPU without it (x87 with CR0.EM: #NM); the
 * others stop the VM with the bytes and the disassembly. */
HANDLER(x86_op_unimpl)
{
	char text[96], hex[64];
	unsigned n = in->len ? in->len : 15, k = 0;
	struct x86_feature f;

	if (x86_insn_feature(in, &f) && !x86_feature_advertised(cpu, &f)) {
		if (f.x87 && (cpu->cr0 & CR0_EM))
			x86_raise(cpu, X86_NM, 0, 0);
		x86_ud(cpu);
	}
	x86_disasm(in->bytes, n, in->mode, text, sizeof(text));
	for (unsigned i = 0; i < n && k + 4 < sizeof(hex); i++)
		k += (unsigned)snprintf(hex + k, sizeof(hex) - k, "%s%02x", i ? " " : "", in->bytes[i]);
	x86_internal_error(cpu, "unimplemented instruction at rip %#llx: %s [%s]",
			   (unsigned long long)cpu->rip, text, hex);
	x86_exit_now(cpu);
}
