/* The vCPU's binary statistics (KVM_GET_STATS_FD): exits KVM handled in the
 * kernel, which user space never sees as KVM_RUN returns. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "engines/kvm/kvm.h"

void kvm_stats_open(struct kvm_engine *k)
{
	struct kvm_stats_header h;
	size_t desc_size;
	char *descs;

	k->stats_fd = ioctl(k->vcpu_fd, KVM_GET_STATS_FD, NULL);
	if (k->stats_fd < 0)
		return;                 /* older kernels: user-space exits only */
	if (pread(k->stats_fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
		goto none;
	desc_size = sizeof(struct kvm_stats_desc) + h.name_size;
	descs = malloc(desc_size * h.num_desc);
	if (!descs)
		goto none;
	if (pread(k->stats_fd, descs, desc_size * h.num_desc, h.desc_offset) !=
	    (ssize_t)(desc_size * h.num_desc)) {
		free(descs);
		goto none;
	}
	for (unsigned i = 0; i < h.num_desc && k->n_stats < KVM_STATS_MAX; i++) {
		struct kvm_stats_desc *d = (struct kvm_stats_desc *)(descs + i * desc_size);
		if ((d->flags & KVM_STATS_TYPE_MASK) != KVM_STATS_TYPE_CUMULATIVE || d->size != 1)
			continue;
		snprintf(k->stats[k->n_stats].name, sizeof(k->stats[0].name), "kvm.%.40s", d->name);
		k->stats[k->n_stats].offset = h.data_offset + d->offset;
		k->n_stats++;
	}
	free(descs);
	return;
none:
	close(k->stats_fd);
	k->stats_fd = -1;
}

size_t kvm_stats_read(struct kvm_engine *k, struct engine_counter *out, size_t max)
{
	size_t n = 0;

	for (unsigned i = 0; i < k->n_stats && n < max; i++) {
		uint64_t v;
		if (pread(k->stats_fd, &v, sizeof(v), (off_t)k->stats[i].offset) != (ssize_t)sizeof(v))
			continue;
		memcpy(out[n].name, k->stats[i].name, sizeof(out[n].name));
		out[n].value = v;
		n++;
	}
	return n;
}

uint64_t kvm_stat_value(struct kvm_engine *k, const char *name)
{
	uint64_t v;

	for (unsigned i = 0; i < k->n_stats; i++)
		if (!strcmp(k->stats[i].name, name))
			return pread(k->stats_fd, &v, sizeof(v), (off_t)k->stats[i].offset) == (ssize_t)sizeof(v) ? v : 0;
	return 0;
}
