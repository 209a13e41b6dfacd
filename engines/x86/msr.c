/* RDMSR/WRMSR: the MSRs a 64-bit kernel uses.  Anything else is #GP, as
 * on hardware for an MSR that does not exist. */
#include <x86intrin.h>

#include "engines/core/steal_time.h"
#include "engines/x86/ops.h"

enum {
	MSR_TSC = 0x10, MSR_APIC_BASE = 0x1b, MSR_MTRRCAP = 0xfe, MSR_MCG_CAP = 0x179,
	MSR_SYSENTER_CS = 0x174, MSR_SYSENTER_ESP = 0x175, MSR_SYSENTER_EIP = 0x176,
	MSR_MISC_ENABLE = 0x1a0, MSR_PAT = 0x277, MSR_MTRR_DEF_TYPE = 0x2ff,
};
#define MSR_EFER           0xc0000080u
#define MSR_STAR           0xc0000081u
#define MSR_LSTAR          0xc0000082u
#define MSR_CSTAR          0xc0000083u
#define MSR_SFMASK         0xc0000084u
#define MSR_FS_BASE        0xc0000100u
#define MSR_GS_BASE        0xc0000101u
#define MSR_KERNEL_GS_BASE 0xc0000102u
#define MSR_TSC_AUX        0xc0000103u
#define MSR_K7_EVNTSEL0    0xc0010000u     /* ..3, then PerfCtr0-3 at 0xc0010004 */


/* AMD's legacy counters exist on every AMD CPU (software built for AMD
 * resets them at start-up); on Intel they are #GP. */
static bool amd_perf(uint32_t msr)
{
	return msr - MSR_K7_EVNTSEL0 < 8 && x86_vendor_amd();
}

bool x86_pmc_read(struct x86_cpu *cpu, uint32_t ecx, uint64_t *v)
{
	/* RDPMC: AMD's counters 0-3; Intel's need CPUID leaf 0xA, not offered. */
	if (ecx < 4 && x86_vendor_amd()) {
		*v = cpu->amd_perf[4 + ecx];
		return true;
	}
	return false;
}

bool x86_rdmsr(struct x86_cpu *cpu, uint32_t msr, uint64_t *v)
{
	if (amd_perf(msr)) {
		*v = cpu->amd_perf[msr - MSR_K7_EVNTSEL0];
		return true;
	}
	switch (msr) {
	case MSR_MCG_CAP: *v = 0; return true;          /* no banks, no MCG_CTL */
	case MSR_TSC: *v = __rdtsc(); return true;
	case MSR_APIC_BASE: *v = cpu->apic_base; return true;
	case MSR_MTRRCAP: *v = 0; return true;
	case MSR_SYSENTER_CS: *v = cpu->sysenter_cs; return true;
	case MSR_SYSENTER_ESP: *v = cpu->sysenter_esp; return true;
	case MSR_SYSENTER_EIP: *v = cpu->sysenter_eip; return true;
	case MSR_MISC_ENABLE: *v = 1; return true;     /* fast strings */
	case MSR_PAT: *v = cpu->pat; return true;
	case MSR_MTRR_DEF_TYPE: *v = 0xc06; return true;
	case MSR_EFER: *v = cpu->efer; return true;
	case MSR_STAR: *v = cpu->star; return true;
	case MSR_LSTAR: *v = cpu->lstar; return true;
	case MSR_CSTAR: *v = cpu->cstar; return true;
	case MSR_SFMASK: *v = cpu->sfmask; return true;
	case MSR_FS_BASE: *v = cpu->seg[S_FS].base; return true;
	case MSR_GS_BASE: *v = cpu->seg[S_GS].base; return true;
	case MSR_KERNEL_GS_BASE: *v = cpu->kernel_gs_base; return true;
	case MSR_TSC_AUX: *v = cpu->tsc_aux; return true;
	default: return cpu->vm && steal_time_rdmsr(cpu->vm, msr, v);
	}
}

bool x86_wrmsr(struct x86_cpu *cpu, uint32_t msr, uint64_t v)
{
	if (amd_perf(msr)) {
		/* Counters are 48 bits wide. */
		cpu->amd_perf[msr - MSR_K7_EVNTSEL0] = msr >= MSR_K7_EVNTSEL0 + 4 ? v & 0xffffffffffffull : v;
		return true;
	}
	switch (msr) {
	case MSR_TSC: return true;              /* the guest TSC is the host's */
	case MSR_APIC_BASE:
		/* The LAPIC stays at 0xFEE00000 and enabled; keep BSP/enable bits. */
		if ((v & ~0xfffull) != 0xfee00000ull)
			return false;
		cpu->apic_base = v & 0xfffff0900ull;
		return true;
	case MSR_SYSENTER_CS: cpu->sysenter_cs = v & 0xffff; return true;
	case MSR_SYSENTER_ESP: cpu->sysenter_esp = v; return x86_canonical(v);
	case MSR_SYSENTER_EIP: cpu->sysenter_eip = v; return x86_canonical(v);
	case MSR_MISC_ENABLE: return true;
	case MSR_PAT: cpu->pat = v; return true;
	case MSR_MTRR_DEF_TYPE: return true;
	case MSR_EFER: {
		uint64_t allowed = EFER_SCE | EFER_LME | EFER_NXE;
		if (v & ~(allowed | EFER_LMA))
			return false;
		/* LME may not change while paging is on. */
		if ((cpu->cr0 & CR0_PG) && ((v ^ cpu->efer) & EFER_LME))
			return false;
		uint64_t old = cpu->efer;
		cpu->efer = (v & allowed) | (cpu->efer & EFER_LMA);
		if ((old ^ cpu->efer) & EFER_NXE)
			x86_tlb_flush(cpu, false);
		x86_update_mode(cpu);
		return true;
	}
	case MSR_STAR: cpu->star = v; return true;
	case MSR_LSTAR: if (!x86_canonical(v)) return false; cpu->lstar = v; return true;
	case MSR_CSTAR: if (!x86_canonical(v)) return false; cpu->cstar = v; return true;
	case MSR_SFMASK: cpu->sfmask = v & 0xffffffff; return true;
	case MSR_FS_BASE:
		if (!x86_canonical(v)) return false;
		cpu->seg[S_FS].base = v;
		x86_update_mode(cpu);
		return true;
	case MSR_GS_BASE:
		if (!x86_canonical(v)) return false;
		cpu->seg[S_GS].base = v;
		x86_update_mode(cpu);
		return true;
	case MSR_KERNEL_GS_BASE: if (!x86_canonical(v)) return false; cpu->kernel_gs_base = v; return true;
	case MSR_TSC_AUX: cpu->tsc_aux = v & 0xffffffff; return true;
	default: return cpu->vm && steal_time_wrmsr(cpu->vm, msr, v);
	}
}
