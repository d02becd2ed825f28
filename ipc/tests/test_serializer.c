/*
 * Unit tests of the public IpcIo serializer API (serializer.h), linked
 * against the shared libipc_single.so.  Wire formats are checked byte by
 * byte against ipc/SERIALIZER.md.  Reading back uses a copy of the writer
 * io rewound to its start (Rewind), as OpenHarmony's own tests do.
 */
#include <float.h>
#include <stddef.h>
#include <stdint.h>

#include "lipc_test.h"
#include "serializer.h"

#define BUF_SZ 512

static _Alignas(16) uint8_t g_buf[MAX_IO_SIZE + 64];

/* A reader over what w has written so far. */
static IpcIo Rewind(const IpcIo *w)
{
    IpcIo r = *w;
    r.bufferCur = r.bufferBase;
    r.bufferLeft = (size_t)(w->bufferCur - w->bufferBase);
    r.offsetsCur = r.offsetsBase;
    r.offsetsLeft = (size_t)(w->offsetsCur - w->offsetsBase);
    return r;
}

static size_t Used(const IpcIo *io)
{
    return (size_t)(io->bufferCur - io->bufferBase);
}

static size_t UsedObjs(const IpcIo *io)
{
    return (size_t)(io->offsetsCur - io->offsetsBase);
}

static void Fresh(IpcIo *io, size_t size, size_t objs)
{
    memset(g_buf, 0xEE, sizeof(g_buf));
    memset(io, 0, sizeof(*io));
    IpcIoInit(io, g_buf, size, objs);
    CHECK_EQ(io->flag, IPC_IO_INITIALIZED);
}

#define CHECK_BYTES(ptr, ...)                                                    \
    do {                                                                         \
        static const uint8_t _exp[] = { __VA_ARGS__ };                           \
        if (memcmp((ptr), _exp, sizeof(_exp)) != 0) {                            \
            fprintf(stderr, "%s:%d: wire bytes differ:\n  got ", __FILE__, __LINE__); \
            for (size_t _i = 0; _i < sizeof(_exp); _i++)                         \
                fprintf(stderr, "%02x ", ((const uint8_t *)(ptr))[_i]);          \
            fprintf(stderr, "\n  exp ");                                         \
            for (size_t _i = 0; _i < sizeof(_exp); _i++)                         \
                fprintf(stderr, "%02x ", _exp[_i]);                              \
            fprintf(stderr, "\n");                                               \
            abort();                                                             \
        }                                                                        \
    } while (0)

#define CHECK_OVERFLOW(io) CHECK(((io)->flag & IPC_IO_OVERFLOW) != 0)
#define CHECK_NO_OVERFLOW(io) CHECK(((io)->flag & IPC_IO_OVERFLOW) == 0)
#define CHECK_IO_SAME(a, b) CHECK(memcmp((a), (b), sizeof(IpcIo)) == 0)

/* ------------------------------------------------------------------ */

static void TestLayoutAndConstants(void)
{
    CHECK_EQ(IPC_IO_INITIALIZED, 0x01);
    CHECK_EQ(IPC_IO_OVERFLOW, 0x02);
    CHECK_EQ(MAX_IO_SIZE, 8192);
    CHECK_EQ(MAX_OBJ_NUM, 32);
    CHECK_EQ(sizeof(MAX_IO_SIZE), sizeof(unsigned long));
    CHECK_EQ(offsetof(IpcIo, bufferBase), 0);
    CHECK_EQ(offsetof(IpcIo, offsetsBase), sizeof(void *));
    CHECK_EQ(offsetof(IpcIo, bufferCur), 2 * sizeof(void *));
    CHECK_EQ(offsetof(IpcIo, offsetsCur), 3 * sizeof(void *));
    CHECK_EQ(offsetof(IpcIo, bufferLeft), 4 * sizeof(void *));
    CHECK_EQ(offsetof(IpcIo, offsetsLeft), 5 * sizeof(void *));
    CHECK_EQ(offsetof(IpcIo, flag), 6 * sizeof(void *));
    SvcIdentity svc = { .handle = -1, .token = 1, .cookie = 2 };
    CHECK_EQ(sizeof(svc.handle), 4);
    CHECK_EQ(sizeof(svc.token), sizeof(uintptr_t));
}

static void TestInit(void)
{
    IpcIo io;
    IpcIoInit(&io, g_buf, 256, 4);
    CHECK(io.offsetsBase == (size_t *)(void *)g_buf);
    CHECK(io.offsetsCur == io.offsetsBase);
    CHECK(io.bufferBase == (char *)g_buf + 4 * sizeof(size_t));
    CHECK(io.bufferCur == io.bufferBase);
    CHECK_EQ(io.bufferLeft, 256 - 4 * sizeof(size_t));
    CHECK_EQ(io.offsetsLeft, 4);
    CHECK_EQ(io.flag, IPC_IO_INITIALIZED);

    /* limits are inclusive */
    IpcIoInit(&io, g_buf, MAX_IO_SIZE, MAX_OBJ_NUM);
    CHECK_EQ(io.flag, IPC_IO_INITIALIZED);
    CHECK_EQ(io.bufferLeft, MAX_IO_SIZE - MAX_OBJ_NUM * sizeof(size_t));
    CHECK_EQ(io.offsetsLeft, MAX_OBJ_NUM);

    /* no objects: data starts at the buffer */
    IpcIoInit(&io, g_buf, 1, 0);
    CHECK_EQ(io.flag, IPC_IO_INITIALIZED);
    CHECK(io.bufferBase == (char *)g_buf);
    CHECK_EQ(io.bufferLeft, 1);
    CHECK_EQ(io.offsetsLeft, 0);
}

static void TestInitRefusalsLeaveIoUntouched(void)
{
    IpcIo io, pattern;
    memset(&pattern, 0xA5, sizeof(pattern));

    IpcIoInit(NULL, g_buf, 64, 1);      /* must not crash */

    io = pattern;
    IpcIoInit(&io, NULL, 64, 1);
    CHECK_IO_SAME(&io, &pattern);
    io = pattern;
    IpcIoInit(&io, g_buf, 0, 0);
    CHECK_IO_SAME(&io, &pattern);
    io = pattern;
    IpcIoInit(&io, g_buf, MAX_IO_SIZE + 1, 0);
    CHECK_IO_SAME(&io, &pattern);
    io = pattern;
    IpcIoInit(&io, g_buf, 64, MAX_OBJ_NUM + 1);
    CHECK_IO_SAME(&io, &pattern);
    io = pattern;
    IpcIoInit(&io, g_buf, SIZE_MAX, SIZE_MAX);
    CHECK_IO_SAME(&io, &pattern);
}

static void TestInitObjectsDoNotFit(void)
{
    IpcIo io;
    memset(&io, 0, sizeof(io));
    IpcIoInit(&io, g_buf, 16, 3);           /* 24 bytes of offsets > 16 */
    CHECK_EQ(io.flag, IPC_IO_OVERFLOW);
    CHECK_EQ(io.bufferLeft, 0);
    CHECK_EQ(io.offsetsLeft, 0);
    CHECK(!WriteInt32(&io, 1));
    int32_t v;
    CHECK(!ReadInt32(&io, &v));
    CHECK(!WriteFileDescriptor(&io, 1));

    /* exactly full: initialised, but no data room */
    IpcIoInit(&io, g_buf, 16, 2);
    CHECK_EQ(io.flag, IPC_IO_INITIALIZED);
    CHECK_EQ(io.bufferLeft, 0);
    CHECK(!WriteBool(&io, true));
    CHECK_OVERFLOW(&io);
}

static void TestUninitialisedIo(void)
{
    IpcIo io;
    memset(&io, 0, sizeof(io));
    io.bufferBase = io.bufferCur = (char *)g_buf;
    io.bufferLeft = 64;                  /* room, but flag lacks INITIALIZED */
    CHECK(!WriteInt32(&io, 1));
    CHECK_OVERFLOW(&io);                 /* upstream marks it, too */
    CHECK(io.bufferCur == (char *)g_buf);

    memset(&io, 0, sizeof(io));
    io.bufferBase = io.bufferCur = (char *)g_buf;
    io.bufferLeft = 64;
    int32_t v;
    CHECK(!ReadInt32(&io, &v));
    CHECK(io.bufferCur == (char *)g_buf);
    memset(&io, 0, sizeof(io));
    io.bufferBase = io.bufferCur = (char *)g_buf;
    io.bufferLeft = 64;
    CHECK(ReadString(&io, NULL) == NULL);
    CHECK(!WriteString(&io, "x"));
    CHECK(!WriteRemoteObject(&io, &(SvcIdentity){ 1, 0, 0 }));
    CHECK_EQ(ReadFileDescriptor(&io), -1);
}

static void TestNullIo(void)
{
    bool b;
    int8_t i8;
    int16_t i16;
    int32_t i32;
    int64_t i64;
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    float f;
    double d;
    size_t n;
    SvcIdentity svc = { 0, 0, 0 };
    const uint16_t s16[] = { 'a' };
    IpcIo io;
    Fresh(&io, BUF_SZ, 1);

    CHECK(!WriteBool(NULL, true));
    CHECK(!WriteInt8(NULL, 1));
    CHECK(!WriteInt16(NULL, 1));
    CHECK(!WriteInt32(NULL, 1));
    CHECK(!WriteInt64(NULL, 1));
    CHECK(!WriteUint8(NULL, 1));
    CHECK(!WriteUint16(NULL, 1));
    CHECK(!WriteUint32(NULL, 1));
    CHECK(!WriteUint64(NULL, 1));
    CHECK(!WriteFloat(NULL, 1));
    CHECK(!WriteDouble(NULL, 1));
    CHECK(!WritePointer(NULL, 1));
    CHECK(!WriteBoolUnaligned(NULL, true));
    CHECK(!WriteInt8Unaligned(NULL, 1));
    CHECK(!WriteInt16Unaligned(NULL, 1));
    CHECK(!WriteUint8Unaligned(NULL, 1));
    CHECK(!WriteUint16Unaligned(NULL, 1));
    CHECK(!WriteString(NULL, "a"));
    CHECK(!WriteString16(NULL, s16, 1));
    CHECK(!WriteInterfaceToken(NULL, s16, 1));
    CHECK(!WriteBuffer(NULL, "a", 1));
    CHECK(!WriteRawData(NULL, "a", 1));
    CHECK(!WriteBoolVector(NULL, &b, 1));
    CHECK(!WriteInt8Vector(NULL, &i8, 1));
    CHECK(!WriteInt16Vector(NULL, &i16, 1));
    CHECK(!WriteInt32Vector(NULL, &i32, 1));
    CHECK(!WriteInt64Vector(NULL, &i64, 1));
    CHECK(!WriteUInt8Vector(NULL, &u8, 1));
    CHECK(!WriteUInt16Vector(NULL, &u16, 1));
    CHECK(!WriteUInt32Vector(NULL, &u32, 1));
    CHECK(!WriteUInt64Vector(NULL, &u64, 1));
    CHECK(!WriteFloatVector(NULL, &f, 1));
    CHECK(!WriteDoubleVector(NULL, &d, 1));
    CHECK(!WriteRemoteObject(NULL, &svc));
    CHECK(!WriteFileDescriptor(NULL, 1));
    CHECK(!IpcIoAppend(NULL, &io));
    CHECK(!IpcIoAppend(&io, NULL));

    CHECK(!ReadBool(NULL, &b));
    CHECK(!ReadInt8(NULL, &i8));
    CHECK(!ReadInt16(NULL, &i16));
    CHECK(!ReadInt32(NULL, &i32));
    CHECK(!ReadInt64(NULL, &i64));
    CHECK(!ReadUint8(NULL, &u8));
    CHECK(!ReadUint16(NULL, &u16));
    CHECK(!ReadUint32(NULL, &u32));
    CHECK(!ReadUint64(NULL, &u64));
    CHECK(!ReadFloat(NULL, &f));
    CHECK(!ReadDouble(NULL, &d));
    CHECK_EQ(ReadPointer(NULL), 0);
    CHECK(!ReadBoolUnaligned(NULL, &b));
    CHECK(!ReadInt8Unaligned(NULL, &i8));
    CHECK(!ReadInt16Unaligned(NULL, &i16));
    CHECK(!ReadUInt8Unaligned(NULL, &u8));
    CHECK(!ReadUInt16Unaligned(NULL, &u16));
    CHECK(ReadString(NULL, &n) == NULL);
    CHECK(ReadString16(NULL, &n) == NULL);
    CHECK(ReadInterfaceToken(NULL, &n) == NULL);
    CHECK(ReadBuffer(NULL, 4) == NULL);
    CHECK(ReadRawData(NULL, 4) == NULL);
    CHECK(ReadBoolVector(NULL, &n) == NULL);
    CHECK(ReadInt8Vector(NULL, &n) == NULL);
    CHECK(ReadInt16Vector(NULL, &n) == NULL);
    CHECK(ReadInt32Vector(NULL, &n) == NULL);
    CHECK(ReadInt64Vector(NULL, &n) == NULL);
    CHECK(ReadUInt8Vector(NULL, &n) == NULL);
    CHECK(ReadUInt16Vector(NULL, &n) == NULL);
    CHECK(ReadUInt32Vector(NULL, &n) == NULL);
    CHECK(ReadUInt64Vector(NULL, &n) == NULL);
    CHECK(ReadFloatVector(NULL, &n) == NULL);
    CHECK(ReadDoubleVector(NULL, &n) == NULL);
    CHECK(!ReadRemoteObject(NULL, &svc));
    CHECK_EQ(ReadFileDescriptor(NULL), -1);
}

/* NULL output / input arguments: false, io untouched (not overflowed). */
static void TestNullArguments(void)
{
    IpcIo w, r, before;
    Fresh(&w, BUF_SZ, 2);
    for (int i = 0; i < 8; i++) {
        CHECK(WriteInt64(&w, i));
    }
    CHECK(WriteFileDescriptor(&w, 3));
    r = Rewind(&w);
    before = r;

    CHECK(!ReadBool(&r, NULL));
    CHECK(!ReadInt8(&r, NULL));
    CHECK(!ReadInt16(&r, NULL));
    CHECK(!ReadInt32(&r, NULL));
    CHECK(!ReadInt64(&r, NULL));
    CHECK(!ReadUint8(&r, NULL));
    CHECK(!ReadUint16(&r, NULL));
    CHECK(!ReadUint32(&r, NULL));
    CHECK(!ReadUint64(&r, NULL));
    CHECK(!ReadFloat(&r, NULL));
    CHECK(!ReadDouble(&r, NULL));
    CHECK(!ReadBoolUnaligned(&r, NULL));
    CHECK(!ReadInt8Unaligned(&r, NULL));
    CHECK(!ReadInt16Unaligned(&r, NULL));
    CHECK(!ReadUInt8Unaligned(&r, NULL));
    CHECK(!ReadUInt16Unaligned(&r, NULL));
    CHECK(ReadBoolVector(&r, NULL) == NULL);
    CHECK(ReadInt8Vector(&r, NULL) == NULL);
    CHECK(ReadInt16Vector(&r, NULL) == NULL);
    CHECK(ReadInt32Vector(&r, NULL) == NULL);
    CHECK(ReadInt64Vector(&r, NULL) == NULL);
    CHECK(ReadUInt8Vector(&r, NULL) == NULL);
    CHECK(ReadUInt16Vector(&r, NULL) == NULL);
    CHECK(ReadUInt32Vector(&r, NULL) == NULL);
    CHECK(ReadUInt64Vector(&r, NULL) == NULL);
    CHECK(ReadFloatVector(&r, NULL) == NULL);
    CHECK(ReadDoubleVector(&r, NULL) == NULL);
    CHECK(!ReadRemoteObject(&r, NULL));
    CHECK_IO_SAME(&r, &before);

    before = w;
    CHECK(!WriteString(&w, NULL));
    CHECK(!WriteString16(&w, NULL, 1));
    CHECK(!WriteInterfaceToken(&w, NULL, 1));
    CHECK(!WriteBuffer(&w, NULL, 4));
    CHECK(!WriteRawData(&w, NULL, 4));
    CHECK(!WriteBoolVector(&w, NULL, 1));
    CHECK(!WriteInt8Vector(&w, NULL, 1));
    CHECK(!WriteInt16Vector(&w, NULL, 1));
    CHECK(!WriteInt32Vector(&w, NULL, 1));
    CHECK(!WriteInt64Vector(&w, NULL, 1));
    CHECK(!WriteUInt8Vector(&w, NULL, 1));
    CHECK(!WriteUInt16Vector(&w, NULL, 1));
    CHECK(!WriteUInt32Vector(&w, NULL, 1));
    CHECK(!WriteUInt64Vector(&w, NULL, 1));
    CHECK(!WriteFloatVector(&w, NULL, 1));
    CHECK(!WriteDoubleVector(&w, NULL, 1));
    CHECK(!WriteRemoteObject(&w, NULL));
    CHECK_IO_SAME(&w, &before);
}

/* Zero sizes are refused without touching the io. */
static void TestZeroSizes(void)
{
    IpcIo w, before;
    Fresh(&w, BUF_SZ, 0);
    const uint16_t s16[] = { 'a' };
    bool b = true;
    int8_t i8 = 1;
    int16_t i16 = 1;
    int32_t i32 = 1;
    int64_t i64 = 1;
    uint8_t u8 = 1;
    uint16_t u16 = 1;
    uint32_t u32 = 1;
    uint64_t u64 = 1;
    float f = 1;
    double d = 1;
    before = w;
    CHECK(!WriteString16(&w, s16, 0));
    CHECK(!WriteInterfaceToken(&w, s16, 0));
    CHECK(!WriteBuffer(&w, "abc", 0));
    CHECK(!WriteRawData(&w, "abc", 0));
    CHECK(!WriteBoolVector(&w, &b, 0));
    CHECK(!WriteInt8Vector(&w, &i8, 0));
    CHECK(!WriteInt16Vector(&w, &i16, 0));
    CHECK(!WriteInt32Vector(&w, &i32, 0));
    CHECK(!WriteInt64Vector(&w, &i64, 0));
    CHECK(!WriteUInt8Vector(&w, &u8, 0));
    CHECK(!WriteUInt16Vector(&w, &u16, 0));
    CHECK(!WriteUInt32Vector(&w, &u32, 0));
    CHECK(!WriteUInt64Vector(&w, &u64, 0));
    CHECK(!WriteFloatVector(&w, &f, 0));
    CHECK(!WriteDoubleVector(&w, &d, 0));
    CHECK_IO_SAME(&w, &before);
}

static void TestScalarsWireFormat(void)
{
    IpcIo w;
    Fresh(&w, BUF_SZ, 0);
    CHECK(WriteBool(&w, true));
    CHECK(WriteBool(&w, false));
    CHECK(WriteInt8(&w, -1));
    CHECK(WriteInt16(&w, -2));
    CHECK(WriteUint8(&w, 0xAB));
    CHECK(WriteUint16(&w, 0xBEEF));
    CHECK(WriteInt32(&w, -3));
    CHECK(WriteUint32(&w, 0x11223344));
    CHECK(WriteInt64(&w, -4));              /* at offset 32: 4-aligned is enough */
    CHECK(WriteUint64(&w, 0x0102030405060708ULL));
    CHECK(WriteFloat(&w, 1.0f));
    CHECK(WriteDouble(&w, -2.0));
    CHECK(WritePointer(&w, (uintptr_t)0xCAFEF00DULL));
    CHECK_EQ(Used(&w), 8 * 4 + 8 + 8 + 4 + 8 + sizeof(uintptr_t));
    CHECK_BYTES(w.bufferBase,
                0x01, 0, 0, 0,   0, 0, 0, 0,                     /* bools widened */
                0xff, 0xff, 0xff, 0xff,  0xfe, 0xff, 0xff, 0xff, /* int8/16 sign-extended */
                0xab, 0, 0, 0,   0xef, 0xbe, 0, 0,               /* uint8/16 zero-extended */
                0xfd, 0xff, 0xff, 0xff,  0x44, 0x33, 0x22, 0x11,
                0xfc, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,
                0x00, 0x00, 0x80, 0x3f,                          /* 1.0f */
                0, 0, 0, 0, 0, 0, 0, 0xc0,                       /* -2.0 */
                0x0d, 0xf0, 0xfe, 0xca, 0, 0, 0, 0);

    IpcIo r = Rewind(&w);
    bool b;
    int8_t i8;
    int16_t i16;
    int32_t i32;
    int64_t i64;
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    float f;
    double d;
    CHECK(ReadBool(&r, &b) && b);
    CHECK(ReadBool(&r, &b) && !b);
    CHECK(ReadInt8(&r, &i8) && i8 == -1);
    CHECK(ReadInt16(&r, &i16) && i16 == -2);
    CHECK(ReadUint8(&r, &u8) && u8 == 0xAB);
    CHECK(ReadUint16(&r, &u16) && u16 == 0xBEEF);
    CHECK(ReadInt32(&r, &i32) && i32 == -3);
    CHECK(ReadUint32(&r, &u32) && u32 == 0x11223344);
    CHECK(ReadInt64(&r, &i64) && i64 == -4);
    CHECK(ReadUint64(&r, &u64) && u64 == 0x0102030405060708ULL);
    CHECK(ReadFloat(&r, &f) && f == 1.0f);
    CHECK(ReadDouble(&r, &d) && d == -2.0);
    CHECK_EQ(ReadPointer(&r), 0xCAFEF00DULL);
    CHECK_EQ(r.bufferLeft, 0);
    CHECK_NO_OVERFLOW(&r);
    CHECK_EQ(ReadPointer(&r), 0);           /* past the end */
    CHECK_OVERFLOW(&r);

    /* extremes */
    Fresh(&w, BUF_SZ, 0);
    CHECK(WriteInt64(&w, INT64_MIN) && WriteUint64(&w, UINT64_MAX) && WriteInt32(&w, INT32_MIN));
    CHECK(WriteDouble(&w, DBL_MAX) && WriteFloat(&w, -FLT_MIN) && WriteInt8(&w, INT8_MIN));
    CHECK(WriteInt16(&w, INT16_MIN) && WriteUint16(&w, UINT16_MAX) && WriteUint8(&w, 0));
    r = Rewind(&w);
    CHECK(ReadInt64(&r, &i64) && i64 == INT64_MIN);
    CHECK(ReadUint64(&r, &u64) && u64 == UINT64_MAX);
    CHECK(ReadInt32(&r, &i32) && i32 == INT32_MIN);
    CHECK(ReadDouble(&r, &d) && d == DBL_MAX);
    CHECK(ReadFloat(&r, &f) && f == -FLT_MIN);
    CHECK(ReadInt8(&r, &i8) && i8 == INT8_MIN);
    CHECK(ReadInt16(&r, &i16) && i16 == INT16_MIN);
    CHECK(ReadUint16(&r, &u16) && u16 == UINT16_MAX);
    CHECK(ReadUint8(&r, &u8) && u8 == 0);
}

/* Small reads take the low-address bytes of a 4-byte slot and consume 4. */
static void TestSmallReadsFromWideSlots(void)
{
    IpcIo w;
    Fresh(&w, BUF_SZ, 0);
    CHECK(WriteUint32(&w, 0x12345678));
    CHECK(WriteUint32(&w, 0x12345678));
    CHECK(WriteUint32(&w, 0x00000100));     /* low byte 0 */
    CHECK(WriteUint32(&w, 0x00000002));     /* bool byte 2 */
    CHECK(WriteUint32(&w, 0xFFFF8001));
    IpcIo r = Rewind(&w);
    uint8_t u8;
    uint16_t u16;
    bool b;
    int16_t i16;
    CHECK(ReadUint8(&r, &u8) && u8 == 0x78);
    CHECK(ReadUint16(&r, &u16) && u16 == 0x5678);
    CHECK(ReadBool(&r, &b) && !b);
    CHECK(ReadBool(&r, &b) && b);           /* any non-zero byte is true */
    CHECK(ReadInt16(&r, &i16) && i16 == (int16_t)0x8001);
    CHECK_EQ(r.bufferLeft, 0);
}

static void TestUnaligned(void)
{
    IpcIo w;
    Fresh(&w, BUF_SZ, 0);
    CHECK(WriteBoolUnaligned(&w, true));
    CHECK(WriteInt8Unaligned(&w, -2));
    CHECK(WriteInt16Unaligned(&w, -3));     /* at offset 2 */
    CHECK(WriteUint8Unaligned(&w, 0x44));
    CHECK(WriteUint16Unaligned(&w, 0x5566)); /* at offset 5: odd */
    CHECK_EQ(Used(&w), 7);
    CHECK(WriteInt32(&w, 0x0A0B0C0D));      /* lands at 7: sizes are aligned, not positions */
    CHECK_EQ(Used(&w), 11);
    CHECK(WriteInt8(&w, 1));
    CHECK_EQ(Used(&w), 15);
    CHECK_BYTES(w.bufferBase, 0x01, 0xfe, 0xfd, 0xff, 0x44, 0x66, 0x55,
                0x0d, 0x0c, 0x0b, 0x0a, 0x01, 0, 0, 0);

    IpcIo r = Rewind(&w);
    bool b;
    int8_t i8;
    int16_t i16;
    uint8_t u8;
    uint16_t u16;
    int32_t i32;
    CHECK(ReadBoolUnaligned(&r, &b) && b);
    CHECK(ReadInt8Unaligned(&r, &i8) && i8 == -2);
    CHECK(ReadInt16Unaligned(&r, &i16) && i16 == -3);
    CHECK(ReadUInt8Unaligned(&r, &u8) && u8 == 0x44);
    CHECK(ReadUInt16Unaligned(&r, &u16) && u16 == 0x5566);
    CHECK_EQ(r.bufferCur - r.bufferBase, 7);
    CHECK(ReadInt32(&r, &i32) && i32 == 0x0A0B0C0D);
    CHECK(ReadInt8(&r, &i8) && i8 == 1);
    CHECK_EQ(r.bufferLeft, 0);

    /* unaligned reads past the end */
    r = Rewind(&w);
    r.bufferLeft = 1;
    CHECK(!ReadUInt16Unaligned(&r, &u16));
    CHECK_OVERFLOW(&r);
    CHECK_EQ(r.bufferLeft, 0);

    /* unaligned write exactly filling, then one more */
    IpcIoInit(&w, g_buf, 3, 0);
    CHECK(WriteUint16Unaligned(&w, 1) && WriteBoolUnaligned(&w, false));
    CHECK_EQ(w.bufferLeft, 0);
    CHECK(!WriteInt8Unaligned(&w, 1));
    CHECK_OVERFLOW(&w);
}

static void TestOverflowIsSticky(void)
{
    IpcIo w;
    IpcIoInit(&w, g_buf, 12, 0);
    CHECK(WriteInt32(&w, 1));
    CHECK(WriteInt64(&w, 2));                /* 8 fit exactly */
    CHECK_EQ(w.bufferLeft, 0);
    CHECK(!WriteBool(&w, true));
    CHECK_OVERFLOW(&w);

    IpcIoInit(&w, g_buf, 12, 0);
    CHECK(WriteInt32(&w, 1));
    CHECK(WriteInt32(&w, 2));
    CHECK(!WriteInt64(&w, 3));               /* 8 > 4 left */
    CHECK_OVERFLOW(&w);
    CHECK_EQ(w.bufferLeft, 4);               /* a failed push leaves the room alone */
    CHECK(!WriteInt32(&w, 4));               /* would fit, but overflow is sticky */
    CHECK(!WriteUint8Unaligned(&w, 4));
    CHECK(!WriteString(&w, ""));
    CHECK_EQ(Used(&w), 8);
    IpcIo r = Rewind(&w);                    /* a copy keeps the flag */
    int32_t v;
    CHECK(!ReadInt32(&r, &v));

    /* pops: failing sets bufferLeft = 0 and the flag, later reads fail */
    IpcIoInit(&w, g_buf, 64, 0);
    CHECK(WriteInt32(&w, 7) && WriteInt32(&w, 8));
    r = Rewind(&w);
    int64_t i64;
    CHECK(ReadInt32(&r, &v) && v == 7);
    CHECK(!ReadInt64(&r, &i64));
    CHECK_OVERFLOW(&r);
    CHECK_EQ(r.bufferLeft, 0);
    r.bufferLeft = 4;                        /* even with room again */
    CHECK(!ReadInt32(&r, &v));
}

static void TestReadsPastTheEnd(void)
{
    IpcIo w, r;
    IpcIoInit(&w, g_buf, 64, 0);
    CHECK(WriteUint16Unaligned(&w, 0x1234) && WriteUint8Unaligned(&w, 1));   /* 3 bytes */
    bool b;
    int8_t i8;
    int16_t i16;
    int32_t i32;
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    float f;

    /* every aligned read needs 4 bytes: with 3 left they all fail */
#define PAST_END(call)                                                           \
    do {                                                                         \
        r = Rewind(&w);                                                          \
        CHECK(!(call));                                                          \
        CHECK_OVERFLOW(&r);                                                      \
        CHECK_EQ(r.bufferLeft, 0);                                               \
        CHECK(r.bufferCur == r.bufferBase);                                      \
    } while (0)
    PAST_END(ReadBool(&r, &b));
    PAST_END(ReadInt8(&r, &i8));
    PAST_END(ReadInt16(&r, &i16));
    PAST_END(ReadInt32(&r, &i32));
    PAST_END(ReadUint8(&r, &u8));
    PAST_END(ReadUint16(&r, &u16));
    PAST_END(ReadUint32(&r, &u32));
    PAST_END(ReadFloat(&r, &f));
    PAST_END(ReadPointer(&r));
    PAST_END(ReadString(&r, NULL));
    PAST_END(ReadBuffer(&r, 3));
    PAST_END(ReadBuffer(&r, SIZE_MAX));     /* no wrap of the rounding */
    PAST_END(ReadBuffer(&r, SIZE_MAX - 2));
#undef PAST_END
    /* exact-size unaligned reads still work */
    r = Rewind(&w);
    CHECK(ReadUInt16Unaligned(&r, &u16) && u16 == 0x1234);
    CHECK(ReadUInt8Unaligned(&r, &u8) && u8 == 1);
    CHECK(!ReadUInt8Unaligned(&r, &u8));
    CHECK_OVERFLOW(&r);
}

static void TestString(void)
{
    IpcIo w, r;
    size_t len = 99;
    Fresh(&w, BUF_SZ, 0);
    CHECK(WriteString(&w, "abc"));
    CHECK(WriteString(&w, "abcd"));
    CHECK(WriteString(&w, ""));
    CHECK_EQ(Used(&w), 8 + 12 + 8);
    CHECK_BYTES(w.bufferBase,
                3, 0, 0, 0, 'a', 'b', 'c', 0,
                4, 0, 0, 0, 'a', 'b', 'c', 'd', 0, 0, 0, 0,
                0, 0, 0, 0, 0, 0, 0, 0);
    r = Rewind(&w);
    uint8_t *s = ReadString(&r, &len);
    CHECK(s == (uint8_t *)w.bufferBase + 4);     /* points into the buffer */
    CHECK_EQ(len, 3);
    CHECK(strcmp((char *)s, "abc") == 0);
    s = ReadString(&r, NULL);                    /* len optional */
    CHECK(s != NULL && strcmp((char *)s, "abcd") == 0);
    s = ReadString(&r, &len);
    CHECK(s != NULL && len == 0 && s[0] == 0);
    CHECK_EQ(r.bufferLeft, 0);
    CHECK(ReadString(&r, &len) == NULL);
    CHECK_OVERFLOW(&r);

    /* the longest string: 8191 chars need 4 + 8192 bytes, more than any io */
    static char big[MAX_IO_SIZE + 1];
    memset(big, 'x', MAX_IO_SIZE);
    big[MAX_IO_SIZE] = 0;
    IpcIoInit(&w, g_buf, MAX_IO_SIZE, 0);
    CHECK(!WriteString(&w, big));                /* strnlen == 8192: overflow */
    CHECK_OVERFLOW(&w);
    CHECK_EQ(Used(&w), 0);
    big[MAX_IO_SIZE - 1] = 0;
    IpcIoInit(&w, g_buf, MAX_IO_SIZE, 0);
    CHECK(!WriteString(&w, big));                /* fits strnlen, not the buffer */
    CHECK_OVERFLOW(&w);
    big[MAX_IO_SIZE - 8] = 0;                    /* 8184 chars: 4 + 8188 bytes */
    IpcIoInit(&w, g_buf, MAX_IO_SIZE, 0);
    CHECK(WriteString(&w, big));
    CHECK_EQ(w.bufferLeft, 0);
    r = Rewind(&w);
    s = ReadString(&r, &len);
    CHECK(s != NULL && len == MAX_IO_SIZE - 8 && strlen((char *)s) == len);

    /* malformed: length over MAX_IO_SIZE, no terminator, body missing */
    Fresh(&w, BUF_SZ, 0);
    CHECK(WriteUint32(&w, MAX_IO_SIZE + 1) && WriteUint32(&w, 0));
    r = Rewind(&w);
    len = 77;
    CHECK(ReadString(&r, &len) == NULL);
    CHECK_EQ(len, 77);                           /* not stored */
    CHECK_NO_OVERFLOW(&r);                       /* a value check, not a pop failure */
    CHECK_EQ(r.bufferCur - r.bufferBase, 4);

    Fresh(&w, BUF_SZ, 0);
    CHECK(WriteUint32(&w, 3) && WriteBuffer(&w, "abcd", 4) && WriteInt32(&w, 5));
    r = Rewind(&w);
    CHECK(ReadString(&r, &len) == NULL);         /* 'd' where the NUL must be */
    CHECK_EQ(r.bufferCur - r.bufferBase, 8);     /* the string is consumed */
    int32_t v;
    CHECK(ReadInt32(&r, &v) && v == 5);

    Fresh(&w, BUF_SZ, 0);
    CHECK(WriteUint32(&w, 8) && WriteBuffer(&w, "abcd", 4));
    r = Rewind(&w);
    CHECK(ReadString(&r, &len) == NULL);         /* 9 bytes claimed, 4 present */
    CHECK_OVERFLOW(&r);
}

static void TestString16AndToken(void)
{
    static const uint16_t hi[] = { 'h', 'i' };
    static const uint16_t abc[] = { 'a', 'b', 0x4e2d };
    IpcIo w, r;
    size_t len = 0;
    Fresh(&w, BUF_SZ, 0);
    CHECK(WriteString16(&w, hi, 2));
    CHECK(WriteInterfaceToken(&w, abc, 3));
    CHECK_EQ(Used(&w), 12 + 12);
    CHECK_BYTES(w.bufferBase,
                2, 0, 0, 0, 'h', 0, 'i', 0, 0, 0, 0, 0,
                3, 0, 0, 0, 'a', 0, 'b', 0, 0x2d, 0x4e, 0, 0);
    r = Rewind(&w);
    uint16_t *s = ReadString16(&r, &len);
    CHECK(s == (uint16_t *)(void *)(w.bufferBase + 4));
    CHECK_EQ(len, 2);
    CHECK(memcmp(s, hi, sizeof(hi)) == 0 && s[2] == 0);
    s = ReadInterfaceToken(&r, NULL);
    CHECK(s != NULL && memcmp(s, abc, sizeof(abc)) == 0);
    CHECK_EQ(r.bufferLeft, 0);

    /* token and string16 are the same thing on the wire */
    r = Rewind(&w);
    CHECK(ReadInterfaceToken(&r, &len) != NULL && len == 2);
    CHECK(ReadString16(&r, &len) != NULL && len == 3);

    /* length limits: 4095 is the largest readable, huge writes overflow */
    Fresh(&w, BUF_SZ, 0);
    CHECK(!WriteString16(&w, hi, SIZE_MAX));
    CHECK_OVERFLOW(&w);
    Fresh(&w, BUF_SZ, 0);
    CHECK(!WriteString16(&w, hi, MAX_IO_SIZE / 2));
    CHECK_OVERFLOW(&w);
    Fresh(&w, BUF_SZ, 0);
    CHECK(WriteUint32(&w, MAX_IO_SIZE / 2) && WriteUint32(&w, 0));
    r = Rewind(&w);
    CHECK(ReadString16(&r, &len) == NULL);
    CHECK_NO_OVERFLOW(&r);
    static uint16_t longest[MAX_IO_SIZE / 2 - 1];
    for (size_t i = 0; i < MAX_IO_SIZE / 2 - 1; i++)
        longest[i] = (uint16_t)(i + 1);
    static _Alignas(16) uint8_t bigbuf[MAX_IO_SIZE];
    IpcIoInit(&w, bigbuf, MAX_IO_SIZE, 0);
    CHECK(!WriteString16(&w, longest, MAX_IO_SIZE / 2 - 1)); /* 4 + 8192 > 8192 */
    IpcIoInit(&w, bigbuf, MAX_IO_SIZE, 0);
    CHECK(WriteString16(&w, longest, MAX_IO_SIZE / 2 - 3));  /* 4 + 8188 */
    CHECK_EQ(w.bufferLeft, 0);
    r = Rewind(&w);
    s = ReadString16(&r, &len);
    CHECK(s != NULL && len == MAX_IO_SIZE / 2 - 3);

    /* terminator must be 0; the string is consumed anyway */
    Fresh(&w, BUF_SZ, 0);
    CHECK(WriteUint32(&w, 1) && WriteUint32(&w, 0x00010041) && WriteInt32(&w, 9));
    r = Rewind(&w);
    CHECK(ReadString16(&r, &len) == NULL);
    CHECK_NO_OVERFLOW(&r);
    int32_t v;
    CHECK(ReadInt32(&r, &v) && v == 9);

    /* body missing */
    Fresh(&w, BUF_SZ, 0);
    CHECK(WriteUint32(&w, 10));
    r = Rewind(&w);
    CHECK(ReadString16(&r, &len) == NULL);
    CHECK_OVERFLOW(&r);
}

static void TestBufferAndRawData(void)
{
    IpcIo w, r, before;
    Fresh(&w, BUF_SZ, 0);
    CHECK(WriteBuffer(&w, "12345", 5));
    CHECK(WriteRawData(&w, "abcdef", 6));
    CHECK(WriteBuffer(&w, "wxyz", 4));
    CHECK_EQ(Used(&w), 8 + 4 + 8 + 4);
    CHECK_BYTES(w.bufferBase,
                '1', '2', '3', '4', '5', 0, 0, 0,               /* no length prefix */
                6, 0, 0, 0, 'a', 'b', 'c', 'd', 'e', 'f', 0, 0,
                'w', 'x', 'y', 'z');
    r = Rewind(&w);
    const uint8_t *p = ReadBuffer(&r, 5);
    CHECK(p == (uint8_t *)w.bufferBase && memcmp(p, "12345", 5) == 0);
    CHECK_EQ(r.bufferCur - r.bufferBase, 8);
    void *raw = ReadRawData(&r, 6);
    CHECK(raw == w.bufferBase + 12 && memcmp(raw, "abcdef", 6) == 0);
    p = ReadBuffer(&r, 4);
    CHECK(p != NULL && memcmp(p, "wxyz", 4) == 0);
    CHECK_EQ(r.bufferLeft, 0);
    /* size 0: the current position, nothing consumed (upstream) */
    CHECK(ReadBuffer(&r, 0) == (const uint8_t *)r.bufferCur);
    CHECK_NO_OVERFLOW(&r);

    /* refusals leave the io alone */
    before = w;
    CHECK(!WriteBuffer(&w, "x", MAX_IO_SIZE + 1));
    CHECK(!WriteRawData(&w, "x", MAX_IO_SIZE + 1));
    CHECK_IO_SAME(&w, &before);

    /* raw data size mismatch: NULL, length word consumed, no overflow */
    r = Rewind(&w);
    CHECK(ReadBuffer(&r, 5) != NULL);
    CHECK(ReadRawData(&r, 5) == NULL);
    CHECK_NO_OVERFLOW(&r);
    CHECK_EQ(r.bufferCur - r.bufferBase, 12);
    r = Rewind(&w);
    CHECK(ReadBuffer(&r, 5) != NULL);
    CHECK(ReadRawData(&r, 6 + ((size_t)1 << 32)) == NULL);  /* no truncation to 32 bits */
    /* raw data whose body is missing */
    Fresh(&w, BUF_SZ, 0);
    CHECK(WriteUint32(&w, 100));
    r = Rewind(&w);
    CHECK(ReadRawData(&r, 100) == NULL);
    CHECK_OVERFLOW(&r);

    /* does not fit */
    IpcIoInit(&w, g_buf, 8, 0);
    CHECK(!WriteBuffer(&w, "123456789", 9));
    CHECK_OVERFLOW(&w);
    IpcIoInit(&w, g_buf, 8, 0);
    CHECK(!WriteRawData(&w, "12345", 5));
    CHECK_OVERFLOW(&w);
}

static void TestElementWiseVectors(void)
{
    static const bool bools[] = { true, false, true };
    static const int16_t shorts[] = { -1, 2, INT16_MIN };
    IpcIo w, r;
    size_t n = 0;
    Fresh(&w, BUF_SZ, 0);
    CHECK(WriteBoolVector(&w, bools, 3));
    CHECK(WriteInt16Vector(&w, shorts, 3));
    CHECK_EQ(Used(&w), 16 + 16);
    CHECK_BYTES(w.bufferBase,
                3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
                3, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 0x80, 0xff, 0xff);
    r = Rewind(&w);
    bool *bv = ReadBoolVector(&r, &n);
    CHECK(bv != NULL && n == 3);
    CHECK(bv[0] && !bv[1] && bv[2]);
    free(bv);
    int16_t *sv = ReadInt16Vector(&r, &n);
    CHECK(sv != NULL && n == 3 && sv[0] == -1 && sv[1] == 2 && sv[2] == INT16_MIN);
    free(sv);
    CHECK_EQ(r.bufferLeft, 0);

    /* elements run out: NULL (nothing leaks, ASan checks), overflow */
    Fresh(&w, BUF_SZ, 0);
    CHECK(WriteUint32(&w, 3) && WriteInt32(&w, 1));
    r = Rewind(&w);
    CHECK(ReadBoolVector(&r, &n) == NULL);
    CHECK_OVERFLOW(&r);
    r = Rewind(&w);
    CHECK(ReadInt16Vector(&r, &n) == NULL);
    CHECK_OVERFLOW(&r);

    /* counts over the limit are refused before any allocation */
    Fresh(&w, BUF_SZ, 0);
    CHECK(WriteUint32(&w, UINT32_MAX) && WriteUint32(&w, MAX_IO_SIZE / 2 + 1));
    r = Rewind(&w);
    CHECK(ReadBoolVector(&r, &n) == NULL);
    CHECK_NO_OVERFLOW(&r);
    CHECK(ReadInt16Vector(&r, &n) == NULL);
    CHECK_NO_OVERFLOW(&r);

    /* a zero count (no writer produces it) reads as an empty, freeable array */
    Fresh(&w, BUF_SZ, 0);
    CHECK(WriteUint32(&w, 0) && WriteUint32(&w, 0));
    r = Rewind(&w);
    n = 5;
    bv = ReadBoolVector(&r, &n);
    CHECK(bv != NULL && n == 0);
    free(bv);
    sv = ReadInt16Vector(&r, &n);
    CHECK(sv != NULL && n == 0);
    free(sv);

    /* too many to write */
    static bool many[MAX_IO_SIZE];
    Fresh(&w, BUF_SZ, 0);
    CHECK(!WriteBoolVector(&w, many, MAX_IO_SIZE / 4 + 1));
    CHECK_OVERFLOW(&w);
    Fresh(&w, BUF_SZ, 0);
    CHECK(!WriteBoolVector(&w, many, 200));      /* 4 + 800 > 512 */
    CHECK_OVERFLOW(&w);
    Fresh(&w, BUF_SZ, 0);
    CHECK(!WriteInt16Vector(&w, (const int16_t *)(const void *)many, SIZE_MAX));
    CHECK_OVERFLOW(&w);
}

#define BLOCK_VECTOR_ROUND_TRIP(type, writeFn, readFn, ...)                      \
    do {                                                                         \
        static const type vals[] = { __VA_ARGS__ };                              \
        const size_t cnt = sizeof(vals) / sizeof(vals[0]);                       \
        IpcIo w_, r_;                                                            \
        Fresh(&w_, BUF_SZ, 0);                                                   \
        CHECK(WriteInt8Unaligned(&w_, 0x5a)); /* start at an odd position */     \
        CHECK(writeFn(&w_, vals, cnt));                                          \
        CHECK_EQ(Used(&w_), 1 + 4 + cnt * sizeof(type));                         \
        uint32_t c_;                                                             \
        memcpy(&c_, w_.bufferBase + 1, 4);                                       \
        CHECK_EQ(c_, cnt);                                                       \
        CHECK(memcmp(w_.bufferBase + 5, vals, sizeof(vals)) == 0);               \
        r_ = Rewind(&w_);                                                        \
        int8_t skip_;                                                            \
        size_t n_ = 0;                                                           \
        CHECK(ReadInt8Unaligned(&r_, &skip_));                                   \
        type *got_ = readFn(&r_, &n_);                                           \
        CHECK((char *)got_ == w_.bufferBase + 5); /* into the buffer */          \
        CHECK_EQ(n_, cnt);                                                       \
        CHECK(memcmp(got_, vals, sizeof(vals)) == 0);                            \
        CHECK_EQ(r_.bufferLeft, 0);                                              \
        /* count limit (no limit for the byte vectors) */                        \
        Fresh(&w_, BUF_SZ, 0);                                                   \
        CHECK(WriteUint32(&w_, MAX_IO_SIZE / sizeof(type) + 1));                 \
        r_ = Rewind(&w_);                                                        \
        CHECK(readFn(&r_, &n_) == NULL);                                         \
        if (sizeof(type) == 1) {                                                 \
            CHECK_OVERFLOW(&r_);                                                 \
        } else {                                                                 \
            CHECK_NO_OVERFLOW(&r_);                                              \
        }                                                                        \
        /* elements missing */                                                   \
        Fresh(&w_, BUF_SZ, 0);                                                   \
        CHECK(WriteUint32(&w_, 2) && WriteBuffer(&w_, vals, sizeof(type)));      \
        if (sizeof(type) < 4) {                                                  \
            w_.bufferCur -= 4 - sizeof(type); /* drop the padding */             \
        }                                                                        \
        r_ = Rewind(&w_);                                                        \
        CHECK(readFn(&r_, &n_) == NULL);                                         \
        CHECK_OVERFLOW(&r_);                                                     \
        /* too many to write */                                                  \
        Fresh(&w_, BUF_SZ, 0);                                                   \
        CHECK(!writeFn(&w_, vals, MAX_IO_SIZE / sizeof(type) + 1));              \
        CHECK_OVERFLOW(&w_);                                                     \
        Fresh(&w_, BUF_SZ, 0);                                                   \
        CHECK(!writeFn(&w_, vals, SIZE_MAX));                                    \
        CHECK_OVERFLOW(&w_);                                                     \
    } while (0)

static void TestBlockVectors(void)
{
    BLOCK_VECTOR_ROUND_TRIP(int8_t, WriteInt8Vector, ReadInt8Vector, 1, -2, 3);
    BLOCK_VECTOR_ROUND_TRIP(uint8_t, WriteUInt8Vector, ReadUInt8Vector, 1, 0xff, 3, 4, 5);
    BLOCK_VECTOR_ROUND_TRIP(uint16_t, WriteUInt16Vector, ReadUInt16Vector, 1, 0xffff, 3);
    BLOCK_VECTOR_ROUND_TRIP(int32_t, WriteInt32Vector, ReadInt32Vector, -1, INT32_MIN);
    BLOCK_VECTOR_ROUND_TRIP(uint32_t, WriteUInt32Vector, ReadUInt32Vector, 7, UINT32_MAX);
    BLOCK_VECTOR_ROUND_TRIP(int64_t, WriteInt64Vector, ReadInt64Vector, INT64_MIN, -1, 1);
    BLOCK_VECTOR_ROUND_TRIP(uint64_t, WriteUInt64Vector, ReadUInt64Vector, UINT64_MAX);
    BLOCK_VECTOR_ROUND_TRIP(float, WriteFloatVector, ReadFloatVector, 1.5f, -0.0f);
    BLOCK_VECTOR_ROUND_TRIP(double, WriteDoubleVector, ReadDoubleVector, 2.5, DBL_MIN);

    /* the cursor is left unaligned after an odd-sized byte vector */
    static const uint8_t three[] = { 1, 2, 3 };
    static const uint16_t one16[] = { 0x0102 };
    IpcIo w;
    Fresh(&w, BUF_SZ, 0);
    CHECK(WriteUInt8Vector(&w, three, 3));
    CHECK_EQ(Used(&w), 7);
    CHECK(WriteInt32(&w, 0x44332211));          /* at offset 7 */
    CHECK(WriteUInt16Vector(&w, one16, 1));     /* 11 + 4 + 2 = 17 */
    CHECK(WriteBool(&w, true));                 /* at offset 17 */
    CHECK_EQ(Used(&w), 21);
    CHECK_BYTES(w.bufferBase, 3, 0, 0, 0, 1, 2, 3, 0x11, 0x22, 0x33, 0x44,
                1, 0, 0, 0, 0x02, 0x01, 1, 0, 0, 0);
    IpcIo r = Rewind(&w);
    size_t n;
    int32_t v;
    bool b;
    CHECK(ReadUInt8Vector(&r, &n) != NULL && n == 3);
    CHECK(ReadInt32(&r, &v) && v == 0x44332211);
    uint16_t *u16 = ReadUInt16Vector(&r, &n);
    CHECK(u16 != NULL && n == 1 && ((uintptr_t)u16 & 1) == 1);  /* misaligned pointer */
    uint16_t got;
    memcpy(&got, u16, sizeof(got));
    CHECK_EQ(got, 0x0102);
    CHECK(ReadBool(&r, &b) && b);
    CHECK_EQ(r.bufferLeft, 0);

    /* byte vector with a huge count: the pop fails, no wrap */
    Fresh(&w, BUF_SZ, 0);
    CHECK(WriteUint32(&w, UINT32_MAX) && WriteUint32(&w, 0));
    r = Rewind(&w);
    CHECK(ReadInt8Vector(&r, &n) == NULL);
    CHECK_OVERFLOW(&r);

    /* zero count: a pointer to the position, nothing consumed */
    Fresh(&w, BUF_SZ, 0);
    CHECK(WriteUint32(&w, 0));
    r = Rewind(&w);
    n = 9;
    int32_t *empty = ReadInt32Vector(&r, &n);
    CHECK((char *)empty == w.bufferBase + 4 && n == 0);
    CHECK_EQ(r.bufferLeft, 0);
}

static void TestAppend(void)
{
    static _Alignas(16) uint8_t dbuf[256];
    static _Alignas(16) uint8_t sbuf[256];
    IpcIo dst, src, before;
    IpcIoInit(&dst, dbuf, sizeof(dbuf), 4);
    IpcIoInit(&src, sbuf, sizeof(sbuf), 4);
    CHECK(WriteInt32(&dst, 0x11));
    CHECK(WriteFileDescriptor(&dst, 5));        /* dst offset 4 */
    CHECK(WriteInt32(&src, 0x22));
    CHECK(WriteFileDescriptor(&src, 6));        /* src offset 4 */
    CHECK(WriteRemoteObject(&src, &(SvcIdentity){ 7, 8, 9 }));  /* src offset 36 */
    size_t dstUsed = Used(&dst);
    CHECK(IpcIoAppend(&dst, &src));
    CHECK_EQ(Used(&dst), dstUsed + Used(&src));
    CHECK(memcmp(dst.bufferBase + dstUsed, src.bufferBase, Used(&src)) == 0);
    CHECK_EQ(UsedObjs(&dst), 3);
    CHECK_EQ(dst.offsetsLeft, 1);
    CHECK_EQ(dst.offsetsBase[0], 4);
    CHECK_EQ(dst.offsetsBase[1], dstUsed + 4);  /* shifted */
    CHECK_EQ(dst.offsetsBase[2], dstUsed + 36);
    CHECK_EQ(Used(&src), 4 + 32 + 32);          /* src untouched */
    IpcIo r = Rewind(&dst);
    int32_t v;
    SvcIdentity svc;
    CHECK(ReadInt32(&r, &v) && v == 0x11);
    CHECK_EQ(ReadFileDescriptor(&r), 5);
    CHECK(ReadInt32(&r, &v) && v == 0x22);
    CHECK_EQ(ReadFileDescriptor(&r), 6);
    CHECK(ReadRemoteObject(&r, &svc) && svc.handle == 7 && svc.token == 8 && svc.cookie == 9);

    /* unaligned src bytes are padded with zeroes in dst */
    IpcIoInit(&dst, dbuf, sizeof(dbuf), 0);
    IpcIoInit(&src, sbuf, sizeof(sbuf), 0);
    memset(dbuf, 0xEE, sizeof(dbuf));
    CHECK(WriteUint8Unaligned(&src, 0x7f));
    CHECK(IpcIoAppend(&dst, &src));
    CHECK_EQ(Used(&dst), 4);
    CHECK_BYTES(dst.bufferBase, 0x7f, 0, 0, 0);

    /* empty src: nothing to do, success */
    IpcIoInit(&src, sbuf, sizeof(sbuf), 0);
    before = dst;
    CHECK(IpcIoAppend(&dst, &src));
    CHECK_IO_SAME(&dst, &before);

    /* src with offsets but no bytes: refused */
    IpcIoInit(&src, sbuf, sizeof(sbuf), 2);
    src.offsetsCur++;
    src.offsetsLeft--;
    CHECK(!IpcIoAppend(&dst, &src));
    CHECK_IO_SAME(&dst, &before);

    /* dst lacks room for bytes (also for the padding), or for offsets */
    IpcIoInit(&src, sbuf, sizeof(sbuf), 2);
    CHECK(WriteInt64(&src, 1) && WriteUint8Unaligned(&src, 1));   /* 9 -> 12 in dst */
    IpcIoInit(&dst, dbuf, 11, 0);
    before = dst;
    CHECK(!IpcIoAppend(&dst, &src));
    CHECK_IO_SAME(&dst, &before);
    IpcIoInit(&dst, dbuf, 12, 0);
    CHECK(IpcIoAppend(&dst, &src));
    IpcIoInit(&src, sbuf, sizeof(sbuf), 2);
    CHECK(WriteFileDescriptor(&src, 1) && WriteFileDescriptor(&src, 2));
    IpcIoInit(&dst, dbuf, sizeof(dbuf), 1);
    before = dst;
    CHECK(!IpcIoAppend(&dst, &src));
    CHECK_IO_SAME(&dst, &before);

    /* unavailable ios */
    IpcIoInit(&dst, dbuf, sizeof(dbuf), 2);
    src.flag |= IPC_IO_OVERFLOW;
    CHECK(!IpcIoAppend(&dst, &src));
    src.flag = 0;
    CHECK(!IpcIoAppend(&dst, &src));
    IpcIoInit(&src, sbuf, sizeof(sbuf), 2);
    CHECK(WriteInt32(&src, 1));
    dst.flag |= IPC_IO_OVERFLOW;
    CHECK(!IpcIoAppend(&dst, &src));
}

static void TestSpecialObjects(void)
{
    IpcIo w, r;
    Fresh(&w, BUF_SZ, 3);
    CHECK(WriteInt32(&w, 0x55));
    CHECK(WriteFileDescriptor(&w, 42));
    SvcIdentity in = { .handle = 3, .token = (uintptr_t)0x1122334455667788ULL, .cookie = 0xabc };
    CHECK(WriteRemoteObject(&w, &in));
    CHECK_EQ(Used(&w), 4 + 2 * 32);
    CHECK_EQ(UsedObjs(&w), 2);
    CHECK_EQ(w.offsetsLeft, 1);
    CHECK_EQ(w.offsetsBase[0], 4);              /* relative to bufferBase */
    CHECK_EQ(w.offsetsBase[1], 36);
    CHECK_BYTES(w.bufferBase + 4,
                0, 0, 0, 0, 0, 0, 0, 0,         /* OBJ_FD, padding */
                42, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                2, 0, 0, 0, 0, 0, 0, 0,         /* OBJ_SVC */
                3, 0, 0, 0, 0, 0, 0, 0,         /* handle */
                0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
                0xbc, 0x0a, 0, 0, 0, 0, 0, 0);
    r = Rewind(&w);
    int32_t v;
    SvcIdentity out;
    memset(&out, 0, sizeof(out));
    CHECK(ReadInt32(&r, &v));
    CHECK_EQ(ReadFileDescriptor(&r), 42);
    CHECK(ReadRemoteObject(&r, &out));
    CHECK(out.handle == 3 && out.token == in.token && out.cookie == 0xabc);
    CHECK_EQ(r.offsetsLeft, 0);
    CHECK_EQ(r.bufferLeft, 0);
    CHECK_EQ(ReadFileDescriptor(&r), -1);       /* no offset left */
    CHECK_OVERFLOW(&r);

    /* pop mismatch: the next offset is not the read position */
    r = Rewind(&w);
    CHECK_EQ(ReadFileDescriptor(&r), -1);       /* position 0, offset 4 */
    CHECK_OVERFLOW(&r);
    CHECK(r.bufferCur == r.bufferBase);
    CHECK(!ReadInt32(&r, &v));
    r = Rewind(&w);
    r.offsetsLeft = 0;                          /* object present, no offset */
    CHECK(ReadInt32(&r, &v));
    CHECK_EQ(ReadFileDescriptor(&r), -1);
    CHECK_OVERFLOW(&r);

    /* type mismatch: an fd read as a remote object and vice versa */
    r = Rewind(&w);
    CHECK(ReadInt32(&r, &v));
    CHECK(!ReadRemoteObject(&r, &out));
    CHECK_OVERFLOW(&r);
    r = Rewind(&w);
    CHECK(ReadInt32(&r, &v));
    r.offsetsCur++;                             /* skip to the svc */
    r.offsetsLeft--;
    r.bufferCur += 32;
    r.bufferLeft -= 32;
    CHECK_EQ(ReadFileDescriptor(&r), -1);
    CHECK_OVERFLOW(&r);

    /* object claimed by an offset, bytes missing */
    r = Rewind(&w);
    CHECK(ReadInt32(&r, &v));
    r.bufferLeft = 31;
    CHECK_EQ(ReadFileDescriptor(&r), -1);
    CHECK_OVERFLOW(&r);

    /* no offset slot left: false, overflow, nothing written */
    Fresh(&w, BUF_SZ, 0);
    CHECK(!WriteFileDescriptor(&w, 1));
    CHECK_OVERFLOW(&w);
    CHECK_EQ(Used(&w), 0);
    Fresh(&w, BUF_SZ, 0);
    CHECK(!WriteRemoteObject(&w, &in));
    CHECK_OVERFLOW(&w);
    CHECK_EQ(Used(&w), 0);
    Fresh(&w, BUF_SZ, 1);
    CHECK(WriteFileDescriptor(&w, 1));
    CHECK(!WriteFileDescriptor(&w, 2));         /* the only slot is used */
    CHECK_OVERFLOW(&w);
    CHECK_EQ(Used(&w), 32);

    /* no data room */
    IpcIoInit(&w, g_buf, 8 + 31, 1);
    CHECK(!WriteRemoteObject(&w, &in));
    CHECK_OVERFLOW(&w);
    CHECK_EQ(w.offsetsLeft, 1);
    IpcIoInit(&w, g_buf, 8 + 32, 1);
    CHECK(WriteFileDescriptor(&w, UINT32_MAX));
    r = Rewind(&w);
    CHECK_EQ(ReadFileDescriptor(&r), -1);       /* 0xffffffff reads as -1, as upstream */

    /* handle -1 passes through unchanged without the runtime hooks */
    Fresh(&w, BUF_SZ, 1);
    SvcIdentity anon = { .handle = -1, .token = 0, .cookie = 0x1234 };
    CHECK(WriteRemoteObject(&w, &anon));
    r = Rewind(&w);
    CHECK(ReadRemoteObject(&r, &out));
    CHECK(out.handle == -1 && out.token == 0 && out.cookie == 0x1234);
}

static void TestSpecialObjectsAfterUnalignedData(void)
{
    /* objects sit at the (possibly unaligned) cursor; the offset records it */
    IpcIo w, r;
    Fresh(&w, BUF_SZ, 1);
    CHECK(WriteInt8Unaligned(&w, 1));
    CHECK(WriteRemoteObject(&w, &(SvcIdentity){ 1, 2, 3 }));
    CHECK_EQ(w.offsetsBase[0], 1);
    r = Rewind(&w);
    int8_t b;
    SvcIdentity out;
    CHECK(ReadInt8Unaligned(&r, &b));
    CHECK(ReadRemoteObject(&r, &out) && out.handle == 1 && out.token == 2 && out.cookie == 3);
}

/* Room for less than the length/count word: every prefixed writer and reader fails. */
static void TestLengthWordDoesNotFit(void)
{
    static const uint16_t s16[] = { 'a' };
    static const bool b[] = { true };
    static const int8_t i8[] = { 1 };
    static const int16_t i16[] = { 1 };
    static const int32_t i32[] = { 1 };
    static const int64_t i64[] = { 1 };
    static const uint8_t u8[] = { 1 };
    static const uint16_t u16[] = { 1 };
    static const uint32_t u32[] = { 1 };
    static const uint64_t u64[] = { 1 };
    static const float f[] = { 1 };
    static const double d[] = { 1 };
    IpcIo w, r;
    size_t n;
#define NO_ROOM(call)                                                            \
    do {                                                                         \
        IpcIoInit(&w, g_buf, 3, 0);                                              \
        CHECK(!(call));                                                          \
        CHECK_OVERFLOW(&w);                                                      \
        CHECK_EQ(Used(&w), 0);                                                   \
    } while (0)
    NO_ROOM(WriteString(&w, "a"));
    NO_ROOM(WriteString16(&w, s16, 1));
    NO_ROOM(WriteInterfaceToken(&w, s16, 1));
    NO_ROOM(WriteRawData(&w, "a", 1));
    NO_ROOM(WriteBoolVector(&w, b, 1));
    NO_ROOM(WriteInt8Vector(&w, i8, 1));
    NO_ROOM(WriteInt16Vector(&w, i16, 1));
    NO_ROOM(WriteInt32Vector(&w, i32, 1));
    NO_ROOM(WriteInt64Vector(&w, i64, 1));
    NO_ROOM(WriteUInt8Vector(&w, u8, 1));
    NO_ROOM(WriteUInt16Vector(&w, u16, 1));
    NO_ROOM(WriteUInt32Vector(&w, u32, 1));
    NO_ROOM(WriteUInt64Vector(&w, u64, 1));
    NO_ROOM(WriteFloatVector(&w, f, 1));
    NO_ROOM(WriteDoubleVector(&w, d, 1));
#undef NO_ROOM
    /* the count fits, the first element does not */
    IpcIoInit(&w, g_buf, 6, 0);
    CHECK(!WriteBoolVector(&w, b, 1));
    CHECK_OVERFLOW(&w);
    IpcIoInit(&w, g_buf, 6, 0);
    CHECK(!WriteInt16Vector(&w, i16, 1));
    CHECK_OVERFLOW(&w);

#define NO_DATA(call)                                                            \
    do {                                                                         \
        IpcIoInit(&w, g_buf, 64, 0);                                             \
        CHECK(WriteUint8Unaligned(&w, 1) && WriteUint16Unaligned(&w, 1));       \
        r = Rewind(&w);                                                          \
        CHECK(!(call));                                                          \
        CHECK_OVERFLOW(&r);                                                      \
    } while (0)
    NO_DATA(ReadString16(&r, &n));
    NO_DATA(ReadInterfaceToken(&r, &n));
    NO_DATA(ReadRawData(&r, 1));
    NO_DATA(ReadBoolVector(&r, &n));
    NO_DATA(ReadInt8Vector(&r, &n));
    NO_DATA(ReadInt16Vector(&r, &n));
    NO_DATA(ReadInt32Vector(&r, &n));
    NO_DATA(ReadInt64Vector(&r, &n));
    NO_DATA(ReadUInt8Vector(&r, &n));
    NO_DATA(ReadUInt16Vector(&r, &n));
    NO_DATA(ReadUInt32Vector(&r, &n));
    NO_DATA(ReadUInt64Vector(&r, &n));
    NO_DATA(ReadFloatVector(&r, &n));
    NO_DATA(ReadDoubleVector(&r, &n));
#undef NO_DATA
}

int main(void)
{
    struct {
        const char *name;
        void (*fn)(void);
    } tests[] = {
#define T(fn) { #fn, fn }
        T(TestLayoutAndConstants),
        T(TestInit),
        T(TestInitRefusalsLeaveIoUntouched),
        T(TestInitObjectsDoNotFit),
        T(TestUninitialisedIo),
        T(TestNullIo),
        T(TestNullArguments),
        T(TestZeroSizes),
        T(TestScalarsWireFormat),
        T(TestSmallReadsFromWideSlots),
        T(TestUnaligned),
        T(TestOverflowIsSticky),
        T(TestReadsPastTheEnd),
        T(TestString),
        T(TestString16AndToken),
        T(TestBufferAndRawData),
        T(TestElementWiseVectors),
        T(TestBlockVectors),
        T(TestAppend),
        T(TestSpecialObjects),
        T(TestSpecialObjectsAfterUnalignedData),
        T(TestLengthWordDoesNotFit),
#undef T
    };
    for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
        tests[i].fn();
        printf("ok %zu - %s\n", i + 1, tests[i].name);
    }
    return 0;
}
