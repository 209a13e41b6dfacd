/* The result-line protocol (docs/protocol.md): RB1 lines from the guest,
 * RBH1 lines from the VM process.  One parser for every reader. */
#ifndef RINGBENCH_PROTOCOL_H
#define RINGBENCH_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

enum rbline_kind {
	RBL_HELLO, RBL_BEGIN, RBL_SAMPLE, RBL_END, RBL_DONE,   /* RB1 */
	RBL_COUNTERS, RBL_INFO,                                /* RBH1 */
};

#define RBLINE_MAX_KV 96

struct rbline {
	enum rbline_kind kind;
	size_t n;                        /* key=value pairs, in line order */
	const char *key[RBLINE_MAX_KV];
	const char *val[RBLINE_MAX_KV];
	const char *reason;              /* "" when absent */
	char buf[4096];                  /* keys and values point in here */
};

/* Parse one console line (no '\n').  Returns 1 for a well-formed RB1/RBH1
 * line, 0 for a line that is not ours (pass it to the log), -1 for a line
 * that claims to be ours but is malformed (err says why). */
int rbline_parse(const char *line, struct rbline *out, char *err, size_t len);

/* Value of key, or NULL. */
const char *rbline_get(const struct rbline *l, const char *key);
/* Unsigned value of key: 0 on success, -1 when absent or not a number. */
int rbline_u64(const struct rbline *l, const char *key, uint64_t *v);

const char *rbline_kind_name(enum rbline_kind k);

#endif
