/*
 * Queues (reference 3.8): the lock-free byte ring (capacity = count items,
 * wrap-around with odd item sizes, BUSBUSY when full, FAILURE when empty) and
 * the blocking queue (non-blocking put, blocking pop woken by another thread).
 */
#include "lock_free_queue.h"
#include "memory_adapter.h"
#include "queue_adapter.h"
#include "samgr_test.h"

typedef struct Item {
    uint8 bytes[7];   /* odd size: pushes wrap around the ring end */
} Item;

static void TestRing(void)
{
    CHECK(LFQUE_Create(0, 4) == NULL);
    CHECK(LFQUE_Create(4, 0) == NULL);
    LockFreeQueue *q = LFQUE_Create(sizeof(Item), 3);
    CHECK(q != NULL);
    CHECK_EQ(q->totalSize, sizeof(Item) * 3 + 1);
    Item in, out;
    CHECK_EQ(LFQUE_Push(NULL, &in, 0), EC_INVALID);
    CHECK_EQ(LFQUE_Pop(NULL, &out, NULL), EC_INVALID);
    CHECK_EQ(LFQUE_Pop(q, &out, NULL), EC_FAILURE);
    CHECK(LFQUE_IsEmpty(q));
    int next = 0, expect = 0;
    /* many rounds so that items straddle the end of the ring */
    for (int round = 0; round < 50; ++round) {
        int pushed = 0;
        while (1) {
            memset(in.bytes, next & 0xFF, sizeof(in.bytes));
            in.bytes[0] = (uint8)next;
            int rc = LFQUE_Push(q, &in, 0);
            if (rc == EC_BUSBUSY) {
                break;
            }
            CHECK_EQ(rc, EC_SUCCESS);
            next++;
            pushed++;
        }
        CHECK(LFQUE_IsFull(q));
        if (round == 0) {
            CHECK_EQ(pushed, 3);   /* exactly `count` items */
        }
        int pops = (round % 3) + 1;
        for (int i = 0; i < pops; ++i) {
            CHECK_EQ(LFQUE_Pop(q, &out, NULL), EC_SUCCESS);
            CHECK_EQ(out.bytes[0], (uint8)expect);
            CHECK_EQ(out.bytes[6], (uint8)(expect & 0xFF));
            expect++;
        }
    }
    while (LFQUE_Pop(q, &out, NULL) == EC_SUCCESS) {
        CHECK_EQ(out.bytes[0], (uint8)expect);
        expect++;
    }
    CHECK_EQ(expect, next);
    SAMGR_Free(q);
}

static MQueueId g_queue;
static void *Producer(void *arg)
{
    (void)arg;
    for (int i = 0; i < 20000; ++i) {
        while (QUEUE_Put(g_queue, &i, 0, 0) == EC_BUSBUSY) {
            sched_yield();
        }
    }
    return NULL;
}

static void TestBlockingQueue(void)
{
    CHECK(QUEUE_Create("q", 4, 0) == NULL);
    g_queue = QUEUE_Create("q", sizeof(int), 8);
    CHECK(g_queue != NULL);
    int v = 1;
    CHECK_EQ(QUEUE_Put(NULL, &v, 0, 0), EC_INVALID);
    CHECK_EQ(QUEUE_Put(g_queue, NULL, 0, 0), EC_INVALID);
    CHECK_EQ(QUEUE_Put(g_queue, &v, 0, 10), EC_INVALID);   /* blocking puts are not supported */
    for (int i = 0; i < 8; ++i) {
        CHECK_EQ(QUEUE_Put(g_queue, &i, 0, 0), EC_SUCCESS);
    }
    CHECK_EQ(QUEUE_Put(g_queue, &v, 0, 0), EC_BUSBUSY);
    for (int i = 0; i < 8; ++i) {
        int out = -1;
        CHECK_EQ(QUEUE_Pop(g_queue, &out, NULL, 0), EC_SUCCESS);
        CHECK_EQ(out, i);
    }
    /* a consumer blocked in Pop is woken by a producer thread; order is kept */
    pthread_t producer;
    CHECK_EQ(pthread_create(&producer, NULL, Producer, NULL), 0);
    for (int i = 0; i < 20000; ++i) {
        int out = -1;
        CHECK_EQ(QUEUE_Pop(g_queue, &out, NULL, 0), EC_SUCCESS);
        CHECK_EQ(out, i);
    }
    pthread_join(producer, NULL);
    CHECK_EQ(QUEUE_Destroy(g_queue), EC_SUCCESS);
    CHECK_EQ(QUEUE_Destroy(NULL), EC_INVALID);
}

int main(void)
{
    TestRing();
    TestBlockingQueue();
    CHECK(SAMGR_Malloc(0) == NULL);
    printf("test_queue: ok\n");
    return 0;
}
