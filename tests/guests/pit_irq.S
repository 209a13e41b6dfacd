/* Timer interrupts from the legacy platform, the same on every engine and
 * under QEMU: PIT channel 0 in mode 2 at 100 Hz, taken
 *   1. through the 8259 PIC (IRQ0 -> vector 0x20, LINT0 in virtual-wire
 *      mode as the CPU comes up), with HLT between ticks, for one RTC
 *      second; the handler reads the PIC's ISR and IRR before its EOI;
 *   2. through the IOAPIC (IRQ0 on pin 2, the ISA override) to vector 0x41
 *      with the PIC masked and the LAPIC enabled, for one RTC second.
 * Prints, on COM1:
 *   pic: ticks=N vector=0x20 isr=0x01 irr=0x00 spurious=0
 *   ioapic: ticks=N vector=0x41 pic-ticks=0
 * and exits through debug-exit with 0 (status 1).  Ticks per second are
 * ~100 (fewer where a loaded host coalesces missed periods); the e2e test
 * checks them within a tolerance.  Long mode (PVM runs no 32-bit kernel
 * code with interrupts), the first 4 MiB and the APIC pages mapped. */
#include "long_mode.inc"

long_mode:
	movl $stack_top, %esp
	/* The IOAPIC and LAPIC pages: PDPT[3] -> pd_hi, 2 MiB uncached pages. */
	movl $pd_hi + 3, %eax
	movl %eax, lm_pdpt + 24(%rip)
	movl $0xfec0009b, %eax
	andl $0xffe00000, %eax
	orl $0x9b, %eax
	movl %eax, pd_hi + 0x1f6 * 8(%rip)    /* 0xFEC00000: IOAPIC */
	movl $0xfee0009b, %eax
	andl $0xffe00000, %eax
	orl $0x9b, %eax
	movl %eax, pd_hi + 0x1f7 * 8(%rip)    /* 0xFEE00000: LAPIC */
	movq %cr3, %rax
	movq %rax, %cr3
	call build_idt
	lidt idt_desc(%rip)

	/* 8259 pair: vectors 0x20/0x28, cascade on IRQ2, only IRQ0 unmasked. */
	movb $0x11, %al; outb %al, $0x20; outb %al, $0xa0
	movb $0x20, %al; outb %al, $0x21
	movb $0x28, %al; outb %al, $0xa1
	movb $0x04, %al; outb %al, $0x21
	movb $0x02, %al; outb %al, $0xa1
	movb $0x01, %al; outb %al, $0x21; outb %al, $0xa1
	movb $0xfe, %al; outb %al, $0x21
	movb $0xff, %al; outb %al, $0xa1

	/* PIT channel 0, lo/hi, mode 2, 11932: 100 Hz. */
	movb $0x34, %al; outb %al, $0x43
	movb $0x9c, %al; outb %al, $0x40
	movb $0x2e, %al; outb %al, $0x40

	sti
	call one_rtc_second             /* ticks in one RTC second */
	cli
	movl %eax, pic_window(%rip)
	movl $s_pic, %esi; call puts
	movl pic_window(%rip), %eax; call putdec
	movl $s_vector, %esi; call puts
	movl last_vector(%rip), %eax; call puthex2
	movl $s_isr, %esi; call puts
	movl isr_seen(%rip), %eax; call puthex2
	movl $s_irr, %esi; call puts
	movl irr_seen(%rip), %eax; call puthex2
	movl $s_spurious, %esi; call puts
	movl spurious(%rip), %eax; call putdec
	movb $'\n', %al; call putc

	/* Phase 2: PIC masked; LAPIC on; IOAPIC pin 2 -> 0x41, edge, dest 0. */
	movb $0xff, %al; outb %al, $0x21
	movl $0xfee00000, %edi          /* above 2 GiB: through a register */
	movl $0xfec00000, %esi
	movl $0x1ff, 0xf0(%rdi)         /* SVR: LAPIC on */
	movl $0x15, (%rsi)              /* redirection entry 2, high word: */
	movl $0, 0x10(%rsi)             /* physical destination APIC ID 0 */
	movl $0x14, (%rsi)              /* low word: vector 0x41, fixed, edge, unmasked */
	movl $0x41, 0x10(%rsi)
	movl $0, pic_ticks(%rip)
	movl $0, last_vector(%rip)
	sti
	call one_rtc_second
	cli
	movl %eax, ioapic_window(%rip)
	movl $s_ioapic, %esi; call puts     /* ESI reused: the IOAPIC is set */
	movl ioapic_window(%rip), %eax; call putdec
	movl $s_vector, %esi; call puts
	movl last_vector(%rip), %eax; call puthex2
	movl $s_pic_ticks, %esi; call puts
	movl pic_ticks(%rip), %eax; call putdec
	movb $'\n', %al; call putc

	movl $0, %eax
	movw $0xf4, %dx
	outl %eax, %dx
	hlt


/* Wait for the RTC seconds to change, then count timer ticks (ticks) until
 * they change again; HLT between.  EAX = ticks in that second. */
one_rtc_second:
	call rtc_sec
	movl %eax, %ebx
2:	hlt
	call rtc_sec
	cmpl %eax, %ebx
	je 2b
	movl %eax, %ebx
	movl ticks(%rip), %ecx
3:	hlt
	call rtc_sec
	cmpl %eax, %ebx
	je 3b
	movl ticks(%rip), %eax
	subl %ecx, %eax
	ret

/* RTC seconds register (BCD or binary: only change matters). */
rtc_sec:
	movb $0x00, %al
	outb %al, $0x70
	inb $0x71, %al
	movzbl %al, %eax
	ret

/* Vector 0x20: IRQ0 through the PIC.  Reads ISR and IRR before the EOI. */
irq0:
	pushq %rax
	incl ticks(%rip)
	incl pic_ticks(%rip)
	movl $0x20, last_vector(%rip)
	movb $0x0b, %al; outb %al, $0x20
	inb $0x20, %al
	movzbl %al, %eax
	movl %eax, isr_seen(%rip)
	movb $0x0a, %al; outb %al, $0x20
	inb $0x20, %al
	movzbl %al, %eax
	movl %eax, irr_seen(%rip)
	movb $0x20, %al; outb %al, $0x20
	popq %rax
	iretq

/* Vector 0x41: IRQ0 through IOAPIC pin 2; EOI to the LAPIC. */
ioapic_irq:
	incl ticks(%rip)
	movl $0x41, last_vector(%rip)
	pushq %rax
	movl $0xfee000b0, %eax
	movl $0, (%rax)
	popq %rax
	iretq

/* Spurious PIC IRQ7/15 (0x27, 0x2f), or anything else unexpected: counted. */
other:
	incl spurious(%rip)
	iretq

/* IDT: every vector to `other`, 0x20 to irq0, 0x41 to ioapic_irq. */
build_idt:
	xorl %ecx, %ecx
4:	movl $other, %eax
	cmpl $0x20, %ecx
	jne 5f
	movl $irq0, %eax
5:	cmpl $0x41, %ecx
	jne 6f
	movl $ioapic_irq, %eax
6:	movl %ecx, %edx
	shll $4, %edx                   /* 16-byte long-mode gates */
	leaq idt(%rip), %rbx
	addq %rdx, %rbx
	movw %ax, (%rbx)
	movw $0x08, 2(%rbx)
	movw $0x8e00, 4(%rbx)
	shrl $16, %eax
	movw %ax, 6(%rbx)
	movl $0, 8(%rbx)
	movl $0, 12(%rbx)
	incl %ecx
	cmpl $256, %ecx
	jne 4b
	ret

putc:	movw $0x3f8, %dx
	outb %al, %dx
	ret
puts:	lodsb
	testb %al, %al
	jz 7f
	call putc
	jmp puts
7:	ret
/* EAX in decimal. */
putdec:
	movl $10, %ecx
	xorl %ebx, %ebx
8:	xorl %edx, %edx
	divl %ecx
	pushq %rdx
	incl %ebx
	testl %eax, %eax
	jnz 8b
9:	popq %rax
	addb $'0', %al
	call putc
	decl %ebx
	jnz 9b
	ret
/* AL as 0xNN. */
puthex2:
	movl %eax, %ebx
	movb $'0', %al; call putc
	movb $'x', %al; call putc
	movl %ebx, %eax; shrl $4, %eax; call hexdigit
	movl %ebx, %eax; call hexdigit
	ret
hexdigit:
	andl $15, %eax
	leaq hexchars(%rip), %rdx
	movb (%rdx,%rax), %al
	jmp putc

	.section .rodata
hexchars: .ascii "0123456789abcdef"
s_pic:      .asciz "pic: ticks="
s_ioapic:   .asciz "ioapic: ticks="
s_vector:   .asciz " vector="
s_isr:      .asciz " isr="
s_irr:      .asciz " irr="
s_spurious: .asciz " spurious="
s_pic_ticks: .asciz " pic-ticks="

	.data
	.balign 8
idt_desc:
	.word 256 * 16 - 1
	.long idt, 0
ticks:		.long 0
pic_ticks:	.long 0
last_vector:	.long 0
isr_seen:	.long 0
irr_seen:	.long 0
spurious:	.long 0
pic_window:	.long 0
ioapic_window:	.long 0

	.bss
	.balign 4096
pd_hi:	.space 4096
idt:	.space 256 * 16
	.space 4096
stack_top:
