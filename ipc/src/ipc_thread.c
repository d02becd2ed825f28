/*
 * ipc_thread.c - the per-thread context (upstream ThreadContext): a plain
 * thread-local variable, as nothing in it needs a destructor.
 */
#include "ipc_thread.h"

#include <string.h>

static __thread IpcThreadContext t_ctx;

IpcThreadContext *IpcThreadCurrent(void)
{
    return &t_ctx;
}

int32_t IpcThreadSetError(int err, int32_t ret)
{
    t_ctx.lastError = err;
    return ret;
}

void IpcThreadResetAfterFork(void)
{
    memset(&t_ctx, 0, sizeof(t_ctx));
}
