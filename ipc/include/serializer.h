/*
 * serializer.h - the IpcIo serializer of OpenHarmony's C IPC library
 * (communication_ipc, ipc/native/c, library "ipc_single"), for liteipc.
 *
 * Names, types, constants and wire format are upstream's, so OpenHarmony
 * code compiles against this header unchanged.  ipc/SERIALIZER.md documents
 * the wire format and every place where this implementation is stricter
 * than upstream (it never reads or writes outside the buffer).
 *
 * Model.  An IpcIo is a cursor over caller-provided memory:
 *   IpcIoInit(io, buf, size, maxobjects) puts an array of `maxobjects`
 *   size_t offsets at the start of `buf`; the data area follows it.
 * Every Write* appends at bufferCur, every Read* consumes at bufferCur.
 * Aligned operations round their size up to 4 bytes (the padding is
 * written as zeroes); the *Unaligned variants and the one-block vectors
 * advance by the exact size.  Bool/Int8/Int16/Uint8/Uint16 are widened to
 * 4 bytes by the aligned writes.
 *
 * Errors.  Write* return false, Read* return false / NULL / 0 / -1.  A push
 * or pop that does not fit sets IPC_IO_OVERFLOW, which is sticky: every
 * later operation on that io fails.  Argument errors (NULL pointers, zero
 * sizes) fail without touching the io.
 *
 * Ownership.  The IpcIo never owns memory.  Pointers returned by ReadString,
 * ReadString16, ReadInterfaceToken, ReadBuffer, ReadRawData and the
 * Int8/UInt8/UInt16/Int32/Int64/UInt32/UInt64/Float/Double vector reads
 * point INTO the io's buffer
 * (valid as long as that buffer is, not necessarily aligned for their
 * type: copy them with memcpy when in doubt).  ReadBoolVector and
 * ReadInt16Vector return malloc'd arrays the caller must free().
 *
 * Thread safety: an IpcIo is used by one thread at a time.
 */
#ifndef LIPC_SERIALIZER_H
#define LIPC_SERIALIZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lipc_svc_identity.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef LIPC_IPC_EXPORT
#define LIPC_IPC_EXPORT __attribute__((visibility("default")))
#endif

#define IPC_IO_INITIALIZED 0x01 /* io was set up by IpcIoInit / a message */
#define IPC_IO_OVERFLOW    0x02 /* a push or pop failed; sticky */

#define MAX_IO_SIZE 8192UL      /* largest buffer IpcIoInit accepts */
#define MAX_OBJ_NUM 32UL        /* largest maxobjects IpcIoInit accepts */

typedef struct {
    char *bufferBase;       /* start of the data area */
    size_t *offsetsBase;    /* start of the special-object offsets array */
    char *bufferCur;        /* next byte to write / read */
    size_t *offsetsCur;     /* next offset slot to write / read */
    size_t bufferLeft;      /* bytes left after bufferCur */
    size_t offsetsLeft;     /* offset slots left after offsetsCur */
    uint32_t flag;          /* IPC_IO_INITIALIZED | IPC_IO_OVERFLOW */
} IpcIo;

/*
 * Sets io up over buffer[0, bufferSize): maxobjects size_t offset slots at
 * the front, data after them.  Returns WITHOUT TOUCHING io when io or buffer
 * is NULL, bufferSize is 0 or > MAX_IO_SIZE, or maxobjects > MAX_OBJ_NUM (as
 * upstream: initialise the io yourself if you need a defined state).  When
 * the offsets do not fit (maxobjects * sizeof(size_t) > bufferSize) the io
 * becomes flag = IPC_IO_OVERFLOW with no room.  The buffer must outlive io.
 */
LIPC_IPC_EXPORT void IpcIoInit(IpcIo *io, void *buffer, size_t bufferSize, size_t maxobjects);

/*
 * Appends src's written bytes (4-aligned push) and special-object offsets
 * (shifted to their new position) to dst.  Both must be available; fails
 * (dst untouched) when dst lacks room or src has offsets but no bytes.
 */
LIPC_IPC_EXPORT bool IpcIoAppend(IpcIo *dst, IpcIo *src);

/* Special objects: need a free offset slot (IpcIoInit(..., maxobjects >= n)). */
LIPC_IPC_EXPORT bool WriteRemoteObject(IpcIo *io, const SvcIdentity *svc);
LIPC_IPC_EXPORT bool WriteFileDescriptor(IpcIo *io, uint32_t fd);
LIPC_IPC_EXPORT bool ReadRemoteObject(IpcIo *io, SvcIdentity *svc);
LIPC_IPC_EXPORT int32_t ReadFileDescriptor(IpcIo *io);     /* -1 on failure */

/* Scalars.  Bool/Int8/Int16/Uint8/Uint16 take 4 bytes on the wire. */
LIPC_IPC_EXPORT bool WriteBool(IpcIo *io, bool value);
LIPC_IPC_EXPORT bool WriteInt8(IpcIo *io, int8_t value);
LIPC_IPC_EXPORT bool WriteInt16(IpcIo *io, int16_t value);
LIPC_IPC_EXPORT bool WriteInt32(IpcIo *io, int32_t value);
LIPC_IPC_EXPORT bool WriteInt64(IpcIo *io, int64_t value);
LIPC_IPC_EXPORT bool WriteUint8(IpcIo *io, uint8_t value);
LIPC_IPC_EXPORT bool WriteUint16(IpcIo *io, uint16_t value);
LIPC_IPC_EXPORT bool WriteUint32(IpcIo *io, uint32_t value);
LIPC_IPC_EXPORT bool WriteUint64(IpcIo *io, uint64_t value);
LIPC_IPC_EXPORT bool WriteFloat(IpcIo *io, float value);
LIPC_IPC_EXPORT bool WriteDouble(IpcIo *io, double value);
LIPC_IPC_EXPORT bool WritePointer(IpcIo *io, uintptr_t value);

/* Exact width, no padding: the cursor may be left unaligned. */
LIPC_IPC_EXPORT bool WriteBoolUnaligned(IpcIo *io, bool value);
LIPC_IPC_EXPORT bool WriteInt8Unaligned(IpcIo *io, int8_t value);
LIPC_IPC_EXPORT bool WriteInt16Unaligned(IpcIo *io, int16_t value);
LIPC_IPC_EXPORT bool WriteUint8Unaligned(IpcIo *io, uint8_t value);
LIPC_IPC_EXPORT bool WriteUint16Unaligned(IpcIo *io, uint16_t value);

LIPC_IPC_EXPORT bool ReadBool(IpcIo *io, bool *value);
LIPC_IPC_EXPORT bool ReadInt8(IpcIo *io, int8_t *value);
LIPC_IPC_EXPORT bool ReadInt16(IpcIo *io, int16_t *value);
LIPC_IPC_EXPORT bool ReadInt32(IpcIo *io, int32_t *value);
LIPC_IPC_EXPORT bool ReadInt64(IpcIo *io, int64_t *value);
LIPC_IPC_EXPORT bool ReadUint8(IpcIo *io, uint8_t *value);
LIPC_IPC_EXPORT bool ReadUint16(IpcIo *io, uint16_t *value);
LIPC_IPC_EXPORT bool ReadUint32(IpcIo *io, uint32_t *value);
LIPC_IPC_EXPORT bool ReadUint64(IpcIo *io, uint64_t *value);
LIPC_IPC_EXPORT bool ReadFloat(IpcIo *io, float *value);
LIPC_IPC_EXPORT bool ReadDouble(IpcIo *io, double *value);
LIPC_IPC_EXPORT uintptr_t ReadPointer(IpcIo *io);         /* 0 on failure */

/* Upstream spells these "UInt" (capital I). */
LIPC_IPC_EXPORT bool ReadBoolUnaligned(IpcIo *io, bool *value);
LIPC_IPC_EXPORT bool ReadInt8Unaligned(IpcIo *io, int8_t *value);
LIPC_IPC_EXPORT bool ReadInt16Unaligned(IpcIo *io, int16_t *value);
LIPC_IPC_EXPORT bool ReadUInt8Unaligned(IpcIo *io, uint8_t *value);
LIPC_IPC_EXPORT bool ReadUInt16Unaligned(IpcIo *io, uint16_t *value);

/*
 * Strings: uint32 len, then len+1 bytes (with the NUL) zero-padded to 4.
 * ReadString returns a pointer into the buffer (NUL-terminated: this
 * implementation checks it) and stores len in *len when len is non-NULL.
 */
LIPC_IPC_EXPORT bool WriteString(IpcIo *io, const char *value);
LIPC_IPC_EXPORT uint8_t *ReadString(IpcIo *io, size_t *len);

/* UTF-16: uint32 len (> 0), then (len+1)*2 bytes with a zero terminator, padded. */
LIPC_IPC_EXPORT bool WriteString16(IpcIo *io, const uint16_t *value, size_t len);
LIPC_IPC_EXPORT uint16_t *ReadString16(IpcIo *io, size_t *len);
LIPC_IPC_EXPORT bool WriteInterfaceToken(IpcIo *io, const uint16_t *name, size_t len);
LIPC_IPC_EXPORT uint16_t *ReadInterfaceToken(IpcIo *io, size_t *len);

/* Raw bytes zero-padded to 4, no length prefix. */
LIPC_IPC_EXPORT bool WriteBuffer(IpcIo *io, const void *data, size_t size);
LIPC_IPC_EXPORT const uint8_t *ReadBuffer(IpcIo *io, size_t size);
/* uint32 size + WriteBuffer; ReadRawData needs the stored size to equal size. */
LIPC_IPC_EXPORT bool WriteRawData(IpcIo *io, const void *data, size_t size);
LIPC_IPC_EXPORT void *ReadRawData(IpcIo *io, size_t size);

/*
 * Vectors: uint32 count, then the elements.  Bool and Int16 elements are
 * 4-byte ints each and their reads return a malloc'd array (caller frees);
 * the others are one unaligned block and their reads point into the buffer.
 * Writes need size > 0.
 */
LIPC_IPC_EXPORT bool WriteBoolVector(IpcIo *io, const bool *val, size_t size);
LIPC_IPC_EXPORT bool WriteInt8Vector(IpcIo *io, const int8_t *val, size_t size);
LIPC_IPC_EXPORT bool WriteInt16Vector(IpcIo *io, const int16_t *val, size_t size);
LIPC_IPC_EXPORT bool WriteInt32Vector(IpcIo *io, const int32_t *val, size_t size);
LIPC_IPC_EXPORT bool WriteInt64Vector(IpcIo *io, const int64_t *val, size_t size);
LIPC_IPC_EXPORT bool WriteUInt8Vector(IpcIo *io, const uint8_t *val, size_t size);
LIPC_IPC_EXPORT bool WriteUInt16Vector(IpcIo *io, const uint16_t *val, size_t size);
LIPC_IPC_EXPORT bool WriteUInt32Vector(IpcIo *io, const uint32_t *val, size_t size);
LIPC_IPC_EXPORT bool WriteUInt64Vector(IpcIo *io, const uint64_t *val, size_t size);
LIPC_IPC_EXPORT bool WriteFloatVector(IpcIo *io, const float *val, size_t size);
LIPC_IPC_EXPORT bool WriteDoubleVector(IpcIo *io, const double *val, size_t size);

LIPC_IPC_EXPORT bool *ReadBoolVector(IpcIo *io, size_t *size);       /* malloc'd */
LIPC_IPC_EXPORT int8_t *ReadInt8Vector(IpcIo *io, size_t *size);
LIPC_IPC_EXPORT int16_t *ReadInt16Vector(IpcIo *io, size_t *size);   /* malloc'd */
LIPC_IPC_EXPORT int32_t *ReadInt32Vector(IpcIo *io, size_t *size);
LIPC_IPC_EXPORT int64_t *ReadInt64Vector(IpcIo *io, size_t *size);
LIPC_IPC_EXPORT uint8_t *ReadUInt8Vector(IpcIo *io, size_t *size);
LIPC_IPC_EXPORT uint16_t *ReadUInt16Vector(IpcIo *io, size_t *size);
LIPC_IPC_EXPORT uint32_t *ReadUInt32Vector(IpcIo *io, size_t *size);
LIPC_IPC_EXPORT uint64_t *ReadUInt64Vector(IpcIo *io, size_t *size);
LIPC_IPC_EXPORT float *ReadFloatVector(IpcIo *io, size_t *size);
LIPC_IPC_EXPORT double *ReadDoubleVector(IpcIo *io, size_t *size);

#ifdef __cplusplus
}
#endif
#endif /* LIPC_SERIALIZER_H */
