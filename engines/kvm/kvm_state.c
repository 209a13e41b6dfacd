/* Architectural state <-> KVM's regs, sregs, MSRs, debug registers and
 * XSAVE image (XMM registers and MXCSR).  Not KVM_GET_FPU/KVM_SET_FPU:
 * they read and write the legacy area as it lies, without XSTATE_BV, so
 * on an XSAVE host a value set there never reaches the guest (the SSE
 * component stays in its init state) and MXCSR reads 0 until the guest
 * saved it once. */
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "engines/kvm/kvm.h"
#include "engines/x86/sse.h"             /* the FXSAVE layout; the host's MXCSR_MASK */

#define XSTATE_BV 512                   /* in the standard-format XSAVE image */
#define XSTATE_SSE 2ull

#define MSR_EFER           0xc0000080
#define MSR_STAR           0xc0000081
#define MSR_LSTAR          0xc0000082
#define MSR_CSTAR          0xc0000083
#define MSR_SFMASK         0xc0000084
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_TSC_AUX        0xc0000103
#define MSR_SYSENTER_CS    0x174
#define MSR_SYSENTER_ESP   0x175
#define MSR_SYSENTER_EIP   0x176
#define MSR_PAT            0x277

/* The MSRs carried in struct cpu_state (EFER travels in sregs). */
#define STATE_MSRS(X) \
	X(MSR_STAR, star) X(MSR_LSTAR, lstar) X(MSR_CSTAR, cstar) X(MSR_SFMASK, sfmask) \
	X(MSR_KERNEL_GS_BASE, kernel_gs_base) X(MSR_TSC_AUX, tsc_aux) \
	X(MSR_SYSENTER_CS, sysenter_cs) X(MSR_SYSENTER_ESP, sysenter_esp) \
	X(MSR_SYSENTER_EIP, sysenter_eip) X(MSR_PAT, pat)
#define COUNT_MSR(idx, field) +1
enum { N_STATE_MSRS = 0 STATE_MSRS(COUNT_MSR) };

struct msr_block {
	struct kvm_msrs hdr;
	struct kvm_msr_entry e[N_STATE_MSRS];
};

static void seg_from_kvm(struct segment *d, const struct kvm_segment *s)
{
	*d = (struct segment){ s->base, s->limit, s->selector, s->type, s->present, s->dpl,
			       s->db, s->s, s->l, s->g, s->avl, s->unusable };
}

static void seg_to_kvm(struct kvm_segment *d, const struct segment *s)
{
	memset(d, 0, sizeof(*d));
	d->base = s->base; d->limit = s->limit; d->selector = s->selector; d->type = s->type;
	d->present = s->present; d->dpl = s->dpl; d->db = s->db; d->s = s->s; d->l = s->l;
	d->g = s->g; d->avl = s->avl; d->unusable = s->unusable;
}

/* KVM's kvm_regs order differs from the encoding order. */
#define GPR_MAP(X) X(R_RAX, rax) X(R_RCX, rcx) X(R_RDX, rdx) X(R_RBX, rbx) X(R_RSP, rsp) \
	X(R_RBP, rbp) X(R_RSI, rsi) X(R_RDI, rdi) X(R_R8, r8) X(R_R9, r9) X(R_R10, r10) \
	X(R_R11, r11) X(R_R12, r12) X(R_R13, r13) X(R_R14, r14) X(R_R15, r15)

int kvm_get_state(struct engine *e, struct cpu_state *s)
{
	struct kvm_engine *k = (struct kvm_engine *)e;
	struct kvm_regs r;
	struct kvm_sregs sr;
	struct kvm_debugregs dr;
	struct msr_block m = { .hdr.nmsrs = N_STATE_MSRS };
	unsigned i = 0;

	if (ioctl(k->vcpu_fd, KVM_GET_REGS, &r) < 0 || ioctl(k->vcpu_fd, KVM_GET_SREGS, &sr) < 0)
		return -1;
	memset(s, 0, sizeof(*s));
#define GET_GPR(idx, f) s->gpr[idx] = r.f;
	GPR_MAP(GET_GPR)
	s->rip = r.rip;
	s->rflags = r.rflags;
	seg_from_kvm(&s->seg[S_ES], &sr.es); seg_from_kvm(&s->seg[S_CS], &sr.cs);
	seg_from_kvm(&s->seg[S_SS], &sr.ss); seg_from_kvm(&s->seg[S_DS], &sr.ds);
	seg_from_kvm(&s->seg[S_FS], &sr.fs); seg_from_kvm(&s->seg[S_GS], &sr.gs);
	seg_from_kvm(&s->tr, &sr.tr); seg_from_kvm(&s->ldtr, &sr.ldt);
	s->gdt = (struct dtable){ sr.gdt.base, sr.gdt.limit };
	s->idt = (struct dtable){ sr.idt.base, sr.idt.limit };
	s->cr0 = sr.cr0; s->cr2 = sr.cr2; s->cr3 = sr.cr3; s->cr4 = sr.cr4; s->cr8 = sr.cr8;
	s->efer = sr.efer;
	s->apic_base = sr.apic_base;
	if (ioctl(k->vcpu_fd, KVM_GET_DEBUGREGS, &dr) == 0) {
		memcpy(s->dr, dr.db, sizeof(dr.db));
		s->dr[6] = dr.dr6;
		s->dr[7] = dr.dr7;
	}
	struct kvm_xsave xs;
	if (ioctl(k->vcpu_fd, KVM_GET_XSAVE, &xs) < 0)
		return -1;
	memcpy(s->xmm, (uint8_t *)xs.region + FX_XMM, sizeof(s->xmm));
	memcpy(&s->mxcsr, (uint8_t *)xs.region + FX_MXCSR, 4);
#define SET_INDEX(idx, f) m.e[i++].index = idx;
	STATE_MSRS(SET_INDEX)
	/* Hosts that lack an MSR return fewer entries; keep what came back. */
	int got = ioctl(k->vcpu_fd, KVM_GET_MSRS, &m);
	i = 0;
#define GET_MSR(idx, f) if ((int)i < got) s->f = m.e[i].data; i++;
	STATE_MSRS(GET_MSR)
	return 0;
}

int kvm_set_state(struct engine *e, const struct cpu_state *s)
{
	struct kvm_engine *k = (struct kvm_engine *)e;
	struct kvm_regs r;
	struct kvm_sregs sr;
	struct kvm_debugregs dr;
	struct msr_block m = { .hdr.nmsrs = N_STATE_MSRS };
	unsigned i = 0;

	memset(&r, 0, sizeof(r));
#define PUT_GPR(idx, f) r.f = s->gpr[idx];
	GPR_MAP(PUT_GPR)
	r.rip = s->rip;
	r.rflags = s->rflags | 2;
	if (ioctl(k->vcpu_fd, KVM_GET_SREGS, &sr) < 0)
		return -1;
	seg_to_kvm(&sr.es, &s->seg[S_ES]); seg_to_kvm(&sr.cs, &s->seg[S_CS]);
	seg_to_kvm(&sr.ss, &s->seg[S_SS]); seg_to_kvm(&sr.ds, &s->seg[S_DS]);
	seg_to_kvm(&sr.fs, &s->seg[S_FS]); seg_to_kvm(&sr.gs, &s->seg[S_GS]);
	seg_to_kvm(&sr.tr, &s->tr); seg_to_kvm(&sr.ldt, &s->ldtr);
	sr.gdt.base = s->gdt.base; sr.gdt.limit = s->gdt.limit;
	sr.idt.base = s->idt.base; sr.idt.limit = s->idt.limit;
	sr.cr0 = s->cr0; sr.cr2 = s->cr2; sr.cr3 = s->cr3; sr.cr4 = s->cr4; sr.cr8 = s->cr8;
	sr.efer = s->efer;
	if (s->apic_base)
		sr.apic_base = s->apic_base;
	if (ioctl(k->vcpu_fd, KVM_SET_SREGS, &sr) < 0 || ioctl(k->vcpu_fd, KVM_SET_REGS, &r) < 0)
		return -1;
	memset(&dr, 0, sizeof(dr));
	memcpy(dr.db, s->dr, sizeof(dr.db));
	dr.dr6 = s->dr[6];
	dr.dr7 = s->dr[7];
	ioctl(k->vcpu_fd, KVM_SET_DEBUGREGS, &dr);      /* best effort: not every host has it */
	/* XMM and MXCSR (the SSE component marked present); the rest, x87
	 * among it (not in struct cpu_state), as it was.  KVM refuses an
	 * MXCSR with bits outside the host's MXCSR_MASK: they are dropped,
	 * as x86_set_state does. */
	struct kvm_xsave xs;
	uint8_t *img = (uint8_t *)xs.region;
	uint32_t mxcsr = s->mxcsr & x86_mxcsr_mask();
	uint64_t bv;
	if (ioctl(k->vcpu_fd, KVM_GET_XSAVE, &xs) < 0)
		return -1;
	memcpy(img + FX_XMM, s->xmm, sizeof(s->xmm));
	memcpy(img + FX_MXCSR, &mxcsr, 4);
	memcpy(&bv, img + XSTATE_BV, 8);
	bv |= XSTATE_SSE;
	memcpy(img + XSTATE_BV, &bv, 8);
	if (ioctl(k->vcpu_fd, KVM_SET_XSAVE, &xs) < 0)
		return -1;
#define PUT_MSR(idx, f) m.e[i].index = idx; m.e[i].data = s->f; i++;
	STATE_MSRS(PUT_MSR)
	/* Only MSRs with a value to set: zero is their reset value anyway. */
	ioctl(k->vcpu_fd, KVM_SET_MSRS, &m);
	return 0;
}
