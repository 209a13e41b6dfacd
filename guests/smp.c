/* The guest's CPUs: found in the MP table (Intel MultiProcessor
 * Specification 1.4) or, failing that, fw_cfg; the APs started one at a
 * time by INIT-SIPI-SIPI (SDM vol. 3, 9.4.4) through smp_boot.S, each
 * with its own stack, GDT and TSS, sharing the BSP's IDT and page tables;
 * then idle in HLT until the BSP posts a job. */
#include "guests/kernel.h"
#include "guests/smp.h"
#include "guests/x86.h"

#define AP_TRAMPOLINE 0x8000
#define AP_STACK 16384
#define LAPIC_ID 0x20
#define LAPIC_EOI 0xB0
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define ICR_BUSY (1u << 12)

unsigned smp_ncpus = 1, smp_described = 1;
const char *smp_source = "none";
uint8_t smp_apic_id[SMP_MAX];
volatile uint64_t smp_pings[SMP_MAX], smp_pongs, smp_flush_acks, smp_flush_addr;

void (*volatile smp_tick)(unsigned cpu);

uint64_t ap_boot_stack;               /* read by smp_boot.S */
static volatile unsigned ap_booting;
static volatile uint32_t online_mask = 1;
static uint8_t ap_stacks[SMP_MAX][AP_STACK] __attribute__((aligned(16)));
static uint8_t ap_df_stacks[SMP_MAX][4096] __attribute__((aligned(16)));
static uint64_t ap_gdt[SMP_MAX][8];
static struct desc_ptr idtr;

struct __attribute__((packed)) ap_tss {
	uint32_t reserved0;
	uint64_t rsp[3], reserved1, ist[7], reserved2;
	uint16_t reserved3, iomap_base;
};
static struct ap_tss ap_tss[SMP_MAX];

static struct {
	void (*volatile fn)(unsigned cpu, uint64_t arg);
	volatile uint64_t arg;
	volatile uint32_t gen, done;
} job;

extern uint8_t ap_trampoline[], ap_trampoline_end[];
extern uint64_t gdt[];

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t save_flags_cli(void)
{
	uint64_t f;

	__asm__ volatile("pushfq; pop %0; cli" : "=r"(f) :: "memory");
	return f;
}

static inline void restore_flags(uint64_t f)
{
	__asm__ volatile("push %0; popfq" :: "r"(f) : "memory", "cc");
}

static inline uint32_t lapic_rd(unsigned reg) { return *(volatile uint32_t *)(RB_LAPIC_BASE + reg); }
static inline void lapic_wr(unsigned reg, uint32_t v) { *(volatile uint32_t *)(RB_LAPIC_BASE + reg) = v; }

void smp_delay_us(uint64_t us)
{
	uint64_t t0 = rdtsc(), ticks = us * (host.tsc_khz ? host.tsc_khz : 1000000) / 1000;

	while (rdtsc() - t0 < ticks)
		__asm__ volatile("pause");
}

unsigned smp_cpu(void)
{
	uint64_t sp = (uint64_t)__builtin_frame_address(0);

	for (unsigned k = 1; k < SMP_MAX; k++)
		if (sp >= (uint64_t)ap_stacks[k] && sp < (uint64_t)ap_stacks[k] + AP_STACK)
			return k;
	return 0;
}

void smp_send_ipi(unsigned dest, uint32_t lo)
{
	uint64_t flags = save_flags_cli();

	while (lapic_rd(LAPIC_ICR_LO) & ICR_BUSY)
		__asm__ volatile("pause");
	lapic_wr(LAPIC_ICR_HI, dest << 24);
	lapic_wr(LAPIC_ICR_LO, lo);
	restore_flags(flags);
}

static uint8_t bytesum(const uint8_t *p, unsigned n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

/* The MP floating pointer in [from, to), 16-byte aligned, checksummed. */
static const uint8_t *find_mpfp(uint64_t from, uint64_t to)
{
	for (uint64_t a = from; a + 16 <= to; a += 16) {
		const uint8_t *p = (const uint8_t *)a;
		if (p[0] == '_' && p[1] == 'M' && p[2] == 'P' && p[3] == '_' && bytesum(p, 16) == 0)
			return p;
	}
	return 0;
}

/* Processor entries of the MP configuration table: enabled ones' APIC
 * IDs, the BSP's first.  How many, 0 when there is no valid table. */
static unsigned from_mptable(uint8_t bsp_id)
{
	uint64_t bda = 0x40E, ebda;
	const uint8_t *fp = 0, *t;
	unsigned n = 1, len, count, off;

	__asm__("" : "+r"(bda));        /* a BIOS data area address, not a null pointer */
	ebda = (uint64_t)*(volatile uint16_t *)bda << 4;
	if (ebda >= 0x80000 && ebda < 0xA0000)
		fp = find_mpfp(ebda, ebda + 1024);
	if (!fp)
		fp = find_mpfp(0x9FC00, 0xA0000);
	if (!fp)
		fp = find_mpfp(0xF0000, 0x100000);
	if (!fp)
		return 0;
	t = (const uint8_t *)(uint64_t)(fp[4] | fp[5] << 8 | fp[6] << 16 | (uint32_t)fp[7] << 24);
	if (!t || t[0] != 'P' || t[1] != 'C' || t[2] != 'M' || t[3] != 'P')
		return 0;
	len = t[4] | t[5] << 8;
	count = t[34] | t[35] << 8;
	if (len < 44 || bytesum(t, len))
		return 0;
	smp_apic_id[0] = bsp_id;
	for (off = 44; off < len && count--;) {
		if (t[off] != 0) {
			off += 8;
			continue;
		}
		if ((t[off + 3] & 1) && t[off + 1] != bsp_id && n < SMP_MAX)
			smp_apic_id[n++] = t[off + 1];
		off += 20;
	}
	return n;
}

/* QEMU's and ringbench's fw_cfg: the CPU count (APIC IDs 0..n-1 when it
 * is used), 0 without fw_cfg. */
static unsigned fwcfg_count(void)
{
	char sig[4];
	unsigned n;

	__asm__ volatile("outw %0, %1" :: "a"((uint16_t)0), "Nd"((uint16_t)RB_FW_CFG_PORT));
	for (int i = 0; i < 4; i++)
		sig[i] = (char)inb(RB_FW_CFG_PORT + 1);
	if (sig[0] != 'Q' || sig[1] != 'E' || sig[2] != 'M' || sig[3] != 'U')
		return 0;
	__asm__ volatile("outw %0, %1" :: "a"((uint16_t)5), "Nd"((uint16_t)RB_FW_CFG_PORT));
	n = inb(RB_FW_CFG_PORT + 1);
	n |= (unsigned)inb(RB_FW_CFG_PORT + 1) << 8;
	return n > SMP_MAX ? SMP_MAX : n;
}

/* This AP's GDT (the kernel's, with its own TSS) and TSS. */
static void ap_tables(unsigned k)
{
	uint64_t base = (uint64_t)&ap_tss[k], limit = sizeof(ap_tss[k]) - 1;
	struct desc_ptr g = { sizeof(ap_gdt[k]) - 1, (uint64_t)ap_gdt[k] };

	for (unsigned i = 0; i < TSS_SEL / 8; i++)
		ap_gdt[k][i] = gdt[i];
	ap_tss[k].rsp[0] = (uint64_t)ap_stacks[k] + AP_STACK;
	ap_tss[k].ist[0] = (uint64_t)ap_df_stacks[k] + sizeof(ap_df_stacks[k]);
	ap_tss[k].iomap_base = sizeof(ap_tss[k]);
	ap_gdt[k][TSS_SEL / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
				 (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	ap_gdt[k][TSS_SEL / 8 + 1] = base >> 32;
	__asm__ volatile("lgdt %0" :: "m"(g));
	__asm__ volatile("ltr %w0" :: "r"(TSS_SEL));
	__asm__ volatile("lidt %0" :: "m"(idtr));
}

/* An AP, from smp_boot.S: its tables, its LAPIC, then jobs forever. */
void ap_main(void)
{
	unsigned k = ap_booting, seen = job.gen;

	ap_tables(k);
	lapic_init();
	__atomic_or_fetch(&online_mask, 1u << k, __ATOMIC_SEQ_CST);
	for (;;) {
		cli();
		if (job.gen != seen) {
			seen = job.gen;
			sti();
			job.fn(k, job.arg);
			__atomic_add_fetch(&job.done, 1, __ATOMIC_SEQ_CST);
			continue;
		}
		__asm__ volatile("sti; hlt" ::: "memory");
	}
}

void smp_post(void (*fn)(unsigned cpu, uint64_t arg), uint64_t arg)
{
	job.fn = fn;
	job.arg = arg;
	job.done = 0;
	__atomic_add_fetch(&job.gen, 1, __ATOMIC_SEQ_CST);
	for (unsigned k = 1; k < smp_ncpus; k++)
		smp_send_ipi(smp_apic_id[k], ICR_FIXED | VEC_SMP_CALL);
}

int smp_wait(unsigned timeout_ms)
{
	uint64_t t0 = rdtsc(), limit = (uint64_t)timeout_ms * (host.tsc_khz ? host.tsc_khz : 1000000);

	while (job.done < smp_ncpus - 1)
		if (rdtsc() - t0 > limit)
			return -1;
		else
			__asm__ volatile("pause");
	return 0;
}

void smp_interrupt(unsigned vector)
{
	switch (vector) {
	case VEC_SMP_PING:
		smp_pings[smp_cpu()]++;
		smp_send_ipi(smp_apic_id[0], ICR_FIXED | VEC_SMP_PONG);
		break;
	case VEC_SMP_PONG:
		smp_pongs++;
		break;
	case VEC_SMP_FLUSH:
		__asm__ volatile("invlpg (%0)" :: "r"(smp_flush_addr) : "memory");
		__atomic_add_fetch(&smp_flush_acks, 1, __ATOMIC_SEQ_CST);
		break;
	case VEC_SMP_TICK:
		if (smp_tick)
			smp_tick(smp_cpu());
		break;
	default:
		break;          /* VEC_SMP_CALL: the wake-up is all */
	}
	lapic_eoi();
}

/* INIT, 10 ms, Start-up, and a second Start-up when the first did not
 * take (SDM vol. 3, 9.4.4.1); then up to a second for the AP to say so
 * (a software engine may run it slowly). */
static int start_ap(unsigned k)
{
	uint8_t id = smp_apic_id[k];

	ap_booting = k;
	ap_boot_stack = (uint64_t)ap_stacks[k] + AP_STACK;
	smp_send_ipi(id, ICR_INIT | ICR_ASSERT);
	smp_delay_us(10000);
	for (int sipi = 0; sipi < 2; sipi++) {
		smp_send_ipi(id, ICR_STARTUP | ICR_ASSERT | (AP_TRAMPOLINE >> 12));
		for (unsigned t = 0; t < (sipi ? 1000 : 1) && !(online_mask & (1u << k)); t++)
			smp_delay_us(sipi ? 1000 : 200);
		if (online_mask & (1u << k))
			return 0;
	}
	return -1;
}

void smp_init(void)
{
	uint8_t bsp = (uint8_t)(host.has_lapic ? lapic_rd(LAPIC_ID) >> 24 : 0);
	unsigned n, fw;

	smp_apic_id[0] = bsp;
	if (!host.has_lapic)
		return;
	/* The MP table, unless fw_cfg knows of more: SeaBIOS lists only the
	 * APs that answered its own INIT-SIPI (under QEMU TCG, not always
	 * all of them), QEMU's fw_cfg every CPU of -smp. */
	if ((n = from_mptable(bsp)))
		smp_source = "MP table";
	if ((fw = fwcfg_count()) > n && bsp == 0) {
		n = fw;
		smp_source = "fw_cfg";
		for (unsigned i = 0; i < n; i++)
			smp_apic_id[i] = (uint8_t)i;
	}
	if (!n)
		n = 1;
	smp_described = n;
	if (n < 2)
		return;
	__asm__ volatile("sidt %0" : "=m"(idtr));
	memcpy((void *)AP_TRAMPOLINE, ap_trampoline, (unsigned long)(ap_trampoline_end - ap_trampoline));
	for (unsigned k = 1; k < n; k++) {
		if (start_ap(k) < 0) {
			kprintf("guest: CPU %u (APIC ID %u) did not start\n", k, smp_apic_id[k]);
			break;
		}
		smp_ncpus = k + 1;
	}
}

static void triple_fault(unsigned cpu, uint64_t arg)
{
	struct desc_ptr none = { 0, 0 };

	(void)arg;
	if (cpu != smp_ncpus - 1)
		return;
	__asm__ volatile("lidt %0; ud2" :: "m"(none));
}

static void hang(unsigned cpu, uint64_t arg)
{
	(void)arg;
	if (cpu != smp_ncpus - 1)
		return;
	__asm__ volatile("cli");
	for (;;)
		__asm__ volatile("" ::: "memory");
}

void smp_hang_ap(void)
{
	if (smp_ncpus < 2) {
		kprintf("guest: crash=ap_hang: only one CPU\n");
		return;
	}
	kprintf("guest: crash=ap_hang: CPU %u spins with interrupts off, CPU 0 waits for it\n", smp_ncpus - 1);
	smp_post(hang, 0);
	__asm__ volatile("sti");        /* the BSP waits as kernel code does, interruptible */
	smp_wait(0xffffffffu);
}

void smp_crash_ap(void)
{
	if (smp_ncpus < 2) {
		kprintf("guest: crash=ap: only one CPU\n");
		return;
	}
	smp_post(triple_fault, 0);
	smp_delay_us(1000000);
}
