/*
 * harness.h - what every measurement of lipc_bench shares: clocks, CPU
 * placement of forked processes, shared memory, per-call statistics, the
 * result rows and the configuration.  Knows nothing about liteipc.
 */
#ifndef LIPC_BENCH_HARNESS_H
#define LIPC_BENCH_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/* ---- configuration -------------------------------------------------------- */

struct bench_config {
    int quick;                  /* --quick: ~10 s smoke run */
    int json;                   /* --json: JSON lines on stdout, text on stderr */
    int no_core;                /* --no-core: floors only */
    unsigned placements;        /* bit mask of enum bench_placement to run */
    uint64_t iters_hot;         /* 64 B hot calls; 4 KiB gets 1/2, 64 KiB 1/4 */
    uint64_t iters_cold;        /* cold calls (one per idle period) */
    uint64_t cold_idle_ns;      /* idle time before each cold call (10 ms) */
    uint64_t row_cap_ns;        /* wall-clock cap of one latency row */
    uint64_t patho_iters;       /* cap of same-CPU busy-poll rows (pathological) */
    uint64_t patho_cap_ns;
    uint64_t tput_ns;           /* duration of one throughput run */
    uint64_t idle_ns;           /* window of the idle-CPU measurement */
    unsigned scenarios;         /* bit mask of enum bench_scenario to run */
    uint64_t scale_ns;          /* measured window of one scale step (N clients) */
    double load_start, load_end; /* 1-min load average before and after the run */
};

/* --scenario: what a run measures (default: all). */
enum bench_scenario { SC_CORE, SC_SCALE, SC_SIZES, SC_BULK, SC_FOOTPRINT, SC_COUNT };

const char *bench_scenario_name(int sc);
int bench_scenario_parse(const char *name);     /* -1 if unknown */

/* Iterations of a hot row for this message size. */
uint64_t bench_hot_iters(const struct bench_config *cfg, uint32_t size);

/* ---- placement ------------------------------------------------------------ */

enum bench_placement { PL_CROSS, PL_SAME, PL_UNPINNED, PL_COUNT };
enum bench_role { ROLE_CLIENT, ROLE_SERVER };

const char *bench_placement_name(int pl);

/* Reads the CPUs this process may run on; call once, before any fork. */
int bench_cpus_init(void);
int bench_cpu_count(void);
int bench_cpu_of(int pl, int role);      /* -1 for unpinned */

/* Pins the calling process for its role in a placement (unpinned: every CPU
 * of the initial mask).  Returns 0 or -errno. */
int bench_pin(int pl, int role);

/* ---- time ----------------------------------------------------------------- */

static inline uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void bench_sleep_ns(uint64_t ns);

static inline void bench_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield" ::: "memory");
#else
    __asm__ __volatile__("" ::: "memory");
#endif
}

/* ---- processes and memory ------------------------------------------------- */

/* MAP_SHARED | MAP_ANONYMOUS, zeroed, shared with children forked later.
 * NULL on failure. */
void *bench_shm_alloc(size_t len);
void bench_shm_free(void *p, size_t len);

/* Forks a child that pins itself for (pl, role), dies with its parent, runs
 * fn(arg) and _exits with its return value.  Returns the pid or -errno. */
pid_t bench_spawn(int pl, int role, int (*fn)(void *), void *arg);

/* Waits for a child at most timeout_ms; on timeout kills it (SIGKILL) and
 * reaps it.  Returns its exit code, 128+signal, or -ETIMEDOUT. */
int bench_wait(pid_t pid, int timeout_ms);

/* CPU time consumed so far by every thread of a process, in ns
 * (/proc/<pid>/task/<tid>/schedstat; falls back to /proc/<pid>/stat ticks).
 * pid 0 = the caller.  Returns -1 if the process cannot be read. */
int64_t bench_proc_cpu_ns(pid_t pid);

/* A "Key:   123 kB" line of /proc/<pid>/status, in bytes; -1 if absent. */
int64_t bench_proc_status_bytes(pid_t pid, const char *key);

/* Busy-waits (with sched_yield) until *flag != 0 or timeout; 0 or -ETIMEDOUT. */
int bench_wait_flag(volatile uint32_t *flag, uint64_t timeout_ns);

/* ---- results -------------------------------------------------------------- */

struct bench_stats {
    uint64_t n;
    uint64_t p50, p99, mean, min, max;
};

/* Sorts samples in place and fills st (all zero when n == 0). */
void bench_stats_compute(uint64_t *samples, size_t n, struct bench_stats *st);

/* Log-linear latency histogram (32 sub-buckets per power of two: ~3 %
 * resolution) for runs too long to keep every sample, e.g. 64 processes
 * calling for a second.  Fixed size, so it can live in shared memory. */
#define BENCH_HIST_SUB 32
#define BENCH_HIST_BUCKETS (BENCH_HIST_SUB * 40)

struct bench_hist {
    uint64_t n, sum, min, max;
    uint32_t b[BENCH_HIST_BUCKETS];
};

void bench_hist_add(struct bench_hist *h, uint64_t ns);
void bench_hist_merge(struct bench_hist *into, const struct bench_hist *h);
/* p50/p99 are the middle of their bucket (exact below 32 ns), clamped to [min, max]. */
void bench_hist_stats(const struct bench_hist *h, struct bench_stats *st);

enum bench_kind {
    KIND_LATENCY, KIND_THROUGHPUT, KIND_IDLE, KIND_COPY,
    KIND_SCALE,                 /* N clients -> one service: aggregate calls/s, p50/p99 */
    KIND_SWEEP,                 /* hot calls per size: p50, ns per KiB, no-cliff check */
    KIND_BULK,                  /* one-way bytes/s of large messages vs memcpy */
    KIND_FOOTPRINT,             /* text bytes of the library, resident bytes of the broker */
};
enum bench_status { ST_OK, ST_SKIPPED, ST_FAILED };

#define BENCH_IDLE_PROCS 3      /* server, client, broker */

struct bench_row {
    char impl[24];              /* "liteipc", "floor_spin", "floor_futex", ... */
    char scenario[16];          /* "cold", "hot", "oneway", "idle", "copy", "scale", "sizes",
                                   "bulk", "footprint_text", "footprint_rss" */
    int placement;
    uint32_t size;
    int kind;
    int status;
    int capped;                 /* stopped early by an iteration/time cap */
    int pathological;           /* busy-poll against a peer on the same CPU */
    uint64_t iters;
    struct bench_stats st;
    double msgs_per_s;          /* throughput rows */
    uint64_t retries;           /* throughput rows: sends refused (queue full) */
    int64_t cpu_ns[BENCH_IDLE_PROCS];   /* CPU used by server, client, broker (-1 n/a):
                                           idle rows: in the window; liteipc latency rows:
                                           over cpu_calls calls (warm-up included) */
    uint64_t cpu_calls;
    uint64_t window_ns;
    uint32_t clients;           /* scale rows: client processes */
    double ratio;               /* scale: aggregate / aggregate of 1 client */
    double bytes_per_s;         /* bulk: payload bytes per second at the receiver */
    uint64_t bytes, bytes2;     /* footprint: text / exec-only text, or VmRSS / VmHWM */
    uint64_t limit;             /* footprint: the target's limit in bytes */
    char note[160];
};

/* Fills the identifying part of a row and clears the rest. */
void bench_row_init(struct bench_row *r, const char *impl, const char *scenario,
                    int pl, uint32_t size, int kind);

#define BENCH_MAX_ROWS 256

struct bench_table {
    struct bench_row rows[BENCH_MAX_ROWS];
    int n;
};

/* Appends a copy of r; returns the stored row or NULL when full. */
struct bench_row *bench_table_add(struct bench_table *t, const struct bench_row *r);

/* Finds the OK row of impl with the same scenario, placement and size. */
const struct bench_row *bench_table_find(const struct bench_table *t, const char *impl,
                                         const char *scenario, int pl, uint32_t size);

/* 1-minute load average of the machine (/proc/loadavg), -1 if unknown. */
double bench_loadavg(void);

/* Human-readable progress on stderr (always) */
void bench_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
