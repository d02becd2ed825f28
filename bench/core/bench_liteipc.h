/*
 * bench_liteipc.h - the project's own rows ("liteipc"), kept apart from the
 * floors.  Everything that touches the core library lives in
 * bench_liteipc.c; without the library (no LIPC_BENCH_HAVE_CORE) the same
 * functions exist and report every row as skipped.
 *
 * Per placement, a coordinator process starts a private broker
 * (lipc_test_broker_start), forks a server that makes itself the CMS
 * (handle 0) and a client, and the client measures, in this order:
 *   cold 64 B, hot 64 B, hot 4 KiB, hot 64 KiB (reply size = request size),
 *   one-way 64 B throughput, idle CPU of server/client/broker.
 * A crash or hang of anything in there costs only that placement's rows:
 * the coordinator runs under a deadline and everything it started is killed.
 */
#ifndef LIPC_BENCH_LITEIPC_H
#define LIPC_BENCH_LITEIPC_H

#include <stddef.h>
#include "harness.h"

/* 1 when built against the core library and broker. */
int liteipc_bench_compiled(void);

/* Appends this placement's liteipc rows to t (failed or skipped rows say why
 * in their note).  Returns 0 if the rows ran (some may still have failed),
 * or -errno when the core could not be used at all, with a reason in why;
 * callers may then skip the remaining placements. */
int liteipc_bench_run(const struct bench_config *cfg, int pl, struct bench_table *t,
                      char *why, size_t whylen);

/* Appends this placement's liteipc rows as skipped, with the reason. */
void liteipc_bench_skip(int pl, struct bench_table *t, const char *why);

#endif
