//! MPEG-2 (and MPEG-1) video elementary-stream analysis: sequence headers, GOPs, picture
//! headers and their coding extensions, and access units (a frame picture,
//! or a pair of field pictures).

use super::nal::{PesMeta, StartCodeStream};
use super::{AccessUnit, RandomAccess, StreamFormat, VideoCodecId, VideoParser};
use crate::error::{Error, Result};

/// Start code values (the byte after `00 00 01`).
pub mod start_code {
    pub const PICTURE: u8 = 0x00;
    pub const SLICE_FIRST: u8 = 0x01;
    pub const SLICE_LAST: u8 = 0xaf;
    pub const SEQUENCE_HEADER: u8 = 0xb3;
    pub const EXTENSION: u8 = 0xb5;
    pub const SEQUENCE_END: u8 = 0xb7;
    pub const GOP: u8 = 0xb8;
}

/// What Fanout needs from a sequence header and its extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SequenceHeader {
    pub width: u32,
    pub height: u32,
    /// `aspect_ratio_information` (a display aspect ratio in MPEG-2).
    pub aspect_code: u8,
    pub frame_rate_code: u8,
    /// From the sequence extension: absent in MPEG-1 streams.
    pub extension: Option<SequenceExtension>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SequenceExtension {
    pub profile_and_level: u8,
    pub progressive_sequence: bool,
    /// 1 = 4:2:0, 2 = 4:2:2, 3 = 4:4:4.
    pub chroma_format: u8,
    pub frame_rate_ext_n: u8,
    pub frame_rate_ext_d: u8,
}

/// Big-endian bit reader over a start code's payload (MPEG-2 has no
/// emulation prevention).
struct Bits<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Bits<'_> {
    fn read(&mut self, n: usize) -> Option<u32> {
        let mut v = 0u32;
        for _ in 0..n {
            let byte = *self.data.get(self.pos / 8)?;
            v = v << 1 | u32::from((byte >> (7 - self.pos % 8)) & 1);
            self.pos += 1;
        }
        Some(v)
    }
}

impl SequenceHeader {
    /// Parses a sequence header payload (after `00 00 01 B3`).
    fn parse(payload: &[u8]) -> Option<SequenceHeader> {
        let mut r = Bits {
            data: payload,
            pos: 0,
        };
        let width = r.read(12)?;
        let height = r.read(12)?;
        let aspect_code = r.read(4)? as u8;
        let frame_rate_code = r.read(4)? as u8;
        Some(SequenceHeader {
            width,
            height,
            aspect_code,
            frame_rate_code,
            extension: None,
        })
    }

    /// Adds a sequence extension payload (after `00 00 01 B5`, id 1).
    fn extend(&mut self, payload: &[u8]) -> Option<()> {
        let mut r = Bits {
            data: payload,
            pos: 4,
        };
        let profile_and_level = r.read(8)? as u8;
        let progressive_sequence = r.read(1)? == 1;
        let chroma_format = r.read(2)? as u8;
        self.width |= r.read(2)? << 12;
        self.height |= r.read(2)? << 12;
        r.read(12 + 1 + 8 + 1)?; // bit_rate_extension, marker, vbv_buffer_size_extension, low_delay
        let frame_rate_ext_n = r.read(2)? as u8;
        let frame_rate_ext_d = r.read(5)? as u8;
        self.extension = Some(SequenceExtension {
            profile_and_level,
            progressive_sequence,
            chroma_format,
            frame_rate_ext_n,
            frame_rate_ext_d,
        });
        Some(())
    }

    /// Frames per second as `(num, den)` (table 6-4 with the extension's factors).
    pub fn frame_rate(&self) -> Option<(u32, u32)> {
        let (n, d) = match self.frame_rate_code {
            1 => (24000, 1001),
            2 => (24, 1),
            3 => (25, 1),
            4 => (30000, 1001),
            5 => (30, 1),
            6 => (50, 1),
            7 => (60000, 1001),
            8 => (60, 1),
            _ => return None,
        };
        let (en, ed) = self.extension.map_or((0, 0), |e| {
            (u32::from(e.frame_rate_ext_n), u32::from(e.frame_rate_ext_d))
        });
        Some((n * (en + 1), d * (ed + 1)))
    }

    /// Sample aspect ratio from the display aspect ratio the header states.
    pub fn sample_aspect(&self) -> Option<(u32, u32)> {
        let (dn, dd) = match self.aspect_code {
            2 => (4, 3),
            3 => (16, 9),
            4 => (221, 100),
            _ => return None,
        };
        let (n, d) = (dn * self.height, dd * self.width);
        let g = gcd(n, d);
        (g > 0).then(|| (n / g, d / g))
    }
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// The fields of a picture header and its coding extension used here.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PictureInfo {
    /// 1 I, 2 P, 3 B.
    pub coding_type: u8,
    /// 1 top field, 2 bottom field, 3 frame.
    pub structure: u8,
    pub top_field_first: bool,
    pub repeat_first_field: bool,
    pub progressive_frame: bool,
}

fn picture_coding_type(payload: &[u8]) -> u8 {
    // temporal_reference (10 bits), then picture_coding_type (3).
    payload.get(1).map_or(0, |b| (b >> 3) & 7)
}

/// Reads a picture coding extension (ext id 8) into `info`.
fn picture_coding_extension(payload: &[u8], info: &mut PictureInfo) -> Option<()> {
    let mut r = Bits {
        data: payload,
        pos: 4 + 16 + 2,
    };
    info.structure = r.read(2)? as u8;
    info.top_field_first = r.read(1)? == 1;
    r.read(5)?; // frame_pred_frame_dct .. alternate_scan
    info.repeat_first_field = r.read(1)? == 1;
    r.read(1)?; // chroma_420_type
    info.progressive_frame = r.read(1)? == 1;
    Some(())
}

/// Splits MPEG-2 video PES payloads into access units.
#[derive(Default)]
pub struct Mpeg2Parser {
    input: StartCodeStream,
    /// The latest sequence header with its extensions, start codes kept.
    sequence_bytes: Vec<u8>,
    version: u64,
    first_sequence: Option<SequenceHeader>,
    /// A sequence header is being read (its extensions follow it).
    in_sequence_header: Option<(SequenceHeader, Vec<u8>)>,
    /// The latest GOP header says `closed_gop`.
    closed_gop: bool,
    current: Option<AccessUnit>,
    /// Pictures in the current unit (one frame, or up to two fields).
    pictures: Vec<PictureInfo>,
    unsupported: Option<String>,
    ready: std::collections::VecDeque<AccessUnit>,
    problems: Vec<String>,
}

impl Mpeg2Parser {
    pub fn new() -> Self {
        Mpeg2Parser {
            input: StartCodeStream::keeping_trailing_zeros(),
            ..Default::default()
        }
    }

    /// The current unit holds a whole frame (a frame picture or two fields).
    fn frame_complete(&self) -> bool {
        match self.pictures.as_slice() {
            [] => false,
            [only] => only.structure == 3,
            _ => true,
        }
    }

    fn process(&mut self, payload: &[u8], meta: Option<PesMeta>) {
        let Some(&code) = payload.first() else {
            return;
        };
        let body = &payload[1..];
        if code != start_code::EXTENSION {
            self.end_sequence_header();
        }
        let opens_unit = matches!(
            code,
            start_code::SEQUENCE_HEADER | start_code::GOP | start_code::PICTURE
        );
        // A picture after a lone field is its second field; anything else
        // that opens a unit ends a lone field (a damaged stream).
        let second_field =
            code == start_code::PICTURE && !self.frame_complete() && !self.pictures.is_empty();
        if opens_unit && !self.pictures.is_empty() && !second_field {
            self.finish_current();
        }
        let unit = self
            .current
            .get_or_insert_with(|| AccessUnit::starting_at(meta.map_or(0, |m| m.offset)));
        unit.note_pes(meta, self.pictures.is_empty());
        unit.data.extend_from_slice(&[0, 0, 1]);
        unit.data.extend_from_slice(payload);
        match code {
            start_code::SEQUENCE_HEADER => match SequenceHeader::parse(body) {
                Some(h) => self.in_sequence_header = Some((h, [&[0, 0, 1], payload].concat())),
                None => self.problems.push("sequence header cut short".into()),
            },
            start_code::EXTENSION => self.extension(payload),
            start_code::GOP => {
                // time_code (25 bits), then closed_gop.
                self.closed_gop = body.get(3).is_some_and(|b| b & 0x40 != 0);
            }
            start_code::PICTURE => self.pictures.push(PictureInfo {
                coding_type: picture_coding_type(body),
                structure: 3,
                progressive_frame: true,
                ..Default::default()
            }),
            start_code::SEQUENCE_END => self.finish_current(),
            _ => {}
        }
    }

    fn extension(&mut self, payload: &[u8]) {
        let body = &payload[1..];
        let id = body.first().map_or(0, |b| b >> 4);
        if let Some((header, bytes)) = &mut self.in_sequence_header {
            bytes.extend_from_slice(&[0, 0, 1]);
            bytes.extend_from_slice(payload);
            match id {
                1 if header.extend(body).is_none() => {
                    self.problems.push("sequence extension cut short".into());
                }
                5 => {
                    self.unsupported.get_or_insert_with(|| {
                        "MPEG-2 scalable coding (sequence scalable extension)".into()
                    });
                }
                _ => {}
            }
            return;
        }
        if id == 8 {
            if let Some(info) = self.pictures.last_mut() {
                if picture_coding_extension(body, info).is_none() {
                    self.problems
                        .push("picture coding extension cut short".into());
                }
            }
        }
    }

    /// A sequence header and its extensions are complete.
    fn end_sequence_header(&mut self) {
        let Some((header, bytes)) = self.in_sequence_header.take() else {
            return;
        };
        if self.first_sequence.is_none() {
            self.first_sequence = Some(header);
        }
        if bytes != self.sequence_bytes {
            self.sequence_bytes = bytes;
            self.version += 1;
        }
    }

    fn finish_current(&mut self) {
        let pictures = std::mem::take(&mut self.pictures);
        let Some(mut unit) = self.current.take() else {
            return;
        };
        let Some(first) = pictures.first() else {
            return;
        };
        unit.random_access = match first.coding_type {
            1 if self.closed_gop => RandomAccess::Idr,
            1 => RandomAccess::RecoveryPoint,
            _ => RandomAccess::No,
        };
        // A GOP header's closed_gop applies to its first picture only.
        self.closed_gop = false;
        unit.is_reference = matches!(first.coding_type, 1 | 2);
        unit.interlaced = first.structure != 3 || !first.progressive_frame;
        unit.bottom_field_first = match first.structure {
            3 => !first.top_field_first,
            s => s == 2,
        };
        self.ready.push_back(unit);
    }
}

impl VideoParser for Mpeg2Parser {
    fn push(&mut self, data: &[u8], meta: PesMeta) {
        for (payload, meta) in self.input.push_collect(data, meta) {
            self.process(&payload, meta);
        }
    }

    fn finish(&mut self) {
        if let Some((payload, meta)) = self.input.finish_collect() {
            self.process(&payload, meta);
        }
        self.end_sequence_header();
        self.finish_current();
    }

    fn next_unit(&mut self) -> Option<AccessUnit> {
        self.ready.pop_front()
    }

    fn buffered_bytes(&self) -> usize {
        self.input.buffered_bytes()
            + self.current.as_ref().map_or(0, |u| u.data.len())
            + self.ready.iter().map(|u| u.data.len()).sum::<usize>()
    }

    fn parameter_sets_version(&self) -> u64 {
        self.version
    }

    fn parameter_sets(&self) -> Vec<u8> {
        self.sequence_bytes.clone()
    }

    fn format(&self) -> Option<Result<StreamFormat>> {
        let header = self.first_sequence?;
        let unsupported = |what: String| Some(Err(Error::UnsupportedFeature(what)));
        if let Some(what) = &self.unsupported {
            return unsupported(what.clone());
        }
        // No sequence extension: MPEG-1 video (progressive, 4:2:0).
        let (codec, progressive, chroma_format) = match header.extension {
            Some(ext) => (
                VideoCodecId::Mpeg2,
                ext.progressive_sequence,
                ext.chroma_format,
            ),
            None => (VideoCodecId::Mpeg1, true, 1),
        };
        match chroma_format {
            1 => {}
            2 => return unsupported("MPEG-2 4:2:2 profile (chroma_format 4:2:2)".into()),
            n => return unsupported(format!("MPEG-2 chroma_format {n} (4:4:4)")),
        }
        if header.width == 0 || header.height == 0 {
            return Some(Err(Error::Malformed(format!(
                "MPEG-2 sequence header gives a {}x{} picture",
                header.width, header.height
            ))));
        }
        if let Err(Error::Limit(why)) = crate::limits::check_picture(header.width, header.height) {
            return Some(Err(Error::Limit(format!("MPEG-2 sequence header: {why}"))));
        }
        Some(Ok(StreamFormat {
            codec,
            width: header.width,
            height: header.height,
            bit_depth: 8,
            frame_rate: header.frame_rate(),
            // MPEG-1's aspect codes are pixel shapes, not display ratios.
            sample_aspect: header.extension.and(header.sample_aspect()),
            interlaced: !progressive,
        }))
    }

    fn take_problems(&mut self) -> Vec<String> {
        std::mem::take(&mut self.problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(pts: i64) -> PesMeta {
        PesMeta {
            pts: Some(pts),
            dts: None,
            offset: 0,
            damaged: false,
        }
    }

    /// Picture header payload with the coding type, and a picture coding
    /// extension with the structure and top_field_first.
    fn picture(coding_type: u8, structure: u8, tff: bool) -> Vec<u8> {
        let mut out = vec![
            0,
            0,
            1,
            start_code::PICTURE,
            0x00,
            coding_type << 3,
            0xff,
            0xf8,
        ];
        // ext id 8, f_codes (16 bits: all 0xf), dc precision 0, structure, tff...
        let bits: u32 =
            (8 << 28) | (0xffff << 12) | (u32::from(structure) << 8) | (u32::from(tff) << 7);
        out.extend_from_slice(&[0, 0, 1, start_code::EXTENSION]);
        out.extend_from_slice(&bits.to_be_bytes());
        out.extend_from_slice(&[0x80]);
        out.extend_from_slice(&[0, 0, 1, 1, 0x12, 0x34]);
        out
    }

    #[test]
    fn field_pictures_pair_into_one_unit() {
        let seq = [
            &[
                0,
                0,
                1,
                start_code::SEQUENCE_HEADER,
                0x2d,
                0x02,
                0x40,
                0x33,
                0xff,
                0xff,
                0xe0,
                0x18,
            ][..],
            // sequence extension: id 1, profile/level 0x48, interlaced, 4:2:0.
            &[
                0,
                0,
                1,
                start_code::EXTENSION,
                0x14,
                0x82,
                0x00,
                0x01,
                0x00,
                0x00,
            ],
            &[0, 0, 1, start_code::GOP, 0x00, 0x08, 0x00, 0x40],
        ]
        .concat();
        let mut p = Mpeg2Parser::new();
        VideoParser::push(
            &mut p,
            &[seq.clone(), picture(1, 2, false), picture(2, 1, false)].concat(),
            meta(100),
        );
        VideoParser::push(
            &mut p,
            &[picture(3, 2, false), picture(3, 1, false)].concat(),
            meta(200),
        );
        VideoParser::push(&mut p, &picture(2, 3, true), meta(300));
        VideoParser::finish(&mut p);
        let units: Vec<_> = std::iter::from_fn(|| p.next_unit()).collect();
        assert_eq!(
            units
                .iter()
                .map(|u| (
                    u.pts,
                    u.random_access,
                    u.is_reference,
                    u.bottom_field_first,
                    u.interlaced
                ))
                .collect::<Vec<_>>(),
            [
                (Some(100), RandomAccess::Idr, true, true, true),
                (Some(200), RandomAccess::No, false, true, true),
                (Some(300), RandomAccess::No, true, false, false),
            ]
        );
        let format = p.format().expect("format").expect("supported");
        assert_eq!(
            (format.width, format.height, format.frame_rate),
            (720, 576, Some((25, 1)))
        );
        assert_eq!(format.sample_aspect, Some((64, 45)));
        assert!(format.interlaced);
        assert_eq!(p.parameter_sets(), seq[..seq.len() - 8].to_vec());
    }
}
