/*
 * lock_free_queue.h - a byte ring of fixed-size items for one producer and
 * one consumer (callers serialise producers and consumers with their own
 * mutexes, see queue_adapter.c). Capacity is `count` items: the ring has
 * size*count + 1 bytes and is full when (write + 1) % total == read.
 */
#ifndef SAMGR_LOCK_FREE_QUEUE_H
#define SAMGR_LOCK_FREE_QUEUE_H

#include "ohos_types.h"

typedef struct LockFreeQueue LockFreeQueue;
struct LockFreeQueue {
    uint32 write;
    uint32 read;
    uint32 itemSize;
    uint32 totalSize;
    uint8 buffer[];
};

/* Returns a new queue (free with SAMGR_Free) or NULL (size/count 0, overflow, no memory). */
LockFreeQueue *LFQUE_Create(int size, int count);
BOOL LFQUE_IsEmpty(LockFreeQueue *queue);
BOOL LFQUE_IsFull(LockFreeQueue *queue);
/* EC_SUCCESS, EC_INVALID (NULL), EC_BUSBUSY (full). pri is ignored. */
int LFQUE_Push(LockFreeQueue *queue, const void *element, uint8 pri);
/* EC_SUCCESS, EC_INVALID (NULL), EC_FAILURE (empty). pri may be NULL. */
int LFQUE_Pop(LockFreeQueue *queue, void *element, uint8 *pri);

#endif
