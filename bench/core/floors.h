/*
 * floors.h - the raw floors of targets.md, measured between two forked
 * processes in the same run as the project's rows:
 *   floor_spin   shared memory, both sides busy-poll a sequence word
 *   floor_futex  shared memory + futex wait/wake, always blocking (the
 *                waiter bit lives in the futex word itself)
 *   floor_unix   AF_UNIX SOCK_SEQPACKET socketpair
 * Round trips copy the message once per direction (sender -> shared memory,
 * as LiteIPC copies once into the receiver's pool); the socket copies twice
 * per direction by nature.
 */
#ifndef LIPC_BENCH_FLOORS_H
#define LIPC_BENCH_FLOORS_H

#include "harness.h"

enum floor_impl { FLOOR_SPIN, FLOOR_FUTEX, FLOOR_UNIX, FLOOR_COUNT };

#define FLOOR_MAX_SIZE (64 * 1024)

const char *floor_impl_name(int impl);      /* "floor_spin", ... */

/* One latency row: round trips of `size` bytes each way, client pinned as
 * ROLE_CLIENT and server as ROLE_SERVER of placement pl.  cold: the client
 * sleeps cfg->cold_idle_ns before each call.  Returns 0 or -errno (the row's
 * status and note say what happened either way). */
int floor_rtt(const struct bench_config *cfg, int impl, int cold, int pl, uint32_t size,
              struct bench_row *row);

/* One-way throughput of 64 B messages for cfg->tput_ns: a spinning ring,
 * a futex ring (waiter bits in the futex words) or a SEQPACKET socket. */
int floor_tput(const struct bench_config *cfg, int impl, int pl, struct bench_row *row);

/* Single-thread memcpy of `size` bytes between private buffers (hot cache):
 * the unit the size targets count copies in. */
int floor_memcpy(const struct bench_config *cfg, uint32_t size, struct bench_row *row);

#endif
