/* Who runs us: the CPU vendor, the hypervisor leaf (ringbench, KVM, or
 * none), QEMU's TCG recognised by its CPU brand string, and the TSC
 * frequency that turns the time budget into cycles. */
#include "guests/kernel.h"
#include "guests/x86.h"
#include "microbench/tsc.h"

struct host host;

static void copy_regs(char *dst, const uint32_t *regs, unsigned n)
{
	memcpy(dst, regs, n * 4);
	dst[n * 4] = 0;
}

static int contains(const char *s, const char *w)
{
	unsigned n = 0;

	while (w[n])
		n++;
	for (; *s; s++)
		if (!strncmp(s, w, n))
			return 1;
	return 0;
}

/* PIT channel 0 as a rate generator, its count read back by latch
 * commands, against the TSC over 10 ms.  Channel 0 needs neither the
 * speaker port 0x61 (not served by KVM's in-kernel PIT on PVM hosts) nor a
 * gate; its interrupt stays masked.  0 where there is no PIT (the count
 * reads all ones and never moves). */
static unsigned pit_count(void)
{
	outb(0x43, 0x00);                        /* latch channel 0 */
	unsigned lo = inb(0x40);
	return lo | (unsigned)inb(0x40) << 8;
}

static uint64_t tsc_khz_from_pit(void)
{
	const unsigned ticks_10ms = 11932;       /* 1193182 Hz * 10 ms */
	unsigned elapsed = 0, prev, reads = 0;
	uint64_t t0, t1;

	outb(0x43, 0x34);                        /* ch 0, lo/hi, mode 2 */
	outb(0x40, 0xff);
	outb(0x40, 0xff);
	prev = pit_count();
	t0 = tsc_begin();
	while (elapsed < ticks_10ms && reads++ < 1000000) {
		unsigned c = pit_count();
		elapsed += (prev - c) & 0xffff;      /* counts down, wraps */
		prev = c;
		if (reads == 1000 && !elapsed)
			return 0;                        /* not moving: no PIT */
	}
	t1 = tsc_end();
	if (elapsed < ticks_10ms)
		return 0;
	return (t1 - t0) * 1193182ull / elapsed / 1000;    /* cycles per ms */
}

static void detect_tsc(uint32_t hv_max)
{
	uint32_t r[4];

	/* 0x40000010: TSC kHz in EAX, the convention KVM/VMware hosts use. */
	if (hv_max >= 0x40000010) {
		cpuid(0x40000010, 0, r);
		if (r[0]) {
			host.tsc_khz = r[0];
			host.tsc_source = "cpuid";
			return;
		}
	}
	host.tsc_khz = tsc_khz_from_pit();
	host.tsc_source = "pit";
	if (host.tsc_khz < 100000 || host.tsc_khz > 10000000) {
		host.tsc_khz = 2000000;
		host.tsc_source = "assumed";
	}
}

void host_detect(void)
{
	static const char *const engines[] = { "none", "kvm", "interp", "bt" };
	uint32_t r[4], hv_max = 0;
	char sig[13];

	cpuid(0, 0, r);
	uint32_t v[3] = { r[1], r[3], r[2] };
	copy_regs(host.vendor, v, 3);
	host.amd = !strncmp(host.vendor, "AuthenticAMD", 12);
	cpuid(1, 0, r);
	host.has_lapic = (r[3] >> 9) & 1;
	int hypervisor = (r[2] >> 31) & 1;
	cpuid(0x80000000, 0, r);
	if (r[0] >= 0x80000004) {
		uint32_t b[12];
		for (unsigned i = 0; i < 3; i++)
			cpuid(0x80000002 + i, 0, &b[4 * i]);
		copy_regs(host.brand, b, 12);
	}
	host.kind = "other";
	host.engine = "none";
	if (hypervisor) {
		cpuid(RB_CPUID_SIGNATURE, 0, r);
		hv_max = r[0];
		copy_regs(sig, &r[1], 3);
		if (r[1] == RB_CPUID_SIG_EBX && r[2] == RB_CPUID_SIG_ECX && r[3] == RB_CPUID_SIG_EDX) {
			host.kind = "ringbench";
			cpuid(RB_CPUID_FEATURES, 0, r);
			host.features = r[0];
			host.engine = r[1] < 4 ? engines[r[1]] : "none";
		} else if (!strncmp(sig, "KVMKVMKVM", 9)) {
			host.kind = "kvm";
		} else if (!strncmp(sig, "TCGTCGTCGTCG", 12)) {
			host.kind = "tcg";
		}
	} else if (contains(host.brand, "QEMU")) {
		host.kind = "tcg";     /* QEMU with KVM would set the hypervisor bit */
	}
	detect_tsc(hv_max);
}

uint32_t rb_counter(unsigned k)
{
	outl(RB_PORT_CNT_SELECT, k);
	return inl(RB_PORT_CNT_READ);
}
