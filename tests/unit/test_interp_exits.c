/* The interp engine's side of the exit contract (engines/engine.h),
 * driven without the VM core's loop: a hypercall's ret and an IN's data,
 * filled into the exit between two run() calls, reach the guest; an OUT
 * carries its data, REP OUTS many at once; HLT with nothing to wake the
 * guest leaves as HLT. */
#include <string.h>

#include "engines/core/vm.h"
#include "tests/check.h"

extern const struct engine_ops interp_engine_ops;

int main(void)
{
	static const uint8_t code[] = {
		0xb8, 0x34, 0x12, 0x00, 0x00,   /* mov eax, 0x1234 */
		0xbb, 0x07, 0x00, 0x00, 0x00,   /* mov ebx, 7 */
		0x0f, 0x01, 0xd9,               /* vmmcall */
		0x89, 0xc6,                     /* mov esi, eax */
		0x66, 0xba, 0x60, 0x00,         /* mov dx, 0x60: no device (else in place) */
		0xed,                           /* in eax, dx */
		0x89, 0xc7,                     /* mov edi, eax */
		0x66, 0xba, 0xf4, 0x00,         /* mov dx, 0xf4 */
		0xef,                           /* out dx, eax */
		0xf4,                           /* hlt */
	};
	char err[200];
	struct cpu_state s;
	struct vm_exit x;
	struct vm *vm = vm_create(4u << 20, NULL, err, sizeof(err));
	const struct engine_ops *ops = &interp_engine_ops;
	struct engine *e;

	if (!vm)
		return 1;
	memcpy(vm->ram + 0x100000, code, sizeof(code));
	e = ops->create(vm, err, sizeof(err));
	vm_multiboot_entry_state(&s, 0x100000, 0x8000);
	ops->set_state(e, &s);

	memset(&x, 0, sizeof(x));
	ops->run(e, &x);
	CHECK(x.reason == VM_EXIT_HYPERCALL && x.hypercall.nr == 0x1234 && x.hypercall.args[0] == 7,
	      "VMMCALL exits with nr = RAX and args from RBX.. (nr %#llx)", (unsigned long long)x.hypercall.nr);
	x.hypercall.ret = 99;
	ops->run(e, &x);
	CHECK(x.reason == VM_EXIT_IO && !x.io.is_write && x.io.port == 0x60 && x.io.size == 4 &&
	      x.io.count == 1 && x.io.data, "IN of a port no device claims exits as an IO read of it, 4 bytes");
	uint32_t v = 0xdeadbeef;
	memcpy(x.io.data, &v, 4);
	ops->run(e, &x);
	uint32_t out = 0;
	if (x.reason == VM_EXIT_IO)
		memcpy(&out, x.io.data, 4);
	CHECK(x.reason == VM_EXIT_IO && x.io.is_write && x.io.port == 0xf4 && out == 0xdeadbeef,
	      "OUT exits as an IO write carrying the value the IN read (%#x)", out);
	ops->run(e, &x);
	CHECK(x.reason == VM_EXIT_HLT, "HLT with interrupts off leaves as HLT");
	ops->get_state(e, &s);
	CHECK(s.gpr[R_RSI] == 99 && s.gpr[R_RDI] == 0xdeadbeef && s.rip == 0x100000 + sizeof(code),
	      "the hypercall's ret reached RAX (%llu) and the IN data EAX; RIP is after HLT",
	      (unsigned long long)s.gpr[R_RSI]);
	ops->destroy(e);

	/* REP OUTSB: one exit carrying every byte (count > 1), as KVM does. */
	static const uint8_t outs[] = {
		0xbe, 0x00, 0x20, 0x10, 0x00,   /* mov esi, 0x102000 */
		0xb9, 0x05, 0x00, 0x00, 0x00,   /* mov ecx, 5 */
		0x66, 0xba, 0xf8, 0x03,         /* mov dx, 0x3f8 */
		0xf3, 0x6e,                     /* rep outsb */
		0xf4,
	};
	memcpy(vm->ram + 0x100000, outs, sizeof(outs));
	memcpy(vm->ram + 0x102000, "hello", 5);
	e = ops->create(vm, err, sizeof(err));
	vm_multiboot_entry_state(&s, 0x100000, 0x8000);
	ops->set_state(e, &s);
	memset(&x, 0, sizeof(x));
	ops->run(e, &x);
	CHECK(x.reason == VM_EXIT_IO && x.io.is_write && x.io.port == 0x3f8 && x.io.size == 1 &&
	      x.io.count == 5 && !memcmp(x.io.data, "hello", 5),
	      "REP OUTSB leaves once with count 5 and the bytes");
	ops->run(e, &x);
	ops->get_state(e, &s);
	CHECK(x.reason == VM_EXIT_HLT && s.gpr[R_RCX] == 0 && s.gpr[R_RSI] == 0x102005,
	      "then RCX is 0 and RSI past the string");
	ops->destroy(e);
	vm_destroy(vm);
	CHECK_EXIT();
}
