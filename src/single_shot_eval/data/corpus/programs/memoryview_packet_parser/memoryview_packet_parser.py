"""Decode a stream of binary packets given as hex on stdin, slicing it with memoryview.

Packet: magic 0xA5, version u8 (=1), type u8, flags u8, payload length u16 big-endian,
payload, checksum u8 (sum of all previous packet bytes, mod 256). Bytes before a magic byte
are skipped as garbage. SAMPLES payloads are native-endian u16 values read with
memoryview.cast("H"). Exit 2: bad hex, 3: truncated packet, 4: any checksum mismatch.
"""
import struct
import sys

TYPES = {1: "PING", 2: "TEXT", 3: "ACK", 4: "SAMPLES"}
FLAGS = ((0x01, "ACK_REQ"), (0x02, "URGENT"), (0x80, "LAST"))
HEADER = struct.Struct(">BBBBH")


def describe_payload(kind, payload):
    if kind == 4:
        if len(payload) % 2:
            return f"odd SAMPLES length {len(payload)}"
        return f"samples={list(payload.cast('H'))}"
    text = "".join(chr(b) if 32 <= b < 127 else "." for b in payload)
    return f"payload={payload.hex()} '{text}'"


def main():
    try:
        data = bytes.fromhex("".join(sys.stdin.read().split()))
    except ValueError:
        print("error: input is not valid hex")
        sys.exit(2)
    view, offset, garbage, bad_checksums, count = memoryview(data), 0, 0, 0, 0
    while offset < len(view):
        if view[offset] != 0xA5:
            offset, garbage = offset + 1, garbage + 1
            continue
        if len(view) - offset < HEADER.size + 1:
            print(f"error: truncated header at offset {offset}")
            sys.exit(3)
        _, version, kind, flags, length = HEADER.unpack_from(view, offset)
        end = offset + HEADER.size + length
        if end + 1 > len(view):
            print(f"error: packet at offset {offset} needs {end + 1 - offset} bytes, "
                  f"{len(view) - offset} left")
            sys.exit(3)
        payload = view[offset + HEADER.size:end]
        expected, actual = sum(view[offset:end]) % 256, view[end]
        names = "|".join(name for bit, name in FLAGS if flags & bit) or "-"
        count += 1
        print(f"#{count} @{offset} v{version} {TYPES.get(kind, f'TYPE{kind}')} [{names}] "
              f"len={length} {describe_payload(kind, payload)}")
        if expected != actual:
            bad_checksums += 1
            print(f"   checksum mismatch: expected {expected:#04x}, got {actual:#04x}")
        offset = end + 1
    print(f"{count} packet(s), {garbage} garbage byte(s), {bad_checksums} bad checksum(s)")
    if bad_checksums:
        sys.exit(4)


if __name__ == "__main__":
    main()
