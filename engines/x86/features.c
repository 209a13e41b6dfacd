/* Which CPUID feature an instruction needs, for the instructions this layer
 * does not implement: one the vCPU's CPUID does not advertise raises #UD,
 * as on a CPU without it, instead of stopping the VM (x86_op_unimpl).
 * The answer comes from the vCPU's own CPUID (x86_cpuid), so "advertised"
 * and "implemented" cannot drift apart: CPUID advertises exactly what is
 * implemented, and everything else here is #UD. */
#include <capstone/capstone.h>
#include <stdio.h>

#include "engines/x86/features.h"
#include "engines/x86/insn_info.h"
#include "engines/x86/ops.h"

#define F(l, r, b) ((struct x86_feature){ (l), (r), (b), false })
#define L1_ECX(b) F(1, 2, b)
#define L1_EDX(b) F(1, 3, b)
#define L7_EBX(b) F(7, 1, b)
#define L7_ECX(b) F(7, 2, b)
#define E1_ECX(b) F(0x80000001u, 2, b)
#define E1_EDX(b) F(0x80000001u, 3, b)

/* By Capstone group (SSE, AVX, x87, ...). */
static bool by_group(uint8_t g, struct x86_feature *f)
{
	switch (g) {
	case X86_GRP_FPU: *f = L1_EDX(0); return true;
	case X86_GRP_MMX: *f = L1_EDX(23); return true;
	case X86_GRP_SSE1: *f = L1_EDX(25); return true;
	case X86_GRP_SSE2: *f = L1_EDX(26); return true;
	case X86_GRP_SSE3: *f = L1_ECX(0); return true;
	case X86_GRP_PCLMUL: *f = L1_ECX(1); return true;
	case X86_GRP_SSSE3: *f = L1_ECX(9); return true;
	case X86_GRP_FMA: *f = L1_ECX(12); return true;
	case X86_GRP_SSE41: *f = L1_ECX(19); return true;
	case X86_GRP_SSE42: *f = L1_ECX(20); return true;
	case X86_GRP_AES: *f = L1_ECX(25); return true;
	case X86_GRP_AVX: *f = L1_ECX(28); return true;
	case X86_GRP_F16C: *f = L1_ECX(29); return true;
	case X86_GRP_FSGSBASE: *f = L7_EBX(0); return true;
	case X86_GRP_SGX: *f = L7_EBX(2); return true;
	case X86_GRP_BMI: *f = L7_EBX(3); return true;
	case X86_GRP_HLE: *f = L7_EBX(4); return true;
	case X86_GRP_AVX2: *f = L7_EBX(5); return true;
	case X86_GRP_BMI2: *f = L7_EBX(8); return true;
	case X86_GRP_RTM: *f = L7_EBX(11); return true;
	case X86_GRP_AVX512: case X86_GRP_CDI: case X86_GRP_ERI: case X86_GRP_DQI:
	case X86_GRP_BWI: case X86_GRP_PFI: case X86_GRP_VLX:
		*f = L7_EBX(16); return true;
	case X86_GRP_ADX: *f = L7_EBX(19); return true;
	case X86_GRP_SHA: *f = L7_EBX(29); return true;
	case X86_GRP_SSE4A: *f = E1_ECX(6); return true;
	case X86_GRP_XOP: *f = E1_ECX(11); return true;
	case X86_GRP_FMA4: *f = E1_ECX(16); return true;
	case X86_GRP_TBM: *f = E1_ECX(21); return true;
	case X86_GRP_3DNOW: *f = E1_EDX(31); return true;
	}
	return false;
}

/* The instruction table's feature column (insn_table.h): the CPUID bit
 * of each feature, for the instructions Capstone 4 puts in no group. */
static const struct {
	struct x86_feature f;
	const char *name;
} feats[X86_FEAT_COUNT] = {
	[X86_FEAT_SEP] = { L1_EDX(11), "SEP" },
	[X86_FEAT_FXSR] = { L1_EDX(24), "FXSR" },
	[X86_FEAT_SSE] = { L1_EDX(25), "SSE" },
	[X86_FEAT_MONITOR] = { L1_ECX(3), "MONITOR" },
	[X86_FEAT_CX16] = { L1_ECX(13), "CX16" },
	[X86_FEAT_MOVBE] = { L1_ECX(22), "MOVBE" },
	[X86_FEAT_POPCNT] = { L1_ECX(23), "POPCNT" },
	[X86_FEAT_XSAVE] = { L1_ECX(26), "XSAVE" },
	[X86_FEAT_RDRAND] = { L1_ECX(30), "RDRAND" },
	[X86_FEAT_FSGSBASE] = { L7_EBX(0), "FSGSBASE" },
	[X86_FEAT_BMI1] = { L7_EBX(3), "BMI1" },
	[X86_FEAT_INVPCID] = { L7_EBX(10), "INVPCID" },
	[X86_FEAT_RDSEED] = { L7_EBX(18), "RDSEED" },
	[X86_FEAT_CLFLUSHOPT] = { L7_EBX(23), "CLFLUSHOPT" },
	[X86_FEAT_CLWB] = { L7_EBX(24), "CLWB" },
	[X86_FEAT_LZCNT] = { E1_ECX(5), "LZCNT" },
};

static bool by_id(unsigned id, struct x86_feature *f)
{
	unsigned k = x86_insn_info(id)->feat;

	if (k == X86_FEAT_NONE || k >= X86_FEAT_COUNT)
		return false;
	*f = feats[k].f;
	return true;
}

const char *x86_feat_name(unsigned feat)
{
	static char text[X86_FEAT_COUNT][48];
	static const char *const reg[] = { "EAX", "EBX", "ECX", "EDX" };

	if (feat == X86_FEAT_NONE || feat >= X86_FEAT_COUNT)
		return "";
	if (!text[feat][0])
		snprintf(text[feat], sizeof(text[feat]), "%s (CPUID.%XH:%s[%u])", feats[feat].name,
			 feats[feat].f.leaf, reg[feats[feat].f.reg], feats[feat].f.bit);
	return text[feat];
}

bool x86_feature_advertised(struct x86_cpu *cpu, const struct x86_feature *f)
{
	uint32_t r[4];

	x86_cpuid(cpu, f->leaf, 0, r);
	return (r[f->reg] >> f->bit) & 1;
}

bool x86_insn_feature(const struct x86_inst *in, struct x86_feature *f)
{
	uint8_t groups[8];
	unsigned n = x86_insn_groups(in->bytes, in->len ? in->len : 15, in->mode, groups, 8);
	bool found = false;

	/* MMX first: CVTPI2PS is SSE and MMX, and needs both. */
	for (unsigned i = 0; i < n && !found; i++)
		if (groups[i] == X86_GRP_MMX)
			found = by_group(groups[i], f);
	for (unsigned i = 0; i < n && !found; i++)
		found = by_group(groups[i], f);
	if (!found && !by_id(in->id, f))
		return false;
	f->x87 = false;
	for (unsigned i = 0; i < n; i++)
		if (groups[i] == X86_GRP_FPU)
			f->x87 = true;
	return true;
}
