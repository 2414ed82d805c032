//! Pack sensor readings from stdin into a binary blob, hex-dump it, decode it back.
//! Input lines: SENSOR_ID TEMPERATURE_C HUMIDITY_PCT, e.g. "1001 21.5 45". Layout: header
//! "SENS", version u8, count u16, then per record u16 id, i16 tenths of a degree, u8 humidity.
//! Usage: struct_record_hexdump [--big]  (big-endian; default little-endian).
//! Exit 2 on malformed input, 3 when a value does not fit its binary field.
use std::io::BufRead;
use std::process;

const HEADER_BYTES: usize = 7;
const RECORD_BYTES: usize = 5;

#[derive(Clone, Copy, PartialEq)]
enum Endian {
    Little,
    Big,
}

/// One reading as parsed (Python ints, so wider than the binary fields).
type Reading = (i128, i128, i128);

fn python_int(text: &str) -> Result<i128, String> {
    text.parse()
        .map_err(|_| format!("invalid literal for int() with base 10: '{text}'"))
}

fn parse_reading(number: usize, line: &str) -> Result<Reading, String> {
    let parts: Vec<&str> = line.split_whitespace().collect();
    let decimals = parts
        .get(1)
        .map_or(0, |text| text.split_once('.').map_or(0, |(_, d)| d.len()));
    if parts.len() != 3 || decimals > 1 {
        return Err(format!(
            "line {number}: expected 'ID TEMP HUMIDITY' with TEMP to 0.1 degree"
        ));
    }
    let sensor = python_int(parts[0])?;
    let degrees: f64 = parts[1]
        .parse()
        .map_err(|_| format!("could not convert string to float: '{}'", parts[1]))?;
    let scaled = degrees * 10.0;
    if scaled.is_nan() {
        return Err("cannot convert float NaN to integer".to_string());
    }
    if scaled.is_infinite() {
        return Err("cannot convert float infinity to integer".to_string());
    }
    let tenths = scaled.round_ties_even() as i128;
    Ok((sensor, tenths, python_int(parts[2])?))
}

fn put_u16(blob: &mut Vec<u8>, value: u16, endian: Endian) {
    blob.extend(if endian == Endian::Big {
        value.to_be_bytes()
    } else {
        value.to_le_bytes()
    });
}

fn get_u16(bytes: &[u8], endian: Endian) -> u16 {
    let pair = [bytes[0], bytes[1]];
    if endian == Endian::Big {
        u16::from_be_bytes(pair)
    } else {
        u16::from_le_bytes(pair)
    }
}

/// Append one record, or None when a value does not fit (Python's struct.error).
fn pack_record(
    blob: &mut Vec<u8>,
    (sensor, tenths, humidity): Reading,
    endian: Endian,
) -> Option<()> {
    let sensor = u16::try_from(sensor).ok()?;
    let tenths = i16::try_from(tenths).ok()?;
    let humidity = u8::try_from(humidity).ok()?;
    put_u16(blob, sensor, endian);
    put_u16(blob, tenths as u16, endian);
    blob.push(humidity);
    Some(())
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFF_u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn hex_dump(blob: &[u8]) {
    for (row_index, row) in blob.chunks(16).enumerate() {
        let hex = |part: &[u8]| {
            part.iter()
                .map(|b| format!("{b:02x}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let hex_part = format!(
            "{}  {}",
            hex(&row[..row.len().min(8)]),
            hex(&row[row.len().min(8)..])
        );
        let text: String = row
            .iter()
            .map(|&b| {
                if (32..127).contains(&b) {
                    b as char
                } else {
                    '.'
                }
            })
            .collect();
        println!("{:08x}  {hex_part:<48}  |{text}|", row_index * 16);
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let endian = match args.as_slice() {
        [] => Endian::Little,
        [flag] if flag == "--big" => Endian::Big,
        _ => {
            eprintln!("usage: struct_record_hexdump.py [--big]");
            process::exit(2);
        }
    };
    let mut readings: Vec<Reading> = Vec::new();
    for (index, line) in std::io::stdin().lock().lines().enumerate() {
        let line = line.expect("stdin is not valid UTF-8");
        if line.trim().is_empty() {
            continue;
        }
        match parse_reading(index + 1, &line) {
            Ok(reading) => readings.push(reading),
            Err(message) => {
                println!("error: {message}");
                process::exit(2);
            }
        }
    }
    let mut blob = b"SENS".to_vec();
    blob.push(1);
    let Ok(count) = u16::try_from(readings.len()) else {
        eprintln!("struct.error: too many records for a u16 count");
        process::exit(1);
    };
    put_u16(&mut blob, count, endian);
    for (index, reading) in readings.iter().enumerate() {
        if pack_record(&mut blob, *reading, endian).is_none() {
            println!(
                "error: record {} {reading:?} does not fit fields HhB",
                index + 1
            );
            process::exit(3);
        }
    }
    let endian_name = if endian == Endian::Big {
        "big"
    } else {
        "little"
    };
    println!(
        "{} record(s), {} bytes, {endian_name}-endian, crc32 {:08x}",
        readings.len(),
        blob.len(),
        crc32(&blob)
    );
    hex_dump(&blob);
    let magic = String::from_utf8_lossy(&blob[..4]);
    let decoded_count = get_u16(&blob[5..7], endian) as usize;
    println!(
        "decoded: magic={magic} version={} count={decoded_count}",
        blob[4]
    );
    let records = &blob[HEADER_BYTES..HEADER_BYTES + decoded_count * RECORD_BYTES];
    for record in records.chunks_exact(RECORD_BYTES) {
        let sensor = get_u16(&record[0..2], endian);
        let tenths = get_u16(&record[2..4], endian) as i16;
        println!(
            "  sensor {sensor:>5}  {:6.1} C  {:>3}%",
            f64::from(tenths) / 10.0,
            record[4]
        );
    }
}
