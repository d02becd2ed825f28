/*
 * rpc_errno.h - return codes of OpenHarmony's C IPC library (ipc_single),
 * with upstream's names and values.
 *
 * liteipc keeps these codes where OpenHarmony callers rely on them and adds
 * two precise ones upstream declares but never returns on LiteOS-A:
 *   ERR_DEAD_OBJECT           the peer died (during or before the call);
 *   IPC_INVOKER_FAILED_REPLY  the peer answered with a failed reply (e.g.
 *                             no stub for the target, or its reply was bad).
 * The exact reason of the last failure of a call is available from
 * lipc_ipc_last_error() in lipc_ipc.h (a -errno value).  See docs/IPC.md.
 */
#ifndef LIPC_RPC_ERRNO_H
#define LIPC_RPC_ERRNO_H

#ifdef __cplusplus
extern "C" {
#endif

enum IpcRpcErrNo {
    ERR_NONE = 0,
    ERR_FAILED = -1,                    /* generic failure; FreeBuffer; too big */
    ERR_INVALID_PARAM = -2,             /* bad argument, unknown handle, no free slot */
    ERR_IPC_SKELETON_NOT_INIT = -3,     /* the device could not be opened (no broker?) */
    ERR_THREAD_INVOKER_NOT_INIT = -4,
    ERR_NOT_RPC = -16,
    ERR_DEAD_OBJECT = -32,              /* the peer is dead */
    IPC_INVOKER_INVALID_DATA = -33,
    IPC_INVOKER_FAILED_REPLY = -34,     /* the peer sent MT_FAILED_REPLY */
    IPC_INVOKER_UNKNOWN_CODE = -35,
    IPC_INVOKER_IOCTL_FAILED = -36,     /* any other driver failure (timeout, access, pool full, ...) */
};

#ifdef __cplusplus
}
#endif
#endif /* LIPC_RPC_ERRNO_H */
