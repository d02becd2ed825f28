/*
 * policy.h - access policies of remote samgr features (in place of
 * OpenHarmony's permission service, permission_lite).  See
 * docs/SAMGR_REMOTE.md "Access policies" for the file format:
 *
 *   # comment
 *   [service]              the service's default feature
 *   [service/feature]      one feature
 *   [service/ *]           every feature of the service (and its default)
 *   [*]                    everything not matched above
 *   provide = 0-999, 1000, root      who may register (RES_FEATURE PUT)
 *   call    = *                      who may look up (OP_GET) and call
 *
 * A value is a comma-separated list of `*` (any uid), `N` (one uid),
 * `A-B` (inclusive range) and user names (resolved with getpwnam when the
 * file is loaded; an unknown name is an error).  A missing key means nobody.
 * Matching: exact section, then `service/ *` (written without the space), then `*`; no section: denied.
 *
 * Immutable after load; safe to share between threads.
 */
#ifndef LIPC_POLICY_H
#define LIPC_POLICY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define LIPC_POLICY_ENV "LIPC_SAMGR_POLICY"
#define LIPC_POLICY_DEFAULT_PATH "/etc/liteipc/samgr_policy.conf"
#define LIPC_POLICY_MAX_RULES 64  /* per key (upstream: 8 policies per feature) */

typedef struct {
    uint32_t min, max;   /* inclusive uid range; a fixed uid has min == max */
} lipc_uid_range;

typedef struct {
    lipc_uid_range r[LIPC_POLICY_MAX_RULES];
    uint32_t n;
} lipc_uid_set;

typedef struct lipc_policy lipc_policy;

/* 1 if uid is in set (NULL set: 0). */
int lipc_uid_set_has(const lipc_uid_set *set, uid_t uid);

/* Parses a policy text of len bytes (need not be NUL-terminated).  On error
 * returns -EINVAL and writes "line N: why" to err (if non-NULL).  On
 * success *out owns a new policy (lipc_policy_free). */
int lipc_policy_parse(const char *text, size_t len, lipc_policy **out, char *err, size_t errlen);

/* Loads a file.  -ENOENT if it does not exist, -EINVAL on a syntax error,
 * other -errno on read errors. */
int lipc_policy_load(const char *path, lipc_policy **out, char *err, size_t errlen);

/* A policy that allows everyone everything ("open mode"). */
lipc_policy *lipc_policy_new_open(void);

void lipc_policy_free(lipc_policy *p);   /* accepts NULL */

/* The uid sets for (service, feature) (feature NULL = default feature).
 * Never NULL: an unmatched feature gets the empty set. */
const lipc_uid_set *lipc_policy_provide(const lipc_policy *p, const char *service, const char *feature);
const lipc_uid_set *lipc_policy_call(const lipc_policy *p, const char *service, const char *feature);

/* Parses one value list ("0-99, root, 7") into set (replacing it). */
int lipc_uid_set_parse(const char *val, size_t len, lipc_uid_set *set, char *err, size_t errlen);

#endif
