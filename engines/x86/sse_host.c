/* The guest's SSE instruction run on the host's SSE unit, as alu.c runs
 * integer operations for their flags: one small stub per instruction form
 * (prefixes, opcode, ModRM on xmm0/xmm1/rax/rcx, immediate), generated on
 * first use and cached, between a prologue that loads the guest's operand
 * values and MXCSR and an epilogue that stores them back.  Results, NaN
 * propagation, rounding, DAZ/FTZ and the MXCSR flags are the host's, bit
 * for bit.  The guest's MXCSR is loaded as it is, masks included: an
 * unmasked exception raises #XM on the host, whose SIGFPE handler here
 * records the flags and resumes at a return path, so which exceptions a
 * faulting instruction flags is exactly the hardware's too. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "engines/x86/sse.h"

/* The prologue and epilogue templates (copied into each stub) and the
 * trap return path (run in place); rdi points at the struct sse_ctx. */
__asm__(
	".pushsection .text\n"
	".globl rb_sse_pro, rb_sse_pro_end, rb_sse_epi, rb_sse_epi_end, rb_sse_trap_ret\n"
	".hidden rb_sse_pro, rb_sse_pro_end, rb_sse_epi, rb_sse_epi_end, rb_sse_trap_ret\n"
	"rb_sse_pro:\n"
	"	stmxcsr 52(%rdi)\n"
	"	ldmxcsr 48(%rdi)\n"
	"	movdqu 0(%rdi), %xmm0\n"
	"	movdqu 16(%rdi), %xmm1\n"
	"	mov 32(%rdi), %rax\n"
	"	mov 40(%rdi), %rcx\n"
	"rb_sse_pro_end:\n"
	"rb_sse_epi:\n"
	"	pushfq\n"
	"	popq 56(%rdi)\n"
	"	movdqu %xmm0, 0(%rdi)\n"
	"	mov %rax, 32(%rdi)\n"
	"	mov %rcx, 40(%rdi)\n"
	"	stmxcsr 48(%rdi)\n"
	"	ldmxcsr 52(%rdi)\n"
	"	ret\n"
	"rb_sse_epi_end:\n"
	"rb_sse_trap_ret:\n"
	"	ldmxcsr 52(%rdi)\n"
	"	ret\n"
	".popsection\n");

extern const uint8_t rb_sse_pro[], rb_sse_pro_end[], rb_sse_epi[], rb_sse_epi_end[];
extern const uint8_t rb_sse_trap_ret[];

#define OP_MAX 16
#define STUB_SIZE 128
#define SLOTS 4096                      /* hash slots; the cache empties when 3/4 full */

struct slot {
	uint8_t key[OP_MAX];
	uint8_t len;
	void (*fn)(struct sse_ctx *);
};

static struct slot slots[SLOTS];
static unsigned used;
static uint8_t *region;                 /* SLOTS * STUB_SIZE bytes, RWX */
static struct sigaction old_fpe;

static bool in_region(uint64_t rip)
{
	return region && rip >= (uint64_t)(uintptr_t)region &&
	       rip < (uint64_t)(uintptr_t)region + (uint64_t)SLOTS * STUB_SIZE;
}

/* A SIGFPE from a stub is the guest's unmasked SIMD exception: record
 * MXCSR (the flags the instruction set) and leave through
 * rb_sse_trap_ret.  Any other SIGFPE goes to the handler before ours. */
static void on_sigfpe(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;
	uint64_t rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];

	if (in_region(rip) && uc->uc_mcontext.fpregs) {
		struct sse_ctx *c = (struct sse_ctx *)(uintptr_t)uc->uc_mcontext.gregs[REG_RDI];
		c->mxcsr = uc->uc_mcontext.fpregs->mxcsr;
		c->trapped = 1;
		uc->uc_mcontext.fpregs->mxcsr = c->host_mxcsr;
		uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)rb_sse_trap_ret;
		return;
	}
	if (old_fpe.sa_flags & SA_SIGINFO) {
		old_fpe.sa_sigaction(sig, si, uc_);
	} else if (old_fpe.sa_handler != SIG_DFL && old_fpe.sa_handler != SIG_IGN) {
		old_fpe.sa_handler(sig);
	} else {
		/* The fault repeats on return and the default action ends us. */
		signal(SIGFPE, SIG_DFL);
	}
}

static void setup(void)
{
	struct sigaction sa;

	region = mmap(NULL, (size_t)SLOTS * STUB_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED) {
		fprintf(stderr, "ringbench: cannot map the SSE stubs: %m\n");
		abort();
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigfpe;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGFPE, &sa, &old_fpe);
}

static unsigned hash(const uint8_t *op, unsigned len)
{
	uint32_t h = 2166136261u;

	for (unsigned i = 0; i < len; i++)
		h = (h ^ op[i]) * 16777619u;
	return h % SLOTS;
}

static void (*build(unsigned index, const uint8_t *op, unsigned len))(struct sse_ctx *)
{
	uint8_t *p = region + (size_t)index * STUB_SIZE;
	size_t pro = (size_t)(rb_sse_pro_end - rb_sse_pro), epi = (size_t)(rb_sse_epi_end - rb_sse_epi);

	memcpy(p, rb_sse_pro, pro);
	memcpy(p + pro, op, len);
	memcpy(p + pro + len, rb_sse_epi, epi);
	__builtin___clear_cache((char *)p, (char *)p + pro + len + epi);
	return (void (*)(struct sse_ctx *))(uintptr_t)p;
}

static void (*stub_for(const uint8_t *op, unsigned len))(struct sse_ctx *)
{
	if (!region)
		setup();
	unsigned i = hash(op, len);
	while (slots[i].fn) {
		if (slots[i].len == len && !memcmp(slots[i].key, op, len))
			return slots[i].fn;
		i = (i + 1) % SLOTS;
	}
	if (used >= SLOTS / 4 * 3) {
		/* Full: start again (the forms a guest uses are few). */
		memset(slots, 0, sizeof(slots));
		used = 0;
		i = hash(op, len);
	}
	used++;
	memcpy(slots[i].key, op, len);
	slots[i].len = (uint8_t)len;
	slots[i].fn = build(i, op, len);
	return slots[i].fn;
}

void x86_sse_host_run(const uint8_t *op, unsigned len, struct sse_ctx *ctx)
{
	if (len > OP_MAX)
		abort();                /* the callers build at most 9 bytes */
	ctx->trapped = 0;
	stub_for(op, len)(ctx);
}
