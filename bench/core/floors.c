/*
 * floors.c - busy-poll, futex and AF_UNIX floors (round trip and one-way).
 */
#include "floors.h"

#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CACHELINE 64
#define ALIGNED __attribute__((aligned(CACHELINE)))

const char *floor_impl_name(int impl)
{
    switch (impl) {
    case FLOOR_SPIN: return "floor_spin";
    case FLOOR_FUTEX: return "floor_futex";
    case FLOOR_UNIX: return "floor_unix";
    default: return "floor_?";
    }
}

/* ---- futex words with the waiter bit inside --------------------------------
 * A word holds (count << 1) | WAITING.  The writer replaces it with an
 * exchange and wakes only if the old value had WAITING; the reader sets
 * WAITING with a CAS against the value it saw, then sleeps on exactly that
 * value, so a publication between the two makes FUTEX_WAIT return at once.
 * Shared (not PRIVATE) futexes: the word lives in MAP_SHARED memory used by
 * two processes. */

#define CNT_MASK 0x7fffffffu

static void futex_wait(uint32_t *w, uint32_t val)
{
    syscall(SYS_futex, w, FUTEX_WAIT, val, NULL, NULL, 0);
}

static void futex_wake(uint32_t *w)
{
    syscall(SYS_futex, w, FUTEX_WAKE, 1, NULL, NULL, 0);
}

static inline void word_post(uint32_t *w, uint32_t cnt, int block)
{
    uint32_t nv = (cnt & CNT_MASK) << 1;
    if (!block) {
        __atomic_store_n(w, nv, __ATOMIC_RELEASE);
        return;
    }
    uint32_t old = __atomic_exchange_n(w, nv, __ATOMIC_ACQ_REL);
    if (old & 1u)
        futex_wake(w);
}

/* Waits until ready(count in *w) and returns that count. */
#define WORD_WAIT(w, block, cnt_var, ready_expr)                                  \
    do {                                                                          \
        for (;;) {                                                                \
            uint32_t _v = __atomic_load_n((w), __ATOMIC_ACQUIRE);                 \
            cnt_var = _v >> 1;                                                    \
            if (ready_expr)                                                       \
                break;                                                            \
            if (!(block)) {                                                       \
                bench_cpu_relax();                                                \
                continue;                                                         \
            }                                                                     \
            if (!(_v & 1u)) {                                                     \
                if (!__atomic_compare_exchange_n((w), &_v, _v | 1u, 0,            \
                                                 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) \
                    continue;                                                     \
                _v |= 1u;                                                         \
            }                                                                     \
            futex_wait((w), _v);                                                  \
        }                                                                         \
    } while (0)

/* ---- round trip ------------------------------------------------------------ */

struct rtt_shm {
    uint32_t req ALIGNED;       /* client -> server: sequence number */
    uint32_t rep ALIGNED;       /* server -> client */
    uint32_t ready ALIGNED;
    uint32_t stop;
    uint32_t size;
    int impl;
    int sv[2];
    uint64_t iters, warmup, idle_ns, cap_ns, cap_iters;
    uint64_t slow_limit;        /* stop once this many calls, and most, took > SLOW_NS (0: never) */
    uint64_t done;              /* samples written */
    uint32_t capped;
    int err;
    int cpu_cli, cpu_srv;       /* CPU each side ran on at the end */
    char reqbuf[FLOOR_MAX_SIZE] ALIGNED;
    char repbuf[FLOOR_MAX_SIZE] ALIGNED;
};

/* A busy-poll round trip this slow means the two processes share a CPU
 * (placement, scheduler or other load): keep a few samples, not thousands. */
#define SLOW_NS 100000ull
#define SLOW_LIMIT 20

struct rtt_arg {
    struct rtt_shm *s;
    uint64_t *samples;
};

static int rtt_server(void *p)
{
    struct rtt_arg *a = p;
    struct rtt_shm *s = a->s;
    uint32_t size = s->size;
    char *local = malloc(FLOOR_MAX_SIZE);
    if (!local)
        return 1;
    memset(local, 0x5a, FLOOR_MAX_SIZE);

    if (s->impl == FLOOR_UNIX) {
        close(s->sv[0]);
        __atomic_store_n(&s->ready, 1, __ATOMIC_RELEASE);
        for (;;) {
            ssize_t n = recv(s->sv[1], local, FLOOR_MAX_SIZE, 0);
            if (n <= 0)
                break;                      /* client closed: done */
            s->cpu_srv = sched_getcpu();
            if (send(s->sv[1], local, size, 0) != (ssize_t)size)
                return 2;
        }
        free(local);
        return 0;
    }

    int block = s->impl == FLOOR_FUTEX;
    __atomic_store_n(&s->ready, 1, __ATOMIC_RELEASE);
    for (uint32_t seq = 1;; seq = (seq + 1) & CNT_MASK) {
        uint32_t got;
        WORD_WAIT(&s->req, block, got, got == seq);
        if (__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
            s->cpu_srv = sched_getcpu();
            break;
        }
        memcpy(s->repbuf, local, size);
        word_post(&s->rep, seq, block);
    }
    free(local);
    return 0;
}

static int rtt_client(void *p)
{
    struct rtt_arg *a = p;
    struct rtt_shm *s = a->s;
    uint32_t size = s->size;
    int impl = s->impl;
    int block = impl == FLOOR_FUTEX;
    char *local = malloc(FLOOR_MAX_SIZE);
    char *in = malloc(FLOOR_MAX_SIZE);
    if (!local || !in)
        return 1;
    memset(local, 0xa5, FLOOR_MAX_SIZE);
    if (impl == FLOOR_UNIX)
        close(s->sv[1]);
    if (bench_wait_flag(&s->ready, 5000000000ull) < 0) {
        s->err = ETIMEDOUT;
        return 1;
    }

    uint64_t total = s->warmup + s->iters;
    uint64_t k = 0, start = 0, slow = 0;
    uint32_t seq = 0;
    for (uint64_t i = 0; i < total; i++) {
        if (s->idle_ns)
            bench_sleep_ns(s->idle_ns);
        seq = (seq + 1) & CNT_MASK;
        uint64_t t0 = bench_now_ns();
        if (impl == FLOOR_UNIX) {
            if (send(s->sv[0], local, size, 0) != (ssize_t)size ||
                recv(s->sv[0], in, FLOOR_MAX_SIZE, 0) != (ssize_t)size) {
                s->err = errno ? errno : EIO;
                return 2;
            }
        } else {
            memcpy(s->reqbuf, local, size);
            word_post(&s->req, seq, block);
            uint32_t got;
            WORD_WAIT(&s->rep, block, got, got == seq);
        }
        uint64_t t1 = bench_now_ns();
        if (i < s->warmup)
            continue;
        if (k == 0)
            start = t0;
        a->samples[k++] = t1 - t0;
        slow += t1 - t0 > SLOW_NS;
        if (k >= s->cap_iters || t1 - start > s->cap_ns || (s->slow_limit && slow >= s->slow_limit && 2 * slow > k)) {
            s->capped = k < s->iters;
            break;
        }
    }
    s->done = k;
    s->cpu_cli = sched_getcpu();

    if (impl == FLOOR_UNIX) {
        close(s->sv[0]);                    /* EOF ends the server */
    } else {
        __atomic_store_n(&s->stop, 1, __ATOMIC_RELEASE);
        word_post(&s->req, (seq + 1) & CNT_MASK, block);
    }
    free(local);
    free(in);
    return 0;
}

int floor_rtt(const struct bench_config *cfg, int impl, int cold, int pl, uint32_t size,
              struct bench_row *row)
{
    bench_row_init(row, floor_impl_name(impl), cold ? "cold" : "hot", pl, size, KIND_LATENCY);
    if (size > FLOOR_MAX_SIZE) {
        row->status = ST_SKIPPED;
        snprintf(row->note, sizeof(row->note), "size above %d", FLOOR_MAX_SIZE);
        return -EINVAL;
    }
    uint64_t iters = cold ? cfg->iters_cold : bench_hot_iters(cfg, size);
    if (cold && impl == FLOOR_SPIN && iters > 100)
        iters = 100;            /* a reference only: a busy-polling service is never idle */
    uint64_t warmup = cold ? 2 : (iters / 10 > 1000 ? 1000 : iters / 10 + 10);
    uint64_t cap_iters = iters, cap_ns = cfg->row_cap_ns;
    if (cold)
        cap_ns = iters * (cfg->cold_idle_ns + 5000000ull) + cfg->row_cap_ns;
    if (impl == FLOOR_SPIN && pl == PL_UNPINNED && !cold && cap_ns > cfg->patho_cap_ns)
        cap_ns = cfg->patho_cap_ns;     /* the scheduler may put both on one CPU */
    if (impl == FLOOR_SPIN && pl == PL_SAME) {
        /* Each side burns the other's timeslice: milliseconds per call. */
        row->pathological = 1;
        warmup = 2;
        if (cap_iters > cfg->patho_iters)
            cap_iters = cfg->patho_iters;
        cap_ns = cfg->patho_cap_ns;
    }

    struct rtt_shm *s = bench_shm_alloc(sizeof(*s));
    uint64_t *samples = bench_shm_alloc(iters * sizeof(uint64_t));
    int ret = 0;
    if (!s || !samples) {
        ret = -ENOMEM;
        goto out;
    }
    s->impl = impl;
    s->size = size;
    s->iters = iters;
    s->warmup = warmup;
    s->idle_ns = cold ? cfg->cold_idle_ns : 0;
    s->cap_ns = cap_ns;
    s->cap_iters = cap_iters;
    s->slow_limit = impl == FLOOR_SPIN ? SLOW_LIMIT : 0;
    s->sv[0] = s->sv[1] = -1;
    if (impl == FLOOR_UNIX && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, s->sv) < 0) {
        ret = -errno;
        goto out;
    }

    struct rtt_arg arg = { s, samples };
    pid_t srv = bench_spawn(pl, ROLE_SERVER, rtt_server, &arg);
    if (srv < 0) {
        ret = srv;
        goto out;
    }
    pid_t cli = bench_spawn(pl, ROLE_CLIENT, rtt_client, &arg);
    if (s->sv[0] >= 0) {
        close(s->sv[0]);
        close(s->sv[1]);
    }
    if (cli < 0) {
        kill(srv, SIGKILL);
        bench_wait(srv, 1000);
        ret = cli;
        goto out;
    }
    /* generous: the row caps itself; this only catches a hang */
    int timeout_ms = (int)((cap_ns + (iters + warmup) * (s->idle_ns + 1000000ull)) / 1000000ull) + 10000;
    if (timeout_ms > 120000)
        timeout_ms = 120000;
    int rc = bench_wait(cli, timeout_ms);
    int rs = bench_wait(srv, rc == 0 ? 3000 : 0);
    if (rc != 0) {
        ret = rc < 0 ? rc : -EIO;
        snprintf(row->note, sizeof(row->note), "client %s (exit %d, err %s)",
                 rc == -ETIMEDOUT ? "timed out" : "failed", rc, strerror(s->err));
        goto out;
    }
    if (rs != 0)
        snprintf(row->note, sizeof(row->note), "server exit %d", rs);
    row->iters = s->done;
    row->capped = (int)s->capped;
    bench_stats_compute(samples, s->done, &row->st);
    if (impl == FLOOR_SPIN && pl != PL_SAME && row->st.p50 > 100000) {
        row->pathological = 1;
        snprintf(row->note, sizeof(row->note), "%s",
                 pl == PL_UNPINNED
                     ? "busy-poll p50 > 100 us: the scheduler put both processes on one CPU"
                     : "busy-poll p50 > 100 us: a process lost its CPU (other load on the machine?)");
    } else if (row->pathological)
        snprintf(row->note, sizeof(row->note), "busy-poll against a peer on the same CPU");
    else if (row->capped)
        snprintf(row->note, sizeof(row->note), "stopped early by the time cap");
    if (pl == PL_UNPINNED && s->cpu_cli == s->cpu_srv && !row->note[0])
        snprintf(row->note, sizeof(row->note), "client and server were on CPU%d at the end",
                 s->cpu_cli);
out:
    if (ret < 0) {
        row->status = ST_FAILED;
        if (!row->note[0])
            snprintf(row->note, sizeof(row->note), "%s", strerror(-ret));
    }
    bench_shm_free(samples, iters * sizeof(uint64_t));
    bench_shm_free(s, sizeof(*s));
    return ret;
}

/* ---- one-way throughput ---------------------------------------------------- */

#define RING_SLOTS 1024u            /* power of two */
#define MSG_SIZE 64u
#define END_MARK UINT64_MAX
/* Each side publishes its index every RING_BATCH messages and always before
 * it waits (so the peer can never wait for progress that is not visible). */
#define RING_BATCH 32u

struct ring_shm {
    uint32_t tail ALIGNED;      /* producer count (<<1 | consumer waiting) */
    uint32_t head ALIGNED;      /* consumer count (<<1 | producer waiting) */
    uint32_t ready ALIGNED;
    int impl;
    int sv[2];
    uint64_t run_ns;
    uint64_t t_first, t_last, count, sent;
    int cpu_prod, cpu_cons;     /* CPU each side ran on at the end */
    char slots[RING_SLOTS][MSG_SIZE] ALIGNED;
};

static int tput_consumer(void *p)
{
    struct ring_shm *s = p;
    char msg[MSG_SIZE];
    uint64_t count = 0, t_first = 0;
    uint64_t mark;

    if (s->impl == FLOOR_UNIX) {
        close(s->sv[0]);
        __atomic_store_n(&s->ready, 1, __ATOMIC_RELEASE);
        for (;;) {
            ssize_t n = recv(s->sv[1], msg, sizeof(msg), 0);
            if (n != (ssize_t)MSG_SIZE)
                return 2;
            memcpy(&mark, msg, sizeof(mark));
            if (mark == END_MARK)
                break;
            if (count++ == 0)
                t_first = bench_now_ns();
        }
    } else {
        int block = s->impl == FLOOR_FUTEX;
        uint32_t head = 0, tail = 0, posted = 0;
        __atomic_store_n(&s->ready, 1, __ATOMIC_RELEASE);
        for (;;) {
            if (head == tail) {
                if (posted != head)         /* publish progress before waiting */
                    word_post(&s->head, posted = head, block);
                WORD_WAIT(&s->tail, block, tail, tail != head);
            }
            memcpy(msg, s->slots[head % RING_SLOTS], MSG_SIZE);
            head = (head + 1) & CNT_MASK;
            if (((head - posted) & CNT_MASK) >= RING_BATCH)
                word_post(&s->head, posted = head, block);
            memcpy(&mark, msg, sizeof(mark));
            if (mark == END_MARK)
                break;
            if (count++ == 0)
                t_first = bench_now_ns();
        }
    }
    s->t_last = bench_now_ns();
    s->cpu_cons = sched_getcpu();
    s->t_first = t_first;
    s->count = count;
    return 0;
}

static int tput_producer(void *p)
{
    struct ring_shm *s = p;
    char msg[MSG_SIZE];
    memset(msg, 0x33, sizeof(msg));
    if (s->impl == FLOOR_UNIX)
        close(s->sv[1]);
    if (bench_wait_flag(&s->ready, 5000000000ull) < 0)
        return 1;
    int block = s->impl == FLOOR_FUTEX;
    uint32_t tail = 0, head = 0, posted = 0;
    uint64_t end = bench_now_ns() + s->run_ns;
    uint64_t seq = 0;
    for (int last = 0; !last;) {
        if ((seq & 63) == 0 && bench_now_ns() >= end)
            last = 1;
        uint64_t v = last ? END_MARK : seq;
        memcpy(msg, &v, sizeof(v));
        seq++;
        if (s->impl == FLOOR_UNIX) {
            if (send(s->sv[0], msg, MSG_SIZE, 0) != (ssize_t)MSG_SIZE)
                return 2;
            continue;
        }
        if (((tail - head) & CNT_MASK) >= RING_SLOTS) {
            if (posted != tail)             /* publish progress before waiting */
                word_post(&s->tail, posted = tail, block);
            WORD_WAIT(&s->head, block, head, ((tail - head) & CNT_MASK) < RING_SLOTS);
        }
        memcpy(s->slots[tail % RING_SLOTS], msg, MSG_SIZE);
        tail = (tail + 1) & CNT_MASK;
        if (last || ((tail - posted) & CNT_MASK) >= RING_BATCH)
            word_post(&s->tail, posted = tail, block);
    }
    s->sent = seq - 1;
    s->cpu_prod = sched_getcpu();
    if (s->impl == FLOOR_UNIX)
        close(s->sv[0]);
    return 0;
}

int floor_tput(const struct bench_config *cfg, int impl, int pl, struct bench_row *row)
{
    const char *name = impl == FLOOR_SPIN ? "floor_spin" : impl == FLOOR_FUTEX ? "floor_futex"
                                                                                : "floor_unix";
    bench_row_init(row, name, "oneway", pl, MSG_SIZE, KIND_THROUGHPUT);
    if (impl == FLOOR_SPIN && pl == PL_SAME)
        row->pathological = 1;
    struct ring_shm *s = bench_shm_alloc(sizeof(*s));
    int ret = 0;
    if (!s)
        return -ENOMEM;
    s->impl = impl;
    s->run_ns = cfg->tput_ns;
    s->sv[0] = s->sv[1] = -1;
    if (impl == FLOOR_UNIX && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, s->sv) < 0) {
        ret = -errno;
        goto out;
    }
    pid_t cons = bench_spawn(pl, ROLE_SERVER, tput_consumer, s);
    if (cons < 0) {
        ret = cons;
        goto out;
    }
    pid_t prod = bench_spawn(pl, ROLE_CLIENT, tput_producer, s);
    if (s->sv[0] >= 0) {
        close(s->sv[0]);
        close(s->sv[1]);
    }
    if (prod < 0) {
        kill(cons, SIGKILL);
        bench_wait(cons, 1000);
        ret = prod;
        goto out;
    }
    int timeout_ms = (int)(s->run_ns / 1000000ull) + 15000;
    int rp = bench_wait(prod, timeout_ms);
    int rc = bench_wait(cons, rp == 0 ? 5000 : 0);
    if (rp != 0 || rc != 0) {
        ret = -EIO;
        snprintf(row->note, sizeof(row->note), "producer exit %d, consumer exit %d", rp, rc);
        goto out;
    }
    row->iters = s->count;
    if (s->t_last > s->t_first && s->count > 0)
        row->msgs_per_s = (double)s->count * 1e9 / (double)(s->t_last - s->t_first);
    if (s->count != s->sent)
        snprintf(row->note, sizeof(row->note), "sent %llu, received %llu",
                 (unsigned long long)s->sent, (unsigned long long)s->count);
    else if (row->pathological)
        snprintf(row->note, sizeof(row->note), "busy-poll against a peer on the same CPU");
    else if (pl == PL_UNPINNED && s->cpu_prod == s->cpu_cons) {
        row->pathological = impl == FLOOR_SPIN;
        snprintf(row->note, sizeof(row->note), "sender and receiver were on CPU%d at the end",
                 s->cpu_prod);
    }
out:
    if (ret < 0) {
        row->status = ST_FAILED;
        if (!row->note[0])
            snprintf(row->note, sizeof(row->note), "%s", strerror(-ret));
    }
    bench_shm_free(s, sizeof(*s));
    return ret;
}

/* ---- memcpy reference ------------------------------------------------------ */

int floor_memcpy(const struct bench_config *cfg, uint32_t size, struct bench_row *row)
{
    bench_row_init(row, "memcpy", "copy", PL_UNPINNED, size, KIND_COPY);
    enum { SAMPLES = 201 };
    char *src = malloc(size), *dst = malloc(size);
    uint64_t samples[SAMPLES];
    if (!src || !dst) {
        free(src);
        free(dst);
        row->status = ST_FAILED;
        return -ENOMEM;
    }
    memset(src, 1, size);
    memset(dst, 2, size);
    uint64_t batch = 262144 / size;
    if (batch < 4)
        batch = 4;
    if (cfg->quick)
        batch = batch / 4 + 1;
    for (int i = 0; i < SAMPLES + 5; i++) {
        uint64_t t0 = bench_now_ns();
        for (uint64_t b = 0; b < batch; b++) {
            memcpy(dst, src, size);
            __asm__ __volatile__("" : : "r"(dst), "r"(src) : "memory");
        }
        uint64_t t1 = bench_now_ns();
        if (i >= 5)
            samples[i - 5] = (t1 - t0) / batch;
    }
    bench_stats_compute(samples, SAMPLES, &row->st);
    row->iters = SAMPLES * batch;
    snprintf(row->note, sizeof(row->note), "one copy, hot cache, this process");
    free(src);
    free(dst);
    return 0;
}
