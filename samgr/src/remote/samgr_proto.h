/*
 * samgr_proto.h - the samgr server protocol (openharmony-reference §3.10)
 * and the router-call reply header, shared by the server and every
 * endpoint.  docs/SAMGR_REMOTE.md describes each request.
 *
 * Request to handle 0, code SAMGR_INVALID_INDEX:
 *   int32 0 (router token of samgr), uint32 resource, uint32 option, ...
 */
#ifndef LIPC_SAMGR_PROTO_H
#define LIPC_SAMGR_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "serializer.h"

#define SAMGR_INVALID_INDEX 0xFFFFFFFFu
#define SAMGR_SERVICE "samgr"

enum ResourceID { RES_ENDPOINT = 0, RES_FEATURE = 1, RES_SYSCAP = 2, RES_BUTT };
enum OptionID { OP_GET = 0, OP_POST = 1, OP_PUT = 2, OP_DELETE = 3, OP_ALL = 4 };

/* Starts a request to samgr in buf: samgr's router token (0), the resource
 * and the option; objs = how many objects the request will carry. */
static inline void samgr_req_begin(IpcIo *req, void *buf, size_t size, size_t objs, uint32_t res, uint32_t op)
{
    IpcIoInit(req, buf, size, objs);
    WriteInt32(req, 0);
    WriteUint32(req, res);
    WriteUint32(req, op);
}

/* PolicyTrans types (permission_lite) */
enum { POLICY_RANGE = 0, POLICY_FIXED = 1, POLICY_BUNDLENAME = 2 };
#define SAMGR_FIXED_UID_NUM 8

#define SAMGR_SYSCAP_PER_REPLY 118     /* names per OP_ALL reply (upstream) */
#define SAMGR_SYSCAP_UID_MAX 10000     /* syscap requests: caller uid < this */

/* Router calls (consumer -> a feature's server thread), two forms:
 *  - header form (what our client proxy sends): the request is the
 *    caller's request as is; the router token travels in the request
 *    header (IpcMsg.target.token, as LiteIPC delivers it), marked by
 *    target.cookie == SAMGR_ROUTER_HDR_COOKIE.  The status comes back in
 *    the reply header (the stub's result, lipc_ipc_reply_result) and the
 *    reply is the feature's Invoke output alone.  No token or status word
 *    in the payload: a 64-byte request stays one ring line, nothing copied.
 *  - payload form (any other cookie, e.g. a caller using
 *    SAMGR_GetRemoteIdentity + SendRequest itself): the request starts with
 *    int32 token, the reply with int32 status.
 * Status: EC_SUCCESS, then the feature's Invoke output; or EC_PERMISSION
 * (policy), EC_FLOWCTRL (token bucket), EC_INVALID (unknown token) and
 * nothing else. */
#define SAMGR_ROUTER_HDR_COOKIE ((uintptr_t)0x53524854u)   /* "SRHT" */

/* Time-outs of requests to samgr (seconds). */
#define SAMGR_CALL_WAIT_S 5

#endif
