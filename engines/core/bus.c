/* Address-range buses for port I/O and MMIO. */
#include "engines/core/bus.h"

#include <stdlib.h>
#include <string.h>

int bus_register(struct bus *b, uint64_t base, uint64_t len, bus_handler fn,
		 void *dev, const char *name)
{
	unsigned i;

	if (len == 0 || base + len < base)
		return -1;
	for (i = 0; i < b->count; i++) {
		const struct bus_range *r = &b->ranges[i];
		if (base < r->base + r->len && r->base < base + len)
			return -1;
		if (r->base > base)
			break;
	}
	if (b->count == b->cap) {
		unsigned cap = b->cap ? b->cap * 2 : 8;
		struct bus_range *n = realloc(b->ranges, cap * sizeof(*n));
		if (!n)
			return -1;
		b->ranges = n;
		b->cap = cap;
	}
	memmove(&b->ranges[i + 1], &b->ranges[i], (b->count - i) * sizeof(*b->ranges));
	b->ranges[i] = (struct bus_range){ base, len, fn, dev, name, false, NULL };
	b->count++;
	return 0;
}

void bus_set_quiet(struct bus *b, uint64_t base,
		   bool (*quiet_now)(const void *dev, uint64_t offset, unsigned size, bool is_write))
{
	for (unsigned i = 0; i < b->count; i++)
		if (b->ranges[i].base == base) {
			b->ranges[i].quiet = !quiet_now;
			b->ranges[i].quiet_now = quiet_now;
		}
}

bool bus_quiet(struct bus *b, uint64_t addr, unsigned size, bool is_write)
{
	const struct bus_range *r = bus_lookup(b, addr);

	if (!r || addr + size > r->base + r->len)
		return false;
	return r->quiet || (r->quiet_now && r->quiet_now(r->dev, addr - r->base, size, is_write));
}

const struct bus_range *bus_find(const struct bus *b, uint64_t addr)
{
	unsigned lo = 0, hi = b->count;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		const struct bus_range *r = &b->ranges[mid];
		if (addr < r->base)
			hi = mid;
		else if (addr - r->base >= r->len)
			lo = mid + 1;
		else
			return r;
	}
	return NULL;
}

const struct bus_range *bus_lookup(struct bus *b, uint64_t addr)
{
	const struct bus_range *r;

	if (b->last < b->count) {
		r = &b->ranges[b->last];
		if (addr - r->base < r->len)    /* ranges never overlap: the one */
			return r;
	}
	r = bus_find(b, addr);
	if (r)
		b->last = (unsigned)(r - b->ranges);
	return r;
}

bool bus_access(struct bus *b, uint64_t addr, uint8_t *data, unsigned size,
		bool is_write)
{
	const struct bus_range *r = bus_lookup(b, addr);

	if (!r) {
		if (is_write) {
			b->unclaimed_writes++;
		} else {
			b->unclaimed_reads++;
			memset(data, 0xff, size);
		}
		return false;
	}
	r->fn(r->dev, addr - r->base, data, size, is_write);
	return true;
}

void bus_free(struct bus *b)
{
	free(b->ranges);
	b->ranges = NULL;
	b->count = b->cap = 0;
}
