/* results.json: the versioned result format (docs/results.md). */
#ifndef RINGBENCH_RESULTS_JSON_H
#define RINGBENCH_RESULTS_JSON_H

#include <stddef.h>
#include <stdio.h>

#include "harness/results.h"

/* Write r (statistics must be current) atomically to path; 0 or -1. */
int results_json_write(const struct run *r, const char *path);
/* The same document to f (for writing it beside others); 0 or -1. */
int results_json_print(const struct run *r, FILE *f);

/* A results.json larger than this is refused unread (a runaway file, or
 * /dev/zero named by mistake); real ones are a few MiB. */
#define RESULTS_JSON_MAX (64u << 20)

/* Read path into r (run_init'ed by the call); 0, or -1 with err = "PATH:
 * problem", one line (file unreadable or not a regular file, too large,
 * not JSON, wrong schema, a required field missing or of the wrong type). */
int results_json_load(struct run *r, const char *path, char *err, size_t len);

/* A run directory or a results.json file: the results.json path. */
void results_json_path(const char *arg, char *out, size_t len);

#endif
