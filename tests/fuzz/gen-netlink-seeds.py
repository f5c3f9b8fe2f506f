#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write the seed corpus of fuzz_netlink (only needed to regenerate it).

Input format of fuzz_netlink: one flags byte (bit 0: check seq 1234 and
portid 5678, bit 1: AF_INET6 dump, bit 2: the per-port view too), then
datagrams as a little-endian u16 length followed by that many bytes.
"""
import os
import struct

AF_INET, AF_INET6 = 2, 10
SOCK_DIAG_BY_FAMILY, NLMSG_NOOP, NLMSG_ERROR, NLMSG_DONE = 20, 1, 2, 3
NLM_F_MULTI, NLM_F_DUMP_INTR = 0x2, 0x10
SEQ, PORT = 1234, 5678


def nlmsg(mtype, payload, flags=NLM_F_MULTI, seq=SEQ, pid=PORT):
    length = 16 + len(payload)
    pad = (4 - length % 4) % 4
    return struct.pack("<IHHII", length, mtype, flags, seq, pid) + payload + b"\0" * pad


def diag(family, state, sport=0, rqueue=0, wqueue=0):
    # inet_diag_msg: family, state, timer, retrans, sockid (48: sport and
    # dport big-endian first), expires, rqueue, wqueue, uid, inode (u32)
    return nlmsg(SOCK_DIAG_BY_FAMILY,
                 struct.pack("<BBBB", family, state, 0, 0) + struct.pack(">H", sport) +
                 b"\0" * 46 + struct.pack("<IIIII", 0, rqueue, wqueue, 0, 0))


def done(err=0):
    return nlmsg(NLMSG_DONE, struct.pack("<i", err))


def error(err):
    return nlmsg(NLMSG_ERROR, struct.pack("<i", err) + struct.pack("<IHHII", 36, 20, 0x301, SEQ, 0), flags=0)


def seed(flags, *dgrams):
    out = bytes([flags])
    for d in dgrams:
        out += struct.pack("<H", len(d)) + d
    return out


SEEDS = {
    "ipv4-dump": seed(1, b"".join(diag(AF_INET, s) for s in range(1, 12)), done()),
    "ipv6-two-datagrams": seed(3, b"".join(diag(AF_INET6, s) for s in (1, 10, 10, 6)),
                               diag(AF_INET6, 3) + nlmsg(NLMSG_NOOP, b""), done()),
    "empty-dump": seed(0, done()),
    "eperm": seed(1, error(-1)),
    "done-error": seed(1, diag(AF_INET, 1) + done(-4)),
    "interrupted": seed(1, nlmsg(SOCK_DIAG_BY_FAMILY, diag(AF_INET, 1)[16:],
                                 flags=NLM_F_MULTI | NLM_F_DUMP_INTR)),
    "odd-states": seed(0, b"".join(diag(AF_INET, s) for s in (0, 12, 13, 255)), done()),
    # --ports: connections before their listeners, a full listener, port 0
    "ports-ipv4": seed(5, diag(AF_INET, 1, 80) + diag(AF_INET, 6, 80) +
                       diag(AF_INET, 10, 80, 3, 2) + diag(AF_INET, 10, 80, 0, 4096) +
                       diag(AF_INET, 10, 22, 0, 128) + diag(AF_INET, 1, 51000),
                       diag(AF_INET, 3, 80) + diag(AF_INET, 10, 0) + done()),
    "ports-ipv6-huge": seed(6, diag(AF_INET6, 10, 65535, 0xffffffff, 0xfffffffe) +
                            diag(AF_INET6, 10, 65535, 0xfffffffe, 0xffffffff) +
                            diag(AF_INET6, 10, 443, 1, 0), done()),
}

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "netlink")
os.makedirs(here, exist_ok=True)
for name, data in SEEDS.items():
    with open(os.path.join(here, name), "wb") as f:
        f.write(data)
