/* The stubs at the start of the code cache, emitted once:
 *   enter        from C: save the host's callee-saved registers, load the
 *                guest's GPRs and flags, jump to ctx.target;
 *   exit_stub    from translated code: store the guest's GPRs and flags,
 *                return to the dispatcher (ctx.site says why);
 *   helper_stub  called from translated code: store the guest state, call
 *                bt_helper() (the shared handler for one instruction),
 *                reload and return, or leave if bt_helper says so;
 *   slow_stub, lean_stub, out_stub  the same with bt_helper_lean()
 *                (lean.c), the latter two reloading only the caller-saved
 *                registers;
 *   fill_stub, mmio_stub  from a memory instruction's slow path, and
 *   pio_stub, tlbop_stub, hc_stub  from an IN or OUT, an INVLPG or a
 *                MOV CR3, a VMCALL: every register and the arithmetic
 *                flags kept
 *                (emit_kept_stub).
 * Host RSP is the host stack, whose top at every block boundary is the
 * instruction-count slot, at a fixed offset in its page (BT_SLOTS_AT):
 * block entries add to [rsp] (the CPU renames RSP-relative memory, so a
 * tight loop does not wait on a store), the exit and helper stubs fold it
 * into cpu.cnt.insns.  Above it, the guest's RSP (BT_RSP_SLOT), which the
 * stubs copy to and from cpu.gpr[R_RSP]. */
#include "engines/bt/bt.h"
#include "engines/bt/emit.h"

/* Where in its 4 KiB page enter() puts the count slot (| 8) and the RSP
 * slot above it: apart from the engine's hot fields (cpu.gpr, rip and
 * rflags, the MSRs, the counters, ctx), which sit at fixed offsets in
 * their pages.  A stack slot whose address matched one of them in bits
 * 0-11 made the CPU take the slot's read-modify-write at each block entry
 * as waiting on the other store: wrmsr took 14.7 TSC cycles instead of
 * 3.5 in 1 process of 10, callret and others now and then likewise,
 * with the stack where ASLR happened to put it. */
#define BT_SLOTS_AT 0x600

#define ALL_GPRS 0xffefu
#define CALLER_SAVED 0x0fc7u    /* RAX RCX RDX RSI RDI R8-R11: what a C call may clobber */

/* Flags travel as LAHF/SETO's AX image (ctx.hflags): a fraction of
 * PUSHFQ/POPFQ's cost. */
static void store_regs(struct emit *em, struct engine *e, uint16_t regs)
{
	for (int r = 0; r < 16; r++)
		if (r != H_RSP && (regs >> r & 1))
			em_store(em, hm_abs(&e->cpu.gpr[r]), r);
}

static void store_gprs(struct emit *em, struct engine *e, uint16_t regs)
{
	store_regs(em, e, regs);
	em_flags_to_ax(em);
	em_store(em, hm_abs(&e->ctx.hflags), H_RAX);
}

/* cpu.cnt.insns += [rsp + off]; [rsp + off] = 0.  After store_gprs. */
static void fold_count(struct emit *em, struct engine *e, int32_t off)
{
	em_load(em, H_RAX, hm_base(H_RSP, off));
	em_op_mem(em, 0, true, 0x01, 1, H_RAX, hm_abs(&e->cpu.cnt.insns));   /* add [insns], rax */
	em_store_imm32(em, hm_base(H_RSP, off), 0);
}

/* cpu.gpr[R_RSP] = [rsp + off], through RAX (stored already). */
static void rsp_out(struct emit *em, struct engine *e, int32_t off)
{
	em_load(em, H_RAX, hm_base(H_RSP, off));
	em_store(em, hm_abs(&e->cpu.gpr[R_RSP]), H_RAX);
}

/* [rsp + off] = cpu.gpr[R_RSP], through RAX (loaded after). */
static void rsp_in(struct emit *em, struct engine *e, int32_t off)
{
	em_load(em, H_RAX, hm_abs(&e->cpu.gpr[R_RSP]));
	em_store(em, hm_base(H_RSP, off), H_RAX);
}

static void load_gprs(struct emit *em, struct engine *e, uint16_t regs)
{
	em_load(em, H_RAX, hm_abs(&e->ctx.hflags));
	em_flags_from_ax(em);
	for (int r = 0; r < 16; r++)
		if (r != H_RSP && (regs >> r & 1))
			em_load(em, r, hm_abs(&e->cpu.gpr[r]));
}

/* A stub translated code calls with ctx.site set: the guest state out,
 * fn, and back as fn says.  reload ALL_GPRS, or CALLER_SAVED where fn's
 * handlers write none of the others (C keeps them; RBP, which aligns the
 * host stack, then kept on it).  store: the registers in
 * cpu.gpr before fn; the rest only when leaving (C kept them), for
 * handlers that read none of them and cannot fault (a fault's longjmp
 * would lose them). */
static uint8_t *emit_call_stub(struct emit *em, struct engine *e, int (*fn)(struct engine *),
			       uint16_t store, uint16_t reload, const uint8_t *exit_return)
{
	uint8_t *start = em_rx(em);
	bool all = reload == ALL_GPRS;

	store_gprs(em, e, store);
	rsp_out(em, e, 8 + BT_RSP_SLOT);                       /* above the return address */
	fold_count(em, e, 8);
	if (!all)
		em_push_reg(em, H_RBP);                         /* the guest's, not reloaded */
	em_mov_rr(em, H_RBP, H_RSP);
	em_and_imm(em, H_RSP, -16);
	em_mov_imm(em, H_RDI, (uint64_t)(uintptr_t)e);
	em_call_abs(em, (const void *)fn);
	em_mov_rr(em, H_RSP, H_RBP);
	if (!all)
		em_pop_reg(em, H_RBP);
	em_u8(em, 0x83);
	em_u8(em, 0xf8);
	em_u8(em, BT_HELPER_LEAVE);                             /* cmp eax, LEAVE */
	uint8_t *to_leave = em_jcc(em, 4, exit_return);         /* je: leave */
	uint8_t *to_jump = em_jcc(em, 7, NULL);                 /* ja: JUMP */
	rsp_in(em, e, 8 + BT_RSP_SLOT);
	load_gprs(em, e, reload | 1u << H_RAX);
	em_u8(em, 0xc3);                                        /* ret: CONTINUE */
	em_patch_rel32(to_jump, em->delta, em_rx(em));
	em_lea(em, false, H_RSP, hm_base(H_RSP, 8));           /* drop the return address */
	rsp_in(em, e, BT_RSP_SLOT);
	load_gprs(em, e, reload | 1u << H_RAX);
	em_jmp_mem(em, hm_abs(&e->ctx.jt));
	if (store != ALL_GPRS) {
		em_patch_rel32(to_leave, em->delta, em_rx(em));
		store_regs(em, e, (uint16_t)(ALL_GPRS & ~store));
		em_jmp(em, exit_return);
	}
	return start;
}

/* A stub called from the middle of a translated instruction: every
 * register and the arithmetic flags kept (LAHF/SETO and SAHF: a fraction
 * of PUSHFQ/POPFQ's cost), fn's result in ctx.fill_ok.  With skip,
 * a result of 0 returns skip bytes past the call instead: the caller's
 * code goes on to its fallback without a test of its own (which would
 * need a register or the flags). */
static uint8_t *emit_kept_stub(struct emit *em, struct engine *e, int (*fn)(struct engine *), int8_t skip)
{
	static const int8_t kept[] = { H_RCX, H_RDX, H_RSI, H_RDI, H_R8, H_R9, H_R10, H_R11, H_RBP };
	uint8_t *start = em_rx(em);

	em_push_reg(em, H_RAX);
	em_flags_to_ax(em);
	em_push_reg(em, H_RAX);
	for (unsigned k = 0; k < sizeof(kept); k++)
		em_push_reg(em, kept[k]);
	em_mov_rr(em, H_RBP, H_RSP);
	em_and_imm(em, H_RSP, -16);
	em_mov_imm(em, H_RDI, (uint64_t)(uintptr_t)e);
	em_call_abs(em, (const void *)fn);
	em_store(em, hm_abs(&e->ctx.fill_ok), H_RAX);
	if (skip) {
		em_u8(em, 0x85);
		em_u8(em, 0xc0);                                /* test eax, eax */
		em_u8(em, 0x75);                                /* jnz past the add */
		uint8_t *over = em->w;
		em_u8(em, 0);
		int32_t ret = 8 * (int32_t)(2 + sizeof(kept));
		em_add_mem_imm(em, hm_base(H_RBP, ret), skip);  /* the return address */
		if (!em->full)
			*over = (uint8_t)(em->w - over - 1);
	}
	em_mov_rr(em, H_RSP, H_RBP);
	for (unsigned k = sizeof(kept); k-- > 0;)
		em_pop_reg(em, kept[k]);
	em_pop_reg(em, H_RAX);
	em_flags_from_ax(em);
	em_pop_reg(em, H_RAX);
	em_u8(em, 0xc3);                                        /* ret */
	return start;
}

int bt_emit_stubs(struct engine *e)
{
	static const uint8_t save_host[] = { 0x53, 0x55, 0x41, 0x54, 0x41, 0x55, 0x41, 0x56, 0x41, 0x57 };
	static const uint8_t restore_host[] = { 0x41, 0x5f, 0x41, 0x5e, 0x41, 0x5d, 0x41, 0x5c, 0x5d, 0x5b, 0xc3 };
	struct emit em = { e->code_rw, e->code_rw + e->code_size,
			   (intptr_t)((uintptr_t)e->code_rx - (uintptr_t)e->code_rw), false };

	e->enter = (void (*)(void))(void *)em_rx(&em);
	em_bytes(&em, save_host, sizeof(save_host));
	em_op_mem(&em, 0, true, 0x89, 1, H_RSP, hm_abs(&e->ctx.host_rsp));   /* mov [host_rsp], rsp */
	em_mov_rr(&em, H_RAX, H_RSP);                           /* rsp -= (rsp - 16 - SLOTS_AT) & 0xff0 */
	em_lea(&em, false, H_RAX, hm_base(H_RAX, -(BT_SLOTS_AT + 16)));
	em_and_imm(&em, H_RAX, 0xff0);
	em_op_reg(&em, true, 0x29, 1, H_RAX, H_RSP);            /* sub rsp, rax */
	em_push_mem(&em, hm_abs(&e->cpu.gpr[R_RSP]));          /* the guest RSP slot */
	em_u8(&em, 0x6a);
	em_u8(&em, 0);                                          /* push 0: the count slot */
	load_gprs(&em, e, ALL_GPRS);
	em_jmp_mem(&em, hm_abs(&e->ctx.target));

	uint8_t *exit_return = em_rx(&em);
	em_op_mem(&em, 0, true, 0x8b, 1, H_RSP, hm_abs(&e->ctx.host_rsp));   /* mov rsp, [host_rsp] */
	em_bytes(&em, restore_host, sizeof(restore_host));

	e->exit_stub = em_rx(&em);
	store_gprs(&em, e, ALL_GPRS);
	rsp_out(&em, e, BT_RSP_SLOT);
	fold_count(&em, e, 0);
	em_jmp(&em, exit_return);

	e->helper_stub = emit_call_stub(&em, e, bt_helper, ALL_GPRS, ALL_GPRS, exit_return);
	e->slow_stub = emit_call_stub(&em, e, bt_helper_lean, ALL_GPRS, ALL_GPRS, exit_return);
	e->lean_stub = emit_call_stub(&em, e, bt_helper_lean, ALL_GPRS, CALLER_SAVED, exit_return);
	e->out_stub = emit_call_stub(&em, e, bt_helper_lean, CALLER_SAVED | 1u << H_RBX, CALLER_SAVED,
				     exit_return);

	e->fill_stub = emit_kept_stub(&em, e, bt_tlb_fill, 0);
	e->mmio_stub = emit_kept_stub(&em, e, bt_mmio, 0);
	e->pio_stub = emit_kept_stub(&em, e, bt_pio, BT_REFUSAL_SKIP);
	e->tlbop_stub = emit_kept_stub(&em, e, bt_tlbop, BT_REFUSAL_SKIP);
	e->hc_stub = emit_kept_stub(&em, e, bt_hypercall, BT_REFUSAL_SKIP);
	if (em.full)
		return -1;
	e->code_used = e->stubs_end = ((size_t)(em.w - e->code_rw) + 63) & ~(size_t)63;
	return 0;
}
