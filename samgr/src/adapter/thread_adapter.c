/*
 * thread_adapter.c - POSIX threads for samgr task pools.
 *
 * Upstream uses PTHREAD_EXPLICIT_SCHED + SCHED_RR, which fails with EPERM for
 * unprivileged users on Linux. Here threads keep the default policy and the
 * TaskPriority becomes a nice value set on the thread itself (Linux nice is
 * per thread): increasing nice always works, decreasing it needs
 * CAP_SYS_NICE (or RLIMIT_NICE) and is silently skipped on EPERM.
 */
#include "thread_adapter.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "memory_adapter.h"
#include "service.h"

static pthread_mutex_t g_globalLock = PTHREAD_MUTEX_INITIALIZER;
static int g_threadCount = 0;
static __thread const void *g_threadLocal = NULL;

typedef struct ThreadStart {
    Runnable run;
    void *argv;
    int nice;
    char name[16];
} ThreadStart;

MutexId MUTEX_InitValue(void)
{
    pthread_mutex_t *mutex = (pthread_mutex_t *)SAMGR_Malloc(sizeof(pthread_mutex_t));
    if (mutex == NULL) {
        return NULL;
    }
    (void)pthread_mutex_init(mutex, NULL);
    return (MutexId)mutex;
}

void MUTEX_Lock(MutexId mutex)
{
    if (mutex != NULL) {
        pthread_mutex_lock((pthread_mutex_t *)mutex);
    }
}

void MUTEX_Unlock(MutexId mutex)
{
    if (mutex != NULL) {
        pthread_mutex_unlock((pthread_mutex_t *)mutex);
    }
}

void MUTEX_GlobalLock(void)
{
    pthread_mutex_lock(&g_globalLock);
}

void MUTEX_GlobalUnlock(void)
{
    pthread_mutex_unlock(&g_globalLock);
}

int THREAD_NiceOf(int priority)
{
    if (priority >= PRI_ABOVE_NORMAL) {
        return -5;
    }
    if (priority >= PRI_NORMAL) {
        return 0;
    }
    if (priority >= PRI_BELOW_NORMAL) {
        return 5;
    }
    return 10;
}

static void *ThreadMain(void *arg)
{
    ThreadStart start = *(ThreadStart *)arg;
    SAMGR_Free(arg);
    if (start.name[0] != '\0') {
        (void)pthread_setname_np(pthread_self(), start.name);
    }
    if (start.nice != 0) {
        /* best effort: EPERM (lowering nice without privilege) is ignored */
        (void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), start.nice);
    }
    void *ret = start.run(start.argv);
    __atomic_sub_fetch(&g_threadCount, 1, __ATOMIC_RELAXED);
    return ret;
}

ThreadId THREAD_Create(Runnable run, void *argv, const ThreadAttr *attr)
{
    if (run == NULL) {
        return NULL;
    }
    ThreadStart *start = (ThreadStart *)SAMGR_Malloc(sizeof(ThreadStart));
    if (start == NULL) {
        return NULL;
    }
    memset(start, 0, sizeof(*start));
    start->run = run;
    start->argv = argv;
    size_t stack = SAMGR_MIN_STACK_SIZE;
    if (attr != NULL) {
        start->nice = THREAD_NiceOf(attr->priority);
        if (attr->name != NULL) {
            strncpy(start->name, attr->name, sizeof(start->name) - 1);
        }
        if (attr->stackSize > stack) {
            stack = attr->stackSize;
        }
    }
    if (stack < (size_t)PTHREAD_STACK_MIN) {
        stack = (size_t)PTHREAD_STACK_MIN;
    }
    long page = sysconf(_SC_PAGESIZE);
    if (page > 0) {
        stack = (stack + (size_t)page - 1) & ~((size_t)page - 1);
    }

    pthread_attr_t threadAttr;
    pthread_attr_init(&threadAttr);
    pthread_attr_setdetachstate(&threadAttr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&threadAttr, stack);
    pthread_t threadId;
    __atomic_add_fetch(&g_threadCount, 1, __ATOMIC_RELAXED);
    int err = pthread_create(&threadId, &threadAttr, ThreadMain, start);
    pthread_attr_destroy(&threadAttr);
    if (err != 0) {
        __atomic_sub_fetch(&g_threadCount, 1, __ATOMIC_RELAXED);
        SAMGR_Free(start);
        return NULL;
    }
    return (ThreadId)threadId;
}

int THREAD_Total(void)
{
    return __atomic_load_n(&g_threadCount, __ATOMIC_RELAXED);
}

void *THREAD_GetThreadLocal(void)
{
    return (void *)g_threadLocal;
}

void THREAD_SetThreadLocal(const void *local)
{
    g_threadLocal = local;
}
