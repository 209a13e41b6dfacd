/* An SSE/SSE2 loop as gcc -O2 -msse2 emits such code (packed and scalar
 * float and double arithmetic, conversions, compares with branches,
 * PCMPEQB/PMOVMSKB scanning, shuffles, unaligned and aligned moves,
 * STMXCSR), over data with denormals, a NaN and an infinity: run natively
 * on the host, under interp and under bt (whose translation calls the
 * shared semantics for SSE), and the three must leave the same results.
 * The kernel stores every register it computed into its output area, so
 * comparing memory compares the XMM registers, GPRs and MXCSR. */
#include "engines/bt/bt.h"
#include "engines/x86/sse.h"
#include "tests/check.h"
#include "tests/unit/engine_run.h"
#include <stdlib.h>

/* rdi: data (a[64] floats at 0, b[32] doubles at 256, bytes at 512,
 * outputs from 640).  Position independent, leaf, no stack. */
__asm__(
	".pushsection .text\n"
	".globl rb_sse_kernel, rb_sse_kernel_end\n"
	".hidden rb_sse_kernel, rb_sse_kernel_end\n"
	"rb_sse_kernel:\n"
	"	xorps %xmm0, %xmm0\n"
	"	xorpd %xmm1, %xmm1\n"
	"	pxor %xmm2, %xmm2\n"
	"	pxor %xmm7, %xmm7\n"
	"	xorps %xmm12, %xmm12\n"
	"	pxor %xmm13, %xmm13\n"
	"	xor %ecx, %ecx\n"
	"1:	movaps (%rdi,%rcx,4), %xmm3\n"
	"	mulps %xmm3, %xmm3\n"
	"	addps %xmm3, %xmm0\n"
	"	cvtps2pd %xmm3, %xmm4\n"
	"	addpd %xmm4, %xmm1\n"
	"	sqrtps %xmm3, %xmm5\n"
	"	minps %xmm5, %xmm0\n"
	"	cvttps2dq %xmm3, %xmm6\n"
	"	paddd %xmm6, %xmm2\n"
	"	cmpltps %xmm0, %xmm5\n"
	"	andps %xmm5, %xmm3\n"
	"	add $4, %ecx\n"
	"	cmp $64, %ecx\n"
	"	jb 1b\n"
	"	xor %eax, %eax\n"
	"	mov $1, %edx\n"
	"2:	cvtsi2sd %edx, %xmm7\n"
	"	movsd 256(%rdi,%rax,8), %xmm8\n"
	"	divsd %xmm7, %xmm8\n"
	"	ucomisd %xmm1, %xmm8\n"
	"	jbe 3f\n"
	"	addsd %xmm8, %xmm1\n"
	"3:	inc %edx\n"
	"	inc %eax\n"
	"	cmp $32, %eax\n"
	"	jb 2b\n"
	"	pxor %xmm9, %xmm9\n"
	"	movdqa 512(%rdi), %xmm10\n"
	"	pcmpeqb %xmm9, %xmm10\n"
	"	pmovmskb %xmm10, %r8d\n"
	"	pshufd $0x1b, %xmm2, %xmm11\n"
	"	punpcklbw %xmm9, %xmm10\n"
	"	packuswb %xmm10, %xmm10\n"
	"	psrldq $3, %xmm11\n"
	"	pmullw %xmm11, %xmm10\n"
	"	psadbw %xmm9, %xmm11\n"
	"	shufps $0x4e, %xmm0, %xmm0\n"
	"	movhlps %xmm0, %xmm12\n"
	"	unpcklpd %xmm1, %xmm12\n"
	"	cvtsd2ss %xmm1, %xmm13\n"
	"	cvttsd2si %xmm1, %r9\n"
	"	cvtsd2si %xmm8, %r11d\n"
	"	movmskps %xmm0, %r10d\n"
	"	stmxcsr 640(%rdi)\n"
	"	movups %xmm0, 644(%rdi)\n"
	"	movupd %xmm1, 660(%rdi)\n"
	"	movdqu %xmm2, 676(%rdi)\n"
	"	movdqu %xmm3, 692(%rdi)\n"
	"	movdqu %xmm4, 708(%rdi)\n"
	"	movdqu %xmm5, 724(%rdi)\n"
	"	movdqu %xmm6, 740(%rdi)\n"
	"	movdqu %xmm7, 756(%rdi)\n"
	"	movdqu %xmm8, 772(%rdi)\n"
	"	movdqu %xmm9, 788(%rdi)\n"
	"	movdqu %xmm10, 804(%rdi)\n"
	"	movdqu %xmm11, 820(%rdi)\n"
	"	movdqu %xmm12, 836(%rdi)\n"
	"	movdqu %xmm13, 852(%rdi)\n"
	"	mov %r8, 868(%rdi)\n"
	"	mov %r9, 876(%rdi)\n"
	"	mov %r10, 884(%rdi)\n"
	"	movnti %r11, 892(%rdi)\n"
	"	mov %rax, 900(%rdi)\n"
	"	mov %rcx, 908(%rdi)\n"
	"	mov %rdx, 916(%rdi)\n"
	"rb_sse_kernel_end:\n"
	"	ret\n"
	".popsection\n");

extern const uint8_t rb_sse_kernel[], rb_sse_kernel_end[];
extern const struct engine_ops interp_engine_ops;

#define DATA_GVA 0x30000u
#define DATA_SIZE 1024
#define OUT_AT 640

static uint8_t data0[DATA_SIZE];
static struct vm *g_vm;

static void fill(uint8_t *d)
{
	uint32_t f[64];
	uint64_t b[32];

	memset(d, 0, DATA_SIZE);
	for (int i = 0; i < 64; i++) {
		float v = (float)(i * 3 - 50) / 7.0f;
		memcpy(&f[i], &v, 4);
	}
	f[9] = 0x00000123u;             /* denormal */
	f[17] = 0x7fc00000u;            /* quiet NaN */
	f[30] = 0x7f800000u;            /* +inf */
	f[41] = 0x80000001u;            /* negative denormal */
	for (int i = 0; i < 32; i++) {
		double v = 1.0 / (i + 3) - 0.125 * (i & 3);
		memcpy(&b[i], &v, 8);
	}
	b[5] = 0x0000000000000001ull;   /* denormal */
	b[20] = 0x7ff8000000000000ull;  /* NaN: the compare branch goes the other way */
	memcpy(d, f, sizeof(f));
	memcpy(d + 256, b, sizeof(b));
	for (int i = 0; i < 128; i++)
		d[512 + i] = (uint8_t)(i == 11 || i == 37 ? 0 : 0x41 + i % 26);
}

static void native(uint8_t *out)
{
	uint8_t *d = aligned_alloc(16, DATA_SIZE);

	memcpy(d, data0, DATA_SIZE);
	__asm__ volatile("call rb_sse_kernel\n\tldmxcsr %1"
			 : "+D"(d) : "m"((uint32_t){ 0x1f80 })
			 : "rax", "rcx", "rdx", "r8", "r9", "r10", "r11", "memory", "cc",
			   "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
			   "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13");
	memcpy(out, d, DATA_SIZE);
	free(d);
}

static void with_sse(struct cpu_state *s)
{
	s->cr4 |= X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	s->mxcsr = 0x1f80;
	s->gpr[R_RDI] = DATA_GVA;
	memcpy(g_vm->ram + DATA_GVA, data0, DATA_SIZE);
}

/* Faults of SSE instructions delivered through the guest's IDT, with
 * paging on: exact #PF (CR2, nothing written by a split store), #GP(0)
 * for a misaligned MOVAPS, #XM for an unmasked SIMD exception (#UD
 * without CR4.OSXMMEXCPT), #NM with CR0.TS. */
static void fault_setup(struct cpu_state *s)
{
	uint32_t one = 0x3f800000u;

	with_sse(s);
	memcpy(s->xmm[0], &one, 4);         /* divss xmm0, xmm1: 1.0 / 0.0 */
	s->mxcsr = 0x1f80 & ~0x200u;        /* ZM clear */
}

static void fault_no_xmmexcpt(struct cpu_state *s)
{
	fault_setup(s);
	s->cr4 &= ~X86_CR4_OSXMMEXCPT;
}

static void fault_ts(struct cpu_state *s)
{
	fault_setup(s);
	s->cr0 |= CR0_TS;
}

/* bt runs SSE register forms natively while none can fault
 * (translate_sse.c): the state that forbids it, also when it changes in
 * the middle of a block, must still give the handler's exact fault. */
static void masked_setup(struct cpu_state *s)
{
	fault_setup(s);
	s->mxcsr = 0x1f80;
}

static void masked_no_osfxsr(struct cpu_state *s)
{
	masked_setup(s);
	s->cr4 &= ~X86_CR4_OSFXSR;
}

static void masked_ts(struct cpu_state *s)
{
	masked_setup(s);
	s->cr0 |= CR0_TS;
}

#define UNMASK_AT 1000          /* in the data area: an MXCSR image with ZM clear */

static void masked_then_ldmxcsr(struct cpu_state *s)
{
	uint32_t v = 0x1f80 & ~0x200u;

	masked_setup(s);
	memcpy(g_vm->ram + DATA_GVA + UNMASK_AT, &v, 4);
}

static void check_faults(const char *name, const struct engine_ops *ops)
{
	static const struct {
		const char *what;
		uint8_t code[16];
		unsigned n;
		void (*adjust)(struct cpu_state *);
		int vector;
		uint32_t err;
		unsigned at;            /* the faulting instruction's offset */
	} t[] = {
		{ "MOVUPS store split across a not-present page: #PF, CR2 the page, nothing written",
		  { 0x48, 0xb8, 0xf8, 0xff, 0x3f, 0, 0, 0, 0, 0, 0x0f, 0x11, 0x00 }, 13, fault_setup, 14, 2, 10 },
		{ "MOVAPS store to an address 8 mod 16: #GP(0)",
		  { 0x48, 0xb8, 0x08, 0x00, 0x03, 0, 0, 0, 0, 0, 0x0f, 0x29, 0x00 }, 13, fault_setup, 13, 0, 10 },
		{ "DIVSS by zero with ZE unmasked: #XM", { 0xf3, 0x0f, 0x5e, 0xc1 }, 4, fault_setup, 19, 0, 0 },
		{ "the same without CR4.OSXMMEXCPT: #UD", { 0xf3, 0x0f, 0x5e, 0xc1 }, 4, fault_no_xmmexcpt, 6, 0, 0 },
		{ "the same with CR0.TS: #NM", { 0xf3, 0x0f, 0x5e, 0xc1 }, 4, fault_ts, 7, 0, 0 },
		{ "DIVSS by zero, every exception masked: +inf, ZE set, no fault",
		  { 0xf3, 0x0f, 0x5e, 0xc1 }, 4, masked_setup, ER_NONE, 0, 0 },
		{ "the same with CR0.TS: #NM", { 0xf3, 0x0f, 0x5e, 0xc1 }, 4, masked_ts, 7, 0, 0 },
		{ "the same without CR4.OSFXSR: #UD", { 0xf3, 0x0f, 0x5e, 0xc1 }, 4, masked_no_osfxsr, 6, 0, 0 },
		{ "LDMXCSR clearing ZM, then DIVSS by zero in the same block: #XM",
		  { 0xb8, (DATA_GVA + UNMASK_AT) & 0xff, ((DATA_GVA + UNMASK_AT) >> 8) & 0xff,
		    (DATA_GVA + UNMASK_AT) >> 16, 0, 0x0f, 0xae, 0x10, 0xf3, 0x0f, 0x5e, 0xc1 },
		  12, masked_then_ldmxcsr, 19, 0, 8 },
		{ "MOV CR0 setting TS, then DIVSS (every exception masked): #NM",
		  { 0x0f, 0x20, 0xc0, 0x48, 0x83, 0xc8, 0x08, 0x0f, 0x22, 0xc0, 0xf3, 0x0f, 0x5e, 0xc1 },
		  14, masked_setup, 7, 0, 10 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct er_result r;
		int rc = er_run(ops, g_vm, 0, t[i].code, t[i].n, t[i].adjust, &r);
		bool has_err = t[i].vector == 13 || t[i].vector == 14;
		bool ok = rc == 0 && r.vector == t[i].vector &&
			  (t[i].vector == ER_NONE || r.fault_rip == ER_CODE0 + t[i].at) &&
			  (!has_err || r.err == t[i].err);
		if (t[i].vector == ER_NONE) {
			uint32_t inf = 0x7f800000u;
			ok = ok && !memcmp(r.st.xmm[0], &inf, 4) && (r.st.mxcsr & 4);
		}
		if (t[i].vector == 14)
			ok = ok && r.st.cr2 == 0x400000 && g_vm->ram[0x3ffff8] == 0xf4 &&
			     g_vm->ram[0x3fffff] == 0xf4;
		if (t[i].vector == 19)
			ok = ok && (r.st.mxcsr & 4) && !(r.st.mxcsr & 0x200);
		CHECK(ok, "%s: %s (vector %d error %#x at %#llx, cr2 %#llx, mxcsr %#x) %s", name, t[i].what,
		      r.vector, r.err, (unsigned long long)r.fault_rip, (unsigned long long)r.st.cr2,
		      r.st.mxcsr, r.msg);
	}
}

int main(void)
{
	char err[200];
	uint8_t want[DATA_SIZE];
	size_t n = (size_t)(rb_sse_kernel_end - rb_sse_kernel);
	static const struct { const char *name; const struct engine_ops *ops; } eng[] = {
		{ "interp", &interp_engine_ops }, { "bt", &bt_engine_ops },
	};

	fill(data0);
	native(want);
	uint32_t mx;
	memcpy(&mx, want + OUT_AT, 4);
	CHECK((mx & 0x3f) != 0, "the loop sets MXCSR flags natively (%#x): the data exercise them", mx);
	g_vm = vm_create(ER_RAM, NULL, err, sizeof(err));
	if (!g_vm) {
		SKIP("no VM: %s", err);
		return 0;
	}
	for (size_t k = 0; k < sizeof(eng) / sizeof(eng[0]); k++) {
		struct er_result r;
		int rc = er_run(eng[k].ops, g_vm, 0, rb_sse_kernel, n, with_sse, &r);
		const uint8_t *got = g_vm->ram + DATA_GVA;
		int first = -1;
		for (int i = OUT_AT; i < DATA_SIZE && first < 0; i++)
			if (got[i] != want[i])
				first = i;
		CHECK(rc == 0 && r.vector == ER_NONE && first < 0 && r.st.mxcsr == mx,
		      "%s runs the SSE loop (%zu bytes of code) as the host does: results, registers, MXCSR %#x (host %#x) %s",
		      eng[k].name, n, r.st.mxcsr, mx, r.msg);
		if (first >= 0)
			printf("# %s: output byte %d: got %02x want %02x (vector %#x)\n", eng[k].name, first,
			       got[first], want[first], r.vector);
		/* bt: the register forms run natively; helpers are left for the
		 * memory forms (16 MOVAPS + 32 MOVSD in the loops, MOVDQA,
		 * STMXCSR, 14 stores, MOVNTI) and the final OUT. */
		if (eng[k].ops == &bt_engine_ops)
			CHECK(r.helper_calls <= 16 + 32 + 17 + 1,
			      "bt runs the loop's SSE register forms natively: %llu helper calls, at most the 66 "
			      "memory forms and OUT", (unsigned long long)r.helper_calls);
		check_faults(eng[k].name, eng[k].ops);
	}
	vm_destroy(g_vm);
	CHECK_EXIT();
}
