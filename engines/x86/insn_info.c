/* The instruction table (insn_table.h) as an array indexed by Capstone id,
 * built by the compiler: a lookup is one index. */
#include "engines/x86/insn_info.h"

#include "engines/x86/insn_table.h"
#include "engines/x86/ops_list.h"

#define X86_END_next 0
#define X86_END_end IF_BLOCK_END
#define X86_LOCK_LOCK true
#define X86_LOCK_NOLOCK false

#define ROW(id, h, e, c, p, s, l, f, b, fl) \
	[X86_INS_##id] = { .fn = h, .name = #id, .fn_name = #h, .end = X86_END_##e, \
			   .cls = X86_CL_##c, .priv = X86_PRIV_##p, .sens = X86_SENS_##s, \
			   .lock = X86_LOCK_##l, .feat = X86_FEAT_##f, .bt = X86_BT_##b, \
			   .flags = X86_FL_##fl },
static const struct x86_insn_info table[X86_INS_ENDING] = { X86_INSN_TABLE(ROW) };
#undef ROW

#define ID(id, ...) X86_INS_##id,
const uint16_t x86_insn_rows[] = { X86_INSN_TABLE(ID) };
#undef ID
const unsigned x86_insn_row_count = sizeof(x86_insn_rows) / sizeof(x86_insn_rows[0]);

const struct x86_insn_by_bytes x86_insn_by_bytes[] = {
	{ "h_x87", "x87", "D8-DF: every x87 form, by opcode and ModRM (decode.c, ops_x87.c)" },
	{ "h_movcr", "system", "MOV to/from a control or debug register (called by h_mov)" },
	{ "x86_sse_handler", "sse", "SSE/SSE2: by opcode and mandatory prefix (ops_sse.c)" },
};
const unsigned x86_insn_by_bytes_count = sizeof(x86_insn_by_bytes) / sizeof(x86_insn_by_bytes[0]);

const struct x86_insn_info *x86_insn_info(unsigned id)
{
	static const struct x86_insn_info none;

	return id < X86_INS_ENDING ? &table[id] : &none;
}

/* The flags a condition code tests: B/AE and BE/A read CF. */
static uint8_t cc_reads(unsigned cc)
{
	switch (cc & 0xe) {
	case 0x2: return X86_FLS_CF;
	case 0x6: return X86_FLS_CF | X86_FLS_OSZAP;
	default: return X86_FLS_OSZAP;
	}
}

void x86_flags_rw(const struct x86_inst *in, uint8_t *reads, uint8_t *kills)
{
	static const uint8_t r[] = { [X86_FL_NEUTRAL] = 0, [X86_FL_KILL] = 0, [X86_FL_READ] = X86_FLS_ALL,
				     [X86_FL_INCDEC] = 0, [X86_FL_CARRY] = X86_FLS_CF, [X86_FL_CC] = 0 };
	static const uint8_t k[] = { [X86_FL_NEUTRAL] = 0, [X86_FL_KILL] = X86_FLS_ALL, [X86_FL_READ] = 0,
				     [X86_FL_INCDEC] = X86_FLS_OSZAP, [X86_FL_CARRY] = X86_FLS_ALL,
				     [X86_FL_CC] = 0 };
	unsigned fl = x86_insn_info(in->id)->flags;

	*reads = fl == X86_FL_CC ? cc_reads(in->cc) : r[fl];
	*kills = k[fl];
}

x86_handler x86_handler_for(unsigned id, int *flags)
{
	const struct x86_insn_info *r = x86_insn_info(id);

	if (!r->fn)
		return NULL;
	*flags = r->end;
	return r->fn;
}
