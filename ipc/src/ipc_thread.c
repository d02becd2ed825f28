/*
 * ipc_thread.c - the per-thread context (upstream ThreadContext): a plain
 * thread-local variable, as nothing in it needs a destructor.
 */
#include "ipc_thread.h"

#include <string.h>

__thread IpcThreadContext g_ipcThreadCtx __attribute__((tls_model("initial-exec")));

void IpcThreadResetAfterFork(void)
{
    memset(&g_ipcThreadCtx, 0, sizeof(g_ipcThreadCtx));
}
