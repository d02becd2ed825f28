/*
 * queue_adapter.h - the blocking message queue of a task pool.
 * Producers never block: QUEUE_Put returns EC_BUSBUSY when the queue is full
 * (nothing is dropped silently). QUEUE_Pop blocks until an item arrives.
 */
#ifndef SAMGR_QUEUE_ADAPTER_H
#define SAMGR_QUEUE_ADAPTER_H

#include "common.h"
#include "ohos_types.h"

/* A queue of `count` items of `size` bytes; NULL on bad arguments or no memory. */
MQueueId QUEUE_Create(const char *name, int size, int count);
/* Copies element in. timeout must be <= 0. EC_SUCCESS, EC_INVALID, EC_BUSBUSY. */
int QUEUE_Put(MQueueId queueId, const void *element, uint8 pri, int timeout);
/* Copies the oldest item out, blocking while empty. EC_SUCCESS or EC_INVALID. */
int QUEUE_Pop(MQueueId queueId, void *element, uint8 *pri, int timeout);
/* Frees the queue; no thread may use it any more. */
int QUEUE_Destroy(MQueueId queueId);

#endif
