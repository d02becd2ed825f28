/* policy.c - the access policy file (see policy.h). */
#include "policy.h"
#include "read_all.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define POLICY_MAX_FILE (1u << 20)
#define POLICY_NAME_MAX 64

typedef struct {
    char key[POLICY_NAME_MAX];   /* "svc", "svc/feat", "svc/" "*" or "*" */
    lipc_uid_set provide;
    lipc_uid_set call;
} policy_section;

struct lipc_policy {
    policy_section *sec;
    size_t n, cap;
    int open;      /* allow everything */
};

static const lipc_uid_set g_empty;
static const lipc_uid_set g_all = {.r = {{0, UINT32_MAX}}, .n = 1};

int lipc_uid_set_has(const lipc_uid_set *set, uid_t uid)
{
    if (!set)
        return 0;
    for (uint32_t i = 0; i < set->n && i < LIPC_POLICY_MAX_RULES; i++)
        if ((uint32_t)uid >= set->r[i].min && (uint32_t)uid <= set->r[i].max)
            return 1;
    return 0;
}

static void seterr(char *err, size_t errlen, unsigned line, const char *why)
{
    if (err && errlen) {
        if (line)
            snprintf(err, errlen, "line %u: %s", line, why);
        else
            snprintf(err, errlen, "%s", why);
    }
}

static int parse_uint(const char *s, size_t n, uint32_t *out)
{
    if (n == 0 || n > 10)
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > UINT32_MAX)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

static void trim(const char **s, size_t *n)
{
    while (*n && isspace((unsigned char)**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

static int add_rule(lipc_uid_set *set, uint32_t a, uint32_t b, char *err, size_t errlen)
{
    if (set->n >= LIPC_POLICY_MAX_RULES) {
        seterr(err, errlen, 0, "too many entries");
        return -EINVAL;
    }
    set->r[set->n].min = a;
    set->r[set->n].max = b;
    set->n++;
    return 0;
}

int lipc_uid_set_parse(const char *val, size_t len, lipc_uid_set *set, char *err, size_t errlen)
{
    set->n = 0;
    size_t i = 0;
    while (i <= len) {
        size_t j = i;
        while (j < len && val[j] != ',')
            j++;
        const char *tok = val + i;
        size_t tn = j - i;
        trim(&tok, &tn);
        if (tn == 0) {
            if (j == len && i == 0)
                return 0;   /* empty value: nobody */
            seterr(err, errlen, 0, "empty entry");
            return -EINVAL;
        }
        uint32_t a, b;
        const char *dash = memchr(tok, '-', tn);
        int r;
        if (tn == 1 && tok[0] == '*') {
            r = add_rule(set, 0, UINT32_MAX, err, errlen);
        } else if (isdigit((unsigned char)tok[0]) && dash) {
            const char *x = tok, *y = dash + 1;
            size_t xn = (size_t)(dash - tok), yn = tn - xn - 1;
            trim(&x, &xn);
            trim(&y, &yn);
            if (parse_uint(x, xn, &a) || parse_uint(y, yn, &b) || a > b) {
                seterr(err, errlen, 0, "bad uid range");
                return -EINVAL;
            }
            r = add_rule(set, a, b, err, errlen);
        } else if (isdigit((unsigned char)tok[0])) {
            if (parse_uint(tok, tn, &a)) {
                seterr(err, errlen, 0, "bad uid");
                return -EINVAL;
            }
            r = add_rule(set, a, a, err, errlen);
        } else {
            char name[POLICY_NAME_MAX];
            if (tn >= sizeof(name)) {
                seterr(err, errlen, 0, "user name too long");
                return -EINVAL;
            }
            for (size_t k = 0; k < tn; k++) {
                unsigned char c = (unsigned char)tok[k];
                if (!(isalnum(c) || c == '_' || c == '-' || c == '.' || (c == '$' && k == tn - 1))) {
                    seterr(err, errlen, 0, "bad character in user name");
                    return -EINVAL;
                }
            }
            memcpy(name, tok, tn);
            name[tn] = '\0';
            struct passwd pw, *res = NULL;
            char buf[4096];
            if (getpwnam_r(name, &pw, buf, sizeof(buf), &res) != 0 || res == NULL) {
                if (err && errlen)
                    snprintf(err, errlen, "unknown user name '%s'", name);
                return -EINVAL;
            }
            r = add_rule(set, (uint32_t)pw.pw_uid, (uint32_t)pw.pw_uid, err, errlen);
        }
        if (r)
            return r;
        i = j + 1;
    }
    return 0;
}

static policy_section *add_section(lipc_policy *p, const char *key, size_t kn)
{
    for (size_t i = 0; i < p->n; i++)
        if (strlen(p->sec[i].key) == kn && memcmp(p->sec[i].key, key, kn) == 0)
            return &p->sec[i];   /* a repeated section continues the first */
    if (p->n == p->cap) {
        size_t nc = p->cap ? p->cap * 2 : 8;
        policy_section *ns = realloc(p->sec, nc * sizeof(*ns));
        if (!ns)
            return NULL;
        p->sec = ns;
        p->cap = nc;
    }
    policy_section *s = &p->sec[p->n++];
    memset(s, 0, sizeof(*s));
    memcpy(s->key, key, kn);
    s->key[kn] = '\0';
    return s;
}

static int valid_key(const char *k, size_t n)
{
    if (n == 1 && k[0] == '*')
        return 1;
    const char *slash = memchr(k, '/', n);
    size_t sn = slash ? (size_t)(slash - k) : n;
    if (sn == 0 || sn >= 16)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (k[i] == '[' || k[i] == ']' || isspace((unsigned char)k[i]) || k[i] == '\0')
            return 0;
    if (slash) {
        size_t fn = n - sn - 1;
        if (fn == 0 || fn >= 16 || memchr(slash + 1, '/', fn))
            return 0;
    }
    return 1;
}

int lipc_policy_parse(const char *text, size_t len, lipc_policy **out, char *err, size_t errlen)
{
    lipc_policy *p = calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    policy_section *cur = NULL;
    unsigned line = 0;
    size_t i = 0;
    int ret = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && text[j] != '\n')
            j++;
        line++;
        const char *l = text + i;
        size_t ln = j - i;
        i = j + 1;
        const char *hash = memchr(l, '#', ln);
        if (hash)
            ln = (size_t)(hash - l);
        trim(&l, &ln);
        if (ln == 0)
            continue;
        if (memchr(l, '\0', ln)) {
            seterr(err, errlen, line, "NUL byte");
            ret = -EINVAL;
            break;
        }
        if (l[0] == '[') {
            if (l[ln - 1] != ']') {
                seterr(err, errlen, line, "section without ']'");
                ret = -EINVAL;
                break;
            }
            const char *k = l + 1;
            size_t kn = ln - 2;
            trim(&k, &kn);
            if (!valid_key(k, kn)) {
                seterr(err, errlen, line, "bad section name (service[/feature|/*] or *, names < 16 bytes)");
                ret = -EINVAL;
                break;
            }
            cur = add_section(p, k, kn);
            if (!cur) {
                ret = -ENOMEM;
                break;
            }
            continue;
        }
        const char *eq = memchr(l, '=', ln);
        if (!eq) {
            seterr(err, errlen, line, "expected key = value");
            ret = -EINVAL;
            break;
        }
        if (!cur) {
            seterr(err, errlen, line, "key outside a section");
            ret = -EINVAL;
            break;
        }
        const char *k = l, *v = eq + 1;
        size_t kn = (size_t)(eq - l), vn = ln - kn - 1;
        trim(&k, &kn);
        trim(&v, &vn);
        lipc_uid_set *set;
        if (kn == 7 && memcmp(k, "provide", 7) == 0)
            set = &cur->provide;
        else if (kn == 4 && memcmp(k, "call", 4) == 0)
            set = &cur->call;
        else {
            seterr(err, errlen, line, "unknown key (provide or call)");
            ret = -EINVAL;
            break;
        }
        char why[160];
        why[0] = '\0';
        ret = lipc_uid_set_parse(v, vn, set, why, sizeof(why));
        if (ret) {
            seterr(err, errlen, line, why);
            break;
        }
    }
    if (ret) {
        lipc_policy_free(p);
        return ret;
    }
    *out = p;
    return 0;
}

int lipc_policy_load(const char *path, lipc_policy **out, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        seterr(err, errlen, 0, strerror(e));
        return -e;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t)POLICY_MAX_FILE) {
        close(fd);
        seterr(err, errlen, 0, "not a regular file or larger than 1 MiB");
        return -EINVAL;
    }
    size_t got;
    char *buf = lipc_read_all(fd, (size_t)st.st_size, &got);
    if (!buf)
        return -ENOMEM;
    int ret = lipc_policy_parse(buf, got, out, err, errlen);
    free(buf);
    return ret;
}

lipc_policy *lipc_policy_new_open(void)
{
    lipc_policy *p = calloc(1, sizeof(*p));
    if (p)
        p->open = 1;
    return p;
}

void lipc_policy_free(lipc_policy *p)
{
    if (!p)
        return;
    free(p->sec);
    free(p);
}

static const policy_section *find_section(const lipc_policy *p, const char *service, const char *feature)
{
    char key[POLICY_NAME_MAX];
    if (!service)
        return NULL;
    if (feature && feature[0])
        snprintf(key, sizeof(key), "%s/%s", service, feature);
    else
        snprintf(key, sizeof(key), "%s", service);
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->sec[i].key, key) == 0)
            return &p->sec[i];
    snprintf(key, sizeof(key), "%s/*", service);
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->sec[i].key, key) == 0)
            return &p->sec[i];
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->sec[i].key, "*") == 0)
            return &p->sec[i];
    return NULL;
}

const lipc_uid_set *lipc_policy_provide(const lipc_policy *p, const char *service, const char *feature)
{
    if (!p)
        return &g_empty;
    if (p->open)
        return &g_all;
    const policy_section *s = find_section(p, service, feature);
    return s ? &s->provide : &g_empty;
}

const lipc_uid_set *lipc_policy_call(const lipc_policy *p, const char *service, const char *feature)
{
    if (!p)
        return &g_empty;
    if (p->open)
        return &g_all;
    const policy_section *s = find_section(p, service, feature);
    return s ? &s->call : &g_empty;
}
