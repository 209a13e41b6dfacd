/* The full guest kernel under interp: it boots, every benchmark it
 * begins reports an end line, the run finishes with the RB1 done line and
 * the debug-exit port, and no self-check fails.  Skipped when
 * build/guests/kernel.elf has not been built. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engines/core/console.h"
#include "engines/core/loader.h"
#include "engines/core/platform.h"
#include "engines/core/vm.h"
#include "tests/check.h"

#define KERNEL "build/guests/kernel.elf"

extern const struct engine_ops interp_engine_ops;

static int count(const char *text, const char *needle)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

int main(void)
{
	char err[256];
	struct console con;
	int status;

	if (access(KERNEL, R_OK) != 0) {
		SKIP("%s not built (make guest)", KERNEL);
		return 0;
	}
	console_init(&con, NULL, 1);
	/* Assembled as `ringbench run` does it: the one composition root. */
	struct mb_spec boot = { KERNEL, "", NULL, 0 };
	struct vm_spec spec = { .mem = 64u << 20, .console = &con, .ops = &interp_engine_ops,
				.load = loader_multiboot, .load_ctx = &boot };
	struct vm *vm = vm_assemble(&spec, &status, err, sizeof(err));
	if (!vm) {
		CHECK(0, "assemble the VM with %s: %s", KERNEL, err);
		CHECK_EXIT();
	}
	CHECK(vm->lapic && vm->pic && vm->ioapic && vm->pit,
	      "interp declares ENGINE_IRQCHIP_CORE: the VM has the core's LAPIC, PICs, IOAPIC and PIT");
	status = vm_run(vm, 120);
	console_flush(&con);
	const char *out = con.capture ? con.capture : "";

	CHECK(strstr(out, "RB1 hello") != NULL, "the guest kernel boots under interp and says hello");
	const char *done = strstr(out, "RB1 done");
	CHECK(done != NULL && (status & 1), "it finishes with the done line and the debug-exit port (%d: %s)",
	      status, vm->finish_reason);
	int begins = count(out, "RB1 begin"), ends = count(out, "RB1 end");
	CHECK(begins > 30 && begins == ends, "every benchmark begun reports its end (%d begun, %d ended)",
	      begins, ends);
	int failed = 0;
	char names[512] = "";
	for (const char *p = out; (p = strstr(p, "RB1 end ")); p++) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		char line[512];
		snprintf(line, sizeof(line), "%.*s", (int)len, p);
		if (strstr(line, "status=ok") || strstr(line, "status=unsupported"))
			continue;
		failed++;
		size_t k = strlen(names);
		if (k + len + 4 < sizeof(names))
			snprintf(names + k, sizeof(names) - k, " [%.*s]", (int)len, p);
	}
	CHECK(failed == 0, "every benchmark passes its self-check (%d failed:%s)", failed, names);
	vm_destroy(vm);
	console_free(&con);
	CHECK_EXIT();
}
