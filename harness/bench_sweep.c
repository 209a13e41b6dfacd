/* `ringbench bench --overcommit 1,1.5,2,3,4`: the smp group at each
 * overcommit ratio (vCPUs per host CPU), one ordinary bench run per ratio
 * in <out>/<id>/x<ratio>/, then the sweep's report and figures in
 * <out>/<id>/ (harness/report_sweep.c). */
#include "harness/bench.h"

#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "harness/options.h"
#include "harness/report_sweep.h"

#define SWEEP_MAX_RATIOS 8
#define SWEEP_MAX_CPUS 8        /* what the MP table describes (run --cpus) */

static unsigned usable_host_cpus(void)
{
	cpu_set_t s;

	return sched_getaffinity(0, sizeof(s), &s) == 0 ? (unsigned)CPU_COUNT(&s) : 1;
}

int sweep_parse_ratios(const char *list, unsigned host_cpus, double *ratio, unsigned *cpus, size_t max)
{
	char buf[256];
	size_t n = 0;

	if (strlen(list) >= sizeof(buf) || !list[strspn(list, ", ")]) {
		fprintf(stderr, "ringbench bench: --overcommit '%.60s' is not a list of ratios like 1,1.5,2,3,4\n", list);
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *save, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		double v;
		if (n == max) {
			fprintf(stderr, "ringbench bench: --overcommit: at most %zu ratios\n", max);
			return -1;
		}
		if (opt_real("bench", "--overcommit", t, 0.01, SWEEP_MAX_CPUS, &v) < 0)
			return -1;
		/* The nearest whole number of vCPUs; the ratio recorded is
		 * the one that ran (vCPUs / host CPUs). */
		long c = lround(v * host_cpus);
		if (c < 2 || c > SWEEP_MAX_CPUS) {
			fprintf(stderr, "ringbench bench: --overcommit %s on %u host CPU(s) is %ld vCPUs; "
				"the smp group needs 2 to %d\n", t, host_cpus, c, SWEEP_MAX_CPUS);
			return -1;
		}
		for (size_t k = 0; k < n; k++)
			if (cpus[k] == (unsigned)c) {
				fprintf(stderr, "ringbench bench: --overcommit %s on %u host CPU(s) is %ld vCPUs "
					"again (ratio %g)\n", t, host_cpus, c, ratio[k]);
				return -1;
			}
		cpus[n] = (unsigned)c;
		ratio[n++] = (double)c / host_cpus;
	}
	return (int)n;
}

int bench_sweep(const struct bench_opts *o)
{
	double ratio[SWEEP_MAX_RATIOS];
	unsigned cpus[SWEEP_MAX_RATIOS];
	unsigned m = o->host_cpus ? o->host_cpus : usable_host_cpus();
	char id[64], dir[4096], sub[32];
	int n, rc = 0;

	if (o->cpus != 1) {
		fprintf(stderr, "ringbench bench: --overcommit sets the vCPUs of each run; leave out --cpus\n");
		return 2;
	}
	if ((n = sweep_parse_ratios(o->overcommit, m, ratio, cpus, SWEEP_MAX_RATIOS)) < 0)
		return 2;
	if (o->host_cpus > usable_host_cpus()) {
		fprintf(stderr, "ringbench bench: --host-cpus %u: only %u host CPUs are usable here\n",
			o->host_cpus, usable_host_cpus());
		return 2;
	}
	if (o->run_id) {
		snprintf(id, sizeof(id), "%s", o->run_id);
	} else {
		time_t t = time(NULL);
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(id, sizeof(id), "sweep-%Y%m%d-%H%M%S", &tm);
	}
	mkdir(o->out_dir, 0755);
	snprintf(dir, sizeof(dir), "%s/%s", o->out_dir, id);
	if (mkdir(dir, 0755) < 0) {
		fprintf(stderr, "ringbench bench: cannot create %s: %s\n", dir, strerror(errno));
		return 1;
	}
	fprintf(stderr, "ringbench: overcommit sweep in %s: %d ratio(s) on %u host CPU(s)\n", dir, n, m);
	for (int k = 0; k < n; k++) {
		struct bench_opts one = *o;
		one.overcommit = NULL;
		one.in_sweep = 1;
		one.no_plots = 1;       /* the sweep draws its own figures */
		one.cpus = cpus[k];
		one.host_cpus = m;
		one.only = o->only ? o->only : "smp";
		/* Engines whose times describe their technique (not native,
		 * which has no smp twins, nor the nested platform's). */
		one.engines = o->engines ? o->engines : "kvm,interp,bt,qemu-tcg,qemu-kvm";
		one.out_dir = dir;
		snprintf(sub, sizeof(sub), "x%g", ratio[k]);
		one.run_id = sub;
		fprintf(stderr, "ringbench: overcommit %gx: %u vCPUs on %u host CPU(s)\n", ratio[k], cpus[k], m);
		rc = bench_run(&one);
		if (rc == 130 || rc == 1)
			break;          /* interrupted, or results could not be written */
	}
	if (rc == 130 || rc == 1) {
		fprintf(stderr, "ringbench: sweep stopped; runs so far kept in %s\n", dir);
		return rc;
	}
	if (report_sweep_write(dir, o->no_plots, 1) < 0)
		return 1;
	return rc;
}
