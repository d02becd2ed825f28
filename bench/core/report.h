/*
 * report.h - the table for people and the JSON lines for machines.
 */
#ifndef LIPC_BENCH_REPORT_H
#define LIPC_BENCH_REPORT_H

#include <stdio.h>
#include "harness.h"

/* Prints the human table (all sections, then notes) to f. */
void report_table(FILE *f, const struct bench_config *cfg, const struct bench_table *t);

/* Prints one JSON object per row, one per line, to f. */
void report_json(FILE *f, const struct bench_config *cfg, const struct bench_table *t);

#endif
