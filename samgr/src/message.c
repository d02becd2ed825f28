/*
 * message.c - sending requests and responses between samgr tasks.
 *
 * Exchanges are copied by value into queues. When a request or response
 * carries owned data (data && len > 0) and more than one copy can exist
 * (responses, shared sends), the copies share a heap counter (sharedRef)
 * updated under the global mutex; the data is freed with the last copy.
 */
#include "message_inner.h"

#include "memory_adapter.h"
#include "ohos_errno.h"
#include "queue_adapter.h"
#include "samgr_log.h"
#include "task_manager.h"
#include "thread_adapter.h"

static BOOL FreeReference(Exchange *exchange)
{
    if (exchange == NULL) {
        return FALSE;
    }
    BOOL needFree = TRUE;
    uint32 *ref = exchange->sharedRef;
    if (ref != NULL) {
        MUTEX_GlobalLock();
        if (*ref > 0) {
            (*ref)--;
        }
        if (*ref > 0) {
            needFree = FALSE;
        }
        MUTEX_GlobalUnlock();
    }
    if (needFree) {
        SAMGR_Free(ref);
        exchange->sharedRef = NULL;
    }
    return needFree;
}

static int32 SharedSend(MQueueId queueId, Exchange *exchange, uint32 initRef)
{
    /* nothing owned: plain copy, no reference */
    if ((exchange->request.data == NULL || exchange->request.len <= 0) &&
        (exchange->response.data == NULL || exchange->response.len <= 0)) {
        return QUEUE_Put(queueId, exchange, 0, 0);
    }
    MUTEX_GlobalLock();
    if (exchange->sharedRef == NULL) {
        uint32 *ref = (uint32 *)SAMGR_Malloc(sizeof(uint32));
        if (ref == NULL) {
            MUTEX_GlobalUnlock();
            return EC_NOMEMORY;
        }
        *ref = initRef;
        exchange->sharedRef = ref;
    }
    (*exchange->sharedRef)++;
    MUTEX_GlobalUnlock();
    return QUEUE_Put(queueId, exchange, 0, 0);
}

int32 SAMGR_SendRequest(const Identity *identity, const Request *request, Handler handler)
{
    if (request == NULL || identity == NULL) {
        return EC_INVALID;
    }
    Exchange exchange = {*identity, *request, {NULL, 0, NULL}, MSG_NON, handler, NULL};
    exchange.id.queueId = NULL;
    if (handler != NULL) {
        exchange.id.queueId = SAMGR_GetCurrentQueueID();
        exchange.type = MSG_CON;
    }
    return QUEUE_Put(identity->queueId, &exchange, 0, 0);
}

uint32 *SAMGR_SendSharedRequest(const Identity *identity, const Request *request, uint32 *token, Handler handler)
{
    if (identity == NULL || request == NULL) {
        return NULL;
    }
    Exchange exchange = {*identity, *request, {NULL, 0, NULL}, MSG_NON, handler, token};
    exchange.type = (handler == NULL) ? MSG_NON : MSG_CON;
    exchange.id.queueId = NULL;
    int32 err = SharedSend(identity->queueId, &exchange, 0);
    if (err != EC_SUCCESS) {
        HILOG_INFO(HILOG_MODULE_SAMGR, "SharedRequest to service %d failed (%d)", identity->serviceId, err);
        (void)FreeReference(&exchange);
    }
    return exchange.sharedRef;
}

int32 SAMGR_SendSharedDirectRequest(const Identity *id, const Request *req, const Response *resp, uint32 **ref,
                                    Handler handler)
{
    if (id == NULL || req == NULL || handler == NULL || ref == NULL) {
        return EC_INVALID;
    }
    Exchange exchange = {*id, *req, {NULL, 0, NULL}, MSG_DIRECT, handler, *ref};
    if (resp != NULL) {
        exchange.response = *resp;
    }
    exchange.id.queueId = NULL;
    int32 err = SharedSend(id->queueId, &exchange, 0);
    if (err != EC_SUCCESS) {
        HILOG_INFO(HILOG_MODULE_SAMGR, "SharedDirectRequest to service %d failed (%d)", id->serviceId, err);
        (void)FreeReference(&exchange);
    }
    *ref = exchange.sharedRef;
    return err;
}

int32 SAMGR_SendResponse(const Request *request, const Response *response)
{
    if (request == NULL) {
        return EC_INVALID;
    }
    Exchange *exchange = GET_OBJECT(request, Exchange, request);
    if (exchange->type != MSG_CON) {
        return EC_INVALID;
    }
    if (exchange->handler == NULL) {
        return EC_SUCCESS;
    }
    exchange->type = MSG_ACK;
    exchange->response.data = NULL;
    exchange->response.len = 0;
    exchange->response.reply = NULL;
    if (response != NULL) {
        exchange->response = *response;
    }
    /* no reply-to task: run the handler here, in the responder's thread */
    if (exchange->id.queueId == NULL) {
        exchange->handler(&exchange->request, &exchange->response);
        return EC_SUCCESS;
    }
    int32 ret = SharedSend(exchange->id.queueId, exchange, 1);
    if (ret != EC_SUCCESS) {
        /* the sender's queue is full: never lose a response, run it here */
        HILOG_WARN(HILOG_MODULE_SAMGR, "response queue busy (%d), handler runs in the responder's task", ret);
        exchange->handler(&exchange->request, &exchange->response);
        (void)FreeReference(exchange);
    }
    return EC_SUCCESS;
}

int32 SAMGR_SendResponseByIdentity(const Identity *id, const Request *request, const Response *response)
{
    if (request == NULL || id == NULL) {
        return EC_INVALID;
    }
    Exchange *exchange = GET_OBJECT(request, Exchange, request);
    if (exchange->type == MSG_NON) {
        return EC_INVALID;
    }
    exchange->id.queueId = id->queueId;
    return SAMGR_SendResponse(request, response);
}

int32 SAMGR_MsgRecv(MQueueId queueId, uint8 *interMsg, uint32 size)
{
    if (queueId == NULL || interMsg == NULL || size == 0) {
        return EC_INVALID;
    }
    return QUEUE_Pop(queueId, interMsg, NULL, 0);
}

int32 SAMGR_FreeMsg(Exchange *exchange)
{
    if (!FreeReference(exchange)) {
        return EC_SUCCESS;
    }
    if (exchange->request.len > 0) {
        SAMGR_Free(exchange->request.data);
        exchange->request.data = NULL;
    }
    if (exchange->response.len > 0) {
        SAMGR_Free(exchange->response.data);
        exchange->response.data = NULL;
    }
    return EC_SUCCESS;
}
