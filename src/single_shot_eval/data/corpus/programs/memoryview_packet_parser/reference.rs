//! Decode a stream of binary packets given as hex on stdin, working on borrowed byte slices.
//! Packet: magic 0xA5, version u8 (=1), type u8, flags u8, payload length u16 big-endian,
//! payload, checksum u8 (sum of all previous packet bytes, mod 256). Bytes before a magic byte
//! are skipped as garbage. SAMPLES payloads are native-endian u16 values.
//! Exit 2: bad hex, 3: truncated packet, 4: any checksum mismatch.
use std::io::Read;
use std::process;

const MAGIC: u8 = 0xA5;
const HEADER_BYTES: usize = 6;
const FLAGS: [(u8, &str); 3] = [(0x01, "ACK_REQ"), (0x02, "URGENT"), (0x80, "LAST")];

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = text
        .bytes()
        .filter(|byte| !byte.is_ascii_whitespace())
        .collect();
    if digits.len() % 2 != 0 {
        return None;
    }
    digits
        .chunks(2)
        .map(|pair| {
            let high = (pair[0] as char).to_digit(16)?;
            let low = (pair[1] as char).to_digit(16)?;
            Some((high * 16 + low) as u8)
        })
        .collect()
}

fn type_name(kind: u8) -> String {
    match kind {
        1 => "PING".to_string(),
        2 => "TEXT".to_string(),
        3 => "ACK".to_string(),
        4 => "SAMPLES".to_string(),
        other => format!("TYPE{other}"),
    }
}

fn describe_payload(kind: u8, payload: &[u8]) -> String {
    if kind == 4 {
        if payload.len() % 2 != 0 {
            return format!("odd SAMPLES length {}", payload.len());
        }
        let samples: Vec<String> = payload
            .chunks_exact(2)
            .map(|pair| u16::from_ne_bytes([pair[0], pair[1]]).to_string())
            .collect();
        return format!("samples=[{}]", samples.join(", "));
    }
    let hex: String = payload.iter().map(|byte| format!("{byte:02x}")).collect();
    let text: String = payload
        .iter()
        .map(|&b| {
            if (32..127).contains(&b) {
                b as char
            } else {
                '.'
            }
        })
        .collect();
    format!("payload={hex} '{text}'")
}

fn main() {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .expect("stdin is not valid UTF-8");
    let Some(data) = decode_hex(&text) else {
        println!("error: input is not valid hex");
        process::exit(2);
    };
    let (mut offset, mut garbage, mut bad_checksums, mut count) = (0, 0, 0, 0);
    while offset < data.len() {
        if data[offset] != MAGIC {
            offset += 1;
            garbage += 1;
            continue;
        }
        if data.len() - offset < HEADER_BYTES + 1 {
            println!("error: truncated header at offset {offset}");
            process::exit(3);
        }
        let header = &data[offset..offset + HEADER_BYTES];
        let (version, kind, flags) = (header[1], header[2], header[3]);
        let length = usize::from(u16::from_be_bytes([header[4], header[5]]));
        let end = offset + HEADER_BYTES + length;
        if end + 1 > data.len() {
            println!(
                "error: packet at offset {offset} needs {} bytes, {} left",
                end + 1 - offset,
                data.len() - offset
            );
            process::exit(3);
        }
        let payload = &data[offset + HEADER_BYTES..end];
        let expected = data[offset..end].iter().map(|&b| u32::from(b)).sum::<u32>() % 256;
        let actual = u32::from(data[end]);
        let names: Vec<&str> = FLAGS
            .iter()
            .filter(|(bit, _)| flags & bit != 0)
            .map(|(_, name)| *name)
            .collect();
        let names = if names.is_empty() {
            "-".to_string()
        } else {
            names.join("|")
        };
        count += 1;
        println!(
            "#{count} @{offset} v{version} {} [{names}] len={length} {}",
            type_name(kind),
            describe_payload(kind, payload)
        );
        if expected != actual {
            bad_checksums += 1;
            println!("   checksum mismatch: expected {expected:#04x}, got {actual:#04x}");
        }
        offset = end + 1;
    }
    println!("{count} packet(s), {garbage} garbage byte(s), {bad_checksums} bad checksum(s)");
    if bad_checksums > 0 {
        process::exit(4);
    }
}
