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
