/*
 * lock_free_queue.c - single-producer/single-consumer byte ring.
 * write is published with release ordering after the item is copied in, read
 * after it is copied out, so one producer and one consumer need no lock.
 */
#include "lock_free_queue.h"

#include <string.h>

#include "memory_adapter.h"
#include "ohos_errno.h"

LockFreeQueue *LFQUE_Create(int size, int count)
{
    if (size <= 0 || count <= 0) {
        return NULL;
    }
    uint64 total = (uint64)size * (uint64)count + 1u;
    if (total + sizeof(LockFreeQueue) > 0x7FFFFFFFu) {
        return NULL;
    }
    LockFreeQueue *queue = (LockFreeQueue *)SAMGR_Malloc((uint32)(sizeof(LockFreeQueue) + total));
    if (queue == NULL) {
        return NULL;
    }
    queue->write = 0;
    queue->read = 0;
    queue->itemSize = (uint32)size;
    queue->totalSize = (uint32)total;
    return queue;
}

BOOL LFQUE_IsFull(LockFreeQueue *queue)
{
    uint32 write = __atomic_load_n(&queue->write, __ATOMIC_RELAXED);
    uint32 read = __atomic_load_n(&queue->read, __ATOMIC_ACQUIRE);
    uint32 nextWrite = write + 1;
    if (nextWrite >= queue->totalSize) {
        nextWrite = 0;
    }
    return (nextWrite == read) ? TRUE : FALSE;
}

BOOL LFQUE_IsEmpty(LockFreeQueue *queue)
{
    return (__atomic_load_n(&queue->write, __ATOMIC_ACQUIRE) == __atomic_load_n(&queue->read, __ATOMIC_RELAXED))
               ? TRUE
               : FALSE;
}

static uint32 FreeBytes(LockFreeQueue *queue, uint32 write, uint32 read)
{
    /* one byte always stays unused to tell full from empty */
    return (read > write) ? (read - write - 1) : (queue->totalSize - write + read - 1);
}

int LFQUE_Push(LockFreeQueue *queue, const void *element, uint8 pri)
{
    (void)pri;
    if (queue == NULL || element == NULL) {
        return EC_INVALID;
    }
    uint32 write = __atomic_load_n(&queue->write, __ATOMIC_RELAXED);
    uint32 read = __atomic_load_n(&queue->read, __ATOMIC_ACQUIRE);
    if (FreeBytes(queue, write, read) < queue->itemSize) {
        return EC_BUSBUSY;
    }
    uint32 tail = queue->totalSize - write;
    uint32 first = (tail < queue->itemSize) ? tail : queue->itemSize;
    memcpy(&queue->buffer[write], element, first);
    if (first < queue->itemSize) {
        memcpy(&queue->buffer[0], (const uint8 *)element + first, queue->itemSize - first);
    }
    write = (write + queue->itemSize) % queue->totalSize;
    __atomic_store_n(&queue->write, write, __ATOMIC_RELEASE);
    return EC_SUCCESS;
}

int LFQUE_Pop(LockFreeQueue *queue, void *element, uint8 *pri)
{
    if (queue == NULL || element == NULL) {
        return EC_INVALID;
    }
    uint32 read = __atomic_load_n(&queue->read, __ATOMIC_RELAXED);
    uint32 write = __atomic_load_n(&queue->write, __ATOMIC_ACQUIRE);
    if (read == write) {
        return EC_FAILURE;
    }
    uint32 tail = queue->totalSize - read;
    uint32 first = (tail < queue->itemSize) ? tail : queue->itemSize;
    memcpy(element, &queue->buffer[read], first);
    if (first < queue->itemSize) {
        memcpy((uint8 *)element + first, &queue->buffer[0], queue->itemSize - first);
    }
    read = (read + queue->itemSize) % queue->totalSize;
    __atomic_store_n(&queue->read, read, __ATOMIC_RELEASE);
    if (pri != NULL) {
        *pri = 0;
    }
    return EC_SUCCESS;
}
