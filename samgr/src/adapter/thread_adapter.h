/*
 * thread_adapter.h - threads and mutexes of the POSIX adapter.
 *
 * Threads use the default scheduling policy (no SCHED_RR, so they start for
 * unprivileged users). ThreadAttr.priority (a TaskPriority) is mapped to a
 * nice value of the thread, best effort (see THREAD_NiceOf and docs/SAMGR.md).
 */
#ifndef SAMGR_THREAD_ADAPTER_H
#define SAMGR_THREAD_ADAPTER_H

#include "common.h"
#include "ohos_types.h"

typedef void *(*Runnable)(void *argv);

typedef struct ThreadAttr ThreadAttr;
struct ThreadAttr {
    const char *name;   /* thread name (truncated to 15 bytes) */
    uint32 stackSize;   /* raised to SAMGR_MIN_STACK_SIZE */
    uint8 priority;     /* TaskPriority */
    uint8 reserved1;
    uint16 reserved2;
};

/* Smallest stack a samgr thread gets on Linux (LiteOS sizes are too small). */
#define SAMGR_MIN_STACK_SIZE (128u * 1024u)

/* A heap-allocated (never freed) mutex, NULL on failure. */
MutexId MUTEX_InitValue(void);
void MUTEX_Lock(MutexId mutex);
void MUTEX_Unlock(MutexId mutex);
/* One process-wide mutex (guards shared references and pool refs). */
void MUTEX_GlobalLock(void);
void MUTEX_GlobalUnlock(void);

/* Starts a detached thread; NULL on failure. */
ThreadId THREAD_Create(Runnable run, void *argv, const ThreadAttr *attr);
/* Number of threads created by THREAD_Create that are still running. */
int THREAD_Total(void);
void *THREAD_GetThreadLocal(void);
void THREAD_SetThreadLocal(const void *local);
/* The nice value a TaskPriority maps to. */
int THREAD_NiceOf(int priority);

#endif
