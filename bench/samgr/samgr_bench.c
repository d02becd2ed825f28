/*
 * samgr_bench - request/response round trip between two samgr services in
 * one process, beside a plain mutex+condvar ping-pong between two threads
 * measured in the same run (the floor samgr's blocking queue is built on).
 *
 *   samgr_bench [--iters N] [--json]
 *
 * Round trip = ping's task sends a request (SAMGR_SendRequest with a
 * handler) to pong's task, pong's handler returns (automatic response), the
 * response handler runs back in ping's task. Threads are not pinned.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ohos_errno.h"
#include "samgr_lite.h"

static uint64 NowNs(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64)ts.tv_sec * 1000000000ull + (uint64)ts.tv_nsec;
}

static int CompareU64(const void *a, const void *b)
{
    uint64 x = *(const uint64 *)a, y = *(const uint64 *)b;
    return (x > y) - (x < y);
}

typedef struct Stats {
    double p50;
    double p99;
    double mean;
} Stats;

static Stats Summarise(uint64 *samples, int n)
{
    qsort(samples, (size_t)n, sizeof(uint64), CompareU64);
    double sum = 0;
    for (int i = 0; i < n; ++i) {
        sum += (double)samples[i];
    }
    Stats s = {samples[n / 2] / 1000.0, samples[(n * 99) / 100] / 1000.0, sum / n / 1000.0};
    return s;
}

/* ---- floor: mutex + condvar ping-pong ---- */
static pthread_mutex_t g_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cond = PTHREAD_COND_INITIALIZER;
static int g_turn;   /* 1: request pending, 2: response pending, -1: stop */

static void *CondvarServer(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&g_mutex);
    for (;;) {
        while (g_turn != 1 && g_turn != -1) {
            pthread_cond_wait(&g_cond, &g_mutex);
        }
        if (g_turn == -1) {
            break;
        }
        g_turn = 2;
        pthread_cond_broadcast(&g_cond);
    }
    pthread_mutex_unlock(&g_mutex);
    return NULL;
}

static void RunCondvar(uint64 *samples, int warmup, int iters)
{
    pthread_t server;
    g_turn = 0;
    pthread_create(&server, NULL, CondvarServer, NULL);
    for (int i = 0; i < warmup + iters; ++i) {
        uint64 t0 = NowNs();
        pthread_mutex_lock(&g_mutex);
        g_turn = 1;
        pthread_cond_broadcast(&g_cond);
        while (g_turn != 2) {
            pthread_cond_wait(&g_cond, &g_mutex);
        }
        pthread_mutex_unlock(&g_mutex);
        uint64 t1 = NowNs();
        if (i >= warmup) {
            samples[i - warmup] = t1 - t0;
        }
    }
    pthread_mutex_lock(&g_mutex);
    g_turn = -1;
    pthread_cond_broadcast(&g_cond);
    pthread_mutex_unlock(&g_mutex);
    pthread_join(server, NULL);
}

/* ---- samgr: two services ---- */
typedef struct Svc {
    INHERIT_SERVICE;
    const char *name;
    Identity identity;
} Svc;

static BOOL PingHandle(Service *s, Request *r);
static BOOL PongHandle(Service *s, Request *r);

static const char *GetName(Service *s)
{
    return ((Svc *)s)->name;
}

static BOOL Initialize(Service *s, Identity id)
{
    ((Svc *)s)->identity = id;
    return TRUE;
}

static TaskConfig GetTaskConfig(Service *s)
{
    (void)s;
    TaskConfig cfg = {LEVEL_HIGH, PRI_NORMAL, 0x800, 16, SINGLE_TASK};
    return cfg;
}

static Svc g_ping = {GetName, Initialize, PingHandle, GetTaskConfig, "bench_ping", {0, 0, NULL}};
static Svc g_pong = {GetName, Initialize, PongHandle, GetTaskConfig, "bench_pong", {0, 0, NULL}};

static struct {
    uint64 *samples;
    int warmup;
    int total;
    int done;
    int16 payload;
    uint64 t0;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int finished;
} g_run = {NULL, 0, 0, 0, 0, 0, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};

static void SendNext(void);

static void OnPong(const Request *req, const Response *resp)
{
    (void)req;
    (void)resp;
    uint64 t1 = NowNs();
    if (g_run.done >= g_run.warmup) {
        g_run.samples[g_run.done - g_run.warmup] = t1 - g_run.t0;
    }
    g_run.done++;
    if (g_run.done < g_run.total) {
        SendNext();
        return;
    }
    pthread_mutex_lock(&g_run.lock);
    g_run.finished = 1;
    pthread_cond_signal(&g_run.cond);
    pthread_mutex_unlock(&g_run.lock);
}

static void SendNext(void)
{
    Request req = {1, 0, NULL, 0};
    if (g_run.payload > 0) {
        req.data = malloc((size_t)g_run.payload);   /* owned: samgr frees it */
        memset(req.data, 0x5A, (size_t)g_run.payload);
        req.len = g_run.payload;
    }
    g_run.t0 = NowNs();
    int32 err = SAMGR_SendRequest(&g_pong.identity, &req, OnPong);
    if (err != EC_SUCCESS) {
        fprintf(stderr, "samgr_bench: SendRequest failed (%d)\n", err);
        exit(1);
    }
}

static BOOL PingHandle(Service *s, Request *r)
{
    (void)s;
    (void)r;
    SendNext();   /* start of a run: from ping's own task */
    return TRUE;
}

static BOOL PongHandle(Service *s, Request *r)
{
    (void)s;
    (void)r;
    return TRUE;   /* samgr sends the (empty) response */
}

static void RunSamgr(uint64 *samples, int warmup, int iters, int16 payload)
{
    g_run.samples = samples;
    g_run.warmup = warmup;
    g_run.total = warmup + iters;
    g_run.done = 0;
    g_run.payload = payload;
    g_run.finished = 0;
    Request start = {0, 0, NULL, 0};
    if (SAMGR_SendRequest(&g_ping.identity, &start, NULL) != EC_SUCCESS) {
        fprintf(stderr, "samgr_bench: cannot start\n");
        exit(1);
    }
    pthread_mutex_lock(&g_run.lock);
    while (!g_run.finished) {
        pthread_cond_wait(&g_run.cond, &g_run.lock);
    }
    pthread_mutex_unlock(&g_run.lock);
}

static void Print(int json, const char *name, int payload, int iters, Stats s, double ratio)
{
    if (json) {
        printf("{\"bench\":\"samgr_round_trip\",\"variant\":\"%s\",\"payload\":%d,\"iters\":%d,"
               "\"placement\":\"unpinned\",\"p50_us\":%.2f,\"p99_us\":%.2f,\"mean_us\":%.2f,\"ratio_p50\":%.3f}\n",
               name, payload, iters, s.p50, s.p99, s.mean, ratio);
    } else {
        printf("%-26s %7d %10.2f %10.2f %10.2f %8.2fx\n", name, payload, s.p50, s.p99, s.mean, ratio);
    }
}

int main(int argc, char **argv)
{
    int iters = 20000;
    int json = 0;
    for (int i = 1; i < argc; ++i) {
        if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (strcmp(argv[i], "--iters") == 0 && i + 1 < argc) {
            iters = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--help") == 0) {
            printf("usage: samgr_bench [--iters N] [--json]\n");
            return 0;
        } else {
            fprintf(stderr, "samgr_bench: unknown argument %s\n", argv[i]);
            return 2;
        }
    }
    if (iters < 100) {
        iters = 100;
    }
    int warmup = iters / 10;
    SamgrLite *samgr = SAMGR_GetInstance();
    if (!samgr->RegisterService((Service *)&g_ping) || !samgr->RegisterService((Service *)&g_pong)) {
        fprintf(stderr, "samgr_bench: cannot register services\n");
        return 1;
    }
    SAMGR_Bootstrap();
    struct timespec pause = {0, 50 * 1000 * 1000};
    nanosleep(&pause, NULL);   /* let both tasks initialise */

    uint64 *samples = calloc((size_t)iters, sizeof(uint64));
    if (!json) {
        printf("round trip, one process, %d iterations, threads unpinned (microseconds)\n", iters);
        printf("%-26s %7s %10s %10s %10s %9s\n", "mechanism", "payload", "p50", "p99", "mean", "vs floor");
    }
    RunCondvar(samples, warmup, iters);
    Stats floor = Summarise(samples, iters);
    Print(json, "mutex+condvar (floor)", 0, iters, floor, 1.0);
    RunSamgr(samples, warmup, iters, 0);
    Stats empty = Summarise(samples, iters);
    Print(json, "samgr request/response", 0, iters, empty, empty.p50 / floor.p50);
    RunSamgr(samples, warmup, iters, 64);
    Stats owned = Summarise(samples, iters);
    Print(json, "samgr request/response", 64, iters, owned, owned.p50 / floor.p50);
    free(samples);
    return 0;
}
