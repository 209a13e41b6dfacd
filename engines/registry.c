/* Every engine ringbench has, in the order reports list them. */
#include <stdio.h>
#include <string.h>

#include "engines/engine.h"

extern const struct engine_ops kvm_engine_ops;
extern const struct engine_ops interp_engine_ops;
extern const struct engine_ops bt_engine_ops;

static const struct engine_ops *const engines[] = {
	&kvm_engine_ops,
	&interp_engine_ops,
	&bt_engine_ops,
	NULL,
};

const struct engine_ops *const *engine_list(void)
{
	return engines;
}

const struct engine_ops *engine_find(const char *name)
{
	for (unsigned i = 0; engines[i]; i++)
		if (!strcmp(engines[i]->name, name))
			return engines[i];
	return NULL;
}

void engine_counter_put(struct engine_counter *out, size_t max, size_t *n, const char *name, uint64_t v)
{
	if (*n < max) {
		snprintf(out[*n].name, sizeof(out[*n].name), "%s", name);
		out[*n].value = v;
		(*n)++;
	}
}

size_t engine_counters_all(const struct engine_ops *ops, struct engine *e,
			   struct engine_counter *out, size_t max)
{
	struct engine_stats st;
	size_t n = 0;

	memset(&st, 0, sizeof(st));
	if (ops->stats)
		ops->stats(e, &st);
#define PUT(field, name, meaning) engine_counter_put(out, max, &n, name, st.field);
	ENGINE_STATS(PUT)
#undef PUT
	if (ops->counters && n < max)
		n += ops->counters(e, out + n, max - n);
	return n > max ? max : n;
}

uint64_t engine_counter_value(const struct engine_ops *ops, struct engine *e, const char *name)
{
	struct engine_counter c[512];
	size_t n = engine_counters_all(ops, e, c, sizeof(c) / sizeof(c[0]));

	for (size_t i = 0; i < n; i++)
		if (!strcmp(c[i].name, name))
			return c[i].value;
	return 0;
}
