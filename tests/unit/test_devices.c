/* The VM core's buses and standard devices, driven through the one exit
 * dispatcher as an engine would drive them. */
#include <string.h>

#include "engines/core/console.h"
#include "engines/core/devices.h"
#include "engines/core/status.h"
#include "tests/check.h"
#include "tests/unit/platform_io.h"

static int bus_dummy_calls;
static void bus_dummy(void *dev, uint64_t off, uint8_t *data, unsigned size, bool w)
{
	(void)dev; (void)off; (void)data; (void)size; (void)w;
	bus_dummy_calls++;
}

static void test_bus(void)
{
	struct bus b = { .name = "test" };
	uint8_t d[4];

	CHECK(bus_register(&b, 0x100, 0x10, bus_dummy, NULL, "a") == 0, "register a range");
	CHECK(bus_register(&b, 0x10f, 2, bus_dummy, NULL, "b") < 0, "overlapping range refused");
	CHECK(bus_register(&b, 0x80, 0x80, bus_dummy, NULL, "c") == 0, "adjacent range below accepted");
	CHECK(bus_register(&b, 0, 0, bus_dummy, NULL, "d") < 0, "empty range refused");
	CHECK(bus_find(&b, 0x10f) && !strcmp(bus_find(&b, 0x10f)->name, "a") && !bus_find(&b, 0x110),
	      "lookup finds the last byte of a range and not past it");
	CHECK(bus_access(&b, 0x7f, d, 4, false) == false && !memcmp(d, "\xff\xff\xff\xff", 4) &&
	      b.unclaimed_reads == 1, "unclaimed read is all ones, counted");
	bus_access(&b, 0x105, d, 1, true);
	CHECK(bus_dummy_calls == 1, "claimed access reaches the handler");
	bus_free(&b);
}

/* The engine's code-cache hook, recorded. */
static uint64_t written[8][2];
static unsigned written_n;
static void note_written(void *ctx, uint64_t gpa, unsigned len)
{
	(void)ctx;
	if (written_n < 8) {
		written[written_n][0] = gpa;
		written[written_n][1] = len;
	}
	written_n++;
}

int main(void)
{
	struct console con;
	char err[256];
	struct vm *vm;

	test_bus();
	console_init(&con, NULL, 1);
	vm = vm_create(4 << 20, &con, err, sizeof(err));
	CHECK(vm != NULL, "vm_create (%s)", vm ? "ok" : err);
	if (!vm)
		CHECK_EXIT();

	const char *msg = "hi\r\nthere";
	for (const char *p = msg; *p; p++)
		pio(vm, 0x3f8, 1, 1, (uint8_t)*p);
	console_flush(&con);
	CHECK(con.capture && !strcmp(con.capture, "hi\nthere"), "UART THR writes reach the console");
	CHECK((pio(vm, 0x3fd, 1, 0, 0) & 0x60) == 0x60, "UART LSR says transmitter empty");
	pio(vm, 0x3ff, 1, 1, 0x5a);
	CHECK(pio(vm, 0x3ff, 1, 0, 0) == 0x5a, "UART scratch register reads back");
	pio(vm, 0x3fb, 1, 1, 0x80);       /* DLAB: divisor latch, not THR */
	pio(vm, 0x3f8, 1, 1, 'X');
	pio(vm, 0x3fb, 1, 1, 0x03);
	CHECK(!strchr(con.capture, 'X') && pio(vm, 0x3fa, 1, 0, 0) == 1, "divisor writes are not output; IIR: no interrupt");

	CHECK(pio(vm, 0x2f0, 1, 0, 0) == 0xff && pio(vm, 0x2f0, 2, 0, 0) == 0xffff, "unclaimed port reads all ones");
	pio(vm, 0x2f0, 1, 1, 0);
	CHECK(vm->pio.unclaimed_reads == 2 && vm->pio.unclaimed_writes == 1, "unclaimed port accesses counted");
	CHECK(mmio32(vm, 0xd0000000, 0, 0) == 0xffffffff && vm->mmio.unclaimed_reads == 1, "unclaimed MMIO reads all ones, counted");

	pio(vm, 0x60c, 4, 1, 0);
	pio(vm, 0x60c, 4, 0, 0);
	mmio32(vm, RB_NULL_PAGE + 8, 1, 7);
	CHECK(mmio32(vm, RB_NULL_PAGE, 0, 0) == 0, "null page reads 0");
	pio(vm, 0x610, 4, 1, RB_CNT_NULL_PORT);
	CHECK(pio(vm, 0x614, 4, 0, 0) == 2, "null-port accesses counted");
	pio(vm, 0x610, 4, 1, RB_CNT_NULL_PAGE);
	CHECK(pio(vm, 0x614, 4, 0, 0) == 2, "null-page accesses counted");

	/* Doorbell: a null call, a PTE batch, and a bad number. */
	uint64_t *h = vm_gpa(vm, 0x2000, 48), *pairs = vm_gpa(vm, 0x3000, 32);
	h[0] = RB_HC_NULL; h[5] = 99;
	pio(vm, 0x608, 4, 1, 0x2000);
	CHECK(h[5] == 0, "doorbell null call returns 0");
	pairs[0] = 0x4008; pairs[1] = 0xabc003; pairs[2] = 0x4010; pairs[3] = 0xdef003;
	h[0] = RB_HC_PTE_BATCH; h[1] = 0x3000; h[2] = 2;
	pio(vm, 0x608, 4, 1, 0x2000);
	CHECK(h[5] == 0 && *(uint64_t *)vm_gpa(vm, 0x4008, 8) == 0xabc003 &&
	      *(uint64_t *)vm_gpa(vm, 0x4010, 8) == 0xdef003, "doorbell PTE batch writes both entries");
	h[2] = 1; pairs[0] = 1ull << 40;
	pio(vm, 0x608, 4, 1, 0x2000);
	CHECK(h[5] == (uint64_t)-1, "PTE batch outside RAM refused");
	pio(vm, 0x610, 4, 1, RB_CNT_DOORBELL);
	CHECK(pio(vm, 0x614, 4, 0, 0) == 3, "doorbell calls counted");

	/* A guest-chosen misaligned list: copied out, no misaligned load
	 * (UBSan would end this test here); every write reaches the code
	 * cache hook (issue 11, items 5 and 9). */
	uint8_t *list = vm_gpa(vm, 0x3001, 16);
	uint64_t pte = 0x5000, val = 0x1234567;
	memcpy(list, &pte, 8);
	memcpy(list + 8, &val, 8);
	h[0] = RB_HC_PTE_BATCH; h[1] = 0x3001; h[2] = 1; h[5] = 99;
	written_n = 0;
	vm->code_written = note_written;
	vm->code_written_ctx = vm;
	pio(vm, 0x608, 4, 1, 0x2000);
	vm->code_written = NULL;
	CHECK(h[5] == 0 && *(uint64_t *)vm_gpa(vm, 0x5000, 8) == 0x1234567,
	      "PTE batch from a misaligned list applied");
	CHECK(written_n == 2 && written[0][0] == 0x5000 && written[0][1] == 8 &&
	      written[1][0] == 0x2000 + 40 && written[1][1] == 8,
	      "the PTE write and the return value both go through the code-write hook (%u)", written_n);

	struct vm_exit hc = { .reason = VM_EXIT_HYPERCALL };
	hc.hypercall.nr = RB_KVM_HC_VAPIC_POLL_IRQ;
	vm_dispatch_exit(vm, &hc);
	uint64_t ret_null = hc.hypercall.ret;
	hc.hypercall.nr = 12345;
	vm_dispatch_exit(vm, &hc);
	CHECK(ret_null == 0 && hc.hypercall.ret == RB_KVM_ENOSYS_RET && vm->rb_counters[RB_CNT_VMCALL] == 1,
	      "VMCALL null call returns 0, unknown -1000");

	uint32_t cpu[4];
	CHECK(vm_hypervisor_cpuid(0x40000000, "kvm", cpu) && !memcmp(&cpu[1], "RingBenchVMM", 12) &&
	      cpu[0] == 0x40000001, "CPUID 0x40000000 names ringbench");

	/* fw_cfg (QEMU's port interface): select with a 16-bit write to
	 * 0x510, read bytes from 0x511. */
	pio(vm, 0x510, 2, 1, 0x0000);
	char sig[5] = { 0 };
	for (int i = 0; i < 4; i++)
		sig[i] = (char)pio(vm, 0x511, 1, 0, 0);
	CHECK(!strcmp(sig, "QEMU") && pio(vm, 0x511, 1, 0, 0) == 0, "fw_cfg signature reads QEMU, then 0");
	pio(vm, 0x510, 2, 1, 0x0001);
	CHECK(pio(vm, 0x511, 1, 0, 0) == 1, "fw_cfg ID: the traditional interface, no DMA");
	pio(vm, 0x510, 2, 1, 0x0005);
	uint32_t ncpu = pio(vm, 0x511, 1, 0, 0) | pio(vm, 0x511, 1, 0, 0) << 8;
	CHECK(ncpu == 1, "fw_cfg CPU count is 1 (%u)", ncpu);
	pio(vm, 0x510, 2, 1, 0x0003);
	uint64_t ram = 0;
	for (int i = 0; i < 8; i++)
		ram |= (uint64_t)pio(vm, 0x511, 1, 0, 0) << (8 * i);
	CHECK(ram == 4u << 20, "fw_cfg RAM size is the VM's (%#llx)", (unsigned long long)ram);
	/* A REP INSB of the signature: one exit, four elements. */
	{
		struct vm_exit x = { .reason = VM_EXIT_IO };
		uint8_t d[4] = { 0 };
		pio(vm, 0x510, 2, 1, 0x0000);
		x.io.port = 0x511;
		x.io.size = 1;
		x.io.count = 4;
		x.io.data = d;
		vm_dispatch_exit(vm, &x);
		CHECK(!memcmp(d, "QEMU", 4), "fw_cfg signature by REP INSB");
	}
	pio(vm, 0x510, 2, 1, 0x1234);
	CHECK(pio(vm, 0x511, 1, 0, 0) == 0, "an unknown fw_cfg item reads 0");

	CHECK(!vm->finished, "VM still running before debug-exit");
	pio(vm, 0xf4, 4, 1, 0x21);
	CHECK(vm->finished && vm->exit_status == 0x43, "debug-exit 0x21 gives status 0x43");
	vm_destroy(vm);

	vm = vm_create(4 << 20, NULL, err, sizeof(err));
	struct vm_exit hlt = { .reason = VM_EXIT_HLT };
	vm_dispatch_exit(vm, &hlt);
	CHECK(vm->finished && vm->exit_status == RB_STATUS_HALTED, "HLT with nothing to wake it ends the VM");
	vm_destroy(vm);
	CHECK(vm_create(1 << 20, NULL, err, sizeof(err)) == NULL && strstr(err, "outside"), "absurd RAM size refused: %s", err);
	console_free(&con);
	CHECK_EXIT();
}
