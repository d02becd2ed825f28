/*
 * ipc_thread.c - the per-thread context (upstream ThreadContext): a plain
 * thread-local variable, as nothing in it needs a destructor.
 */
#include "ipc_thread.h"

#include <string.h>

/* initial-exec: a plain %fs-relative access.  The default model of a shared
 * library (global/local-dynamic) calls __tls_get_addr on every access: about
 * 12 cycles each, three to four times per call on the critical path.  The
 * context is 40 bytes, well within the static TLS surplus glibc keeps for
 * libraries loaded with dlopen (as foundation loads services). */
static __thread IpcThreadContext t_ctx __attribute__((tls_model("initial-exec")));

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
