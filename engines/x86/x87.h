/* The x87/SSE state helpers shared by ops_x87.c and ops_xsave.c. */
#ifndef RINGBENCH_X86_X87_H
#define RINGBENCH_X86_X87_H

#include <stdbool.h>
#include <stdint.h>

struct x86_cpu;

/* The power-up x87 state (SDM Vol. 3A Table 9-1) and XCR0 = 1. */
void x86_x87_reset(struct x86_cpu *cpu);
/* #NM for an x87 instruction (and FXSAVE/FXRSTOR): CR0.EM or CR0.TS. */
void x86_x87_check_nm(struct x86_cpu *cpu);
/* An unmasked x87 exception is pending (FSW flags not masked by FCW). */
bool x86_x87_pending(const struct x86_cpu *cpu);
/* Guest memory as a block, in 8/4/2/1-byte pieces (x86_read/x86_write);
 * x86_probe_write raises a store's #PF before anything is written (n <=
 * 4096: the first and the last byte cover every page). */
void x86_read_block(struct x86_cpu *cpu, uint64_t lin, unsigned n, uint8_t *buf);
void x86_write_block(struct x86_cpu *cpu, uint64_t lin, unsigned n, const uint8_t *buf);
void x86_probe_write(struct x86_cpu *cpu, uint64_t lin, unsigned n);

/* XCR0 components implemented: x87 and SSE. */
#define X86_XCR0_SUPPORTED 3ull
#define X86_XSAVE_SIZE 576u     /* legacy region 512 + header 64 */
#define FSW_ES 0x80u            /* FSW: exception summary */
#define FSW_B 0x8000u           /* FSW: busy (a copy of ES) */

#endif
