/* A little-endian value of `size` bytes (1 to 8) to or from an exit's data
 * buffer, as one move where the size is 1, 2, 4 or 8.  A memcpy of a
 * variable size is a call into libc whose narrow (or masked) stores the
 * wider load after it cannot forward from: that stall, waiting for every
 * older store to commit, was most of phys_read's time on each MMIO read
 * (82% of its samples, on the load after mmio_exit). */
#ifndef RINGBENCH_SIZED_H
#define RINGBENCH_SIZED_H

#include <stdint.h>
#include <string.h>

static inline uint64_t sized_load(const uint8_t *p, unsigned size)
{
	uint8_t b; uint16_t h; uint32_t w; uint64_t q;

	switch (size) {
	case 1: memcpy(&b, p, 1); return b;
	case 2: memcpy(&h, p, 2); return h;
	case 4: memcpy(&w, p, 4); return w;
	case 8: memcpy(&q, p, 8); return q;
	default:
		q = 0;
		for (unsigned i = 0; i < size && i < 8; i++)
			q |= (uint64_t)p[i] << (8 * i);
		return q;
	}
}

static inline void sized_store(uint8_t *p, unsigned size, uint64_t v)
{
	uint8_t b = (uint8_t)v; uint16_t h = (uint16_t)v; uint32_t w = (uint32_t)v;

	switch (size) {
	case 1: memcpy(p, &b, 1); return;
	case 2: memcpy(p, &h, 2); return;
	case 4: memcpy(p, &w, 4); return;
	case 8: memcpy(p, &v, 8); return;
	default:
		for (unsigned i = 0; i < size && i < 8; i++)
			p[i] = (uint8_t)(v >> (8 * i));
	}
}

#endif
