/*
 * Unit tests of the internal serializer interface (serializer_internal.h):
 * read-only message views (IpcIoInitFromMsg), the used-bytes/objects
 * accessors, the remote-object runtime hooks, and special objects decoded
 * from a received message.  Linked against ipc_single_static, because these
 * symbols are hidden in libipc_single.so.
 */
#include <stddef.h>
#include <stdint.h>

#include "lipc_test.h"
#include "lite_ipc.h"
#include "serializer.h"
#include "serializer_internal.h"

static _Alignas(16) uint8_t g_buf[MAX_IO_SIZE];

#define CHECK_OVERFLOW(io) CHECK(((io)->flag & IPC_IO_OVERFLOW) != 0)
#define CHECK_NO_OVERFLOW(io) CHECK(((io)->flag & IPC_IO_OVERFLOW) == 0)

/* A message as the skeleton receives it: a copy of a writer's bytes/offsets. */
struct msg {
    uint8_t *data;
    size_t dataSz;
    size_t *offsets;
    size_t spObjNum;
};

static void MsgFrom(struct msg *m, const IpcIo *w)
{
    m->dataSz = IpcIoUsedBytes(w);
    m->spObjNum = IpcIoUsedObjects(w);
    m->data = malloc(m->dataSz ? m->dataSz : 1);       /* exact size: ASan sees overreads */
    m->offsets = malloc(m->spObjNum ? m->spObjNum * sizeof(size_t) : 1);
    CHECK(m->data != NULL && m->offsets != NULL);
    memcpy(m->data, w->bufferBase, m->dataSz);
    memcpy(m->offsets, w->offsetsBase, m->spObjNum * sizeof(size_t));
}

static void MsgView(IpcIo *io, const struct msg *m)
{
    CHECK_EQ(IpcIoInitFromMsg(io, m->data, m->dataSz, m->offsets, m->spObjNum), 0);
}

static void MsgFree(struct msg *m)
{
    free(m->data);
    free(m->offsets);
}

static void TestInitFromMsg(void)
{
    static const uint8_t data[16] = { 1, 0, 0, 0, 2, 0, 0, 0 };
    static const size_t offsets[2] = { 0, 4 };
    IpcIo io;
    memset(&io, 0xA5, sizeof(io));
    CHECK_EQ(IpcIoInitFromMsg(&io, data, sizeof(data), offsets, 2), 0);
    CHECK(io.bufferBase == (char *)data && io.bufferCur == (char *)data);
    CHECK(io.offsetsBase == (size_t *)offsets && io.offsetsCur == (size_t *)offsets);
    CHECK_EQ(io.bufferLeft, sizeof(data));
    CHECK_EQ(io.offsetsLeft, 2);
    CHECK_EQ(io.flag, IPC_IO_INITIALIZED | LIPC_IO_READONLY);
    CHECK(io.flag & IPC_IO_INITIALIZED);
    CHECK(IpcIoIsAvailable(&io));
    int32_t v;
    CHECK(ReadInt32(&io, &v) && v == 1);
    CHECK(ReadInt32(&io, &v) && v == 2);
    CHECK_EQ(IpcIoUsedBytes(&io), 8);           /* consumed so far */
    CHECK_EQ(IpcIoUsedObjects(&io), 0);

    /* a view is read-only: every write fails (overflow), data unchanged */
    CHECK(!WriteInt32(&io, 9));
    CHECK_OVERFLOW(&io);
    CHECK_EQ(data[8], 0);
    CHECK_EQ(IpcIoInitFromMsg(&io, data, sizeof(data), offsets, 2), 0);
    CHECK(!WriteFileDescriptor(&io, 1));
    CHECK_OVERFLOW(&io);
    CHECK_EQ(IpcIoInitFromMsg(&io, data, sizeof(data), offsets, 2), 0);
    CHECK(!WriteRemoteObject(&io, &(SvcIdentity){ 1, 2, 3 }));
    CHECK_OVERFLOW(&io);
    CHECK_EQ(IpcIoInitFromMsg(&io, data, sizeof(data), offsets, 2), 0);
    CHECK(!WriteUint8Unaligned(&io, 1) && !WriteString(&io, "x"));
    CHECK_EQ(IpcIoInitFromMsg(&io, data, sizeof(data), NULL, 0), 0);
    IpcIo dst;
    IpcIoInit(&dst, g_buf, 64, 0);
    CHECK(WriteInt32(&dst, 1));
    CHECK(!IpcIoAppend(&io, &dst));             /* nor can it be appended to */

    /* bad arguments */
    CHECK_EQ(IpcIoInitFromMsg(NULL, data, sizeof(data), offsets, 2), -EINVAL);
    memset(&io, 0xA5, sizeof(io));
    CHECK_EQ(IpcIoInitFromMsg(&io, NULL, 4, offsets, 2), -EINVAL);
    CHECK(!IpcIoIsAvailable(&io));
    CHECK(!ReadInt32(&io, &v));
    CHECK_EQ(IpcIoUsedBytes(&io), 0);
    memset(&io, 0xA5, sizeof(io));
    CHECK_EQ(IpcIoInitFromMsg(&io, data, sizeof(data), NULL, 1), -EINVAL);
    CHECK(!IpcIoIsAvailable(&io));

    /* empty message: valid, every read fails */
    CHECK_EQ(IpcIoInitFromMsg(&io, NULL, 0, NULL, 0), 0);
    CHECK(IpcIoIsAvailable(&io));
    CHECK(io.bufferBase != NULL && io.offsetsBase != NULL);
    CHECK_EQ(IpcIoUsedBytes(&io), 0);
    CHECK_EQ(ReadFileDescriptor(&io), -1);
    CHECK_EQ(IpcIoInitFromMsg(&io, NULL, 0, NULL, 0), 0);
    CHECK(!ReadInt32(&io, &v));
    CHECK_OVERFLOW(&io);

    /* messages may exceed MAX_IO_SIZE (the Linux transport allows it) */
    size_t bigSz = 3 * MAX_IO_SIZE;
    uint8_t *big = calloc(1, bigSz);
    CHECK(big != NULL);
    uint32_t len = (uint32_t)MAX_IO_SIZE;   /* longest legal string */
    memcpy(big + MAX_IO_SIZE, &len, sizeof(len));
    memset(big + MAX_IO_SIZE + 4, 'q', MAX_IO_SIZE);
    CHECK_EQ(IpcIoInitFromMsg(&io, big, bigSz, NULL, 0), 0);
    CHECK(ReadBuffer(&io, MAX_IO_SIZE) != NULL);
    size_t slen;
    uint8_t *s = ReadString(&io, &slen);
    CHECK(s != NULL && slen == MAX_IO_SIZE && strlen((char *)s) == MAX_IO_SIZE);
    CHECK_EQ(IpcIoUsedBytes(&io), MAX_IO_SIZE + 4 + MAX_IO_SIZE + 4);
    free(big);
}

static void TestAccessors(void)
{
    IpcIo io;
    CHECK(!IpcIoIsAvailable(NULL));
    CHECK_EQ(IpcIoUsedBytes(NULL), 0);
    CHECK_EQ(IpcIoUsedObjects(NULL), 0);
    memset(&io, 0, sizeof(io));                 /* never initialised */
    CHECK(!IpcIoIsAvailable(&io));
    CHECK_EQ(IpcIoUsedBytes(&io), 0);
    CHECK_EQ(IpcIoUsedObjects(&io), 0);
    IpcIoInit(&io, g_buf, 16, 3);               /* overflowed at init: pointers unset */
    CHECK(!IpcIoIsAvailable(&io));
    CHECK_EQ(IpcIoUsedBytes(&io), 0);

    IpcIoInit(&io, g_buf, 256, 2);
    CHECK(IpcIoIsAvailable(&io));
    CHECK(WriteInt8Unaligned(&io, 1) && WriteFileDescriptor(&io, 3));
    CHECK_EQ(IpcIoUsedBytes(&io), 33);
    CHECK_EQ(IpcIoUsedObjects(&io), 1);
    io.flag |= IPC_IO_OVERFLOW;
    CHECK(!IpcIoIsAvailable(&io));
    CHECK_EQ(IpcIoUsedBytes(&io), 33);          /* still reported after overflow */
}

/* ----------------------------------------------------------------- hooks */

static int g_writeCalls, g_readCalls;
static bool g_refuse;
static SvcIdentity g_lastRead;

static bool RewriteHook(SvcIdentity *svc)
{
    g_writeCalls++;
    if (g_refuse) {
        return false;
    }
    if (svc->handle == -1 && svc->token == 0) {     /* like an anonymous stub */
        svc->handle = 77;
        svc->token = 5;
    }
    return true;
}

static void ReadHook(const SvcIdentity *svc)
{
    g_readCalls++;
    g_lastRead = *svc;
}

static void TestHooks(void)
{
    IpcIo w, r;
    struct msg m;
    SvcIdentity out;
    const IpcIoRemoteObjectHooks hooks = { RewriteHook, ReadHook };

    /* no hooks: pass-through */
    IpcIoSetRemoteObjectHooks(NULL);
    SvcIdentity in = { -1, 0, 0xc00c1e };
    CHECK(IpcIoHookWriteRemoteObject(&in));
    CHECK(in.handle == -1 && in.token == 0 && in.cookie == 0xc00c1e);
    IpcIoHookReadRemoteObject(&in);             /* no-op, no crash */

    IpcIoSetRemoteObjectHooks(&hooks);
    g_writeCalls = g_readCalls = 0;
    g_refuse = false;
    IpcIoInit(&w, g_buf, 512, 4);
    CHECK(WriteRemoteObject(&w, &in));
    CHECK_EQ(g_writeCalls, 1);
    CHECK(in.handle == -1 && in.token == 0);    /* the caller's svc is not modified */
    SvcIdentity plain = { 12, 1, 2 };
    CHECK(WriteRemoteObject(&w, &plain));
    CHECK(WriteFileDescriptor(&w, 4));          /* fds do not call the hook */
    CHECK_EQ(g_writeCalls, 2);

    MsgFrom(&m, &w);
    MsgView(&r, &m);
    memset(&out, 0, sizeof(out));
    CHECK(ReadRemoteObject(&r, &out));
    CHECK(out.handle == 77 && out.token == 5 && out.cookie == 0xc00c1e);    /* rewritten */
    CHECK_EQ(g_readCalls, 1);
    CHECK(g_lastRead.handle == 77 && g_lastRead.token == 5);
    CHECK(ReadRemoteObject(&r, &out));
    CHECK(out.handle == 12 && g_lastRead.handle == 12);
    CHECK_EQ(g_readCalls, 2);
    CHECK_EQ(ReadFileDescriptor(&r), 4);
    CHECK_EQ(g_readCalls, 2);
    MsgFree(&m);

    /* a failed read does not call the hook */
    MsgFrom(&m, &w);
    MsgView(&r, &m);
    CHECK_EQ(ReadFileDescriptor(&r), -1);       /* type mismatch */
    CHECK(!ReadRemoteObject(&r, &out));         /* overflowed now */
    CHECK_EQ(g_readCalls, 2);
    MsgFree(&m);

    /* a refusing hook: false, io unchanged and still usable */
    g_refuse = true;
    IpcIoInit(&w, g_buf, 512, 4);
    CHECK(WriteInt32(&w, 1));
    IpcIo before = w;
    CHECK(!WriteRemoteObject(&w, &plain));
    CHECK_EQ(g_writeCalls, 3);
    CHECK(memcmp(&before, &w, sizeof(w)) == 0);
    CHECK(WriteInt32(&w, 2));
    g_refuse = false;

    /* no room: the hook is not called (no stub registered for nothing) */
    IpcIoInit(&w, g_buf, 512, 0);
    CHECK(!WriteRemoteObject(&w, &plain));
    IpcIoInit(&w, g_buf, 8 + 16, 1);
    CHECK(!WriteRemoteObject(&w, &plain));
    CHECK_EQ(g_writeCalls, 3);

    /* only one hook set */
    const IpcIoRemoteObjectHooks onlyRead = { NULL, ReadHook };
    IpcIoSetRemoteObjectHooks(&onlyRead);
    IpcIoInit(&w, g_buf, 512, 1);
    CHECK(WriteRemoteObject(&w, &in));
    CHECK_EQ(g_writeCalls, 3);
    MsgFrom(&m, &w);
    MsgView(&r, &m);
    CHECK(ReadRemoteObject(&r, &out) && out.handle == -1 && out.token == 0);
    CHECK_EQ(g_readCalls, 3);
    MsgFree(&m);

    IpcIoSetRemoteObjectHooks(NULL);
    IpcIoInit(&w, g_buf, 512, 1);
    CHECK(WriteRemoteObject(&w, &in));
    MsgFrom(&m, &w);
    MsgView(&r, &m);
    CHECK(ReadRemoteObject(&r, &out));
    CHECK_EQ(g_readCalls, 3);
    MsgFree(&m);
}

/* Special objects decoded from a received message (offsets from the peer). */
static void TestObjectsFromMessage(void)
{
    IpcIo w, r;
    struct msg m;
    SvcIdentity out;
    IpcIoInit(&w, g_buf, 512, 4);
    CHECK(WriteString(&w, "svc"));
    CHECK(WriteRemoteObject(&w, &(SvcIdentity){ 5, 6, 7 }));
    CHECK(WriteUint8Unaligned(&w, 1));
    CHECK(WriteFileDescriptor(&w, 9));
    MsgFrom(&m, &w);
    CHECK_EQ(m.spObjNum, 2);
    CHECK_EQ(m.offsets[0], 8);
    CHECK_EQ(m.offsets[1], 41);
    CHECK_EQ(m.dataSz, 73);

    MsgView(&r, &m);
    CHECK(ReadString(&r, NULL) != NULL);
    CHECK(ReadRemoteObject(&r, &out) && out.handle == 5 && out.token == 6 && out.cookie == 7);
    uint8_t u8;
    CHECK(ReadUInt8Unaligned(&r, &u8));
    CHECK_EQ(ReadFileDescriptor(&r), 9);
    CHECK_EQ(IpcIoUsedObjects(&r), 2);
    CHECK_EQ(r.bufferLeft, 0);

    /* a peer's offset pointing elsewhere: refused, overflow */
    m.offsets[0] = 12;
    MsgView(&r, &m);
    CHECK(ReadString(&r, NULL) != NULL);
    CHECK(!ReadRemoteObject(&r, &out));
    CHECK_OVERFLOW(&r);
    m.offsets[0] = SIZE_MAX;
    MsgView(&r, &m);
    CHECK(ReadString(&r, NULL) != NULL);
    CHECK(!ReadRemoteObject(&r, &out));
    m.offsets[0] = 8;

    /* fewer offsets than objects */
    CHECK_EQ(IpcIoInitFromMsg(&r, m.data, m.dataSz, m.offsets, 1), 0);
    CHECK(ReadString(&r, NULL) != NULL);
    CHECK(ReadRemoteObject(&r, &out));
    CHECK(ReadUInt8Unaligned(&r, &u8));
    CHECK_EQ(ReadFileDescriptor(&r), -1);
    CHECK_OVERFLOW(&r);

    /* object truncated by the message end */
    CHECK_EQ(IpcIoInitFromMsg(&r, m.data, m.dataSz - 1, m.offsets, 2), 0);
    CHECK(ReadString(&r, NULL) != NULL);
    CHECK(ReadRemoteObject(&r, &out));
    CHECK(ReadUInt8Unaligned(&r, &u8));
    CHECK_EQ(ReadFileDescriptor(&r), -1);
    CHECK_OVERFLOW(&r);

    /* unknown object type */
    uint32_t bogus = 7;
    memcpy(m.data + 8, &bogus, sizeof(bogus));
    MsgView(&r, &m);
    CHECK(ReadString(&r, NULL) != NULL);
    CHECK(!ReadRemoteObject(&r, &out));
    CHECK_OVERFLOW(&r);

    /* the offset array of a message need not be aligned */
    uint8_t *raw = malloc(1 + 2 * sizeof(size_t));
    CHECK(raw != NULL);
    size_t offs[2] = { 8, 41 };
    memcpy(raw + 1, offs, sizeof(offs));
    bogus = OBJ_SVC;
    memcpy(m.data + 8, &bogus, sizeof(bogus));
    CHECK_EQ(IpcIoInitFromMsg(&r, m.data, m.dataSz, (const size_t *)(const void *)(raw + 1), 2), 0);
    CHECK(ReadString(&r, NULL) != NULL);
    CHECK(ReadRemoteObject(&r, &out) && out.handle == 5);
    CHECK(ReadUInt8Unaligned(&r, &u8));
    CHECK_EQ(ReadFileDescriptor(&r), 9);
    free(raw);
    MsgFree(&m);
}

/* IpcIoAppend from a message view appends what has been consumed so far. */
static void TestAppendFromView(void)
{
    IpcIo w, r, dst;
    struct msg m;
    static _Alignas(16) uint8_t dbuf[256];
    IpcIoInit(&w, g_buf, 256, 2);
    CHECK(WriteInt32(&w, 1) && WriteFileDescriptor(&w, 2) && WriteInt32(&w, 3));
    MsgFrom(&m, &w);
    MsgView(&r, &m);
    int32_t v;
    CHECK(ReadInt32(&r, &v));
    CHECK_EQ(ReadFileDescriptor(&r), 2);
    IpcIoInit(&dst, dbuf, sizeof(dbuf), 2);
    CHECK(WriteInt64(&dst, 0));
    CHECK(IpcIoAppend(&dst, &r));
    CHECK_EQ(IpcIoUsedBytes(&dst), 8 + 36);
    CHECK_EQ(IpcIoUsedObjects(&dst), 1);
    size_t off;
    memcpy(&off, dst.offsetsBase, sizeof(off));
    CHECK_EQ(off, 8 + 4);
    MsgFree(&m);
}

int main(void)
{
    TestInitFromMsg();
    printf("ok 1 - TestInitFromMsg\n");
    TestAccessors();
    printf("ok 2 - TestAccessors\n");
    TestHooks();
    printf("ok 3 - TestHooks\n");
    TestObjectsFromMessage();
    printf("ok 4 - TestObjectsFromMessage\n");
    TestAppendFromView();
    printf("ok 5 - TestAppendFromView\n");
    return 0;
}
