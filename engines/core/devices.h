/* The standard devices the VM core puts on every VM's buses. */
#ifndef RINGBENCH_DEVICES_H
#define RINGBENCH_DEVICES_H

#include "engines/core/vm.h"
#include "include/ringbench/abi.h"   /* ports, addresses, counters, hypercalls */

int uart_register(struct vm *vm);
int debugexit_register(struct vm *vm);
int rbdev_register(struct vm *vm);
int fwcfg_register(struct vm *vm);
int rtc_register(struct vm *vm);

#endif
