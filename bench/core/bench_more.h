/*
 * bench_more.h - the liteipc scenarios beyond the per-placement rows of
 * bench_liteipc.h, each a target of targets.md (see README.md):
 *   scale      N = 1, 8, 64 client processes -> one service (unpinned)
 *   sizes      hot sync calls from 64 B to 128 KiB (cross): no cliff
 *   bulk       one-way 1 MiB (and the largest sizes the core accepts) vs memcpy
 *   footprint  text of libliteipc; resident memory of the idle broker
 * Every function appends its rows to t; a row that could not run is
 * "failed" or "skipped" and says why.  Functions that start processes
 * return 0 if rows ran, or -errno (with why) when the core could not be used
 * at all.  Without the core library they append skipped rows.
 */
#ifndef LIPC_BENCH_MORE_H
#define LIPC_BENCH_MORE_H

#include <stddef.h>
#include "harness.h"

#define SCALE_STEPS 3
extern const uint32_t scale_clients[SCALE_STEPS];     /* 1, 8, 64 */

#define SWEEP_SIZES 7
extern const uint32_t sweep_sizes[SWEEP_SIZES];       /* 64 B .. 128 KiB */

#define BULK_SIZES 3
extern const uint32_t bulk_sizes[BULK_SIZES];         /* 64 KiB, 128 KiB, 1 MiB */
#define BULK_TARGET_SIZE (1u << 20)

/* Scale rows (rows != 0) and/or the broker's idle RSS row (rss != 0), which
 * is read after the broker has served the scale clients (with rows == 0: a
 * short run of 8 clients). */
int scale_bench_run(const struct bench_config *cfg, struct bench_table *t, int rows, int rss,
                    char *why, size_t whylen);
int sizes_bench_run(const struct bench_config *cfg, struct bench_table *t, char *why,
                    size_t whylen);
int bulk_bench_run(const struct bench_config *cfg, struct bench_table *t, char *why,
                   size_t whylen);

/* Text size of the libliteipc this program runs with (its ELF section
 * headers).  Never starts a process. */
void footprint_text_row(struct bench_table *t);

/* The rows of a scenario, all skipped with the reason. */
void scale_bench_skip(struct bench_table *t, int rows, int rss, const char *why);
void sizes_bench_skip(struct bench_table *t, const char *why);
void bulk_bench_skip(struct bench_table *t, const char *why);

#endif
