/* Bounded differential fuzzing of the bt engine against the interpreter:
 * random code bytes (x87 and VEX left out, prefixes favoured) at CPL 0 and
 * CPL 3 in long mode with paging (the environment of test_x86_fuzz.c, and
 * 2 MiB of MMIO at 4 MiB, the null page from 5 MiB, whole-instruction
 * addresses pointing there too), the
 * same initial state and RAM image run once under interp and once under
 * bt, each in a VM of its own.  Every vector goes to a handler that counts
 * the deliveries, resumes one byte past the faulting RIP (so the run goes
 * on through the random bytes) and halts at the 16th.  Both runs must end
 * alike: the same exits (port data and hypercall numbers hashed in order),
 * the same final exit (HLT, SHUTDOWN with the same fault chain, the same
 * internal error, or the exit budget used up), the same registers, RIP,
 * RFLAGS, CR2, control state and RAM; the instruction counts are checked
 * on their own.  Runs that loop past the time limit under both engines, or
 * rewrite their own page tables, are not compared.  The host must never
 * crash: ASan and UBSan watch the C side, a SIGILL from translated code is
 * caught and counted.  `test_bt_fuzz N` runs program N alone and prints
 * both outcomes. */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engines/bt/bt.h"
#include "engines/core/lapic.h"
#include "engines/core/platform.h"
#include "engines/core/vm.h"
#include "tests/check.h"
#include "tests/unit/long_mode.h"

extern const struct engine_ops interp_engine_ops;

#define PROGRAMS 4000
#define STRUCTURED 2000         /* then whole instructions (bt_fuzz_gen.h) */
#define MAX_RUNS 1000           /* run() calls (exits) per program and engine */
#define TIME_LIMIT_MS 50        /* per run: most random programs stop in microseconds */
#define RETRY_LIMIT_MS 1000     /* a run only one engine did not finish, once more */

#define RAM  (4u << 20)
#define GDT  LM_GDT
#define IDT  LM_IDT
#define TSS  LM_TSS
#define PD   LM_PD
#define COUNTER 0xf000u         /* the handler's delivery count */
#define HANDLER 0x10000u
#define CODE 0x200000u          /* second 2 MiB page: user, writable */
#define CODE_MAX 256
#define MAX_DELIVERIES 16

static uint64_t seed = 0x6a09e667f3bcc908ull;

static uint64_t rnd(void) { return lm_rnd(&seed); }

static uint8_t img[RAM];        /* the initial RAM of both runs */


/* One random program: RAM image, initial state, its code bytes. */
struct program {
	struct cpu_state st;
	uint8_t code[CODE_MAX];
	unsigned len;
	int cpl;
};

#include "tests/unit/bt_fuzz_gen.h"

static bool structured;         /* generate whole instructions, addresses at page edges */
/* bt with the probe that saves the flags (option flagfree-probe 0) where
 * the host has BMI2: half of the structured programs, so both forms of
 * every probe (memory operands, stack runs, CALL, RET, LEAVE) are run. */
static bool probe_saving;

static void make_program(struct program *p, int cpl)
{
	struct cpu_state *s = &p->st;

	/* Everything not a table is HLT: a jump into the void stops (at CPL 3
	 * through #GP and the handler) instead of running 0x00 0x00 (ADD) for
	 * millions of instructions. */
	memset(img, 0xf4, RAM);
	lm_build_tables(img, HANDLER);
	/* 4-6 MiB: MMIO, user, not executable (EFER.NXE): unclaimed from
	 * 0xfea00000, from 5 MiB the null page, a quiet device (bt does its
	 * reads and MOV stores in place, device.c). */
	lm_put64(img, PD + 16, 0xfea00087ull | 1ull << 63);
	memset(img + COUNTER, 0, 8);
	static const uint8_t h[] = {
		0x48, 0x83, 0xc4, 0x08,                                 /* add rsp, 8 (error code) */
		0x48, 0xff, 0x04, 0x25, 0x00, 0xf0, 0x00, 0x00,         /* inc qword [COUNTER] */
		0x48, 0x83, 0x3c, 0x25, 0x00, 0xf0, 0x00, 0x00, MAX_DELIVERIES, /* cmp qword [COUNTER], 16 */
		0x73, 0x07,                                             /* jae .halt */
		0x48, 0x83, 0x04, 0x24, 0x01,                           /* add qword [rsp], 1: skip a byte */
		0x48, 0xcf,                                             /* iretq */
		0xf4,                                                   /* .halt: hlt */
		0xeb, 0xfd,                                             /* jmp .halt */
	};
	memcpy(img + HANDLER, h, sizeof(h));

	p->cpl = cpl;
	p->len = 16 + (unsigned)(rnd() % (CODE_MAX - 15));
	for (unsigned i = 0; i < p->len; i++) {
		/* One byte in eight a prefix (operand and address size, LOCK,
		 * REP, segment, REX): their combinations are where decoders
		 * and translators go wrong. */
		static const uint8_t prefix[] = { 0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x2e, 0x3e, 0x26,
						  0x64, 0x65, 0x36, 0x40, 0x41, 0x44, 0x48, 0x4c };
		if (rnd() % 8 == 0) {
			p->code[i] = prefix[rnd() % sizeof(prefix)];
			continue;
		}
		/* No VEX (c4, c5): unimplemented, it would end many programs
		 * at their first instruction.  No x87 (d8-df): bt runs it
		 * through the interpreter's own handler, which
		 * test_x86_diff_x87 checks against the host under both. */
		do
			p->code[i] = (uint8_t)rnd();
		while ((p->code[i] >= 0xd8 && p->code[i] <= 0xdf) || p->code[i] == 0xc4 || p->code[i] == 0xc5);
	}
	if (structured)
		gen_structured(p);
	/* No RDTSC (0f 31) or RDTSCP (0f 01 f9): the two runs would read
	 * different times. */
	for (unsigned i = 0; i + 1 < p->len; i++)
		if (p->code[i] == 0x0f && (p->code[i + 1] == 0x31 ||
					   (p->code[i + 1] == 0x01 && i + 2 < p->len && p->code[i + 2] == 0xf9)))
			p->code[i] = 0x90;
	memcpy(img + CODE, p->code, p->len);

	memset(s, 0, sizeof(*s));
	s->cr0 = CR0_PE | CR0_PG | CR0_WP | 0x10;
	s->cr3 = LM_PML4;
	/* CR4.TSD: an RDTSC that a program writes into its own code (the
	 * filter above sees only the bytes it starts with) is a #GP at CPL 3,
	 * not a time the two runs read differently. */
	s->cr4 = CR4_PAE | 4;
	s->efer = EFER_LME | EFER_LMA | EFER_NXE | EFER_SCE;
	s->gdt = (struct dtable){ GDT, 0x37 };
	s->idt = (struct dtable){ IDT, 0xfff };
	s->tr = (struct segment){ .base = TSS, .limit = 0x67, .selector = 0x28, .type = 0xb, .present = 1 };
	s->ldtr = (struct segment){ .unusable = 1 };
	s->seg[S_CS] = (struct segment){ .selector = (uint16_t)(cpl ? 0x23 : 0x08), .type = 0xb, .s = 1,
					 .present = 1, .l = 1, .dpl = (uint8_t)cpl, .limit = 0xffffffff, .g = 1 };
	s->seg[S_SS] = (struct segment){ .selector = (uint16_t)(cpl ? 0x1b : 0x10), .type = 3, .s = 1,
					 .present = 1, .db = 1, .dpl = (uint8_t)cpl, .limit = 0xffffffff, .g = 1 };
	for (int r = 0; r < 16; r++) {
		switch (rnd() % 6) {
		case 0: case 1: s->gpr[r] = CODE + (rnd() & 0xffff); break;
		case 2: s->gpr[r] = CODE + (rnd() & 0xff); break;      /* at the code: self-modification */
		case 3: s->gpr[r] = rnd() & 0xff; break;
		default: s->gpr[r] = rnd(); break;
		}
	}
	s->gpr[R_RSP] = CODE + 0x1f000;
	if (structured) {
		/* Registers, RSP and FS/GS bases at page edges. */
		for (int r = 0; r < 16; r++)
			if (rnd() % 2)
				s->gpr[r] = pick_addr();
		switch (rnd() % 6) {
		case 0: s->gpr[R_RSP] = CODE + 0x1000 + (rnd() % 64) - 32; break;
		case 1: s->gpr[R_RSP] = CODE + (rnd() % 64); break;
		case 2: s->gpr[R_RSP] = CODE + 0x1000 * (1 + rnd() % 30) + (rnd() % 16) * 8; break;
		default: break;
		}
		if (rnd() % 2)
			s->seg[S_FS].base = rnd() % 2 ? pick_addr() : (rnd() % 3 == 0 ? rnd() : pick_addr() - CODE);
		if (rnd() % 2)
			s->seg[S_GS].base = rnd() % 2 ? pick_addr() : rnd() & 0xffffffff;
		s->kernel_gs_base = pick_addr();
	}
	s->rip = CODE;
	s->rflags = 2 | (rnd() & (F_ARITH | F_DF)) | (rnd() % 4 == 0 ? F_IF : 0);
}

/* Programs that once made bt and interp disagree (found by this fuzzer
 * with other seeds and generators): code, CPL, and up to two registers
 * over the random state.  Each is its own check, run first. */
struct regression {
	const char *name;
	uint8_t code[12];
	unsigned len;
	int cpl;
	int reg[2];
	uint64_t val[2];
	uint64_t rflags;                /* 0: random */
};

static const struct regression regressions[] = {
	{ "LOCK behind F2 is #UD, never copied", { 0xf0, 0xf2, 0xb2, 0x99 }, 4, 0, { -1, -1 }, { 0 }, 0 },
	{ "0F 0D /2 (Capstone 4 cannot decode it) is a NOP, as on the host", { 0x0f, 0x0d, 0x54, 0x6c, 0xfa, 0x0f,
	  0x0d, 0xc0 }, 8, 0, { -1, -1 }, { 0 }, 0 },
	{ "LOCK REP PUSH is #UD, not a translated push", { 0xf0, 0xf3, 0x51 }, 3, 0, { -1, -1 }, { 0 }, 0 },
	{ "PUSH [RSP+8], PUSH [RIP+d] through two probes", { 0xff, 0x74, 0x24, 0x08, 0xff, 0x35, 0x00, 0x01, 0x00, 0x00 },
	  10, 3, { -1, -1 }, { 0 }, 0 },
	{ "PUSH [unmapped] faults with nothing pushed", { 0xff, 0x36 }, 2, 0, { R_RSI, -1 }, { 0x10000000 }, 0x8d7 },
	{ "REX before LOCK: still locked", { 0x42, 0xf0, 0xf2, 0xbe, 0x7c, 0x4e, 0x3d, 0xe7 }, 8, 3,
	  { -1, -1 }, { 0 }, 0 },
	{ "a fault frame after a probe holds the guest's flags", { 0x56, 0xeb, 0x00, 0x56, 0x38, 0x16 }, 6, 0,
	  { R_RSI, -1 }, { 0x10000000 }, 0x8d7 },
	{ "JMP to a non-canonical RAX faults at the JMP", { 0xff, 0xe0 }, 2, 0,
	  { R_RAX, -1 }, { 0x8000000000000000ull }, 0 },
	{ "RET to a non-canonical address faults at the RET", { 0x58, 0x50, 0xc3 }, 3, 3, { -1, -1 }, { 0 }, 0 },
	/* call +1; hlt; inc rax; ret: the callee traced into the caller's block */
	{ "a traced call: the callee's INC and RET in the caller's block", { 0xe8, 0x01, 0, 0, 0, 0xf4, 0x48, 0xff,
	  0xc0, 0xc3 }, 10, 0, { -1, -1 }, { 0 }, 0 },
	{ "a traced call at CPL 3", { 0xe8, 0x01, 0, 0, 0, 0xf4, 0x48, 0xff, 0xc0, 0xc3 }, 10, 3, { -1, -1 }, { 0 }, 0 },
	{ "a traced call whose push rewrites its callee", { 0xe8, 0x01, 0, 0, 0, 0xf4, 0x48, 0xff, 0xc0, 0xc3 }, 10, 0,
	  { R_RSP, -1 }, { CODE + 14 }, 0 },
	{ "a traced call whose push faults", { 0xe8, 0x01, 0, 0, 0, 0xf4, 0x48, 0xff, 0xc0, 0xc3 }, 10, 0,
	  { R_RSP, -1 }, { 0x10000000 }, 0 },
	{ "REP STOSB over its own code stops at the next element", { 0xf3, 0xaa }, 2, 0,
	  { R_RDI, R_RCX }, { CODE, 16 }, 0 },
	{ "REP STOSB after an STI over the code behind it (the STI no longer ends bt's block)",
	  { 0xfb, 0xf3, 0xaa, 0x90, 0x90, 0x90, 0x90, 0x90 }, 8, 0, { R_RDI, R_RCX }, { CODE + 3, 4 }, 0 },
	{ "REP STOSB after an STI over its own code", { 0xfa, 0xfb, 0xf3, 0xaa, 0x90 }, 5, 0,
	  { R_RDI, R_RCX }, { CODE, 16 }, 0 },
	{ "REP STOSB over the code behind a POPF in its block (POPF no longer ends bt's block)",
	  { 0xf3, 0xaa, 0x9d, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90 }, 9, 0, { R_RDI, R_RCX }, { CODE + 3, 4 }, 0 },
	{ "STI-shadowed load that faults is counted", { 0xfb, 0x48, 0x8b, 0x03 }, 4, 0,
	  { R_RBX, -1 }, { 0x8000000000000000ull }, 0 },
	{ "MOVZX ESP, AH reads AH", { 0x0f, 0xb6, 0xe4 }, 3, 0, { R_RAX, -1 }, { 0x1234 }, 0 },
	{ "F3 before another prefix: BSR, not the host's LZCNT", { 0xf3, 0x67, 0x45, 0x0f, 0xbd, 0xc7 }, 6, 0,
	  { R_R15, -1 }, { 0x75599d62 }, 0 },
	{ "PUSH imm32 with 66 and REX.W sign-extends", { 0x50, 0x58, 0x66, 0x48, 0x68, 0xf4, 0xf4, 0xf4, 0xf4 },
	  9, 0, { -1, -1 }, { 0 }, 0 },
	{ "a rewritten undecodable byte is seen", { 0x83, 0x53, 0x23, 0x94, 0xd6, 0xa6, 0x0f, 0xa7 }, 8, 0,
	  { R_RBX, -1 }, { 0x1fffe1 }, 2 },
	{ "MOVSXD without REX.W is a 32-bit move", { 0x63, 0xc8 }, 2, 0, { R_RAX, -1 }, { 0x96220213 }, 0 },
	{ "XCHG with 66 and F2 is 16-bit", { 0x66, 0xf2, 0x97 }, 3, 0, { -1, -1 }, { 0 }, 0 },
	{ "TEST r/m64, imm32 as F7 /1 sign-extends", { 0x48, 0xf7, 0x4b, 0x09, 0xf8, 0xff, 0xff, 0xff }, 8, 0,
	  { R_RBX, -1 }, { CODE + 0x100 }, 0 },
};

/* A regression program: a random one from its own seed (the random
 * programs stay as they were), its code and registers set. */
static void make_regression(struct program *p, const struct regression *r)
{
	uint64_t saved = seed;

	seed = 0x510e527fade682d1ull;
	make_program(p, r->cpl);
	seed = saved;
	memset(img + CODE, 0xf4, p->len);
	memcpy(p->code, r->code, r->len);
	p->len = r->len;
	memcpy(img + CODE, r->code, r->len);
	for (int k = 0; k < 2; k++)
		if (r->reg[k] >= 0)
			p->st.gpr[r->reg[k]] = r->val[k];
	if (r->rflags)
		p->st.rflags = r->rflags;
}

/* ---- running one engine ---- */

/* The watchdog for programs that loop without exits: the engines poll
 * vm->stop_requested (bt also wants a kick to leave chained code).  It
 * counts this process's CPU time, not wall time: on a loaded host a run
 * that wall time cut short would look like a loop only one engine has. */
static struct vm *volatile watched;
static timer_t watchdog;

static void on_alarm(int sig)
{
	struct vm *vm = watched;

	(void)sig;
	if (vm) {
		vm->stop_requested = 1;
		if (vm->ops->kick && vm->engine)
			vm->ops->kick(vm->engine);
	}
}

/* Translated code that executes an invalid instruction raises SIGILL in
 * the host (ASan reports SIGSEGV and friends itself).  While an engine
 * runs, the handler leaves the run (the engine is destroyed, the program
 * counts as a host crash) so one crash does not hide every later result;
 * anywhere else it is fatal. */
static sigjmp_buf crash_jb;
static volatile sig_atomic_t crash_armed;

static void on_sigill(int sig)
{
	static const char msg[] = "not ok - SIGILL outside a guest run\n";

	if (crash_armed)
		siglongjmp(crash_jb, sig);
	if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(1);
}

static void arm(struct vm *vm, unsigned ms)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	watched = vm;
	its.it_value.tv_sec = ms / 1000;
	its.it_value.tv_nsec = (long)(ms % 1000) * 1000000L;
	its.it_interval.tv_nsec = 10 * 1000000L;    /* again, should one kick be missed */
	timer_settime(watchdog, 0, &its, NULL);
}

static void disarm(void)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	timer_settime(watchdog, 0, &its, NULL);
	watched = NULL;
}

enum end { END_HLT, END_SHUTDOWN, END_ERROR, END_BUDGET, END_TIMEOUT, END_CRASH, END_OTHER };
static const char *const end_names[] = { "hlt", "shutdown", "internal-error", "exit budget",
					 "timeout", "host SIGILL", "other exit" };

struct outcome {
	enum end end;
	struct cpu_state st;
	uint64_t insns;
	uint64_t bt[6];                 /* bt: blocks, helper calls, slow paths, invalidations, memory groups, traced calls */
	unsigned runs;                  /* run() calls */
	uint64_t trace;                 /* hash of every exit's reason and data */
	char msg[256];                  /* the last exit's message */
	uint8_t *ram;                   /* the VM's RAM at the end */
};

static void mix(uint64_t *h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		*h = (*h ^ b[i]) * 0x100000001b3ull;
}

static uint64_t counter(const struct engine_ops *ops, struct engine *e, const char *name)
{
	struct engine_counter c[256];
	size_t n = engine_counters_all(ops, e, c, 256);

	for (size_t i = 0; i < n; i++)
		if (!strcmp(c[i].name, name))
			return c[i].value;
	return ~0ull;
}

/* Run p in vm under ops until it halts, shuts down, fails, uses up the
 * exit budget or the time limit.  Port reads return a value made from the
 * port, hypercalls a fixed one: the same for both engines. */
static int run_one(const struct engine_ops *ops, struct vm *vm, const struct program *p,
		   unsigned limit_ms, struct outcome *o, char *err, size_t errlen)
{
	struct engine *e;
	struct vm_exit x;

	memcpy(vm->ram, img, RAM);
	vm->stop_requested = 0;
	/* The LAPIC outlives a run: a self-IPI or NMI left pending by the
	 * last program must not reach this one. */
	if (vm->lapic)
		lapic_reset(vm->lapic);
	e = ops->create(vm, err, errlen);
	if (!e)
		return -1;
	vm->ops = ops;
	vm->engine = e;
	if (ops == &bt_engine_ops && probe_saving && ops->option(e, "flagfree-probe", "0", err, errlen) < 0) {
		ops->destroy(e);
		vm->engine = NULL;
		return -1;
	}
	ops->set_state(e, &p->st);
	memset(o, 0, sizeof(*o));
	o->trace = 0xcbf29ce484222325ull;
	o->end = END_BUDGET;
	o->ram = vm->ram;
	memset(&x, 0, sizeof(x));
	if (sigsetjmp(crash_jb, 1)) {
		/* The host died in this engine's run: nothing of it is usable. */
		crash_armed = 0;
		disarm();
		o->end = END_CRASH;
		ops->destroy(e);
		vm->engine = NULL;
		return 0;
	}
	crash_armed = 1;
	arm(vm, limit_ms);
	while (o->runs < MAX_RUNS) {
		ops->run(e, &x);
		o->runs++;
		mix(&o->trace, &x.reason, sizeof(x.reason));
		if (x.reason == VM_EXIT_IO) {
			mix(&o->trace, &x.io.port, sizeof(x.io.port));
			mix(&o->trace, &x.io.size, sizeof(x.io.size));
			mix(&o->trace, &x.io.is_write, sizeof(x.io.is_write));
			mix(&o->trace, &x.io.count, sizeof(x.io.count));
			if (x.io.is_write)
				mix(&o->trace, x.io.data, (size_t)x.io.count * x.io.size);
			else
				for (uint32_t i = 0; i < x.io.count * x.io.size; i++)
					x.io.data[i] = (uint8_t)(x.io.port * 7 + i);
			continue;
		}
		if (x.reason == VM_EXIT_HYPERCALL) {
			mix(&o->trace, &x.hypercall.nr, sizeof(x.hypercall.nr));
			mix(&o->trace, x.hypercall.args, sizeof(x.hypercall.args));
			x.hypercall.ret = 0x5eed;
			continue;
		}
		if (x.reason == VM_EXIT_MMIO) {
			mix(&o->trace, &x.mmio, sizeof(x.mmio));
			continue;
		}
		switch (x.reason) {
		case VM_EXIT_HLT: o->end = END_HLT; break;
		case VM_EXIT_SHUTDOWN: o->end = END_SHUTDOWN; break;
		case VM_EXIT_INTERNAL_ERROR: o->end = END_ERROR; break;
		case VM_EXIT_INTERRUPTED: o->end = vm->stop_requested ? END_TIMEOUT : END_OTHER; break;
		default: o->end = END_OTHER; break;
		}
		if (x.reason == VM_EXIT_SHUTDOWN || x.reason == VM_EXIT_INTERNAL_ERROR)
			snprintf(o->msg, sizeof(o->msg), "%s", x.error.msg);
		break;
	}
	crash_armed = 0;
	disarm();
	ops->get_state(e, &o->st);
	o->insns = counter(ops, e, "insns");
	if (ops == &bt_engine_ops) {
		o->bt[0] = counter(ops, e, "bt.blocks");
		o->bt[1] = counter(ops, e, "helper_calls");
		o->bt[2] = counter(ops, e, "bt.tlb_slow");
		o->bt[3] = counter(ops, e, "bt.invalidations");
		o->bt[4] = counter(ops, e, "bt.mem_groups");
		o->bt[5] = counter(ops, e, "bt.calls_traced");
	}
	ops->destroy(e);
	vm->engine = NULL;
	return 0;
}

/* ---- comparing ---- */

static bool same_seg(const struct segment *a, const struct segment *b)
{
	return a->base == b->base && a->limit == b->limit && a->selector == b->selector &&
	       a->type == b->type && a->present == b->present && a->dpl == b->dpl &&
	       a->db == b->db && a->s == b->s && a->l == b->l && a->g == b->g;
}

/* What differs between the interp outcome a and the bt outcome b, into
 * what (empty: they agree). */
static void compare(const struct outcome *a, const struct outcome *b, char *what, size_t len)
{
	static const char *const gpr[16] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
		"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };
	const struct cpu_state *s = &a->st, *t = &b->st;
	size_t k = 0;

#define PUT(...) do { if (k < len) k += (size_t)snprintf(what + k, len - k, __VA_ARGS__); } while (0)
#define FIELD(name, x, y) do { if ((x) != (y)) PUT(" %s interp %#llx bt %#llx;", name, \
	(unsigned long long)(x), (unsigned long long)(y)); } while (0)
	what[0] = 0;
	if (a->end != b->end)
		PUT(" end interp %s bt %s;", end_names[a->end], end_names[b->end]);
	if (strcmp(a->msg, b->msg))
		PUT(" message interp '%s' bt '%s';", a->msg, b->msg);
	FIELD("exits", a->runs, b->runs);
	FIELD("exit trace", a->trace, b->trace);
	for (int r = 0; r < 16; r++)
		FIELD(gpr[r], s->gpr[r], t->gpr[r]);
	FIELD("rip", s->rip, t->rip);
	FIELD("rflags", s->rflags, t->rflags);
	FIELD("cr0", s->cr0, t->cr0);
	FIELD("cr2", s->cr2, t->cr2);
	FIELD("cr3", s->cr3, t->cr3);
	FIELD("cr4", s->cr4, t->cr4);
	FIELD("efer", s->efer, t->efer);
	for (int i = 0; i < S_COUNT; i++)
		if (!same_seg(&s->seg[i], &t->seg[i]))
			PUT(" segment %d (selector interp %#x bt %#x);", i, s->seg[i].selector, t->seg[i].selector);
	if (!same_seg(&s->tr, &t->tr) || !same_seg(&s->ldtr, &t->ldtr))
		PUT(" tr/ldtr;");
	FIELD("gdt.base", s->gdt.base, t->gdt.base);
	FIELD("gdt.limit", s->gdt.limit, t->gdt.limit);
	FIELD("idt.base", s->idt.base, t->idt.base);
	FIELD("idt.limit", s->idt.limit, t->idt.limit);
	FIELD("kernel_gs_base", s->kernel_gs_base, t->kernel_gs_base);
	if (memcmp(a->ram, b->ram, RAM)) {
		unsigned n = 0, first = 0;
		for (unsigned i = RAM; i-- > 0;)
			if (a->ram[i] != b->ram[i]) {
				n++;
				first = i;
			}
		PUT(" RAM: %u bytes differ from %#x (interp %02x bt %02x);", n, first,
		    a->ram[first], b->ram[first]);
	}
#undef FIELD
#undef PUT
}

static void print_program(const struct program *p)
{
	printf("#   cpl %d rflags %#llx, code at %#x:", p->cpl, (unsigned long long)p->st.rflags, CODE);
	for (unsigned i = 0; i < p->len; i++)
		printf(" %02x", p->code[i]);
	printf("\n#   registers:");
	for (int r = 0; r < 16; r++)
		printf(" r%d=%#llx", r, (unsigned long long)p->st.gpr[r]);
	printf("\n");
}

/* Did the program rewrite its page tables (beyond the A and D bits the
 * walker sets)?  Without an INVLPG or CR3 write, which translations stay
 * cached is the TLB's choice, and the two engines' TLBs see different
 * access patterns: such a run has no single right outcome. */
static bool tables_changed(const uint8_t *ram)
{
	for (uint32_t a = LM_PML4; a < PD + 0x1000; a += 8) {
		uint64_t x, y;
		memcpy(&x, ram + a, 8);
		memcpy(&y, img + a, 8);
		if ((x ^ y) & ~0x60ull)
			return true;
	}
	return false;
}

/* Run program t under both engines; true if their outcomes may be
 * compared (not both out of time, not the interpreter alone too slow, no
 * page tables rewritten). */
static bool run_both(const struct program *p, struct vm *vi, struct vm *vb, struct outcome *oi,
		     struct outcome *ob, unsigned *retried, char *err, size_t errlen)
{
	if (run_one(&interp_engine_ops, vi, p, TIME_LIMIT_MS, oi, err, errlen) < 0 ||
	    run_one(&bt_engine_ops, vb, p, TIME_LIMIT_MS, ob, err, errlen) < 0) {
		oi->end = ob->end = END_OTHER;
		snprintf(oi->msg, sizeof(oi->msg), "cannot create an engine: %s", err);
		return true;
	}
	/* Only one engine out of time: give it a second, longer chance. */
	if ((oi->end == END_TIMEOUT) != (ob->end == END_TIMEOUT)) {
		(*retried)++;
		if (oi->end == END_TIMEOUT)
			run_one(&interp_engine_ops, vi, p, RETRY_LIMIT_MS, oi, err, errlen);
		else
			run_one(&bt_engine_ops, vb, p, RETRY_LIMIT_MS, ob, err, errlen);
	}
	/* Both out of time: stopped at different points, nothing to compare.
	 * The interpreter alone: translated code may run 40 times as fast,
	 * so a long loop is no evidence of a bug; bt alone is compared (and
	 * differs).  img still holds the program's initial RAM. */
	return oi->end != END_TIMEOUT && !tables_changed(oi->ram) && !tables_changed(ob->ram);
}

/* Usage: test_bt_fuzz [N] -- with N, run only program N and print both
 * outcomes (to triage a difference). */
int main(int argc, char **argv)
{
	static struct program prog;
	struct sigaction sa;
	struct sigevent sev;
	struct vm *vi, *vb;
	char err[200];
	int only = argc > 1 ? atoi(argv[1]) : -1;
	/* Classes: random bytes at CPL 0 and 3, whole instructions at CPL 0 and 3. */
	unsigned runs[4] = { 0 }, agree[4] = { 0 }, ends[4][END_OTHER + 1] = { { 0 } };
	unsigned shown = 0, retried = 0, unchecked = 0, insns_bad = 0, insns_first = 0;
	unsigned crashes[4] = { 0 }, crash_first = 0;
	uint64_t insns = 0, bt[6] = { 0 };
	struct timespec t0, t1;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_sigill;
	sigaction(SIGILL, &sa, NULL);
	sa.sa_handler = on_alarm;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGALRM;
	if (sigaction(SIGALRM, &sa, NULL) < 0 || timer_create(CLOCK_PROCESS_CPUTIME_ID, &sev, &watchdog) < 0) {
		SKIP("cannot create the watchdog timer");
		return 0;
	}
	vi = vm_create(RAM, NULL, err, sizeof(err));
	vb = vm_create(RAM, NULL, err, sizeof(err));
	if (!vi || !vb) {
		CHECK(0, "two VMs of %u MiB: %s", RAM >> 20, err);
		CHECK_EXIT();
	}
	/* No port devices: every IN and OUT leaves run() and this test
	 * answers it, the same for both engines whatever ran before (a
	 * device's state would carry over from program to program, and
	 * differ after a retried run).  The in-place path is
	 * test_bt_translate's. */
	/* The core's interrupt controllers first (the engines would add them
	 * at their first create), so that freeing the port bus takes the PIC
	 * and the PIT with it: a timer a program armed would fire into later
	 * programs at wall-clock times that differ between the engines. */
	if (platform_add_irqchip(vi) < 0 || platform_add_irqchip(vb) < 0) {
		CHECK(0, "the interrupt controllers");
		CHECK_EXIT();
	}
	bus_free(&vi->pio);
	bus_free(&vb->pio);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned r = 0; r < sizeof(regressions) / sizeof(regressions[0]) && only < 0; r++) {
		struct outcome oi, ob;
		char what[1024] = "";

		make_regression(&prog, &regressions[r]);
		bool comparable = run_both(&prog, vi, vb, &oi, &ob, &retried, err, sizeof(err));
		if (comparable && oi.end != END_CRASH && ob.end != END_CRASH)
			compare(&oi, &ob, what, sizeof(what));
		bt[5] += ob.bt[5];
		CHECK(comparable && oi.end != END_CRASH && ob.end != END_CRASH && !what[0] && oi.insns == ob.insns,
		      "regression: %s (interp %s, %llu instructions; bt %s, %llu instructions)%s",
		      regressions[r].name, end_names[oi.end], (unsigned long long)oi.insns, end_names[ob.end],
		      (unsigned long long)ob.insns, what);
	}
	for (int t = 0; t < PROGRAMS + STRUCTURED; t++) {
		struct outcome oi, ob;
		char what[1024];
		int k = t % 2 + (t >= PROGRAMS ? 2 : 0);

		structured = t >= PROGRAMS;
		probe_saving = structured && t / 2 % 2;
		make_program(&prog, k % 2 ? 3 : 0);
		if (only >= 0 && t != only)
			continue;       /* generated all the same: the RNG stays in step */
		runs[k]++;
		bool comparable = run_both(&prog, vi, vb, &oi, &ob, &retried, err, sizeof(err));
		ends[k][ob.end]++;
		insns += oi.insns;
		for (int i = 0; i < 6; i++)
			bt[i] += ob.bt[i];
		if (oi.end == END_CRASH || ob.end == END_CRASH) {
			if (crashes[0] + crashes[1] == 0)
				crash_first = (unsigned)t;
			if (crashes[k]++ < 4 || only >= 0) {
				printf("# program %d: the host died of SIGILL under %s\n", t,
				       ob.end == END_CRASH ? "bt" : "interp");
				print_program(&prog);
				fflush(stdout);
			}
			continue;       /* counted by its own check */
		}
		if (!comparable) {
			unchecked++;    /* out of time or page tables rewritten */
			agree[k]++;
			continue;
		}
		compare(&oi, &ob, what, sizeof(what));
		if (oi.insns != ob.insns && insns_bad++ == 0)
			insns_first = (unsigned)t;
		if (only >= 0) {
			printf("# interp: %s '%s', %u exits, %llu instructions, rip %#llx\n", end_names[oi.end], oi.msg,
			       oi.runs, (unsigned long long)oi.insns, (unsigned long long)oi.st.rip);
			printf("# bt:     %s '%s', %u exits, %llu instructions, rip %#llx\n", end_names[ob.end], ob.msg,
			       ob.runs, (unsigned long long)ob.insns, (unsigned long long)ob.st.rip);
		}
		if (!what[0]) {
			agree[k]++;
			continue;
		}
		if (shown++ < 8 || only >= 0) {
			printf("# program %d differs:%s\n", t, what);
			print_program(&prog);
			fflush(stdout);         /* before a later program may kill the host */
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	for (int k = 0; k < 4; k++)
		CHECK(agree[k] + crashes[k] == runs[k] &&
		      (only >= 0 || runs[k] == (k < 2 ? PROGRAMS : STRUCTURED) / 2),
		      "CPL %d: bt and interp end alike in %u of %u %s (bt: %u hlt, %u shutdown, %u internal error, %u exit budget, %u out of time, %u host SIGILL, %u other)",
		      k % 2 ? 3 : 0, agree[k], runs[k], k < 2 ? "random programs" : "programs of whole instructions",
		      ends[k][END_HLT], ends[k][END_SHUTDOWN], ends[k][END_ERROR],
		      ends[k][END_BUDGET], ends[k][END_TIMEOUT], ends[k][END_CRASH], ends[k][END_OTHER]);
	if (crashes[0] + crashes[1] + crashes[2] + crashes[3])
		CHECK(0, "the host survives every program: %u died of SIGILL, the first program %u",
		      crashes[0] + crashes[1] + crashes[2] + crashes[3], crash_first);
	else
		CHECK(1, "the host survives every program");
	if (insns_bad)
		CHECK(0, "the instruction counts agree: they differ in %u programs, the first program %u", insns_bad, insns_first);
	else
		CHECK(1, "the instruction counts agree (%llu instructions under interp)", (unsigned long long)insns);
	if (only < 0 && __builtin_cpu_supports("bmi2"))
		CHECK(bt[4] > 0, "the programs make bt translate memory groups (%llu)", (unsigned long long)bt[4]);
	if (only < 0)
		CHECK(bt[5] > 0, "the programs make bt trace calls into their callers' blocks (%llu, the regressions' among them)",
		      (unsigned long long)bt[5]);
	printf("# bt: %llu blocks, %llu helper calls, %llu TLB slow paths, %llu invalidations; %u programs not compared (out of time, page tables rewritten), %u runs retried; %.1f s\n",
	       (unsigned long long)bt[0], (unsigned long long)bt[1], (unsigned long long)bt[2],
	       (unsigned long long)bt[3], unchecked, retried,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	vm_destroy(vi);
	vm_destroy(vb);
	timer_delete(watchdog);
	CHECK_EXIT();
}
