"""Pack sensor readings from stdin into a binary blob with struct, hex-dump it, decode it back.

Input lines: SENSOR_ID TEMPERATURE_C HUMIDITY_PCT, e.g. "1001 21.5 45". Layout: header
"SENS", version u8, count u16, then per record u16 id, i16 tenths of a degree, u8 humidity.
Usage: struct_record_hexdump.py [--big]  (big-endian; default little-endian).
Exit 2 on malformed input, 3 when a value does not fit its binary field.
"""
import struct
import sys
import zlib

HEADER = "4sBH"
RECORD = "HhB"


def parse_reading(number, line):
    parts = line.split()
    if len(parts) != 3 or len(parts[1].partition(".")[2]) > 1:
        raise ValueError(f"line {number}: expected 'ID TEMP HUMIDITY' with TEMP to 0.1 degree")
    return int(parts[0]), round(float(parts[1]) * 10), int(parts[2])


def hex_dump(blob):
    for offset in range(0, len(blob), 16):
        row = blob[offset:offset + 16]
        hex_part = " ".join(f"{b:02x}" for b in row[:8]) + "  " + " ".join(f"{b:02x}" for b in row[8:])
        text = "".join(chr(b) if 32 <= b < 127 else "." for b in row)
        print(f"{offset:08x}  {hex_part:<48}  |{text}|")


def main():
    if sys.argv[1:] not in ([], ["--big"]):
        print("usage: struct_record_hexdump.py [--big]", file=sys.stderr)
        sys.exit(2)
    order = ">" if sys.argv[1:] == ["--big"] else "<"
    try:
        readings = [parse_reading(number, line)
                    for number, line in enumerate(sys.stdin, start=1) if line.strip()]
    except (ValueError, OverflowError) as error:
        print(f"error: {error}")
        sys.exit(2)
    blob = bytearray(struct.pack(order + HEADER, b"SENS", 1, len(readings)))
    for index, reading in enumerate(readings, start=1):
        try:
            blob += struct.pack(order + RECORD, *reading)
        except struct.error:
            print(f"error: record {index} {reading} does not fit fields {RECORD}")
            sys.exit(3)
    endian = "big" if order == ">" else "little"
    print(f"{len(readings)} record(s), {len(blob)} bytes, {endian}-endian, "
          f"crc32 {zlib.crc32(blob):08x}")
    hex_dump(blob)
    magic, version, count = struct.unpack_from(order + HEADER, blob)
    print(f"decoded: magic={magic.decode()} version={version} count={count}")
    size = struct.calcsize(order + RECORD)
    for sensor, tenths, humidity in struct.iter_unpack(order + RECORD, blob[7:7 + count * size]):
        print(f"  sensor {sensor:>5}  {tenths / 10:6.1f} C  {humidity:>3}%")


if __name__ == "__main__":
    main()
