/* Exceptions delivered in place by bt (engines/bt/deliver.c) against the
 * interpreter and the SDM: #UD (UD2), #DE (DIV), #PF (a probe miss,
 * CR2 and the error code), #GP (a privileged instruction at CPL 3), INT3
 * and INT n, at CPL 3 (the stack switch through the TSS) and CPL 0; the
 * exception frame (RIP, CS, RFLAGS with RF for faults, RSP, SS, error
 * code), CR2 and the instruction count must equal interp's.  A delivery
 * that itself faults (#DF on an IST stack) goes the slow way with the same
 * outcome.  Loops of round trips (handler: skip the instruction, IRETQ)
 * take the jump-cache path and must end as under interp. */
#include <string.h>

#include "engines/bt/bt.h"
#include "tests/check.h"
#include "tests/unit/engine_run.h"

extern const struct engine_ops interp_engine_ops;

#define HANDLER  0x18000u       /* the loops' handler (supervisor code) */
#define UNMAPPED 0x500000u      /* above the 4 MiB long_mode.h maps */
#define IST_TOP  0x1f800u
#define LOOPS    50

static struct vm *vm;
/* What adjust() sets up beside the state: a handler for vec that skips
 * skip bytes (loops), an IST stack for #DF, TSS RSP0. */
static int loop_vec = -1;
static uint8_t loop_skip;
static const uint8_t *loop_code;        /* instead of the skipping handler */
static size_t loop_len;
static bool df_ist;
static uint64_t rsp0;
static int dpl0_vec = -1;               /* a gate CPL 3 may not use */

static void adjust(struct cpu_state *s)
{
	uint8_t *ram = vm->ram;

	(void)s;
	if (rsp0)
		lm_put64(ram, LM_TSS + 4, rsp0);
	if (dpl0_vec >= 0) {
		uint64_t lo;
		memcpy(&lo, ram + LM_IDT + (uint32_t)dpl0_vec * 16, 8);
		lm_put64(ram, LM_IDT + (uint32_t)dpl0_vec * 16, lo & ~(3ull << 45));
	}
	if (df_ist) {
		uint64_t lo;
		memcpy(&lo, ram + LM_IDT + 8 * 16, 8);
		lm_put64(ram, LM_IDT + 8 * 16, lo | (1ull << 32));      /* IST1 */
		lm_put64(ram, LM_TSS + 0x24, IST_TOP);
	}
	if (loop_vec >= 0) {
		bool err = loop_vec == 8 || (loop_vec >= 10 && loop_vec <= 14) || loop_vec == 17;
		uint8_t *h = ram + HANDLER;
		if (loop_code)
			memcpy(h, loop_code, loop_len);
		else if (err) {
			*h++ = 0x48; *h++ = 0x83; *h++ = 0xc4; *h++ = 0x08;     /* add rsp, 8 */
		}
		if (!loop_code) {
			*h++ = 0x48; *h++ = 0x83; *h++ = 0x04; *h++ = 0x24; *h++ = loop_skip; /* add qword [rsp], skip */
			*h++ = 0x48; *h++ = 0xcf;                               /* iretq */
		}
		lm_put64(ram, LM_IDT + (uint32_t)loop_vec * 16, (HANDLER & 0xffff) | (0x08ull << 16) |
			 (0xeeull << 40) | ((uint64_t)(HANDLER >> 16) << 48));
	}
}

static uint64_t ram64(uint64_t a)
{
	uint64_t v = 0;

	if (a + 8 <= ER_RAM)
		memcpy(&v, vm->ram + a, 8);
	return v;
}

/* The frame under RSP at the end (the stub popped any error code). */
struct frame { uint64_t rip, cs, rflags, rsp, ss; };

static void read_frame(const struct er_result *r, struct frame *f)
{
	uint64_t sp = r->st.gpr[R_RSP];

	*f = (struct frame){ ram64(sp), ram64(sp + 8), ram64(sp + 16), ram64(sp + 24), ram64(sp + 32) };
}

struct outcome { struct er_result r; struct frame f; int rc; };

static void run_both(int cpl, const uint8_t *code, size_t n, struct outcome *o)
{
	o[0].rc = er_run(&interp_engine_ops, vm, cpl, code, n, adjust, &o[0].r);
	read_frame(&o[0].r, &o[0].f);
	o[1].rc = er_run(&bt_engine_ops, vm, cpl, code, n, adjust, &o[1].r);
	read_frame(&o[1].r, &o[1].f);
}

/* interp and bt agree on everything the delivery and the count touch. */
static bool agree(const struct outcome *o, char *why, size_t len)
{
	const struct er_result *a = &o[0].r, *b = &o[1].r;

	for (int r = 0; r < 16; r++)
		if (a->st.gpr[r] != b->st.gpr[r]) {
			snprintf(why, len, "gpr %d: interp %#llx bt %#llx", r,
				 (unsigned long long)a->st.gpr[r], (unsigned long long)b->st.gpr[r]);
			return false;
		}
	if (a->st.rip != b->st.rip || a->st.rflags != b->st.rflags || a->st.cr2 != b->st.cr2 ||
	    a->st.seg[S_CS].selector != b->st.seg[S_CS].selector ||
	    a->st.seg[S_SS].selector != b->st.seg[S_SS].selector) {
		snprintf(why, len, "rip/rflags/cr2/cs/ss: interp %#llx/%#llx/%#llx/%#x/%#x bt %#llx/%#llx/%#llx/%#x/%#x",
			 (unsigned long long)a->st.rip, (unsigned long long)a->st.rflags,
			 (unsigned long long)a->st.cr2, a->st.seg[S_CS].selector, a->st.seg[S_SS].selector,
			 (unsigned long long)b->st.rip, (unsigned long long)b->st.rflags,
			 (unsigned long long)b->st.cr2, b->st.seg[S_CS].selector, b->st.seg[S_SS].selector);
		return false;
	}
	if (memcmp(&o[0].f, &o[1].f, sizeof(o[0].f)) || a->err != b->err || a->vector != b->vector) {
		snprintf(why, len, "frame or vector: interp v%d rip %#llx rfl %#llx, bt v%d rip %#llx rfl %#llx",
			 a->vector, (unsigned long long)o[0].f.rip, (unsigned long long)o[0].f.rflags,
			 b->vector, (unsigned long long)o[1].f.rip, (unsigned long long)o[1].f.rflags);
		return false;
	}
	if (a->insns != b->insns || a->exceptions != b->exceptions) {
		snprintf(why, len, "counts: interp %llu insns %llu exceptions, bt %llu %llu",
			 (unsigned long long)a->insns, (unsigned long long)a->exceptions,
			 (unsigned long long)b->insns, (unsigned long long)b->exceptions);
		return false;
	}
	snprintf(why, len, "agree");
	return true;
}

struct fault_case {
	const char *name;
	int cpl;
	uint8_t code[16];
	size_t n;
	size_t at;              /* offset of the faulting instruction */
	int vec;
	bool trap;              /* the frame's RIP is after it (INT n) */
	uint8_t len;            /* its length */
	int has_err;
	uint32_t err;
	uint64_t cr2;           /* #PF */
};

/* One fault, ending in long_mode.h's stub: the SDM's frame and equality. */
static void test_one(const struct fault_case *c)
{
	struct outcome o[2];
	char why[300];
	uint64_t code = c->cpl ? ER_CODE3 : ER_CODE0;
	uint64_t want_rip = code + c->at + (c->trap ? c->len : 0);
	/* The handler's stack: RSP0 from the TSS at CPL 3, else the
	 * interrupted one; 16-byte aligned, then 5 qwords (the error code,
	 * if any, was popped by the stub). */
	uint64_t top = c->cpl ? 0x1f000 : 0x1e000;
	uint64_t user_sp = c->cpl ? 0x3f0000 : 0x1e000;

	run_both(c->cpl, c->code, c->n, o);
	const struct er_result *b = &o[1].r;
	const struct frame *f = &o[1].f;
	CHECK(o[0].rc == 0 && o[1].rc == 0 && agree(o, why, sizeof(why)),
	      "%s: interp and bt agree (%s%s%s)", c->name, why, b->msg[0] ? "; " : "", b->msg);
	CHECK(b->vector == c->vec && f->rip == want_rip && (!c->has_err || b->err == c->err),
	      "%s: vector %d, frame RIP %#llx, error %#x (got %d, %#llx, %#x)", c->name, c->vec,
	      (unsigned long long)want_rip, c->err, b->vector, (unsigned long long)f->rip, b->err);
	CHECK(f->cs == (c->cpl ? 0x23u : 0x08u) && f->ss == (c->cpl ? 0x1bu : 0x10u) && f->rsp == user_sp &&
	      b->st.gpr[R_RSP] == top - 40 && b->st.seg[S_CS].selector == 0x08,
	      "%s: frame CS %#llx SS %#llx RSP %#llx, the handler's RSP %#llx (%s)", c->name,
	      (unsigned long long)f->cs, (unsigned long long)f->ss, (unsigned long long)f->rsp,
	      (unsigned long long)b->st.gpr[R_RSP], c->cpl ? "RSP0 of the TSS" : "same stack");
	/* SDM 17.3.1.1: a fault's frame has RF set, a trap's not; the
	 * arithmetic flags set before it (ZF PF CF) are in it. */
	CHECK((f->rflags & 0x45) == 0x45 && !!(f->rflags & F_RF) == !c->trap,
	      "%s: frame RFLAGS %#llx holds ZF PF CF%s", c->name, (unsigned long long)f->rflags,
	      c->trap ? ", RF clear (a trap)" : " and RF (a fault)");
	if (c->vec == X86_PF)
		CHECK(b->st.cr2 == c->cr2, "%s: CR2 %#llx (got %#llx)", c->name,
		      (unsigned long long)c->cr2, (unsigned long long)b->st.cr2);
	CHECK(b->in_place == 1, "%s: bt delivered it in place (bt.faults_in_place %llu)", c->name,
	      (unsigned long long)b->in_place);
}

/* A delivery that faults: #UD with an unmapped stack -> #PF -> #PF: #DF,
 * delivered on IST1.  The slow way (x86_run), as before. */
static void test_double_fault(int cpl)
{
	/* CPL 0: RSP unmapped; CPL 3: RSP0 in the TSS unmapped. */
	static const uint8_t k0[] = { 0x48, 0xc7, 0xc4, 0x00, 0x00, 0x50, 0x00, 0x0f, 0x0b };
	static const uint8_t k3[] = { 0x31, 0xc0, 0x0f, 0x0b };
	struct outcome o[2];
	char why[300];

	df_ist = true;
	rsp0 = cpl ? UNMAPPED : 0;
	run_both(cpl, cpl ? k3 : k0, cpl ? sizeof(k3) : sizeof(k0), o);
	df_ist = false;
	rsp0 = 0;
	const struct er_result *b = &o[1].r;
	CHECK(o[0].rc == 0 && o[1].rc == 0 && agree(o, why, sizeof(why)),
	      "double fault at CPL %d: interp and bt agree (%s%s%s)", cpl, why, b->msg[0] ? "; " : "", b->msg);
	CHECK(b->vector == 8 && b->err == 0 && b->st.gpr[R_RSP] == IST_TOP - 40 && b->st.cr2 == UNMAPPED - 8,
	      "double fault at CPL %d: #DF(0) on the IST stack, CR2 %#x (vector %d, RSP %#llx, CR2 %#llx)",
	      cpl, UNMAPPED - 8, b->vector, (unsigned long long)b->st.gpr[R_RSP],
	      (unsigned long long)b->st.cr2);
}

/* LOOPS round trips: EBX counts down around the instruction, the
 * handler skips it and returns with IRETQ. */
static void test_loop(const char *name, int cpl, const uint8_t *insn, uint8_t len, int vec, bool trap)
{
	uint8_t c[64];
	size_t k = 0;
	struct outcome o[2];
	char why[300];

	c[k++] = 0x31; c[k++] = 0xc9;                                   /* xor ecx, ecx */
	c[k++] = 0xbb; c[k++] = LOOPS; c[k++] = 0; c[k++] = 0; c[k++] = 0;      /* mov ebx, LOOPS */
	size_t top = k;
	memcpy(c + k, insn, len);
	k += len;
	c[k++] = 0xff; c[k++] = 0xcb;                                   /* dec ebx */
	c[k++] = 0x75; c[k] = (uint8_t)(top - (k + 1)); k++;            /* jnz top */
	loop_vec = vec;
	loop_skip = trap ? 0 : len;
	run_both(cpl, c, k, o);
	loop_vec = -1;
	const struct er_result *b = &o[1].r;
	/* At CPL 3 the final OUT is one more: a #GP (engine_run.h). */
	uint64_t end = cpl == 3;
	CHECK(o[0].rc == 0 && o[1].rc == 0 && agree(o, why, sizeof(why)) && b->vector == ER_NONE &&
	      b->st.gpr[R_RBX] == 0 && b->exceptions == (trap ? 0 : LOOPS) + end,
	      "%s: %d round trips end as under interp (%s; vector %#x, rbx %llu, exceptions %llu%s%s)", name,
	      LOOPS, why, b->vector, (unsigned long long)b->st.gpr[R_RBX],
	      (unsigned long long)b->exceptions, b->msg[0] ? "; " : "", b->msg);
	CHECK(b->in_place == (trap ? 0u : (uint64_t)LOOPS) + end, "%s: bt delivered %llu in place (%llu)",
	      name, (unsigned long long)((trap ? 0 : LOOPS) + end), (unsigned long long)b->in_place);
	/* Into the handler and back through the jump cache: the dispatcher
	 * enters only while blocks are new, not twice per round trip. */
	CHECK(b->entries < LOOPS / 2, "%s: %llu entries from the dispatcher for %d round trips", name,
	      (unsigned long long)b->entries, LOOPS);
}

/* Demand paging: the #PF handler maps the page (a 2 MiB PDE for
 * UNMAPPED, to the user half's RAM) and the load runs again; the refill
 * then hits, so the shared handler takes only the faulting access. */
static void test_demand_fault(void)
{
	static const uint8_t handler[] = {
		0x48, 0x83, 0xc4, 0x08,                                 /* add rsp, 8 */
		0x48, 0xb8, 0x87, 0x00, 0x20, 0, 0, 0, 0, 0,            /* mov rax, 0x200087 */
		0x48, 0x89, 0x04, 0x25, (uint8_t)(LM_PD + 16), (uint8_t)(LM_PD >> 8), 0, 0,    /* mov [PD + 16], rax */
		0x48, 0xcf,                                             /* iretq */
	};
	static const uint8_t code[] = { 0x8b, 0x1c, 0x25, 0x00, 0x00, 0x50, 0x00 };     /* mov ebx, [UNMAPPED] */
	struct outcome o[2];
	char why[300];

	loop_vec = X86_PF;
	loop_code = handler;
	loop_len = sizeof(handler);
	run_both(3, code, sizeof(code), o);
	loop_vec = -1;
	loop_code = NULL;
	const struct er_result *b = &o[1].r;
	CHECK(o[0].rc == 0 && o[1].rc == 0 && agree(o, why, sizeof(why)) && b->vector == ER_NONE &&
	      b->st.gpr[R_RBX] == 0xf4f4f4f4 && b->exceptions == 2 && b->st.cr2 == UNMAPPED,
	      "demand fault: mapped by the handler, the load runs again (%s; rbx %#llx, exceptions %llu%s%s)",
	      why, (unsigned long long)b->st.gpr[R_RBX], (unsigned long long)b->exceptions,
	      b->msg[0] ? "; " : "", b->msg);
	CHECK(b->tlb_slow == 1 && b->in_place == 2,
	      "demand fault: after the handler the refill hits (bt.tlb_slow %llu, 1 wanted; in place %llu)",
	      (unsigned long long)b->tlb_slow, (unsigned long long)b->in_place);
}

int main(void)
{
	/* Each case sets ZF PF CF first: xor eax, eax; stc. */
#define FLAGS 0x31, 0xc0, 0xf9
	static const struct fault_case cases[] = {
		{ "UD2 at CPL 3", 3, { FLAGS, 0x0f, 0x0b }, 5, 3, X86_UD, false, 2, 0, 0, 0 },
		{ "UD2 at CPL 0", 0, { FLAGS, 0x0f, 0x0b }, 5, 3, X86_UD, false, 2, 0, 0, 0 },
		{ "an invalid opcode (0x06) at CPL 3", 3, { FLAGS, 0x06 }, 4, 3, X86_UD, false, 1, 0, 0, 0 },
		{ "DIV by zero at CPL 3", 3, { 0x31, 0xc9, FLAGS, 0xf7, 0xf1 }, 7, 5, X86_DE, false, 2, 0, 0, 0 },
		{ "IDIV by zero at CPL 0", 0, { 0x31, 0xc9, FLAGS, 0xf7, 0xf9 }, 7, 5, X86_DE, false, 2, 0, 0, 0 },
		{ "#PF: a read of a page not present at CPL 3", 3,
		  { FLAGS, 0x8b, 0x04, 0x25, 0x00, 0x00, 0x50, 0x00 }, 10, 3, X86_PF, false, 7, 1, 4, UNMAPPED },
		{ "#PF: a read of a supervisor page at CPL 3", 3,
		  { FLAGS, 0x8b, 0x04, 0x25, 0x08, 0x10, 0x00, 0x00 }, 10, 3, X86_PF, false, 7, 1, 5, 0x1008 },
		{ "#PF: a write to a page not present at CPL 3", 3,
		  { FLAGS, 0x89, 0x04, 0x25, 0x10, 0x00, 0x50, 0x00 }, 10, 3, X86_PF, false, 7, 1, 6, UNMAPPED + 0x10 },
		{ "#PF: a read of a page not present at CPL 0", 0,
		  { FLAGS, 0x8b, 0x04, 0x25, 0x00, 0x00, 0x50, 0x00 }, 10, 3, X86_PF, false, 7, 1, 0, UNMAPPED },
		{ "#GP: MOV RAX, CR3 at CPL 3", 3, { FLAGS, 0x0f, 0x20, 0xd8 }, 6, 3, X86_GP, false, 3, 1, 0, 0 },
		{ "#GP: WRMSR at CPL 3", 3, { FLAGS, 0x0f, 0x30 }, 5, 3, X86_GP, false, 2, 1, 0, 0 },
	};
	static const struct fault_case traps[] = {
		{ "INT3 at CPL 3", 3, { FLAGS, 0xcc }, 4, 3, X86_BP, true, 1, 0, 0, 0 },
		{ "INT 0x40 at CPL 3", 3, { FLAGS, 0xcd, 0x40 }, 5, 3, 0x40, true, 2, 0, 0, 0 },
	};
	static const uint8_t ud2[] = { 0x0f, 0x0b }, div[] = { 0xf7, 0xf1 };
	static const uint8_t ld[] = { 0x8b, 0x04, 0x25, 0x00, 0x00, 0x50, 0x00 }, int40[] = { 0xcd, 0x40 };
	char err[200];

	vm = vm_create(ER_RAM, NULL, err, sizeof(err));
	if (!vm) {
		CHECK(0, "a VM: %s", err);
		CHECK_EXIT();
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		test_one(&cases[i]);
	/* INT n and INT3 deliver by themselves (no fault to catch). */
	for (size_t i = 0; i < sizeof(traps) / sizeof(traps[0]); i++) {
		struct fault_case t = traps[i];
		struct outcome o[2];
		char why[300];
		run_both(t.cpl, t.code, t.n, o);
		CHECK(o[0].rc == 0 && o[1].rc == 0 && agree(o, why, sizeof(why)) && o[1].r.vector == t.vec &&
		      o[1].f.rip == ER_CODE3 + t.at + t.len && o[1].r.st.gpr[R_RSP] == 0x1f000 - 40 &&
		      !(o[1].f.rflags & F_RF),
		      "%s: vector %#x, frame RIP after it, RF clear, on RSP0; as under interp (%s)", t.name,
		      t.vec, why);
	}
	/* INT n through a DPL 0 gate at CPL 3: #GP(vector * 8 + 2) raised
	 * while delivering (INT does not catch: the slow way). */
	{
		static const uint8_t c[] = { FLAGS, 0xcd, 0x41 };
		struct outcome o[2];
		char why[300];
		dpl0_vec = 0x41;
		run_both(3, c, sizeof(c), o);
		dpl0_vec = -1;
		CHECK(o[0].rc == 0 && o[1].rc == 0 && agree(o, why, sizeof(why)) && o[1].r.vector == X86_GP &&
		      o[1].r.err == 0x41 * 8 + 2 && o[1].f.rip == ER_CODE3 + 3,
		      "INT 0x41 through a DPL 0 gate at CPL 3: #GP(%#x) at the INT, as under interp "
		      "(%s; vector %d error %#x)", 0x41 * 8 + 2, why, o[1].r.vector, o[1].r.err);
	}
	test_demand_fault();
	test_double_fault(0);
	test_double_fault(3);
	test_loop("UD2 loop at CPL 3", 3, ud2, 2, X86_UD, false);
	test_loop("UD2 loop at CPL 0", 0, ud2, 2, X86_UD, false);
	test_loop("DIV loop at CPL 3", 3, div, 2, X86_DE, false);
	test_loop("#PF loop at CPL 3", 3, ld, 7, X86_PF, false);
	test_loop("INT 0x40 loop at CPL 3", 3, int40, 2, 0x40, true);
	vm_destroy(vm);
	CHECK_EXIT();
}
