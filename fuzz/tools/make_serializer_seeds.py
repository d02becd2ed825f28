#!/usr/bin/env python3
"""Writes the hand-made seed inputs of fuzz/corpus/serializer (seed-*).

Input layout: see fuzz/serializer_fuzz.c.  Op numbers follow its enum.
"""
import os
import struct
import sys

OPS = ("BOOL INT8 INT16 INT32 INT64 UINT8 UINT16 UINT32 UINT64 FLOAT DOUBLE POINTER "
       "BOOL_U INT8_U INT16_U UINT8_U UINT16_U STRING STRING16 TOKEN BUFFER RAW V_BOOL "
       "V_INT8 V_INT16 V_INT32 V_INT64 V_UINT8 V_UINT16 V_UINT32 V_UINT64 V_FLOAT V_DOUBLE "
       "REMOTE FD APPEND STRING_NOLEN NULL_ARGS").split()
OP = {name: i for i, name in enumerate(OPS)}


def pad4(b):
    return b + b"\0" * (-len(b) % 4)


def u32(v):
    return struct.pack("<I", v)


def string(s):
    b = s.encode()
    return u32(len(b)) + pad4(b + b"\0")


def string16(s):
    units = s.encode("utf-16-le")
    return u32(len(units) // 2) + pad4(units + b"\0\0")


def svc_obj(handle, token, cookie):
    # SpecialObj on x86-64: uint32 type, 4 pad, SvcIdentity {int32, pad, u64, u64}
    return struct.pack("<Ii", 2, 0) + struct.pack("<i4xQQ", handle, token, cookie)


def fd_obj(fd):
    return struct.pack("<II", 0, 0) + struct.pack("<I20x", fd)


def seed(ops, data, offsets=(), head=0):
    out = bytes([head | len(offsets)])
    for off in offsets:
        out += struct.pack("<H", off)
    opb = b""
    for op in ops:
        if isinstance(op, tuple):        # (name, uint16 size)
            opb += bytes([OP[op[0]]]) + struct.pack("<H", op[1])
        else:
            opb += bytes([OP[op]])
    return out + bytes([len(opb)]) + opb + data


def main(dest):
    seeds = {
        "scalars": seed(["INT32", "BOOL", "INT8", "INT16", "UINT8", "UINT16", "UINT32",
                         "INT64", "UINT64", "FLOAT", "DOUBLE", "POINTER"],
                        struct.pack("<iiiiIIIqQfdQ", -5, 1, -2, -3, 200, 60000, 7, -9, 9,
                                    1.5, 2.5, 0x1234)),
        "unaligned": seed(["BOOL_U", "INT8_U", "INT16_U", "UINT8_U", "UINT16_U", "INT32"],
                          struct.pack("<BbhBH", 1, -1, -300, 255, 65535) + u32(42)),
        "strings": seed(["STRING", "STRING16", "TOKEN", "STRING_NOLEN"],
                        string("hello") + string16("ohos.ITest") + string16("tok")
                        + string("")),
        "buffers": seed([("BUFFER", 6), ("RAW", 5)],
                        pad4(b"abcdef") + u32(5) + pad4(b"12345")),
        "vectors_elem": seed(["V_BOOL", "V_INT16"],
                             u32(3) + struct.pack("<iii", 1, 0, 1)
                             + u32(2) + struct.pack("<ii", -7, 300)),
        "vectors_block": seed(["V_INT8", "V_UINT8", "V_UINT16", "V_INT32", "V_INT64",
                               "V_UINT32", "V_UINT64", "V_FLOAT", "V_DOUBLE"],
                              u32(3) + b"\x01\x02\x03" + u32(1) + b"\xff"
                              + u32(1) + b"\x01\x00" + u32(1) + u32(9)
                              + u32(1) + struct.pack("<q", -1) + u32(1) + u32(3)
                              + u32(1) + struct.pack("<Q", 4) + u32(1) + struct.pack("<f", 1.0)
                              + u32(1) + struct.pack("<d", 2.0)),
        "objects": seed(["INT32", "REMOTE", "FD", "REMOTE"],
                        u32(1) + svc_obj(5, 1, 0xdead) + fd_obj(3) + svc_obj(-1, 0, 7),
                        offsets=(4, 36, 68)),
        "append": seed(["INT32", "REMOTE", "APPEND", "STRING"],
                       u32(1) + svc_obj(9, 2, 3) + string("tail"), offsets=(4,)),
        "null_args": seed(["NULL_ARGS", "INT32", "NULL_ARGS"], u32(1)),
        "refusing_hook": seed(["REMOTE"], svc_obj(-1, 1, 0x1000), offsets=(0,), head=0x80),
    }
    os.makedirs(dest, exist_ok=True)
    for name, blob in seeds.items():
        with open(os.path.join(dest, "seed-" + name), "wb") as f:
            f.write(blob)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else
         os.path.join(os.path.dirname(__file__), "..", "corpus", "serializer"))
