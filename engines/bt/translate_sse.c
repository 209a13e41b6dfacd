/* SSE/SSE2 register forms translated natively: a run of consecutive guest
 * SSE instructions whose operands are XMM registers (or a GPR other than
 * RSP) runs as the guest's own bytes on the host's XMM registers of the
 * same numbers, loaded from the guest's FXSAVE image (cpu.fx) before the
 * first use in the run and stored back after it, under the guest's MXCSR
 * (its sticky flags accumulate there; the host's comes back after).
 *
 * Such an instruction can fault only through CR0.EM/TS, CR4.OSFXSR or an
 * unmasked SIMD exception.  ctx.sse_ok says none of these can happen (all
 * MXCSR exceptions masked, CR0/CR4 allowing SSE); the dispatcher and
 * bt_helper set it before translated code runs, and nothing else changes
 * CR0, CR4 or MXCSR.  The run tests it first, flag-free (the guest's flags
 * are the host's): set, the native code; clear, the shared handler for
 * each instruction, which raises the exact #UD, #NM or #XM. */
#include "engines/bt/bt.h"
#include "engines/bt/emit.h"
#include "engines/x86/sse.h"

/* The host's MXCSR is read once, at create (bt_engine.c): ringbench never
 * changes it for longer than a guest instruction, and STMXCSR on every
 * helper return took 1.5-14% of a Linux boot's CPU (perf, task-clock). */
void bt_sse_gate(struct engine *e)
{
	e->ctx.sse_ok = x86_sse_exceptionless(&e->cpu);
}

/* A helper site for in[i] (translate.c's new_site, SITE_HELPER). */
static struct bt_site *helper_site(struct engine *e, struct bt_block *b, const struct x86_inst *in,
				   const uint64_t *rip, unsigned i)
{
	struct bt_site *s = bt_arena_alloc(e, sizeof(*s));

	if (!s)
		return NULL;
	*s = (struct bt_site){ .block = b, .rip = rip[i], .next_rip = rip[i] + in[i].len,
			       .idx = (uint16_t)i, .rest = (uint16_t)(b->n - i - 1), .kind = SITE_HELPER,
			       .fallback = true, .in = in[i] };
	return s;
}

/* movdqu xmm(x), guest xmm(x) / the reverse. */
static void xmm_move(struct emit *em, struct engine *e, unsigned x, bool store)
{
	em_op_mem(em, 0xf3, false, store ? 0x7f0f : 0x6f0f, 2, (int)x, hm_abs(x86_xmm(&e->cpu, x)));
}

unsigned bt_translate_sse(struct engine *e, struct emit *em, struct bt_block *b,
			  const struct x86_inst *in, const uint64_t *rip, unsigned i, unsigned n)
{
	struct x86_sse_regs r[BT_MAX_INSNS];
	struct bt_site *site[BT_MAX_INSNS];
	unsigned k = 0;
	struct hmem rcx_home = hm_abs(&e->cpu.gpr[R_RCX]);

	while (i + k < n && x86_sse_reg_form(&in[i + k], &r[k]))
		k++;
	if (!k)
		return 0;
	for (unsigned j = 0; j < k; j++)
		if (!(site[j] = helper_site(e, b, in, rip, i + j)))
			return 0;
	e->c.sse_native += k;

	/* The test: RCX parked in its home, JRCXZ (no flag touched). */
	em_store(em, rcx_home, H_RCX);
	em_op_mem(em, 0, false, 0xb60f, 2, H_RCX, hm_abs(&e->ctx.sse_ok));     /* movzx ecx, byte */
	static const uint8_t test[] = { 0xe3, 0x02, 0xeb, 0x05 };              /* jrcxz +2; jmp +5 */
	em_bytes(em, test, sizeof(test));
	uint8_t *to_slow = em_jmp(em, NULL);
	em_load(em, H_RCX, rcx_home);

	/* Native: the guest's MXCSR, each XMM loaded once, the guest bytes. */
	em_op_mem(em, 0, false, 0xae0f, 2, 2, hm_abs(e->cpu.fx + FX_MXCSR));   /* ldmxcsr */
	uint16_t loaded = 0, written = 0;
	for (unsigned j = 0; j < k; j++) {
		for (unsigned x = 0; x < 16; x++)
			if ((r[j].xmm_in & ~loaded) & (1u << x))
				xmm_move(em, e, x, false);
		loaded |= r[j].xmm_in;
		written |= r[j].xmm_out;
		em_bytes(em, in[i + j].bytes, in[i + j].len);
	}
	for (unsigned x = 0; x < 16; x++)
		if (written & (1u << x))
			xmm_move(em, e, x, true);
	em_op_mem(em, 0, false, 0xae0f, 2, 3, hm_abs(e->cpu.fx + FX_MXCSR));   /* stmxcsr */
	em_op_mem(em, 0, false, 0xae0f, 2, 2, hm_abs(&e->ctx.host_mxcsr));
	uint8_t *to_done = em_jmp(em, NULL);

	/* The shared handler, one instruction at a time. */
	em_patch_rel32(to_slow, em->delta, em_rx(em));
	em_load(em, H_RCX, rcx_home);
	for (unsigned j = 0; j < k; j++) {
		em_store_imm32(em, hm_abs(&e->ctx.site), (int32_t)(intptr_t)site[j]);
		em_call(em, e->helper_stub);
	}
	em_patch_rel32(to_done, em->delta, em_rx(em));
	return k;
}
