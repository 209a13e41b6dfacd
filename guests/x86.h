/* Thin wrappers, one per privileged or sensitive instruction the kernel
 * and the benchmarks use (as kvm-unit-tests does). */
#ifndef GUEST_X86_H
#define GUEST_X86_H

#include <stdint.h>

#define AI static inline __attribute__((always_inline))

/* Port I/O is ordered with memory: a doorbell's argument block must be
 * written before the OUT that hands it to the VMM. */
AI void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port) : "memory"); }
AI void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" :: "a"(v), "Nd"(port) : "memory"); }
AI uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port) : "memory"); return v; }
AI uint32_t inl(uint16_t port) { uint32_t v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port) : "memory"); return v; }

AI void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

AI uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

AI void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" :: "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

#define CR_ACCESS(n) \
	AI uint64_t read_cr##n(void) { uint64_t v; __asm__ volatile("mov %%cr" #n ", %0" : "=r"(v)); return v; } \
	AI void write_cr##n(uint64_t v) { __asm__ volatile("mov %0, %%cr" #n :: "r"(v) : "memory"); }
CR_ACCESS(0)
CR_ACCESS(2)
CR_ACCESS(3)
CR_ACCESS(4)
CR_ACCESS(8)

AI uint64_t read_dr7(void) { uint64_t v; __asm__ volatile("mov %%dr7, %0" : "=r"(v)); return v; }
AI void write_dr7(uint64_t v) { __asm__ volatile("mov %0, %%dr7" :: "r"(v)); }

AI void invlpg(const volatile void *va) { __asm__ volatile("invlpg (%0)" :: "r"(va) : "memory"); }
AI void cli(void) { __asm__ volatile("cli" ::: "memory"); }
AI void sti(void) { __asm__ volatile("sti" ::: "memory"); }
AI void hlt(void) { __asm__ volatile("hlt" ::: "memory"); }
/* STI's one-instruction shadow makes the pair atomic: an interrupt that is
 * already pending wakes the HLT instead of being taken before it. */
AI void sti_hlt(void) { __asm__ volatile("sti; hlt" ::: "memory"); }

AI uint64_t read_rflags(void)
{
	uint64_t f;
	__asm__ volatile("pushfq; popq %0" : "=r"(f) :: "memory");
	return f;
}

struct __attribute__((packed)) desc_ptr {
	uint16_t limit;
	uint64_t base;
};

AI void sgdt(struct desc_ptr *d) { __asm__ volatile("sgdt %0" : "=m"(*d)); }
AI void sidt(struct desc_ptr *d) { __asm__ volatile("sidt %0" : "=m"(*d)); }
AI uint64_t smsw(void) { uint64_t v; __asm__ volatile("smsw %0" : "=r"(v)); return v; }

#define RFLAGS_IF 0x200ull

#endif
