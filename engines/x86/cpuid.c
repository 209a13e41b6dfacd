/* CPUID: the host's identity with only the features this layer
 * implements (x87, SSE, SSE2, FXSAVE, XSAVE for x87/SSE state; no SSE3+,
 * AVX, SMEP/SMAP, x2APIC), the hypervisor bit, and ringbench's leaves
 * 0x40000000.. from the VM core. */
#include <cpuid.h>

#include "engines/core/vm.h"
#include "engines/x86/ops.h"
#include "engines/x86/x87.h"

/* Leaf 1 EDX: FPU, TSC, MSR, PAE, CX8, APIC, PGE, CMOV, PAT, CLFSH, FXSR, SSE, SSE2. */
#define L1_EDX ((1u << 0) | (1u << 4) | (1u << 5) | (1u << 6) | (1u << 8) | (1u << 9) | \
		(1u << 13) | (1u << 15) | (1u << 16) | (1u << 19) | (1u << 24) | (1u << 25) | (1u << 26))
/* Leaf 1 ECX: CX16, XSAVE, hypervisor (OSXSAVE mirrors CR4.OSXSAVE). */
#define L1_ECX ((1u << 13) | (1u << 26) | (1u << 31))
/* 0x80000001 EDX: SYSCALL, NX, 1 GiB pages, RDTSCP, LM; ECX: LAHF/SAHF. */
#define E1_EDX ((1u << 11) | (1u << 20) | (1u << 26) | (1u << 27) | (1u << 29))
#define E1_ECX 1u

/* The host's CPUID, remembered: on a virtual host every CPUID traps to
 * its hypervisor, and the guest's CPUID benchmark would measure that. */
static void host(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	static struct { uint32_t leaf, sub, r[4]; bool valid; } cache[64];
	unsigned i = (leaf * 7 + sub + (leaf >> 28) * 13) % 64;

	if (cache[i].valid && cache[i].leaf == leaf && cache[i].sub == sub) {
		memcpy(r, cache[i].r, sizeof(cache[i].r));
		return;
	}
	__cpuid_count(leaf, sub, r[0], r[1], r[2], r[3]);
	cache[i].leaf = leaf;
	cache[i].sub = sub;
	memcpy(cache[i].r, r, sizeof(cache[i].r));
	cache[i].valid = true;
}

/* Leaf 0xD: the XSAVE components implemented, x87 and SSE (both in the
 * 512-byte legacy region, so every size is 512 + the 64-byte header), and
 * XSAVEOPT (subleaf 1 EAX[0]); no XSAVEC, XGETBV ECX=1 or XSAVES. */
static void xsave_leaf(struct x86_cpu *cpu, uint32_t sub, uint32_t out[4])
{
	(void)cpu;
	if (sub == 0) {
		out[0] = (uint32_t)X86_XCR0_SUPPORTED;
		out[1] = X86_XSAVE_SIZE;
		out[2] = X86_XSAVE_SIZE;
	} else if (sub == 1) {
		out[0] = 1;
	}
}

/* Each CR4 bit with the CPUID bit that allows it: leaf, register, bit. */
uint64_t x86_cr4_allowed(struct x86_cpu *cpu)
{
	static const struct { uint8_t cr4; uint32_t leaf; uint8_t reg, bit; } map[] = {
		{ 0, 1, 3, 1 }, { 1, 1, 3, 1 },         /* VME, PVI: VME */
		{ 2, 1, 3, 4 }, { 3, 1, 3, 2 },         /* TSD: TSC; DE */
		{ 4, 1, 3, 3 }, { 5, 1, 3, 6 },         /* PSE, PAE */
		{ 6, 1, 3, 7 }, { 7, 1, 3, 13 },        /* MCE, PGE */
		{ 9, 1, 3, 24 }, { 10, 1, 3, 25 },      /* OSFXSR: FXSR; OSXMMEXCPT: SSE */
		{ 9, 1, 3, 25 },                        /* OSFXSR: SSE needs it, FXSR or not */
		{ 11, 7, 2, 2 }, { 16, 7, 1, 0 },       /* UMIP, FSGSBASE */
		{ 17, 1, 2, 17 }, { 18, 1, 2, 26 },     /* PCIDE: PCID; OSXSAVE: XSAVE */
		{ 20, 7, 1, 7 }, { 21, 7, 1, 20 },      /* SMEP, SMAP */
		{ 22, 7, 2, 3 },                        /* PKE: PKU */
	};
	uint64_t allowed = 1ull << 8;           /* PCE: RDPMC is architectural */
	uint32_t r[4];

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		x86_cpuid(cpu, map[i].leaf, 0, r);
		if ((r[map[i].reg] >> map[i].bit) & 1)
			allowed |= 1ull << map[i].cr4;
	}
	return allowed;
}

uint64_t x86_pte_rsvd(struct x86_cpu *cpu)
{
	uint32_t r[4];
	unsigned maxphy;

	if (cpu->pte_rsvd)
		return cpu->pte_rsvd;
	x86_cpuid(cpu, 0x80000008u, 0, r);
	maxphy = r[0] & 0xff;
	if (maxphy < 36 || maxphy > 52)
		maxphy = 36;
	cpu->pte_rsvd = ((1ull << 52) - 1) & ~((1ull << maxphy) - 1);
	return cpu->pte_rsvd;
}

static uint32_t vendor_ebx(void)
{
	uint32_t r[4];

	host(0, 0, r);
	return r[1];
}

bool x86_vendor_intel(void)
{
	return vendor_ebx() == 0x756e6547u;     /* "Genu" */
}

bool x86_vendor_amd(void)
{
	uint32_t b = vendor_ebx();

	return b == 0x68747541u || b == 0x6f677948u;    /* "Auth", "Hygo" */
}

void x86_cpuid(struct x86_cpu *cpu, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	uint32_t h[4];

	memset(out, 0, 4 * sizeof(uint32_t));
	if (leaf >= 0x40000000u && leaf < 0x80000000u) {
		vm_hypervisor_cpuid(leaf, cpu->engine_name ? cpu->engine_name : "interp", out);
		return;
	}
	if (leaf >= 0x80000000u) {
		host(0x80000000u, 0, h);
		uint32_t max = h[0] < 0x80000008u ? h[0] : 0x80000008u;
		if (leaf > max)
			return;
		host(leaf, sub, out);
		switch (leaf) {
		case 0x80000000u: out[0] = max; break;
		case 0x80000001u: out[1] = 0; out[2] &= E1_ECX; out[3] &= E1_EDX; break;
		case 0x80000007u: out[0] = out[1] = out[2] = 0; out[3] &= 1u << 8; break;
		case 0x80000008u:
			/* EBX[2] (XSaveErPtr): FXRSTOR/XRSTOR always load FIP,
			 * FDP and FOP (ops_xsave.c, as Zen does); without it
			 * Linux works around the K7/K8 pointer leak with EMMS. */
			out[0] &= 0xffff;
			out[1] = x86_vendor_amd() ? 1u << 2 : 0;
			out[2] = out[3] = 0;
			break;
		default: break;       /* brand string, cache descriptions */
		}
		return;
	}
	host(0, 0, h);
	uint32_t max = h[0] < 0xd ? h[0] : 0xd;
	if (leaf > max)
		return;
	switch (leaf) {
	case 0:
		host(0, 0, out);
		out[0] = max;
		break;
	case 1:
		host(1, 0, out);
		out[1] = (out[1] & 0xffff) | (1u << 16);       /* APIC ID 0, one CPU */
		out[2] &= L1_ECX;
		out[2] |= 1u << 31;
		if (cpu->cr4 & (1ull << 18))
			out[2] |= 1u << 27;             /* OSXSAVE */
		out[3] &= L1_EDX;
		break;
	case 7:
		/* Only the x87 deprecations ringbench's x87 shows: FCS/FDS
		 * stored as 0 (EBX[13]); FDP on exceptions only (EBX[6]) as
		 * the host, whose FPU runs the guest's x87 instructions. */
		if (sub == 0) {
			host(7, 0, out);
			out[0] = 0;
			out[1] = (out[1] & (1u << 6)) | (1u << 13);
			out[2] = out[3] = 0;
		}
		break;
	case 0xd:
		xsave_leaf(cpu, sub, out);
		break;
	case 2: case 4:
		host(leaf, sub, out);
		if (leaf == 4)
			out[0] &= 0x3ff;        /* one core, one thread per cache */
		break;
	default:
		break;                  /* 3, 5, 6, 8-0xc: nothing offered */
	}
}
