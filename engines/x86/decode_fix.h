/* Where Capstone 4 decodes wrongly, the raw bytes decide (decode_fix.c).
 * Each correction is checked against Zydis by tests/unit/test_x86_decode_oracle.c. */
#ifndef RINGBENCH_X86_DECODE_FIX_H
#define RINGBENCH_X86_DECODE_FIX_H

#include <stdbool.h>
#include <stdint.h>

#include "engines/x86/insn.h"

/* The prefixes as the CPU sees them. */
struct x86_pfx {
	uint8_t n;              /* bytes before the opcode: legacy prefixes and REX */
	uint8_t rex;            /* the REX right before the opcode (the only one that counts), or 0 */
	bool p66, p67, lock;
	uint8_t rep;            /* the last F2/F3, or 0 */
	int8_t seg;             /* the segment override that counts (S_*), or -1 */
	uint8_t op, op2, modrm; /* opcode byte and the two after it (0 past the end) */
};

/* p describes b[0..len) (the same p serves the functions below). */
void x86_scan_prefixes(const uint8_t *b, unsigned len, int mode, struct x86_pfx *p);

/* The bytes rewritten for Capstone into a form it decodes right, same
 * length and meaning; false when b is fine as it is (out untouched). */
bool x86_canon_for_capstone(const uint8_t *b, unsigned n, int mode, const struct x86_pfx *p,
			    uint8_t *out);

/* The hint-NOP space 0F 18-0F 1F (prefetch hints, NOP r/m, ENDBR64, and
 * reserved NOPs Capstone 4 refuses): decoded here as NOP with its length
 * (ModRM, SIB, displacement).  Returns the length, or 0 when b is not one. */
unsigned x86_decode_hint_nop(const uint8_t *b, unsigned n, int mode, const struct x86_pfx *p,
			     struct x86_inst *in);

/* Corrects what Capstone filled in *in from bytes b.  flags are the
 * dispatch flags (IF_BLOCK_END).  Returns false when the CPU raises #UD
 * for these bytes although Capstone decoded them. */
bool x86_fix_decode(const uint8_t *b, int mode, int flags, const struct x86_pfx *p,
		    struct x86_inst *in);

#endif
