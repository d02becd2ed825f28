/*
 * core_job.c - private broker, CMS server, clients and clean-up shared by
 * the liteipc scenarios of lipc_bench (see core_job.h).
 */
#ifdef LIPC_BENCH_HAVE_CORE

#include "core_job.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lipc.h"
#include "lipc_test.h"

#define CMS_MAX_MSG (4u << 20)
#define REPLY_MAX CORE_POOL_MAX

/* ---- client side ------------------------------------------------------------- */

void *core_dev_setup(size_t pool, const char **what)
{
    int fd = lipc_dev_open();
    if (fd < 0) {
        *what = "lipc_dev_open";
        return NULL;
    }
    void *p = lipc_dev_mmap(NULL, pool, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED || p == NULL) {
        *what = "lipc_dev_mmap";
        return NULL;
    }
    return p;
}

int core_call(const char *buf, uint32_t size)
{
    IpcMsg req = {
        .type = MT_REQUEST,
        .target.handle = 0,
        .code = CODE_CALL,
        .flag = LITEIPC_FLAG_DEFAULT,
        .dataSz = size,
        .data = (void *)buf,
    };
    IpcContent c = { .flag = SEND | RECV, .outMsg = &req };
    int r = lipc_send_recv(&c, CORE_CALL_TIMEOUT_MS);
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

static int send_oneway(const char *buf, uint32_t size, uint32_t code, uint64_t *retries)
{
    IpcMsg m = {
        .type = MT_REQUEST,
        .target.handle = 0,
        .code = code,
        .flag = LITEIPC_FLAG_ONEWAY,
        .dataSz = size,
        .data = (void *)buf,
    };
    uint64_t deadline = 0;
    for (;;) {
        IpcContent c = { .flag = SEND, .outMsg = &m };
        int r = lipc_send_recv(&c, 0);
        if (!retries || (r != -ENOMEM && r != -EAGAIN && r != -ENOBUFS))
            return r;
        if (!deadline)
            deadline = bench_now_ns() + (uint64_t)CORE_ONEWAY_STUCK_MS * 1000000ull;
        else if (bench_now_ns() > deadline)
            return r;
        (*retries)++;
        sched_yield();
    }
}

int core_send_oneway(const char *buf, uint32_t size, uint32_t code, uint64_t *retries)
{
    return send_oneway(buf, size, code, retries);
}

int core_send_oneway_once(const char *buf, uint32_t size, uint32_t code)
{
    return send_oneway(buf, size, code, NULL);
}

void core_quit_server(void)
{
    uint64_t retries = 0;
    core_send_oneway(NULL, 0, CODE_QUIT, &retries);
}

void core_row_fail(struct bench_row *r, const char *what, int err)
{
    r->status = ST_FAILED;
    snprintf(r->note, sizeof(r->note), "%s: %s", what, strerror(err));
}

/* Ourselves innermost, so that reading /proc is charged to us as little as possible. */
void core_cpu_snapshot(const struct core_job_shm *s, int64_t out[BENCH_IDLE_PROCS], int before)
{
    pid_t pids[BENCH_IDLE_PROCS] = { s->server_pid, 0, s->broker_pid };
    static const int order[BENCH_IDLE_PROCS] = { 0, 2, 1 };
    for (int i = 0; i < BENCH_IDLE_PROCS; i++) {
        int k = order[before ? i : BENCH_IDLE_PROCS - 1 - i];
        out[k] = bench_proc_cpu_ns(pids[k]);
    }
}

void core_cpu_delta(struct bench_row *row, const int64_t *b, const int64_t *a)
{
    for (int i = 0; i < BENCH_IDLE_PROCS; i++)
        row->cpu_ns[i] = b[i] >= 0 && a[i] >= 0 ? a[i] - b[i] : -1;
}

int core_latency_row(const struct bench_config *cfg, const struct core_job_shm *s,
                     struct bench_row *row, const char *buf, uint64_t *samples)
{
    int64_t cpu0[BENCH_IDLE_PROCS], cpu1[BENCH_IDLE_PROCS];
    int cold = strcmp(row->scenario, "cold") == 0;
    uint64_t iters = cold ? cfg->iters_cold : bench_hot_iters(cfg, row->size);
    uint64_t warmup = cold ? 2 : (iters / 10 > 1000 ? 1000 : iters / 10 + 10);
    uint64_t cap = cold ? iters * (cfg->cold_idle_ns + 5000000ull) + cfg->row_cap_ns
                        : cfg->row_cap_ns;
    uint64_t k = 0, start = 0, calls = 0;
    core_cpu_snapshot(s, cpu0, 1);
    for (uint64_t i = 0; i < warmup + iters; i++) {
        calls++;
        if (cold)
            bench_sleep_ns(cfg->cold_idle_ns);
        uint64_t t0 = bench_now_ns();
        int r = core_call(buf, row->size);
        uint64_t t1 = bench_now_ns();
        if (r < 0) {
            char what[64];
            snprintf(what, sizeof(what), "call %llu", (unsigned long long)i);
            core_row_fail(row, what, -r);
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
    core_cpu_snapshot(s, cpu1, 0);
    core_cpu_delta(row, cpu0, cpu1);
    row->cpu_calls = calls;
    row->iters = k;
    bench_stats_compute(samples, k, &row->st);
    row->status = ST_OK;
    return 0;
}

int core_oneway_row(const struct bench_config *cfg, struct core_job_shm *s,
                    struct bench_row *row, const char *buf, uint32_t size)
{
    uint64_t retries = 0, sent = 0;
    __atomic_store_n(&s->burst_done, 0, __ATOMIC_RELEASE);
    uint64_t end = bench_now_ns() + cfg->tput_ns;
    int r = 0;
    while (r == 0) {
        if ((size > 4096 || (sent & 63) == 0) && bench_now_ns() >= end)
            break;
        r = sent ? core_send_oneway(buf, size, CODE_DATA, &retries)
                 : core_send_oneway_once(buf, size, CODE_DATA);
        sent += r == 0;
    }
    if (r == 0)
        r = core_send_oneway(buf, 0, CODE_END, &retries);
    if (r < 0) {
        char what[64];
        snprintf(what, sizeof(what), "one-way send of %u B (message %llu)", size,
                 (unsigned long long)sent);
        core_row_fail(row, what, -r);
        return r;
    }
    if (bench_wait_flag(&s->burst_done, (uint64_t)CORE_CALL_TIMEOUT_MS * 1000000ull) < 0) {
        core_row_fail(row, "server did not see the end of the burst", ETIMEDOUT);
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

/* ---- the server ------------------------------------------------------------ */

static void server_failed(struct core_job_shm *s, const char *what, int err)
{
    s->server_err = err;
    snprintf(s->server_what, sizeof(s->server_what), "%s", what);
    __atomic_store_n(&s->server_ready, 2, __ATOMIC_RELEASE);
}

static int server_main(void *p)
{
    struct core_job *job = p;
    struct core_job_shm *s = job->shm;
    static char buf[REPLY_MAX];
    memset(buf, 0x5a, sizeof(buf));

    int fd = lipc_dev_open();
    if (fd < 0) {
        server_failed(s, "lipc_dev_open", errno);
        return 2;
    }
    size_t pool = job->pool;
    void *m = MAP_FAILED;
    if (pool > LITE_IPC_POOL_MAX_SIZE) {
        /* beyond the device's 256 KiB: the native call (liteipcd --max-pool) */
        int r = lipc_pool_map(fd, pool, &m);
        if (r < 0) {
            m = MAP_FAILED;
            errno = -r;
        }
    } else {
        m = lipc_dev_mmap(NULL, pool, PROT_READ, MAP_PRIVATE, fd, 0);
    }
    if ((m == MAP_FAILED || !m) && job->pool_fallback) {
        s->server_pool_err = errno;
        pool = job->pool_fallback;
        m = lipc_dev_mmap(NULL, pool, PROT_READ, MAP_PRIVATE, fd, 0);
    }
    if (m == MAP_FAILED || !m) {
        server_failed(s, "lipc_dev_mmap", errno);
        return 2;
    }
    s->server_pool = pool;
    if (lipc_dev_ioctl(fd, IPC_SET_CMS, (void *)(uintptr_t)CMS_MAX_MSG) < 0) {
        server_failed(s, "IPC_SET_CMS", errno);
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
        uint32_t n = in->dataSz <= REPLY_MAX ? in->dataSz : REPLY_MAX;
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

/* ---- the coordinator --------------------------------------------------------- */

static struct lipc_test_broker g_broker;

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

pid_t core_job_spawn(struct core_job *job, int pl, int role, int (*fn)(void *), void *arg)
{
    struct core_job_shm *s = job->shm;
    if (s->nclients >= CORE_JOB_MAX_CLIENTS)
        return -EMFILE;
    pid_t pid = bench_spawn(pl, role, fn, arg);
    if (pid > 0)
        s->client_pids[s->nclients++] = pid;
    return pid;
}

static int quit_main(void *p)
{
    (void)p;
    const char *what = NULL;
    if (!core_dev_setup(16 * 1024, &what))
        return 2;
    core_quit_server();
    return 0;
}

int core_job_stop_server(struct core_job *job)
{
    pid_t pid = core_job_spawn(job, job->pl, ROLE_CLIENT, quit_main, NULL);
    if (pid < 0)
        return 1;
    return bench_wait(pid, CORE_CALL_TIMEOUT_MS);
}

static int coordinator_main(struct core_job *job)
{
    struct core_job_shm *s = job->shm;
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

    int ret = 0;
    pid_t srv = bench_spawn(job->pl, ROLE_SERVER, server_main, job);
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
    ret = job->body(job);
    int rs = bench_wait(srv, ret == 0 ? 3000 : 200);
    if (ret == 0 && rs != 0)
        snprintf(s->why, sizeof(s->why), "server exit %d", rs);
    /* a client left over by a body that gave up */
    for (uint32_t i = 0; i < s->nclients; i++)
        bench_wait(s->client_pids[i], 0);
stop:;
    int rb = lipc_test_broker_stop(&g_broker);
    g_broker.pid = 0;
    if (rb != 0 && ret == 0)
        snprintf(s->why, sizeof(s->why), "broker exit status %d", rb);
    return ret;
}

static void reap_if_alive(pid_t pid)
{
    int st;
    if (pid > 0 && waitpid(pid, &st, WNOHANG) == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
    }
}

int core_job_run(struct core_job *job, char *why, size_t whylen)
{
    struct core_job_shm *s = bench_shm_alloc(sizeof(*s));
    if (!s) {
        snprintf(why, whylen, "out of memory");
        return -ENOMEM;
    }
    job->shm = s;
    fflush(NULL);
    pid_t coord = fork();
    if (coord < 0) {
        int e = errno;
        snprintf(why, whylen, "fork: %s", strerror(e));
        bench_shm_free(s, sizeof(*s));
        job->shm = NULL;
        return -e;
    }
    if (coord == 0)
        _exit(coordinator_main(job));

    int rc = bench_wait(coord, (int)job->budget_ms + 20000);
    if (rc != 0) {
        /* What it started is now our child (main() makes us a subreaper);
         * server and clients also die with it (PDEATHSIG).  Only kill live
         * children of ours: a reaped pid may have been reused. */
        for (uint32_t i = 0; i < s->nclients && i < CORE_JOB_MAX_CLIENTS; i++)
            reap_if_alive(s->client_pids[i]);
        reap_if_alive(s->server_pid);
        reap_if_alive(s->broker_pid);
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
    snprintf(why, whylen, "%s", s->why[0] ? s->why : "ok");
    int ret = rc == 0 ? 0 : rc < 0 ? rc : -EIO;
    bench_shm_free(s, sizeof(*s));
    job->shm = NULL;
    return ret;
}

#endif /* LIPC_BENCH_HAVE_CORE */
