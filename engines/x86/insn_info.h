/* What the code knows about each instruction, by Capstone id: the columns
 * of the one instruction table (insn_table.h), read by the interpreter's
 * decoder (handler, block end, LOCK), the CPUID-feature rule (features.c),
 * the translator (form.c, translate.c), lockstep and docs/instructions.md
 * (insn_doc.c). */
#ifndef RINGBENCH_X86_INSN_INFO_H
#define RINGBENCH_X86_INSN_INFO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "engines/x86/insn.h"

/* What kind of instruction (the docs' grouping). */
enum x86_class {
	X86_CL_NONE, X86_CL_ALU, X86_CL_DATA, X86_CL_FLAGS, X86_CL_STRING, X86_CL_BRANCH,
	X86_CL_HINT, X86_CL_SYSTEM, X86_CL_GATE, X86_CL_IO, X86_CL_STATE, X86_CL_SSE,
	X86_CL_OTHER,
};

/* Who may run it: any CPL; CPL 0 only (#GP(0) above); CPL <= IOPL (#GP(0)
 * above: there is no TSS I/O bitmap); CPL 0 only when a CR4 bit says so
 * (CR4.TSD for RDTSC, CR4.PCE clear for RDPMC). */
enum x86_priv { X86_PRIV_ANY, X86_PRIV_CPL0, X86_PRIV_IOPL, X86_PRIV_CR4 };

/* What a VMM must virtualize (DESIGN.md's classes): nothing; control-
 * sensitive (changes configuration the VMM owns); behaviour-sensitive
 * (the result depends on the mode or the real configuration); world (the
 * result comes from outside the vCPU: time, devices, MSR values a shadow
 * CPU cannot reproduce); a transfer that changes CS or privilege. */
enum x86_sens { X86_SENS_NO, X86_SENS_CTRL, X86_SENS_BEHAV, X86_SENS_WORLD, X86_SENS_XFER };

/* How bt translates it (engines/bt/README.md): a call to the handler;
 * copied or with its memory operand rewritten through the TLB probe;
 * native control flow or stack access; CLD/STD on cpu.rflags; dropped
 * (no effect); inline in emit_sys at any CPL; inline in CPL 0 blocks. */
enum x86_bt { X86_BT_HELPER, X86_BT_NATIVE, X86_BT_FLOW, X86_BT_DF, X86_BT_DROP,
	      X86_BT_INLINE, X86_BT_INLINE0 };

/* Its effect on the arithmetic flags, for the engines' liveness (x86_flags_rw): reads all
 * (or keeps some, or leaves some undefined: the safe default); none;
 * defines all; INC/DEC (keeps CF); ADC/SBB (reads CF, defines all); reads
 * the ones its condition code tests. */
enum x86_flags { X86_FL_READ, X86_FL_NEUTRAL, X86_FL_KILL, X86_FL_INCDEC, X86_FL_CARRY,
		 X86_FL_CC };

/* The CPUID feature an instruction needs (features.c turns it into a bit). */
enum x86_feat {
	X86_FEAT_NONE, X86_FEAT_SEP, X86_FEAT_FXSR, X86_FEAT_SSE, X86_FEAT_MONITOR,
	X86_FEAT_CX16, X86_FEAT_MOVBE, X86_FEAT_POPCNT, X86_FEAT_XSAVE, X86_FEAT_RDRAND,
	X86_FEAT_FSGSBASE, X86_FEAT_BMI1, X86_FEAT_INVPCID, X86_FEAT_RDSEED,
	X86_FEAT_CLFLUSHOPT, X86_FEAT_CLWB, X86_FEAT_LZCNT, X86_FEAT_COUNT,
};

struct x86_insn_info {
	x86_handler fn;         /* NULL: no handler (the feature rule, else unimplemented) */
	const char *name;       /* the Capstone id's name, e.g. "ADD"; NULL: no row */
	const char *fn_name;
	uint8_t end;            /* IF_BLOCK_END or 0 */
	uint8_t cls, priv, sens, feat, bt, flags;
	bool lock;              /* LOCK allowed (with a memory destination), else #UD */
};

/* The row for a Capstone id: an array index; ids without a row give an
 * all-zero entry (name NULL, no handler, X86_FL_READ). */
const struct x86_insn_info *x86_insn_info(unsigned id);
/* in's arithmetic flags (X86_FLS_*) from its row's flags column: those it
 * reads (or may keep), and those it defines whatever they were; for a
 * condition code, the flags it tests.  For both engines' liveness. */
void x86_flags_rw(const struct x86_inst *in, uint8_t *reads, uint8_t *kills);
/* The table's rows in their order (ids), for the docs and the tests. */
extern const uint16_t x86_insn_rows[];
extern const unsigned x86_insn_row_count;

/* Handlers chosen by the bytes rather than by Capstone id. */
struct x86_insn_by_bytes {
	const char *fn_name, *cls, *what;
};
extern const struct x86_insn_by_bytes x86_insn_by_bytes[];
extern const unsigned x86_insn_by_bytes_count;

/* Column values as the docs write them. */
const char *x86_class_name(unsigned cls);
const char *x86_priv_name(unsigned priv);
const char *x86_sens_name(unsigned sens);
const char *x86_bt_name(unsigned bt);
const char *x86_flags_name(unsigned flags);
const char *x86_feat_name(unsigned feat);

/* docs/instructions.md: the table as Markdown. */
void x86_insn_table_markdown(FILE *out);

#endif
