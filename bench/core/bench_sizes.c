/*
 * bench_sizes.c - the size sweep of sync calls and one-way bulk transfers
 * (see bench_more.h, README.md).  Both run cross-CPU: client/sender on the
 * first CPU, service/receiver on the second.
 */
#include "bench_more.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

const uint32_t sweep_sizes[SWEEP_SIZES] = { 64, 1024, 4096, 6656, 16384, 65536, 131072 };
const uint32_t bulk_sizes[BULK_SIZES] = { 65536, 131072, BULK_TARGET_SIZE };

static void skip_rows(struct bench_table *t, const char *scen, int kind, const uint32_t *sizes,
                      int n, const char *why)
{
    for (int i = 0; i < n; i++) {
        struct bench_row r;
        bench_row_init(&r, "liteipc", scen, PL_CROSS, sizes[i], kind);
        r.status = ST_SKIPPED;
        snprintf(r.note, sizeof(r.note), "%s", why);
        bench_table_add(t, &r);
    }
}

void sizes_bench_skip(struct bench_table *t, const char *why)
{
    skip_rows(t, "sizes", KIND_SWEEP, sweep_sizes, SWEEP_SIZES, why);
}

void bulk_bench_skip(struct bench_table *t, const char *why)
{
    skip_rows(t, "bulk", KIND_BULK, bulk_sizes, BULK_SIZES, why);
}

#ifndef LIPC_BENCH_HAVE_CORE

int sizes_bench_run(const struct bench_config *cfg, struct bench_table *t, char *why,
                    size_t whylen)
{
    (void)cfg;
    snprintf(why, whylen, "built without the core library (no liteipc/liteipcd targets)");
    sizes_bench_skip(t, why);
    return -ENOSYS;
}

int bulk_bench_run(const struct bench_config *cfg, struct bench_table *t, char *why,
                   size_t whylen)
{
    (void)cfg;
    snprintf(why, whylen, "built without the core library (no liteipc/liteipcd targets)");
    bulk_bench_skip(t, why);
    return -ENOSYS;
}

#else

#include <stdlib.h>

#include "core_job.h"

#define SWEEP_MAX 131072
/* The receiver's pool is also the sender's ring: messages up to half the
 * device's 256 KiB run with that pool, larger ones with a few MiB mapped by
 * lipc_pool_map() (liteipcd --max-pool). */
#define BULK_POOL (4u << 20)
#define SENDER_POOL (16 * 1024)

struct sizes_shm {
    int bulk;
    int first, end;                     /* the rows of this job */
    size_t server_pool;
    int server_pool_err;
    struct bench_row rows[SWEEP_SIZES > BULK_SIZES ? SWEEP_SIZES : BULK_SIZES];
    int nrows;
};

static int sweep_client(struct core_job *job, struct sizes_shm *sh)
{
    const struct bench_config *cfg = job->cfg;
    uint64_t *samples = malloc(cfg->iters_hot * sizeof(*samples));
    char *buf = malloc(SWEEP_MAX);
    const char *what = NULL;
    if (!samples || !buf) {
        free(samples);
        free(buf);
        return 1;
    }
    memset(buf, 0xa5, SWEEP_MAX);
    if (!core_dev_setup(CORE_POOL_MAX, &what)) {
        for (int i = 0; i < sh->nrows; i++)
            core_row_fail(&sh->rows[i], what, errno);
        free(samples);
        free(buf);
        return 2;
    }
    /* a size the core refuses fails its row only: go on with the others */
    for (int i = 0; i < sh->nrows; i++) {
        struct bench_row *row = &sh->rows[i];
        row->note[0] = 0;
        bench_log("  liteipc sizes  cross    %6u B ...\n", row->size);
        core_latency_row(cfg, job->shm, row, buf, samples);
    }
    free(samples);
    free(buf);
    core_quit_server();
    return 0;
}

static int bulk_client(struct core_job *job, struct sizes_shm *sh)
{
    char *buf = malloc(BULK_TARGET_SIZE);
    const char *what = NULL;
    if (!buf)
        return 1;
    memset(buf, 0xa5, BULK_TARGET_SIZE);
    if (!core_dev_setup(SENDER_POOL, &what)) {
        for (int i = sh->first; i < sh->end; i++)
            core_row_fail(&sh->rows[i], what, errno);
        free(buf);
        return 2;
    }
    for (int i = sh->first; i < sh->end; i++) {
        struct bench_row *row = &sh->rows[i];
        row->note[0] = 0;
        bench_log("  liteipc bulk   cross    %7u B ...\n", row->size);
        int64_t cpu0[BENCH_IDLE_PROCS], cpu1[BENCH_IDLE_PROCS];
        core_cpu_snapshot(job->shm, cpu0, 1);
        uint64_t t0 = bench_now_ns();
        if (core_oneway_row(job->cfg, job->shm, row, buf, row->size) == 0)
            row->bytes_per_s = row->msgs_per_s * row->size;
        row->window_ns = bench_now_ns() - t0;
        core_cpu_snapshot(job->shm, cpu1, 0);
        core_cpu_delta(row, cpu0, cpu1);
    }
    free(buf);
    core_quit_server();
    return 0;
}

static int sizes_client_main(void *p)
{
    struct core_job *job = p;
    struct sizes_shm *sh = job->arg;
    return sh->bulk ? bulk_client(job, sh) : sweep_client(job, sh);
}

static int sizes_body(struct core_job *job)
{
    struct core_job_shm *s = job->shm;
    struct sizes_shm *sh = job->arg;
    sh->server_pool = s->server_pool;
    sh->server_pool_err = s->server_pool_err;
    pid_t cli = core_job_spawn(job, job->pl, ROLE_CLIENT, sizes_client_main, job);
    if (cli < 0) {
        snprintf(s->why, sizeof(s->why), "fork: %s", strerror(-cli));
        return 3;
    }
    int rc = bench_wait(cli, (int)(job->budget_ms - 5000));
    if (rc != 0) {
        snprintf(s->why, sizeof(s->why), "client %s (%d)",
                 rc == -ETIMEDOUT ? "timed out" : "failed", rc);
        return 4;
    }
    return 0;
}

/* A row the core refused, with what the pool was. */
static void note_pool(struct bench_row *r, const struct sizes_shm *sh)
{
    char extra[120];
    size_t len = strlen(r->note);
    const char *sep = len ? "; " : "";
    if (sh->server_pool_err)
        snprintf(extra, sizeof(extra), "%sreceiver pool %zu KiB (%u KiB refused: %s)", sep,
                 sh->server_pool / 1024, BULK_POOL / 1024, strerror(sh->server_pool_err));
    else
        snprintf(extra, sizeof(extra), "%sreceiver pool %zu KiB", sep, sh->server_pool / 1024);
    snprintf(r->note + len, sizeof(r->note) - len, "%s", extra);
}

/* After a job: why its rows were not reached, or what pool they had. */
static void note_pools(struct sizes_shm *sh, int bulk, const char *why)
{
    for (int i = sh->first; i < sh->end; i++) {
        struct bench_row *r = &sh->rows[i];
        if (r->status == ST_SKIPPED && strcmp(why, "ok") != 0)
            snprintf(r->note, sizeof(r->note), "%.159s", why);
        else if (bulk && (r->status == ST_FAILED || sh->server_pool_err))
            note_pool(r, sh);
    }
}

static int run(const struct bench_config *cfg, struct bench_table *t, int bulk, char *why,
               size_t whylen)
{
    struct sizes_shm *sh = bench_shm_alloc(sizeof(*sh));
    if (!sh) {
        snprintf(why, whylen, "out of memory");
        bulk ? bulk_bench_skip(t, why) : sizes_bench_skip(t, why);
        return -ENOMEM;
    }
    sh->bulk = bulk;
    sh->nrows = bulk ? BULK_SIZES : SWEEP_SIZES;
    for (int i = 0; i < sh->nrows; i++) {
        struct bench_row *r = &sh->rows[i];
        bench_row_init(r, "liteipc", bulk ? "bulk" : "sizes", PL_CROSS,
                       bulk ? bulk_sizes[i] : sweep_sizes[i], bulk ? KIND_BULK : KIND_SWEEP);
        r->status = ST_SKIPPED;
        snprintf(r->note, sizeof(r->note), "not reached");
    }
    uint64_t budget = bulk ? BULK_SIZES * (cfg->tput_ns / 1000000ull + 2 * CORE_CALL_TIMEOUT_MS)
                           : SWEEP_SIZES * (cfg->row_cap_ns / 1000000ull + 2000);
    struct core_job job = {
        .cfg = cfg,
        .pl = PL_CROSS,
        .pool = CORE_POOL_MAX,
        .budget_ms = budget + 20000,
        .body = sizes_body,
        .arg = sh,
    };
    sh->first = 0;
    sh->end = sh->nrows;
    if (bulk) {
        /* the device's pool for what fits it twice over, then a large one */
        while (sh->first < sh->nrows && bulk_sizes[sh->first] <= CORE_POOL_MAX / 2)
            sh->first++;
        sh->end = sh->first;
        sh->first = 0;
    }
    core_job_run(&job, why, whylen);
    note_pools(sh, bulk, why);
    if (bulk && sh->end < sh->nrows && strcmp(why, "ok") == 0) {
        sh->first = sh->end;
        sh->end = sh->nrows;
        job.pool = BULK_POOL;
        job.pool_fallback = CORE_POOL_MAX;
        core_job_run(&job, why, whylen);
        note_pools(sh, bulk, why);
    }
    int ran = 0;
    for (int i = 0; i < sh->nrows; i++) {
        struct bench_row *r = &sh->rows[i];
        ran |= r->status == ST_OK;
        bench_table_add(t, r);
    }
    bench_shm_free(sh, sizeof(*sh));
    return ran ? 0 : -EIO;
}

int sizes_bench_run(const struct bench_config *cfg, struct bench_table *t, char *why,
                    size_t whylen)
{
    return run(cfg, t, 0, why, whylen);
}

int bulk_bench_run(const struct bench_config *cfg, struct bench_table *t, char *why,
                   size_t whylen)
{
    return run(cfg, t, 1, why, whylen);
}

#endif /* LIPC_BENCH_HAVE_CORE */
