/* Address-range buses: one for port I/O, one for MMIO.  Devices register
 * ranges; the exit dispatcher routes every access through bus_access(). */
#ifndef RINGBENCH_BUS_H
#define RINGBENCH_BUS_H

#include <stdbool.h>
#include <stdint.h>

/* offset is relative to the registered base. data holds size bytes,
 * little-endian; for a read the handler fills it. */
typedef void (*bus_handler)(void *dev, uint64_t offset, uint8_t *data,
			    unsigned size, bool is_write);

struct bus_range {
	uint64_t base, len;
	bus_handler fn;
	void *dev;
	const char *name;
	/* Its handler never changes an interrupt line or the VM's run state:
	 * an access needs no interrupt check after it (x86_mmio_quiet).
	 * quiet_now, where set: the same for one port access, in the
	 * device's present state (the UART with its interrupts off). */
	bool quiet;
	bool (*quiet_now)(const void *dev, uint64_t offset, unsigned size, bool is_write);
};

struct bus {
	const char *name;             /* "pio" or "mmio" */
	struct bus_range *ranges;     /* sorted by base, never overlapping */
	unsigned count, cap;
	unsigned last;                /* index bus_lookup found last: tried first */
	uint64_t unclaimed_reads, unclaimed_writes;
};

/* 0 on success, -1 if the range overlaps one already registered. */
int bus_register(struct bus *b, uint64_t base, uint64_t len, bus_handler fn,
		 void *dev, const char *name);
/* Mark the range registered at base quiet (quiet_now NULL), or quiet
 * when quiet_now says so (struct bus_range). */
void bus_set_quiet(struct bus *b, uint64_t base,
		   bool (*quiet_now)(const void *dev, uint64_t offset, unsigned size, bool is_write));
/* Does an access of size at addr need no interrupt check after it? */
bool bus_quiet(struct bus *b, uint64_t addr, unsigned size, bool is_write);
const struct bus_range *bus_find(const struct bus *b, uint64_t addr);
/* bus_find, trying the range found last first: the software engines
 * dispatch millions of accesses a second, mostly to one port or page. */
const struct bus_range *bus_lookup(struct bus *b, uint64_t addr);
/* Route an access.  Unclaimed: reads give all ones, writes are dropped,
 * both counted; returns false. */
bool bus_access(struct bus *b, uint64_t addr, uint8_t *data, unsigned size,
		bool is_write);
void bus_free(struct bus *b);

#endif
