/* Paravirtual twins, each reported beside the trapping operation it
 * replaces (twin= on the begin line):
 *   hc_vmcall   null hypercall handled in the hypervisor (VMCALL/VMMCALL)
 *   hc_doorbell null hypercall handled by the VM process (ringbench doorbell)
 *   vif         a virtual interrupt flag in shared memory instead of CLI/STI
 *   pte_batch   one doorbell call applying 16 PTE updates instead of 16
 *               trapping PTE writes (twin of ptemod)
 * Unsupported where the host offers no such service (no ringbench leaf). */
#include "guests/kernel.h"
#include "guests/x86.h"
#include "microbench/bench.h"

#define BATCH 16

static uint64_t wrong, done;
static uint32_t count0;

static int need(uint32_t feature, const char *what, char *why)
{
	if (host.features & feature)
		return 0;
	mb_strlcpy(why, what, WHY_LEN);
	return 1;
}

static int mb_wrong_check(uint64_t expected, const char *what, char *why)
{
	if (wrong) {
		mb_strlcpy(why, what, WHY_LEN);
		return CHECK_FAIL;
	}
	return mb_count_check(why, "iterations", done, expected);
}

/* --- VMCALL (Intel) / VMMCALL (AMD): KVM patches neither here, so use the
 * vendor's own instruction --- */
/* KVM answers it in the host kernel under ringbench's kvm engine,
 * ringbench's software engines in the engine.  Only where the ringbench
 * leaf offers it, and not on PVM hosts, where VMCALL and VMMCALL at CPL0
 * hang the vCPU (docs/guest.md). */
static int vmcall_start(char *why)
{
	wrong = done = 0;
	if (need(RB_FEAT_VMCALL, "no null hypercall offered (leaf 0x40000001 bit 1 clear: no ringbench leaf, or PVM, where VMCALL hangs)", why))
		return 1;
	/* PVM's fingerprint: INT 0x80 at CPL3 raises #UD (syscall.c). */
	if (mb_streq(host.engine, "kvm") && !entry_paths.int80_ok) {
		mb_strlcpy(why, "PVM host (INT 0x80 faults at CPL3): VMCALL/VMMCALL would hang the vCPU", WHY_LEN);
		return 1;
	}
	count0 = rb_counter(RB_CNT_VMCALL);
	return 0;
}

static uint64_t hc_vmcall_body(uint64_t n)
{
	uint64_t bad = 0, c;

	if (host.amd)
		c = TIMED_LOOP(n, {
			uint64_t r = RB_KVM_HC_VAPIC_POLL_IRQ;  /* KVM's null hypercall: returns 0 */
			__asm__ volatile("vmmcall" : "+a"(r) :: "rbx", "rcx", "rdx", "rsi", "memory");
			bad += r != 0;
		});
	else
		c = TIMED_LOOP(n, {
			uint64_t r = RB_KVM_HC_VAPIC_POLL_IRQ;  /* KVM's null hypercall: returns 0 */
			__asm__ volatile("vmcall" : "+a"(r) :: "rbx", "rcx", "rdx", "rsi", "memory");
			bad += r != 0;
		});
	wrong += bad;
	done += n;
	return c;
}

static int hc_vmcall_check(uint64_t expected, char *why)
{
	int s = mb_wrong_check(expected, "the null hypercall did not return 0", why);

	/* Software engines count the calls; under kvm the host kernel
	 * answers them and the return value is the check. */
	if (s == CHECK_OK && (host.features & RB_FEAT_VMCALL) && !mb_streq(host.engine, "kvm"))
		s = mb_count_check(why, "hypercalls counted by the VMM",
				   (uint32_t)(rb_counter(RB_CNT_VMCALL) - count0),
				   (uint32_t)expected);
	return s;
}

/* --- doorbell: the VM process performs the call --- */
static struct rb_hcall hcall __attribute__((aligned(8)));

static int doorbell_start(char *why)
{
	wrong = done = 0;
	if (need(RB_FEAT_DOORBELL, "no ringbench doorbell here", why))
		return 1;
	count0 = rb_counter(RB_CNT_DOORBELL);
	return 0;
}

static inline uint64_t doorbell(uint64_t nr, uint64_t a0, uint64_t a1)
{
	hcall.nr = nr;
	hcall.args[0] = a0;
	hcall.args[1] = a1;
	hcall.ret = (uint64_t)-2;
	outl(RB_PORT_DOORBELL, (uint32_t)(uint64_t)&hcall);   /* identity-mapped */
	return *(volatile uint64_t *)&hcall.ret;
}

static uint64_t hc_doorbell_body(uint64_t n)
{
	uint64_t bad = 0, c = TIMED_LOOP(n, bad += doorbell(RB_HC_NULL, 0, 0) != 0);

	wrong += bad;
	done += n;
	return c;
}

static int hc_doorbell_check(uint64_t expected, char *why)
{
	int s = mb_wrong_check(expected, "the doorbell call did not return 0", why);

	if (s == CHECK_OK)
		s = mb_count_check(why, "doorbell calls counted by the VMM",
				   (uint32_t)(rb_counter(RB_CNT_DOORBELL) - count0),
				   (uint32_t)expected);
	return s;
}

/* --- virtual interrupt flag: the guest side of the protocol (Xen's
 * evtchn_upcall_mask): mask, unmask, and on unmask look for an interrupt
 * the host left pending, which would cost a hypercall.  No ringbench host
 * sets "pending" yet, so the check is that none was. --- */
static struct {
	volatile uint32_t masked, pending;
} vif_shared;

static int vif_start(char *why)
{
	wrong = done = 0;
	return need(RB_FEAT_DEVICE, "no host shares a virtual interrupt flag", why);
}

static uint64_t vif_body(uint64_t n)
{
	uint64_t pending = 0, c = TIMED_LOOP(n, {
		vif_shared.masked = 1;
		__asm__ volatile("" ::: "memory");
		vif_shared.masked = 0;
		if (vif_shared.pending)
			pending++;
	});

	wrong += pending || vif_shared.masked;
	done += n;
	return c;
}

static int vif_check(uint64_t expected, char *why)
{
	return mb_wrong_check(expected, "an interrupt was left pending", why);
}

/* --- batched PTE update: 16 PTEs of the ptemod region per doorbell call --- */
static uint64_t pte_pairs[BATCH][2] __attribute__((aligned(16)));

/* Map the batch's pages to frame 0 first, so an update that is not
 * applied reads back wrong instead of faulting. */
static int pte_batch_start(char *why)
{
	wrong = done = 0;
	if (need(RB_FEAT_PTE_BATCH, "no batched page-table update hypercall here", why))
		return 1;
	for (unsigned j = 0; j < BATCH; j++)
		pt_kpte[BATCH + j] = (uint64_t)kpte_frames[0] | PTE_P | PTE_W;
	write_cr3(read_cr3());
	return 0;
}

static uint64_t pte_batch_body(uint64_t n)
{
	uint64_t frame[2] = {
		(uint64_t)kpte_frames[0] | PTE_P | PTE_W,
		(uint64_t)kpte_frames[1] | PTE_P | PTE_W,
	};
	uint64_t bad = 0, t = 0, t0, t1;

	t0 = tsc_begin();
	for (uint64_t left = n; left;) {
		uint64_t k = left < BATCH ? left : BATCH;
		t ^= 1;
		for (uint64_t j = 0; j < k; j++) {
			pte_pairs[j][0] = (uint64_t)&pt_kpte[BATCH + j];
			pte_pairs[j][1] = frame[t];
		}
		bad += doorbell(RB_HC_PTE_BATCH, (uint64_t)pte_pairs, k) != 0;
		for (uint64_t j = 0; j < k; j++) {
			const volatile uint8_t *va =
				(const volatile uint8_t *)(KPTE_BASE + (BATCH + j) * 4096);
			invlpg(va);
			bad += *va != t;
		}
		left -= k;
	}
	t1 = tsc_end();
	wrong += bad;
	done += n;
	return t1 - t0;
}

static int pte_batch_check(uint64_t expected, char *why)
{
	return mb_wrong_check(expected, "a batched PTE update was not applied", why);
}

#define PV(n, tw, st, b, ck) { .name = n, .group = "pv", .class = "paravirt", .twin = tw, \
			       .ring = 0, .start = st, .body = b, .check = ck }

static const struct bench hc_vmcall_b = PV("hc_vmcall", "cpuid", vmcall_start,
					   hc_vmcall_body, hc_vmcall_check);
static const struct bench hc_doorbell_b = PV("hc_doorbell", "pio_out", doorbell_start,
					     hc_doorbell_body, hc_doorbell_check);
static const struct bench vif_b = PV("vif", "cli_sti", vif_start, vif_body, vif_check);
static const struct bench pte_batch_b = PV("pte_batch", "ptemod", pte_batch_start,
					   pte_batch_body, pte_batch_check);

const struct bench *const pv_benches[] = { &hc_vmcall_b, &hc_doorbell_b, &vif_b, &pte_batch_b };
const unsigned pv_count = sizeof(pv_benches) / sizeof(pv_benches[0]);
