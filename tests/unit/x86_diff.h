/* The differential-test machinery shared by tests/unit/test_x86_diff*.c:
 * encode one instruction form with random registers, run it natively on
 * the host CPU, in the x86 semantics layer and through the bt engine
 * (translated, followed by a HLT) from the same random state, and compare
 * every GPR but RSP, the arithmetic flags and the memory operand's buffer;
 * for bt also RSP (against the layer), RIP after the HLT, the instruction
 * count, and for a faulting case the vector.  Header-only: each test
 * program includes it once. */
#ifndef RINGBENCH_TEST_X86_DIFF_H
#define RINGBENCH_TEST_X86_DIFF_H

#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "engines/bt/bt.h"
#include "engines/core/vm.h"
#include "engines/x86/cpu.h"
#include "engines/x86/insn.h"
#include "tests/check.h"

#define DIFF_BUF_ADDR 0x200000ull     /* same address natively and in the guest */
#define DIFF_BUF_SIZE 512
#define DIFF_CODE_GPA 0x1000ull
#define DIFF_RAM_SIZE (4ull << 20)
#define DIFF_FLAGS (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)

struct diff_state {
	uint64_t gpr[16];
	uint64_t flags;
};

/* One instruction form. */
enum { M_R = -1, M_NONE = -2, M_PLUSR = -3 };      /* modrm kinds; >= 0: /digit */
enum { I_NONE = 0, I_B = 1, I_W = 2, I_Z = 3, I_V = 4 };    /* immediates */
enum { D_REG = 1, D_MEM = 2 };                              /* allowed rm kinds */
enum { SZ_B = 1, SZ_W = 2, SZ_D = 4, SZ_Q = 8 };

struct diff_form {
	const char *name;
	uint8_t op[3], nop;
	int8_t modrm;
	uint8_t imm;
	uint8_t sizes;          /* SZ_* mask */
	uint8_t rm_kinds;       /* D_REG | D_MEM */
	uint8_t no_reg;         /* registers excluded as operands (mask of low 8) */
};

/* Optional: a legacy prefix (REP, REPNE) put first in every encoding, or
 * after the operand-size prefix (the order GAS emits: 66 F3 A5). */
static uint8_t diff_prefix;
static bool diff_prefix_after_66;

/* Optional: adjust each random state before it runs (string tests). */
static void (*diff_prepare)(struct diff_state *st);

static uint64_t diff_rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	/* xorshift64*: fixed seed, reproducible. */
	diff_rng ^= diff_rng >> 12;
	diff_rng ^= diff_rng << 25;
	diff_rng ^= diff_rng >> 27;
	return diff_rng * 0x2545f4914f6cdd1dull;
}

/* Random values biased to the edges: 0, 1, -1, sign bits, small counts. */
static uint64_t rnd_value(void)
{
	static const uint64_t edge[] = { 0, 1, 2, 7, 8, 15, 16, 31, 32, 33, 63, 64, 0x7f, 0x80,
		0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff,
		0x100000000ull, 0x7fffffffffffffffull, 0x8000000000000000ull, ~0ull, ~1ull };
	switch (rnd() % 4) {
	case 0: return edge[rnd() % (sizeof(edge) / sizeof(edge[0]))];
	case 1: return rnd() & 0xff;
	case 2: return (uint64_t)(int64_t)(int8_t)rnd();
	default: return rnd();
	}
}

/* ---- the native side: a generated function over a fixed state ---- */

static struct diff_state diff_native_st;
static uint8_t *diff_code;

static size_t emit(uint8_t *p, size_t k, const void *b, size_t n)
{
	memcpy(p + k, b, n);
	return k + n;
}

static size_t emit_imm64(uint8_t *p, size_t k, uint64_t v)
{
	return emit(p, k, &v, 8);
}

/* mov r, [rax + 8*r] or mov [rax + 8*r], r */
static size_t emit_mov_state(uint8_t *p, size_t k, int r, bool store)
{
	uint8_t rex = 0x48 | (r >= 8 ? 4 : 0);
	uint8_t b[] = { rex, store ? 0x89 : 0x8b, (uint8_t)(0x80 | ((r & 7) << 3)) };
	int32_t d = r * 8;

	k = emit(p, k, b, 3);
	return emit(p, k, &d, 4);
}

static void (*diff_build_native(const uint8_t *insn, unsigned len))(void)
{
	uint8_t *p = diff_code;
	size_t k = 0;
	static const uint8_t prologue[] = { 0x53, 0x55, 0x41, 0x54, 0x41, 0x55, 0x41, 0x56, 0x41, 0x57 };
	static const uint8_t epilogue[] = { 0xfc, 0x41, 0x5f, 0x41, 0x5e, 0x41, 0x5d, 0x41, 0x5c, 0x5d, 0x5b, 0xc3 };
	uint8_t movabs_rax[] = { 0x48, 0xb8 };
	int32_t fl_off = 128;

	k = emit(p, k, prologue, sizeof(prologue));
	k = emit(p, k, movabs_rax, 2);
	k = emit_imm64(p, k, (uint64_t)(uintptr_t)&diff_native_st);
	k = emit(p, k, (uint8_t[]){ 0xff, 0xb0 }, 2);           /* push [rax+128] */
	k = emit(p, k, &fl_off, 4);
	k = emit(p, k, (uint8_t[]){ 0x9d }, 1);                 /* popfq */
	for (int r = 1; r < 16; r++)
		if (r != 4)
			k = emit_mov_state(p, k, r, false);
	k = emit(p, k, (uint8_t[]){ 0x48, 0x8b, 0x00 }, 3);     /* mov rax, [rax] */
	k = emit(p, k, insn, len);
	k = emit(p, k, (uint8_t[]){ 0x48, 0xa3 }, 2);           /* mov [moffs], rax */
	k = emit_imm64(p, k, (uint64_t)(uintptr_t)&diff_native_st.gpr[0]);
	k = emit(p, k, (uint8_t[]){ 0x9c }, 1);                 /* pushfq */
	k = emit(p, k, movabs_rax, 2);
	k = emit_imm64(p, k, (uint64_t)(uintptr_t)&diff_native_st);
	k = emit(p, k, (uint8_t[]){ 0x8f, 0x80 }, 2);           /* pop [rax+128] */
	k = emit(p, k, &fl_off, 4);
	for (int r = 1; r < 16; r++)
		if (r != 4)
			k = emit_mov_state(p, k, r, true);
	k = emit(p, k, epilogue, sizeof(epilogue));
	__builtin___clear_cache((char *)p, (char *)p + k);
	return (void (*)(void))(uintptr_t)p;
}

/* ---- the emulated side ---- */

static struct x86_cpu diff_cpu;
static uint8_t *diff_ram, *diff_buf;

/* The bt side: a VM of its own (guest RAM separate from diff_ram) and one
 * bt engine for every case. */
static struct vm *diff_vm;
static struct engine *diff_bt;

static void diff_teardown(void)
{
	vm_destroy(diff_vm);            /* destroys the engine too */
	diff_vm = NULL;
	diff_bt = NULL;
}

static int diff_setup(void)
{
	char err[200];

	diff_code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	diff_buf = mmap((void *)(uintptr_t)DIFF_BUF_ADDR, 4096, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	diff_ram = mmap(NULL, DIFF_RAM_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (diff_code == MAP_FAILED || diff_ram == MAP_FAILED ||
	    diff_buf != (uint8_t *)(uintptr_t)DIFF_BUF_ADDR)
		return -1;
	/* After the fixed buffer: bt's own mappings below 2 GiB must not
	 * take its address. */
	diff_vm = vm_create(DIFF_RAM_SIZE, NULL, err, sizeof(err));
	if (diff_vm) {
		diff_vm->ops = &bt_engine_ops;
		diff_bt = diff_vm->engine = bt_engine_ops.create(diff_vm, err, sizeof(err));
	}
	if (!diff_bt) {
		/* Not a failure of the layer: its checks still run. */
		SKIP("bt engine not available, only the semantics layer is compared: %s", err);
		diff_teardown();
	}
	atexit(diff_teardown);
	return 0;
}

/* A 64-bit CPU with paging off: an unreal combination that keeps the
 * tests about instruction semantics, not about the MMU. */
static void diff_cpu_reset(void)
{
	struct x86_cpu *c = &diff_cpu;

	x86_cpu_init(c, NULL, "test");
	c->ram = diff_ram;
	c->ram_size = DIFF_RAM_SIZE;
	c->cr0 = CR0_PE | 0x10;
	c->efer = EFER_LME | EFER_LMA;
	c->seg[S_CS] = (struct segment){ .limit = 0xffffffff, .selector = 8, .type = 0xb,
					 .present = 1, .s = 1, .l = 1, .g = 1 };
	for (int i = 0; i < S_COUNT; i++)
		if (i != S_CS)
			c->seg[i] = (struct segment){ .limit = 0xffffffff, .selector = 0x10,
						      .type = 3, .present = 1, .s = 1, .db = 1, .g = 1 };
	x86_update_mode(c);
}

/* The layer's CPU at the case's start: st's registers and flags, RIP at
 * the code. */
static void diff_cpu_load(const struct diff_state *st)
{
	struct x86_cpu *c = &diff_cpu;

	memcpy(c->gpr, st->gpr, sizeof(st->gpr));
	c->gpr[R_RSP] = 0x3000;
	c->rflags = st->flags | 2;
	c->rip = DIFF_CODE_GPA;
	c->fault_depth = 0;
}

/* Run insn in the semantics layer from st; returns the exception vector
 * or -1. */
static int diff_emulate(const uint8_t *insn, unsigned len, struct diff_state *st)
{
	struct x86_cpu *c = &diff_cpu;

	memcpy(diff_ram + DIFF_CODE_GPA, insn, len);
	diff_cpu_load(st);
	if (setjmp(c->jb))
		return c->fault_vec;
	x86_step(c);
	memcpy(st->gpr, c->gpr, sizeof(st->gpr));
	st->flags = c->rflags;
	return -1;
}

/* ---- the bt side ---- */

/* How one case ended under bt. */
struct diff_bt_result {
	struct diff_state st;
	uint64_t rip, insns;            /* RIP at the exit; instructions it counted */
	int vec;                        /* first exception vector (shutdown), else -1 */
	enum vm_exit_reason reason;
	char msg[256];                  /* the exit's message: fault chain, error */
};

/* The first vector of a fault chain ("#DE -> #GP(0x2) -> ..."; names as
 * engines/x86/except.c writes them), or -1. */
static int diff_chain_vec(const char *chain)
{
	static const char *const n[] = { "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
		"#DF", "#CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM" };

	for (int v = 0; v < (int)(sizeof(n) / sizeof(n[0])); v++) {
		size_t k = strlen(n[v]);
		if (!strncmp(chain, n[v], k) && (chain[k] == 0 || chain[k] == ' ' || chain[k] == '('))
			return v;
	}
	return -1;
}

/* Run insn through bt from in, with the buffer holding buf0: the
 * instruction is written to guest RAM followed by a HLT, so a completed
 * instruction leaves with VM_EXIT_HLT; a fault goes to the empty IDT and
 * ends in a triple fault (VM_EXIT_SHUTDOWN) whose chain names it first. */
static void diff_bt_run(const uint8_t *insn, unsigned len, const struct diff_state *in,
			const uint8_t *buf0, bool warm, struct diff_bt_result *res)
{
	const struct engine_ops *ops = &bt_engine_ops;
	struct cpu_state s;
	struct vm_exit x;
	uint64_t insns0 = diff_bt->cpu.cnt.insns;

	memcpy(diff_vm->ram + DIFF_CODE_GPA, insn, len);
	diff_vm->ram[DIFF_CODE_GPA + len] = 0xf4;
	/* Written behind the engine's back: drop the previous case's block. */
	bt_invalidate(diff_bt, DIFF_CODE_GPA, 16);
	memcpy(diff_vm->ram + DIFF_BUF_ADDR, buf0, DIFF_BUF_SIZE);
	/* The layer's long-mode, paging-off CPU; this case's registers. */
	x86_get_state(&diff_cpu, &s);
	memcpy(s.gpr, in->gpr, sizeof(s.gpr));
	s.gpr[R_RSP] = 0x3000;          /* as diff_emulate */
	s.rip = DIFF_CODE_GPA;
	s.rflags = in->flags | 2;
	s.xcr0 = 0;     /* the x87 state: the case set bt's own (cpu.fx) */
	ops->set_state(diff_bt, &s);
	/* set_state empties the TLB, so a memory operand would always take
	 * the slow path (the layer's handler); warm: the buffer's page is in
	 * the TLB and the translated access runs inline.  Paging is off:
	 * this cannot fault. */
	if (warm)
		x86_translate(&diff_bt->cpu, DIFF_BUF_ADDR, ACC_W, false);
	memset(&x, 0, sizeof(x));
	ops->run(diff_bt, &x);
	ops->get_state(diff_bt, &s);
	memcpy(res->st.gpr, s.gpr, sizeof(s.gpr));
	res->st.flags = s.rflags;
	res->rip = s.rip;
	res->insns = diff_bt->cpu.cnt.insns - insns0;
	res->reason = x.reason;
	res->vec = -1;
	res->msg[0] = 0;
	if (x.reason == VM_EXIT_SHUTDOWN) {
		res->vec = diff_chain_vec(diff_bt->cpu.fault_chain);
		snprintf(res->msg, sizeof(res->msg), "%s", diff_bt->cpu.fault_chain);
	} else if (x.reason == VM_EXIT_INTERNAL_ERROR) {
		snprintf(res->msg, sizeof(res->msg), "%s", x.error.msg);
	}
}

/* Does bt's outcome agree: the layer's vector when it faulted (vec >= 0),
 * else the native result (GPRs but RSP, flags, buffer) and the layer's RSP,
 * RIP after the HLT and two instructions counted? */
static bool diff_bt_same(const struct diff_bt_result *b, int vec, const struct diff_state *emu,
			 const struct diff_state *nat, unsigned len)
{
	if (vec >= 0)
		return b->reason == VM_EXIT_SHUTDOWN && b->vec == vec;
	if (b->reason != VM_EXIT_HLT || b->rip != DIFF_CODE_GPA + len + 1 || b->insns != 2 ||
	    (b->st.flags & DIFF_FLAGS) != (nat->flags & DIFF_FLAGS) ||
	    b->st.gpr[R_RSP] != emu->gpr[R_RSP] ||
	    memcmp(diff_buf, diff_vm->ram + DIFF_BUF_ADDR, DIFF_BUF_SIZE))
		return false;
	for (int r = 0; r < 16; r++)
		if (r != R_RSP && b->st.gpr[r] != nat->gpr[r])
			return false;
	return true;
}

/* The report of bt's first mismatch: bytes, disassembly, every input
 * register, and bt's result beside the expected one. */
static void diff_bt_report(char *out, size_t size, const uint8_t *insn, unsigned len,
			   const struct diff_state *in, const struct diff_bt_result *b, int vec,
			   const struct diff_state *emu, const struct diff_state *nat)
{
	char dis[96];
	size_t k = 0;

#define DIFF_PUT(...) do { if (k < size) k += (size_t)snprintf(out + k, size - k, __VA_ARGS__); } while (0)
	x86_disasm(insn, len, 64, dis, sizeof(dis));
	DIFF_PUT("bt mismatch: bytes");
	for (unsigned i = 0; i < len; i++)
		DIFF_PUT(" %02x", insn[i]);
	DIFF_PUT(" (%s); in flags %#llx", dis, (unsigned long long)in->flags);
	for (int r = 0; r < 16; r++)
		if (r != R_RSP)
			DIFF_PUT(" r%d=%#llx", r, (unsigned long long)in->gpr[r]);
	DIFF_PUT(";");
	if (vec >= 0 || b->reason != VM_EXIT_HLT) {
		DIFF_PUT(" layer %s%d, bt exit %s rip %#llx %s", vec >= 0 ? "raised vector " : "completed ",
			 vec >= 0 ? vec : 0, vm_exit_reason_name(b->reason),
			 (unsigned long long)b->rip, b->msg);
		return;
	}
	if ((b->st.flags & DIFF_FLAGS) != (nat->flags & DIFF_FLAGS))
		DIFF_PUT(" flags bt %#llx native %#llx;", (unsigned long long)(b->st.flags & DIFF_FLAGS),
			 (unsigned long long)(nat->flags & DIFF_FLAGS));
	for (int r = 0; r < 16; r++)
		if (r != R_RSP && b->st.gpr[r] != nat->gpr[r])
			DIFF_PUT(" r%d bt %#llx native %#llx;", r, (unsigned long long)b->st.gpr[r],
				 (unsigned long long)nat->gpr[r]);
	if (b->st.gpr[R_RSP] != emu->gpr[R_RSP])
		DIFF_PUT(" rsp bt %#llx layer %#llx;", (unsigned long long)b->st.gpr[R_RSP],
			 (unsigned long long)emu->gpr[R_RSP]);
	if (b->rip != DIFF_CODE_GPA + len + 1)
		DIFF_PUT(" rip bt %#llx want %#llx;", (unsigned long long)b->rip,
			 (unsigned long long)(DIFF_CODE_GPA + len + 1));
	if (b->insns != 2)
		DIFF_PUT(" bt counted %llu instructions, want 2;", (unsigned long long)b->insns);
	if (memcmp(diff_buf, diff_vm->ram + DIFF_BUF_ADDR, DIFF_BUF_SIZE)) {
		for (unsigned i = 0; i < DIFF_BUF_SIZE; i++)
			if (diff_buf[i] != diff_vm->ram[DIFF_BUF_ADDR + i]) {
				DIFF_PUT(" memory differs from buf+%u: bt %02x native %02x;", i,
					 diff_vm->ram[DIFF_BUF_ADDR + i], diff_buf[i]);
				break;
			}
	}
#undef DIFF_PUT
}

/* ---- encoding ---- */

struct diff_enc {
	uint8_t bytes[16];
	unsigned len;
	bool mem;
};

static bool pick_ok(int r, unsigned size, bool rex, uint8_t no_reg)
{
	if (r < 8 && (no_reg >> r) & 1)
		return false;
	if (r == 4)             /* RSP; AH is fine */
		return size == 1 && !rex;
	return true;
}

static int pick_reg(unsigned size, bool rex, uint8_t no_reg)
{
	for (;;) {
		int r = (int)(rnd() % (rex ? 16 : 8));
		if (pick_ok(r, size, rex, no_reg))
			return r;
	}
}

static void diff_encode(const struct diff_form *f, unsigned size, struct diff_enc *e)
{
	unsigned k = 0;
	bool mem = (f->rm_kinds & D_MEM) && (!(f->rm_kinds & D_REG) || (rnd() & 1));
	/* Byte forms: sometimes no REX, so AH..BH are used. */
	bool rex = size == 8 || (rnd() & 1);
	int reg = pick_reg(size, rex, f->no_reg);
	int rm = mem ? 3 : pick_reg(size, rex, f->no_reg);
	uint8_t rexb = 0x40 | (size == 8 ? 8 : 0) | (reg >= 8 ? 4 : 0) | (rm >= 8 ? 1 : 0);

	if (f->modrm == M_PLUSR)
		rexb = 0x40 | (size == 8 ? 8 : 0) | (reg >= 8 ? 1 : 0);
	if (diff_prefix && !diff_prefix_after_66)
		e->bytes[k++] = diff_prefix;
	if (size == 2)
		e->bytes[k++] = 0x66;
	if (diff_prefix && diff_prefix_after_66)
		e->bytes[k++] = diff_prefix;
	if (rex)
		e->bytes[k++] = rexb;
	for (unsigned i = 0; i < f->nop; i++)
		e->bytes[k++] = f->op[i];
	if (f->modrm == M_PLUSR) {
		e->bytes[k - 1] = (uint8_t)(e->bytes[k - 1] + (reg & 7));
	} else if (f->modrm != M_NONE) {
		int regf = f->modrm >= 0 ? f->modrm : reg;
		if (mem) {
			if (rnd() & 1) {
				e->bytes[k++] = (uint8_t)(0x40 | ((regf & 7) << 3) | 3);
				e->bytes[k++] = (uint8_t)(rnd() % 40);
			} else {
				e->bytes[k++] = (uint8_t)(((regf & 7) << 3) | 3);
			}
		} else {
			e->bytes[k++] = (uint8_t)(0xc0 | ((regf & 7) << 3) | (rm & 7));
		}
	}
	unsigned isz = 0;
	switch (f->imm) {
	case I_B: isz = 1; break;
	case I_W: isz = 2; break;
	case I_Z: isz = size == 2 ? 2 : size == 1 ? 1 : 4; break;
	case I_V: isz = size; break;
	}
	uint64_t imm = rnd_value();
	memcpy(e->bytes + k, &imm, isz);
	k += isz;
	e->len = k;
	e->mem = mem;
}

/* Encodings from a generator instead of a form (diff_run_gen). */
typedef void (*diff_gen_fn)(struct diff_enc *e);
static diff_gen_fn diff_gen;

/* Run n random cases of form f at each of its sizes; one CHECK per size
 * covering the layer and bt.  With diff_gen set, f only names the check
 * and the generator encodes. */
static void diff_run_form(const struct diff_form *f, unsigned n)
{
	for (unsigned size = 1; size <= 8; size <<= 1) {
		if (!(f->sizes & size))
			continue;
		unsigned bad = 0, ran = 0, faults = 0, bt_bad = 0, bt_ran = 0;
		char first[512] = "", bt_first[768] = "";
		for (unsigned t = 0; t < n; t++) {
			struct diff_enc e;
			struct diff_state in, emu, nat;
			uint8_t buf0[DIFF_BUF_SIZE];

			if (diff_gen)
				diff_gen(&e);
			else
				diff_encode(f, size, &e);
			for (int r = 0; r < 16; r++)
				in.gpr[r] = rnd_value();
			in.gpr[R_RBX] = DIFF_BUF_ADDR;
			in.gpr[R_RSP] = 0;
			in.flags = rnd() & DIFF_FLAGS;
			if (diff_prepare)
				diff_prepare(&in);
			for (unsigned i = 0; i < DIFF_BUF_SIZE; i++)
				buf0[i] = (uint8_t)rnd_value();

			emu = in;
			memcpy(diff_ram + DIFF_BUF_ADDR, buf0, DIFF_BUF_SIZE);
			int vec = diff_emulate(e.bytes, e.len, &emu);
			/* Every case goes through bt too: it adds about 2 s to the
			 * slowest program (alu: 3 s -> 5 s under ASan). */
			bool with_bt = diff_bt != NULL;
			struct diff_bt_result btr;
			if (with_bt)
				diff_bt_run(e.bytes, e.len, &in, buf0, t & 1, &btr);
			if (vec < 0) {
				nat = in;
				diff_native_st = nat;
				memcpy(diff_buf, buf0, DIFF_BUF_SIZE);
				diff_build_native(e.bytes, e.len)();
				nat = diff_native_st;
			}
			if (with_bt) {
				bt_ran++;
				if (!diff_bt_same(&btr, vec, &emu, &nat, e.len) && bt_bad++ == 0)
					diff_bt_report(bt_first, sizeof(bt_first), e.bytes, e.len, &in,
						       &btr, vec, &emu, &nat);
			}
			if (vec >= 0) {
				faults++;       /* e.g. #DE: the host would fault too */
				continue;
			}
			ran++;

			bool same = (emu.flags & DIFF_FLAGS) == (nat.flags & DIFF_FLAGS) &&
				    !memcmp(diff_buf, diff_ram + DIFF_BUF_ADDR, DIFF_BUF_SIZE);
			for (int r = 0; r < 16; r++)
				if (r != R_RSP && emu.gpr[r] != nat.gpr[r])
					same = false;
			if (!same && bad++ == 0) {
				char dis[96];
				int k;
				x86_disasm(e.bytes, e.len, 64, dis, sizeof(dis));
				k = snprintf(first, sizeof(first), "first mismatch: %s; flags in %#llx emu %#llx native %#llx;",
					     dis, (unsigned long long)in.flags,
					     (unsigned long long)(emu.flags & DIFF_FLAGS),
					     (unsigned long long)(nat.flags & DIFF_FLAGS));
				for (int r = 0; r < 16 && k < (int)sizeof(first) - 64; r++)
					if (r != R_RSP && emu.gpr[r] != nat.gpr[r])
						k += snprintf(first + k, sizeof(first) - (size_t)k,
							      " r%d in %#llx emu %#llx native %#llx;", r,
							      (unsigned long long)in.gpr[r],
							      (unsigned long long)emu.gpr[r],
							      (unsigned long long)nat.gpr[r]);
				if (memcmp(diff_buf, diff_ram + DIFF_BUF_ADDR, DIFF_BUF_SIZE))
					snprintf(first + k, sizeof(first) - (size_t)k, " memory differs");
			}
		}
		if (diff_bt)
			CHECK(bad == 0 && ran > 0 && bt_bad == 0 && bt_ran > 0,
			      "%-10s size %u: %u cases match the host (%u raised an exception, not run natively); bt: %u of %u match %s%s",
			      f->name, size, ran - bad, faults, bt_ran - bt_bad, bt_ran, first, bt_first);
		else
			CHECK(bad == 0 && ran > 0, "%-10s size %u: %u cases match the host (%u raised an exception, not run natively) %s",
			      f->name, size, ran - bad, faults, first);
	}
}

#endif
