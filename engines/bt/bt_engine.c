/* The binary-translation engine behind engines/engine.h: guest code
 * translated block by block into host code (translate.c), privileged and
 * sensitive instructions run by the shared x86 semantics (engines/x86)
 * through bt_helper(), devices and exits through the VM core. */

#include <capstone/capstone.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "engines/bt/bt.h"
#include "engines/core/platform.h"
#include "engines/core/vm.h"


static bool bt_probe(char *why, size_t len)
{
	int major, minor;

	cs_version(&major, &minor);
	snprintf(why, len, "binary translator: x86-64 guest code to host code, Capstone %d.%d", major, minor);
	return true;
}

static void on_code_write(void *ctx, uint64_t pa, unsigned size)
{
	bt_invalidate(ctx, pa, size);
}

/* A VMM-side write to guest RAM (engines/core/vm.c vm_write). */
static void on_vm_write(void *ctx, uint64_t gpa, unsigned len)
{
	bt_invalidate(ctx, gpa, len);
}

static void bt_destroy(struct engine *e)
{
	if (!e)
		return;
	if (e->vm->code_written_ctx == e)
		e->vm->code_written = NULL;
	bt_lockstep_free(e);
	if (e->have_tick)
		timer_delete(e->tick);
	bt_tick_forget(e);
	bt_cache_free(e);
	free(e->cpu.code_pages);
	munmap(e, e->map_size);
}

static struct engine *bt_create(struct vm *vm, char *err, size_t len)
{
	size_t size = (sizeof(struct engine) + 4095) & ~(size_t)4095;
	/* Below 2 GiB: translated code addresses the CPU state, the TLB and
	 * the jump cache with absolute 32-bit displacements. */
	struct engine *e = mmap(NULL, size, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);

	if (e == MAP_FAILED) {
		snprintf(err, len, "cannot map the engine state below 2 GiB");
		return NULL;
	}
	e->map_size = size;
	e->vm = vm;
	e->ctx.flagfree = __builtin_cpu_supports("bmi2");
	e->mem_groups = true;
	e->hoist_loops = true;
	e->count_reg = true;
	e->ctx.host_mxcsr = __builtin_ia32_stmxcsr();
	e->ctx.mask_index = (uint64_t)(TLB_SIZE - 1) << 12;
	e->ctx.mask_page = ~0xfffull;
	e->ctx.mask_jc = BT_JC_SIZE - 1;
	for (unsigned b = 0; b < 256; b++) {
		e->if_clear[b] = (uint8_t)(b & ~(F_IF >> 8));
		e->if_only[b] = (uint8_t)(b & (F_IF >> 8));
		e->tsd_only[b] = (uint8_t)(b & 4);     /* CR4.TSD */
		e->hi_nibble[b] = (uint8_t)(b >> 4);
		e->cpuid[b].nleaf = (uint32_t)-(int32_t)(b + 1);   /* leaf b+1, subleaf 0: not slot b */
	}
	e->ctx.irq_hint = 1;
	x86_cpu_init(&e->cpu, vm, "bt");
	/* Declared ENGINE_IRQCHIP_CORE: vm_assemble() added the core's
	 * interrupt controllers; a VM built piecemeal (unit tests) gets
	 * them here. */
	if (!vm->lapic && platform_add_irqchip(vm) < 0) {
		snprintf(err, len, "cannot create the interrupt controllers");
		munmap(e, size);
		return NULL;
	}
	e->cpu.code_pages = calloc((vm->ram_size >> 12) + 1, 1);
	e->cpu.code_write = on_code_write;
	e->cpu.code_ctx = e;
	vm->code_written = on_vm_write;
	vm->code_written_ctx = e;
	x86_exits_init(&e->ex);
	e->poll = 1;
	if (!e->cpu.code_pages || bt_cache_init(e) < 0) {
		snprintf(err, len, "cannot set up the translation cache");
		bt_destroy(e);
		return NULL;
	}
	if (bt_tick_init(e) < 0) {
		snprintf(err, len, "cannot create the interrupt timer");
		bt_destroy(e);
		return NULL;
	}
	return e;
}

static int bt_get_state(struct engine *e, struct cpu_state *s)
{
	x86_get_state(&e->cpu, s);
	return 0;
}

static int bt_set_state(struct engine *e, const struct cpu_state *s)
{
	x86_set_state(&e->cpu, s);
	return 0;
}

static void bt_kick(struct engine *e)
{
	e->ctx.exit_req = 1;
}

static void bt_stats(struct engine *e, struct engine_stats *s)
{
	x86_stats(&e->cpu, s);
	s->helper_calls = e->c.helpers;
	/* The interpreter's semantics ran these: helper calls (one guest
	 * instruction each; fallbacks are among them) and steps outside
	 * translated code. */
	s->emulated_insns = e->c.helpers + e->c.steps;
}

static size_t bt_counters(struct engine *e, struct engine_counter *out, size_t max)
{
	const struct bt_counters *t = &e->c;
	size_t n = 0;
	char name[48];
	csh cs;

	x86_counters_head(&e->cpu, out, max, &n);
	engine_counter_put(out, max, &n, "bt.blocks", t->blocks);
	engine_counter_put(out, max, &n, "bt.insns_translated", t->insns_translated);
	engine_counter_put(out, max, &n, "bt.host_bytes", t->host_bytes);
	engine_counter_put(out, max, &n, "bt.cache_hits", t->hits);
	engine_counter_put(out, max, &n, "bt.entries", t->entries);
	engine_counter_put(out, max, &n, "bt.chain_patches", t->chain_patches);
	engine_counter_put(out, max, &n, "bt.unlinks", t->unlinks);
	engine_counter_put(out, max, &n, "bt.jc_misses", t->jc_misses);
	engine_counter_put(out, max, &n, "bt.invalidations", t->invalidations);
	engine_counter_put(out, max, &n, "bt.flushes", t->flushes);
	engine_counter_put(out, max, &n, "bt.helper_jumps", t->helper_jumps);
	engine_counter_put(out, max, &n, "bt.faults_in_place", t->faults_in_place);
	engine_counter_put(out, max, &n, "bt.irqs_in_place", t->irqs_in_place);
	engine_counter_put(out, max, &n, "bt.sse_native", t->sse_native);
	engine_counter_put(out, max, &n, "bt.tlb_fills", t->fills);
	engine_counter_put(out, max, &n, "bt.tlb_slow", t->slow);
	engine_counter_put(out, max, &n, "bt.mmio_sites", t->mmio_sites);
	engine_counter_put(out, max, &n, "bt.mmio_in_place", t->mmio_in_place);
	engine_counter_put(out, max, &n, "bt.pio_in_place", t->pio_in_place);
	engine_counter_put(out, max, &n, "bt.hc_in_place", t->hc_in_place);
	engine_counter_put(out, max, &n, "bt.tlb_ops", t->tlb_ops);
	engine_counter_put(out, max, &n, "bt.walks_reused", t->walks_reused);
	engine_counter_put(out, max, &n, "bt.mem_groups", t->mem_groups);
	engine_counter_put(out, max, &n, "bt.group_members", t->group_members);
	engine_counter_put(out, max, &n, "bt.loops_hoisted", t->loops_hoisted);
	engine_counter_put(out, max, &n, "bt.calls_traced", t->calls_traced);
	engine_counter_put(out, max, &n, "bt.fallbacks", t->fallbacks);
	engine_counter_put(out, max, &n, "bt.interp_steps", t->steps);
	engine_counter_put(out, max, &n, "bt.polls", t->polls);
	if (e->ls) {
		engine_counter_put(out, max, &n, "lockstep.blocks", t->lockstep_blocks);
		engine_counter_put(out, max, &n, "lockstep.unchecked", t->lockstep_unchecked);
	}
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) == CS_ERR_OK) {
		for (unsigned id = 0; id < X86_INS_ENDING; id++) {
			if (!e->helper_by_id[id])
				continue;
			const char *m = id ? cs_insn_name(cs, id) : NULL;
			snprintf(name, sizeof(name), "helper.%s", m ? m : "invalid");
			engine_counter_put(out, max, &n, name, e->helper_by_id[id]);
		}
		cs_close(&cs);
	}
	return n;
}

static int bt_option(struct engine *e, const char *name, const char *value, char *err, size_t len)
{
	if (!strcmp(name, "lockstep"))
		return bt_lockstep_init(e, err, len);
	if (!strcmp(name, "show-translation")) {
		char *end;
		unsigned long long a = strtoull(value ? value : "", &end, 16);
		if (!value || !*value || *end) {
			snprintf(err, len, "--show-translation wants a hexadecimal guest address, not '%s'",
				 value ? value : "");
			return -1;
		}
		e->show_addr = a;
		e->show_pending = true;
		return 0;
	}
	if (!strcmp(name, "cache-kb")) {
		/* A smaller code cache, to exercise flush-when-full. */
		char *end;
		unsigned long kb = strtoul(value ? value : "", &end, 10);
		size_t size = (size_t)kb << 10;
		if (!value || !*value || *end || size < e->stubs_end + 2 * BT_BLOCK_ROOM || size > BT_CODE_SIZE) {
			snprintf(err, len, "cache-kb wants a size in KiB between %zu and %u",
				 (e->stubs_end + 2 * BT_BLOCK_ROOM) >> 10, BT_CODE_SIZE >> 10);
			return -1;
		}
		bt_flush(e);
		e->code_size = size;
		return 0;
	}
	if (!strcmp(name, "flagfree-probe")) {
		/* 0: the probe that saves the flags, also where the host has BMI2. */
		if (!value || (strcmp(value, "0") && strcmp(value, "1"))) {
			snprintf(err, len, "flagfree-probe wants 0 or 1, not '%s'", value ? value : "");
			return -1;
		}
		if (*value == '1' && !__builtin_cpu_supports("bmi2")) {
			snprintf(err, len, "flagfree-probe needs BMI2, which this host lacks");
			return -1;
		}
		bt_flush(e);
		e->ctx.flagfree = *value == '1';
		return 0;
	}
	/* Translation switches for tests and A/B measurements, 0 or 1: a
	 * probe per memory operand (mem-groups 0); loop blocks that spill and
	 * reload around each instruction too (hoist 0); loop blocks that
	 * count their instructions in the count slot, not a register
	 * (count-reg 0). */
	bool *sw = !strcmp(name, "mem-groups") ? &e->mem_groups : !strcmp(name, "hoist") ? &e->hoist_loops :
		   !strcmp(name, "count-reg") ? &e->count_reg : NULL;
	if (sw) {
		if (!value || (strcmp(value, "0") && strcmp(value, "1"))) {
			snprintf(err, len, "%s wants 0 or 1, not '%s'", name, value ? value : "");
			return -1;
		}
		bt_flush(e);
		*sw = *value == '1';
		return 0;
	}
	snprintf(err, len, "engine bt has no option '%s'", name);
	return -1;
}

const struct engine_ops bt_engine_ops = {
	.name = "bt",
	.summary = "binary translator: guest blocks to host code, inline software TLB, chained blocks",
	.probe = bt_probe,
	.create = bt_create,
	.destroy = bt_destroy,
	.get_state = bt_get_state,
	.set_state = bt_set_state,
	.run = bt_run,
	.kick = bt_kick,
	.stats = bt_stats,
	.counters = bt_counters,
	.option = bt_option,
};
