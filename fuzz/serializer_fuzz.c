/*
 * serializer_fuzz.c - libFuzzer target for the IpcIo reader (ipc/src/serializer.c).
 *
 * A received message is untrusted input: this feeds arbitrary bytes as a
 * message (data + offsets array) into IpcIoInitFromMsg and runs a sequence
 * of Read* calls chosen by the input.  Every value read is echoed with the
 * matching Write* into a second, writable io, and that io is finally read
 * back through a message view with the same sequence, so the writers and
 * IpcIoAppend run on fuzzed values too, and a round-trip oracle checks
 * that what was echoed faithfully decodes to the same values (see Trace).  Returned pointers are touched over
 * their whole advertised length so ASan sees any out-of-bounds result.
 *
 * Input layout (every part may be truncated):
 *   byte 0          bits 0-5: number of offsets (mod 41); bit 7: the write
 *                   hook refuses objects; bit 6: the read hook is unset
 *   2 bytes/offset  offsets, uint16 little endian
 *   1 byte          number of op bytes that follow
 *   op bytes        one op per byte (op % OP_COUNT); ReadBuffer/ReadRawData
 *                   take a uint16 size from the next two op bytes
 *   rest            the message data (copied to an exact-size heap block)
 *
 * Built two ways: with clang -fsanitize=fuzzer,address,undefined (the
 * fuzz_serializer target) and, with the normal compiler, linked to
 * replay_main.c as a ctest that replays fuzz/corpus and fuzz/crashes.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "serializer.h"
#include "serializer_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
    OP_BOOL, OP_INT8, OP_INT16, OP_INT32, OP_INT64, OP_UINT8, OP_UINT16, OP_UINT32, OP_UINT64,
    OP_FLOAT, OP_DOUBLE, OP_POINTER, OP_BOOL_U, OP_INT8_U, OP_INT16_U, OP_UINT8_U, OP_UINT16_U,
    OP_STRING, OP_STRING16, OP_TOKEN, OP_BUFFER, OP_RAW, OP_V_BOOL, OP_V_INT8, OP_V_INT16,
    OP_V_INT32, OP_V_INT64, OP_V_UINT8, OP_V_UINT16, OP_V_UINT32, OP_V_UINT64, OP_V_FLOAT,
    OP_V_DOUBLE, OP_REMOTE, OP_FD, OP_APPEND, OP_STRING_NOLEN, OP_NULL_ARGS, OP_COUNT
};

static volatile uint8_t g_sink;
static bool g_refuseWrites;
static unsigned g_hookCalls;

static bool FuzzWriteHook(SvcIdentity *svc)
{
    (void)svc;
    return !g_refuseWrites;
}

static void FuzzReadHook(const SvcIdentity *svc)
{
    g_sink ^= (uint8_t)svc->handle;
    g_hookCalls++;
}

/* Reads every byte: ASan reports a pointer whose length is a lie. */
static void Touch(const void *ptr, size_t len)
{
    const volatile uint8_t *p = ptr;
    uint8_t acc = 0;
    for (size_t i = 0; i < len; i++) {
        acc ^= p[i];
    }
    g_sink ^= acc;
}

/*
 * Per-op record: did the read succeed, what did it decode (a digest), and
 * (first pass) was it echoed faithfully.  The echo io is read back with the
 * same ops; up to the first op that was not echoed faithfully, the second
 * pass must decode exactly the same values: a write/read round-trip oracle.
 */
#define MAX_OPS 256

typedef struct {
    bool ok[MAX_OPS];
    uint64_t digest[MAX_OPS];
    size_t faithful;        /* ops [0, faithful) were echoed faithfully */
    bool broken;
} Trace;

static uint64_t Hash(uint64_t h, const void *ptr, size_t len)
{
    const uint8_t *p = ptr;
    for (size_t i = 0; i < len; i++) {
        h = (h ^ p[i]) * 0x100000001b3ULL;
    }
    return h;
}

#define VECTOR_CASE(op, type, readFn, writeFn, mallocd)        \
    case op: {                                                 \
        size_t n = 0;                                          \
        type *v = readFn(in, &n);                              \
        if (v != NULL) {                                       \
            ok = true;                                         \
            Touch(v, n * sizeof(type));                        \
            dg = Hash(Hash(dg, &n, sizeof(n)), v, n * sizeof(type)); \
            echoed = out != NULL && writeFn(out, v, n);        \
            if (mallocd) {                                     \
                free(v);                                       \
            }                                                  \
        }                                                      \
        break;                                                 \
    }

#define SCALAR_CASE(op, type, readFn, writeFn)                 \
    case op: {                                                 \
        type v;                                                \
        memset(&v, 0, sizeof(v));                              \
        if (readFn(in, &v)) {                                  \
            ok = true;                                         \
            dg = Hash(dg, &v, sizeof(v));                      \
            echoed = out != NULL && writeFn(out, v);           \
        }                                                      \
        break;                                                 \
    }

static size_t OpSize(const uint8_t *ops, size_t nOps, size_t *i)
{
    size_t v = 0;
    if (*i + 1 < nOps) {
        v = ops[*i + 1];
    }
    if (*i + 2 < nOps) {
        v |= (size_t)ops[*i + 2] << 8;
    }
    *i += 2;
    return v;
}

/* Runs the op sequence on `in`, echoing to `out` (NULL: second pass). */
static void RunOps(IpcIo *in, IpcIo *out, const uint8_t *ops, size_t nOps, Trace *t)
{
    for (size_t i = 0; i < nOps && i < MAX_OPS; i++) {
        bool ok = false, echoed = false, faithful = true;
        uint64_t dg = 0xcbf29ce484222325ULL;
        const size_t at = i;    /* OpSize() moves i past the op's arguments */
        switch (ops[i] % OP_COUNT) {
        SCALAR_CASE(OP_BOOL, bool, ReadBool, WriteBool)
        SCALAR_CASE(OP_INT8, int8_t, ReadInt8, WriteInt8)
        SCALAR_CASE(OP_INT16, int16_t, ReadInt16, WriteInt16)
        SCALAR_CASE(OP_INT32, int32_t, ReadInt32, WriteInt32)
        SCALAR_CASE(OP_INT64, int64_t, ReadInt64, WriteInt64)
        SCALAR_CASE(OP_UINT8, uint8_t, ReadUint8, WriteUint8)
        SCALAR_CASE(OP_UINT16, uint16_t, ReadUint16, WriteUint16)
        SCALAR_CASE(OP_UINT32, uint32_t, ReadUint32, WriteUint32)
        SCALAR_CASE(OP_UINT64, uint64_t, ReadUint64, WriteUint64)
        SCALAR_CASE(OP_FLOAT, float, ReadFloat, WriteFloat)
        SCALAR_CASE(OP_DOUBLE, double, ReadDouble, WriteDouble)
        SCALAR_CASE(OP_BOOL_U, bool, ReadBoolUnaligned, WriteBoolUnaligned)
        SCALAR_CASE(OP_INT8_U, int8_t, ReadInt8Unaligned, WriteInt8Unaligned)
        SCALAR_CASE(OP_INT16_U, int16_t, ReadInt16Unaligned, WriteInt16Unaligned)
        SCALAR_CASE(OP_UINT8_U, uint8_t, ReadUInt8Unaligned, WriteUint8Unaligned)
        SCALAR_CASE(OP_UINT16_U, uint16_t, ReadUInt16Unaligned, WriteUint16Unaligned)
        case OP_POINTER: {
            uintptr_t v = ReadPointer(in);
            ok = (in->flag & IPC_IO_OVERFLOW) == 0;     /* 0 is also a value */
            dg = Hash(dg, &v, sizeof(v));
            echoed = ok && out != NULL && WritePointer(out, v);
            break;
        }
        case OP_STRING: {
            size_t len = 0;
            uint8_t *s = ReadString(in, &len);
            if (s != NULL) {
                ok = true;
                Touch(s, len + 1);
                size_t sl = strlen((const char *)s);  /* must stop inside */
                Touch(s, sl);
                faithful = sl == len;                   /* embedded NUL: shortened echo */
                dg = Hash(Hash(dg, &len, sizeof(len)), s, len + 1);
                echoed = out != NULL && WriteString(out, (const char *)s);
            }
            break;
        }
        case OP_STRING_NOLEN: {
            uint8_t *s = ReadString(in, NULL);
            if (s != NULL) {
                ok = true;
                Touch(s, strlen((const char *)s) + 1);
            }
            faithful = false;                           /* not echoed */
            break;
        }
        case OP_STRING16:
        case OP_TOKEN: {
            size_t len = 0;
            bool token = (ops[i] % OP_COUNT) == OP_TOKEN;
            uint16_t *s = token ? ReadInterfaceToken(in, &len) : ReadString16(in, &len);
            if (s != NULL) {
                ok = true;
                Touch(s, (len + 1) * sizeof(uint16_t));
                dg = Hash(Hash(dg, &len, sizeof(len)), s, (len + 1) * sizeof(uint16_t));
                echoed = out != NULL &&
                         (token ? WriteInterfaceToken(out, s, len) : WriteString16(out, s, len));
            }
            break;
        }
        case OP_BUFFER: {
            size_t n = OpSize(ops, nOps, &i);
            const uint8_t *b = ReadBuffer(in, n);
            if (b != NULL) {
                ok = true;
                Touch(b, n);
                dg = Hash(dg, b, n);
                echoed = out != NULL && WriteBuffer(out, b, n);
            }
            break;
        }
        case OP_RAW: {
            size_t n = OpSize(ops, nOps, &i);
            const void *b = ReadRawData(in, n);
            if (b != NULL) {
                ok = true;
                Touch(b, n);
                dg = Hash(dg, b, n);
                echoed = out != NULL && WriteRawData(out, b, n);
            }
            break;
        }
        VECTOR_CASE(OP_V_BOOL, bool, ReadBoolVector, WriteBoolVector, true)
        VECTOR_CASE(OP_V_INT8, int8_t, ReadInt8Vector, WriteInt8Vector, false)
        VECTOR_CASE(OP_V_INT16, int16_t, ReadInt16Vector, WriteInt16Vector, true)
        VECTOR_CASE(OP_V_INT32, int32_t, ReadInt32Vector, WriteInt32Vector, false)
        VECTOR_CASE(OP_V_INT64, int64_t, ReadInt64Vector, WriteInt64Vector, false)
        VECTOR_CASE(OP_V_UINT8, uint8_t, ReadUInt8Vector, WriteUInt8Vector, false)
        VECTOR_CASE(OP_V_UINT16, uint16_t, ReadUInt16Vector, WriteUInt16Vector, false)
        VECTOR_CASE(OP_V_UINT32, uint32_t, ReadUInt32Vector, WriteUInt32Vector, false)
        VECTOR_CASE(OP_V_UINT64, uint64_t, ReadUInt64Vector, WriteUInt64Vector, false)
        VECTOR_CASE(OP_V_FLOAT, float, ReadFloatVector, WriteFloatVector, false)
        VECTOR_CASE(OP_V_DOUBLE, double, ReadDoubleVector, WriteDoubleVector, false)
        case OP_REMOTE: {
            SvcIdentity svc;
            if (ReadRemoteObject(in, &svc)) {
                ok = true;
                dg = Hash(dg, &svc.handle, sizeof(svc.handle));
                dg = Hash(dg, &svc.token, sizeof(svc.token));
                dg = Hash(dg, &svc.cookie, sizeof(svc.cookie));
                echoed = out != NULL && WriteRemoteObject(out, &svc);
            }
            break;
        }
        case OP_FD: {
            int32_t fd = ReadFileDescriptor(in);
            if (fd != -1) {
                ok = true;
                dg = Hash(dg, &fd, sizeof(fd));
                echoed = out != NULL && WriteFileDescriptor(out, (uint32_t)fd);
            }
            break;
        }
        case OP_APPEND:
            if (out != NULL) {
                (void)IpcIoAppend(out, in);
            }
            ok = true;
            faithful = false;
            break;
        case OP_NULL_ARGS: {
            /* Argument errors must not touch the io nor crash. */
            IpcIo before = *in;
            (void)ReadBool(in, NULL);
            (void)ReadInt64(in, NULL);
            (void)ReadBoolVector(in, NULL);
            (void)ReadUInt8Vector(in, NULL);
            (void)ReadRemoteObject(in, NULL);
            if (memcmp(&before, in, sizeof(before)) != 0) {
                abort();
            }
            ok = echoed = true;
            break;
        }
        default:
            break;
        }
        if (out != NULL) {
            /* first pass: record, and extend the faithful prefix */
            t->ok[at] = ok;
            t->digest[at] = dg;
            if (!t->broken && ok && echoed && faithful) {
                t->faithful = at + 1;
            } else {
                t->broken = true;
            }
        } else if (at < t->faithful && t->ok[at]) {
            /* second pass over the echo: same result, same value */
            if (!ok || dg != t->digest[at]) {
                abort();
            }
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t pos = 0;
    uint8_t head = size > 0 ? data[pos++] : 0;
    size_t nOffsets = (head & 0x3f) % 41;
    g_refuseWrites = (head & 0x80) != 0;
    IpcIoRemoteObjectHooks hooks = { FuzzWriteHook, (head & 0x40) ? NULL : FuzzReadHook };
    IpcIoSetRemoteObjectHooks(&hooks);

    /* Exact-size heap copies: any access outside them is an ASan report. */
    size_t *offsets = malloc(nOffsets > 0 ? nOffsets * sizeof(size_t) : 1);
    if (offsets == NULL) {
        return 0;
    }
    for (size_t i = 0; i < nOffsets; i++) {
        size_t v = 0;
        if (pos < size) {
            v = data[pos++];
        }
        if (pos < size) {
            v |= (size_t)data[pos++] << 8;
        }
        offsets[i] = v;
    }
    size_t nOps = pos < size ? data[pos++] : 0;
    if (nOps > size - pos) {
        nOps = size - pos;
    }
    const uint8_t *ops = data + pos;
    pos += nOps;
    size_t msgSz = size - pos;
    uint8_t *msg = malloc(msgSz > 0 ? msgSz : 1);
    if (msg == NULL) {
        free(offsets);
        return 0;
    }
    if (msgSz > 0) {
        memcpy(msg, data + pos, msgSz);
    }

    IpcIo in;
    if (IpcIoInitFromMsg(&in, msgSz > 0 ? msg : NULL, msgSz, nOffsets > 0 ? offsets : NULL,
                         nOffsets) != 0) {
        abort();
    }
    /* A writable io with the largest geometry IpcIoInit allows. */
    static uint8_t outBuf[MAX_IO_SIZE];
    IpcIo out;
    IpcIoInit(&out, outBuf, sizeof(outBuf), MAX_OBJ_NUM);
    static Trace trace;
    memset(&trace, 0, sizeof(trace));
    RunOps(&in, &out, ops, nOps, &trace);

    /* Writes into a message view must always be refused. */
    if (WriteInt32(&in, 1) || WriteString(&in, "x")) {
        abort();
    }

    /* Read the echo back through a message view. */
    size_t usedBytes = IpcIoUsedBytes(&out);
    size_t usedObjs = IpcIoUsedObjects(&out);
    if (usedBytes > sizeof(outBuf) || usedObjs > MAX_OBJ_NUM) {
        abort();
    }
    uint8_t *echo = malloc(usedBytes > 0 ? usedBytes : 1);
    size_t *echoOffsets = malloc(usedObjs > 0 ? usedObjs * sizeof(size_t) : 1);
    if (echo != NULL && echoOffsets != NULL) {
        memcpy(echo, out.bufferBase, usedBytes);
        memcpy(echoOffsets, out.offsetsBase, usedObjs * sizeof(size_t));
        IpcIo back;
        if (IpcIoInitFromMsg(&back, echo, usedBytes, echoOffsets, usedObjs) != 0) {
            abort();
        }
        RunOps(&back, NULL, ops, nOps, &trace);
    }
    free(echo);
    free(echoOffsets);
    free(msg);
    free(offsets);
    IpcIoSetRemoteObjectHooks(NULL);
    return 0;
}
