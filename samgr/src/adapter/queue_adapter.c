/*
 * queue_adapter.c - LockFreeBlockQueue: a LockFreeQueue whose producers are
 * serialised by wMutex and whose consumers wait on cond under rMutex.
 * The producer pushes first and then signals under rMutex; the consumer
 * re-checks the ring under rMutex before waiting, so no wake-up is lost.
 */
#include "queue_adapter.h"

#include <pthread.h>

#include "lock_free_queue.h"
#include "memory_adapter.h"
#include "ohos_errno.h"

typedef struct LockFreeBlockQueue {
    pthread_mutex_t wMutex;
    pthread_mutex_t rMutex;
    pthread_cond_t cond;
    LockFreeQueue *queue;
} LockFreeBlockQueue;

MQueueId QUEUE_Create(const char *name, int size, int count)
{
    (void)name;
    LockFreeBlockQueue *queue = (LockFreeBlockQueue *)SAMGR_Malloc(sizeof(LockFreeBlockQueue));
    if (queue == NULL) {
        return NULL;
    }
    queue->queue = LFQUE_Create(size, count);
    if (queue->queue == NULL) {
        SAMGR_Free(queue);
        return NULL;
    }
    pthread_mutex_init(&queue->wMutex, NULL);
    pthread_mutex_init(&queue->rMutex, NULL);
    pthread_cond_init(&queue->cond, NULL);
    return (MQueueId)queue;
}

int QUEUE_Put(MQueueId queueId, const void *element, uint8 pri, int timeout)
{
    if (queueId == NULL || element == NULL || timeout > 0) {
        return EC_INVALID;
    }
    LockFreeBlockQueue *queue = (LockFreeBlockQueue *)queueId;
    /* The element becomes visible to the consumer only when we release
     * rMutex, our last touch of the queue: a consumer that pops MSG_EXIT and
     * destroys the queue can never do so under a producer still inside
     * (upstream pushes under wMutex alone and signals afterwards). */
    pthread_mutex_lock(&queue->wMutex);
    pthread_mutex_lock(&queue->rMutex);
    int ret = LFQUE_Push(queue->queue, element, pri);
    if (ret == EC_SUCCESS) {
        pthread_cond_signal(&queue->cond);
    }
    pthread_mutex_unlock(&queue->wMutex);
    pthread_mutex_unlock(&queue->rMutex);
    return ret;
}

int QUEUE_Pop(MQueueId queueId, void *element, uint8 *pri, int timeout)
{
    (void)timeout;
    if (queueId == NULL || element == NULL) {
        return EC_INVALID;
    }
    LockFreeBlockQueue *queue = (LockFreeBlockQueue *)queueId;
    /* fast path: the consumer side is single-threaded per pool */
    pthread_mutex_lock(&queue->rMutex);
    while (LFQUE_Pop(queue->queue, element, pri) != EC_SUCCESS) {
        pthread_cond_wait(&queue->cond, &queue->rMutex);
    }
    pthread_mutex_unlock(&queue->rMutex);
    return EC_SUCCESS;
}

int QUEUE_Destroy(MQueueId queueId)
{
    if (queueId == NULL) {
        return EC_INVALID;
    }
    LockFreeBlockQueue *queue = (LockFreeBlockQueue *)queueId;
    pthread_cond_destroy(&queue->cond);
    pthread_mutex_destroy(&queue->rMutex);
    pthread_mutex_destroy(&queue->wMutex);
    SAMGR_Free(queue->queue);
    SAMGR_Free(queue);
    return EC_SUCCESS;
}
