/* CPU lifetime, state exchange with the engine interface, mode
 * derivation, control registers, single steps and the interrupt check. */
#include <stdio.h>
#include "engines/core/lapic.h"
#include "engines/core/vm.h"
#include "engines/x86/ops.h"
#include "engines/x86/sse.h"
#include "engines/x86/x87.h"

void x86_cpu_init(struct x86_cpu *cpu, struct vm *vm, const char *engine_name)
{
	memset(cpu, 0, sizeof(*cpu));
	cpu->vm = vm;
	if (vm) {
		cpu->ram = vm->ram;
		cpu->ram_size = vm->ram_size;
		cpu->smp = vm->n_cpus > 1;
	}
	cpu->engine_name = engine_name;
	cpu->delivering_vec = -1;
	cpu->lin_mask = 0xffffffff;
	for (int k = 0; k < 2; k++)
		for (unsigned i = 0; i < TLB_SIZE; i++)
			cpu->tlb[k][i].tag_r = cpu->tlb[k][i].tag_w = cpu->tlb[k][i].tag_x = TLB_NONE;
	x86_tlb_flush(cpu, false);      /* also makes code_gen nonzero */
	cpu->cnt.tlb_flushes = 0;
	x86_sse_reset(cpu);
	x86_x87_reset(cpu);
}

void x86_update_mode(struct x86_cpu *cpu)
{
	cpu->lma = cpu->efer & EFER_LMA;
	cpu->paging = cpu->cr0 & CR0_PG;
	if (!(cpu->cr0 & CR0_PE))
		cpu->mode = 16;
	else if (cpu->lma && cpu->seg[S_CS].l)
		cpu->mode = 64;
	else
		cpu->mode = cpu->seg[S_CS].db ? 32 : 16;
	cpu->lin_mask = cpu->mode == 64 ? ~0ull : 0xffffffffull;
	/* Written out: the loop took 70 host instructions, 4 times per
	 * exception round trip (delivery, IRET's CS, SS and its end). */
	uint64_t keep = cpu->mode == 64 ? 0 : ~0ull;
	_Static_assert(S_FS == 4 && S_GS == 5 && S_COUNT == 6, "ES, CS, SS, DS below FS");
	cpu->seg_base[S_ES] = cpu->seg[S_ES].base & keep;
	cpu->seg_base[S_CS] = cpu->seg[S_CS].base & keep;
	cpu->seg_base[S_SS] = cpu->seg[S_SS].base & keep;
	cpu->seg_base[S_DS] = cpu->seg[S_DS].base & keep;
	cpu->seg_base[S_FS] = cpu->seg[S_FS].base;
	cpu->seg_base[S_GS] = cpu->seg[S_GS].base;
}

void x86_get_state(const struct x86_cpu *cpu, struct cpu_state *s)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->gpr, cpu->gpr, sizeof(s->gpr));
	s->rip = cpu->rip;
	s->rflags = cpu->rflags;
	memcpy(s->seg, cpu->seg, sizeof(s->seg));
	s->tr = cpu->tr;
	s->ldtr = cpu->ldtr;
	s->gdt = cpu->gdt;
	s->idt = cpu->idt;
	s->cr0 = cpu->cr0;
	s->cr2 = cpu->cr2;
	s->cr3 = cpu->cr3;
	s->cr4 = cpu->cr4;
	s->cr8 = cpu->vm && cpu->vm->lapic ? lapic_get_tpr(cpu->vm->lapic) >> 4 : 0;
	s->efer = cpu->efer;
	memcpy(s->dr, cpu->dr, sizeof(s->dr));
	s->star = cpu->star;
	s->lstar = cpu->lstar;
	s->cstar = cpu->cstar;
	s->sfmask = cpu->sfmask;
	s->kernel_gs_base = cpu->kernel_gs_base;
	s->sysenter_cs = cpu->sysenter_cs;
	s->sysenter_esp = cpu->sysenter_esp;
	s->sysenter_eip = cpu->sysenter_eip;
	s->tsc_aux = cpu->tsc_aux;
	s->pat = cpu->pat;
	s->apic_base = cpu->apic_base;
	memcpy(s->xmm, cpu->fx + FX_XMM, sizeof(s->xmm));
	s->mxcsr = x86_mxcsr(cpu);
	memcpy(s->x87, cpu->fx, sizeof(s->x87));
	s->xcr0 = cpu->xcr0;
}

void x86_set_state(struct x86_cpu *cpu, const struct cpu_state *s)
{
	memcpy(cpu->gpr, s->gpr, sizeof(s->gpr));
	cpu->rip = s->rip;
	cpu->rflags = s->rflags | 2;
	memcpy(cpu->seg, s->seg, sizeof(s->seg));
	cpu->tr = s->tr;
	cpu->ldtr = s->ldtr;
	cpu->gdt = s->gdt;
	cpu->idt = s->idt;
	cpu->cr0 = s->cr0;
	cpu->cr2 = s->cr2;
	cpu->cr3 = s->cr3;
	cpu->cr4 = s->cr4;
	if (cpu->vm && cpu->vm->lapic)
		lapic_set_tpr(cpu->vm->lapic, (uint8_t)((s->cr8 & 15) << 4));
	cpu->efer = s->efer;
	memcpy(cpu->dr, s->dr, sizeof(s->dr));
	cpu->star = s->star;
	cpu->lstar = s->lstar;
	cpu->cstar = s->cstar;
	cpu->sfmask = s->sfmask;
	cpu->kernel_gs_base = s->kernel_gs_base;
	cpu->sysenter_cs = s->sysenter_cs;
	cpu->sysenter_esp = s->sysenter_esp;
	cpu->sysenter_eip = s->sysenter_eip;
	cpu->tsc_aux = s->tsc_aux;
	cpu->pat = s->pat;
	cpu->apic_base = s->apic_base;
	cpu->cpl = (cpu->cr0 & CR0_PE) ? cpu->seg[S_CS].selector & 3 : 0;
	cpu->halted = false;
	cpu->irq_check = true;          /* a vCPU switched in may have one waiting */
	x86_update_mode(cpu);
	x86_tlb_flush(cpu, false);
	if (s->xcr0) {                          /* else the state has no x87 part */
		memcpy(cpu->fx, s->x87, 24);            /* up to MXCSR */
		memcpy(cpu->fx + 32, s->x87 + 32, sizeof(s->x87) - 32);
		cpu->xcr0 = s->xcr0;
	}
	memcpy(cpu->fx + FX_XMM, s->xmm, sizeof(s->xmm));
	x86_set_mxcsr(cpu, s->mxcsr & x86_mxcsr_mask());
}

uint64_t x86_read_cr(struct x86_cpu *cpu, int cr)
{
	switch (cr) {
	case 0: return cpu->cr0;
	case 2: return cpu->cr2;
	case 3: return cpu->cr3;
	case 4: return cpu->cr4;
	case 8: return cpu->vm && cpu->vm->lapic ? lapic_get_tpr(cpu->vm->lapic) >> 4 : 0;
	default: x86_ud(cpu);
	}
}

bool x86_cr3_ok(const struct x86_cpu *cpu, uint64_t v)
{
	return !(cpu->lma && (v >> 52));
}

void x86_write_cr(struct x86_cpu *cpu, int cr, uint64_t v)
{
	uint64_t old;

	switch (cr) {
	case 0:
		v |= 0x10;      /* ET is hardwired */
		/* #GP: bits 63:32, PG without PE, NW without CD, PG cleared in
		 * 64-bit mode.  Reserved bits of 31:0 are ignored (SDM 2.5). */
		if ((v >> 32) || ((v & CR0_PG) && !(v & CR0_PE)) ||
		    ((v & CR0_NW) && !(v & CR0_CD)) || (cpu->mode == 64 && !(v & CR0_PG)))
			x86_gp(cpu, 0);
		if ((v & CR0_PG) && !(cpu->cr0 & CR0_PG) && (cpu->efer & EFER_LME)) {
			if (!(cpu->cr4 & CR4_PAE))
				x86_gp(cpu, 0);
			cpu->efer |= EFER_LMA;
		}
		if (!(v & CR0_PG))
			cpu->efer &= ~EFER_LMA;
		old = cpu->cr0;
		cpu->cr0 = v;
		if ((old ^ v) & (CR0_PG | CR0_WP | CR0_PE))
			x86_tlb_flush(cpu, false);
		break;
	case 2:
		cpu->cr2 = v;
		break;
	case 3:
		if (!x86_cr3_ok(cpu, v))
			x86_gp(cpu, 0);
		cpu->cr3 = v;
		x86_tlb_flush(cpu, cpu->cr4 & CR4_PGE);
		break;
	case 4:
		if ((v & ~x86_cr4_allowed(cpu)) || (cpu->lma && !(v & CR4_PAE)))
			x86_gp(cpu, 0);
		old = cpu->cr4;
		cpu->cr4 = v;
		if ((old ^ v) & (CR4_PGE | CR4_PAE | CR4_PSE))
			x86_tlb_flush(cpu, false);
		break;
	case 8:
		if (v > 15)
			x86_gp(cpu, 0);
		if (cpu->vm && cpu->vm->lapic)
			lapic_set_tpr(cpu->vm->lapic, (uint8_t)(v << 4));
		cpu->irq_check = true;
		break;
	default:
		x86_ud(cpu);
	}
	x86_update_mode(cpu);
}

/* Fetch up to 15 bytes at RIP, across a page boundary if need be. */
unsigned x86_fetch(struct x86_cpu *cpu, uint8_t *buf)
{
	uint64_t lin = x86_lin(cpu, S_CS, cpu->rip), pa;
	unsigned avail, n;
	const uint8_t *p = x86_fetch_ptr(cpu, lin, &pa, &avail);

	if (!p) {
		x86_internal_error(cpu, "execution from non-RAM address %#llx", (unsigned long long)pa);
		x86_exit_now(cpu);
	}
	n = avail < 15 ? avail : 15;
	memcpy(buf, p, n);
	if (n < 15) {
		uint64_t pa2;
		unsigned avail2;
		const uint8_t *q = x86_fetch_ptr(cpu, (lin + n) & cpu->lin_mask, &pa2, &avail2);
		if (q) {
			memcpy(buf + n, q, 15 - n);
			n = 15;
		}
	}
	return n;
}

void x86_step(struct x86_cpu *cpu)
{
	uint8_t buf[16];
	struct x86_inst in;
	unsigned n = x86_fetch(cpu, buf);

	x86_decode(buf, n, cpu->mode, &in);
	cpu->cnt.insns++;                       /* counted if it faults, as in a block */
	in.fn(cpu, &in);
}

bool x86_irq_waiting(struct x86_cpu *cpu)
{
	struct lapic *l = cpu->vm ? cpu->vm->lapic : NULL;

	return l && (((cpu->rflags & F_IF) && (lapic_pending(l) >= 0 || lapic_extint_pending(l))) ||
		     (!cpu->nmi_blocked && lapic_nmi_pending(l)));
}

bool x86_check_irq(struct x86_cpu *cpu)
{
	struct lapic *l = cpu->vm ? cpu->vm->lapic : NULL;
	int v;

	cpu->irq_check = false;
	if (!l)
		return false;
	bool nmi = !cpu->nmi_blocked && lapic_nmi_pending(l);
	if (!nmi && !(cpu->rflags & F_IF))
		return false;
	if (cpu->sti_shadow) {
		/* At the shadowed instruction: the engine's loop runs it
		 * alone (x86_irq_waiting) and ends the shadow; look again then. */
		if (cpu->rip == cpu->sti_shadow_rip) {
			cpu->irq_check = true;
			return false;
		}
		cpu->sti_shadow = false;
	}
	/* An NMI first, whatever IF says; blocked until the next IRET. */
	if (nmi) {
		lapic_take_nmi(l);
		cpu->nmi_blocked = true;
		cpu->cnt.interrupts++;
		x86_deliver(cpu, X86_NMI, 0, 0, false, cpu->rip);
		return true;
	}
	if (!(cpu->rflags & F_IF))
		return false;
	v = lapic_pending(l);           /* runs the device timers too */
	/* ExtINT (the 8259 through LINT0) before the IRR, as KVM takes
	 * it: the PIC answers the INTA cycle with the vector. */
	if (lapic_extint_pending(l))
		v = lapic_extint_ack(l);
	else if (v >= 0)
		lapic_accept(l, v);
	else
		return false;
	cpu->cnt.interrupts++;
	x86_deliver(cpu, v, 0, 0, false, cpu->rip);
	return true;
}

void x86_stats(const struct x86_cpu *cpu, struct engine_stats *s)
{
	s->insns = cpu->cnt.insns;
	s->exceptions = cpu->cnt.exceptions;
	s->interrupts = cpu->cnt.interrupts;
	s->tlb_fills = cpu->cnt.tlb_misses;
}

void x86_counters_head(const struct x86_cpu *cpu, struct engine_counter *out, size_t max, size_t *n)
{
	const struct x86_counters *c = &cpu->cnt;

	engine_counter_put(out, max, n, "tlb.flushes", c->tlb_flushes);
}

