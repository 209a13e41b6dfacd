/* The CPU tables: the TSS (kernel stack for entries from user mode, an IST
 * stack for double faults), the IDT over vectors.S's stubs, and the
 * SYSCALL MSRs. */
#include "guests/kernel.h"
#include "guests/x86.h"

struct __attribute__((packed)) tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3, iomap_base;
};

struct idt_gate {
	uint16_t off_lo, selector;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, reserved;
};

static struct tss tss;
static struct idt_gate idt[256];

extern uint64_t gdt[];
extern uint8_t vector_stubs[], entry_stack_top[], df_stack_top[];
extern void syscall_entry(void);

#define MSR_STAR   0xC0000081
#define MSR_LSTAR  0xC0000082
#define MSR_SFMASK 0xC0000084
/* TF, IF, DF, IOPL, NT, AC cleared on SYSCALL, as Linux does. */
#define SYSCALL_RFLAGS_MASK 0x47700

static void tss_init(void)
{
	uint64_t base = (uint64_t)&tss, limit = sizeof(tss) - 1;

	tss.rsp[0] = (uint64_t)entry_stack_top;
	tss.ist[0] = (uint64_t)df_stack_top;
	tss.iomap_base = sizeof(tss);      /* no I/O bitmap: user port I/O faults */
	gdt[TSS_SEL / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
			   (0x89ull << 40) | (((limit >> 16) & 0xf) << 48) |
			   (((base >> 24) & 0xff) << 56);
	gdt[TSS_SEL / 8 + 1] = base >> 32;
	__asm__ volatile("ltr %w0" :: "r"(TSS_SEL));
}

static void idt_init(void)
{
	struct desc_ptr d = { sizeof(idt) - 1, (uint64_t)idt };

	for (unsigned v = 0; v < 256; v++) {
		uint64_t off = (uint64_t)vector_stubs + 16 * v;
		idt[v] = (struct idt_gate){
			.off_lo = (uint16_t)off, .selector = KERNEL_CS,
			.ist = v == 8 ? 1 : 0,
			/* interrupt gate; INT 0x80 callable from CPL3 */
			.type = v == VEC_SYSCALL_INT ? 0xEE : 0x8E,
			.off_mid = (uint16_t)(off >> 16), .off_hi = (uint32_t)(off >> 32),
		};
	}
	__asm__ volatile("lidt %0" :: "m"(d));
}

void cpu_init(void)
{
	tss_init();
	idt_init();
	/* SYSCALL loads CS=0x08, SS=0x10; SYSRET loads CS=0x28|3, SS=0x20|3. */
	wrmsr(MSR_STAR, ((uint64_t)USER32_CS << 48) | ((uint64_t)KERNEL_CS << 32));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	wrmsr(MSR_SFMASK, SYSCALL_RFLAGS_MASK);
}
