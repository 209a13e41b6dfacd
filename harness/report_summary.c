/* The terminal's one-screen summary of a run; report.md has everything. */
#include <stdio.h>
#include <string.h>

#include "harness/report.h"
#include "harness/report_cv.h"
#include "harness/table.h"
#include "harness/trap_profile.h"

static void engines_line(const struct run *r, FILE *f)
{
	char label[96];
	int col = fprintf(f, "Engines:");

	for (size_t i = 0; i < r->ne; i++) {
		const struct engine_result *e = &r->e[i];
		char item[200];
		size_t ok = 0;
		for (size_t j = 0; j < e->nb; j++)
			ok += !strcmp(e->b[j].status, "ok");
		engine_label(e, label, sizeof(label));
		if (!e->available)
			snprintf(item, sizeof(item), " %s unavailable", label);
		else
			snprintf(item, sizeof(item), " %s %s %zu/%zu%s", label, e->status, ok, e->nb,
				 engine_times_valid(e) ? "" : " (counts only)");
		if (i) {
			fputc(';', f);
			col++;
		}
		if (col + (int)strlen(item) > 100) {
			fputs("\n       ", f);
			col = 7;
		}
		col += fprintf(f, "%s", item);
	}
	fputc('\n', f);
	for (size_t i = 0; i < r->ne; i++) {
		const struct engine_result *e = &r->e[i];
		if (!e->available || (strcmp(e->status, "ok") && e->reason[0]))
			fprintf(f, "  %s: %.*s\n", e->name, 90 - (int)strlen(e->name),
				e->available ? e->reason : e->note);
	}
}

/* "kvm-amdv-nested (AMD-V, nested): 12 trap, 27 native, 4 paravirtual". */
static void trap_line(const struct run *r, FILE *f)
{
	const struct engine_result *es[RUN_MAX_ENGINES];
	size_t ne = trap_profile_engines(r, es, RUN_MAX_ENGINES);

	if (!ne)
		return;
	fprintf(f, "Trap profile (operations by how each technique handles them; report.md lists them):\n");
	for (size_t i = 0; i < ne; i++) {
		size_t count[TRAP_PARAVIRTUAL + 1] = { 0 };
		char label[96];
		for (size_t j = 0; j < es[i]->nb; j++) {
			struct trap_cell c;
			if (bench_is_loop(es[i]->b[j].name))
				continue;
			trap_profile_cell(es[i], &es[i]->b[j], &c);
			count[c.verdict]++;
		}
		engine_label(es[i], label, sizeof(label));
		fprintf(f, "  %-32s", label);
		const char *sep = " ";
		for (int v = TRAP_NATIVE; v <= TRAP_PARAVIRTUAL; v++)
			if (count[v]) {
				fprintf(f, "%s%zu %s", sep, count[v], trap_verdict_name(v));
				sep = ", ";
			}
		if (count[TRAP_NONE])
			fprintf(f, "%s%zu not measured", sep, count[TRAP_NONE]);
		fputc('\n', f);
	}
}

/* prefix then text, wrapped at word boundaries to 100 columns. */
static void wrap(FILE *f, const char *prefix, const char *text)
{
	int col = fprintf(f, "%s", prefix);
	const char *p = text;

	while (*p) {
		size_t w = strcspn(p, " ");
		if (col > (int)strlen(prefix) && col + 1 + (int)w > 100) {
			fprintf(f, "\n%*s", (int)strlen(prefix), "");
			col = (int)strlen(prefix);
		} else if (col > (int)strlen(prefix)) {
			fputc(' ', f);
			col++;
		}
		col += fprintf(f, "%.*s", (int)w, p);
		p += w;
		while (*p == ' ')
			p++;
	}
	fputc('\n', f);
}

/* "CV goal: at most 2% for every benchmark: kvm (PVM) not met (12 of 40
 * above); interp met", wrapped; report.md says why. */
static void cv_line(const struct run *r, FILE *f)
{
	char text[1024] = "at most 2% for every benchmark (report.md says why not):";
	size_t any = 0;

	for (size_t i = 0; i < r->ne; i++) {
		size_t total, missed, l = strlen(text);
		char label[96];
		if (!cv_goal_engine(&r->e[i]))
			continue;
		cv_goal_count(r, &r->e[i], &total, &missed);
		if (!total)
			continue;
		engine_label(&r->e[i], label, sizeof(label));
		if (missed)
			snprintf(text + l, sizeof(text) - l, "%s %s not met (%zu of %zu above)", any ? ";" : "",
				 label, missed, total);
		else
			snprintf(text + l, sizeof(text) - l, "%s %s met", any ? ";" : "", label);
		any++;
	}
	if (any)
		wrap(f, "CV goal: ", text);
}

void report_print_summary(const struct run *r, const char *dir, const char *plots_note, FILE *f)
{
	const struct host_info *h = &r->host;
	struct table t;
	size_t flav = strcspn(h->kvm_flavour, ":;");

	fprintf(f, "\nringbench run %s (%s): %.40s, KVM %.*s, TSC %.0f MHz, %s%s%s\n", r->id, r->state,
		h->cpu_model, (int)(flav < 40 ? flav : 40), h->kvm_flavour, h->tsc_khz / 1e3,
		r->quick ? "quick" : "full", r->only[0] ? ", only=" : "", r->only);
	engines_line(r, f);
	report_class_table(r, &t);
	if (t.nrows) {
		fprintf(f, "Cost by class (ns per operation; geometric mean over one benchmark set for all):\n");
		table_print_text(&t, f);
	}
	table_free(&t);
	trap_line(r, f);
	cv_line(r, f);
	fprintf(f, "Full report: %s/report.md (every benchmark, CIs, footnotes, legend)\n", dir);
	wrap(f, "Figures: ", plots_note);
}
