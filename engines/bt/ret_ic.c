/* The inline cache of a translated RET (emit_ret, translate.c): the
 * popped address is compared with an immediate; on a match a chain exit
 * jumps straight to the translation there (linked like any direct jump,
 * undone with it), else the jump cache is looked up.  A jump-cache miss
 * has the dispatcher run the RET; then the cache is trained here to the
 * address it returned to, so a RET to one call site chains from the next
 * time on. */
#include <stdint.h>
#include <string.h>

#include "engines/bt/bt.h"

void bt_ic_train(struct engine *e, struct bt_site *ind, uint64_t target)
{
	struct bt_site *c = ind->ic_chain;
	int32_t imm = (int32_t)target;

	/* The CMP sign-extends its imm32 (the LEA its negation): other
	 * addresses stay untrained. */
	if (!c || !ind->ic_imm || (uint64_t)(int64_t)imm != target || ind->block->dead ||
	    c->target == target || (ind->ic_neg && imm == INT32_MIN))
		return;
	bt_unlink_site(e, c);
	c->target = target;
	if (ind->ic_neg)
		imm = -imm;
	memcpy(ind->ic_imm, &imm, 4);
}
