/* Host metadata from /proc, /sys, uname and the engine registry. */
#include "harness/hostinfo.h"

#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "engines/engine.h"

static void read_first_line(const char *path, char *out, size_t len)
{
	FILE *f = fopen(path, "r");

	out[0] = '\0';
	if (!f)
		return;
	if (fgets(out, (int)len, f))
		out[strcspn(out, "\n")] = '\0';
	fclose(f);
}

/* "key : value" from /proc/cpuinfo, first CPU. */
static void cpuinfo_field(const char *key, char *out, size_t len)
{
	char line[8192];
	FILE *f = fopen("/proc/cpuinfo", "r");

	out[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		if (!colon || strncmp(line, key, strlen(key)))
			continue;
		colon++;
		while (*colon == ' ')
			colon++;
		snprintf(out, len, "%s", colon);
		out[strcspn(out, "\n")] = '\0';
		break;
	}
	fclose(f);
}

static int has_flag(const char *flags, const char *flag)
{
	size_t n = strlen(flag);
	for (const char *p = flags; (p = strstr(p, flag)); p += n)
		if ((p == flags || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
	return 0;
}

double hostinfo_tsc_khz(const char **source)
{
	char buf[64];
	double khz;

	read_first_line("/sys/devices/system/cpu/cpu0/tsc_freq_khz", buf, sizeof(buf));
	if (buf[0] && sscanf(buf, "%lf", &khz) == 1 && khz > 0) {
		*source = "sysfs tsc_freq_khz";
		return khz;
	}
	/* Best of three 50 ms windows: a preemption only ever lengthens one. */
	double best = 0;
	for (int i = 0; i < 3; i++) {
		struct timespec a, b, d = { 0, 50 * 1000 * 1000 };
		clock_gettime(CLOCK_MONOTONIC_RAW, &a);
		uint64_t t0 = __rdtsc();
		nanosleep(&d, NULL);
		clock_gettime(CLOCK_MONOTONIC_RAW, &b);
		uint64_t t1 = __rdtsc();
		double ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
		double f = (t1 - t0) / ns * 1e6;
		if (i == 0 || f < best)   /* TSC read after the clock: f >= true */
			best = f;
	}
	*source = "calibrated vs CLOCK_MONOTONIC_RAW";
	return best;
}

double hostinfo_loadavg(void)
{
	char buf[128];
	double l = -1;

	read_first_line("/proc/loadavg", buf, sizeof(buf));
	if (sscanf(buf, "%lf", &l) != 1)
		l = -1;
	return l;
}

static void git_commit(char *out, size_t len)
{
	/* Read-only query; "unknown" outside a repository or before the
	 * first commit. */
	FILE *p = popen("git describe --always --dirty 2>/dev/null", "r");

	snprintf(out, len, "unknown");
	if (!p)
		return;
	if (fgets(out, (int)len, p))
		out[strcspn(out, "\n")] = '\0';
	if (pclose(p) != 0 || !out[0])
		snprintf(out, len, "unknown");
}

static void kvm_flavour(const char *flags, char *out, size_t len)
{
	const struct engine_ops *kvm = engine_find("kvm");
	char why[200] = "";

	/* The kvm engine's probe knows best (VT-x, AMD-V or PVM); without it
	 * say only what the CPU flags show, never guess VT-x. */
	if (kvm && kvm->probe) {
		int ok = kvm->probe(why, sizeof(why));
		snprintf(out, len, "%s%s", ok ? "" : "kvm unavailable: ", why[0] ? why : "kvm");
		return;
	}
	snprintf(out, len, "%s", has_flag(flags, "vmx") ? "VT-x (vmx flag)" :
		 has_flag(flags, "svm") ? "AMD-V (svm flag)" :
		 access("/dev/kvm", F_OK) == 0 ? "/dev/kvm without vmx/svm (PVM or nested)" :
		 "no /dev/kvm");
}

void hostinfo_collect(struct host_info *h)
{
	static char flags[8192];
	struct utsname u;
	char pretty[256];

	memset(h, 0, sizeof(*h));
	if (gethostname(h->hostname, sizeof(h->hostname) - 1) < 0)
		snprintf(h->hostname, sizeof(h->hostname), "unknown");
	cpuinfo_field("model name", h->cpu_model, sizeof(h->cpu_model));
	cpuinfo_field("flags", flags, sizeof(flags));
	snprintf(h->cpu_virt, sizeof(h->cpu_virt), "%s%s%s",
		 has_flag(flags, "vmx") ? "vmx " : "", has_flag(flags, "svm") ? "svm " : "",
		 has_flag(flags, "hypervisor") ? "hypervisor" : "");
	if (!h->cpu_virt[0])
		snprintf(h->cpu_virt, sizeof(h->cpu_virt), "none");
	kvm_flavour(flags, h->kvm_flavour, sizeof(h->kvm_flavour));
	if (uname(&u) == 0)
		snprintf(h->kernel, sizeof(h->kernel), "%s %s", u.sysname, u.release);
	FILE *f = fopen("/etc/os-release", "r");
	if (f) {
		while (fgets(pretty, sizeof(pretty), f))
			if (!strncmp(pretty, "PRETTY_NAME=", 12)) {
				char *v = pretty + 12;
				v[strcspn(v, "\n")] = '\0';
				if (*v == '"') {
					v++;
					v[strcspn(v, "\"")] = '\0';
				}
				snprintf(h->os, sizeof(h->os), "%.*s", (int)sizeof(h->os) - 1, v);
			}
		fclose(f);
	}
	git_commit(h->git_commit, sizeof(h->git_commit));
	const char *src = "";
	h->tsc_khz = hostinfo_tsc_khz(&src);
	snprintf(h->tsc_source, sizeof(h->tsc_source), "%s", src);
	h->ncpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	h->loadavg_start = hostinfo_loadavg();
}
