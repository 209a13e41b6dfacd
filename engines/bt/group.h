/* Memory groups: the memory operands [B + disp] of a span of one block
 * through up to BT_GROUP_BASES base registers B, each base's accesses
 * within 4 KiB, that one TLB probe per base serves (translate.c,
 * emit_group). */
#ifndef RINGBENCH_BT_GROUP_H
#define RINGBENCH_BT_GROUP_H

#include <stdbool.h>
#include <stdint.h>

#include "engines/bt/form.h"
#include "engines/x86/insn.h"

#define BT_GROUP_BASES 4

struct bt_group_base {
	int reg;                /* B */
	int g;                  /* host register holding host(B + min) over the span */
	int64_t min;            /* lowest displacement */
	unsigned size;          /* bytes from B + min to the end of the farthest access */
	unsigned count;         /* members */
	bool write;             /* a member writes (a write tag implies the read one) */
	bool low_g;             /* a member without REX names AH-BH: G among the low eight */
};

struct bt_group {
	unsigned start, end;    /* the span: instructions [start, end) */
	uint64_t members;       /* bit i: instruction i is a member */
	uint64_t inner;         /* bit i: a memory operand or LEA of its own inside the span */
	uint8_t base_of[64];    /* member i: its base's index in b[] */
	unsigned count;         /* members */
	unsigned nbase;
	struct bt_group_base b[BT_GROUP_BASES];
};

/* The span starting at instruction i of the n in in/f, if it has at
 * least two members through one base and a register free for each G. */
bool bt_find_group(const struct x86_inst *in, const struct bt_form *f, unsigned n, unsigned i,
		   struct bt_group *g);

#endif
