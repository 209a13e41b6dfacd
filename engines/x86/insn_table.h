/* The instruction table: one row per Capstone id, everything the code
 * knows about the instruction, read by every consumer (insn_info.h says
 * what each column means):
 *   the interpreter's decoder  handler, block end, LOCK (decode.c)
 *   the CPUID-feature rule     feature (features.c: #UD when not advertised)
 *   the translator             bt handling, flags, sensitivity (form.c, translate.c)
 *   lockstep                   sensitivity WORLD: results the shadow cannot reproduce
 *   the docs                   docs/instructions.md (`ringbench engines --instructions`)
 * Columns: X(id, handler, end, class, privilege, sensitivity, lock,
 *            CPUID feature, bt handling, flags)
 * A row's handler is the one for the plain form; decode.c and the handlers
 * refine by form (MOV to a control register is h_mov's h_movcr, CPL 0;
 * x87 and SSE/SSE2 are chosen by their bytes: x86_insn_by_bytes). */
#ifndef RINGBENCH_X86_INSN_TABLE_H
#define RINGBENCH_X86_INSN_TABLE_H

#define X86_INSN_CC(X, pre, fn, end, cls, bt) \
	X(pre##O, fn, end, cls, ANY, NO, NOLOCK, NONE, bt, CC) \
	X(pre##NO, fn, end, cls, ANY, NO, NOLOCK, NONE, bt, CC) \
	X(pre##B, fn, end, cls, ANY, NO, NOLOCK, NONE, bt, CC) \
	X(pre##AE, fn, end, cls, ANY, NO, NOLOCK, NONE, bt, CC) \
	X(pre##E, fn, end, cls, ANY, NO, NOLOCK, NONE, bt, CC) \
	X(pre##NE, fn, end, cls, ANY, NO, NOLOCK, NONE, bt, CC) \
	X(pre##BE, fn, end, cls, ANY, NO, NOLOCK, NONE, bt, CC) \
	X(pre##A, fn, end, cls, ANY, NO, NOLOCK, NONE, bt, CC) \
	X(pre##S, fn, end, cls, ANY, NO, NOLOCK, NONE, bt, CC) \
	X(pre##NS, fn, end, cls, ANY, NO, NOLOCK, NONE, bt, CC) \
	X(pre##P, fn, end, cls, ANY, NO, NOLOCK, NONE, bt, CC) \
	X(pre##NP, fn, end, cls, ANY, NO, NOLOCK, NONE, bt, CC) \
	X(pre##L, fn, end, cls, ANY, NO, NOLOCK, NONE, bt, CC) \
	X(pre##GE, fn, end, cls, ANY, NO, NOLOCK, NONE, bt, CC) \
	X(pre##LE, fn, end, cls, ANY, NO, NOLOCK, NONE, bt, CC) \
	X(pre##G, fn, end, cls, ANY, NO, NOLOCK, NONE, bt, CC)

#define X86_INSN_TABLE(X) \
	/* arithmetic and logic */ \
	X(ADD, h_add, next, ALU, ANY, NO, LOCK, NONE, NATIVE, KILL) \
	X(OR, h_or, next, ALU, ANY, NO, LOCK, NONE, NATIVE, KILL) \
	X(ADC, h_adc, next, ALU, ANY, NO, LOCK, NONE, NATIVE, CARRY) \
	X(SBB, h_sbb, next, ALU, ANY, NO, LOCK, NONE, NATIVE, CARRY) \
	X(AND, h_and, next, ALU, ANY, NO, LOCK, NONE, NATIVE, KILL) \
	X(SUB, h_sub, next, ALU, ANY, NO, LOCK, NONE, NATIVE, KILL) \
	X(XOR, h_xor, next, ALU, ANY, NO, LOCK, NONE, NATIVE, KILL) \
	X(CMP, h_cmp, next, ALU, ANY, NO, NOLOCK, NONE, NATIVE, KILL) \
	X(TEST, h_test, next, ALU, ANY, NO, NOLOCK, NONE, NATIVE, KILL) \
	X(INC, h_inc, next, ALU, ANY, NO, LOCK, NONE, NATIVE, INCDEC) \
	X(DEC, h_dec, next, ALU, ANY, NO, LOCK, NONE, NATIVE, INCDEC) \
	X(NEG, h_neg, next, ALU, ANY, NO, LOCK, NONE, NATIVE, KILL) \
	X(NOT, h_not, next, ALU, ANY, NO, LOCK, NONE, NATIVE, NEUTRAL) \
	X(ROL, h_rol, next, ALU, ANY, NO, NOLOCK, NONE, NATIVE, READ) \
	X(ROR, h_ror, next, ALU, ANY, NO, NOLOCK, NONE, NATIVE, READ) \
	X(RCL, h_rcl, next, ALU, ANY, NO, NOLOCK, NONE, NATIVE, READ) \
	X(RCR, h_rcr, next, ALU, ANY, NO, NOLOCK, NONE, NATIVE, READ) \
	X(SHL, h_shl, next, ALU, ANY, NO, NOLOCK, NONE, NATIVE, READ) \
	X(SAL, h_shl, next, ALU, ANY, NO, NOLOCK, NONE, NATIVE, READ) \
	X(SHR, h_shr, next, ALU, ANY, NO, NOLOCK, NONE, NATIVE, READ) \
	X(SAR, h_sar, next, ALU, ANY, NO, NOLOCK, NONE, NATIVE, READ) \
	X(SHLD, h_shld, next, ALU, ANY, NO, NOLOCK, NONE, NATIVE, READ) \
	X(SHRD, h_shrd, next, ALU, ANY, NO, NOLOCK, NONE, NATIVE, READ) \
	X(MUL, h_mul, next, ALU, ANY, NO, NOLOCK, NONE, NATIVE, READ) \
	X(IMUL, h_imul, next, ALU, ANY, NO, NOLOCK, NONE, NATIVE, READ) \
	X(DIV, h_div, next, ALU, ANY, NO, NOLOCK, NONE, HELPER, READ) \
	X(IDIV, h_idiv, next, ALU, ANY, NO, NOLOCK, NONE, HELPER, READ) \
	X(BT, h_bt, next, ALU, ANY, NO, NOLOCK, NONE, NATIVE, READ) \
	X(BTS, h_bts, next, ALU, ANY, NO, LOCK, NONE, NATIVE, READ) \
	X(BTR, h_btr, next, ALU, ANY, NO, LOCK, NONE, NATIVE, READ) \
	X(BTC, h_btc, next, ALU, ANY, NO, LOCK, NONE, NATIVE, READ) \
	X(BSF, h_bsf, next, ALU, ANY, NO, NOLOCK, NONE, NATIVE, READ) \
	X(BSR, h_bsr, next, ALU, ANY, NO, NOLOCK, NONE, NATIVE, READ) \
	X(XADD, h_xadd, next, ALU, ANY, NO, LOCK, NONE, NATIVE, KILL) \
	X(CMPXCHG, h_cmpxchg, next, ALU, ANY, NO, LOCK, NONE, NATIVE, KILL) \
	X(CMPXCHG8B, h_cmpxchgnb, next, ALU, ANY, NO, LOCK, NONE, HELPER, READ) \
	X(CMPXCHG16B, h_cmpxchgnb, next, ALU, ANY, NO, LOCK, CX16, HELPER, READ) \
	X86_INSN_CC(X, SET, h_setcc, next, ALU, NATIVE) \
	/* data movement */ \
	X(MOV, h_mov, next, DATA, ANY, NO, NOLOCK, NONE, NATIVE, NEUTRAL) \
	X(MOVABS, h_mov, next, DATA, ANY, NO, NOLOCK, NONE, NATIVE, NEUTRAL) \
	X(MOVZX, h_movzx, next, DATA, ANY, NO, NOLOCK, NONE, NATIVE, NEUTRAL) \
	X(MOVSX, h_movsx, next, DATA, ANY, NO, NOLOCK, NONE, NATIVE, NEUTRAL) \
	X(MOVSXD, h_movsx, next, DATA, ANY, NO, NOLOCK, NONE, NATIVE, NEUTRAL) \
	X(LEA, h_lea, next, DATA, ANY, NO, NOLOCK, NONE, NATIVE, NEUTRAL) \
	X(XCHG, h_xchg, next, DATA, ANY, NO, LOCK, NONE, NATIVE, NEUTRAL) \
	X(BSWAP, h_bswap, next, DATA, ANY, NO, NOLOCK, NONE, NATIVE, NEUTRAL) \
	X(CBW, h_cbw, next, DATA, ANY, NO, NOLOCK, NONE, NATIVE, NEUTRAL) \
	X(CWDE, h_cbw, next, DATA, ANY, NO, NOLOCK, NONE, NATIVE, NEUTRAL) \
	X(CDQE, h_cbw, next, DATA, ANY, NO, NOLOCK, NONE, NATIVE, NEUTRAL) \
	X(CWD, h_cwd, next, DATA, ANY, NO, NOLOCK, NONE, NATIVE, NEUTRAL) \
	X(CDQ, h_cwd, next, DATA, ANY, NO, NOLOCK, NONE, NATIVE, NEUTRAL) \
	X(CQO, h_cwd, next, DATA, ANY, NO, NOLOCK, NONE, NATIVE, NEUTRAL) \
	X86_INSN_CC(X, CMOV, h_cmov, next, DATA, NATIVE) \
	X(PUSH, h_push, next, DATA, ANY, NO, NOLOCK, NONE, FLOW, NEUTRAL) \
	X(POP, h_pop, next, DATA, ANY, NO, NOLOCK, NONE, FLOW, NEUTRAL) \
	X(LEAVE, h_leave, next, DATA, ANY, NO, NOLOCK, NONE, FLOW, NEUTRAL) \
	X(ENTER, h_enter, next, DATA, ANY, NO, NOLOCK, NONE, HELPER, READ) \
	X(XLATB, h_xlat, next, DATA, ANY, NO, NOLOCK, NONE, HELPER, READ) \
	X(MOVBE, 0, next, DATA, ANY, NO, NOLOCK, MOVBE, HELPER, READ) \
	X(POPCNT, 0, next, ALU, ANY, NO, NOLOCK, POPCNT, HELPER, READ) \
	X(TZCNT, 0, next, ALU, ANY, NO, NOLOCK, BMI1, HELPER, READ) \
	X(ANDN, 0, next, ALU, ANY, NO, NOLOCK, BMI1, HELPER, READ) \
	X(LZCNT, 0, next, ALU, ANY, NO, NOLOCK, LZCNT, HELPER, READ) \
	X(RDRAND, 0, next, OTHER, ANY, NO, NOLOCK, RDRAND, HELPER, READ) \
	X(RDSEED, 0, next, OTHER, ANY, NO, NOLOCK, RDSEED, HELPER, READ) \
	/* flags */ \
	X(CLC, h_flagop, next, FLAGS, ANY, NO, NOLOCK, NONE, NATIVE, READ) \
	X(STC, h_flagop, next, FLAGS, ANY, NO, NOLOCK, NONE, NATIVE, READ) \
	X(CMC, h_flagop, next, FLAGS, ANY, NO, NOLOCK, NONE, NATIVE, READ) \
	X(LAHF, h_flagop, next, FLAGS, ANY, NO, NOLOCK, NONE, NATIVE, READ) \
	X(SAHF, h_flagop, next, FLAGS, ANY, NO, NOLOCK, NONE, NATIVE, READ) \
	X(CLD, h_flagop, next, FLAGS, ANY, NO, NOLOCK, NONE, DF, NEUTRAL) \
	X(STD, h_flagop, next, FLAGS, ANY, NO, NOLOCK, NONE, DF, NEUTRAL) \
	/* hints, fences, cache control */ \
	X(NOP, h_nop, next, HINT, ANY, NO, NOLOCK, NONE, DROP, NEUTRAL) \
	X(PAUSE, h_pause, next, HINT, ANY, NO, NOLOCK, NONE, NATIVE, NEUTRAL) \
	X(LFENCE, h_nop, next, HINT, ANY, NO, NOLOCK, NONE, NATIVE, NEUTRAL) \
	X(MFENCE, h_nop, next, HINT, ANY, NO, NOLOCK, NONE, NATIVE, NEUTRAL) \
	X(SFENCE, h_nop, next, HINT, ANY, NO, NOLOCK, NONE, NATIVE, NEUTRAL) \
	X(PREFETCH, h_nop, next, HINT, ANY, NO, NOLOCK, NONE, DROP, NEUTRAL) \
	X(PREFETCHNTA, h_nop, next, HINT, ANY, NO, NOLOCK, NONE, DROP, NEUTRAL) \
	X(PREFETCHT0, h_nop, next, HINT, ANY, NO, NOLOCK, NONE, DROP, NEUTRAL) \
	X(PREFETCHT1, h_nop, next, HINT, ANY, NO, NOLOCK, NONE, DROP, NEUTRAL) \
	X(PREFETCHT2, h_nop, next, HINT, ANY, NO, NOLOCK, NONE, DROP, NEUTRAL) \
	X(PREFETCHW, h_nop, next, HINT, ANY, NO, NOLOCK, NONE, DROP, NEUTRAL) \
	X(CLFLUSH, h_nop, next, HINT, ANY, NO, NOLOCK, NONE, HELPER, READ) \
	X(CLFLUSHOPT, 0, next, HINT, ANY, NO, NOLOCK, CLFLUSHOPT, HELPER, READ) \
	X(CLWB, 0, next, HINT, ANY, NO, NOLOCK, CLWB, HELPER, READ) \
	X(MONITOR, 0, next, HINT, ANY, NO, NOLOCK, MONITOR, HELPER, READ) \
	X(MWAIT, 0, next, HINT, ANY, NO, NOLOCK, MONITOR, HELPER, READ) \
	/* strings */ \
	X(MOVSB, h_movs, next, STRING, ANY, NO, NOLOCK, NONE, HELPER, READ) \
	X(MOVSW, h_movs, next, STRING, ANY, NO, NOLOCK, NONE, HELPER, READ) \
	X(MOVSD, h_movs, next, STRING, ANY, NO, NOLOCK, NONE, HELPER, READ) \
	X(MOVSQ, h_movs, next, STRING, ANY, NO, NOLOCK, NONE, HELPER, READ) \
	X(STOSB, h_stos, next, STRING, ANY, NO, NOLOCK, NONE, HELPER, READ) \
	X(STOSW, h_stos, next, STRING, ANY, NO, NOLOCK, NONE, HELPER, READ) \
	X(STOSD, h_stos, next, STRING, ANY, NO, NOLOCK, NONE, HELPER, READ) \
	X(STOSQ, h_stos, next, STRING, ANY, NO, NOLOCK, NONE, HELPER, READ) \
	X(LODSB, h_lods, next, STRING, ANY, NO, NOLOCK, NONE, HELPER, READ) \
	X(LODSW, h_lods, next, STRING, ANY, NO, NOLOCK, NONE, HELPER, READ) \
	X(LODSD, h_lods, next, STRING, ANY, NO, NOLOCK, NONE, HELPER, READ) \
	X(LODSQ, h_lods, next, STRING, ANY, NO, NOLOCK, NONE, HELPER, READ) \
	X(CMPSB, h_cmps, next, STRING, ANY, NO, NOLOCK, NONE, HELPER, READ) \
	X(CMPSW, h_cmps, next, STRING, ANY, NO, NOLOCK, NONE, HELPER, READ) \
	X(CMPSD, h_cmps, next, STRING, ANY, NO, NOLOCK, NONE, HELPER, READ) \
	X(CMPSQ, h_cmps, next, STRING, ANY, NO, NOLOCK, NONE, HELPER, READ) \
	X(SCASB, h_scas, next, STRING, ANY, NO, NOLOCK, NONE, HELPER, READ) \
	X(SCASW, h_scas, next, STRING, ANY, NO, NOLOCK, NONE, HELPER, READ) \
	X(SCASD, h_scas, next, STRING, ANY, NO, NOLOCK, NONE, HELPER, READ) \
	X(SCASQ, h_scas, next, STRING, ANY, NO, NOLOCK, NONE, HELPER, READ) \
	/* control flow */ \
	X86_INSN_CC(X, J, h_jcc, end, BRANCH, FLOW) \
	X(JMP, h_jmp, end, BRANCH, ANY, NO, NOLOCK, NONE, FLOW, NEUTRAL) \
	X(CALL, h_call, end, BRANCH, ANY, NO, NOLOCK, NONE, FLOW, NEUTRAL) \
	X(RET, h_ret, end, BRANCH, ANY, NO, NOLOCK, NONE, FLOW, NEUTRAL) \
	X(JCXZ, h_jrcxz, end, BRANCH, ANY, NO, NOLOCK, NONE, HELPER, READ) \
	X(JECXZ, h_jrcxz, end, BRANCH, ANY, NO, NOLOCK, NONE, HELPER, READ) \
	X(JRCXZ, h_jrcxz, end, BRANCH, ANY, NO, NOLOCK, NONE, HELPER, READ) \
	X(LOOP, h_loop, end, BRANCH, ANY, NO, NOLOCK, NONE, HELPER, READ) \
	X(LOOPE, h_loop, end, BRANCH, ANY, NO, NOLOCK, NONE, HELPER, READ) \
	X(LOOPNE, h_loop, end, BRANCH, ANY, NO, NOLOCK, NONE, HELPER, READ) \
	/* CS- or privilege-changing transfers */ \
	X(LJMP, h_ljmp, end, GATE, ANY, XFER, NOLOCK, NONE, HELPER, READ) \
	X(RETF, h_retf, end, GATE, ANY, XFER, NOLOCK, NONE, HELPER, READ) \
	X(RETFQ, h_retf, end, GATE, ANY, XFER, NOLOCK, NONE, HELPER, READ) \
	X(INT, h_int, end, GATE, ANY, XFER, NOLOCK, NONE, HELPER, READ) \
	X(INT3, h_int, end, GATE, ANY, XFER, NOLOCK, NONE, HELPER, READ) \
	X(INT1, h_int, end, GATE, ANY, XFER, NOLOCK, NONE, HELPER, READ) \
	X(IRET, h_iret, end, GATE, ANY, XFER, NOLOCK, NONE, HELPER, READ) \
	X(IRETD, h_iret, end, GATE, ANY, XFER, NOLOCK, NONE, HELPER, READ) \
	X(IRETQ, h_iret, end, GATE, ANY, XFER, NOLOCK, NONE, HELPER, READ) \
	X(SYSCALL, h_syscall, end, GATE, ANY, XFER, NOLOCK, NONE, HELPER, READ) \
	X(SYSRET, h_sysret, end, GATE, CPL0, XFER, NOLOCK, NONE, HELPER, READ) \
	X(SYSENTER, x86_op_ud, end, GATE, ANY, XFER, NOLOCK, SEP, HELPER, READ) \
	X(SYSEXIT, x86_op_ud, end, GATE, ANY, XFER, NOLOCK, SEP, HELPER, READ) \
	/* system */ \
	X(CLI, h_cli, next, SYSTEM, IOPL, CTRL, NOLOCK, NONE, INLINE0, READ) \
	X(STI, h_sti, end, SYSTEM, IOPL, CTRL, NOLOCK, NONE, INLINE0, READ) \
	X(PUSHF, h_pushf, next, SYSTEM, ANY, BEHAV, NOLOCK, NONE, HELPER, READ) \
	X(PUSHFD, h_pushf, next, SYSTEM, ANY, BEHAV, NOLOCK, NONE, HELPER, READ) \
	X(PUSHFQ, h_pushf, next, SYSTEM, ANY, BEHAV, NOLOCK, NONE, INLINE, READ) \
	X(POPF, h_popf, end, SYSTEM, ANY, CTRL, NOLOCK, NONE, HELPER, READ) \
	X(POPFD, h_popf, end, SYSTEM, ANY, CTRL, NOLOCK, NONE, HELPER, READ) \
	X(POPFQ, h_popf, end, SYSTEM, ANY, CTRL, NOLOCK, NONE, INLINE, READ) \
	X(HLT, h_hlt, end, SYSTEM, CPL0, CTRL, NOLOCK, NONE, HELPER, READ) \
	X(LGDT, h_lgdt, end, SYSTEM, CPL0, CTRL, NOLOCK, NONE, HELPER, READ) \
	X(LIDT, h_lidt, end, SYSTEM, CPL0, CTRL, NOLOCK, NONE, HELPER, READ) \
	X(SGDT, h_sgdt, next, SYSTEM, ANY, BEHAV, NOLOCK, NONE, INLINE, READ) \
	X(SIDT, h_sidt, next, SYSTEM, ANY, BEHAV, NOLOCK, NONE, INLINE, READ) \
	X(SMSW, h_smsw, next, SYSTEM, ANY, BEHAV, NOLOCK, NONE, INLINE, READ) \
	X(LMSW, h_lmsw, end, SYSTEM, CPL0, CTRL, NOLOCK, NONE, HELPER, READ) \
	X(CLTS, h_clts, next, SYSTEM, CPL0, CTRL, NOLOCK, NONE, HELPER, READ) \
	X(LTR, h_ltr, end, SYSTEM, CPL0, CTRL, NOLOCK, NONE, HELPER, READ) \
	X(LLDT, h_lldt, end, SYSTEM, CPL0, CTRL, NOLOCK, NONE, HELPER, READ) \
	X(STR, h_str, next, SYSTEM, ANY, BEHAV, NOLOCK, NONE, INLINE, READ) \
	X(SLDT, h_sldt, next, SYSTEM, ANY, BEHAV, NOLOCK, NONE, INLINE, READ) \
	X(VERR, h_verr, next, SYSTEM, ANY, BEHAV, NOLOCK, NONE, HELPER, READ) \
	X(VERW, h_verw, next, SYSTEM, ANY, BEHAV, NOLOCK, NONE, HELPER, READ) \
	X(INVLPG, h_invlpg, end, SYSTEM, CPL0, CTRL, NOLOCK, NONE, INLINE0, READ) \
	X(WBINVD, h_wbinvd, next, SYSTEM, CPL0, CTRL, NOLOCK, NONE, HELPER, READ) \
	X(INVD, h_wbinvd, next, SYSTEM, CPL0, CTRL, NOLOCK, NONE, HELPER, READ) \
	X(SWAPGS, h_swapgs, next, SYSTEM, CPL0, CTRL, NOLOCK, NONE, HELPER, READ) \
	X(CPUID, h_cpuid, next, SYSTEM, ANY, BEHAV, NOLOCK, NONE, INLINE, READ) \
	X(RDPMC, h_rdpmc, next, SYSTEM, CR4, BEHAV, NOLOCK, NONE, HELPER, READ) \
	X(RDMSR, h_rdmsr, next, SYSTEM, CPL0, WORLD, NOLOCK, NONE, INLINE0, READ) \
	X(WRMSR, h_wrmsr, end, SYSTEM, CPL0, CTRL, NOLOCK, NONE, INLINE0, READ) \
	X(RDTSC, h_rdtsc, next, SYSTEM, CR4, WORLD, NOLOCK, NONE, INLINE, READ) \
	X(RDTSCP, h_rdtsc, next, SYSTEM, CR4, WORLD, NOLOCK, NONE, INLINE, READ) \
	X(VMCALL, h_vmcall, end, SYSTEM, ANY, CTRL, NOLOCK, NONE, INLINE0, READ) \
	X(VMMCALL, h_vmcall, end, SYSTEM, ANY, CTRL, NOLOCK, NONE, INLINE0, READ) \
	X(RDFSBASE, 0, next, SYSTEM, ANY, NO, NOLOCK, FSGSBASE, HELPER, READ) \
	X(RDGSBASE, 0, next, SYSTEM, ANY, NO, NOLOCK, FSGSBASE, HELPER, READ) \
	X(WRFSBASE, 0, next, SYSTEM, ANY, NO, NOLOCK, FSGSBASE, HELPER, READ) \
	X(WRGSBASE, 0, next, SYSTEM, ANY, NO, NOLOCK, FSGSBASE, HELPER, READ) \
	X(INVPCID, 0, next, SYSTEM, ANY, CTRL, NOLOCK, INVPCID, HELPER, READ) \
	X(UD2, x86_op_ud, end, OTHER, ANY, NO, NOLOCK, NONE, HELPER, READ) \
	X(UD0, x86_op_ud, end, OTHER, ANY, NO, NOLOCK, NONE, HELPER, READ) \
	/* port I/O */ \
	X(IN, h_in, end, IO, IOPL, WORLD, NOLOCK, NONE, INLINE0, READ) \
	X(INSB, h_ins, end, IO, IOPL, WORLD, NOLOCK, NONE, HELPER, READ) \
	X(INSW, h_ins, end, IO, IOPL, WORLD, NOLOCK, NONE, HELPER, READ) \
	X(INSD, h_ins, end, IO, IOPL, WORLD, NOLOCK, NONE, HELPER, READ) \
	X(OUT, h_out, end, IO, IOPL, CTRL, NOLOCK, NONE, INLINE0, READ) \
	X(OUTSB, h_outs, end, IO, IOPL, CTRL, NOLOCK, NONE, HELPER, READ) \
	X(OUTSW, h_outs, end, IO, IOPL, CTRL, NOLOCK, NONE, HELPER, READ) \
	X(OUTSD, h_outs, end, IO, IOPL, CTRL, NOLOCK, NONE, HELPER, READ) \
	/* x87 and SSE state */ \
	X(WAIT, h_fwait, next, STATE, ANY, NO, NOLOCK, NONE, HELPER, READ) \
	X(FXSAVE, h_fxsave, next, STATE, ANY, NO, NOLOCK, FXSR, HELPER, READ) \
	X(FXSAVE64, h_fxsave, next, STATE, ANY, NO, NOLOCK, FXSR, HELPER, READ) \
	X(FXRSTOR, h_fxrstor, next, STATE, ANY, NO, NOLOCK, FXSR, HELPER, READ) \
	X(FXRSTOR64, h_fxrstor, next, STATE, ANY, NO, NOLOCK, FXSR, HELPER, READ) \
	X(XSAVE, h_xsave, next, STATE, ANY, NO, NOLOCK, XSAVE, HELPER, READ) \
	X(XSAVE64, h_xsave, next, STATE, ANY, NO, NOLOCK, XSAVE, HELPER, READ) \
	X(XSAVEOPT, h_xsaveopt, next, STATE, ANY, NO, NOLOCK, XSAVE, HELPER, READ) \
	X(XSAVEOPT64, h_xsaveopt, next, STATE, ANY, NO, NOLOCK, XSAVE, HELPER, READ) \
	X(XRSTOR, h_xrstor, next, STATE, ANY, NO, NOLOCK, XSAVE, HELPER, READ) \
	X(XRSTOR64, h_xrstor, next, STATE, ANY, NO, NOLOCK, XSAVE, HELPER, READ) \
	X(XGETBV, h_xgetbv, next, STATE, ANY, BEHAV, NOLOCK, XSAVE, HELPER, READ) \
	X(XSETBV, h_xsetbv, next, STATE, CPL0, CTRL, NOLOCK, XSAVE, HELPER, READ) \
	X(XSAVEC, x86_op_ud, end, STATE, ANY, NO, NOLOCK, XSAVE, HELPER, READ) \
	X(XSAVEC64, x86_op_ud, end, STATE, ANY, NO, NOLOCK, XSAVE, HELPER, READ) \
	X(XSAVES, x86_op_ud, end, STATE, ANY, NO, NOLOCK, XSAVE, HELPER, READ) \
	X(XSAVES64, x86_op_ud, end, STATE, ANY, NO, NOLOCK, XSAVE, HELPER, READ) \
	X(XRSTORS, x86_op_ud, end, STATE, ANY, NO, NOLOCK, XSAVE, HELPER, READ) \
	X(XRSTORS64, x86_op_ud, end, STATE, ANY, NO, NOLOCK, XSAVE, HELPER, READ) \
	X(LDMXCSR, 0, next, SSE, ANY, NO, NOLOCK, SSE, HELPER, READ) \
	X(STMXCSR, 0, next, SSE, ANY, NO, NOLOCK, SSE, HELPER, READ)

/* What a row cannot say: behaviour that depends on the form or the state.
 * N(id, note) */
#define X86_INSN_NOTES(N) \
	N(MOV, "MOV to/from CR0-CR8, DR0-DR7: h_movcr, CPL 0 only, control-sensitive, block end; bt reads CR0/2/3/4 and reads/writes CR8 inline in CPL 0 blocks; to a segment register: block end") \
	N(PUSH, "of a segment register: helper") \
	N(INT, "INT n, INT3: #GP when the gate's DPL is below CPL") \
	N(IRET, "IF and IOPL kept as POPF keeps them") \
	N(POPF, "above CPL 0 IOPL is kept, and IF above IOPL, without a fault: sensitive but not privileged") \
	N(PUSHFQ, "as PUSHF") \
	N(POPFQ, "as POPF") \
	N(PUSHF, "pushes the real IF and IOPL: sensitive but not privileged") \
	N(PAUSE, "a helper in a VM with more than one vCPU") \
	N(VMCALL, "above CPL 0: RAX = -KVM_EPERM, as KVM") \
	N(RDTSC, "#GP above CPL 0 with CR4.TSD") \
	N(RDPMC, "#GP above CPL 0 unless CR4.PCE") \
	N(SYSENTER, "#UD: not in the vCPU's CPUID") \
	N(XSAVEC, "#UD: not in CPUID 0xD.1") \
	N(TZCNT, "without BMI1 the bytes are BSF (decode_fix.c)") \
	N(LZCNT, "without LZCNT the bytes are BSR (decode_fix.c)")

#endif
