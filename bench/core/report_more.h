/*
 * report_more.h - report.c's helpers shared with report_more.c, which
 * prints and checks the rows of the scale, sizes, bulk and footprint
 * scenarios (bench_more.h).
 */
#ifndef LIPC_BENCH_REPORT_MORE_H
#define LIPC_BENCH_REPORT_MORE_H

#include <stdio.h>
#include "harness.h"

#define MAX_TARGETS 6

struct target {
    const char *name;
    int pass;
};

/* Targets of targets.md that a row checks (0..MAX_TARGETS). */
int report_row_targets(const struct bench_table *t, const struct bench_row *r,
                       struct target *out);
int report_more_targets(const struct bench_table *t, const struct bench_row *r,
                        struct target *out);

void report_print_targets(FILE *f, const struct bench_table *t, const struct bench_row *r);
void report_us(FILE *f, uint64_t ns);
int report_any_kind(const struct bench_table *t, int kind);
const char *report_status_word(const struct bench_row *r);
void report_jnum(FILE *f, const char *key, int present, double v);

/* The sections of the new scenarios (only those that have rows). */
void report_more_tables(FILE *f, const struct bench_config *cfg, const struct bench_table *t);

/* The JSON fields of a row of kind >= KIND_SCALE (after the common ones). */
void report_more_json(FILE *f, const struct bench_table *t, const struct bench_row *r);

#endif
