/*
 * sa_store.h - the samgr server's store of remote features (upstream
 * SAStore, sa_store.c), as a hash table: lookup, insert and remove are O(1)
 * on average whatever the number of services (upstream: a linked list,
 * at most 300 features).
 *
 * Key: (service, feature); feature NULL or "" is the service's default
 * feature (upstream's isDefault node).  Names must be 1..LIPC_SA_NAME_MAX-1
 * bytes (upstream's char[16]).  Each entry remembers the provider's pid and
 * uid so that an endpoint's death drops all its entries.
 *
 * Not thread-safe: the owner (the samgr server) serialises access.
 * Errors: -EINVAL (bad name), -EEXIST (stored under another handle),
 * -ENOSPC (capacity reached), -ENOMEM, -ENOENT (not found).
 */
#ifndef LIPC_SA_STORE_H
#define LIPC_SA_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define LIPC_SA_NAME_MAX 16            /* names are < 16 bytes, as upstream */
#define LIPC_SA_STORE_DEFAULT_CAP 65536 /* features; upstream: 300 */

typedef struct {
    int32_t handle;     /* IPC handle (thread id) serving the feature */
    uint32_t token;     /* router index in the provider's endpoint */
    uintptr_t cookie;
    pid_t pid;          /* provider process */
    uid_t uid;
} lipc_sa_info;

typedef struct lipc_sa_store lipc_sa_store;

/* New empty store holding at most `cap` features (0 = default). NULL on ENOMEM. */
lipc_sa_store *lipc_sa_store_new(size_t cap);
void lipc_sa_store_free(lipc_sa_store *s);   /* accepts NULL */

/* Stores (service, feature) -> info.  An entry already stored with the same
 * handle is left as is (its token is NOT updated, as upstream) and 0 is
 * returned; with another handle: -EEXIST. */
int lipc_sa_store_save(lipc_sa_store *s, const char *service, const char *feature,
                       const lipc_sa_info *info);

/* Finds (service, feature); copies the entry to *out.  -ENOENT if absent. */
int lipc_sa_store_find(const lipc_sa_store *s, const char *service, const char *feature,
                       lipc_sa_info *out);

/* Removes one entry (-ENOENT if absent). */
int lipc_sa_store_remove(lipc_sa_store *s, const char *service, const char *feature);

/* Removes every entry of process pid; returns how many. */
size_t lipc_sa_store_clear_pid(lipc_sa_store *s, pid_t pid);

/* Number of stored features. */
size_t lipc_sa_store_count(const lipc_sa_store *s);

/* Calls fn for every entry (no modification from fn). */
void lipc_sa_store_foreach(const lipc_sa_store *s,
                           void (*fn)(const char *service, const char *feature,
                                      const lipc_sa_info *info, void *arg),
                           void *arg);

/* 1 if name is a valid service/feature name (non-empty, < LIPC_SA_NAME_MAX). */
int lipc_sa_name_ok(const char *name);

#endif
