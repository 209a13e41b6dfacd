/* Run a short code snippet in long mode under an engine (interp, bt) and
 * report how it ended: at its final HLT, or in which exception vector
 * with which error code at which RIP.  The environment is long_mode.h's;
 * every IDT vector gets a stub of its own that pops the error code into
 * RCX (vectors that push one), puts the vector in R15 and ends the run
 * with OUT 0xE9, AL (KVM with its in-kernel LAPIC would sleep in a HLT
 * with IF clear, so HLT does not end a run there).  The snippet ends with
 * the same OUT; at CPL 3 that OUT is a #GP: that one counts as reaching
 * the end.
 * Header-only: each test program includes it once. */
#ifndef RINGBENCH_TEST_ENGINE_RUN_H
#define RINGBENCH_TEST_ENGINE_RUN_H

#include <stdio.h>
#include <string.h>

#include "engines/core/lapic.h"
#include "engines/core/vm.h"
#include "engines/x86/cpu.h"
#include "tests/unit/long_mode.h"

#define ER_RAM    (4u << 20)
#define ER_STUBS  0x8000u       /* 16 bytes per vector */
#define ER_CODE0  0x10000u      /* CPL 0 code */
#define ER_CODE3  0x200000u     /* CPL 3 code (the user half) */
#define ER_NONE   0xffff        /* R15 at the end when no exception came */
#define ER_PORT   0xe9          /* OUT ER_PORT, AL ends a run */
#define ER_TAIL   2             /* its length: RIP is code + n + ER_TAIL at the end */

struct er_result {
	int vector;             /* ER_NONE: the snippet reached its HLT */
	uint32_t err;
	uint64_t fault_rip;     /* the RIP in the exception frame */
	uint64_t fault_rflags;  /* the RFLAGS in the exception frame */
	struct cpu_state st;
	int reason;             /* the last exit */
	uint64_t helper_calls;  /* the engine's helper_calls counter at the end */
	uint64_t insns, exceptions;     /* its insns and exceptions counters */
	uint64_t in_place;      /* bt: faults delivered in place (bt.faults_in_place) */
	uint64_t entries;       /* bt: entries into translated code from the dispatcher (bt.entries) */
	uint64_t tlb_slow;      /* bt: probe misses the shared handler took (bt.tlb_slow) */
	char msg[300];
};

static void er_stubs(uint8_t *ram)
{
	for (int v = 0; v < 256; v++) {
		bool err = v == 8 || (v >= 10 && v <= 14) || v == 17;
		uint32_t h = ER_STUBS + (uint32_t)v * 16;
		uint8_t *s = ram + h;
		if (err)
			*s++ = 0x59;                            /* pop rcx */
		*s++ = 0x41; *s++ = 0xbf;                       /* mov r15d, v */
		*s++ = (uint8_t)v; *s++ = 0; *s++ = 0; *s++ = 0;
		*s++ = 0xe6; *s++ = ER_PORT;                    /* out 0xe9, al */
		*s++ = 0xf4;
		lm_put64(ram, LM_IDT + v * 16, (h & 0xffff) | (0x08ull << 16) | (0xeeull << 40) |
			 ((uint64_t)(h >> 16) << 48));
		lm_put64(ram, LM_IDT + v * 16 + 8, 0);
	}
}

/* The long-mode state of long_mode.h at cpl, RIP at the code. */
static void er_state(struct cpu_state *s, int cpl)
{
	memset(s, 0, sizeof(*s));
	s->cr0 = CR0_PE | CR0_PG | CR0_WP | 0x10;
	s->cr3 = LM_PML4;
	s->cr4 = CR4_PAE;
	s->efer = EFER_LME | EFER_LMA | EFER_NXE | EFER_SCE;
	s->gdt = (struct dtable){ LM_GDT, 0x37 };
	s->idt = (struct dtable){ LM_IDT, 0xfff };
	s->tr = (struct segment){ .base = LM_TSS, .limit = 0x67, .selector = 0x28, .type = 0xb, .present = 1 };
	s->ldtr = (struct segment){ .unusable = 1 };
	s->seg[S_CS] = (struct segment){ .selector = (uint16_t)(cpl ? 0x23 : 0x08), .type = 0xb, .s = 1,
					 .present = 1, .l = 1, .dpl = (uint8_t)cpl, .limit = 0xffffffff, .g = 1 };
	s->seg[S_SS] = (struct segment){ .selector = (uint16_t)(cpl ? 0x1b : 0x10), .type = 3, .s = 1,
					 .present = 1, .db = 1, .dpl = (uint8_t)cpl, .limit = 0xffffffff, .g = 1 };
	s->rip = cpl ? ER_CODE3 : ER_CODE0;
	s->gpr[R_RSP] = cpl ? 0x3f0000 : 0x1e000;
	s->gpr[R_R15] = ER_NONE;
	s->rflags = 2;
}

/* Code builders for the snippets (inline: not every test uses each). */

/* mov reg, imm64 */
static inline size_t er_movabs(uint8_t *c, int reg, uint64_t v)
{
	c[0] = (uint8_t)(0x48 | (reg >= 8 ? 1 : 0));
	c[1] = (uint8_t)(0xb8 + (reg & 7));
	memcpy(c + 2, &v, 8);
	return 10;
}

/* mov [disp32], rax */
static inline size_t er_store_rax(uint8_t *c, uint32_t addr)
{
	c[0] = 0x48; c[1] = 0x89; c[2] = 0x04; c[3] = 0x25;
	memcpy(c + 4, &addr, 4);
	return 8;
}

/* An er_run adjust function: a GDT limit that takes descriptors at 0x38
 * and 0x40 (a 16-byte system descriptor). */
static inline void er_gdt_wide(struct cpu_state *s) { s->gdt.limit = 0x47; }

/* Runs code (n bytes, a HLT appended) under ops in vm; adjust, when not
 * NULL, changes the initial state.  Returns 0, or -1 with r->msg. */
static int er_run(const struct engine_ops *ops, struct vm *vm, int cpl, const uint8_t *code, size_t n,
		  void (*adjust)(struct cpu_state *), struct er_result *r)
{
	char err[200];
	struct cpu_state s;
	struct vm_exit x;
	struct engine *e;

	memset(r, 0, sizeof(*r));
	memset(vm->ram, 0xf4, ER_RAM);
	lm_build_tables(vm->ram, ER_STUBS);
	er_stubs(vm->ram);
	uint32_t at = cpl ? ER_CODE3 : ER_CODE0;
	memcpy(vm->ram + at, code, n);
	vm->ram[at + n] = 0xe6;
	vm->ram[at + n + 1] = ER_PORT;
	er_state(&s, cpl);
	if (adjust)
		adjust(&s);
	vm->stop_requested = 0;
	if (vm->lapic)
		lapic_reset(vm->lapic);         /* nothing pending from the last run */
	e = ops->create(vm, err, sizeof(err));
	if (!e) {
		snprintf(r->msg, sizeof(r->msg), "create: %s", err);
		return -1;
	}
	vm->ops = ops;
	vm->engine = e;
	ops->set_state(e, &s);
	memset(&x, 0, sizeof(x));
	for (int i = 0; i < 1000; i++) {
		ops->run(e, &x);
		if (x.reason == VM_EXIT_IO && x.io.port == ER_PORT && x.io.is_write)
			break;
		if (x.reason == VM_EXIT_IO) {
			if (!x.io.is_write)
				memset(x.io.data, 0xff, (size_t)x.io.count * x.io.size);
			continue;
		}
		if (x.reason == VM_EXIT_HYPERCALL || x.reason == VM_EXIT_MMIO)
			continue;
		break;
	}
	r->reason = x.reason;
	if (x.reason == VM_EXIT_INTERNAL_ERROR || x.reason == VM_EXIT_SHUTDOWN)
		snprintf(r->msg, sizeof(r->msg), "%s", x.error.msg);
	ops->get_state(e, &r->st);
	if (ops->stats) {
		struct engine_stats es;
		ops->stats(e, &es);
		r->helper_calls = es.helper_calls;
		r->insns = es.insns;
		r->exceptions = es.exceptions;
	}
	r->in_place = engine_counter_value(ops, e, "bt.faults_in_place");
	r->entries = engine_counter_value(ops, e, "bt.entries");
	r->tlb_slow = engine_counter_value(ops, e, "bt.tlb_slow");
	ops->destroy(e);
	vm->engine = NULL;
	r->vector = (int)(r->st.gpr[R_R15] & 0xffff);
	r->err = (uint32_t)r->st.gpr[R_RCX];
	uint64_t sp = r->st.gpr[R_RSP];
	if (r->vector != ER_NONE && sp + 24 <= ER_RAM) {
		memcpy(&r->fault_rip, vm->ram + sp, 8);
		memcpy(&r->fault_rflags, vm->ram + sp + 16, 8);
	}
	if (cpl && r->vector == 13 && r->fault_rip == at + n) {
		r->vector = ER_NONE;
		r->st.rip = at + n + ER_TAIL;
	}
	if (x.reason != VM_EXIT_HLT && x.reason != VM_EXIT_IO) {
		if (!r->msg[0])
			snprintf(r->msg, sizeof(r->msg), "ended with exit %d, not HLT", x.reason);
		return -1;
	}
	return 0;
}

#endif
