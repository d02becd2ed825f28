/*
 * task_manager.h - task pools: one queue served by `size` threads.
 */
#ifndef SAMGR_TASK_MANAGER_H
#define SAMGR_TASK_MANAGER_H

#include "common.h"
#include "service.h"

#define MAX_REF_NUM 15
#define MAX_TASK_SIZE 0xFFFFFF
#define DEFAULT_SIZE 1
#define SINGLE_SIZE 1
#define MSG_PROC_THRESHOLD (10 * 1000)   /* ms; override with SAMGR_SLOW_HANDLER_MS */

typedef struct TaskPool TaskPool;
struct TaskPool {
    MQueueId queueId;
    uint16 stackSize;
    uint8 priority;
    uint8 size;
    uint8 top;
    int8 ref;
    ThreadId tasks[];
};

/* A pool (ref 0, not started) with a queue of cfg->queueSize exchanges; NULL on failure. */
TaskPool *SAMGR_CreateFixedTaskPool(const TaskConfig *cfg, const char *name, uint8 size);
/* Starts the pool's threads unless already started. */
int32 SAMGR_StartTaskPool(TaskPool *pool, const char *name);
/* Drops one reference; at 0 the threads are told to exit and the pool is freed.
 * Returns the remaining count (0 means freed), EC_INVALID for NULL. */
int32 SAMGR_ReleaseTaskPool(TaskPool *pool);
/* ref++ unless ref >= MAX_REF_NUM (then NULL). Caller holds MUTEX_GlobalLock or is single-threaded. */
TaskPool *SAMGR_ReferenceTaskPool(TaskPool *pool);
/* The queue of the calling samgr task, NULL on any other thread. */
MQueueId SAMGR_GetCurrentQueueID(void);
/* Handler time (ms) above which a warning is logged (MSG_PROC_THRESHOLD or $SAMGR_SLOW_HANDLER_MS). */
uint32 SAMGR_GetSlowHandlerThreshold(void);

#endif
