/*
 * sa_store.c - hash table of remote features (see sa_store.h).
 * Separate chaining, FNV-1a over "service\0feature", power-of-two bucket
 * count, doubled when the load factor reaches 1.
 */
#include "sa_store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct sa_node {
    struct sa_node *next;
    uint32_t hash;
    char service[LIPC_SA_NAME_MAX];
    char feature[LIPC_SA_NAME_MAX];   /* "" = default feature */
    lipc_sa_info info;
} sa_node;

struct lipc_sa_store {
    sa_node **buckets;
    size_t nbuckets;   /* power of two */
    size_t count;
    size_t cap;
};

int lipc_sa_name_ok(const char *name)
{
    if (name == NULL || name[0] == '\0')
        return 0;
    return strnlen(name, LIPC_SA_NAME_MAX) < LIPC_SA_NAME_MAX;
}

static uint32_t sa_hash(const char *service, const char *feature)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)service; *p; p++)
        h = (h ^ *p) * 16777619u;
    h = (h ^ 0xffu) * 16777619u;   /* separator: ("ab","c") != ("a","bc") */
    for (const unsigned char *p = (const unsigned char *)feature; *p; p++)
        h = (h ^ *p) * 16777619u;
    return h;
}

lipc_sa_store *lipc_sa_store_new(size_t cap)
{
    lipc_sa_store *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->nbuckets = 64;
    s->buckets = calloc(s->nbuckets, sizeof(*s->buckets));
    if (!s->buckets) {
        free(s);
        return NULL;
    }
    s->cap = cap ? cap : LIPC_SA_STORE_DEFAULT_CAP;
    return s;
}

void lipc_sa_store_free(lipc_sa_store *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nbuckets; i++) {
        sa_node *n = s->buckets[i];
        while (n) {
            sa_node *next = n->next;
            free(n);
            n = next;
        }
    }
    free(s->buckets);
    free(s);
}

static const char *feat_key(const char *feature)
{
    return feature ? feature : "";
}

static sa_node **sa_lookup(const lipc_sa_store *s, const char *service, const char *feature,
                           uint32_t h)
{
    sa_node **pp = &s->buckets[h & (s->nbuckets - 1)];
    for (; *pp; pp = &(*pp)->next) {
        sa_node *n = *pp;
        if (n->hash == h && strcmp(n->service, service) == 0 && strcmp(n->feature, feature) == 0)
            return pp;
    }
    return pp;
}

static void sa_grow(lipc_sa_store *s)
{
    size_t nb = s->nbuckets * 2;
    sa_node **b = calloc(nb, sizeof(*b));
    if (!b)
        return;   /* keep the old table: still correct, only slower */
    for (size_t i = 0; i < s->nbuckets; i++) {
        sa_node *n = s->buckets[i];
        while (n) {
            sa_node *next = n->next;
            n->next = b[n->hash & (nb - 1)];
            b[n->hash & (nb - 1)] = n;
            n = next;
        }
    }
    free(s->buckets);
    s->buckets = b;
    s->nbuckets = nb;
}

int lipc_sa_store_save(lipc_sa_store *s, const char *service, const char *feature,
                       const lipc_sa_info *info)
{
    if (!s || !info || !lipc_sa_name_ok(service))
        return -EINVAL;
    feature = feat_key(feature);
    if (feature[0] && !lipc_sa_name_ok(feature))
        return -EINVAL;
    uint32_t h = sa_hash(service, feature);
    sa_node **pp = sa_lookup(s, service, feature, h);
    if (*pp)
        return (*pp)->info.handle == info->handle ? 0 : -EEXIST;
    if (s->count >= s->cap)
        return -ENOSPC;
    sa_node *n = calloc(1, sizeof(*n));
    if (!n)
        return -ENOMEM;
    n->hash = h;
    strcpy(n->service, service);
    strcpy(n->feature, feature);
    n->info = *info;
    *pp = n;
    s->count++;
    if (s->count >= s->nbuckets)
        sa_grow(s);
    return 0;
}

/* The link to the entry of (service, feature), or NULL for names no entry
 * can have. */
static sa_node **sa_find_link(const lipc_sa_store *s, const char *service, const char *feature)
{
    if (!s || !lipc_sa_name_ok(service))
        return NULL;
    feature = feat_key(feature);
    if (feature[0] && !lipc_sa_name_ok(feature))
        return NULL;
    return sa_lookup(s, service, feature, sa_hash(service, feature));
}

int lipc_sa_store_find(const lipc_sa_store *s, const char *service, const char *feature,
                       lipc_sa_info *out)
{
    sa_node **pp = sa_find_link(s, service, feature);
    if (!pp || !*pp)
        return -ENOENT;
    if (out)
        *out = (*pp)->info;
    return 0;
}

int lipc_sa_store_remove(lipc_sa_store *s, const char *service, const char *feature)
{
    sa_node **pp = sa_find_link(s, service, feature);
    sa_node *n = pp ? *pp : NULL;
    if (!n)
        return -ENOENT;
    *pp = n->next;
    free(n);
    s->count--;
    return 0;
}

size_t lipc_sa_store_clear_pid(lipc_sa_store *s, pid_t pid)
{
    size_t removed = 0;
    if (!s)
        return 0;
    for (size_t i = 0; i < s->nbuckets; i++) {
        sa_node **pp = &s->buckets[i];
        while (*pp) {
            sa_node *n = *pp;
            if (n->info.pid == pid) {
                *pp = n->next;
                free(n);
                removed++;
            } else {
                pp = &n->next;
            }
        }
    }
    s->count -= removed;
    return removed;
}

size_t lipc_sa_store_count(const lipc_sa_store *s)
{
    return s ? s->count : 0;
}

void lipc_sa_store_foreach(const lipc_sa_store *s,
                           void (*fn)(const char *, const char *, const lipc_sa_info *, void *),
                           void *arg)
{
    if (!s || !fn)
        return;
    for (size_t i = 0; i < s->nbuckets; i++)
        for (const sa_node *n = s->buckets[i]; n; n = n->next)
            fn(n->service, n->feature[0] ? n->feature : NULL, &n->info, arg);
}
