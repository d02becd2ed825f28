/*
 * syscap_json.h - the system capability list of the samgr server, read
 * from the JSON file upstream keeps in /etc/system_capability.json:
 *
 *   {"systemCapability": [ {"name": "SystemCapability.X", "register-on-startup": true}, ... ]}
 *
 * A small parser for that one format: any JSON value is accepted (and
 * skipped) around it, nesting up to 32 levels; every read is bounds-checked
 * against the given length (fuzzed: fuzz target samgr_syscap).  Names must
 * be 1..LIPC_SYSCAP_NAME_MAX-1 bytes of printable ASCII; duplicates are
 * ignored; at most LIPC_SYSCAP_MAX entries (upstream: 512), more are an
 * error.  Path: $LIPC_SAMGR_SYSCAP, default /etc/system_capability.json.
 */
#ifndef LIPC_SYSCAP_JSON_H
#define LIPC_SYSCAP_JSON_H

#include <stddef.h>

#define LIPC_SYSCAP_ENV "LIPC_SAMGR_SYSCAP"
#define LIPC_SYSCAP_DEFAULT_PATH "/etc/system_capability.json"
#define LIPC_SYSCAP_NAME_MAX 64   /* MAX_SYSCAP_NAME_LEN, including the NUL */
#define LIPC_SYSCAP_MAX 512       /* MAX_SYSCAP_NUM */

typedef struct {
    char name[LIPC_SYSCAP_NAME_MAX];
    int registered;
} lipc_syscap;

typedef struct {
    lipc_syscap *v;   /* owned */
    size_t n;
} lipc_syscap_list;

/* Parses text[0, len).  0 and *out filled (caller deinits), or -EINVAL /
 * -ENOMEM with *out empty. */
int lipc_syscap_parse(const char *text, size_t len, lipc_syscap_list *out);

/* Reads and parses a file (-errno of open/read, -EINVAL, -EFBIG > 1 MiB). */
int lipc_syscap_load(const char *path, lipc_syscap_list *out);

void lipc_syscap_list_deinit(lipc_syscap_list *l);

/* Index of name, or -1. */
long lipc_syscap_find(const lipc_syscap_list *l, const char *name);

#endif
