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

#include <signal.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lipc.h"
#include "lipc_test.h"

#define POOL_SIZE (256 * 1024)
#define CMS_MAX_MSG (1u << 20)
#define MAX_SIZE 65536
#define CALL_TIMEOUT_MS 5000

enum { CODE_CALL = 1, CODE_DATA = 2, CODE_END = 3, CODE_QUIT = 4 };

struct core_shm {
    uint32_t server_ready;          /* 1 ready, 2 failed */
    int server_err;
    char server_what[64];
    uint32_t burst_done;            /* server saw CODE_END */
    uint64_t t_first, t_last, count;
    pid_t broker_pid, server_pid, client_pid;
    char broker_dir[256];
    char broker_sock[300];
    char why[200];
    struct bench_row rows[CORE_ROWS];
};

int liteipc_bench_compiled(void)
{
    return 1;
}

/* ---- the server ------------------------------------------------------------ */

struct proc_arg {
    const struct bench_config *cfg;
    struct core_shm *s;
    int pl;
};

static void *dev_setup(int *fdp, const char **what)
{
    int fd = lipc_dev_open();
    if (fd < 0) {
        *what = "lipc_dev_open";
        return NULL;
    }
    void *pool = lipc_dev_mmap(NULL, POOL_SIZE, PROT_READ, MAP_PRIVATE, fd, 0);
    if (pool == MAP_FAILED || pool == NULL) {
        *what = "lipc_dev_mmap";
        return NULL;
    }
    *fdp = fd;
    return pool;
}

static int server_main(void *p)
{
    struct proc_arg *a = p;
    struct core_shm *s = a->s;
    const char *what = NULL;
    int fd = -1;
    static char buf[MAX_SIZE];
    memset(buf, 0x5a, sizeof(buf));

    if (!dev_setup(&fd, &what)) {
        s->server_err = errno;
        snprintf(s->server_what, sizeof(s->server_what), "%s", what);
        __atomic_store_n(&s->server_ready, 2, __ATOMIC_RELEASE);
        return 2;
    }
    if (lipc_dev_ioctl(fd, IPC_SET_CMS, (void *)(uintptr_t)CMS_MAX_MSG) < 0) {
        s->server_err = errno;
        snprintf(s->server_what, sizeof(s->server_what), "IPC_SET_CMS");
        __atomic_store_n(&s->server_ready, 2, __ATOMIC_RELEASE);
        return 2;
    }
    __atomic_store_n(&s->server_ready, 1, __ATOMIC_RELEASE);

    uint64_t count = 0;
    for (;;) {
        IpcContent c = { .flag = RECV };
        int r = lipc_send_recv(&c, LIPC_WAIT_FOREVER);
        if (r == -EINTR || r == -ETIME || r == -ETIMEDOUT)
            continue;
        if (r < 0 || !c.inMsg) {
            fprintf(stderr, "lipc_bench server: RECV: %s\n", strerror(r < 0 ? -r : EPROTO));
            return 3;
        }
        IpcMsg *in = c.inMsg;
        if (in->flag == LITEIPC_FLAG_ONEWAY) {
            uint32_t code = in->code;
            IpcContent f = { .flag = BUFF_FREE, .buffToFree = in };
            r = lipc_send_recv(&f, 0);
            if (r < 0) {
                fprintf(stderr, "lipc_bench server: BUFF_FREE: %s\n", strerror(-r));
                return 3;
            }
            if (code == CODE_DATA) {
                if (count++ == 0)
                    s->t_first = bench_now_ns();
            } else if (code == CODE_END) {
                s->t_last = bench_now_ns();
                s->count = count;
                count = 0;
                __atomic_store_n(&s->burst_done, 1, __ATOMIC_RELEASE);
            } else if (code == CODE_QUIT) {
                return 0;
            }
            continue;
        }
        uint32_t n = in->dataSz <= MAX_SIZE ? in->dataSz : MAX_SIZE;
        IpcMsg reply = {
            .type = MT_REPLY,
            .target.handle = (int32_t)in->taskID,
            .code = in->code,
            .flag = in->flag,
            .timestamp = in->timestamp,
            .dataSz = n,
            .data = buf,
        };
        IpcContent sc = { .flag = SEND | BUFF_FREE, .outMsg = &reply, .buffToFree = in };
        r = lipc_send_recv(&sc, 0);
        if (r < 0) {
            fprintf(stderr, "lipc_bench server: reply: %s\n", strerror(-r));
            return 3;
        }
    }
}

/* ---- the client ------------------------------------------------------------ */

static int call(char *buf, uint32_t size)
{
    IpcMsg req = {
        .type = MT_REQUEST,
        .target.handle = 0,
        .code = CODE_CALL,
        .flag = LITEIPC_FLAG_DEFAULT,
        .dataSz = size,
        .data = buf,
    };
    IpcContent c = { .flag = SEND | RECV, .outMsg = &req };
    int r = lipc_send_recv(&c, CALL_TIMEOUT_MS);
    if (r < 0)
        return r;
    if (!c.inMsg)
        return -EPROTO;
    int bad = c.inMsg->type != MT_REPLY || c.inMsg->dataSz != size;
    IpcContent f = { .flag = BUFF_FREE, .buffToFree = c.inMsg };
    r = lipc_send_recv(&f, 0);
    if (r < 0)
        return r;
    return bad ? -EBADMSG : 0;
}

/* Sends a one-way message, backing off while the receiver's pool is full. */
static int send_oneway(char *buf, uint32_t size, uint32_t code, uint64_t *retries)
{
    IpcMsg m = {
        .type = MT_REQUEST,
        .target.handle = 0,
        .code = code,
        .flag = LITEIPC_FLAG_ONEWAY,
        .dataSz = size,
        .data = buf,
    };
    uint64_t deadline = 0;
    for (;;) {
        IpcContent c = { .flag = SEND, .outMsg = &m };
        int r = lipc_send_recv(&c, 0);
        if (r != -ENOMEM && r != -EAGAIN && r != -ENOBUFS)
            return r;
        if (!deadline)
            deadline = bench_now_ns() + (uint64_t)CALL_TIMEOUT_MS * 1000000ull;
        else if (bench_now_ns() > deadline)
            return r;
        (*retries)++;
        sched_yield();
    }
}

static void row_fail(struct bench_row *r, const char *what, int err)
{
    r->status = ST_FAILED;
    snprintf(r->note, sizeof(r->note), "%s: %s", what, strerror(err));
}

/* CPU time so far of server, client (us) and broker; ourselves innermost so
 * that reading /proc is charged to us as little as possible. */
static void cpu_snapshot(const struct core_shm *s, int64_t out[BENCH_IDLE_PROCS], int before)
{
    pid_t pids[BENCH_IDLE_PROCS] = { s->server_pid, 0, s->broker_pid };
    static const int order[BENCH_IDLE_PROCS] = { 0, 2, 1 };
    for (int i = 0; i < BENCH_IDLE_PROCS; i++) {
        int k = order[before ? i : BENCH_IDLE_PROCS - 1 - i];
        out[k] = bench_proc_cpu_ns(pids[k]);
    }
}

static void cpu_delta(struct bench_row *row, const int64_t *b, const int64_t *a)
{
    for (int i = 0; i < BENCH_IDLE_PROCS; i++)
        row->cpu_ns[i] = b[i] >= 0 && a[i] >= 0 ? a[i] - b[i] : -1;
}

static int latency_row(const struct bench_config *cfg, const struct core_shm *s,
                       struct bench_row *row, char *buf, uint64_t *samples)
{
    int64_t cpu0[BENCH_IDLE_PROCS], cpu1[BENCH_IDLE_PROCS];
    int cold = strcmp(row->scenario, "cold") == 0;
    uint64_t iters = cold ? cfg->iters_cold : bench_hot_iters(cfg, row->size);
    uint64_t warmup = cold ? 2 : (iters / 10 > 1000 ? 1000 : iters / 10 + 10);
    uint64_t cap = cold ? iters * (cfg->cold_idle_ns + 5000000ull) + cfg->row_cap_ns
                        : cfg->row_cap_ns;
    uint64_t k = 0, start = 0, calls = 0;
    cpu_snapshot(s, cpu0, 1);
    for (uint64_t i = 0; i < warmup + iters; i++) {
        calls++;
        if (cold)
            bench_sleep_ns(cfg->cold_idle_ns);
        uint64_t t0 = bench_now_ns();
        int r = call(buf, row->size);
        uint64_t t1 = bench_now_ns();
        if (r < 0) {
            char what[64];
            snprintf(what, sizeof(what), "call %llu", (unsigned long long)i);
            row_fail(row, what, -r);
            return r;
        }
        if (i < warmup)
            continue;
        if (k == 0)
            start = t0;
        samples[k++] = t1 - t0;
        if (t1 - start > cap) {
            row->capped = 1;
            snprintf(row->note, sizeof(row->note), "stopped by the time cap");
            break;
        }
    }
    cpu_snapshot(s, cpu1, 0);
    cpu_delta(row, cpu0, cpu1);
    row->cpu_calls = calls;
    row->iters = k;
    bench_stats_compute(samples, k, &row->st);
    row->status = ST_OK;
    return 0;
}

static int oneway_row(const struct bench_config *cfg, struct core_shm *s, struct bench_row *row,
                      char *buf)
{
    uint64_t retries = 0, sent = 0;
    __atomic_store_n(&s->burst_done, 0, __ATOMIC_RELEASE);
    uint64_t end = bench_now_ns() + cfg->tput_ns;
    int r = 0;
    while (r == 0) {
        if ((sent & 63) == 0 && bench_now_ns() >= end)
            break;
        r = send_oneway(buf, 64, CODE_DATA, &retries);
        sent += r == 0;
    }
    if (r == 0)
        r = send_oneway(buf, 64, CODE_END, &retries);
    if (r < 0) {
        row_fail(row, "one-way send", -r);
        return r;
    }
    if (bench_wait_flag(&s->burst_done, (uint64_t)CALL_TIMEOUT_MS * 1000000ull) < 0) {
        row_fail(row, "server did not see the end of the burst", ETIMEDOUT);
        return -ETIMEDOUT;
    }
    row->iters = s->count;
    row->retries = retries;
    if (s->t_last > s->t_first && s->count)
        row->msgs_per_s = (double)s->count * 1e9 / (double)(s->t_last - s->t_first);
    if (s->count != sent)
        snprintf(row->note, sizeof(row->note), "sent %llu, server received %llu",
                 (unsigned long long)sent, (unsigned long long)s->count);
    row->status = ST_OK;
    return 0;
}

static int idle_row(const struct bench_config *cfg, struct core_shm *s, struct bench_row *row,
                    char *buf)
{
    /* hot first, so that an implementation that keeps spinning after a burst shows it */
    for (int i = 0; i < 200; i++) {
        int r = call(buf, 64);
        if (r < 0) {
            row_fail(row, "warm-up call", -r);
            return r;
        }
    }
    int64_t before[BENCH_IDLE_PROCS], after[BENCH_IDLE_PROCS];
    cpu_snapshot(s, before, 1);
    uint64_t t0 = bench_now_ns();
    bench_sleep_ns(cfg->idle_ns);
    uint64_t t1 = bench_now_ns();
    cpu_snapshot(s, after, 0);
    cpu_delta(row, before, after);
    row->window_ns = t1 - t0;
    row->iters = 1;
    row->status = ST_OK;
    snprintf(row->note, sizeof(row->note), "CPU used in the window after 200 hot calls");
    return 0;
}

static int client_main(void *p)
{
    struct proc_arg *a = p;
    const struct bench_config *cfg = a->cfg;
    struct core_shm *s = a->s;
    const char *what = NULL;
    int fd = -1;
    static char buf[MAX_SIZE];
    memset(buf, 0xa5, sizeof(buf));
    uint64_t nmax = cfg->iters_hot > cfg->iters_cold ? cfg->iters_hot : cfg->iters_cold;
    uint64_t *samples = malloc(nmax * sizeof(*samples));
    if (!samples)
        return 1;

    if (!dev_setup(&fd, &what)) {
        for (int i = 0; i < CORE_ROWS; i++)
            row_fail(&s->rows[i], what, errno);
        return 2;
    }
    int ret = 0;
    for (int i = 0; i < CORE_ROWS && ret == 0; i++) {
        struct bench_row *row = &s->rows[i];
        row->note[0] = 0;
        bench_log("  liteipc %-6s %-8s %6u B ...\n", row->scenario,
                  bench_placement_name(row->placement), row->size);
        if (row->kind == KIND_LATENCY)
            ret = latency_row(cfg, s, row, buf, samples);
        else if (row->kind == KIND_THROUGHPUT)
            ret = oneway_row(cfg, s, row, buf);
        else
            ret = idle_row(cfg, s, row, buf);
    }
    free(samples);
    if (ret < 0)
        return 3;                   /* the coordinator kills the server */
    uint64_t retries = 0;
    send_oneway(buf, 0, CODE_QUIT, &retries);
    return 0;
}

/* ---- the coordinator --------------------------------------------------------- */

static struct lipc_test_broker g_broker;
static struct core_shm *g_shm;

/* lipc_test_broker_start() aborts when the broker does not come up: do not
 * leave it behind. */
static void coord_on_abort(int sig)
{
    (void)sig;
    int st;
    if (g_broker.pid > 0 && waitpid(g_broker.pid, &st, WNOHANG) == 0) {
        kill(g_broker.pid, SIGKILL);
        waitpid(g_broker.pid, &st, 0);
    }
    if (g_broker.dir[0]) {
        unlink(g_broker.sock);
        rmdir(g_broker.dir);
    }
    signal(SIGABRT, SIG_DFL);
}

static uint64_t client_budget_ms(const struct bench_config *cfg)
{
    uint64_t ns = cfg->iters_cold * (cfg->cold_idle_ns + 5000000ull) + 4 * cfg->row_cap_ns +
                  cfg->tput_ns + cfg->idle_ns;
    return ns / 1000000ull + 30000;
}

static int coordinator_main(const struct bench_config *cfg, int pl, struct core_shm *s)
{
    g_shm = s;
    /* Anything the broker or the library prints must not reach the JSON stream. */
    fflush(stdout);
    dup2(STDERR_FILENO, STDOUT_FILENO);
    signal(SIGABRT, coord_on_abort);

    const char *env_bin = getenv("LIPC_TEST_BROKER");
    const char *bin = env_bin ? env_bin : LIPC_BROKER_PATH;
    if (access(bin, X_OK) != 0) {
        snprintf(s->why, sizeof(s->why), "broker %s: %s", bin, strerror(errno));
        return 3;
    }
    lipc_test_broker_start(&g_broker);      /* aborts on failure; sets LITEIPC_SOCKET */
    s->broker_pid = g_broker.pid;
    snprintf(s->broker_dir, sizeof(s->broker_dir), "%s", g_broker.dir);
    snprintf(s->broker_sock, sizeof(s->broker_sock), "%s", g_broker.sock);

    struct proc_arg arg = { cfg, s, pl };
    int ret = 0;
    pid_t srv = bench_spawn(pl, ROLE_SERVER, server_main, &arg);
    if (srv < 0) {
        snprintf(s->why, sizeof(s->why), "fork: %s", strerror(-srv));
        ret = 3;
        goto stop;
    }
    s->server_pid = srv;
    if (bench_wait_flag(&s->server_ready, 5000000000ull) < 0 || s->server_ready != 1) {
        if (s->server_ready == 2)
            snprintf(s->why, sizeof(s->why), "server: %s: %s", s->server_what,
                     strerror(s->server_err));
        else
            snprintf(s->why, sizeof(s->why), "server not ready after 5 s");
        bench_wait(srv, 0);
        ret = 3;
        goto stop;
    }
    pid_t cli = bench_spawn(pl, ROLE_CLIENT, client_main, &arg);
    if (cli < 0) {
        snprintf(s->why, sizeof(s->why), "fork: %s", strerror(-cli));
        bench_wait(srv, 0);
        ret = 3;
        goto stop;
    }
    s->client_pid = cli;
    int rc = bench_wait(cli, (int)client_budget_ms(cfg));
    int rs = bench_wait(srv, rc == 0 ? 3000 : 200);
    if (rc != 0) {
        snprintf(s->why, sizeof(s->why), "client %s (%d), server exit %d",
                 rc == -ETIMEDOUT ? "timed out" : "failed", rc, rs);
        ret = 4;
    } else if (rs != 0) {
        snprintf(s->why, sizeof(s->why), "server exit %d", rs);
    }
stop:;
    int rb = lipc_test_broker_stop(&g_broker);
    g_broker.pid = 0;
    if (rb != 0 && ret == 0)
        snprintf(s->why, sizeof(s->why), "broker exit status %d", rb);
    return ret;
}

int liteipc_bench_run(const struct bench_config *cfg, int pl, struct bench_table *t,
                      char *why, size_t whylen)
{
    struct core_shm *s = bench_shm_alloc(sizeof(*s));
    if (!s) {
        snprintf(why, whylen, "out of memory");
        liteipc_bench_skip(pl, t, why);
        return -ENOMEM;
    }
    for (int i = 0; i < CORE_ROWS; i++) {
        spec_row(i, pl, &s->rows[i]);
        s->rows[i].status = ST_SKIPPED;
        snprintf(s->rows[i].note, sizeof(s->rows[i].note), "not reached");
    }

    fflush(NULL);
    pid_t coord = fork();
    if (coord < 0) {
        int e = errno;
        snprintf(why, whylen, "fork: %s", strerror(e));
        liteipc_bench_skip(pl, t, why);
        bench_shm_free(s, sizeof(*s));
        return -e;
    }
    if (coord == 0)
        _exit(coordinator_main(cfg, pl, s));

    int rc = bench_wait(coord, (int)client_budget_ms(cfg) + 20000);
    if (rc != 0) {
        /* What it started is now our child (main() makes us a subreaper);
         * the server and client also die with it (PDEATHSIG).  Only kill
         * live children of ours: a reaped pid may have been reused. */
        pid_t pids[] = { s->client_pid, s->server_pid, s->broker_pid };
        for (size_t i = 0; i < sizeof(pids) / sizeof(pids[0]); i++) {
            int st;
            if (pids[i] > 0 && waitpid(pids[i], &st, WNOHANG) == 0) {
                kill(pids[i], SIGKILL);
                waitpid(pids[i], &st, 0);
            }
        }
        if (s->broker_dir[0]) {
            unlink(s->broker_sock);
            rmdir(s->broker_dir);
        }
        if (!s->why[0] && rc >= 128 && !s->broker_pid)
            snprintf(s->why, sizeof(s->why),
                     "the private broker did not start (lipc_test_broker_start aborted)");
        else if (!s->why[0])
            snprintf(s->why, sizeof(s->why), "coordinator %s (%d)",
                     rc == -ETIMEDOUT ? "timed out" : rc >= 128 ? "killed by a signal" : "failed",
                     rc);
    }

    int ran = 0;
    for (int i = 0; i < CORE_ROWS; i++) {
        struct bench_row *r = &s->rows[i];
        if (r->status == ST_OK)
            ran = 1;
        if (r->status == ST_SKIPPED && s->why[0])
            snprintf(r->note, sizeof(r->note), "%.159s", s->why);
        bench_table_add(t, r);
    }
    snprintf(why, whylen, "%s", s->why[0] ? s->why : "ok");
    int ret = ran ? 0 : -EIO;
    bench_shm_free(s, sizeof(*s));
    return ret;
}

#endif /* LIPC_BENCH_HAVE_CORE */
