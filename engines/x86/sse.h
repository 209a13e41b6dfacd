/* SSE and SSE2: the XMM registers and MXCSR in the vCPU's FXSAVE image
 * (cpu->fx), the instruction handlers (ops_sse.c) and the host stubs that
 * run the guest's own instruction on the host's SSE unit (sse_host.c). */
#ifndef RINGBENCH_X86_SSE_H
#define RINGBENCH_X86_SSE_H

#include <stdbool.h>
#include <stdint.h>

#include "engines/x86/cpu.h"
#include "engines/x86/decode_fix.h"
#include "engines/x86/insn.h"

#define X86_XM 19                       /* #XM, the SIMD floating-point exception */
#define X86_CR4_OSFXSR (1ull << 9)
#define X86_CR4_OSXMMEXCPT (1ull << 10)
#define MXCSR_FLAGS 0x3fu               /* IE DE ZE OE UE PE */
#define MXCSR_MASKS 0x1f80u             /* IM DM ZM OM UM PM */
#define MXCSR_RESET 0x1f80u             /* SDM Vol. 1, 10.2.3.1 */
#define FX_MXCSR 24
#define FX_MXCSR_MASK 28
#define FX_XMM 160

/* Guest XMM register i (0-15) in the FXSAVE image. */
static inline uint8_t *x86_xmm(struct x86_cpu *cpu, unsigned i)
{
	return cpu->fx + FX_XMM + 16 * i;
}

/* The vCPU's reset values of the SSE state (x86_cpu_init calls it). */
void x86_sse_reset(struct x86_cpu *cpu);
/* The MXCSR bits LDMXCSR may set (the host's MXCSR_MASK, so DAZ where the
 * host has it); FXSAVE stores this as MXCSR_MASK. */
uint32_t x86_mxcsr_mask(void);
uint32_t x86_mxcsr(const struct x86_cpu *cpu);
void x86_set_mxcsr(struct x86_cpu *cpu, uint32_t v);

/* The SSE/SSE2 handler for the raw bytes p describes (decode.c asks for
 * every 0F opcode), or NULL when they are not an SSE/SSE2 instruction
 * this layer runs. */
x86_handler x86_sse_handler(const struct x86_pfx *p, int mode);
/* The bytes its memory operand has (0: none), for the decoder's oracle test. */
unsigned x86_sse_mem_bytes(const struct x86_pfx *p);

/* For bt's native translation: the XMM registers (a bit each) a
 * register-only SSE/SSE2 form reads and writes and the GPR it names (-1:
 * none), when the host may run its bytes as they are (plain prefixes,
 * not RSP); false otherwise. */
struct x86_sse_regs {
	uint16_t xmm_in, xmm_out;
	int8_t gpr;
};
bool x86_sse_reg_form(const struct x86_inst *in, struct x86_sse_regs *r);
/* No SSE instruction on registers can fault now: CR0.EM/TS clear,
 * CR4.OSFXSR set, every MXCSR exception masked. */
bool x86_sse_exceptionless(const struct x86_cpu *cpu);

/* ---- the host side (sse_host.c) ---- */
/* What a host stub works on: xmm0 = a, xmm1 = b, rax, rcx, MXCSR; out:
 * the same plus RFLAGS, and trapped when the host raised #XM (an unmasked
 * exception: mxcsr then holds the flags it set, a is unchanged). */
struct sse_ctx {
	uint8_t a[16], b[16];           /* 0, 16 */
	uint64_t rax, rcx;              /* 32, 40 */
	uint32_t mxcsr, host_mxcsr;     /* 48, 52 */
	uint64_t rflags;                /* 56 */
	uint32_t trapped;               /* 64 */
};
/* Run op (len bytes: prefixes, 0F, opcode, ModRM on registers only,
 * immediate) on the host over ctx. */
void x86_sse_host_run(const uint8_t *op, unsigned len, struct sse_ctx *ctx);

#endif
