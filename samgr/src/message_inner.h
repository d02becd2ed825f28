/*
 * message_inner.h - the Exchange: what a samgr queue carries (by value).
 * id.queueId of a queued exchange is the reply-to queue, not the target.
 */
#ifndef SAMGR_MESSAGE_INNER_H
#define SAMGR_MESSAGE_INNER_H

#include "common.h"
#include "message.h"

typedef struct Exchange Exchange;

typedef enum ExchangeType {
    MSG_EXIT = -1,   /* stops the task loop */
    MSG_NON = 0,     /* request without response */
    MSG_CON = 1,     /* request that gets exactly one response */
    MSG_ACK = 2,     /* a response, runs the sender's handler */
    MSG_SYNC = 3,    /* unused */
    MSG_DIRECT = 4,  /* the target task calls handler(request, response) */
} ExchangeType;

#pragma pack(1)
struct Exchange {
    Identity id;       /* target ids; queueId = reply-to queue */
    Request request;
    Response response;
    short type;        /* ExchangeType */
    Handler handler;
    uint32 *sharedRef; /* counts the queued copies that share owned data */
};
#pragma pack()

/* Pops one exchange (blocking). */
int32 SAMGR_MsgRecv(MQueueId queueId, uint8 *interMsg, uint32 size);
/* Drops one reference; frees owned request/response data after the last one. */
int32 SAMGR_FreeMsg(Exchange *exchange);

#endif
