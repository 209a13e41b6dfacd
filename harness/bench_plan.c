/* The engine line-up: built-in engines from the registry (probed, so an
 * unavailable one is listed with its reason), the native twins, and QEMU
 * TCG / KVM running the same guest image when QEMU is installed. */
#include "harness/bench.h"

#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engines/engine.h"
#include "harness/self.h"

static int wanted(const struct bench_opts *o, const char *name)
{
	if (!o->engines || !*o->engines || !strcmp(o->engines, "all"))
		return 1;
	size_t n = strlen(name);
	for (const char *p = o->engines; (p = strstr(p, name)); p += n)
		if ((p == o->engines || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return 1;
	return 0;
}

static void push(struct bench_plan *p, const char *fmt, ...)
{
	size_t i = 0;
	va_list ap;
	char *s;

	while (p->argv[i])
		i++;
	if (i + 1 >= sizeof(p->argv) / sizeof(p->argv[0]))
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	p->argv[i] = s;
}

static void guest_words(const struct bench_opts *o, struct bench_plan *p, int as_one)
{
	char w[512];

	snprintf(w, sizeof(w), "%s%s%sbudget_ms=%u reps=%u warmup=%u",
		 o->only ? "only=" : "", o->only ? o->only : "", o->only ? " " : "",
		 o->budget_ms, o->reps, o->warmup);
	if (as_one) {
		push(p, "%s", w);
		return;
	}
	for (char *save, *t = strtok_r(w, " ", &save); t; t = strtok_r(NULL, " ", &save))
		push(p, "%s", t);
}

static struct bench_plan *add(struct bench_plan *p, size_t *n, size_t max,
			      const char *name, const char *kind)
{
	if (*n == max)
		return NULL;
	struct bench_plan *e = &p[(*n)++];
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", name);
	snprintf(e->kind, sizeof(e->kind), "%s", kind);
	return e;
}

static void qemu_version(const char *qemu, char *out, size_t len)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "%s --version 2>/dev/null", qemu);
	FILE *f = popen(cmd, "r");
	out[0] = '\0';
	if (!f)
		return;
	if (fgets(out, (int)len, f))
		out[strcspn(out, "\n")] = '\0';
	pclose(f);
}

/* An executable on PATH (or a path). */
static int have_program(const char *name)
{
	if (strchr(name, '/'))
		return access(name, X_OK) == 0;
	char buf[4096], path[4200];
	const char *env = getenv("PATH");
	snprintf(buf, sizeof(buf), "%s", env ? env : "/usr/bin:/bin");
	for (char *save, *d = strtok_r(buf, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(path, sizeof(path), "%s/%s", d, name);
		if (access(path, X_OK) == 0)
			return 1;
	}
	return 0;
}

static void plan_builtin(const struct bench_opts *o, struct bench_plan *p,
			 const struct engine_ops *ops)
{
	char exe[4096];

	p->available = ops->probe ? ops->probe(p->note, sizeof(p->note)) : 1;
	if (!p->available)
		return;
	if (access(o->kernel, R_OK) != 0) {
		p->available = 0;
		snprintf(p->note, sizeof(p->note), "guest %s not built (make guest)", o->kernel);
		return;
	}
	self_exe(exe, sizeof(exe));
	push(p, "%s", exe);
	push(p, "run");
	push(p, "--engine");
	push(p, "%s", ops->name);
	push(p, "--records");
	if (o->cpus > 1) {
		push(p, "--cpus");
		push(p, "%u", o->cpus);
	}
	if (o->host_cpus) {
		push(p, "--host-cpus");
		push(p, "%u", o->host_cpus);
	}
	push(p, "--timeout");
	push(p, "%g", p->timeout_s);   /* as given: 0.4 must not become 0 */
	push(p, "%s", o->kernel);
	push(p, "--");
	guest_words(o, p, 0);
}

/* "0,1" for the first m host CPUs this process may use (those run
 * --host-cpus m pins to), for QEMU's taskset -c; -1 when fewer exist. */
static int first_host_cpus(unsigned m, char *out, size_t len)
{
	cpu_set_t allowed;
	unsigned have = 0;

	out[0] = '\0';
	if (sched_getaffinity(0, sizeof(allowed), &allowed) < 0)
		return -1;
	for (int c = 0; c < CPU_SETSIZE && have < m; c++)
		if (CPU_ISSET(c, &allowed)) {
			size_t l = strlen(out);
			snprintf(out + l, len - l, "%s%d", have ? "," : "", c);
			have++;
		}
	return have == m ? 0 : -1;
}

static void plan_qemu(const struct bench_opts *o, struct bench_plan *p, const char *accel)
{
	char pin[256];

	if (!have_program(o->qemu)) {
		snprintf(p->note, sizeof(p->note), "%s not installed (apt-get install qemu-system-x86)", o->qemu);
		return;
	}
	if (access(o->kernel32, R_OK) != 0) {
		snprintf(p->note, sizeof(p->note), "guest %s not built (make guest)", o->kernel32);
		return;
	}
	/* The kvm engine's own probe: /dev/kvm that opens is not enough (it
	 * may be /dev/null bound over it, or another API version), and QEMU
	 * failing there is unavailability, not a crash. */
	const struct engine_ops *kvm = engine_find("kvm");
	char why[256];
	if (!strcmp(accel, "kvm") && (!kvm || !kvm->probe(why, sizeof(why)))) {
		snprintf(p->note, sizeof(p->note), "KVM not usable: %.200s", kvm ? why : "no kvm engine");
		return;
	}
	/* --host-cpus: QEMU's threads pinned as run --host-cpus pins the
	 * built-in engines', so its overcommit ratio is the same. */
	if (o->host_cpus && (!have_program("taskset") || first_host_cpus(o->host_cpus, pin, sizeof(pin)) < 0)) {
		snprintf(p->note, sizeof(p->note), "--host-cpus %u: %s", o->host_cpus,
			 have_program("taskset") ? "fewer host CPUs usable by this process"
			 : "taskset not installed (util-linux)");
		return;
	}
	p->available = 1;
	qemu_version(o->qemu, p->version, sizeof(p->version));
	snprintf(p->note, sizeof(p->note), "%s, -accel %s", p->version[0] ? p->version : o->qemu, accel);
	if (o->host_cpus) {
		push(p, "taskset");
		push(p, "-c");
		push(p, "%s", pin);
	}
	push(p, "%s", o->qemu);
	push(p, "-accel");
	push(p, "%s", accel);
	push(p, "-cpu");
	push(p, "qemu64");
	push(p, "-kernel");
	push(p, "%s", o->kernel32);
	push(p, "-append");
	guest_words(o, p, 1);
	const char *rest[] = { "-serial", "stdio", "-display", "none", "-monitor", "none",
			       "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
			       "-no-reboot", "-m", "64", NULL };
	for (size_t i = 0; rest[i]; i++)
		push(p, "%s", rest[i]);
	if (o->cpus > 1) {
		push(p, "-smp");
		push(p, "%u", o->cpus);
	}
}

/* ringbench's own kvm engine on AMD-V emulated by QEMU's TCG, inside
 * Debian's kernel (harness/nested/, docs/nested.md).  Exit counts per
 * operation there are real AMD-V behaviour; times are not (QEMU emulates
 * SVM), so the guest runs with short budgets whatever the run's are. */
static void plan_nested(const struct bench_opts *o, struct bench_plan *p)
{
	char dir[4096], exe[4096], script[4200], image[4200], probe[4300];
	char cmd[8800];

	self_dir(dir, sizeof(dir));
	self_exe(exe, sizeof(exe));
	snprintf(script, sizeof(script), "%s/harness/nested/run.sh", dir);
	snprintf(image, sizeof(image), "%s/build/nested", dir);
	if (!have_program(o->qemu)) {
		snprintf(p->note, sizeof(p->note), "%s not installed (apt-get install qemu-system-x86)", o->qemu);
		return;
	}
	if (access(script, R_OK) != 0) {
		snprintf(p->note, sizeof(p->note), "%.200s missing", script);
		return;
	}
	if (access(o->kernel, R_OK) != 0) {
		snprintf(p->note, sizeof(p->note), "guest %s not built (make guest)", o->kernel);
		return;
	}
	snprintf(probe, sizeof(probe), "%s/vmlinuz", image);
	if (access(probe, R_OK) != 0) {
		if (o->list_only) {
			p->available = 1;
			snprintf(p->note, sizeof(p->note), "AMD-V emulated by QEMU TCG; first use fetches "
				 "Debian's kernel and busybox-static into %.120s (make nested)", image);
			return;
		}
		/* Fetch and build now, outside the engine's timeout; cached. */
		FILE *f;
		snprintf(cmd, sizeof(cmd), "sh '%s/harness/nested/image.sh' '%s' 2>&1", dir, image);
		if (!(f = popen(cmd, "r")))
			return;
		while (fgets(p->note, sizeof(p->note), f))
			p->note[strcspn(p->note, "\n")] = '\0';
		if (pclose(f) != 0)
			return;         /* its last line says why */
	}
	p->available = 1;
	snprintf(probe, sizeof(probe), "%s/kernel-package", image);
	FILE *kf = fopen(probe, "r");
	char kpkg[96] = "Debian's kernel";
	if (kf) {
		if (fgets(kpkg, sizeof(kpkg), kf))
			kpkg[strcspn(kpkg, "\n")] = '\0';
		fclose(kf);
	}
	qemu_version(o->qemu, p->version, sizeof(p->version));
	snprintf(p->note, sizeof(p->note), "AMD-V (kvm_amd, nested paging) emulated by %s TCG in %s: "
		 "exit counts real, times not representative of hardware",
		 p->version[0] ? p->version : o->qemu, kpkg);
	push(p, "sh");
	push(p, "%s", script);
	push(p, "--image");
	push(p, "%s", image);
	push(p, "--qemu");
	push(p, "%s", o->qemu);
	push(p, "--timeout");
	push(p, "%.0f", p->timeout_s > 10 ? p->timeout_s - 5 : p->timeout_s);
	push(p, "%s", exe);
	push(p, "%s", o->kernel);
	push(p, "run");
	push(p, "--engine");
	push(p, "kvm");
	push(p, "--records");
	push(p, "--timeout");
	push(p, "%.0f", p->timeout_s > 70 ? p->timeout_s - 40 : 30);
	push(p, "kernel.elf");
	push(p, "--");
	struct bench_opts q = *o;
	q.budget_ms = 1;
	q.reps = 3;
	q.warmup = 1;
	guest_words(&q, p, 0);
}

/* The guests and twins built beside this binary, so bench works from any
 * directory (as run does); results go to ./results. */
void bench_opts_default(struct bench_opts *o)
{
	static char kernel[4200], kernel32[4200], native[4200];
	char dir[4096];

	self_dir(dir, sizeof(dir));
	snprintf(kernel, sizeof(kernel), "%s/build/guests/kernel.elf", dir);
	snprintf(kernel32, sizeof(kernel32), "%s/build/guests/kernel32.elf", dir);
	snprintf(native, sizeof(native), "%s/build/microbench/native", dir);
	memset(o, 0, sizeof(*o));
	o->out_dir = "results";
	o->kernel = kernel;
	o->kernel32 = kernel32;
	o->native = native;
	o->qemu = "qemu-system-x86_64";
	o->cpus = 1;
}

size_t bench_plan_make(const struct bench_opts *o, struct bench_plan *p, size_t max)
{
	size_t n = 0;
	struct bench_plan *e;
	double t = o->timeout_s > 0 ? o->timeout_s : (o->quick ? 120 : 900);

	for (const struct engine_ops *const *ops = engine_list(); ops && *ops; ops++)
		if (wanted(o, (*ops)->name) && (e = add(p, &n, max, (*ops)->name, "builtin"))) {
			e->timeout_s = t;
			plan_builtin(o, e, *ops);
		}
	if (wanted(o, "native") && (e = add(p, &n, max, "native", "native"))) {
		e->timeout_s = t;
		if (access(o->native, X_OK) != 0) {
			snprintf(e->note, sizeof(e->note), "%s not built (make guest)", o->native);
		} else {
			e->available = 1;
			snprintf(e->note, sizeof(e->note), "native twins of the unprivileged benchmarks");
			push(e, "%s", o->native);
			guest_words(o, e, 0);
		}
	}
	if (wanted(o, "qemu-tcg") && (e = add(p, &n, max, "qemu-tcg", "qemu"))) {
		e->timeout_s = 2 * t;     /* TCG boots and calibrates slower */
		plan_qemu(o, e, "tcg");
	}
	if (wanted(o, "qemu-kvm") && (e = add(p, &n, max, "qemu-kvm", "qemu"))) {
		e->timeout_s = t;
		plan_qemu(o, e, "kvm");
	}
	if (wanted(o, "kvm-amdv-nested") && (e = add(p, &n, max, "kvm-amdv-nested", "nested"))) {
		/* Its guest always runs short budgets (about 15 s with the boot),
		 * so a fixed bound, not the full run's 900 s: a stalled nested
		 * guest (seen: a lost HLT wake-up, docs/nested.md) costs little. */
		e->timeout_s = o->timeout_s > 0 ? t : 180;
		plan_nested(o, e);
	}
	for (size_t i = 0; i < o->n_engine_cmd; i++) {
		char name[24];
		const char *eq = strchr(o->engine_cmd[i], '=');
		if (!eq || eq == o->engine_cmd[i])
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(eq - o->engine_cmd[i]), o->engine_cmd[i]);
		if (!(e = add(p, &n, max, name, "test")))
			break;
		e->available = 1;
		e->timeout_s = t;
		snprintf(e->note, sizeof(e->note), "test engine (--engine-cmd)");
		push(e, "/bin/sh");
		push(e, "-c");
		push(e, "exec %s \"$@\"", eq + 1);
		push(e, "%s", name);
		guest_words(o, e, 0);
	}
	return n;
}

/* A rough duration: every benchmark's repetitions at the budget, each
 * paired with an empty loop as long (the guest may add up to 4x --reps
 * where results are noisy: the upper bound), plus what starting the
 * engine costs.  The suite has 43 benchmarks; with only= the count is not
 * known here, so the whole suite is the upper bound. */
void bench_plan_estimate(const struct bench_opts *o, const struct bench_plan *p, size_t n,
			 double *lo_s, double *hi_s)
{
	const double benches = 43;
	*lo_s = *hi_s = 0;
	for (size_t i = 0; i < n; i++) {
		if (!p[i].available)
			continue;
		int nested = !strcmp(p[i].kind, "nested");
		double budget = (nested ? 1 : o->budget_ms) / 1e3;
		unsigned reps = nested ? 3 : o->reps, warm = nested ? 1 : o->warmup;
		unsigned most = 4 * reps < 64 ? 4 * reps : 64;
		double start = nested ? 12 : !strcmp(p[i].kind, "qemu") ? 1 : 0.3;
		*lo_s += start + (o->only ? 1 : benches) * (2 * reps + warm + 3) * budget;
		*hi_s += start * 1.5 + benches * (2 * most + warm + 3) * budget;
	}
}

void bench_plan_free(struct bench_plan *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; p[i].argv[k]; k++)
			free(p[i].argv[k]);
}

void bench_plan_cmdline(const struct bench_plan *p, char *out, size_t len)
{
	out[0] = '\0';
	for (size_t k = 0; p->argv[k]; k++) {
		size_t l = strlen(out);
		int quote = strpbrk(p->argv[k], " \"'$") != NULL;
		snprintf(out + l, len - l, "%s%s%s%s", k ? " " : "", quote ? "'" : "",
			 p->argv[k], quote ? "'" : "");
	}
}
