/* Instructions cut by the page end.  A block holds one guest page's code
 * (translate.c), so an instruction that runs on into the next page has no
 * block and the interpreter runs it.  A hot loop through one (the Linux
 * decompressor has one: millions of times per boot) paid a failed
 * translation and two Capstone decodes each time round; here the failed
 * translation is remembered by the block's address, and the decoding by
 * the bytes it came from (compared each time: code that changed is
 * decoded again). */
#include <string.h>

#include "engines/bt/bt.h"

static struct bt_cut *slot(struct engine *e, uint64_t lin)
{
	return &e->cut[lin % BT_CUT_SLOTS];
}

bool bt_cut_known(struct engine *e, uint64_t lin, uint64_t pa, bool user)
{
	const struct bt_cut *c = slot(e, lin);

	return c->known && c->lin == lin && c->pa == pa && c->user == user;
}

void bt_cut_note(struct engine *e, uint64_t lin, uint64_t pa, bool user)
{
	struct bt_cut *c = slot(e, lin);

	/* Only a first instruction the page end can cut: any other failure
	 * (no arena after a flush) is tried again. */
	if ((pa & 0xfff) + 15 <= 0x1000)
		return;
	if (c->lin != lin)
		c->n = 0;               /* another instruction: its decoding goes */
	c->lin = lin;
	c->pa = pa;
	c->user = user;
	c->known = true;
}

void bt_cut_step(struct engine *e)
{
	struct x86_cpu *cpu = &e->cpu;
	struct bt_cut *c = slot(e, cpu->rip);
	uint8_t buf[15];
	unsigned n = x86_fetch(cpu, buf);       /* may raise #PF, as x86_step */

	e->c.steps++;
	if (c->n != n || c->lin != cpu->rip || c->mode != cpu->mode || memcmp(c->buf, buf, n)) {
		x86_decode(buf, n, cpu->mode, &c->in);
		c->lin = cpu->rip;
		c->mode = (uint8_t)cpu->mode;
		c->n = (uint8_t)n;
		memcpy(c->buf, buf, n);
	}
	struct x86_inst in = c->in;             /* the handler's own copy */
	cpu->cnt.insns++;                       /* counted if it faults, as x86_step */
	in.fn(cpu, &in);
}
