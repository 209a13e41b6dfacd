/* End-to-end test of the interpreter on a tiny Multiboot-style guest
 * assembled into this file: 32-bit entry, switch to long mode with 4-level
 * paging, a page fault fixed up by its handler, INT 0x80 in rings 0 and
 * 3, the LAPIC timer waking HLT, SYSCALL/SYSRET, a user access to a
 * supervisor page, and the debug-exit port.  Also: a triple fault and an
 * unimplemented instruction must end the VM with a clear message. */
#include <stdlib.h>
#include <string.h>

#include "engines/core/status.h"
#include "engines/core/vm.h"
#include "tests/check.h"

extern const struct engine_ops interp_engine_ops;
extern const uint8_t g1_start[], g1_end[], g1_results[];

/* The guest, at physical 0x100000 (addresses are label offsets + BASE). */
__asm__(
	".pushsection .rodata.g1, \"a\"\n"
	".set BASE, 0x100000\n"
	".globl g1_start, g1_end, g1_results\n"
	".code32\n"
	"g1_start:\n"
	"	mov $0x200000, %edi\n"
	"	xor %eax, %eax\n"
	"	mov $3072, %ecx\n"
	"	rep stosl\n"
	"	movl $0x201007, 0x200000\n"
	"	movl $0x202007, 0x201000\n"
	"	movl $0xC0000083, 0x201018\n"
	"	mov $0x202000, %edi\n"
	"	mov $0x87, %eax\n"
	"	mov $512, %ecx\n"
	"1:	mov %eax, (%edi)\n"
	"	movl $0, 4(%edi)\n"
	"	add $0x200000, %eax\n"
	"	add $8, %edi\n"
	"	loop 1b\n"
	"	andl $~4, 0x202010\n"
	"	mov %cr4, %eax\n"
	"	or $0x20, %eax\n"
	"	mov %eax, %cr4\n"
	"	mov $0x200000, %eax\n"
	"	mov %eax, %cr3\n"
	"	mov $0xC0000080, %ecx\n"
	"	rdmsr\n"
	"	or $0x901, %eax\n"
	"	wrmsr\n"
	"	mov %cr0, %eax\n"
	"	or $0x80010000, %eax\n"
	"	mov %eax, %cr0\n"
	"	lgdt (gdtr - g1_start + BASE)\n"
	"	ljmp $0x08, $(start64 - g1_start + BASE)\n"
	".code64\n"
	"start64:\n"
	"	mov $0x10, %ax\n"
	"	mov %ax, %ds\n"
	"	mov %ax, %es\n"
	"	mov %ax, %ss\n"
	"	mov $0x90000, %rsp\n"
	"	mov $(tss - g1_start + BASE), %eax\n"
	"	mov %ax, (gdt - g1_start + BASE + 0x28 + 2)\n"
	"	shr $16, %eax\n"
	"	mov %al, (gdt - g1_start + BASE + 0x28 + 4)\n"
	"	mov %ah, (gdt - g1_start + BASE + 0x28 + 7)\n"
	"	xor %ebx, %ebx\n"
	"2:	mov %rbx, %rdi\n"
	"	mov $(bad_handler - g1_start + BASE), %esi\n"
	"	mov $0x8E00, %edx\n"
	"	call set_gate\n"
	"	inc %ebx\n"
	"	cmp $256, %ebx\n"
	"	jne 2b\n"
	"	mov $14, %edi\n"
	"	mov $(pf_handler - g1_start + BASE), %esi\n"
	"	mov $0x8E00, %edx\n"
	"	call set_gate\n"
	"	mov $0x80, %edi\n"
	"	mov $(int80_handler - g1_start + BASE), %esi\n"
	"	mov $0xEE00, %edx\n"
	"	call set_gate\n"
	"	mov $0x40, %edi\n"
	"	mov $(timer_handler - g1_start + BASE), %esi\n"
	"	mov $0x8E00, %edx\n"
	"	call set_gate\n"
	"	lidt (idtr - g1_start + BASE)\n"
	"	mov $0x28, %ax\n"
	"	ltr %ax\n"
	"	/* 1: page fault on an unmapped address, fixed up by the handler */\n"
	"	mov $0x40000000, %rax\n"
	"	mov (%rax), %rbx\n"
	"	mov %rbx, (r_read - g1_start + BASE)\n"
	"	/* 2: INT 0x80 in ring 0 */\n"
	"	int $0x80\n"
	"	/* 3: the LAPIC timer wakes HLT */\n"
	"	mov $0xfee00000, %ebx\n"
	"	movl $0x1ff, 0xf0(%rbx)\n"
	"	movl $0xb, 0x3e0(%rbx)\n"
	"	movl $0x40, 0x320(%rbx)\n"
	"	movl $200000, 0x380(%rbx)\n"
	"	sti\n"
	"	hlt\n"
	"	cli\n"
	"	/* 4: ring 3: SYSCALL, INT 0x80, then a supervisor page -> #PF */\n"
	"	mov $0xC0000081, %ecx\n"
	"	xor %eax, %eax\n"
	"	mov $0x00100008, %edx\n"
	"	wrmsr\n"
	"	mov $0xC0000082, %ecx\n"
	"	mov $(syscall_entry - g1_start + BASE), %eax\n"
	"	xor %edx, %edx\n"
	"	wrmsr\n"
	"	mov $0xC0000084, %ecx\n"
	"	mov $0x200, %eax\n"
	"	wrmsr\n"
	"	movq $0x80000, (tss - g1_start + BASE + 4)\n"
	"	pushq $0x1b\n"
	"	pushq $0x70000\n"
	"	pushq $0x2\n"
	"	pushq $0x23\n"
	"	pushq $(user - g1_start + BASE)\n"
	"	iretq\n"
	"user:\n"
	"	mov $7, %r12\n"
	"	syscall\n"
	"	int $0x80\n"
	"	mov 0x400000, %rax\n"
	"	ud2\n"
	"syscall_entry:\n"
	"	incq (r_sys - g1_start + BASE)\n"
	"	sysretq\n"
	"finish:\n"
	"	mov $0x11, %eax\n"
	"	mov $0xf4, %dx\n"
	"	out %eax, %dx\n"
	"	cli\n"
	"	hlt\n"
	"set_gate:\n"
	"	shl $4, %rdi\n"
	"	add $(idt - g1_start + BASE), %rdi\n"
	"	mov %esi, %eax\n"
	"	and $0xffff, %eax\n"
	"	or $0x80000, %eax\n"
	"	mov %eax, (%rdi)\n"
	"	mov %esi, %eax\n"
	"	and $0xffff0000, %eax\n"
	"	or %edx, %eax\n"
	"	mov %eax, 4(%rdi)\n"
	"	movq $0, 8(%rdi)\n"
	"	ret\n"
	"pf_handler:\n"
	"	push %rax\n"
	"	incq (r_pf - g1_start + BASE)\n"
	"	mov %cr2, %rax\n"
	"	mov %rax, (r_cr2 - g1_start + BASE)\n"
	"	mov 8(%rsp), %rax\n"
	"	mov %rax, (r_pferr - g1_start + BASE)\n"
	"	mov %cr2, %rax\n"
	"	cmp $0x40000000, %rax\n"
	"	jne 3f\n"
	"	movq $0x87, 0x201008\n"
	"	invlpg (%rax)\n"
	"	pop %rax\n"
	"	add $8, %rsp\n"
	"	iretq\n"
	"3:	mov 24(%rsp), %rax\n"
	"	mov %rax, (r_pfcs - g1_start + BASE)\n"
	"	jmp finish\n"
	"int80_handler:\n"
	"	incq (r_int - g1_start + BASE)\n"
	"	iretq\n"
	"timer_handler:\n"
	"	incq (r_timer - g1_start + BASE)\n"
	"	push %rbx\n"
	"	mov $0xfee00000, %ebx\n"
	"	movl $0, 0xb0(%rbx)\n"
	"	pop %rbx\n"
	"	iretq\n"
	"bad_handler:\n"
	"	mov $0x77, %eax\n"
	"	mov $0xf4, %dx\n"
	"	out %eax, %dx\n"
	"	hlt\n"
	".balign 8\n"
	"gdt:\n"
	"	.quad 0\n"
	"	.quad 0x00af9a000000ffff\n"
	"	.quad 0x00cf92000000ffff\n"
	"	.quad 0x00cff2000000ffff\n"
	"	.quad 0x00affa000000ffff\n"
	"	.quad 0x0000890000000067\n"
	"	.quad 0\n"
	"gdt_end:\n"
	"gdtr:\n"
	"	.word gdt_end - gdt - 1\n"
	"	.quad gdt - g1_start + BASE\n"
	"idtr:\n"
	"	.word 4095\n"
	"	.quad idt - g1_start + BASE\n"
	".balign 8\n"
	"g1_results:\n"
	"r_read:  .quad 0\n"
	"r_pf:    .quad 0\n"
	"r_cr2:   .quad 0\n"
	"r_pferr: .quad 0\n"
	"r_pfcs:  .quad 0\n"
	"r_int:   .quad 0\n"
	"r_timer: .quad 0\n"
	"r_sys:   .quad 0\n"
	".balign 16\n"
	"tss:	.fill 104, 1, 0\n"
	".balign 16\n"
	"idt:	.fill 4096, 1, 0\n"
	"g1_end:\n"
	".popsection\n"
);

static struct vm *boot(const uint8_t *code, size_t len, uint32_t entry)
{
	char err[256];
	struct cpu_state s;
	struct vm *vm = vm_create(16u << 20, NULL, err, sizeof(err));

	if (!vm)
		return NULL;
	memcpy(vm->ram + entry, code, len);
	vm->ops = &interp_engine_ops;
	vm->engine = vm->ops->create(vm, err, sizeof(err));
	if (!vm->engine) {
		vm_destroy(vm);
		return NULL;
	}
	vm_multiboot_entry_state(&s, entry, 0x8000);
	vm->ops->set_state(vm->engine, &s);
	return vm;
}

static uint64_t counter(struct vm *vm, const char *name)
{
	return engine_counter_value(vm->ops, vm->engine, name);
}

static void test_long_mode_guest(void)
{
	struct vm *vm = boot(g1_start, (size_t)(g1_end - g1_start), 0x100000);
	uint64_t marker = 0x1122334455667788ull, r[8];

	CHECK(vm != NULL, "the VM and the interp engine are created");
	if (!vm)
		return;
	memcpy(vm->ram, &marker, 8);
	int status = vm_run(vm, 10);
	memcpy(r, vm->ram + 0x100000 + (g1_results - g1_start), sizeof(r));
	CHECK(status == (0x11 << 1 | 1), "the guest reaches the debug-exit port (status %d, %s)",
	      status, vm->finish_reason);
	CHECK(r[0] == marker, "a page fault handler maps a 1 GiB page and the load is retried (read %#llx)",
	      (unsigned long long)r[0]);
	CHECK(r[1] == 2, "two page faults are taken (%llu)", (unsigned long long)r[1]);
	CHECK(r[2] == 0x400000 && r[3] == 5,
	      "a user read of a supervisor page faults with CR2 %#llx and error code %#llx (want 0x400000, 5)",
	      (unsigned long long)r[2], (unsigned long long)r[3]);
	CHECK(r[4] == 0x23, "the fault came from ring 3 code (CS %#llx)", (unsigned long long)r[4]);
	CHECK(r[5] == 2, "INT 0x80 works in ring 0 and from ring 3 through the TSS stack (%llu)",
	      (unsigned long long)r[5]);
	CHECK(r[6] == 1, "the LAPIC timer interrupt wakes HLT once (%llu)", (unsigned long long)r[6]);
	CHECK(r[7] == 1, "SYSCALL enters the kernel and SYSRET returns (%llu)", (unsigned long long)r[7]);
	CHECK(counter(vm, "interrupts") == 1 && counter(vm, "exceptions") >= 2,
	      "counters: %llu interrupts, %llu exceptions, %llu instructions",
	      (unsigned long long)counter(vm, "interrupts"), (unsigned long long)counter(vm, "exceptions"),
	      (unsigned long long)counter(vm, "insns"));
	vm_destroy(vm);
}

static void test_triple_fault(void)
{
	/* ud2 with the entry state's empty IDT: #UD -> #GP -> #DF -> shutdown. */
	static const uint8_t code[] = { 0x0f, 0x0b };
	struct vm *vm = boot(code, sizeof(code), 0x100000);

	if (!vm)
		return;
	int status = vm_run(vm, 10);
	CHECK(status == RB_STATUS_SHUTDOWN && strstr(vm->finish_reason, "triple fault") &&
	      strstr(vm->finish_reason, "#UD"),
	      "UD2 without an IDT is a triple fault with its chain: %s", vm->finish_reason);
	vm_destroy(vm);
}

static void test_unimplemented(void)
{
	/* pushal: base ISA without a handler (SSE, not in CPUID, is #UD:
	 * test_x86_isa). */
	static const uint8_t code[] = { 0x60 };
	struct vm *vm = boot(code, sizeof(code), 0x100000);

	if (!vm)
		return;
	int status = vm_run(vm, 10);
	CHECK(status == RB_STATUS_ENGINE_ERROR && strstr(vm->finish_reason, "pushal") &&
	      strstr(vm->finish_reason, "0x100000") && strstr(vm->finish_reason, "[60]"),
	      "an unimplemented instruction stops the VM with RIP, bytes and disassembly: %s",
	      vm->finish_reason);
	vm_destroy(vm);
}

static void test_timeout(void)
{
	static const uint8_t code[] = { 0xeb, 0xfe };   /* jmp . */
	struct vm *vm = boot(code, sizeof(code), 0x100000);

	if (!vm)
		return;
	int status = vm_run(vm, 0.3);
	CHECK(status == RB_STATUS_TIMEOUT, "a guest looping forever is stopped by the timeout (%d)", status);
	vm_destroy(vm);
}

static void test_self_modifying(void)
{
	/* A store into the immediate of the very next instruction (same
	 * block), then a loop that rewrites an instruction it ran before. */
	static const uint8_t code[] = {
		0xc6, 0x05, 0x08, 0x00, 0x10, 0x00, 0x05,       /* mov byte [0x100008], 5 */
		0xb8, 0x01, 0x00, 0x00, 0x00,                   /* mov eax, 1 (becomes 5) */
		0x89, 0xc3,                                     /* mov ebx, eax */
		0xb9, 0x02, 0x00, 0x00, 0x00,                   /* mov ecx, 2 */
		0xb8, 0x01, 0x00, 0x00, 0x00,                   /* L: mov eax, 1 (becomes 7) */
		0xc6, 0x05, 0x14, 0x00, 0x10, 0x00, 0x07,       /* mov byte [0x100014], 7 */
		0x49,                                           /* dec ecx */
		0x75, 0xf1,                                     /* jnz L */
		0x01, 0xd8,                                     /* add eax, ebx */
		0x66, 0xba, 0xf4, 0x00,                         /* mov dx, 0xf4 */
		0xef,                                           /* out dx, eax */
		0xf4,
	};
	struct vm *vm = boot(code, sizeof(code), 0x100000);

	if (!vm)
		return;
	int status = vm_run(vm, 10);
	CHECK(status == ((12 << 1) | 1) && counter(vm, "decode.invalidations") >= 2,
	      "self-modifying code sees its own stores (status %d, %llu invalidations)", status,
	      (unsigned long long)counter(vm, "decode.invalidations"));
	vm_destroy(vm);
}

int main(void)
{
	test_self_modifying();
	test_long_mode_guest();
	test_triple_fault();
	test_unimplemented();
	test_timeout();
	CHECK_EXIT();
}
