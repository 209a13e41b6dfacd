/* The guest command line (docs/protocol.md): space-separated words. */
#include "guests/kernel.h"

struct options opt = { .budget_ms = 2, .reps = 5, .warmup = 1 };

static char buf[512];

static unsigned parse_uint(const char *s)
{
	unsigned v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (unsigned)(*s++ - '0');
	return v;
}

static int has_prefix(const char *w, const char *p)
{
	while (*p)
		if (*w++ != *p++)
			return 0;
	return 1;
}

void cmdline_parse(const char *line)
{
	unsigned n = 0;

	if (!line)
		return;
	while (line[n] && n + 1 < sizeof(buf)) {
		buf[n] = line[n];
		n++;
	}
	buf[n] = 0;
	for (char *w = buf; *w;) {
		char *end = w;
		while (*end && *end != ' ')
			end++;
		int last = !*end;
		*end = 0;
		if (has_prefix(w, "only="))
			opt.only = w + 5;
		else if (has_prefix(w, "crash="))
			opt.crash = w + 6;
		else if (has_prefix(w, "tick_fault="))
			opt.tick_fault = w + 11;
		else if (has_prefix(w, "fail="))
			opt.fail = w + 5;
		else if (has_prefix(w, "budget_ms="))
			opt.budget_ms = parse_uint(w + 10);
		else if (has_prefix(w, "stress="))
			opt.stress = parse_uint(w + 7);
		else if (has_prefix(w, "fpu="))
			opt.fpu = parse_uint(w + 4);
		else if (has_prefix(w, "reps="))
			opt.reps = parse_uint(w + 5);
		else if (has_prefix(w, "warmup="))
			opt.warmup = parse_uint(w + 7);
		else if (!strncmp(w, "sysret", 7))
			opt.sysret = 1;
		else if (!strncmp(w, "fixed_reps", 11))
			opt.fixed_reps = 1;
		else if (*w && w != buf)
			kprintf("guest: ignoring unknown command-line word '%s'\n", w);
		/* The first word may be the kernel's file name (QEMU passes it). */
		w = last ? end : end + 1;
		while (*w == ' ')
			w++;
	}
	if (!opt.budget_ms)
		opt.budget_ms = 1;
	if (!opt.reps)
		opt.reps = 1;
}
