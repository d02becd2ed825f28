/*
 * harness.c - clocks, placement, processes and statistics for lipc_bench.
 */
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static cpu_set_t g_initial_mask;
static int g_cpus[2] = { -1, -1 };
static int g_ncpu;

uint64_t bench_hot_iters(const struct bench_config *cfg, uint32_t size)
{
    uint64_t n = cfg->iters_hot;
    if (size > 4096)
        n /= 4;
    else if (size > 64)
        n /= 2;
    return n ? n : 1;
}

static const char *const g_scenario_names[SC_COUNT] = { "core", "scale", "sizes", "bulk",
                                                        "footprint" };

const char *bench_scenario_name(int sc)
{
    return sc >= 0 && sc < SC_COUNT ? g_scenario_names[sc] : "?";
}

int bench_scenario_parse(const char *name)
{
    for (int i = 0; i < SC_COUNT; i++)
        if (!strcmp(name, g_scenario_names[i]))
            return i;
    return -1;
}

const char *bench_placement_name(int pl)
{
    switch (pl) {
    case PL_CROSS: return "cross";
    case PL_SAME: return "same";
    case PL_UNPINNED: return "unpinned";
    default: return "?";
    }
}

int bench_cpus_init(void)
{
    CPU_ZERO(&g_initial_mask);
    if (sched_getaffinity(0, sizeof(g_initial_mask), &g_initial_mask) < 0)
        return -errno;
    g_ncpu = 0;
    for (int c = 0; c < CPU_SETSIZE; c++) {
        if (!CPU_ISSET(c, &g_initial_mask))
            continue;
        if (g_ncpu < 2)
            g_cpus[g_ncpu] = c;
        g_ncpu++;
    }
    return g_ncpu;
}

int bench_cpu_count(void)
{
    return g_ncpu;
}

int bench_cpu_of(int pl, int role)
{
    switch (pl) {
    case PL_CROSS: return role == ROLE_CLIENT ? g_cpus[0] : g_cpus[1];
    case PL_SAME: return g_cpus[0];
    default: return -1;
    }
}

int bench_pin(int pl, int role)
{
    cpu_set_t set;
    int cpu = bench_cpu_of(pl, role);
    if (cpu < 0 && pl != PL_UNPINNED)
        return -ENODEV;
    if (cpu < 0) {
        set = g_initial_mask;
    } else {
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
    }
    if (sched_setaffinity(0, sizeof(set), &set) < 0)
        return -errno;
    return 0;
}

void bench_sleep_ns(uint64_t ns)
{
    struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000ull),
                           .tv_nsec = (long)(ns % 1000000000ull) };
    while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
        ;
}

void *bench_shm_alloc(size_t len)
{
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void bench_shm_free(void *p, size_t len)
{
    if (p)
        munmap(p, len);
}

pid_t bench_spawn(int pl, int role, int (*fn)(void *), void *arg)
{
    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -errno;
    if (pid > 0)
        return pid;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(125);
    int r = bench_pin(pl, role);
    if (r < 0) {
        fprintf(stderr, "lipc_bench: pinning %s/%s: %s\n", bench_placement_name(pl),
                role == ROLE_CLIENT ? "client" : "server", strerror(-r));
        _exit(126);
    }
    r = fn(arg);
    fflush(NULL);
    _exit(r & 0xff);
}

/* Sleeps until the child exits or the deadline passes, without waking up
 * periodically (a parent polling every millisecond would disturb the pinned
 * processes it measures): poll() on a pidfd, else a coarse sleep. */
static void wait_exit_or_deadline(int pidfd, uint64_t deadline)
{
    uint64_t now = bench_now_ns();
    if (now >= deadline)
        return;
    uint64_t left_ms = (deadline - now) / 1000000ull + 1;
    if (pidfd >= 0) {
        struct pollfd p = { .fd = pidfd, .events = POLLIN };
        poll(&p, 1, left_ms > 60000 ? 60000 : (int)left_ms);
        return;
    }
    bench_sleep_ns((left_ms > 20 ? 20 : left_ms) * 1000000ull);
}

int bench_wait(pid_t pid, int timeout_ms)
{
    int status;
    uint64_t deadline = bench_now_ns() + (uint64_t)timeout_ms * 1000000ull;
#ifdef SYS_pidfd_open
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
#else
    int pidfd = -1;
#endif
    int ret;
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid) {
            ret = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            break;
        }
        if (w < 0 && errno != EINTR) {
            ret = -errno;
            break;
        }
        if (bench_now_ns() >= deadline) {
            kill(pid, SIGKILL);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
            ret = -ETIMEDOUT;
            break;
        }
        wait_exit_or_deadline(pidfd, deadline);
    }
    if (pidfd >= 0)
        close(pidfd);
    return ret;
}

static int64_t read_schedstat(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    unsigned long long ns;
    int ok = fscanf(f, "%llu", &ns) == 1;
    fclose(f);
    return ok ? (int64_t)ns : -1;
}

static int64_t read_stat_ticks_ns(pid_t pid)
{
    char path[64];
    char buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');        /* comm may contain spaces */
    if (!p)
        return -1;
    unsigned long long ut, st;
    /* after ")": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return -1;
    long hz = sysconf(_SC_CLK_TCK);
    return (int64_t)((ut + st) * (1000000000ull / (unsigned long long)(hz > 0 ? hz : 100)));
}

int64_t bench_proc_cpu_ns(pid_t pid)
{
    char path[96];
    if (pid == 0)
        pid = getpid();
    snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int64_t sum = 0;
    int any = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        char p2[160];
        snprintf(p2, sizeof(p2), "/proc/%d/task/%.16s/schedstat", (int)pid, e->d_name);
        int64_t v = read_schedstat(p2);
        if (v < 0) {
            any = -1;
            break;
        }
        sum += v;
        any = 1;
    }
    closedir(d);
    if (any <= 0)
        return read_stat_ticks_ns(pid);
    return sum;
}

int64_t bench_proc_status_bytes(pid_t pid, const char *key)
{
    char path[64], line[256];
    size_t klen = strlen(key);
    snprintf(path, sizeof(path), "/proc/%d/status", (int)(pid ? pid : getpid()));
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int64_t v = -1;
    while (fgets(line, sizeof(line), f)) {
        unsigned long long kb;
        if (!strncmp(line, key, klen) && line[klen] == ':' &&
            sscanf(line + klen + 1, "%llu", &kb) == 1) {
            v = (int64_t)kb * 1024;
            break;
        }
    }
    fclose(f);
    return v;
}

int bench_wait_flag(volatile uint32_t *flag, uint64_t timeout_ns)
{
    uint64_t deadline = bench_now_ns() + timeout_ns;
    while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE)) {
        if (bench_now_ns() > deadline)
            return -ETIMEDOUT;
        bench_sleep_ns(100000);
    }
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array. */
static uint64_t pct(const uint64_t *s, size_t n, double p)
{
    size_t k = (size_t)(p / 100.0 * (double)n + 0.999999);
    if (k < 1)
        k = 1;
    if (k > n)
        k = n;
    return s[k - 1];
}

void bench_stats_compute(uint64_t *samples, size_t n, struct bench_stats *st)
{
    memset(st, 0, sizeof(*st));
    if (n == 0)
        return;
    qsort(samples, n, sizeof(*samples), cmp_u64);
    long double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += samples[i];
    st->n = n;
    st->min = samples[0];
    st->max = samples[n - 1];
    st->p50 = pct(samples, n, 50);
    st->p99 = pct(samples, n, 99);
    st->mean = (uint64_t)(sum / n);
}

static unsigned hist_index(uint64_t v)
{
    if (v < BENCH_HIST_SUB)
        return (unsigned)v;
    unsigned msb = 63u - (unsigned)__builtin_clzll(v);   /* >= 5 */
    unsigned shift = msb - 5;
    unsigned idx = (msb - 4) * BENCH_HIST_SUB + (unsigned)((v >> shift) & (BENCH_HIST_SUB - 1));
    return idx < BENCH_HIST_BUCKETS ? idx : BENCH_HIST_BUCKETS - 1;
}

/* Middle of bucket idx. */
static uint64_t hist_value(unsigned idx)
{
    if (idx < BENCH_HIST_SUB)
        return idx;
    unsigned msb = idx / BENCH_HIST_SUB + 4, shift = msb - 5;
    uint64_t lo = ((uint64_t)(BENCH_HIST_SUB + idx % BENCH_HIST_SUB)) << shift;
    return lo + ((1ull << shift) >> 1);
}

void bench_hist_add(struct bench_hist *h, uint64_t ns)
{
    if (h->n == 0 || ns < h->min)
        h->min = ns;
    if (ns > h->max)
        h->max = ns;
    h->n++;
    h->sum += ns;
    h->b[hist_index(ns)]++;
}

void bench_hist_merge(struct bench_hist *into, const struct bench_hist *h)
{
    if (!h->n)
        return;
    if (into->n == 0 || h->min < into->min)
        into->min = h->min;
    if (h->max > into->max)
        into->max = h->max;
    into->n += h->n;
    into->sum += h->sum;
    for (unsigned i = 0; i < BENCH_HIST_BUCKETS; i++)
        into->b[i] += h->b[i];
}

static uint64_t hist_pct(const struct bench_hist *h, double p)
{
    uint64_t k = (uint64_t)(p / 100.0 * (double)h->n + 0.999999), seen = 0;
    if (k < 1)
        k = 1;
    for (unsigned i = 0; i < BENCH_HIST_BUCKETS; i++) {
        seen += h->b[i];
        if (seen >= k) {
            uint64_t v = hist_value(i);
            return v < h->min ? h->min : v > h->max ? h->max : v;
        }
    }
    return h->max;
}

void bench_hist_stats(const struct bench_hist *h, struct bench_stats *st)
{
    memset(st, 0, sizeof(*st));
    if (!h->n)
        return;
    st->n = h->n;
    st->min = h->min;
    st->max = h->max;
    st->mean = h->sum / h->n;
    st->p50 = hist_pct(h, 50);
    st->p99 = hist_pct(h, 99);
}

void bench_row_init(struct bench_row *r, const char *impl, const char *scenario,
                    int pl, uint32_t size, int kind)
{
    memset(r, 0, sizeof(*r));
    snprintf(r->impl, sizeof(r->impl), "%s", impl);
    snprintf(r->scenario, sizeof(r->scenario), "%s", scenario);
    r->placement = pl;
    r->size = size;
    r->kind = kind;
    r->status = ST_OK;
    for (int i = 0; i < BENCH_IDLE_PROCS; i++)
        r->cpu_ns[i] = -1;
}

struct bench_row *bench_table_add(struct bench_table *t, const struct bench_row *r)
{
    if (t->n >= BENCH_MAX_ROWS)
        return NULL;
    t->rows[t->n] = *r;
    return &t->rows[t->n++];
}

const struct bench_row *bench_table_find(const struct bench_table *t, const char *impl,
                                         const char *scenario, int pl, uint32_t size)
{
    for (int i = 0; i < t->n; i++) {
        const struct bench_row *r = &t->rows[i];
        if (r->status == ST_OK && r->placement == pl && r->size == size &&
            strcmp(r->impl, impl) == 0 && strcmp(r->scenario, scenario) == 0)
            return r;
    }
    return NULL;
}

double bench_loadavg(void)
{
    FILE *f = fopen("/proc/loadavg", "r");
    double v = -1;
    if (f) {
        if (fscanf(f, "%lf", &v) != 1)
            v = -1;
        fclose(f);
    }
    return v;
}

void bench_log(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fflush(stderr);
}
