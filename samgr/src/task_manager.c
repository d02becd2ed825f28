/*
 * task_manager.c - task pools and the task loop.
 *
 * A task pool is one queue plus `size` threads (always 1 here) running
 * TaskEntry. The loop pops exchanges and dispatches them: responses (ACK) and
 * direct requests run their handler, other requests go to the service's
 * MessageHandle or the feature's OnMessage, followed by the automatic
 * response, so every request sent with a handler gets exactly one response.
 */
#include "task_manager.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "memory_adapter.h"
#include "message_inner.h"
#include "ohos_errno.h"
#include "queue_adapter.h"
#include "samgr_log.h"
#include "service_impl.h"
#include "thread_adapter.h"
#include "time_adapter.h"

static pthread_once_t g_thresholdOnce = PTHREAD_ONCE_INIT;
static uint32 g_threshold = MSG_PROC_THRESHOLD;

static void ReadThreshold(void)
{
    const char *env = getenv("SAMGR_SLOW_HANDLER_MS");
    if (env != NULL && *env != '\0') {
        char *end = NULL;
        unsigned long value = strtoul(env, &end, 10);
        if (end != NULL && *end == '\0' && value > 0 && value <= 0xFFFFFFFFul) {
            g_threshold = (uint32)value;
        }
    }
}

uint32 SAMGR_GetSlowHandlerThreshold(void)
{
    pthread_once(&g_thresholdOnce, ReadThreshold);
    return g_threshold;
}

TaskPool *SAMGR_CreateFixedTaskPool(const TaskConfig *cfg, const char *name, uint8 size)
{
    if (cfg == NULL || size == 0 || THREAD_Total() >= MAX_TASK_SIZE) {
        return NULL;
    }
    MQueueId queueId = QUEUE_Create(name, sizeof(Exchange), cfg->queueSize);
    if (queueId == NULL) {
        return NULL;
    }
    TaskPool *pool = (TaskPool *)SAMGR_Malloc(sizeof(TaskPool) + sizeof(ThreadId) * size);
    if (pool == NULL) {
        QUEUE_Destroy(queueId);
        return NULL;
    }
    pool->queueId = queueId;
    pool->stackSize = cfg->stackSize;
    pool->priority = (uint8)cfg->priority;
    pool->size = size;
    pool->top = 0;
    pool->ref = 0;
    (void)SAMGR_GetSlowHandlerThreshold();   /* read the environment before threads exist */
    return pool;
}

static uint64 BeginWork(ServiceImpl *service)
{
    if (service != NULL && SAMGR_GetInited(service) == SVC_IDLE) {
        service->ops.messages++;
        service->ops.timestamp = SAMGR_GetProcessTime();
        SAMGR_SetInited(service, SVC_BUSY);
    }
    return SAMGR_GetMonotonicMs();
}

static void EndWork(ServiceImpl *service, const Exchange *exchange, uint64 start)
{
    uint64 elapsed = SAMGR_GetMonotonicMs() - start;
    if (elapsed > SAMGR_GetSlowHandlerThreshold()) {
        if (service != NULL) {
            __atomic_add_fetch(&service->ops.abnormal, 1, __ATOMIC_RELEASE);
        }
        const char *name = (service != NULL) ? service->service->GetName(service->service) : "(unknown)";
        HILOG_WARN(HILOG_MODULE_SAMGR, "slow handler: service <%s> msgId %d type %d took %llu ms (threshold %u ms)",
                   name, exchange->request.msgId, exchange->type, (unsigned long long)elapsed,
                   SAMGR_GetSlowHandlerThreshold());
    }
    if (service != NULL && SAMGR_GetInited(service) == SVC_BUSY) {
        service->ops.timestamp = SAMGR_GetProcessTime();
        SAMGR_SetInited(service, SVC_IDLE);
    }
}

static void ProcRequest(Exchange *exchange, ServiceImpl *serviceImpl)
{
    if (exchange->type == MSG_ACK || exchange->type == MSG_DIRECT) {
        return;
    }
    if (serviceImpl != NULL) {
        (void)DEFAULT_MessageHandle(serviceImpl, &exchange->id, &exchange->request);
    } else {
        HILOG_ERROR(HILOG_MODULE_SAMGR, "request %d for unknown service %d", exchange->request.msgId,
                    exchange->id.serviceId);
    }
    /* the automatic response (a no-op if the handler already answered) */
    if (exchange->type == MSG_CON) {
        (void)SAMGR_SendResponse(&exchange->request, &exchange->response);
    }
}

static void *TaskEntry(void *argv)
{
    MQueueId queueId = (MQueueId)argv;
    int16 lastServiceId = INVALID_INDEX;
    THREAD_SetThreadLocal(queueId);
    for (;;) {
        Exchange exchange;
        if (SAMGR_MsgRecv(queueId, (uint8 *)&exchange, sizeof(Exchange)) != EC_SUCCESS) {
            continue;
        }
        if (exchange.type == MSG_EXIT) {
            (void)SAMGR_FreeMsg(&exchange);
            break;
        }
        /* a response belongs to the service this task served last */
        if (exchange.type != MSG_ACK) {
            lastServiceId = exchange.id.serviceId;
        }
        ServiceImpl *serviceImpl = SAMGR_AcquireServiceByID(lastServiceId);
        uint64 start = BeginWork(serviceImpl);
        if ((exchange.type == MSG_ACK || exchange.type == MSG_DIRECT) && exchange.handler != NULL) {
            exchange.handler(&exchange.request, &exchange.response);
        }
        ProcRequest(&exchange, serviceImpl);
        EndWork(serviceImpl, &exchange, start);
        SAMGR_ReleaseService(serviceImpl);
        (void)SAMGR_FreeMsg(&exchange);
    }
    THREAD_SetThreadLocal(NULL);
    QUEUE_Destroy(queueId);
    return NULL;
}

int32 SAMGR_StartTaskPool(TaskPool *pool, const char *name)
{
    if (pool == NULL) {
        return EC_INVALID;
    }
    if (pool->top > 0) {
        return EC_SUCCESS;
    }
    ThreadAttr attr = {name, pool->stackSize, pool->priority, 0, 0};
    while (pool->top < pool->size) {
        ThreadId threadId = THREAD_Create(TaskEntry, pool->queueId, &attr);
        if (threadId == NULL) {
            HILOG_ERROR(HILOG_MODULE_SAMGR, "cannot start a thread for <%s>", (name != NULL) ? name : "");
            break;
        }
        pool->tasks[pool->top] = threadId;
        ++(pool->top);
    }
    return (pool->top > 0) ? EC_SUCCESS : EC_FAILURE;
}

TaskPool *SAMGR_ReferenceTaskPool(TaskPool *pool)
{
    if (pool == NULL || pool->ref >= MAX_REF_NUM) {
        return NULL;
    }
    pool->ref++;
    return pool;
}

int32 SAMGR_ReleaseTaskPool(TaskPool *pool)
{
    if (pool == NULL) {
        return EC_INVALID;
    }
    MUTEX_GlobalLock();
    pool->ref--;
    int32 ref = pool->ref;
    MUTEX_GlobalUnlock();
    if (ref > 0) {
        return ref;
    }
    if (pool->top == 0) {
        QUEUE_Destroy(pool->queueId);
    } else {
        Exchange exchange = {{0, 0, NULL}, {0, 0, NULL, 0}, {NULL, 0, NULL}, MSG_EXIT, NULL, NULL};
        int i;
        for (i = 0; i < pool->top; ++i) {
            /* never lose the exit message: wait for room if the queue is full */
            while (QUEUE_Put(pool->queueId, &exchange, 0, 0) == EC_BUSBUSY) {
                struct timespec pause = {0, 1000000};
                nanosleep(&pause, NULL);
            }
        }
    }
    SAMGR_Free(pool);
    return 0;
}

MQueueId SAMGR_GetCurrentQueueID(void)
{
    return (MQueueId)THREAD_GetThreadLocal();
}
