/*
 * serializer.c - the IpcIo serializer (OpenHarmony serializer.c +
 * the wire part of serializer_inner.c).
 *
 * Upstream behaviour is kept, including which failures set the sticky
 * IPC_IO_OVERFLOW flag (failed pushes and pops do; argument errors and value
 * checks such as a too-long string length do not).  Where upstream relies on
 * undefined behaviour or lacks a check, this file is stricter; each such
 * place is marked "SAFETY:" or explained where it happens, and all are
 * listed in ipc/SERIALIZER.md ("Deliberate differences").  Two rules hold
 * everywhere:
 *  - every access to the buffer goes through memcpy, because the cursor is
 *    only 4-aligned (8-byte values, SpecialObj) or not aligned at all (after
 *    an odd-sized unaligned write), and the offsets array lives in a buffer
 *    of unknown alignment;
 *  - every size is checked before it is rounded or multiplied, so no length
 *    read from a message can wrap around.
 */
#include "serializer_internal.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "lite_ipc.h"

#define ALIGN_SZ 4

/* ---------------------------------------------------------------- helpers */

static bool IoAvailable(const IpcIo *io)
{
    return IpcIoIsAvailable(io);
}

/* SAFETY: upstream's IPC_IO_ALIGN wraps for sizes near SIZE_MAX (a huge
 * ReadBuffer size became 0 and "succeeded"). */
static bool AlignSize(size_t size, size_t *aligned)
{
    if (size > SIZE_MAX - (ALIGN_SZ - 1)) {
        return false;
    }
    *aligned = (size + (ALIGN_SZ - 1)) & ~(size_t)(ALIGN_SZ - 1);
    return true;
}

/* As upstream's IPC_IO_RETURN_IF_FAIL: a push/pop on an unusable io marks it overflowed. */
static void *IoFail(IpcIo *io)
{
    if (io != NULL) {
        io->flag |= IPC_IO_OVERFLOW;
    }
    return NULL;
}

/* Reserves `size` bytes (rounded up to 4 if align), zero-filling the padding. */
static char *IoPushImpl(IpcIo *io, size_t size, bool align)
{
    if (!IoAvailable(io) || (io->flag & LIPC_IO_READONLY)) {
        return IoFail(io);
    }
    size_t total = size;
    if (align && !AlignSize(size, &total)) {
        return IoFail(io);
    }
    if (total > io->bufferLeft) {
        return IoFail(io);
    }
    char *ptr = io->bufferCur;
    io->bufferCur += total;
    io->bufferLeft -= total;
    if (total > size) {
        memset(ptr + size, 0, total - size);
    }
    return ptr;
}

/* Consumes `size` bytes (rounded up to 4 if align). */
static const char *IoPopImpl(IpcIo *io, size_t size, bool align)
{
    if (!IoAvailable(io)) {
        return IoFail(io);
    }
    size_t total = size;
    if ((align && !AlignSize(size, &total)) || total > io->bufferLeft) {
        io->bufferLeft = 0;
        return IoFail(io);
    }
    const char *ptr = io->bufferCur;
    io->bufferCur += total;
    io->bufferLeft -= total;
    return ptr;
}

static char *IoPush(IpcIo *io, size_t size)
{
    return IoPushImpl(io, size, true);
}

static const char *IoPop(IpcIo *io, size_t size)
{
    return IoPopImpl(io, size, true);
}

static const char *IoPopUnaligned(IpcIo *io, size_t size)
{
    return IoPopImpl(io, size, false);
}

static bool PushCopy(IpcIo *io, const void *value, size_t size, bool align)
{
    char *ptr = IoPushImpl(io, size, align);
    if (ptr == NULL) {
        return false;
    }
    memcpy(ptr, value, size);
    return true;
}

static bool PopCopy(IpcIo *io, void *value, size_t size, bool align)
{
    if (value == NULL) {
        return false;       /* argument error: io untouched, as upstream */
    }
    const char *ptr = IoPopImpl(io, size, align);
    if (ptr == NULL) {
        return false;
    }
    memcpy(value, ptr, size);
    return true;
}

/* ------------------------------------------------------------------- init */

void IpcIoInit(IpcIo *io, void *buffer, size_t bufferSize, size_t maxobjects)
{
    if (io == NULL || buffer == NULL || bufferSize == 0 || bufferSize > MAX_IO_SIZE ||
        maxobjects > MAX_OBJ_NUM) {
        return;             /* upstream: io left untouched */
    }
    size_t objectsSize = maxobjects * sizeof(size_t);
    if (objectsSize > bufferSize) {
        io->flag = IPC_IO_OVERFLOW;
        io->bufferLeft = 0;
        io->offsetsLeft = 0;
        return;
    }
    io->bufferBase = io->bufferCur = (char *)buffer + objectsSize;
    io->offsetsBase = io->offsetsCur = (size_t *)buffer;
    io->bufferLeft = bufferSize - objectsSize;
    io->offsetsLeft = maxobjects;
    io->flag = IPC_IO_INITIALIZED;
}

int IpcIoInitFromMsg(IpcIo *io, const void *data, size_t dataSz, const size_t *offsets,
                     size_t spObjNum)
{
    /* Non-NULL stand-ins for an empty message, so that no arithmetic is ever
     * done on a NULL pointer. */
    static const char emptyData[1];
    static const size_t emptyOffsets[1];

    if (io == NULL) {
        return -EINVAL;
    }
    if ((data == NULL && dataSz != 0) || (offsets == NULL && spObjNum != 0)) {
        memset(io, 0, sizeof(*io));
        io->flag = IPC_IO_OVERFLOW;
        return -EINVAL;
    }
    /* The casts drop const: LIPC_IO_READONLY makes every push fail. */
    io->bufferBase = io->bufferCur = (char *)(data != NULL ? data : emptyData);
    io->offsetsBase = io->offsetsCur = (size_t *)(offsets != NULL ? offsets : emptyOffsets);
    io->bufferLeft = dataSz;
    io->offsetsLeft = spObjNum;
    io->flag = IPC_IO_INITIALIZED | LIPC_IO_READONLY;
    return 0;
}

bool IpcIoAppend(IpcIo *dst, IpcIo *src)
{
    if (!IoAvailable(dst) || !IoAvailable(src) || (dst->flag & LIPC_IO_READONLY)) {
        return false;
    }
    size_t usedBytes = (size_t)(src->bufferCur - src->bufferBase);
    size_t usedObjs = (size_t)(src->offsetsCur - src->offsetsBase);
    if (usedBytes == 0) {
        return usedObjs == 0;   /* offsets but no bytes: refused, as upstream */
    }
    size_t aligned;
    /* Upstream checks room for the unaligned size and lets IoPush overflow
     * dst when the padding does not fit; checking the aligned size keeps
     * dst untouched on every room failure. */
    if (!AlignSize(usedBytes, &aligned) || aligned > dst->bufferLeft ||
        usedObjs > dst->offsetsLeft) {
        return false;
    }
    char *ptr = IoPush(dst, usedBytes);     /* cannot fail after the checks */
    if (ptr == NULL) {
        return false;
    }
    memcpy(ptr, src->bufferBase, usedBytes);
    size_t shift = (size_t)(ptr - dst->bufferBase);
    for (size_t i = 0; i < usedObjs; i++) {
        size_t off;
        memcpy(&off, (const char *)src->offsetsBase + i * sizeof(size_t), sizeof(off));
        off += shift;
        memcpy(dst->offsetsCur, &off, sizeof(off));
        dst->offsetsCur++;
        dst->offsetsLeft--;
    }
    return true;
}

/* ---------------------------------------------------------------- scalars */

bool WriteInt32(IpcIo *io, int32_t value)
{
    return PushCopy(io, &value, sizeof(value), true);
}

bool WriteUint32(IpcIo *io, uint32_t value)
{
    return PushCopy(io, &value, sizeof(value), true);
}

bool WriteInt64(IpcIo *io, int64_t value)
{
    return PushCopy(io, &value, sizeof(value), true);
}

bool WriteUint64(IpcIo *io, uint64_t value)
{
    return PushCopy(io, &value, sizeof(value), true);
}

bool WriteFloat(IpcIo *io, float value)
{
    return PushCopy(io, &value, sizeof(value), true);
}

bool WriteDouble(IpcIo *io, double value)
{
    return PushCopy(io, &value, sizeof(value), true);
}

bool WritePointer(IpcIo *io, uintptr_t value)
{
    return PushCopy(io, &value, sizeof(value), true);
}

/* Small types are widened to 4 bytes (upstream). */
bool WriteBool(IpcIo *io, bool value)
{
    return WriteInt32(io, (int32_t)value);
}

bool WriteInt8(IpcIo *io, int8_t value)
{
    return WriteInt32(io, (int32_t)value);
}

bool WriteInt16(IpcIo *io, int16_t value)
{
    return WriteInt32(io, (int32_t)value);
}

bool WriteUint8(IpcIo *io, uint8_t value)
{
    return WriteUint32(io, (uint32_t)value);
}

bool WriteUint16(IpcIo *io, uint16_t value)
{
    return WriteUint32(io, (uint32_t)value);
}

bool WriteBoolUnaligned(IpcIo *io, bool value)
{
    uint8_t byte = value ? 1 : 0;
    return PushCopy(io, &byte, sizeof(byte), false);
}

bool WriteInt8Unaligned(IpcIo *io, int8_t value)
{
    return PushCopy(io, &value, sizeof(value), false);
}

bool WriteInt16Unaligned(IpcIo *io, int16_t value)
{
    return PushCopy(io, &value, sizeof(value), false);
}

bool WriteUint8Unaligned(IpcIo *io, uint8_t value)
{
    return PushCopy(io, &value, sizeof(value), false);
}

bool WriteUint16Unaligned(IpcIo *io, uint16_t value)
{
    return PushCopy(io, &value, sizeof(value), false);
}

/*
 * Upstream reads a bool/int8/int16 from the low-address bytes of the 4-byte
 * slot (little-endian assumption, kept: this is what the wire means).
 * SAFETY: a bool is decoded as (byte != 0); upstream loads the raw byte into
 * a bool, which is undefined for values other than 0 and 1.
 */
static bool DecodeBool(const void *ptr)
{
    uint8_t byte;
    memcpy(&byte, ptr, sizeof(byte));
    return byte != 0;
}

bool ReadBool(IpcIo *io, bool *value)
{
    if (value == NULL) {
        return false;
    }
    const char *ptr = IoPop(io, sizeof(bool));
    if (ptr == NULL) {
        return false;
    }
    *value = DecodeBool(ptr);
    return true;
}

bool ReadInt8(IpcIo *io, int8_t *value)
{
    return PopCopy(io, value, sizeof(*value), true);
}

bool ReadInt16(IpcIo *io, int16_t *value)
{
    return PopCopy(io, value, sizeof(*value), true);
}

bool ReadInt32(IpcIo *io, int32_t *value)
{
    return PopCopy(io, value, sizeof(*value), true);
}

bool ReadInt64(IpcIo *io, int64_t *value)
{
    return PopCopy(io, value, sizeof(*value), true);
}

bool ReadUint8(IpcIo *io, uint8_t *value)
{
    return PopCopy(io, value, sizeof(*value), true);
}

bool ReadUint16(IpcIo *io, uint16_t *value)
{
    return PopCopy(io, value, sizeof(*value), true);
}

bool ReadUint32(IpcIo *io, uint32_t *value)
{
    return PopCopy(io, value, sizeof(*value), true);
}

bool ReadUint64(IpcIo *io, uint64_t *value)
{
    return PopCopy(io, value, sizeof(*value), true);
}

bool ReadFloat(IpcIo *io, float *value)
{
    return PopCopy(io, value, sizeof(*value), true);
}

bool ReadDouble(IpcIo *io, double *value)
{
    return PopCopy(io, value, sizeof(*value), true);
}

uintptr_t ReadPointer(IpcIo *io)
{
    uintptr_t value = 0;
    if (!PopCopy(io, &value, sizeof(value), true)) {
        return 0;
    }
    return value;
}

bool ReadBoolUnaligned(IpcIo *io, bool *value)
{
    if (value == NULL) {
        return false;
    }
    const char *ptr = IoPopUnaligned(io, sizeof(bool));
    if (ptr == NULL) {
        return false;
    }
    *value = DecodeBool(ptr);
    return true;
}

bool ReadInt8Unaligned(IpcIo *io, int8_t *value)
{
    return PopCopy(io, value, sizeof(*value), false);
}

bool ReadInt16Unaligned(IpcIo *io, int16_t *value)
{
    return PopCopy(io, value, sizeof(*value), false);
}

bool ReadUInt8Unaligned(IpcIo *io, uint8_t *value)
{
    return PopCopy(io, value, sizeof(*value), false);
}

bool ReadUInt16Unaligned(IpcIo *io, uint16_t *value)
{
    return PopCopy(io, value, sizeof(*value), false);
}

/* ---------------------------------------------------------------- strings */

/*
 * Upstream's WriteBufferAddTerminator: `total` bytes padded to 4, of which
 * the first total - termSize come from value and the rest are zero.  The
 * terminator is written, never read from value (a String16 need not have one).
 */
static bool PushWithTerminator(IpcIo *io, const void *value, size_t total, size_t termSize)
{
    char *ptr = IoPush(io, total);
    if (ptr == NULL) {
        return false;
    }
    memcpy(ptr, value, total - termSize);
    memset(ptr + (total - termSize), 0, termSize);
    return true;
}

bool WriteString(IpcIo *io, const char *value)
{
    if (io == NULL || value == NULL) {
        return false;
    }
    size_t len = strnlen(value, MAX_IO_SIZE);
    if (len == MAX_IO_SIZE) {
        io->flag |= IPC_IO_OVERFLOW;
        return false;
    }
    if (!WriteUint32(io, (uint32_t)len)) {
        return false;
    }
    return PushWithTerminator(io, value, len + 1, sizeof(char));
}

uint8_t *ReadString(IpcIo *io, size_t *len)
{
    uint32_t value;
    if (!ReadUint32(io, &value)) {
        return NULL;
    }
    if (value > MAX_IO_SIZE) {
        return NULL;
    }
    if (len != NULL) {
        *len = value;
    }
    const char *ptr = IoPop(io, (size_t)value + 1);
    if (ptr == NULL) {
        return NULL;
    }
    /* SAFETY: upstream does not check the terminator, so a caller's strlen
     * could run off the buffer.  The string is consumed either way. */
    if (ptr[value] != '\0') {
        return NULL;
    }
    return (uint8_t *)ptr;
}

#define STRING16_MAX_LEN (MAX_IO_SIZE / sizeof(uint16_t) - 1)

bool WriteString16(IpcIo *io, const uint16_t *value, size_t len)
{
    if (io == NULL || value == NULL || len == 0) {
        return false;
    }
    /* SAFETY: upstream computes (len + 1) * 2 unchecked; such a string can
     * never fit, so this is an overflow like any push that does not fit. */
    if (len > STRING16_MAX_LEN) {
        io->flag |= IPC_IO_OVERFLOW;
        return false;
    }
    if (!WriteUint32(io, (uint32_t)len)) {
        return false;
    }
    return PushWithTerminator(io, value, (len + 1) * sizeof(uint16_t), sizeof(uint16_t));
}

uint16_t *ReadString16(IpcIo *io, size_t *len)
{
    uint32_t value;
    if (!ReadUint32(io, &value)) {
        return NULL;
    }
    if (value > STRING16_MAX_LEN) {
        return NULL;
    }
    if (len != NULL) {
        *len = value;
    }
    const char *ptr = IoPop(io, ((size_t)value + 1) * sizeof(uint16_t));
    if (ptr == NULL) {
        return NULL;    /* SAFETY: upstream dereferences the NULL here */
    }
    uint16_t term;
    memcpy(&term, ptr + (size_t)value * sizeof(uint16_t), sizeof(term));
    if (term != 0) {
        return NULL;
    }
    return (uint16_t *)ptr;
}

bool WriteInterfaceToken(IpcIo *io, const uint16_t *name, size_t len)
{
    return WriteString16(io, name, len);
}

uint16_t *ReadInterfaceToken(IpcIo *io, size_t *len)
{
    return ReadString16(io, len);
}

/* ---------------------------------------------------------- buffers, raw */

bool WriteBuffer(IpcIo *io, const void *data, size_t size)
{
    if (io == NULL || data == NULL || size == 0 || size > MAX_IO_SIZE) {
        return false;
    }
    return PushCopy(io, data, size, true);
}

const uint8_t *ReadBuffer(IpcIo *io, size_t size)
{
    return (const uint8_t *)IoPop(io, size);
}

bool WriteRawData(IpcIo *io, const void *data, size_t size)
{
    /* Arguments are checked before the size is written, so a refused call
     * leaves no stray length word behind (upstream could). */
    if (io == NULL || data == NULL || size == 0 || size > MAX_IO_SIZE) {
        return false;
    }
    if (!WriteUint32(io, (uint32_t)size)) {
        return false;
    }
    return WriteBuffer(io, data, size);
}

void *ReadRawData(IpcIo *io, size_t size)
{
    uint32_t len;
    if (!ReadUint32(io, &len)) {
        return NULL;
    }
    /* Compared as size_t: upstream's (uint32_t)size could match a truncated size. */
    if ((size_t)len != size) {
        return NULL;
    }
    return (void *)ReadBuffer(io, len);
}

/* ---------------------------------------------------------------- vectors */

/* count, then count elements of elemSize bytes as one unaligned block */
static bool WriteBlockVector(IpcIo *io, const void *val, size_t count, size_t elemSize)
{
    if (io == NULL || val == NULL || count == 0) {
        return false;
    }
    /* SAFETY: no size_t/uint32 wrap of count * elemSize; cannot fit anyway. */
    if (count > MAX_IO_SIZE / elemSize) {
        io->flag |= IPC_IO_OVERFLOW;
        return false;
    }
    if (!WriteUint32(io, (uint32_t)count)) {
        return false;
    }
    return PushCopy(io, val, count * elemSize, false);
}

static void *ReadBlockVector(IpcIo *io, size_t *size, size_t elemSize, bool checkCount)
{
    if (io == NULL || size == NULL) {
        return NULL;
    }
    uint32_t count;
    if (!ReadUint32(io, &count)) {
        return NULL;
    }
    /* Upstream has no count check for the byte vectors; the pop's own room
     * check bounds them (count * 1 cannot wrap). */
    if (checkCount && count > MAX_IO_SIZE / elemSize) {
        return NULL;
    }
    *size = count;
    return (void *)IoPopUnaligned(io, (size_t)count * elemSize);
}

bool WriteBoolVector(IpcIo *io, const bool *val, size_t size)
{
    if (io == NULL || val == NULL || size == 0) {
        return false;
    }
    if (size > MAX_IO_SIZE / sizeof(int32_t)) {
        io->flag |= IPC_IO_OVERFLOW;
        return false;
    }
    if (!WriteUint32(io, (uint32_t)size)) {
        return false;
    }
    for (size_t i = 0; i < size; i++) {
        if (!WriteBool(io, val[i])) {
            return false;
        }
    }
    return true;
}

bool WriteInt16Vector(IpcIo *io, const int16_t *val, size_t size)
{
    if (io == NULL || val == NULL || size == 0) {
        return false;
    }
    if (size > MAX_IO_SIZE / sizeof(int32_t)) {
        io->flag |= IPC_IO_OVERFLOW;
        return false;
    }
    if (!WriteUint32(io, (uint32_t)size)) {
        return false;
    }
    for (size_t i = 0; i < size; i++) {
        if (!WriteInt16(io, val[i])) {
            return false;
        }
    }
    return true;
}

/*
 * Element-wise vectors come back in a malloc'd array.  SAFETY: the count
 * is bounded before the allocation (the 2026 upstream fix), and an empty
 * vector gives a valid (1-byte) allocation so that NULL always means failure.
 */
bool *ReadBoolVector(IpcIo *io, size_t *size)
{
    if (io == NULL || size == NULL) {
        return NULL;
    }
    uint32_t count;
    if (!ReadUint32(io, &count) || count > MAX_IO_SIZE / sizeof(bool)) {
        return NULL;
    }
    bool *val = malloc(count > 0 ? (size_t)count * sizeof(bool) : 1);
    if (val == NULL) {
        return NULL;
    }
    for (uint32_t i = 0; i < count; i++) {
        int32_t elem;
        if (!ReadInt32(io, &elem)) {
            free(val);
            return NULL;
        }
        val[i] = elem != 0;
    }
    *size = count;
    return val;
}

int16_t *ReadInt16Vector(IpcIo *io, size_t *size)
{
    if (io == NULL || size == NULL) {
        return NULL;
    }
    uint32_t count;
    if (!ReadUint32(io, &count) || count > MAX_IO_SIZE / sizeof(int16_t)) {
        return NULL;
    }
    int16_t *val = malloc(count > 0 ? (size_t)count * sizeof(int16_t) : 1);
    if (val == NULL) {
        return NULL;
    }
    for (uint32_t i = 0; i < count; i++) {
        if (!ReadInt16(io, &val[i])) {
            free(val);
            return NULL;
        }
    }
    *size = count;
    return val;
}

bool WriteInt8Vector(IpcIo *io, const int8_t *val, size_t size)
{
    return WriteBlockVector(io, val, size, sizeof(*val));
}

bool WriteInt32Vector(IpcIo *io, const int32_t *val, size_t size)
{
    return WriteBlockVector(io, val, size, sizeof(*val));
}

bool WriteInt64Vector(IpcIo *io, const int64_t *val, size_t size)
{
    return WriteBlockVector(io, val, size, sizeof(*val));
}

bool WriteUInt8Vector(IpcIo *io, const uint8_t *val, size_t size)
{
    return WriteBlockVector(io, val, size, sizeof(*val));
}

bool WriteUInt16Vector(IpcIo *io, const uint16_t *val, size_t size)
{
    return WriteBlockVector(io, val, size, sizeof(*val));
}

bool WriteUInt32Vector(IpcIo *io, const uint32_t *val, size_t size)
{
    return WriteBlockVector(io, val, size, sizeof(*val));
}

bool WriteUInt64Vector(IpcIo *io, const uint64_t *val, size_t size)
{
    return WriteBlockVector(io, val, size, sizeof(*val));
}

bool WriteFloatVector(IpcIo *io, const float *val, size_t size)
{
    return WriteBlockVector(io, val, size, sizeof(*val));
}

bool WriteDoubleVector(IpcIo *io, const double *val, size_t size)
{
    return WriteBlockVector(io, val, size, sizeof(*val));
}

int8_t *ReadInt8Vector(IpcIo *io, size_t *size)
{
    return ReadBlockVector(io, size, sizeof(int8_t), false);
}

uint8_t *ReadUInt8Vector(IpcIo *io, size_t *size)
{
    return ReadBlockVector(io, size, sizeof(uint8_t), false);
}

int32_t *ReadInt32Vector(IpcIo *io, size_t *size)
{
    return ReadBlockVector(io, size, sizeof(int32_t), true);
}

int64_t *ReadInt64Vector(IpcIo *io, size_t *size)
{
    return ReadBlockVector(io, size, sizeof(int64_t), true);
}

uint16_t *ReadUInt16Vector(IpcIo *io, size_t *size)
{
    return ReadBlockVector(io, size, sizeof(uint16_t), true);
}

uint32_t *ReadUInt32Vector(IpcIo *io, size_t *size)
{
    return ReadBlockVector(io, size, sizeof(uint32_t), true);
}

uint64_t *ReadUInt64Vector(IpcIo *io, size_t *size)
{
    return ReadBlockVector(io, size, sizeof(uint64_t), true);
}

float *ReadFloatVector(IpcIo *io, size_t *size)
{
    return ReadBlockVector(io, size, sizeof(float), true);
}

double *ReadDoubleVector(IpcIo *io, size_t *size)
{
    return ReadBlockVector(io, size, sizeof(double), true);
}

/* -------------------------------------------------------- special objects */

typedef bool (*WriteHookFn)(SvcIdentity *svcInOut);
typedef void (*ReadHookFn)(const SvcIdentity *svc);

static _Atomic(WriteHookFn) g_writeHook;
static _Atomic(ReadHookFn) g_readHook;

void IpcIoSetRemoteObjectHooks(const IpcIoRemoteObjectHooks *hooks)
{
    atomic_store_explicit(&g_writeHook, hooks != NULL ? hooks->writeRemoteObject : NULL,
                          memory_order_release);
    atomic_store_explicit(&g_readHook, hooks != NULL ? hooks->readRemoteObject : NULL,
                          memory_order_release);
}

bool IpcIoHookWriteRemoteObject(SvcIdentity *svcInOut)
{
    WriteHookFn fn = atomic_load_explicit(&g_writeHook, memory_order_acquire);
    return fn == NULL || fn(svcInOut);
}

void IpcIoHookReadRemoteObject(const SvcIdentity *svc)
{
    ReadHookFn fn = atomic_load_explicit(&g_readHook, memory_order_acquire);
    if (fn != NULL) {
        fn(svc);
    }
}

/* Is there room for one more special object?  (No side effect.) */
static bool SpecObjFits(const IpcIo *io)
{
    return IoAvailable(io) && !(io->flag & LIPC_IO_READONLY) && io->offsetsLeft > 0 &&
           io->bufferLeft >= sizeof(SpecialObj);    /* 32: already a multiple of 4 */
}

/*
 * Upstream IoPushSpecObj: the object inline at the (4-aligned) cursor and its
 * offset from bufferBase in the next offsets slot.  Upstream pushes first and
 * then fails (overflow) when no slot is left; checking first gives the same
 * result without writing a stray object.
 */
static bool IoPushSpecObj(IpcIo *io, const SpecialObj *obj)
{
    if (!SpecObjFits(io)) {
        IoFail(io);
        return false;
    }
    char *ptr = IoPush(io, sizeof(SpecialObj));
    if (ptr == NULL) {
        return false;
    }
    memcpy(ptr, obj, sizeof(*obj));
    size_t off = (size_t)(ptr - io->bufferBase);
    memcpy(io->offsetsCur, &off, sizeof(off));
    io->offsetsCur++;
    io->offsetsLeft--;
    return true;
}

/*
 * Upstream IoPopSpecObj: the next offset must equal the read position.
 * SAFETY: the object is also required to be of the expected type (upstream
 * reads whatever union member is asked for); a mismatch fails like a
 * misplaced object (overflow).  The object is copied out, never accessed in
 * place (the buffer is only 4-aligned).
 */
static bool IoPopSpecObj(IpcIo *io, ObjType type, SpecialObj *out)
{
    if (io == NULL) {
        return false;
    }
    if (!IoAvailable(io) || io->offsetsLeft == 0) {
        IoFail(io);
        return false;
    }
    size_t off;
    memcpy(&off, io->offsetsCur, sizeof(off));
    if (off != (size_t)(io->bufferCur - io->bufferBase) || io->bufferLeft < sizeof(SpecialObj)) {
        IoFail(io);
        return false;
    }
    uint32_t wireType;
    memcpy(&wireType, io->bufferCur + offsetof(SpecialObj, type), sizeof(wireType));
    if (wireType != (uint32_t)type) {
        IoFail(io);
        return false;
    }
    const char *ptr = IoPop(io, sizeof(SpecialObj));
    if (ptr == NULL) {
        return false;
    }
    memcpy(out, ptr, sizeof(*out));
    io->offsetsCur++;
    io->offsetsLeft--;
    return true;
}

bool WriteRemoteObject(IpcIo *io, const SvcIdentity *svc)
{
    if (io == NULL || svc == NULL) {
        return false;
    }
    /* Room first, so that the runtime never registers a stub for an object
     * that is then not written. */
    if (!SpecObjFits(io)) {
        IoFail(io);
        return false;
    }
    SvcIdentity copy = *svc;
    if (!IpcIoHookWriteRemoteObject(&copy)) {
        return false;
    }
    /* Field by field into a zeroed object: a struct copy would put the
     * caller's padding bytes (uninitialised stack) on the wire. */
    SpecialObj obj;
    memset(&obj, 0, sizeof(obj));
    obj.type = OBJ_SVC;
    obj.content.svc.handle = copy.handle;
    obj.content.svc.token = copy.token;
    obj.content.svc.cookie = copy.cookie;
    return IoPushSpecObj(io, &obj);
}

bool ReadRemoteObject(IpcIo *io, SvcIdentity *svc)
{
    if (io == NULL || svc == NULL) {
        return false;
    }
    SpecialObj obj;
    if (!IoPopSpecObj(io, OBJ_SVC, &obj)) {
        return false;
    }
    svc->handle = obj.content.svc.handle;
    svc->token = obj.content.svc.token;
    svc->cookie = obj.content.svc.cookie;
    IpcIoHookReadRemoteObject(svc);
    return true;
}

bool WriteFileDescriptor(IpcIo *io, uint32_t fd)
{
    if (io == NULL) {
        return false;
    }
    SpecialObj obj;
    memset(&obj, 0, sizeof(obj));
    obj.type = OBJ_FD;
    obj.content.fd = fd;
    return IoPushSpecObj(io, &obj);
}

int32_t ReadFileDescriptor(IpcIo *io)
{
    SpecialObj obj;
    if (!IoPopSpecObj(io, OBJ_FD, &obj)) {
        return -1;
    }
    return (int32_t)obj.content.fd;
}
