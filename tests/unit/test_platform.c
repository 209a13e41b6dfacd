/* vm_assemble (engines/core/platform.c), the one composition root: the
 * devices an engine's irqchip declaration asks for, the load hook's entry
 * state reaching the engine, and each failure's status and message. */
#include <string.h>

#include "engines/core/platform.h"
#include "engines/core/status.h"
#include "engines/core/vm.h"
#include "tests/check.h"

static struct cpu_state seen;
static int created, probe_ok = 1;

static bool fake_probe(char *why, size_t len) { snprintf(why, len, probe_ok ? "note" : "not here"); return probe_ok; }
static struct engine *fake_create(struct vm *vm, char *err, size_t len)
{
	(void)vm; (void)err; (void)len;
	created++;
	return (struct engine *)&created;
}
static void fake_destroy(struct engine *e) { (void)e; created--; }
static int fake_set_state(struct engine *e, const struct cpu_state *s) { (void)e; seen = *s; return 0; }

static int load_ok(struct vm *vm, const void *ctx, struct cpu_state *entry, char *err, size_t len)
{
	(void)vm; (void)err; (void)len;
	entry->rip = *(const uint64_t *)ctx;
	return 0;
}
static int load_bad(struct vm *vm, const void *ctx, struct cpu_state *entry, char *err, size_t len)
{
	(void)vm; (void)ctx; (void)entry;
	snprintf(err, len, "k.elf: not a kernel");
	return -1;
}

int main(void)
{
	struct engine_ops core = { .name = "fake-core", .irqchip = ENGINE_IRQCHIP_CORE, .probe = fake_probe,
				   .create = fake_create, .destroy = fake_destroy, .set_state = fake_set_state };
	struct engine_ops kernel = core;
	uint64_t rip = 0x123456;
	char err[300];
	int status;

	kernel.name = "fake-kernel";
	kernel.irqchip = ENGINE_IRQCHIP_KERNEL;
	struct vm_spec spec = { .mem = 8u << 20, .ops = &core, .load = load_ok, .load_ctx = &rip };
	struct vm *vm = vm_assemble(&spec, &status, err, sizeof(err));
	CHECK(vm && status == 0 && !strcmp(err, "note") && vm->engine && vm->ops == &core,
	      "an engine is created and attached; err carries the probe's note (%s)", err);
	CHECK(vm && vm->lapic && vm->pic && vm->ioapic && vm->pit,
	      "ENGINE_IRQCHIP_CORE: the core's LAPIC, PICs, IOAPIC and PIT are there");
	CHECK(seen.rip == 0x123456, "the load hook's entry state is what the engine is given");
	vm_destroy(vm);
	CHECK(created == 0, "destroying the VM destroys the engine");

	spec.ops = &kernel;
	vm = vm_assemble(&spec, &status, err, sizeof(err));
	CHECK(vm && !vm->lapic && !vm->pic && !vm->ioapic && !vm->pit,
	      "ENGINE_IRQCHIP_KERNEL: none of the core's interrupt controllers (the engine brings its own)");
	CHECK(vm && bus_find(&vm->pio, 0x70) && bus_find(&vm->pio, 0x510) && bus_find(&vm->pio, 0x3f8),
	      "the devices every engine shares are there all the same (RTC, fw_cfg, UART)");
	vm_destroy(vm);

	spec.mem = 12345;
	CHECK(!vm_assemble(&spec, &status, err, sizeof(err)) && status == RB_STATUS_USAGE && strstr(err, "memory size"),
	      "a bad RAM size: status %d, %s", status, err);
	spec.mem = 8u << 20;
	spec.load = load_bad;
	CHECK(!vm_assemble(&spec, &status, err, sizeof(err)) && status == RB_STATUS_USAGE && !strcmp(err, "k.elf: not a kernel"),
	      "a load failure: status %d, the loader's message", status);
	spec.load = load_ok;
	probe_ok = 0;
	CHECK(!vm_assemble(&spec, &status, err, sizeof(err)) && status == RB_STATUS_NO_ENGINE &&
	      !strcmp(err, "engine fake-kernel unavailable: not here") && created == 0,
	      "an unavailable engine: status %d, %s", status, err);
	CHECK_EXIT();
}
