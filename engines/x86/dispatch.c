/* The dispatch table: Capstone instruction id -> handler, and whether the
 * instruction ends a pre-decoded block.  One table for both software
 * engines; an id missing here is reported as unimplemented. */
#include "engines/x86/ops_list.h"

struct entry {
	x86_handler fn;
	uint8_t flags;
};

static struct entry table[X86_INS_ENDING];

#define ON(id, h) table[X86_INS_##id] = (struct entry){ h, 0 }
#define END(id, h) table[X86_INS_##id] = (struct entry){ h, IF_BLOCK_END }

static void build(void)
{
	/* arithmetic and logic */
	ON(ADD, h_add); ON(OR, h_or); ON(ADC, h_adc); ON(SBB, h_sbb);
	ON(AND, h_and); ON(SUB, h_sub); ON(XOR, h_xor); ON(CMP, h_cmp); ON(TEST, h_test);
	ON(INC, h_inc); ON(DEC, h_dec); ON(NEG, h_neg); ON(NOT, h_not);
	ON(ROL, h_rol); ON(ROR, h_ror); ON(RCL, h_rcl); ON(RCR, h_rcr);
	ON(SHL, h_shl); ON(SAL, h_shl); ON(SHR, h_shr); ON(SAR, h_sar);
	ON(SHLD, h_shld); ON(SHRD, h_shrd);
	ON(MUL, h_mul); ON(IMUL, h_imul); ON(DIV, h_div); ON(IDIV, h_idiv);
	ON(BT, h_bt); ON(BTS, h_bts); ON(BTR, h_btr); ON(BTC, h_btc);
	ON(BSF, h_bsf); ON(BSR, h_bsr);
	ON(XADD, h_xadd); ON(CMPXCHG, h_cmpxchg);
	ON(CMPXCHG8B, h_cmpxchgnb); ON(CMPXCHG16B, h_cmpxchgnb);
	/* data movement */
	ON(MOV, h_mov); ON(MOVABS, h_mov); ON(MOVZX, h_movzx);
	ON(MOVSX, h_movsx); ON(MOVSXD, h_movsx);
	ON(LEA, h_lea); ON(XCHG, h_xchg); ON(PUSH, h_push); ON(POP, h_pop);
	ON(CBW, h_cbw); ON(CWDE, h_cbw); ON(CDQE, h_cbw);
	ON(CWD, h_cwd); ON(CDQ, h_cwd); ON(CQO, h_cwd);
	ON(BSWAP, h_bswap); ON(LEAVE, h_leave); ON(ENTER, h_enter); ON(XLATB, h_xlat);
	ON(WAIT, h_fwait); ON(EMMS, h_emms);
	ON(CLC, h_flagop); ON(STC, h_flagop); ON(CMC, h_flagop);
	ON(CLD, h_flagop); ON(STD, h_flagop); ON(LAHF, h_flagop); ON(SAHF, h_flagop);
	ON(NOP, h_nop); ON(PAUSE, h_pause); ON(LFENCE, h_nop); ON(MFENCE, h_nop);
	ON(SFENCE, h_nop); ON(CLFLUSH, h_nop); ON(PREFETCH, h_nop);
	ON(PREFETCHT0, h_nop); ON(PREFETCHT1, h_nop); ON(PREFETCHT2, h_nop);
	ON(PREFETCHNTA, h_nop); ON(PREFETCHW, h_nop);
	static const unsigned cmov[] = { X86_INS_CMOVO, X86_INS_CMOVNO, X86_INS_CMOVB,
		X86_INS_CMOVAE, X86_INS_CMOVE, X86_INS_CMOVNE, X86_INS_CMOVBE, X86_INS_CMOVA,
		X86_INS_CMOVS, X86_INS_CMOVNS, X86_INS_CMOVP, X86_INS_CMOVNP, X86_INS_CMOVL,
		X86_INS_CMOVGE, X86_INS_CMOVLE, X86_INS_CMOVG };
	static const unsigned setcc[] = { X86_INS_SETO, X86_INS_SETNO, X86_INS_SETB,
		X86_INS_SETAE, X86_INS_SETE, X86_INS_SETNE, X86_INS_SETBE, X86_INS_SETA,
		X86_INS_SETS, X86_INS_SETNS, X86_INS_SETP, X86_INS_SETNP, X86_INS_SETL,
		X86_INS_SETGE, X86_INS_SETLE, X86_INS_SETG };
	static const unsigned jcc[] = { X86_INS_JO, X86_INS_JNO, X86_INS_JB,
		X86_INS_JAE, X86_INS_JE, X86_INS_JNE, X86_INS_JBE, X86_INS_JA,
		X86_INS_JS, X86_INS_JNS, X86_INS_JP, X86_INS_JNP, X86_INS_JL,
		X86_INS_JGE, X86_INS_JLE, X86_INS_JG };
	for (int i = 0; i < 16; i++) {
		table[cmov[i]] = (struct entry){ h_cmov, 0 };
		table[setcc[i]] = (struct entry){ h_setcc, 0 };
		table[jcc[i]] = (struct entry){ h_jcc, IF_BLOCK_END };
	}
	/* strings */
	ON(MOVSB, h_movs); ON(MOVSW, h_movs); ON(MOVSD, h_movs); ON(MOVSQ, h_movs);
	ON(STOSB, h_stos); ON(STOSW, h_stos); ON(STOSD, h_stos); ON(STOSQ, h_stos);
	ON(LODSB, h_lods); ON(LODSW, h_lods); ON(LODSD, h_lods); ON(LODSQ, h_lods);
	ON(CMPSB, h_cmps); ON(CMPSW, h_cmps); ON(CMPSD, h_cmps); ON(CMPSQ, h_cmps);
	ON(SCASB, h_scas); ON(SCASW, h_scas); ON(SCASD, h_scas); ON(SCASQ, h_scas);
	/* control flow */
	END(JMP, h_jmp); END(JCXZ, h_jrcxz); END(JECXZ, h_jrcxz); END(JRCXZ, h_jrcxz);
	END(LOOP, h_loop); END(LOOPE, h_loop); END(LOOPNE, h_loop);
	END(CALL, h_call); END(RET, h_ret);
	END(LJMP, h_ljmp); END(RETF, h_retf); END(RETFQ, h_retf);
	END(INT, h_int); END(INT3, h_int); END(INT1, h_int);
	END(SYSENTER, x86_op_ud); END(SYSEXIT, x86_op_ud);     /* not in CPUID */
	END(IRET, h_iret); END(IRETD, h_iret); END(IRETQ, h_iret);
	END(SYSCALL, h_syscall); END(SYSRET, h_sysret);
	/* system */
	ON(CLI, h_cli); END(STI, h_sti); ON(PUSHF, h_pushf); ON(PUSHFD, h_pushf);
	ON(PUSHFQ, h_pushf); END(POPF, h_popf); END(POPFD, h_popf); END(POPFQ, h_popf);
	END(HLT, h_hlt);
	END(LGDT, h_lgdt); END(LIDT, h_lidt); ON(SGDT, h_sgdt); ON(SIDT, h_sidt);
	ON(SMSW, h_smsw); END(LMSW, h_lmsw); ON(CLTS, h_clts);
	END(LTR, h_ltr); END(LLDT, h_lldt); ON(STR, h_str); ON(SLDT, h_sldt); ON(VERR, h_verr); ON(VERW, h_verw);
	END(INVLPG, h_invlpg); ON(WBINVD, h_wbinvd); ON(INVD, h_wbinvd);
	ON(SWAPGS, h_swapgs); ON(CPUID, h_cpuid);
	ON(RDPMC, h_rdpmc); ON(RDMSR, h_rdmsr); END(WRMSR, h_wrmsr); ON(RDTSC, h_rdtsc); ON(RDTSCP, h_rdtsc);
	END(VMCALL, h_vmcall); END(VMMCALL, h_vmcall);
	END(IN, h_in); END(OUT, h_out);
	END(INSB, h_ins); END(INSW, h_ins); END(INSD, h_ins);
	END(OUTSB, h_outs); END(OUTSW, h_outs); END(OUTSD, h_outs);
	/* x87/SSE state (x87 itself: h_x87 by opcode, decode.c) */
	ON(FXSAVE, h_fxsave); ON(FXSAVE64, h_fxsave); ON(FXRSTOR, h_fxrstor); ON(FXRSTOR64, h_fxrstor);
	ON(XSAVE, h_xsave); ON(XSAVE64, h_xsave); ON(XSAVEOPT, h_xsaveopt); ON(XSAVEOPT64, h_xsaveopt);
	ON(XRSTOR, h_xrstor); ON(XRSTOR64, h_xrstor); ON(XGETBV, h_xgetbv); ON(XSETBV, h_xsetbv);
	/* not in CPUID 0xD.1 (XSAVEC, XSAVES) */
	END(XSAVEC, x86_op_ud); END(XSAVEC64, x86_op_ud); END(XSAVES, x86_op_ud);
	END(XSAVES64, x86_op_ud); END(XRSTORS, x86_op_ud); END(XRSTORS64, x86_op_ud);
	END(UD2, x86_op_ud); END(UD0, x86_op_ud);
}

x86_handler x86_handler_for(unsigned id, int *flags)
{
	static bool built;

	if (!built) {
		build();
		built = true;
	}
	if (id >= X86_INS_ENDING || !table[id].fn)
		return NULL;
	*flags = table[id].flags;
	return table[id].fn;
}
