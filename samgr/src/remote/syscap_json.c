/* syscap_json.c - see syscap_json.h.  Recursive descent over a bounded
 * buffer; every access goes through peek()/the position check. */
#include "syscap_json.h"
#include "read_all.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_DEPTH 32

typedef struct {
    const char *s;
    size_t n, i;
    lipc_syscap_list *out;
    int err;
} jp;

static int peek(jp *p)
{
    return p->i < p->n ? (unsigned char)p->s[p->i] : -1;
}

static void ws(jp *p)
{
    while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' ||
                           p->s[p->i] == '\r'))
        p->i++;
}

static int lit(jp *p, const char *w)
{
    size_t l = strlen(w);
    if (p->n - p->i < l || memcmp(p->s + p->i, w, l) != 0)
        return -1;
    p->i += l;
    return 0;
}

/* Parses a string at p->i (which is '"').  If buf != NULL copies up to
 * cap-1 bytes; *len = decoded length (may exceed cap-1: then too long). */
static int str(jp *p, char *buf, size_t cap, size_t *len)
{
    size_t l = 0;
    if (peek(p) != '"')
        return -1;
    p->i++;
    for (;;) {
        int c = peek(p);
        if (c < 0 || c < 0x20)
            return -1;
        p->i++;
        if (c == '"')
            break;
        if (c == '\\') {
            int e = peek(p);
            if (e < 0)
                return -1;
            p->i++;
            switch (e) {
            case '"': case '\\': case '/': c = e; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case 'u':
                if (p->n - p->i < 4)
                    return -1;
                c = 0;
                for (int k = 0; k < 4; k++) {
                    char h = p->s[p->i++];
                    c <<= 4;
                    if (h >= '0' && h <= '9') c |= h - '0';
                    else if (h >= 'a' && h <= 'f') c |= h - 'a' + 10;
                    else if (h >= 'A' && h <= 'F') c |= h - 'A' + 10;
                    else return -1;
                }
                if (c == 0 || c > 0x7f)
                    c = 0x80;   /* non-ASCII: makes a name invalid, other strings fine */
                break;
            default:
                return -1;
            }
        }
        if (buf && l + 1 < cap)
            buf[l] = (char)c;
        l++;
    }
    if (buf)
        buf[l + 1 < cap ? l : cap - 1] = '\0';
    if (len)
        *len = l;
    return 0;
}

static int value(jp *p, int depth);

static int number(jp *p)
{
    size_t st = p->i;
    if (peek(p) == '-')
        p->i++;
    while (p->i < p->n && ((p->s[p->i] >= '0' && p->s[p->i] <= '9') || p->s[p->i] == '.' ||
                           p->s[p->i] == 'e' || p->s[p->i] == 'E' || p->s[p->i] == '+' ||
                           p->s[p->i] == '-'))
        p->i++;
    return p->i > st ? 0 : -1;
}

static int valid_name(const char *b, size_t l)
{
    if (l == 0 || l >= LIPC_SYSCAP_NAME_MAX)
        return 0;
    for (size_t i = 0; i < l; i++)
        if ((unsigned char)b[i] <= 0x20 || (unsigned char)b[i] >= 0x7f)
            return 0;
    return 1;
}

static int add_cap(jp *p, const char *name, int reg)
{
    if (lipc_syscap_find(p->out, name) >= 0)
        return 0;   /* duplicates ignored */
    if (p->out->n >= LIPC_SYSCAP_MAX)
        return -1;
    if (p->out->n % 32 == 0) {
        lipc_syscap *nv = realloc(p->out->v, (p->out->n + 32) * sizeof(*nv));
        if (!nv) {
            p->err = -ENOMEM;
            return -1;
        }
        p->out->v = nv;
    }
    lipc_syscap *c = &p->out->v[p->out->n++];
    memset(c, 0, sizeof(*c));
    strcpy(c->name, name);
    c->registered = reg;
    return 0;
}

/* Reads the `"key":` of an object member (and the blanks around it). */
static int member_key(jp *p, char *key, size_t cap, size_t *kl)
{
    ws(p);
    if (str(p, key, cap, kl))
        return -1;
    ws(p);
    if (peek(p) != ':')
        return -1;
    p->i++;
    ws(p);
    return 0;
}

/* After a member's value: 1 if another member follows (`,`), 0 at the
 * closing `}`, -1 otherwise. */
static int member_end(jp *p)
{
    ws(p);
    if (peek(p) == ',') {
        p->i++;
        return 1;
    }
    if (peek(p) != '}')
        return -1;
    p->i++;
    return 0;
}

/* One element of the systemCapability array: an object with "name" and
 * optional "register-on-startup"; anything else in it is skipped. */
static int cap_entry(jp *p, int depth)
{
    if (peek(p) != '{')
        return value(p, depth);   /* not an object: skipped */
    p->i++;
    char name[LIPC_SYSCAP_NAME_MAX];
    int have_name = 0, name_ok = 0, reg = 0;
    ws(p);
    if (peek(p) == '}') {
        p->i++;
        return 0;
    }
    for (;;) {
        char key[32];
        size_t kl;
        if (member_key(p, key, sizeof(key), &kl))
            return -1;
        if (kl == 4 && strcmp(key, "name") == 0 && peek(p) == '"') {
            size_t nl;
            if (str(p, name, sizeof(name), &nl))
                return -1;
            have_name = 1;
            name_ok = valid_name(name, nl);
        } else if (kl == 19 && strcmp(key, "register-on-startup") == 0 && peek(p) == 't') {
            if (lit(p, "true"))
                return -1;
            reg = 1;
        } else if (kl == 19 && strcmp(key, "register-on-startup") == 0 && peek(p) == 'f') {
            if (lit(p, "false"))
                return -1;
            reg = 0;
        } else if (value(p, depth + 1)) {
            return -1;
        }
        int more = member_end(p);
        if (more < 0)
            return -1;
        if (!more)
            break;
    }
    if (!have_name || !name_ok)
        return -1;   /* an entry without a valid name is an error */
    return add_cap(p, name, reg);
}

static int array(jp *p, int depth, int caps)
{
    p->i++;   /* '[' */
    ws(p);
    if (peek(p) == ']') {
        p->i++;
        return 0;
    }
    for (;;) {
        ws(p);
        if (caps ? cap_entry(p, depth + 1) : value(p, depth + 1))
            return -1;
        ws(p);
        if (peek(p) == ',') {
            p->i++;
            continue;
        }
        if (peek(p) != ']')
            return -1;
        p->i++;
        return 0;
    }
}

static int object(jp *p, int depth, int top)
{
    p->i++;   /* '{' */
    ws(p);
    if (peek(p) == '}') {
        p->i++;
        return 0;
    }
    for (;;) {
        char key[32];
        size_t kl;
        if (member_key(p, key, sizeof(key), &kl))
            return -1;
        if (top && kl == 16 && strcmp(key, "systemCapability") == 0 && peek(p) == '[') {
            if (depth + 1 > MAX_DEPTH || array(p, depth + 1, 1))
                return -1;
        } else if (value(p, depth + 1)) {
            return -1;
        }
        int more = member_end(p);
        if (more <= 0)
            return more;
    }
}

static int value(jp *p, int depth)
{
    if (depth > MAX_DEPTH)
        return -1;
    ws(p);
    switch (peek(p)) {
    case '{': return object(p, depth, 0);
    case '[': return array(p, depth, 0);
    case '"': return str(p, NULL, 0, NULL);
    case 't': return lit(p, "true");
    case 'f': return lit(p, "false");
    case 'n': return lit(p, "null");
    default: return number(p);
    }
}

int lipc_syscap_parse(const char *text, size_t len, lipc_syscap_list *out)
{
    out->v = NULL;
    out->n = 0;
    jp p = {.s = text, .n = text ? len : 0, .i = 0, .out = out, .err = 0};
    ws(&p);
    int r = peek(&p) == '{' ? object(&p, 0, 1) : -1;
    if (r == 0) {
        ws(&p);
        if (p.i != p.n)
            r = -1;   /* trailing garbage */
    }
    if (r) {
        lipc_syscap_list_deinit(out);
        return p.err ? p.err : -EINVAL;
    }
    return 0;
}

int lipc_syscap_load(const char *path, lipc_syscap_list *out)
{
    out->v = NULL;
    out->n = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct stat st;
    if (fstat(fd, &st) < 0 || st.st_size > (1 << 20)) {
        close(fd);
        return -EFBIG;
    }
    size_t got;
    char *buf = lipc_read_all(fd, (size_t)st.st_size, &got);
    if (!buf)
        return -ENOMEM;
    int ret = lipc_syscap_parse(buf, got, out);
    free(buf);
    return ret;
}

void lipc_syscap_list_deinit(lipc_syscap_list *l)
{
    if (!l)
        return;
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

long lipc_syscap_find(const lipc_syscap_list *l, const char *name)
{
    if (!l || !name)
        return -1;
    for (size_t i = 0; i < l->n; i++)
        if (strncmp(l->v[i].name, name, LIPC_SYSCAP_NAME_MAX) == 0)
            return (long)i;
    return -1;
}
