/* The CPUID feature an instruction needs (features.c). */
#ifndef RINGBENCH_X86_FEATURES_H
#define RINGBENCH_X86_FEATURES_H

#include <stdbool.h>
#include <stdint.h>

#include "engines/x86/insn.h"

struct x86_cpu;

/* A CPUID bit: leaf (subleaf 0), register (0 EAX .. 3 EDX), bit; x87 when
 * the instruction is an x87 one (CR0.EM makes those #NM). */
struct x86_feature {
	uint32_t leaf;
	uint8_t reg, bit;
	bool x87;
};

/* The feature the instruction needs; false when it needs none known here
 * (the base ISA, or an instruction not classified). */
bool x86_insn_feature(const struct x86_inst *in, struct x86_feature *f);
/* Whether the vCPU's CPUID (x86_cpuid) has the bit. */
bool x86_feature_advertised(struct x86_cpu *cpu, const struct x86_feature *f);

#endif
