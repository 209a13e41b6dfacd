/* Memory groups: several memory operands [B + disp] of one block through
 * the same base register B, all within 4 KiB, that one TLB probe serves
 * (translate.c, emit_group). */
#ifndef RINGBENCH_BT_GROUP_H
#define RINGBENCH_BT_GROUP_H

#include <stdbool.h>
#include <stdint.h>

#include "engines/bt/form.h"
#include "engines/x86/insn.h"

struct bt_group {
	unsigned start, end;    /* the span: instructions [start, end) */
	uint64_t members;       /* bit i: instruction i is a member */
	unsigned count;         /* members */
	int base;               /* B */
	int g;                  /* host register for host(B + min) over the span */
	int64_t min;            /* lowest displacement */
	unsigned size;          /* bytes from B + min to the end of the farthest access */
	bool write;             /* a member writes (a write tag implies the read one) */
};

/* The group starting at instruction i of the n in in/f, if there is one
 * of at least two members with a register free for G over its span. */
bool bt_find_group(const struct x86_inst *in, const struct bt_form *f, unsigned n, unsigned i,
		   struct bt_group *g);

#endif
