/* Bytes of the firmware tables the VM writes for the guest (MP tables,
 * ACPI): little-endian stores and the zero-sum checksum both use. */
#ifndef RINGBENCH_FW_BYTES_H
#define RINGBENCH_FW_BYTES_H

#include <stdint.h>

static inline void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }

/* The byte that makes all bytes of [p, p+n) sum to zero. */
static inline uint8_t checksum(const uint8_t *p, unsigned n)
{
	uint8_t sum = 0;

	for (unsigned i = 0; i < n; i++)
		sum = (uint8_t)(sum + p[i]);
	return (uint8_t)-sum;
}

#endif
