/* The guest's CPUs (smp.c): how many the platform describes (MP table,
 * else fw_cfg), their bring-up by INIT-SIPI-SIPI, IPIs between them, and
 * the one job at a time the BSP hands the APs (the smp benchmarks). */
#ifndef GUEST_SMP_H
#define GUEST_SMP_H

#include <stdint.h>

#define SMP_MAX 8

/* IPI vectors */
#define VEC_SMP_CALL  0x22            /* wake an idle AP: a job is posted */
#define VEC_SMP_PING  0x23            /* answered with VEC_SMP_PONG to the BSP */
#define VEC_SMP_PONG  0x24
#define VEC_SMP_FLUSH 0x25            /* INVLPG smp_flush_addr, then acknowledge */
#define VEC_SMP_TICK  0x26            /* timer_jitter's periodic LAPIC timer: smp_tick() */

extern unsigned smp_ncpus;            /* CPUs online (the BSP is CPU 0) */
extern unsigned smp_described;        /* CPUs the platform tables describe */
extern const char *smp_source;        /* "MP table", "fw_cfg" or "none" */
extern uint8_t smp_apic_id[SMP_MAX];

/* Find the CPUs and start the APs (after host_detect and timer_init). */
void smp_init(void);
/* This CPU's index, from the stack it runs on (no exit). */
unsigned smp_cpu(void);

/* Send an IPI: ICR low word lo (vector, delivery mode, shorthand) to
 * APIC ID dest. */
void smp_send_ipi(unsigned dest, uint32_t lo);
#define ICR_FIXED    0x0000u
#define ICR_NMI      0x0400u
#define ICR_INIT     0x0500u
#define ICR_STARTUP  0x0600u
#define ICR_ASSERT   0x4000u
#define ICR_ALL_BUT_SELF (3u << 18)

/* Post fn(cpu, arg) to every AP (woken by VEC_SMP_CALL); smp_wait()
 * waits until all have returned, at most timeout_ms; 0, or -1 when some
 * did not. */
void smp_post(void (*fn)(unsigned cpu, uint64_t arg), uint64_t arg);
int smp_wait(unsigned timeout_ms);

/* Counters the IPI handlers keep, for the smp benchmarks' checks. */
extern volatile uint64_t smp_pings[SMP_MAX], smp_pongs, smp_flush_acks;
extern volatile uint64_t smp_flush_addr;

/* Called for VEC_SMP_TICK on the CPU it reached (set by timer_jitter). */
extern void (*volatile smp_tick)(unsigned cpu);

/* trap() hands these vectors here. */
void smp_interrupt(unsigned vector);

/* crash=ap: the last AP loads an empty IDT and faults: a triple fault.
 * Returns (after a second) only when that did not end the VM. */
void smp_crash_ap(void);
/* crash=ap_hang: the last AP spins for ever with interrupts off while
 * the BSP waits for it (a hung vCPU, for the engines' timeouts). */
void smp_hang_ap(void);

/* stress=N (smp_stress.c): N rounds of every CPU rewriting another's code
 * and PTE; prints the count of illegal observations, debug-exit 1 on any. */
void smp_stress(unsigned n);

/* fpu=N (smp_fpu.c): N rounds of every CPU holding its own x87, MXCSR
 * and XMM values across vCPU switches; debug-exit 1 on any change. */
void smp_fpu_check(unsigned n);

/* Busy-wait about ms milliseconds by the TSC. */
void smp_delay_us(uint64_t us);

#endif
