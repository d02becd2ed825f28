/*
 * message.h - asynchronous messaging between samgr services and features.
 *
 * Ownership: when Request.len > 0 (or Response.len > 0), data must be heap
 * memory from malloc(); samgr frees it with free() once the last receiver
 * (and the response handler, if any) is done. len <= 0 means "not owned":
 * samgr copies the pointer and never frees it. If a send function fails, the
 * caller still owns the data (exception: SAMGR_SendSharedRequest /
 * SAMGR_SendSharedDirectRequest transfer it once any send succeeded, see
 * below). Queues never drop: a full queue returns EC_BUSBUSY.
 */
#ifndef LITE_MESSAGE_H
#define LITE_MESSAGE_H

#include "ohos_types.h"
#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct Identity Identity;
typedef struct Request Request;
typedef struct Response Response;

#pragma pack(1)
struct Identity {
    int16 serviceId;
    int16 featureId;
    MQueueId queueId;
};

struct Request {
    int16 msgId;
    int16 len;
    void *data;
    uint32 msgValue;
};

struct Response {
    void *data;
    int16 len;
    void *reply;
};
#pragma pack()

typedef void (*Handler)(const Request *request, const Response *response);

/*
 * Sends request to the service/feature identified by identity.
 * With a handler, the request gets exactly one response: handler runs in the
 * sender's samgr task (or in the responder's thread if the sender is not a
 * samgr task). Returns EC_SUCCESS, EC_INVALID (NULL args, no queue) or
 * EC_BUSBUSY (queue full; the caller keeps request->data).
 */
int32 SAMGR_SendRequest(const Identity *identity, const Request *request, Handler handler);

/*
 * Sends one request to several targets; pass the returned token to the next
 * call. Returns the shared reference (NULL if the request owns no data or on
 * failure of the first send).
 */
uint32 *SAMGR_SendSharedRequest(const Identity *identity, const Request *request, uint32 *token, Handler handler);

/*
 * Like SAMGR_SendSharedRequest, but the target task calls handler(request,
 * response) itself instead of the service's MessageHandle/OnMessage.
 * handler and ref are required. *ref is updated. Returns the put result.
 */
int32 SAMGR_SendSharedDirectRequest(const Identity *id, const Request *req, const Response *resp, uint32 **ref,
                                    Handler handler);

/*
 * Answers request (the pointer passed to MessageHandle/OnMessage). Only valid
 * once per request that was sent with a handler (else EC_INVALID). If the
 * handler does not answer, samgr sends an empty response after it returns.
 */
int32 SAMGR_SendResponse(const Request *request, const Response *response);

/* Like SAMGR_SendResponse, but the response handler runs in the task of id. */
int32 SAMGR_SendResponseByIdentity(const Identity *id, const Request *request, const Response *response);

#ifdef __cplusplus
}
#endif
#endif /* LITE_MESSAGE_H */
