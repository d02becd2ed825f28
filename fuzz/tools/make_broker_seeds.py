#!/usr/bin/env python3
"""Writes the hand-made seed-* inputs of fuzz/corpus/broker (see the input
format at the top of fuzz/broker_fuzz.c).  Usage: make_broker_seeds.py DIR"""
import struct
import sys

TID, PID, HELPER = 0xFFFFFFF1, 0xFFFFFFF2, 0xFFFFFFF3
HANGUP = 0x3F
HELLO_PROC, HELLO_THREAD, MMAP, SET_CMS, CMS_CMD, SET_IPC_THREAD, SEND, ROUTE, TASK_ALIVE, UNKNOWN_OP = range(1, 11)
REQ, REPLY, FAILED = 0, 1, 2
OBJ_FD, OBJ_PTR, OBJ_SVC = 0, 1, 2
CMS_GEN_HANDLE, CMS_REMOVE_HANDLE, CMS_ADD_ACCESS = 0, 1, 2


def pkt(conn, op, payload=b"", nfds=0):
    return struct.pack("<BBHB", conn, op, len(payload), nfds) + payload


def wire(typ=REQ, code=1, flag=0, data=b"", offs=(), ptrs=b"", handle=0, ts=1, pid=0, nfds=0, wflags=1,
         ticket=0):
    wm = struct.pack("<IIIIIIIIQQQIIIIIIIIQ", typ, code, flag, len(data), len(offs), len(ptrs), handle, 0,
                     0, 0, ts, pid, 0, 0, 0, nfds, 0, wflags, 0, ticket)
    return wm + data + b"".join(struct.pack("<Q", o) for o in offs) + ptrs


def sobj(typ, a=0, b=0, c=0):
    # SpecialObj (32 bytes): ObjType type, then at offset 8 a union
    # (fd / {buffSz, buff} / {handle, token, cookie})
    return struct.pack("<I4xI4xQQ", typ, a, b, c)


def cms(cmd, task=0, handle=0):
    return struct.pack("<III", cmd, task, handle)


seeds = {}
seeds["seed-handshake-only"] = b"\x01"
seeds["seed-manual-handshake"] = b"\x00" + pkt(0, HELLO_PROC) + pkt(0, MMAP, struct.pack("<Q", 65536)) + \
    pkt(1, HELLO_THREAD, struct.pack("<I", TID)) + pkt(1, SET_CMS, struct.pack("<Q", 4096))
seeds["seed-cms-cmds"] = b"\x03" + pkt(1, CMS_CMD, cms(CMS_GEN_HANDLE, 0)) + \
    pkt(1, CMS_CMD, cms(CMS_GEN_HANDLE, TID)) + pkt(1, CMS_CMD, cms(CMS_ADD_ACCESS, TID, TID)) + \
    pkt(1, CMS_CMD, cms(CMS_REMOVE_HANDLE, 0, 5)) + pkt(1, SET_IPC_THREAD) + pkt(1, SET_IPC_THREAD)
seeds["seed-route"] = b"\x03" + pkt(1, ROUTE, struct.pack("<IIII", 0, 0, 0, 0)) + \
    pkt(1, ROUTE, struct.pack("<IIII", TID, 0, 0, 0)) + pkt(1, ROUTE, struct.pack("<IIII", TID, 1, PID, 0)) + \
    pkt(1, ROUTE, struct.pack("<IIII", TID, 0, 0, 0))
seeds["seed-send-plain"] = b"\x03" + pkt(1, SEND, wire(data=b"hello")) + \
    pkt(1, SEND, wire(typ=REPLY, handle=TID, pid=PID, data=b"r")) + \
    pkt(1, SEND, wire(typ=FAILED, handle=TID, pid=PID))
so_fd = sobj(OBJ_FD, 0)
so_ptr = sobj(OBJ_PTR, 8, 0x1000)
so_svc = sobj(OBJ_SVC, TID, 0)
so_self = sobj(OBJ_SVC, 0xFFFFFFFF, 1)
data = so_fd + so_ptr + so_svc + so_self
seeds["seed-send-objects"] = b"\x03" + pkt(1, SEND, wire(data=data, offs=(0, 32, 64, 96), ptrs=b"P" * 8, nfds=1), 1)
seeds["seed-send-objects2"] = b"\x03" + pkt(1, SEND, wire(data=so_fd + so_ptr + so_svc, offs=(0, 32, 64),
                                                        ptrs=b"P" * 8, nfds=1), 1)
seeds["seed-send-bad"] = b"\x03" + pkt(1, SEND, wire(data=so_fd, offs=(0,), nfds=1), 0) + \
    pkt(1, SEND, wire(data=so_ptr, offs=(0,), ptrs=b"")) + pkt(1, SEND, wire(handle=0xFFFFFFFF)) + \
    pkt(1, SEND, wire(typ=7)) + pkt(1, SEND, b"\0" * 10)
seeds["seed-wrong-conn"] = b"\x01" + pkt(0, SEND, wire()) + pkt(2, ROUTE, b"\0" * 16) + pkt(2, HELLO_PROC) + \
    pkt(2, HELLO_THREAD, struct.pack("<I", TID)) + pkt(0, HELLO_PROC) + pkt(1, MMAP, struct.pack("<Q", 1))
seeds["seed-big-pool"] = b"\x00" + pkt(0, HELLO_PROC) + pkt(0, MMAP, struct.pack("<Q", (1 << 32) + 4096)) + \
    pkt(1, HELLO_THREAD, struct.pack("<I", TID)) + pkt(1, SET_CMS, struct.pack("<Q", 4096)) + \
    pkt(1, ROUTE, struct.pack("<IIII", TID, 0, 0, 0))
seeds["seed-events"] = b"\x03" + pkt(1, 0x81) + pkt(1, 0x40) + pkt(1, TASK_ALIVE, struct.pack("<i", TID)) + \
    pkt(1, UNKNOWN_OP)

seeds["seed-two-tasks"] = b"\x03" + pkt(2, HELLO_THREAD, struct.pack("<I", HELPER)) + \
    pkt(1, SEND, wire(data=b"x", handle=HELPER)) + pkt(2, SEND, wire(typ=REPLY, handle=TID, pid=PID, ts=1)) + \
    pkt(1, SEND, wire(data=b"y", handle=HELPER, ts=2)) + pkt(2, HANGUP)
# a task without a connection (the CMS thread hung up; its thread is alive): events wait in its
# pending queue until it connects again (flush) or its process dies (failed replies)
seeds["seed-pending"] = b"\x01" + pkt(2, HELLO_THREAD, struct.pack("<I", HELPER)) + \
    pkt(2, SET_CMS, struct.pack("<Q", 4096)) + pkt(2, HANGUP) + pkt(1, SEND, wire(data=b"p1")) + \
    pkt(1, SEND, wire(data=b"p2", wflags=0)) + pkt(3, HELLO_THREAD, struct.pack("<I", HELPER)) + \
    pkt(3, SET_IPC_THREAD) + pkt(3, SEND, wire(typ=REPLY, handle=TID, pid=PID, ts=1))
seeds["seed-pending-death"] = b"\x01" + pkt(2, HELLO_THREAD, struct.pack("<I", HELPER)) + \
    pkt(2, SET_CMS, struct.pack("<Q", 4096)) + pkt(2, HANGUP) + pkt(1, SEND, wire(data=b"p1")) + \
    pkt(1, SEND, wire(data=b"p2", ts=2)) + pkt(0, HANGUP) + pkt(1, SEND, wire(data=b"p3"))
seeds["seed-cms-grant"] = b"\x03" + pkt(1, CMS_CMD, cms(CMS_GEN_HANDLE, HELPER)) + \
    pkt(1, CMS_CMD, cms(CMS_ADD_ACCESS, HELPER, HELPER)) + pkt(2, HELLO_THREAD, struct.pack("<I", HELPER)) + \
    pkt(2, SEND, wire(data=sobj(OBJ_SVC, HELPER, 0), offs=(0,), handle=0))

out = sys.argv[1]
for name, d in seeds.items():
    with open(f"{out}/{name}", "wb") as f:
        f.write(d)
