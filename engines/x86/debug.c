/* Debug exceptions at instruction boundaries: TF single-step (a #DB trap
 * after an instruction that began with TF set, DR6.BS) and DR0-DR3
 * instruction breakpoints (a #DB fault before an instruction whose address
 * an enabled execute breakpoint holds, DR6.B0-B3, suppressed by RF).
 * Engines run instructions one at a time through x86_debug_step while
 * x86_debug_active says so; otherwise nothing here costs anything. */
#include "engines/x86/ops.h"

#define DR6_BS 0x4000ull

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
	step(arg);
	/* RF lasts one instruction. */
	cpu->rflags &= ~F_RF;
	/* The single-step trap, unless the instruction itself delivered an
	 * exception or interrupt (INT n, INT3, ICEBP clear TF on the way). */
	if (tf && cpu->cnt.deliveries == delivered) {
		cpu->dr[6] |= DR6_BS;
		x86_deliver(cpu, X86_DB, 0, 0, false, cpu->rip);
	}
}
