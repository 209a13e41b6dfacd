/* Debug exceptions at instruction boundaries: TF single-step (a #DB trap
 * after an instruction that began with TF set, DR6.BS), DR0-DR3
 * instruction breakpoints (a #DB fault before an instruction whose address
 * an enabled execute breakpoint holds, DR6.B0-B3, suppressed by RF) and
 * data breakpoints (R/W 01 write, 11 read or write, LEN 1/2/4/8 bytes: a
 * #DB trap after the instruction that touched the range, DR6.Bn; the
 * accesses are recorded by the memory slow path, the TLB giving no fast
 * path while they watch).  Not: I/O breakpoints (R/W 10 needs CR4.DE, not
 * in CPUID), DR7.GD, implicit supervisor accesses (descriptor tables,
 * IDT, stack pushes of delivery), a hit inside a REP string instruction
 * (the trap comes after the whole instruction).  After MOV SS/POP SS the
 * traps wait one more instruction, as the SDM says.
 * Engines run instructions one at a time through x86_debug_step while
 * x86_debug_active says so; otherwise nothing here costs anything. */
#include "engines/x86/ops.h"

#define DR6_BS 0x4000ull

static bool data_breakpoints(uint64_t dr7)
{
	for (unsigned n = 0; n < 4; n++)
		if (((dr7 >> (2 * n)) & 3) && (((dr7 >> (16 + 4 * n)) & 3) & 1))
			return true;    /* enabled, R/W 01 or 11 */
	return false;
}

/* The data breakpoints the recorded accesses hit (DR6.B0-B3 bits). */
static unsigned data_hits(const struct x86_cpu *cpu, uint64_t dr7)
{
	static const unsigned lens[4] = { 1, 2, 8, 4 };
	unsigned hits = 0;

	for (unsigned n = 0; n < 4; n++) {
		unsigned rw = (dr7 >> (16 + 4 * n)) & 3, len = lens[(dr7 >> (18 + 4 * n)) & 3];
		if (!((dr7 >> (2 * n)) & 3) || !(rw & 1))
			continue;
		uint64_t lo = cpu->dr[n] & ~(uint64_t)(len - 1), hi = lo + len;
		for (unsigned i = 0; i < cpu->n_watched; i++) {
			uint64_t a = cpu->watched[i].lin, b = a + cpu->watched[i].size;
			if ((rw == 3 || cpu->watched[i].write) && a < hi && lo < b)
				hits |= 1u << n;
		}
	}
	return hits;
}

void x86_debug_step(struct x86_cpu *cpu, void (*step)(void *arg), void *arg)
{
	uint64_t dr7 = cpu->dr[7];
	bool tf = cpu->rflags & F_TF;

	if (!(cpu->rflags & F_RF) && (dr7 & 0xff)) {
		uint64_t lin = x86_lin(cpu, S_CS, cpu->rip);
		unsigned hit = 0;
		for (unsigned n = 0; n < 4; n++) {
			bool enabled = (dr7 >> (2 * n)) & 3;
			bool exec = ((dr7 >> (16 + 4 * n)) & 3) == 0;     /* R/W 00 (length must be 00) */
			if (enabled && exec && cpu->dr[n] == lin)
				hit |= 1u << n;
		}
		if (hit) {
			cpu->dr[6] = (cpu->dr[6] & ~0xfull) | hit;
			x86_raise(cpu, X86_DB, 0, 0);   /* a fault: RIP stays */
		}
	}
	uint64_t delivered = cpu->cnt.deliveries;
	bool watch = data_breakpoints(dr7);
	if (watch && !cpu->watch)
		x86_tlb_flush(cpu, false);      /* no fast path may skip a record */
	cpu->watch = watch;
	cpu->n_watched = 0;
	cpu->ss_shadow = false;         /* set by a MOV SS/POP SS in this step */
	step(arg);
	cpu->watch = false;
	/* RF lasts one instruction. */
	cpu->rflags &= ~F_RF;
	if (cpu->cnt.deliveries != delivered)
		return;         /* it delivered (INT n, a fault): no trap after it */
	unsigned hits = (watch ? data_hits(cpu, dr7) : 0) | cpu->db_held;
	cpu->db_held = 0;
	/* After MOV SS/POP SS the traps wait for the next instruction (TF
	 * is still set then, and the hits are kept). */
	if (cpu->ss_shadow && cpu->ss_shadow_rip == cpu->rip) {
		cpu->db_held = hits;
		return;
	}
	if (tf)
		cpu->dr[6] |= DR6_BS;
	if (hits)
		cpu->dr[6] = (cpu->dr[6] & ~0xfull) | hits;
	if (tf || hits)
		x86_deliver(cpu, X86_DB, 0, 0, false, cpu->rip);
}
