/*
 * service_watch.c - lipc_samgr_wait_service / lipc_samgr_watch
 * (lipc_samgr.h).  State-based: every check asks the samgr server (or the
 * proxy cache, whose entries are invalidated by death recipients), so no
 * transition between a check and a wait can be lost: the next check sees
 * the new state.  Waiting is a timed wait on a condition kicked by provider
 * deaths, bounded by LIPC_SAMGR_POLL_MS (default 20 ms) for appearances
 * (the server has no push channel yet; see docs/SAMGR_REMOTE.md).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#include "iproxy_client.h"
#include "lipc_samgr.h"
#include "ohos_errno.h"
#include "remote_internal.h"
#include "service_registry.h"

typedef struct watch {
    int id;
    char service[16];
    char feature[16];
    int has_feature;
    lipc_samgr_watch_fn fn;
    void *arg;
    int available;
    int removed;
    struct watch *next;
} watch;

static pthread_mutex_t g_wlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_wcond = PTHREAD_COND_INITIALIZER;      /* kicks */
static pthread_cond_t g_wdone = PTHREAD_COND_INITIALIZER;      /* a callback finished */
static unsigned long g_kicks;
static watch *g_watches;
static int g_next_id;
static int g_thread_started;
static watch *g_running;           /* watch whose callback runs now */
static pthread_t g_wthread;

void lipc_samgr_watch_kick(void)
{
    pthread_mutex_lock(&g_wlock);
    g_kicks++;
    pthread_cond_broadcast(&g_wcond);
    pthread_mutex_unlock(&g_wlock);
}

static int poll_ms(void)
{
    return lipc_samgr_env_int("LIPC_SAMGR_POLL_MS", 20, 1, 10000);
}

static void deadline_after(struct timespec *ts, int ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_nsec += (long)ms * 1000000L;
    ts->tv_sec += ts->tv_nsec / 1000000000L;
    ts->tv_nsec %= 1000000000L;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 1 available, 0 not (yet), -EACCES denied. */
static int check(const char *service, const char *feature)
{
    IUnknown *iu = SAMGR_FindServiceApi(service, feature);
    if (iu)
        return 1;
    SvcIdentity id;
    int r = lipc_samgr_query(service, feature, &id);
    if (r == EC_PERMISSION)
        return -EACCES;
    return 0;
}

int lipc_samgr_wait_service(const char *service, const char *feature, int timeout_ms)
{
    if (!service || !*service || strlen(service) >= 16 || (feature && (!*feature || strlen(feature) >= 16)))
        return -EINVAL;
    long long end = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    for (;;) {
        pthread_mutex_lock(&g_wlock);
        unsigned long kicks = g_kicks;
        pthread_mutex_unlock(&g_wlock);
        int r = check(service, feature);
        if (r != 0)
            return r > 0 ? 0 : r;
        int ms = poll_ms();
        if (end >= 0) {
            long long left = end - now_ms();
            if (left <= 0)
                return -ETIMEDOUT;
            if (left < ms)
                ms = (int)left;
        }
        struct timespec ts;
        deadline_after(&ts, ms);
        pthread_mutex_lock(&g_wlock);
        while (g_kicks == kicks)
            if (pthread_cond_timedwait(&g_wcond, &g_wlock, &ts) == ETIMEDOUT)
                break;
        pthread_mutex_unlock(&g_wlock);
    }
}

static void *watch_main(void *arg)
{
    (void)arg;
    prctl(PR_SET_NAME, "samgr-watch");
    pthread_mutex_lock(&g_wlock);
    for (;;) {
        unsigned long kicks = g_kicks;
        for (watch *w = g_watches; w; w = w->next) {
            if (w->removed)
                continue;
            char s[16], f[16];
            int hf = w->has_feature;
            memcpy(s, w->service, sizeof(s));
            memcpy(f, w->feature, sizeof(f));
            pthread_mutex_unlock(&g_wlock);
            int avail = check(s, hf ? f : NULL) > 0;
            pthread_mutex_lock(&g_wlock);
            if (w->removed || avail == w->available)
                continue;
            w->available = avail;
            g_running = w;
            pthread_mutex_unlock(&g_wlock);
            w->fn(s, hf ? f : NULL, avail, w->arg);
            pthread_mutex_lock(&g_wlock);
            g_running = NULL;
            pthread_cond_broadcast(&g_wdone);
        }
        /* free removed watches */
        for (watch **pp = &g_watches; *pp;) {
            if ((*pp)->removed) {
                watch *d = *pp;
                *pp = d->next;
                free(d);
            } else {
                pp = &(*pp)->next;
            }
        }
        struct timespec ts;
        deadline_after(&ts, poll_ms());
        while (g_kicks == kicks)
            if (pthread_cond_timedwait(&g_wcond, &g_wlock, &ts) == ETIMEDOUT)
                break;
    }
    return NULL;
}

int lipc_samgr_watch(const char *service, const char *feature, lipc_samgr_watch_fn fn, void *arg)
{
    if (!fn || !service || !*service || strlen(service) >= 16 || (feature && (!*feature || strlen(feature) >= 16)))
        return -EINVAL;
    watch *w = calloc(1, sizeof(*w));
    if (!w)
        return -ENOMEM;
    snprintf(w->service, sizeof(w->service), "%s", service);
    if (feature) {
        snprintf(w->feature, sizeof(w->feature), "%s", feature);
        w->has_feature = 1;
    }
    w->fn = fn;
    w->arg = arg;
    pthread_mutex_lock(&g_wlock);
    if (!g_thread_started) {
        pthread_attr_t a;
        pthread_attr_init(&a);
        pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
        int e = pthread_create(&g_wthread, &a, watch_main, NULL);
        pthread_attr_destroy(&a);
        if (e) {
            pthread_mutex_unlock(&g_wlock);
            free(w);
            return -e;
        }
        g_thread_started = 1;
    }
    w->id = g_next_id++;
    w->next = g_watches;
    g_watches = w;
    g_kicks++;
    pthread_cond_broadcast(&g_wcond);
    int id = w->id;
    pthread_mutex_unlock(&g_wlock);
    return id;
}

static void watch_atfork_child(void)
{
    /* the watch thread does not exist in the child: no watches there */
    pthread_cond_init(&g_wcond, NULL);
    pthread_cond_init(&g_wdone, NULL);
    g_watches = NULL;   /* leaked in the child, owned by the parent's thread */
    g_thread_started = 0;
    g_running = NULL;
    pthread_mutex_unlock(&g_wlock);   /* held since watch_atfork_prepare */
}

static void watch_atfork_prepare(void)
{
    pthread_mutex_lock(&g_wlock);
}

static void watch_atfork_parent(void)
{
    pthread_mutex_unlock(&g_wlock);
}

__attribute__((constructor)) static void watch_ctor(void)
{
    pthread_atfork(watch_atfork_prepare, watch_atfork_parent, watch_atfork_child);
}

int lipc_samgr_unwatch(int id)
{
    pthread_mutex_lock(&g_wlock);
    watch *w = g_watches;
    while (w && (w->id != id || w->removed))
        w = w->next;
    if (!w) {
        pthread_mutex_unlock(&g_wlock);
        return -ENOENT;
    }
    w->removed = 1;
    if (!pthread_equal(pthread_self(), g_wthread))
        while (g_running == w)
            pthread_cond_wait(&g_wdone, &g_wlock);
    pthread_mutex_unlock(&g_wlock);
    return 0;
}
