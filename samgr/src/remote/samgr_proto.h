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

#include <stdint.h>

#define SAMGR_INVALID_INDEX 0xFFFFFFFFu
#define SAMGR_SERVICE "samgr"

enum ResourceID { RES_ENDPOINT = 0, RES_FEATURE = 1, RES_SYSCAP = 2, RES_BUTT };
enum OptionID { OP_GET = 0, OP_POST = 1, OP_PUT = 2, OP_DELETE = 3, OP_ALL = 4 };

/* PolicyTrans types (permission_lite) */
enum { POLICY_RANGE = 0, POLICY_FIXED = 1, POLICY_BUNDLENAME = 2 };
#define SAMGR_FIXED_UID_NUM 8

#define SAMGR_SYSCAP_PER_REPLY 118     /* names per OP_ALL reply (upstream) */
#define SAMGR_SYSCAP_UID_MAX 10000     /* syscap requests: caller uid < this */

/* Every reply of an endpoint's router call starts with int32 status:
 * EC_SUCCESS, then the feature's Invoke output; or EC_PERMISSION (policy),
 * EC_FLOWCTRL (token bucket), EC_INVALID (unknown token) and nothing else. */

/* Time-outs of requests to samgr (seconds). */
#define SAMGR_CALL_WAIT_S 5

#endif
