/*
 * serializer_internal.h - what the rest of ipc_single (the IPC skeleton)
 * needs from the serializer and that OpenHarmony code must not see.
 * Not installed.  Every symbol here has hidden visibility: usable inside
 * libipc_single.so and by tests linking the static variant, not exported.
 */
#ifndef LIPC_SERIALIZER_INTERNAL_H
#define LIPC_SERIALIZER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "serializer.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Internal flag bit set by IpcIoInitFromMsg (never by IpcIoInit): the io
 * is a read-only view of a received message, so every Write* on it fails
 * (with IPC_IO_OVERFLOW) instead of scribbling over the message.  Upstream
 * has no such bit (a write there faults on the read-only pool).
 */
#define LIPC_IO_READONLY 0x80000000U

/*
 * Read-only view of a received message (upstream's IpcIoInitFromMsg):
 *   bufferBase = bufferCur = data, bufferLeft = dataSz,
 *   offsetsBase = offsetsCur = offsets, offsetsLeft = spObjNum,
 *   flag = IPC_IO_INITIALIZED | LIPC_IO_READONLY.
 * data/offsets may be NULL only with dataSz/spObjNum 0.  No size limit
 * (messages may exceed MAX_IO_SIZE); offsets are checked when popped.
 * Returns 0, or -EINVAL (io NULL, or NULL data/offsets with a non-zero
 * size) after making io (if not NULL) an overflowed io every read fails on.
 * The memory must stay valid and unchanged while the io is used; the
 * caller keeps ownership of it.
 */
int IpcIoInitFromMsg(IpcIo *io, const void *data, size_t dataSz, const size_t *offsets,
                     size_t spObjNum);

/* The three below are inline: SendRequest and the automatic reply call
 * them on every message, and an out-of-line call costs more than the body. */

/* True when io is initialised and not overflowed (upstream's static IpcIoAvailable). */
static inline bool IpcIoIsAvailable(const IpcIo *io)
{
    return io != NULL && (io->flag & IPC_IO_INITIALIZED) && !(io->flag & IPC_IO_OVERFLOW);
}

/* Bytes written so far (bufferCur - bufferBase): the dataSz of a message.
 * 0 if io is NULL or not initialised. */
static inline size_t IpcIoUsedBytes(const IpcIo *io)
{
    if (io == NULL || !(io->flag & IPC_IO_INITIALIZED))
        return 0;
    return (size_t)(io->bufferCur - io->bufferBase);
}

/* Offset slots used so far (offsetsCur - offsetsBase): the spObjNum of a
 * message.  0 if io is NULL or not initialised. */
static inline size_t IpcIoUsedObjects(const IpcIo *io)
{
    if (io == NULL || !(io->flag & IPC_IO_INITIALIZED))
        return 0;
    return (size_t)(io->offsetsCur - io->offsetsBase);
}

/*
 * Runtime hooks for the parts of WriteRemoteObject/ReadRemoteObject that
 * need the IPC runtime (upstream serializer_inner.c):
 *  - writeRemoteObject(svcInOut): called with a copy of the caller's svc
 *    once room for the object is known to exist, before it is written.
 *    It may rewrite it (e.g. handle -1/token 0: register an anonymous stub
 *    and return {dispatch tid, new token, cookie}; handle -1/token 1: bind
 *    the thread-local stub).  Returning false refuses the write:
 *    WriteRemoteObject returns false and the io is left unchanged (not
 *    overflowed).
 *  - readRemoteObject(svc): called after an OBJ_SVC was decoded into the
 *    caller's svc (for every handle: upstream creates the death node only
 *    for handle > 0, the hook decides).
 * A NULL hook (or no hooks registered) passes the object through.
 * IpcIoSetRemoteObjectHooks copies *hooks (NULL resets both); the update is
 * atomic per hook, so it may run while other threads serialize.
 */
typedef struct {
    bool (*writeRemoteObject)(SvcIdentity *svcInOut);
    void (*readRemoteObject)(const SvcIdentity *svc);
} IpcIoRemoteObjectHooks;

void IpcIoSetRemoteObjectHooks(const IpcIoRemoteObjectHooks *hooks);

/* The hooks as the serializer calls them (pass-through when unset). */
bool IpcIoHookWriteRemoteObject(SvcIdentity *svcInOut);
void IpcIoHookReadRemoteObject(const SvcIdentity *svc);

#ifdef __cplusplus
}
#endif
#endif /* LIPC_SERIALIZER_INTERNAL_H */
