/* Host fingerprints and comparability (docs/results.md, "Comparing runs"). */
#include "harness/hostkey.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

void hostkey_flavour(const struct host_info *h, char *out, size_t len)
{
	const char *f = h->kvm_flavour;

	/* hostinfo writes the kvm probe's note ("PVM (kvm_pvm): ...",
	 * "VT-x ...") or "kvm unavailable: why", or a CPU-flag guess. */
	if (!f[0] || !strncmp(f, "kvm unavailable", 15) || !strncmp(f, "no /dev/kvm", 11))
		snprintf(out, len, "none");
	else
		snprintf(out, len, "%.*s", (int)strcspn(f, " (:"), f);
}

/* Append s to out as [a-z0-9.-], runs of anything else one '-'. */
static void slug(char *out, size_t len, const char *s)
{
	size_t n = strlen(out);
	int dash = 0;

	for (; *s && n + 1 < len; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || c == '.') {
			if (dash && n > 0 && out[n - 1] != '_' && n + 2 < len)
				out[n++] = '-';
			dash = 0;
			out[n++] = (char)tolower(c);
		} else {
			dash = 1;
		}
	}
	out[n] = '\0';
}

void hostkey_fingerprint(const struct host_info *h, char *out, size_t len)
{
	char fl[64], tail[32];
	const char *rel = strchr(h->kernel, ' ');   /* "Linux 6.1.0-18-amd64" */

	if (!len)
		return;
	out[0] = '\0';
	slug(out, len, h->cpu_model[0] ? h->cpu_model : "unknown-cpu");
	hostkey_flavour(h, fl, sizeof(fl));
	snprintf(out + strlen(out), len - strlen(out), "_");
	slug(out, len, fl);
	snprintf(out + strlen(out), len - strlen(out), "_");
	slug(out, len, rel ? rel + 1 : h->kernel[0] ? h->kernel : "unknown-kernel");
	long mhz = h->tsc_khz > 0 ? lround(h->tsc_khz / 10000.0) * 10 : 0;
	snprintf(tail, sizeof(tail), "_%ldmhz", mhz);
	snprintf(out + strlen(out), len - strlen(out), "%s", tail);
}

static unsigned diff_str(FILE *f, const char *prefix, const char *what, const char *a, const char *b)
{
	if (!strcmp(a, b))
		return 0;
	if (f)
		fprintf(f, "%s%s differs: base '%s', run '%s'\n", prefix, what, a[0] ? a : "unknown",
			b[0] ? b : "unknown");
	return 1;
}

static unsigned diff_u64(FILE *f, const char *prefix, const char *what, uint64_t a, uint64_t b)
{
	if (a == b)
		return 0;
	if (f)
		fprintf(f, "%s%s differs: base %" PRIu64 ", run %" PRIu64 "\n", prefix, what, a, b);
	return 1;
}

unsigned hostkey_differences(const struct run *base, const struct run *cur,
			     const char *prefix, FILE *f)
{
	const struct host_info *a = &base->host, *b = &cur->host;
	char fa[64], fb[64];
	unsigned n = 0;

	n += diff_str(f, prefix, "host CPU model", a->cpu_model, b->cpu_model);
	hostkey_flavour(a, fa, sizeof(fa));
	hostkey_flavour(b, fb, sizeof(fb));
	n += diff_str(f, prefix, "KVM flavour", fa, fb);
	if (!(a->tsc_khz > 0 && b->tsc_khz > 0 &&
	      fabs(b->tsc_khz - a->tsc_khz) <= HOSTKEY_TSC_TOLERANCE * a->tsc_khz)) {
		if (f)
			fprintf(f, "%sTSC frequency differs by more than %.0f%%: base %.0f MHz, run %.0f MHz\n",
				prefix, HOSTKEY_TSC_TOLERANCE * 100, a->tsc_khz / 1000, b->tsc_khz / 1000);
		n++;
	}
	n += diff_str(f, prefix, "kernel", a->kernel, b->kernel);
	if (base->quick != cur->quick) {
		if (f)
			fprintf(f, "%sconfiguration differs: base is a %s run, run a %s run\n", prefix,
				base->quick ? "quick" : "full", cur->quick ? "quick" : "full");
		n++;
	}
	n += diff_u64(f, prefix, "configuration budget_ms", base->budget_ms, cur->budget_ms);
	n += diff_u64(f, prefix, "configuration reps", base->reps, cur->reps);
	n += diff_u64(f, prefix, "configuration warmup", base->warmup, cur->warmup);
	n += diff_u64(f, prefix, "configuration cpus", base->cpus ? base->cpus : 1, cur->cpus ? cur->cpus : 1);
	n += diff_str(f, prefix, "configuration only", base->only, cur->only);
	n += diff_str(f, prefix, "run state", base->state, cur->state);
	return n;
}
