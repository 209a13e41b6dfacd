/* Turning one engine process's console lines into results: RB1/RBH1 lines
 * update the engine's result set, everything else goes to the log. */
#ifndef RINGBENCH_INGEST_H
#define RINGBENCH_INGEST_H

#include <stdio.h>

#include "harness/protocol.h"
#include "harness/results.h"
#include "harness/spawn.h"

struct ingest {
	struct engine_result *e;
	FILE *log;                      /* may be NULL */
	size_t logged;                  /* bytes written to log, capped */
	struct bench_result *cur;       /* begun, not yet ended */
	int saw_hello, saw_done;
	unsigned bad_lines;
	char last_error[256];           /* last malformed line's complaint */
	char last_console[160];         /* last non-protocol console line */
};

/* A console log stops growing here (a guest flooding COM1), noted. */
#define INGEST_LOG_MAX (8u << 20)

enum ingest_event { INGEST_NONE, INGEST_BEGIN, INGEST_END, INGEST_DONE, INGEST_BAD };

void ingest_init(struct ingest *in, struct engine_result *e, FILE *log);
/* Feed one line; returns what it was. */
enum ingest_event ingest_line(struct ingest *in, const char *line);
/* The process ended: record how, close what it left open.  last_stderr is
 * the last line it wrote to stderr (its own account of a failure), or "". */
void ingest_finish(struct ingest *in, const struct child_result *res, const char *last_stderr);

#endif
