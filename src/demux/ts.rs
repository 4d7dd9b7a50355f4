//! The MPEG-TS packet layer: packet-size detection and resync, adaptation
//! fields, continuity counters, and PSI section assembly.
//!
//! Why not `mpeg2ts::ts::TsPacketReader`: on real captures it stops with an
//! error on any PID it has not yet seen in a PMT (packets before the first
//! PAT, PCR-only PIDs), on PES headers with the extension, CRC or trick-mode
//! flags (common in broadcast), on PMTs with stream types it does not know,
//! and it parses each PSI section from a single packet. This layer is small,
//! never fails on a single bad packet, and reports byte offsets. The
//! `mpeg2ts` writer is used by the tests to build synthetic streams.

/// Size of a plain transport stream packet.
pub const TS_PACKET: usize = 188;
/// Size of an M2TS/AVCHD packet: a 4-byte arrival timestamp, then a TS packet.
pub const M2TS_PACKET: usize = 192;
const SYNC: u8 = 0x47;

/// How packets are framed in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum PacketFormat {
    /// 188-byte packets (`.ts`).
    Ts,
    /// 192-byte packets with a 4-byte timestamp prefix (`.m2ts`, `.mts`).
    M2ts,
}

impl PacketFormat {
    /// Bytes per packet including any prefix.
    pub fn stride(self) -> usize {
        match self {
            PacketFormat::Ts => TS_PACKET,
            PacketFormat::M2ts => M2TS_PACKET,
        }
    }

    /// Offset of the sync byte inside one packet.
    pub fn sync_offset(self) -> usize {
        match self {
            PacketFormat::Ts => 0,
            PacketFormat::M2ts => 4,
        }
    }
}

/// Finds the packet format and the offset of the first packet in `buf`.
///
/// Requires `min(5, available)` consecutive sync bytes at the packet stride so
/// that a stray 0x47 in payload does not fool it. `at_end` says no more data
/// will follow (a tiny file).
pub fn detect_format(buf: &[u8], at_end: bool) -> Option<(PacketFormat, usize)> {
    const WANT: usize = 5;
    for format in [PacketFormat::Ts, PacketFormat::M2ts] {
        let stride = format.stride();
        for start in 0..stride.min(buf.len()) {
            let first_sync = start + format.sync_offset();
            let available = buf.len().saturating_sub(first_sync).div_ceil(stride);
            let need = if at_end {
                available.clamp(1, WANT)
            } else {
                WANT
            };
            if available < need || need == 0 {
                continue;
            }
            if (0..need).all(|i| buf.get(first_sync + i * stride) == Some(&SYNC)) {
                // A lone packet must at least be whole.
                if need == 1 && buf.len() < start + stride {
                    continue;
                }
                return Some((format, start));
            }
        }
    }
    None
}

/// The parsed 4-byte header and adaptation field of one TS packet.
#[derive(Clone, Copy, Debug)]
pub struct PacketHeader {
    pub transport_error: bool,
    pub payload_unit_start: bool,
    pub pid: u16,
    pub scrambled: bool,
    pub has_payload: bool,
    pub continuity_counter: u8,
    /// The adaptation field's discontinuity indicator.
    pub discontinuity: bool,
    /// Offset of the payload inside the 188-byte packet.
    pub payload_start: usize,
}

/// Parses a 188-byte packet whose first byte is the sync byte.
pub fn parse_header(packet: &[u8]) -> Result<PacketHeader, &'static str> {
    if packet.len() < TS_PACKET || packet[0] != SYNC {
        return Err("lost packet sync");
    }
    let adaptation_control = (packet[3] >> 4) & 3;
    let mut header = PacketHeader {
        transport_error: packet[1] & 0x80 != 0,
        payload_unit_start: packet[1] & 0x40 != 0,
        pid: u16::from(packet[1] & 0x1f) << 8 | u16::from(packet[2]),
        scrambled: packet[3] & 0xc0 != 0,
        has_payload: adaptation_control & 1 != 0,
        continuity_counter: packet[3] & 0x0f,
        discontinuity: false,
        payload_start: 4,
    };
    if adaptation_control & 2 != 0 {
        let length = usize::from(packet[4]);
        if length > 183 {
            return Err("adaptation field longer than the packet");
        }
        if length > 0 {
            header.discontinuity = packet[5] & 0x80 != 0;
        }
        header.payload_start = 5 + length;
        if header.payload_start >= TS_PACKET {
            header.has_payload = false;
        }
    }
    Ok(header)
}

/// Reassembles PSI sections (PAT, PMT) that may span several packets.
#[derive(Default, Debug)]
pub struct SectionAssembler {
    buf: Vec<u8>,
    active: bool,
}

impl SectionAssembler {
    /// Feeds one packet payload; returns complete sections (table_id through CRC).
    pub fn push(&mut self, payload: &[u8], unit_start: bool) -> Vec<Vec<u8>> {
        let mut sections = Vec::new();
        let mut data = payload;
        if unit_start {
            let Some((&pointer, rest)) = data.split_first() else {
                return sections;
            };
            let pointer = usize::from(pointer);
            if self.active && pointer <= rest.len() {
                self.buf.extend_from_slice(&rest[..pointer]);
                self.drain_into(&mut sections);
            }
            self.buf.clear();
            self.active = true;
            data = rest.get(pointer..).unwrap_or(&[]);
        } else if !self.active {
            return sections;
        }
        self.buf.extend_from_slice(data);
        self.drain_into(&mut sections);
        sections
    }

    fn drain_into(&mut self, sections: &mut Vec<Vec<u8>>) {
        loop {
            if self.buf.first().is_none_or(|&t| t == 0xff) {
                // Stuffing after the last section.
                self.buf.clear();
                return;
            }
            if self.buf.len() < 3 {
                return;
            }
            let length = 3 + (usize::from(self.buf[1] & 0x0f) << 8 | usize::from(self.buf[2]));
            if self.buf.len() < length {
                // Sections are at most 1024 bytes (4096 for private ones):
                // anything longer is garbage, not something to buffer forever.
                if length > 4096 {
                    self.buf.clear();
                    self.active = false;
                }
                return;
            }
            sections.push(self.buf.drain(..length).collect());
        }
    }
}

/// CRC-32/MPEG-2 over a whole section; zero when the section is intact.
pub fn crc32_mpeg2(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &byte in data {
        crc ^= u32::from(byte) << 24;
        for _ in 0..8 {
            crc = if crc & 0x8000_0000 != 0 {
                (crc << 1) ^ 0x04c1_1db7
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// One program of a PAT.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PatEntry {
    pub program_number: u16,
    pub pmt_pid: u16,
}

/// Parses a PAT section (with CRC); `None` when it is not a valid PAT.
pub fn parse_pat(section: &[u8]) -> Option<Vec<PatEntry>> {
    if section.len() < 12 || section[0] != 0x00 || crc32_mpeg2(section) != 0 {
        return None;
    }
    let body = &section[8..section.len() - 4];
    Some(
        body.chunks_exact(4)
            .map(|e| PatEntry {
                program_number: u16::from_be_bytes([e[0], e[1]]),
                pmt_pid: u16::from(e[2] & 0x1f) << 8 | u16::from(e[3]),
            })
            .filter(|e| e.program_number != 0)
            .collect(),
    )
}

/// One elementary stream of a PMT.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PmtStream {
    pub stream_type: u8,
    pub pid: u16,
    /// Raw descriptors as `(tag, data)`.
    pub descriptors: Vec<(u8, Vec<u8>)>,
}

/// A parsed PMT.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pmt {
    pub program_number: u16,
    pub streams: Vec<PmtStream>,
}

/// Parses a PMT section (with CRC); `None` when it is not a valid PMT.
pub fn parse_pmt(section: &[u8]) -> Option<Pmt> {
    if section.len() < 16 || section[0] != 0x02 || crc32_mpeg2(section) != 0 {
        return None;
    }
    let program_number = u16::from_be_bytes([section[3], section[4]]);
    let info_len = usize::from(section[10] & 0x0f) << 8 | usize::from(section[11]);
    let end = section.len() - 4;
    let mut pos = 12usize.checked_add(info_len)?;
    let mut streams = Vec::new();
    while pos + 5 <= end {
        let stream_type = section[pos];
        let pid = u16::from(section[pos + 1] & 0x1f) << 8 | u16::from(section[pos + 2]);
        let es_len = usize::from(section[pos + 3] & 0x0f) << 8 | usize::from(section[pos + 4]);
        let es_end = (pos + 5 + es_len).min(end);
        let mut descriptors = Vec::new();
        let mut d = pos + 5;
        while d + 2 <= es_end {
            let tag = section[d];
            let len = usize::from(section[d + 1]);
            let data_end = (d + 2 + len).min(es_end);
            descriptors.push((tag, section[d + 2..data_end].to_vec()));
            d = data_end;
        }
        streams.push(PmtStream {
            stream_type,
            pid,
            descriptors,
        });
        pos = es_end;
    }
    Some(Pmt {
        program_number,
        streams,
    })
}

/// The parts of a PES header Fanout needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PesHeader {
    pub stream_id: u8,
    /// PES_packet_length: 0 means unbounded (video).
    pub packet_length: usize,
    /// Raw 33-bit timestamps.
    pub pts: Option<u64>,
    pub dts: Option<u64>,
    /// Bytes from the start of the PES packet to its payload.
    pub header_length: usize,
}

fn read_timestamp(b: &[u8]) -> u64 {
    (u64::from(b[0] >> 1) & 0x07) << 30
        | u64::from(b[1]) << 22
        | u64::from(b[2] >> 1) << 15
        | u64::from(b[3]) << 7
        | u64::from(b[4] >> 1)
}

/// Parses the start of a PES packet. All optional header fields are
/// accepted (their contents skipped via PES_header_data_length).
pub fn parse_pes_header(data: &[u8]) -> Result<PesHeader, &'static str> {
    if data.len() < 9 {
        return Err("PES header cut short");
    }
    if data[..3] != [0, 0, 1] {
        return Err("PES start code missing");
    }
    let stream_id = data[3];
    let packet_length = usize::from(u16::from_be_bytes([data[4], data[5]]));
    // Streams without the optional header (padding, private_stream_2, ...).
    if matches!(
        stream_id,
        0xbc | 0xbe | 0xbf | 0xf0 | 0xf1 | 0xf2 | 0xf8 | 0xff
    ) {
        return Ok(PesHeader {
            stream_id,
            packet_length,
            pts: None,
            dts: None,
            header_length: 6,
        });
    }
    if data[6] & 0xc0 != 0x80 {
        return Err("PES header marker bits wrong");
    }
    let flags = data[7] >> 6;
    let header_length = 9 + usize::from(data[8]);
    let optional = data.get(9..header_length).ok_or("PES header cut short")?;
    let (pts, dts) = match flags {
        0b10 if optional.len() >= 5 => (Some(read_timestamp(&optional[..5])), None),
        0b11 if optional.len() >= 10 => (
            Some(read_timestamp(&optional[..5])),
            Some(read_timestamp(&optional[5..10])),
        ),
        0b00 | 0b01 => (None, None),
        _ => return Err("PES timestamps cut short"),
    };
    Ok(PesHeader {
        stream_id,
        packet_length,
        pts,
        dts,
        header_length,
    })
}

/// Turns 33-bit timestamps into one monotonic 64-bit timeline.
///
/// Each new value is placed in the 2^33 period nearest the previous one of
/// the same stream, so both forward wraps and B-frame PTS that dip back
/// across a wrap come out right. The first value of each stream is placed
/// nearest the first timestamp of the whole file, so streams stay aligned
/// when one starts just after a wrap and another just before it.
#[derive(Clone, Copy, Debug, Default)]
pub struct TimestampUnwrapper {
    last: Option<i64>,
}

const WRAP: i64 = 1 << 33;

impl TimestampUnwrapper {
    /// Unwraps `raw` (33 bits) near `self`'s last value, or near `anchor`.
    pub fn unwrap(&mut self, raw: u64, anchor: Option<i64>) -> i64 {
        let raw = (raw & (WRAP as u64 - 1)) as i64;
        let value = match self.last.or(anchor) {
            Some(reference) => {
                let base = reference - reference.rem_euclid(WRAP);
                [base - WRAP, base, base + WRAP]
                    .into_iter()
                    .map(|b| b + raw)
                    .min_by_key(|v| (v - reference).abs())
                    .unwrap_or(raw)
            }
            None => raw,
        };
        self.last = Some(value);
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unwraps_forward_and_backward_across_wrap() {
        let mut u = TimestampUnwrapper::default();
        assert_eq!(u.unwrap((WRAP - 3000) as u64, None), WRAP - 3000);
        assert_eq!(u.unwrap(100, None), WRAP + 100);
        // A B-frame shown before the wrap but sent after it.
        assert_eq!(u.unwrap((WRAP - 1500) as u64, None), WRAP - 1500);
        assert_eq!(u.unwrap(3100, None), WRAP + 3100);
    }

    #[test]
    fn second_stream_is_anchored_to_the_first() {
        let mut video = TimestampUnwrapper::default();
        let mut audio = TimestampUnwrapper::default();
        let anchor = video.unwrap((WRAP - 900) as u64, None);
        assert_eq!(audio.unwrap(2000, Some(anchor)), WRAP + 2000);
    }

    #[test]
    fn detects_188_and_192_byte_packets() {
        let mut ts = vec![0u8; 188 * 6];
        for i in 0..6 {
            ts[i * 188] = SYNC;
        }
        assert_eq!(detect_format(&ts, false), Some((PacketFormat::Ts, 0)));
        let mut m2ts = vec![0u8; 192 * 6];
        for i in 0..6 {
            m2ts[i * 192 + 4] = SYNC;
        }
        assert_eq!(detect_format(&m2ts, false), Some((PacketFormat::M2ts, 0)));
        assert_eq!(detect_format(b"RIFF....WAVEfmt ", true), None);
        let mut one = vec![0u8; 188];
        one[0] = SYNC;
        assert_eq!(detect_format(&one, true), Some((PacketFormat::Ts, 0)));
    }

    #[test]
    fn crc_of_valid_section_is_zero() {
        // A PAT from the mpeg2ts crate's test vectors.
        let pat = [
            0u8, 176, 13, 0, 0, 195, 0, 0, 0, 1, 225, 224, 232, 95, 116, 236,
        ];
        assert_eq!(crc32_mpeg2(&pat), 0);
        assert_eq!(
            parse_pat(&pat),
            Some(vec![PatEntry {
                program_number: 1,
                pmt_pid: 480
            }])
        );
    }

    #[test]
    fn section_spanning_packets_is_reassembled() {
        let pat = [
            0u8, 176, 13, 0, 0, 195, 0, 0, 0, 1, 225, 224, 232, 95, 116, 236,
        ];
        let mut asm = SectionAssembler::default();
        let mut first = vec![0u8];
        first.extend_from_slice(&pat[..7]);
        assert!(asm.push(&first, true).is_empty());
        let mut rest = pat[7..].to_vec();
        rest.extend_from_slice(&[0xff; 20]);
        assert_eq!(asm.push(&rest, false), vec![pat.to_vec()]);
    }

    #[test]
    fn pes_header_with_extension_flags_parses() {
        // PTS+DTS, plus the PES extension flag set (rejected by mpeg2ts 0.6).
        let mut pes = vec![0, 0, 1, 0xe0, 0, 0, 0x80, 0xc1, 13];
        pes.extend_from_slice(&[0x31, 0, 1, 0, 1, 0x11, 0, 1, 0, 1, 0x00, 0xff, 0xff]);
        let h = parse_pes_header(&pes).unwrap();
        assert_eq!(h.pts, Some(0));
        assert_eq!(h.dts, Some(0));
        assert_eq!(h.header_length, 22);
    }
}
