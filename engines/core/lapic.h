/* The software local APIC of the software engines (interp, bt), at
 * 0xFEE00000 on the VM core's MMIO bus: timer (one-shot, periodic), EOI,
 * TPR, self-IPI (Fixed, Lowest Priority, NMI), LINT0/LINT1, messages from
 * the IOAPIC.  The engine asks it, at instruction boundaries, for an NMI,
 * an ExtINT (the PIC, acknowledged through lapic_extint_ack) and the
 * highest deliverable vector, and accepts what it delivers. */
#ifndef RINGBENCH_LAPIC_H
#define RINGBENCH_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct lapic;

/* Create vm->n_cpus LAPICs (APIC IDs 0..n-1, vm->lapics; the APs in
 * wait-for-SIPI), register the MMIO window (which shows the running
 * vCPU's, vm->lapic) and set vm->lapic = the BSP's and vm->hlt_wait.  The
 * VM owns them (freed with the VM).  NULL on failure. */
struct lapic *lapic_create(struct vm *vm);

/* Back to the power-up state (nothing pending, in service or timed, LVTs
 * masked, software-disabled): for tests that reuse a VM. */
void lapic_reset(struct lapic *l);

/* Highest vector the LAPIC would deliver now (IRR above the processor
 * priority), or -1.  Advances the timer to the present first. */
int lapic_pending(struct lapic *l);
/* The CPU takes vector vec: IRR -> ISR. */
void lapic_accept(struct lapic *l, int vec);

/* An NMI sent to ourselves through the ICR: pending, and taken. */
bool lapic_nmi_pending(const struct lapic *l);
void lapic_take_nmi(struct lapic *l);

/* INIT and Start-up IPIs, for the vCPU scheduler: an INIT taken resets
 * the LAPIC into wait-for-SIPI (true when one had arrived); a Start-up
 * taken returns its vector (or -1) and leaves wait-for-SIPI. */
bool lapic_take_init(struct lapic *l);
int lapic_take_sipi(struct lapic *l);
bool lapic_waiting_sipi(const struct lapic *l);

/* TPR, for MOV CR8 (CR8 = TPR[7:4]). */
uint8_t lapic_get_tpr(const struct lapic *l);
void lapic_set_tpr(struct lapic *l, uint8_t tpr);

/* For bt's inline MOV CR8: where the TPR is kept, and the highest vector
 * in the IRR (masked or not), or -1. */
uint32_t *lapic_tpr_ref(struct lapic *l);
int lapic_irr_highest(const struct lapic *l);
/* Is any IRR bit set or an ExtINT waiting (bt's irq_hint): a few ORs,
 * where lapic_irr_highest scans word by word. */
bool lapic_irr_any(const struct lapic *l);

/* Can the LAPIC itself wake a halted vCPU with interrupts enabled: a
 * deliverable interrupt, an NMI or ExtINT pending, or its timer running
 * with its LVT entry unmasked?  (The platform's other sources: platform.c.) */
int lapic_can_wake(struct lapic *l);

/* An interrupt message for this CPU (from the IOAPIC) by delivery mode
 * (0 Fixed, 1 Lowest Priority, 4 NMI, 7 ExtINT; SMI, INIT, Start-up
 * ignored); level: level-triggered (its EOI is broadcast to the IOAPIC). */
void lapic_deliver(struct lapic *l, unsigned mode, int vec, bool level);
/* Is this CPU (APIC ID 0) among the destination (physical or logical)? */
bool lapic_accepts_dest(const struct lapic *l, unsigned dest, bool logical);
/* LINT0 (the PIC's INT) or LINT1 changed level. */
void lapic_lint(struct lapic *l, unsigned pin, bool level);
/* Is an ExtINT interrupt waiting (LINT0 in ExtINT mode with the PIC's
 * INT high, or an ExtINT message)?  It bypasses the IRR and TPR. */
bool lapic_extint_pending(const struct lapic *l);
/* Is LINT0 set up for the PIC (ExtINT, unmasked)? */
bool lapic_accepts_extint(const struct lapic *l);
/* Take it: the INTA cycle to the PIC, which gives the vector. */
int lapic_extint_ack(struct lapic *l);

/* Host CLOCK_MONOTONIC time of the LAPIC timer's expiry, 0 if none
 * (the next of every device's: vm_timers_next). */
uint64_t lapic_next_deadline(const struct lapic *l);

/* The timer counts at 1 GHz before the divider, as KVM's LAPIC does. */
#define LAPIC_TIMER_HZ 1000000000ull

#endif
