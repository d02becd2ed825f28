/*
 * remote_internal.h - shared between the endpoint (endpoint.c), the client
 * proxies (client_proxy.c), syscap (remote_syscap.c) and watches
 * (service_watch.c) of samgr across processes.
 */
#ifndef LIPC_SAMGR_REMOTE_INTERNAL_H
#define LIPC_SAMGR_REMOTE_INTERNAL_H

#include <stdint.h>

#include "ipc_skeleton.h"
#include "serializer.h"

#define REMOTE_LOG(...)                           \
    do {                                          \
        fprintf(stderr, "samgr remote: " __VA_ARGS__); \
        fputc('\n', stderr);                      \
    } while (0)

/* A request to samgr (handle 0).  req must start with int32 0, resource,
 * option.  On ERR_NONE *buf is the reply message (FreeBuffer). */
int32_t lipc_samgr_call(IpcIo *req, IpcIo *reply, uintptr_t *buf);

/* Resolves (service, feature) with samgr: EC_SUCCESS and *id, or the
 * server's error (EC_NOSERVICE, EC_PERMISSION, ...) or an rpc error. */
int lipc_samgr_query(const char *service, const char *feature, SvcIdentity *id);

/* Integer env var with a default and bounds. */
int lipc_samgr_env_int(const char *name, int def, int min, int max);

/* Tells the watches that a provider died (wakes the watch thread). */
void lipc_samgr_watch_kick(void);

/* The registrar noticed a new samgr server (restart). */
void lipc_samgr_client_samgr_restarted(void);

#endif
