/*
 * bench_scale.c - N client processes calling one service, and the idle
 * broker's resident memory afterwards (see bench_more.h, README.md).
 */
#include "bench_more.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

const uint32_t scale_clients[SCALE_STEPS] = { 1, 8, 64 };

static void scale_row_init(struct bench_row *r, uint32_t n)
{
    bench_row_init(r, "liteipc", "scale", PL_UNPINNED, 64, KIND_SCALE);
    r->clients = n;
}

static void rss_row_init(struct bench_row *r)
{
    bench_row_init(r, "liteipc", "footprint_rss", PL_UNPINNED, 0, KIND_FOOTPRINT);
    r->limit = 2u << 20;
}

void scale_bench_skip(struct bench_table *t, int rows, int rss, const char *why)
{
    struct bench_row r;
    for (int i = 0; rows && i < SCALE_STEPS; i++) {
        scale_row_init(&r, scale_clients[i]);
        r.status = ST_SKIPPED;
        snprintf(r.note, sizeof(r.note), "%s", why);
        bench_table_add(t, &r);
    }
    if (rss) {
        rss_row_init(&r);
        r.status = ST_SKIPPED;
        snprintf(r.note, sizeof(r.note), "%s", why);
        bench_table_add(t, &r);
    }
}

#ifndef LIPC_BENCH_HAVE_CORE

int scale_bench_run(const struct bench_config *cfg, struct bench_table *t, int rows, int rss,
                    char *why, size_t whylen)
{
    (void)cfg;
    snprintf(why, whylen, "built without the core library (no liteipc/liteipcd targets)");
    scale_bench_skip(t, rows, rss, why);
    return -ENOSYS;
}

#else

#include <time.h>
#include <unistd.h>

#include "core_job.h"

#define SCALE_MAX 64
#define CLIENT_POOL (16 * 1024)     /* replies are 64 B */
#define WARMUP_CALLS 20

struct scale_shm;

struct scale_client {
    struct scale_shm *sh;
    struct bench_hist h;
    uint64_t calls, t_end;
    int64_t cpu_ns;                 /* CPU this client used in the window, -1 unknown */
    int err;
    char what[48];
};

struct scale_shm {
    const struct bench_config *cfg;
    uint32_t ready, failed, go;
    uint64_t go_ns, end_ns;
    int want_rows, want_rss;
    struct scale_client c[SCALE_MAX];
    struct bench_row rows[SCALE_STEPS];
    struct bench_row rss;
    uint32_t served;                /* client processes the broker served */
};

static int scale_client_main(void *p)
{
    struct scale_client *c = p;
    struct scale_shm *sh = c->sh;
    const char *what = NULL;
    char buf[64];
    memset(buf, 0xa5, sizeof(buf));
    if (!core_dev_setup(CLIENT_POOL, &what)) {
        c->err = errno;
        snprintf(c->what, sizeof(c->what), "%s", what);
        __atomic_add_fetch(&sh->failed, 1, __ATOMIC_RELEASE);
        return 2;
    }
    for (int i = 0; i < WARMUP_CALLS; i++) {
        int r = core_call(buf, sizeof(buf));
        if (r < 0) {
            c->err = -r;
            snprintf(c->what, sizeof(c->what), "warm-up call %d", i);
            __atomic_add_fetch(&sh->failed, 1, __ATOMIC_RELEASE);
            return 3;
        }
    }
    __atomic_add_fetch(&sh->ready, 1, __ATOMIC_RELEASE);
    if (bench_wait_flag(&sh->go, 60000000000ull) < 0)
        return 4;
    struct timespec ts = { .tv_sec = (time_t)(sh->go_ns / 1000000000ull),
                           .tv_nsec = (long)(sh->go_ns % 1000000000ull) };
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
    int64_t cpu0 = bench_proc_cpu_ns(0);
    uint64_t t1 = bench_now_ns(), end = sh->end_ns;
    while (t1 < end) {
        uint64_t t0 = bench_now_ns();
        int r = core_call(buf, sizeof(buf));
        t1 = bench_now_ns();
        if (r < 0) {
            c->err = -r;
            snprintf(c->what, sizeof(c->what), "call %llu", (unsigned long long)c->calls);
            c->t_end = t1;
            return 3;
        }
        bench_hist_add(&c->h, t1 - t0);
        c->calls++;
    }
    c->t_end = t1;
    int64_t cpu1 = bench_proc_cpu_ns(0);
    c->cpu_ns = cpu0 >= 0 && cpu1 >= 0 ? cpu1 - cpu0 : -1;
    return 0;
}

/* One step: n clients from a common start for cfg->scale_ns. */
static void scale_step(struct core_job *job, struct scale_shm *sh, uint32_t n,
                       struct bench_row *row)
{
    const struct bench_config *cfg = job->cfg;
    memset(sh->c, 0, sizeof(sh->c[0]) * n);
    sh->ready = sh->failed = sh->go = 0;
    pid_t pids[SCALE_MAX];
    uint32_t started = 0;
    for (; started < n; started++) {
        sh->c[started].sh = sh;
        pids[started] = core_job_spawn(job, PL_UNPINNED, ROLE_CLIENT, scale_client_main,
                                       &sh->c[started]);
        if (pids[started] < 0) {
            core_row_fail(row, "fork of a client", -pids[started]);
            break;
        }
    }
    sh->served += started;
    uint64_t deadline = bench_now_ns() + 30000000000ull;
    while (started == n && __atomic_load_n(&sh->ready, __ATOMIC_ACQUIRE) +
                                   __atomic_load_n(&sh->failed, __ATOMIC_ACQUIRE) < n) {
        if (bench_now_ns() > deadline) {
            core_row_fail(row, "clients not ready after 30 s", ETIMEDOUT);
            break;
        }
        bench_sleep_ns(1000000);
    }
    /* start even after a failure, so that the others finish */
    sh->go_ns = bench_now_ns() + 20000000ull;
    sh->end_ns = sh->go_ns + cfg->scale_ns;
    __atomic_store_n(&sh->go, 1, __ATOMIC_RELEASE);
    /* server and broker CPU over the window (from the start to the last exit) */
    int64_t cpu0[BENCH_IDLE_PROCS], cpu1[BENCH_IDLE_PROCS];
    bench_sleep_ns(sh->go_ns - bench_now_ns());
    core_cpu_snapshot(job->shm, cpu0, 1);
    int bad = -1, code = 0;
    for (uint32_t i = 0; i < started; i++) {
        int rc = bench_wait(pids[i], (int)(cfg->scale_ns / 1000000ull) + 15000);
        if (rc != 0 && bad < 0) {
            bad = (int)i;
            code = rc;
        }
    }
    core_cpu_snapshot(job->shm, cpu1, 0);
    core_cpu_delta(row, cpu0, cpu1);
    row->window_ns = bench_now_ns() - sh->go_ns;
    if (row->status == ST_FAILED)
        return;
    struct bench_hist *all = &sh->c[0].h;       /* merged in place after the step */
    uint64_t calls = 0, t_end = 0, cmin = UINT64_MAX, cmax = 0;
    int64_t ccpu = 0;
    for (uint32_t i = 0; i < n; i++) {
        const struct scale_client *c = &sh->c[i];
        ccpu = ccpu < 0 || c->cpu_ns < 0 ? -1 : ccpu + c->cpu_ns;
        if (c->err && bad < 0)
            bad = (int)i;
        calls += c->calls;
        if (c->t_end > t_end)
            t_end = c->t_end;
        cmin = c->calls < cmin ? c->calls : cmin;
        cmax = c->calls > cmax ? c->calls : cmax;
        if (i)
            bench_hist_merge(all, &c->h);
    }
    if (bad >= 0) {
        const struct scale_client *c = &sh->c[bad];
        char what[96];
        if (c->err) {
            snprintf(what, sizeof(what), "client %d of %u: %s", bad, n, c->what);
            core_row_fail(row, what, c->err);
        } else {
            snprintf(row->note, sizeof(row->note), "client %d of %u: exit %d%s", bad, n, code,
                     code == -ETIMEDOUT ? " (timed out)" : "");
            row->status = ST_FAILED;
        }
        return;
    }
    bench_hist_stats(all, &row->st);
    row->iters = calls;
    row->cpu_ns[1] = ccpu;          /* all clients; [0] server, [2] broker */
    row->cpu_calls = calls;
    if (t_end > sh->go_ns)
        row->msgs_per_s = (double)calls * 1e9 / (double)(t_end - sh->go_ns);
    snprintf(row->note, sizeof(row->note), "unpinned, %d CPUs; calls per client %llu..%llu",
             bench_cpu_count(), (unsigned long long)cmin, (unsigned long long)cmax);
    row->status = ST_OK;
}

static void read_rss(struct core_job_shm *s, struct scale_shm *sh)
{
    struct bench_row *r = &sh->rss;
    pid_t b = s->broker_pid;
    int64_t rss = bench_proc_status_bytes(b, "VmRSS"), hwm = bench_proc_status_bytes(b, "VmHWM");
    if (rss < 0) {
        core_row_fail(r, "reading /proc/<broker>/status", errno ? errno : EIO);
        return;
    }
    r->bytes = (uint64_t)rss;
    r->bytes2 = hwm < 0 ? 0 : (uint64_t)hwm;
    r->iters = 1;
    snprintf(r->note, sizeof(r->note),
             "after serving %u client processes, idle 0.3 s; anon %lld KiB, file %lld KiB,"
             " shmem %lld KiB",
             sh->served, (long long)bench_proc_status_bytes(b, "RssAnon") / 1024,
             (long long)bench_proc_status_bytes(b, "RssFile") / 1024,
             (long long)bench_proc_status_bytes(b, "RssShmem") / 1024);
    r->status = ST_OK;
}

static int scale_body(struct core_job *job)
{
    struct scale_shm *sh = job->arg;
    if (sh->want_rows) {
        for (int i = 0; i < SCALE_STEPS; i++) {
            bench_log("  liteipc scale  unpinned %3u clients ...\n", scale_clients[i]);
            scale_step(job, sh, scale_clients[i], &sh->rows[i]);
        }
    } else {
        struct bench_row tmp;
        scale_row_init(&tmp, 8);
        bench_log("  liteipc 8 clients (to load the broker before its RSS is read) ...\n");
        scale_step(job, sh, 8, &tmp);
        if (tmp.status != ST_OK) {
            snprintf(sh->rss.note, sizeof(sh->rss.note), "clients: %.150s", tmp.note);
            sh->rss.status = ST_FAILED;
        }
    }
    if (sh->want_rss && sh->rss.status != ST_FAILED) {
        bench_sleep_ns(300000000ull);
        read_rss(job->shm, sh);
    }
    int rc = core_job_stop_server(job);
    if (rc != 0)
        snprintf(job->shm->why, sizeof(job->shm->why), "stopping the server: exit %d", rc);
    return 0;
}

int scale_bench_run(const struct bench_config *cfg, struct bench_table *t, int rows, int rss,
                    char *why, size_t whylen)
{
    struct scale_shm *sh = bench_shm_alloc(sizeof(*sh));
    if (!sh) {
        snprintf(why, whylen, "out of memory");
        scale_bench_skip(t, rows, rss, why);
        return -ENOMEM;
    }
    sh->cfg = cfg;
    sh->want_rows = rows;
    sh->want_rss = rss;
    for (int i = 0; i < SCALE_STEPS; i++) {
        scale_row_init(&sh->rows[i], scale_clients[i]);
        sh->rows[i].status = ST_SKIPPED;
        snprintf(sh->rows[i].note, sizeof(sh->rows[i].note), "not reached");
    }
    rss_row_init(&sh->rss);
    sh->rss.status = ST_SKIPPED;
    snprintf(sh->rss.note, sizeof(sh->rss.note), "not reached");

    struct core_job job = {
        .cfg = cfg,
        .pl = PL_UNPINNED,
        .pool = CORE_POOL_MAX,      /* holds 64 requests of 64 B many times over */
        .budget_ms = SCALE_STEPS * (cfg->scale_ns / 1000000ull + 45000) + 10000,
        .body = scale_body,
        .arg = sh,
    };
    core_job_run(&job, why, whylen);
    int ran = 0;
    for (int i = 0; rows && i < SCALE_STEPS; i++) {
        struct bench_row *r = &sh->rows[i];
        ran |= r->status == ST_OK;
        if (r->status == ST_SKIPPED && strcmp(why, "ok") != 0)
            snprintf(r->note, sizeof(r->note), "%.159s", why);
        bench_table_add(t, r);
    }
    if (rss) {
        ran |= sh->rss.status == ST_OK;
        if (sh->rss.status == ST_SKIPPED && strcmp(why, "ok") != 0)
            snprintf(sh->rss.note, sizeof(sh->rss.note), "%.159s", why);
        bench_table_add(t, &sh->rss);
    }
    bench_shm_free(sh, sizeof(*sh));
    return ran ? 0 : -EIO;
}

#endif /* LIPC_BENCH_HAVE_CORE */
