/* The standard devices the VM core puts on every VM's buses. */
#ifndef RINGBENCH_DEVICES_H
#define RINGBENCH_DEVICES_H

#include "engines/core/vm.h"

#define UART_COM1_BASE   0x3f8
#define DEBUG_EXIT_PORT  0xf4
#define FW_CFG_PORT      0x510  /* selector; data at 0x511 */
#define RBDEV_PORT_BASE  0x600
#define RBDEV_PORT_LEN   0x20
#define RBDEV_MARKER_LEN 0x08   /* BEGIN and END at the base: the harness reads counters */
#define RBDEV_NULL_PAGE  0xFEB00000ull
#define LAPIC_BASE       0xFEE00000ull

/* ringbench device counters (docs/platform.md) */
enum { RB_CNT_NULL_PORT, RB_CNT_DOORBELL, RB_CNT_NULL_PAGE, RB_CNT_VMCALL };

/* ringbench hypercall numbers, by doorbell (struct rb_hcall.nr) */
enum { RB_HC_NULL = 0, RB_HC_PTE_BATCH = 1 };
/* by VMCALL (KVM's numbering) */
#define HC_VAPIC_POLL_IRQ 1
#define HC_ENOSYS ((uint64_t)-1000)

int uart_register(struct vm *vm);
int debugexit_register(struct vm *vm);
int rbdev_register(struct vm *vm);
int fwcfg_register(struct vm *vm);

#endif
