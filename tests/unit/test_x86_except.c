/* Exception delivery in long mode (SDM vol. 3, 6.14): a ring-3 page fault
 * switches to the TSS RSP0 stack and pushes SS, RSP, RFLAGS, CS, RIP and
 * the error code; an IST gate switches stacks even without a privilege
 * change; a fault while delivering a fault becomes #DF; a fault while
 * delivering #DF is a triple fault with its chain reported. */
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "engines/x86/cpu.h"
#include "tests/check.h"

#define RAM  (4u << 20)
#define GDT  0x1000u
#define IDT  0x2000u
#define TSS  0x3000u
#define PML4 0x4000u
#define PDPT 0x5000u
#define PD   0x6000u
#define CODE 0x8000u
#define H_PF 0x9000u
#define H_DF 0x9100u
#define RSP0 0x50000u
#define IST1 0x60000u

static uint8_t *ram;
static struct x86_cpu cpu;

static void put64(uint32_t a, uint64_t v) { memcpy(ram + a, &v, 8); }
static uint64_t get64(uint64_t a) { uint64_t v; memcpy(&v, ram + a, 8); return v; }

static void gate(int vec, uint32_t handler, int ist, bool present)
{
	uint64_t lo = (handler & 0xffff) | (0x08ull << 16) | ((uint64_t)ist << 32) |
		      (0xeull << 40) | ((uint64_t)present << 47) | ((uint64_t)(handler >> 16) << 48);
	put64(IDT + vec * 16, lo);
	put64(IDT + vec * 16 + 8, 0);
}

static void setup(int cpl)
{
	memset(ram, 0, RAM);
	put64(GDT + 0x08, 0x00af9a000000ffffull);
	put64(GDT + 0x10, 0x00cf92000000ffffull);
	put64(GDT + 0x18, 0x00cff2000000ffffull);
	put64(GDT + 0x20, 0x00affa000000ffffull);
	put64(GDT + 0x28, 0x0000890000000067ull | ((uint64_t)TSS << 16));
	put64(TSS + 4, RSP0);
	put64(TSS + 0x24, IST1);
	put64(PML4, PDPT | 7);
	put64(PDPT, PD | 7);
	put64(PD, 0x87);                /* 0-2 MiB, user, writable */
	gate(14, H_PF, 0, true);
	gate(8, H_DF, 1, true);
	ram[CODE] = 0x8b;               /* mov eax, [0x7fff0000]: not mapped */
	ram[CODE + 1] = 0x04;
	ram[CODE + 2] = 0x25;
	uint32_t addr = 0x7fff0000;
	memcpy(ram + CODE + 3, &addr, 4);

	x86_cpu_init(&cpu, NULL, "test");
	cpu.ram = ram;
	cpu.ram_size = RAM;
	cpu.cr0 = CR0_PE | CR0_PG | CR0_WP | 0x10;
	cpu.cr3 = PML4;
	cpu.cr4 = CR4_PAE;
	cpu.efer = EFER_LME | EFER_LMA | EFER_NXE;
	cpu.gdt = (struct dtable){ GDT, 0x37 };
	cpu.idt = (struct dtable){ IDT, 0xfff };
	cpu.tr = (struct segment){ .base = TSS, .limit = 0x67, .selector = 0x28, .type = 0xb, .present = 1 };
	cpu.seg[S_CS] = (struct segment){ .selector = (uint16_t)(cpl ? 0x23 : 0x08), .type = 0xb, .s = 1,
					  .present = 1, .l = 1, .dpl = (uint8_t)cpl, .limit = 0xffffffff, .g = 1 };
	cpu.seg[S_SS] = (struct segment){ .selector = (uint16_t)(cpl ? 0x1b : 0x10), .type = 3, .s = 1,
					  .present = 1, .db = 1, .dpl = (uint8_t)cpl, .limit = 0xffffffff, .g = 1 };
	cpu.cpl = (uint8_t)cpl;
	cpu.rip = CODE;
	cpu.gpr[R_RSP] = 0x70008;
	cpu.rflags = 0x202;
	x86_update_mode(&cpu);
	x86_tlb_flush(&cpu, false);
}

/* One instruction as the engine runs it; 2 if the CPU shut down. */
static int step(void)
{
	switch (setjmp(cpu.jb)) {
	case 0:
		x86_step(&cpu);
		return 0;
	case X86_JMP_FAULT:
		x86_handle_fault(&cpu);         /* may come back here, nested */
		return 1;
	default:
		return 2;
	}
}

/* 32-bit protected mode, paging off (the Multiboot entry state): 8-byte
 * gates, a 32-bit frame of EIP, CS, EFLAGS. */
static void test_protected32(void)
{
	memset(ram, 0, RAM);
	put64(GDT + 0x08, 0x00cf9a000000ffffull);
	put64(GDT + 0x10, 0x00cf92000000ffffull);
	put64(IDT + 6 * 8, (H_PF & 0xffff) | (0x08ull << 16) | (0x8eull << 40));
	ram[CODE] = 0x0f;               /* ud2 */
	ram[CODE + 1] = 0x0b;
	x86_cpu_init(&cpu, NULL, "test");
	cpu.ram = ram;
	cpu.ram_size = RAM;
	cpu.cr0 = CR0_PE | 0x10;
	cpu.gdt = (struct dtable){ GDT, 0x17 };
	cpu.idt = (struct dtable){ IDT, 0x7ff };
	cpu.seg[S_CS] = (struct segment){ .selector = 0x08, .type = 0xb, .s = 1, .present = 1, .db = 1,
					  .limit = 0xffffffff, .g = 1 };
	for (int i = 0; i < S_COUNT; i++)
		if (i != S_CS)
			cpu.seg[i] = (struct segment){ .selector = 0x10, .type = 3, .s = 1, .present = 1,
						       .db = 1, .limit = 0xffffffff, .g = 1 };
	cpu.rip = CODE;
	cpu.gpr[R_RSP] = 0x70000;
	cpu.rflags = 0x246;
	x86_update_mode(&cpu);
	step();
	uint32_t f[3];
	memcpy(f, ram + 0x70000 - 12, 12);
	CHECK(cpu.rip == H_PF && cpu.gpr[R_RSP] == 0x70000 - 12 && f[0] == CODE && f[1] == 0x08 &&
	      f[2] == (0x246 | F_RF) && !(cpu.rflags & F_IF),
	      "a 32-bit #UD pushes EIP, CS, EFLAGS through an 8-byte gate (esp %#llx)",
	      (unsigned long long)cpu.gpr[R_RSP]);
}

/* Real mode: a far JMP loads CS with the selector and base selector * 16
 * (SDM Vol. 2A JMP, "real-address mode"), as a Linux AP's trampoline
 * does first; with 0x66, a 32-bit offset. */
static void test_real_mode_ljmp(void)
{
	static const uint8_t jmp16[] = { 0xea, 0x34, 0x12, 0x00, 0x20 };               /* ljmpw $0x2000, $0x1234 */
	static const uint8_t jmp32[] = { 0x66, 0xea, 0x00, 0x01, 0x00, 0x00, 0x00, 0x30 }; /* ljmpl $0x3000, $0x100 */

	memset(ram, 0, RAM);
	memcpy(ram + 0x98000, jmp16, sizeof(jmp16));
	memcpy(ram + 0x21234, jmp32, sizeof(jmp32));
	x86_cpu_init(&cpu, NULL, "test");
	cpu.ram = ram;
	cpu.ram_size = RAM;
	cpu.cr0 = 0x10;
	for (int i = 0; i < S_COUNT; i++)
		cpu.seg[i] = (struct segment){ .selector = 0x9800, .base = 0x98000, .type = i == S_CS ? 0xb : 3,
					       .s = 1, .present = 1, .limit = 0xffff };
	cpu.rip = 0;
	cpu.rflags = 2;
	x86_update_mode(&cpu);
	int r1 = step();
	bool ok1 = !r1 && cpu.seg[S_CS].selector == 0x2000 && cpu.seg[S_CS].base == 0x20000 && cpu.rip == 0x1234;
	int r2 = step();
	CHECK(ok1 && !r2 && cpu.seg[S_CS].selector == 0x3000 && cpu.seg[S_CS].base == 0x30000 && cpu.rip == 0x100 &&
	      cpu.mode == 16, "real-mode far JMP: CS 0x2000 base 0x20000 IP 0x1234, then with 0x66 CS 0x3000 EIP 0x100 "
	      "(cs %#x base %#llx rip %#llx)", cpu.seg[S_CS].selector, (unsigned long long)cpu.seg[S_CS].base,
	      (unsigned long long)cpu.rip);
}

/* Segment loads: -1 if it loads, else the vector * 0x10000 + error code. */
static int load(int sreg, uint16_t sel)
{
	if (setjmp(cpu.jb))
		return cpu.fault_vec * 0x10000 + (int)cpu.fault_err;
	x86_load_seg(&cpu, sreg, sel);
	return -1;
}

static void test_segment_loads(void)
{
	setup(3);
	CHECK(load(S_DS, 0x10) == X86_GP * 0x10000 + 0x10, "ring 3 loading a DPL-0 data segment is #GP(sel)");
	CHECK(load(S_DS, 0x1b) == -1 && cpu.seg[S_DS].dpl == 3 && (cpu.seg[S_DS].type & 1),
	      "ring 3 loads its own data segment, accessed bit set");
	CHECK(load(S_SS, 0x1b) == -1 && load(S_SS, 0) == X86_GP * 0x10000,
	      "SS takes the ring-3 data segment; a null SS at CPL 3 is #GP(0)");
	CHECK(load(S_ES, 0x208) == X86_GP * 0x10000 + 0x208, "a selector beyond the GDT limit is #GP(sel)");
	put64(GDT + 0x20, 0x00aff8000000ffffull);       /* execute-only code */
	CHECK(load(S_FS, 0x20 | 3) == X86_GP * 0x10000 + 0x20, "an execute-only code segment is #GP(sel)");
	put64(GDT + 0x18, 0x00cf72000000ffffull);       /* not present */
	CHECK(load(S_DS, 0x1b) == X86_NP * 0x10000 + 0x18, "a not-present data segment is #NP(sel)");
	setup(0);
	CHECK(load(S_SS, 0) == -1 && cpu.seg[S_SS].unusable, "a null SS is allowed at CPL 0 in 64-bit mode");
	CHECK(load(S_GS, 0) == -1, "a null GS loads");
}

int main(void)
{
	ram = calloc(1, RAM);
	test_protected32();
	test_real_mode_ljmp();
	test_segment_loads();

	setup(3);
	step();
	uint64_t sp = cpu.gpr[R_RSP];
	CHECK(cpu.rip == H_PF && cpu.cpl == 0 && cpu.seg[S_CS].selector == 0x08 && sp == RSP0 - 48,
	      "a ring-3 #PF enters the ring-0 handler on TSS.RSP0 (rip %#llx cpl %d rsp %#llx)",
	      (unsigned long long)cpu.rip, cpu.cpl, (unsigned long long)sp);
	CHECK(get64(sp) == 4 && get64(sp + 8) == CODE && get64(sp + 16) == 0x23 &&
	      get64(sp + 24) == (0x202 | F_RF) && get64(sp + 32) == 0x70008 && get64(sp + 40) == 0x1b,
	      "the frame is error 4, RIP, CS 0x23, RFLAGS, RSP, SS 0x1b");
	CHECK(cpu.cr2 == 0x7fff0000 && !(cpu.rflags & F_IF), "CR2 holds the address; the interrupt gate cleared IF");
	CHECK(cpu.seg[S_SS].selector == 0 && cpu.seg[S_SS].unusable, "SS is the null selector after the privilege change");

	setup(0);
	gate(14, H_PF, 1, true);
	step();
	CHECK(cpu.rip == H_PF && cpu.gpr[R_RSP] == IST1 - 48 && get64(cpu.gpr[R_RSP] + 32) == 0x70008,
	      "an IST gate switches to IST1 without a privilege change (rsp %#llx)",
	      (unsigned long long)cpu.gpr[R_RSP]);

	setup(0);
	gate(14, H_PF, 0, false);       /* #PF -> #NP(14*8+2+1) -> #DF */
	step();
	CHECK(cpu.rip == H_DF && cpu.gpr[R_RSP] == IST1 - 48 && get64(cpu.gpr[R_RSP]) == 0,
	      "a #NP while delivering #PF is a double fault on its IST stack, error code 0 (rip %#llx)",
	      (unsigned long long)cpu.rip);
	CHECK(cpu.cnt.exceptions == 2, "both exceptions are counted (%llu)", (unsigned long long)cpu.cnt.exceptions);

	setup(0);
	gate(14, H_PF, 0, false);
	gate(8, H_DF, 1, false);
	int r = step();
	CHECK(r == 2 && cpu.exit.reason == VM_EXIT_SHUTDOWN && strstr(cpu.exit.error.msg, "#PF") &&
	      strstr(cpu.exit.error.msg, "#NP") && strstr(cpu.exit.error.msg, "#DF"),
	      "a fault while delivering #DF is a triple fault: %s", cpu.exit.error.msg);

	setup(3);
	ram[CODE] = 0xfa;               /* CLI at CPL3 with IOPL 0 */
	gate(13, H_PF, 0, true);
	step();
	CHECK(cpu.rip == H_PF && get64(cpu.gpr[R_RSP]) == 0 && get64(cpu.gpr[R_RSP] + 8) == CODE,
	      "CLI at CPL3 above IOPL is #GP(0) at the instruction");

	setup(3);
	ram[CODE] = 0x9c;               /* PUSHF at CPL3: sees the real IF */
	ram[CODE + 1] = 0x9d;           /* POPF: IF unchanged, no fault */
	put64(0x70000, 0);
	step();
	uint64_t pushed = get64(0x70000);
	put64(0x70000, 0x2);            /* try to clear IF */
	step();
	CHECK((pushed & F_IF) && (cpu.rflags & F_IF) && cpu.rip == CODE + 2,
	      "PUSHF at CPL3 shows IF and POPF silently keeps it (the Popek-Goldberg case)");
	setup(0);
	static const uint8_t enter[] = { 0xc8, 0x10, 0x00, 0x01 };     /* enter 16, 1 */
	memcpy(ram + CODE, enter, sizeof(enter));
	cpu.gpr[R_RBP] = 0x1234;
	step();
	CHECK(cpu.gpr[R_RBP] == 0x70000 && cpu.gpr[R_RSP] == 0x70000 - 8 - 16 &&
	      get64(0x70000) == 0x1234 && get64(0x70000 - 8) == 0x70000,
	      "ENTER 16, 1 pushes RBP and the frame pointer and reserves 16 bytes");
	free(ram);
	CHECK_EXIT();
}
