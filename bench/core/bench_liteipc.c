/*
 * bench_liteipc.c - the liteipc rows of lipc_bench (see bench_liteipc.h).
 */
#include "bench_liteipc.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define CORE_ROWS 6

struct row_spec {
    const char *scenario;
    uint32_t size;
    int kind;
};

static const struct row_spec g_specs[CORE_ROWS] = {
    { "cold", 64, KIND_LATENCY },
    { "hot", 64, KIND_LATENCY },
    { "hot", 4096, KIND_LATENCY },
    { "hot", 65536, KIND_LATENCY },
    { "oneway", 64, KIND_THROUGHPUT },
    { "idle", 0, KIND_IDLE },
};

static void spec_row(int i, int pl, struct bench_row *r)
{
    bench_row_init(r, "liteipc", g_specs[i].scenario, pl, g_specs[i].size, g_specs[i].kind);
}

void liteipc_bench_skip(int pl, struct bench_table *t, const char *why)
{
    for (int i = 0; i < CORE_ROWS; i++) {
        struct bench_row r;
        spec_row(i, pl, &r);
        r.status = ST_SKIPPED;
        snprintf(r.note, sizeof(r.note), "%s", why);
        bench_table_add(t, &r);
    }
}

#ifndef LIPC_BENCH_HAVE_CORE

int liteipc_bench_compiled(void)
{
    return 0;
}

int liteipc_bench_run(const struct bench_config *cfg, int pl, struct bench_table *t,
                      char *why, size_t whylen)
{
    (void)cfg;
    snprintf(why, whylen, "built without the core library (no liteipc/liteipcd targets)");
    liteipc_bench_skip(pl, t, why);
    return -ENOSYS;
}

#else /* LIPC_BENCH_HAVE_CORE */

#include <stdlib.h>

#include "core_job.h"

#define POOL_SIZE CORE_POOL_MAX
#define MAX_SIZE 65536

struct core_rows {
    struct bench_row rows[CORE_ROWS];
};

int liteipc_bench_compiled(void)
{
    return 1;
}

static int idle_row(const struct bench_config *cfg, struct core_job_shm *s, struct bench_row *row,
                    const char *buf)
{
    /* hot first, so that an implementation that keeps spinning after a burst shows it */
    for (int i = 0; i < 200; i++) {
        int r = core_call(buf, 64);
        if (r < 0) {
            core_row_fail(row, "warm-up call", -r);
            return r;
        }
    }
    int64_t before[BENCH_IDLE_PROCS], after[BENCH_IDLE_PROCS];
    core_cpu_snapshot(s, before, 1);
    uint64_t t0 = bench_now_ns();
    bench_sleep_ns(cfg->idle_ns);
    uint64_t t1 = bench_now_ns();
    core_cpu_snapshot(s, after, 0);
    core_cpu_delta(row, before, after);
    row->window_ns = t1 - t0;
    row->iters = 1;
    row->status = ST_OK;
    snprintf(row->note, sizeof(row->note), "CPU used in the window after 200 hot calls");
    return 0;
}

static int client_main(void *p)
{
    struct core_job *job = p;
    const struct bench_config *cfg = job->cfg;
    struct core_job_shm *s = job->shm;
    struct core_rows *out = job->arg;
    const char *what = NULL;
    static char buf[MAX_SIZE];
    memset(buf, 0xa5, sizeof(buf));
    uint64_t nmax = cfg->iters_hot > cfg->iters_cold ? cfg->iters_hot : cfg->iters_cold;
    uint64_t *samples = malloc(nmax * sizeof(*samples));
    if (!samples)
        return 1;

    if (!core_dev_setup(POOL_SIZE, &what)) {
        for (int i = 0; i < CORE_ROWS; i++)
            core_row_fail(&out->rows[i], what, errno);
        free(samples);
        return 2;
    }
    int ret = 0;
    for (int i = 0; i < CORE_ROWS && ret == 0; i++) {
        struct bench_row *row = &out->rows[i];
        row->note[0] = 0;
        bench_log("  liteipc %-6s %-8s %6u B ...\n", row->scenario,
                  bench_placement_name(row->placement), row->size);
        if (row->kind == KIND_LATENCY)
            ret = core_latency_row(cfg, s, row, buf, samples);
        else if (row->kind == KIND_THROUGHPUT)
            ret = core_oneway_row(cfg, s, row, buf, 64);
        else
            ret = idle_row(cfg, s, row, buf);
    }
    free(samples);
    if (ret < 0)
        return 3;                   /* the coordinator kills the server */
    core_quit_server();
    return 0;
}

static uint64_t client_budget_ms(const struct bench_config *cfg)
{
    uint64_t ns = cfg->iters_cold * (cfg->cold_idle_ns + 5000000ull) + 4 * cfg->row_cap_ns +
                  cfg->tput_ns + cfg->idle_ns;
    return ns / 1000000ull + 30000;
}

static int core_body(struct core_job *job)
{
    struct core_job_shm *s = job->shm;
    pid_t cli = core_job_spawn(job, job->pl, ROLE_CLIENT, client_main, job);
    if (cli < 0) {
        snprintf(s->why, sizeof(s->why), "fork: %s", strerror(-cli));
        return 3;
    }
    int rc = bench_wait(cli, (int)client_budget_ms(job->cfg));
    if (rc != 0) {
        snprintf(s->why, sizeof(s->why), "client %s (%d)",
                 rc == -ETIMEDOUT ? "timed out" : "failed", rc);
        return 4;
    }
    return 0;
}

int liteipc_bench_run(const struct bench_config *cfg, int pl, struct bench_table *t,
                      char *why, size_t whylen)
{
    struct core_rows *out = bench_shm_alloc(sizeof(*out));
    if (!out) {
        snprintf(why, whylen, "out of memory");
        liteipc_bench_skip(pl, t, why);
        return -ENOMEM;
    }
    for (int i = 0; i < CORE_ROWS; i++) {
        spec_row(i, pl, &out->rows[i]);
        out->rows[i].status = ST_SKIPPED;
        snprintf(out->rows[i].note, sizeof(out->rows[i].note), "not reached");
    }
    struct core_job job = {
        .cfg = cfg,
        .pl = pl,
        .pool = POOL_SIZE,
        .budget_ms = client_budget_ms(cfg),
        .body = core_body,
        .arg = out,
    };
    core_job_run(&job, why, whylen);
    int ran = 0;
    for (int i = 0; i < CORE_ROWS; i++) {
        struct bench_row *r = &out->rows[i];
        if (r->status == ST_OK)
            ran = 1;
        if (r->status == ST_SKIPPED && strcmp(why, "ok") != 0)
            snprintf(r->note, sizeof(r->note), "%.159s", why);
        bench_table_add(t, r);
    }
    bench_shm_free(out, sizeof(*out));
    return ran ? 0 : -EIO;
}

#endif /* LIPC_BENCH_HAVE_CORE */
