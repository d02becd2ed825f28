/*
 * core_job.h - what every liteipc scenario of lipc_bench shares: a private
 * broker, a service process that makes itself the CMS (handle 0) and serves
 * with one receive thread, client processes, and the clean-up of all of them.
 * Only built with the core library (LIPC_BENCH_HAVE_CORE).
 *
 * A job runs in a coordinator process forked from the benchmark, under a
 * deadline: the coordinator starts the broker (lipc_test_broker_start, which
 * sets LITEIPC_SOCKET for everything forked afterwards), forks the server,
 * then calls the job's body, which forks the clients it needs
 * (core_job_spawn) and waits for them.  Whatever happens (crash, hang,
 * broker that does not start), core_job_run kills every process the job
 * started and removes the broker's directory; the rows say why.
 *
 * The server:
 *   - a sync request gets an MT_REPLY of the request's size (SEND|BUFF_FREE);
 *   - a one-way CODE_DATA message is freed and counted (first/last time,
 *     count); CODE_END publishes the burst (burst_done); CODE_QUIT exits.
 */
#ifndef LIPC_BENCH_CORE_JOB_H
#define LIPC_BENCH_CORE_JOB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "harness.h"

#define CORE_POOL_MAX (256u * 1024u)    /* LITE_IPC_POOL_MAX_SIZE of the core today */
#define CORE_CALL_TIMEOUT_MS 5000
#define CORE_JOB_MAX_CLIENTS 128

enum { CODE_CALL = 1, CODE_DATA = 2, CODE_END = 3, CODE_QUIT = 4 };

/* Shared (MAP_SHARED) by the benchmark, the coordinator, server and clients. */
struct core_job_shm {
    uint32_t server_ready;          /* 1 ready, 2 failed */
    int server_err;
    char server_what[64];
    size_t server_pool;             /* pool the server mapped */
    int server_pool_err;            /* errno of the refused first pool size, 0 if none */
    uint32_t burst_done;            /* the server saw CODE_END */
    uint64_t t_first, t_last, count;
    pid_t broker_pid, server_pid;
    pid_t client_pids[CORE_JOB_MAX_CLIENTS];
    uint32_t nclients;
    char broker_dir[256];
    char broker_sock[300];
    char why[200];                  /* set by the coordinator or the body on failure */
};

struct core_job {
    const struct bench_config *cfg;
    int pl;                         /* the server pins itself as ROLE_SERVER of pl */
    size_t pool;                    /* server pool size to ask for */
    size_t pool_fallback;           /* used if `pool` is refused (0: fail the job) */
    uint64_t budget_ms;             /* deadline of the whole job */
    /* Runs in the coordinator once the server is ready.  Returns 0, or an
     * exit code with shm->why set. */
    int (*body)(struct core_job *job);
    void *arg;                      /* the scenario's shared results */
    struct core_job_shm *shm;       /* set by core_job_run */
};

/* Runs a job (see above).  Returns 0 when the coordinator finished normally,
 * else -errno with the reason in why; also on success why is "ok" or a
 * remark (e.g. "server exit 3").  Every process started is gone on return. */
int core_job_run(struct core_job *job, char *why, size_t whylen);

/* From the body: forks a client pinned as `role` of placement pl, recorded
 * for clean-up.  Returns the pid or -errno. */
pid_t core_job_spawn(struct core_job *job, int pl, int role, int (*fn)(void *), void *arg);

/* ---- client side helpers (in a client process) ---------------------------- */

/* lipc_dev_open + lipc_dev_mmap of a pool of `pool` bytes.  NULL with errno
 * and *what set on failure. */
void *core_dev_setup(size_t pool, const char **what);

/* One sync call of `size` bytes to handle 0 (reply of the same size expected)
 * plus the BUFF_FREE of the reply.  0 or -errno. */
int core_call(const char *buf, uint32_t size);

/* One one-way message to handle 0; retries (counted, sched_yield between)
 * while the receiver's pool or the ring is full, for at most
 * CORE_ONEWAY_STUCK_MS: the receiver frees every message at once, so a ring
 * that stays full that long will never take it.  _once: no retry.
 * 0 or -errno. */
#define CORE_ONEWAY_STUCK_MS 1000
int core_send_oneway(const char *buf, uint32_t size, uint32_t code, uint64_t *retries);
int core_send_oneway_once(const char *buf, uint32_t size, uint32_t code);

void core_row_fail(struct bench_row *r, const char *what, int err);

/* A latency row of back-to-back (or, for scenario "cold", idle-spaced) calls
 * of row->size bytes: warm-up, then the timed calls, with the CPU time of
 * server, client and broker.  samples holds at least max(iters_hot,
 * iters_cold).  0 or -errno (row failed, says why). */
int core_latency_row(const struct bench_config *cfg, const struct core_job_shm *s,
                     struct bench_row *row, const char *buf, uint64_t *samples);

/* One-way burst of `size`-byte messages for cfg->tput_ns; fills
 * row->msgs_per_s (at the receiver), iters, retries.  0 or -errno. */
int core_oneway_row(const struct bench_config *cfg, struct core_job_shm *s,
                    struct bench_row *row, const char *buf, uint32_t size);

/* CPU time so far of server, the caller and broker (BENCH_IDLE_PROCS). */
void core_cpu_snapshot(const struct core_job_shm *s, int64_t out[BENCH_IDLE_PROCS], int before);
void core_cpu_delta(struct bench_row *row, const int64_t *b, const int64_t *a);

/* Tells the server to exit (one-way CODE_QUIT). */
void core_quit_server(void);

/* From the body: forks a short-lived client that tells the server to exit,
 * and waits for it.  0 or the client's exit code. */
int core_job_stop_server(struct core_job *job);

#endif
