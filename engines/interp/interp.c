/* The interpreter engine behind engines/engine.h: every guest
 * instruction decoded once (Capstone) into the decode cache and executed
 * by the shared x86 semantics layer (engines/x86). */
#include <capstone/capstone.h>
#include <stdio.h>
#include <stdlib.h>

#include "engines/core/platform.h"
#include "engines/core/vm.h"
#include "engines/interp/interp.h"

static bool interp_probe(char *why, size_t len)
{
	int major, minor;

	cs_version(&major, &minor);
	snprintf(why, len, "software interpreter (Capstone %d.%d)", major, minor);
	return true;
}

static void on_code_write(void *ctx, uint64_t pa, unsigned size)
{
	struct engine *e = ctx;

	bc_invalidate(&e->bc, &e->cpu, pa, size);
}

/* A VMM-side write to guest RAM (engines/core/vm.c vm_write). */
static void on_vm_write(void *ctx, uint64_t gpa, unsigned len)
{
	struct engine *e = ctx;

	bc_invalidate(&e->bc, &e->cpu, gpa, len);
}

static struct engine *interp_create(struct vm *vm, char *err, size_t len)
{
	struct engine *e = calloc(1, sizeof(*e));

	if (!e) {
		snprintf(err, len, "out of memory");
		return NULL;
	}
	e->vm = vm;
	x86_cpu_init(&e->cpu, vm, "interp");
	/* Declared ENGINE_IRQCHIP_CORE: vm_assemble() added the core's
	 * interrupt controllers; a VM built piecemeal (unit tests) gets
	 * them here. */
	if (!vm->lapic && platform_add_irqchip(vm) < 0) {
		snprintf(err, len, "cannot create the interrupt controllers");
		free(e);
		return NULL;
	}
	e->cpu.code_pages = calloc((vm->ram_size >> 12) + 1, 1);
	if (!e->cpu.code_pages || bc_init(&e->bc, vm->ram_size) < 0) {
		snprintf(err, len, "out of memory for the decode cache");
		free(e->cpu.code_pages);
		bc_free(&e->bc);
		free(e);
		return NULL;
	}
	e->cpu.code_write = on_code_write;
	e->cpu.code_ctx = e;
	vm->code_written = on_vm_write;
	vm->code_written_ctx = e;
	x86_exits_init(&e->ex);
	e->poll = 1;
	return e;
}

static void interp_destroy(struct engine *e)
{
	if (!e)
		return;
	if (e->vm->code_written_ctx == e)
		e->vm->code_written = NULL;
	bc_free(&e->bc);
	free(e->cpu.code_pages);
	free(e);
}

static int interp_get_state(struct engine *e, struct cpu_state *s)
{
	x86_get_state(&e->cpu, s);
	return 0;
}

static int interp_set_state(struct engine *e, const struct cpu_state *s)
{
	x86_set_state(&e->cpu, s);
	return 0;
}

static void interp_stats(struct engine *e, struct engine_stats *s)
{
	x86_stats(&e->cpu, s);
	s->emulated_insns = e->cpu.cnt.insns;     /* every one */
}

static size_t interp_counters(struct engine *e, struct engine_counter *out, size_t max)
{
	size_t n = 0;

	x86_counters_head(&e->cpu, out, max, &n);
	engine_counter_put(out, max, &n, "decode.misses", e->bc.misses);
	engine_counter_put(out, max, &n, "decode.insns", e->bc.insns_decoded);
	engine_counter_put(out, max, &n, "decode.invalidations", e->bc.invalidations);
	engine_counter_put(out, max, &n, "decode.flushes", e->bc.flushes);
	engine_counter_put(out, max, &n, "decode.uncached", e->uncached_steps);
	engine_counter_put(out, max, &n, "decode.links", e->links);
	return n;
}

const struct engine_ops interp_engine_ops = {
	.name = "interp",
	.summary = "interpreter: Capstone decode cache + shared x86 semantics, software LAPIC",
	.probe = interp_probe,
	.create = interp_create,
	.destroy = interp_destroy,
	.get_state = interp_get_state,
	.set_state = interp_set_state,
	.run = interp_run,
	.kick = NULL,
	.stats = interp_stats,
	.counters = interp_counters,
};
