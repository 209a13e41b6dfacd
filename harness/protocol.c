/* Parser for RB1/RBH1 lines: strict about what the harness needs (the
 * required keys per line kind, numbers that are numbers), lenient about
 * what it does not (unknown keys are kept and ignored, for forward
 * compatibility, as docs/protocol.md promises). */
#include "harness/protocol.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *prefix, *word;
	enum rbline_kind kind;
	const char *required;            /* space-separated keys */
} kinds[] = {
	{ "RB1",  "hello",    RBL_HELLO,    "version" },
	{ "RB1",  "begin",    RBL_BEGIN,    "seq bench" },
	{ "RB1",  "sample",   RBL_SAMPLE,   "seq bench rep iters cycles" },
	{ "RB1",  "end",      RBL_END,      "seq bench status" },
	{ "RB1",  "done",     RBL_DONE,     "" },
	{ "RBH1", "counters", RBL_COUNTERS, "seq" },
	{ "RBH1", "info",     RBL_INFO,     "" },
};

/* Keys whose values must be unsigned decimal numbers. */
static const char *const numeric_keys[] = {
	"seq", "rep", "iters", "cycles", "version", "ok", "failed", "unsupported",
};

const char *rbline_kind_name(enum rbline_kind k)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (kinds[i].kind == k)
			return kinds[i].word;
	return "?";
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*v = x;
	return 0;
}

const char *rbline_get(const struct rbline *l, const char *key)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->key[i], key))
			return l->val[i];
	return NULL;
}

int rbline_u64(const struct rbline *l, const char *key, uint64_t *v)
{
	return parse_u64(rbline_get(l, key), v);
}

static int fail(char *err, size_t len, const char *msg, const char *what)
{
	snprintf(err, len, "%s%s%s", msg, what ? ": " : "", what ? what : "");
	return -1;
}

/* Split "key=value key=value ... reason=free text" in place. */
static int split_fields(struct rbline *l, char *p, char *err, size_t len)
{
	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		char *eq = strchr(p, '=');
		char *sp = strchr(p, ' ');
		if (!eq || (sp && sp < eq) || eq == p)
			return fail(err, len, "field is not key=value", p);
		*eq = '\0';
		if (!strcmp(p, "reason")) {      /* always last, runs to the end */
			l->reason = eq + 1;
			break;
		}
		if (l->n == RBLINE_MAX_KV)
			return fail(err, len, "too many fields", NULL);
		l->key[l->n] = p;
		l->val[l->n] = eq + 1;
		l->n++;
		p = eq + 1;
		sp = strchr(p, ' ');
		if (sp) {
			*sp = '\0';
			p = sp + 1;
		} else {
			p += strlen(p);
		}
	}
	return 0;
}

int rbline_parse(const char *line, struct rbline *l, char *err, size_t len)
{
	const char *rest;
	size_t i;

	memset(l, 0, offsetof(struct rbline, buf));
	l->reason = "";
	if (!strncmp(line, "RB1 ", 4))
		rest = line + 4;
	else if (!strncmp(line, "RBH1 ", 5))
		rest = line + 5;
	else if (!strcmp(line, "RB1") || !strcmp(line, "RBH1"))
		return fail(err, len, "truncated line", line);
	else
		return 0;

	if (strlen(rest) >= sizeof(l->buf))
		return fail(err, len, "line too long", NULL);
	strcpy(l->buf, rest);

	char *word = l->buf, *p = strchr(l->buf, ' ');
	if (p)
		*p++ = '\0';
	else
		p = word + strlen(word);
	int is_host = line[2] == 'H';
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kinds[i].word, word) && (kinds[i].prefix[2] == 'H') == is_host)
			break;
	if (i == sizeof(kinds) / sizeof(kinds[0]))
		return fail(err, len, "unknown record", word);
	l->kind = kinds[i].kind;
	if (split_fields(l, p, err, len) < 0)
		return -1;

	/* Required keys present. */
	char req[64];
	snprintf(req, sizeof(req), "%s", kinds[i].required);
	for (char *save, *k = strtok_r(req, " ", &save); k; k = strtok_r(NULL, " ", &save))
		if (!rbline_get(l, k))
			return fail(err, len, "missing key", k);
	for (size_t j = 0; j < sizeof(numeric_keys) / sizeof(numeric_keys[0]); j++) {
		uint64_t v;
		const char *s = rbline_get(l, numeric_keys[j]);
		if (s && parse_u64(s, &v) < 0)
			return fail(err, len, "not a number", numeric_keys[j]);
	}
	if (l->kind == RBL_END) {
		const char *st = rbline_get(l, "status");
		if (strcmp(st, "ok") && strcmp(st, "fail") && strcmp(st, "unsupported"))
			return fail(err, len, "unknown status", st);
	}
	/* RBH1 counter values are unsigned numbers too. */
	if (l->kind == RBL_COUNTERS)
		for (size_t j = 0; j < l->n; j++) {
			uint64_t v;
			if (parse_u64(l->val[j], &v) < 0)
				return fail(err, len, "counter is not a number", l->key[j]);
		}
	return 1;
}
