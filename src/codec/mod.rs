//! Elementary-stream parsers: PES payloads in, access units out.
//!
//! One file per video codec, each a [`VideoParser`]: it finds access units
//! (a frame, or a pair of fields), their random-access points and the
//! parameter sets a decoder needs, and reads the picture format from the
//! sequence-level headers. Everything after it (the chunk planner, the chunk
//! job) sees only [`AccessUnit`]s with flags, whatever the codec. No pixels
//! here: decoding lives in `decode`. AAC in ADTS, which is passed through,
//! is parsed in `adts`.

pub mod adts;
pub mod h264;
pub mod hevc;
pub mod mpeg2;
pub mod nal;

pub use nal::PesMeta;

use crate::error::Result;

/// Video codecs a transport stream may name (PMT stream types).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum VideoCodecId {
    H264,
    Hevc,
    Mpeg2,
    Mpeg1,
    Mpeg4Part2,
    Vc1,
    Avs,
}

impl VideoCodecId {
    /// The codec a PMT stream type names.
    pub fn from_stream_type(stream_type: u8) -> Option<Self> {
        Some(match stream_type {
            0x1b => Self::H264,
            0x24 => Self::Hevc,
            0x02 | 0x80 => Self::Mpeg2,
            0x01 => Self::Mpeg1,
            0x10 => Self::Mpeg4Part2,
            0xea => Self::Vc1,
            0x42 | 0xd2 => Self::Avs,
            _ => return None,
        })
    }

    /// The codec's usual name.
    pub fn name(self) -> &'static str {
        match self {
            Self::H264 => "H.264",
            Self::Hevc => "HEVC (H.265)",
            Self::Mpeg2 => "MPEG-2 video",
            Self::Mpeg1 => "MPEG-1 video",
            Self::Mpeg4Part2 => "MPEG-4 Part 2 video",
            Self::Vc1 => "VC-1",
            Self::Avs => "AVS video",
        }
    }

    /// Copy mode can keep it: MP4 has a sample entry for it that browsers
    /// play (MPEG-1/2 video in MP4 plays nowhere that matters).
    pub fn copies_into_mp4(self) -> bool {
        matches!(self, Self::H264 | Self::Hevc)
    }

    /// Why copy mode refuses it.
    pub fn copy_refusal(self) -> crate::Error {
        crate::Error::InvalidSettings(format!(
            "{} cannot be copied into an MP4 that browsers play: use av1 or h264",
            self.name()
        ))
    }

    /// Fanout has a parser and a decoder for it.
    pub fn is_supported(self) -> bool {
        matches!(self, Self::H264 | Self::Hevc | Self::Mpeg2 | Self::Mpeg1)
    }
}

/// How a decoder may start at an access unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum RandomAccess {
    /// Not a starting point.
    No,
    /// A closed GOP starts here (H.264/HEVC IDR).
    Idr,
    /// An open GOP starts here: leading pictures that follow it in decode
    /// order may reference what came before (H.264 recovery point, HEVC CRA
    /// or BLA, MPEG-2 I-picture after a sequence header).
    RecoveryPoint,
    /// An intra picture without any marking (older encoders).
    Intra,
}

impl RandomAccess {
    /// Any kind of starting point.
    pub fn is_random_access(self) -> bool {
        self != RandomAccess::No
    }
}

/// One coded frame (or complementary field pair), start codes kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessUnit {
    /// The coded bytes (Annex B for H.264/HEVC, start codes for MPEG-2),
    /// parameter sets included when the stream carried them here.
    pub data: Vec<u8>,
    /// Unwrapped 90 kHz timestamps; `None` when the PES carried none.
    pub pts: Option<i64>,
    pub dts: Option<i64>,
    /// Byte offset of the PES that carried the start of this unit.
    pub offset: u64,
    pub random_access: RandomAccess,
    /// Later pictures may depend on this one.
    pub is_reference: bool,
    /// Coded with interlaced tools (field pictures, MBAFF, field DCT).
    pub interlaced: bool,
    /// Bottom field first (meaningful for interlaced units).
    pub bottom_field_first: bool,
    /// Packets were lost inside this unit.
    pub damaged: bool,
}

impl AccessUnit {
    /// An empty unit whose first bytes came from the PES at `offset`.
    pub fn starting_at(offset: u64) -> Self {
        AccessUnit {
            data: Vec::new(),
            pts: None,
            dts: None,
            offset,
            random_access: RandomAccess::No,
            is_reference: false,
            interlaced: false,
            bottom_field_first: false,
            damaged: false,
        }
    }

    /// Notes the PES a piece of this unit came from. A PES timestamp belongs
    /// to the unit whose picture follows it: some streams trail an SEI after
    /// the previous picture, so a unit may hold pieces without one before its
    /// picture starts (`before_picture`). A second field's own timestamp is
    /// the field's, not the frame's. Damage always counts.
    pub fn note_pes(&mut self, meta: Option<PesMeta>, before_picture: bool) {
        let Some(meta) = meta else {
            return;
        };
        if self.pts.is_none() && self.dts.is_none() && before_picture {
            self.pts = meta.pts;
            self.dts = meta.dts;
            self.offset = meta.offset;
        }
        self.damaged |= meta.damaged;
    }
}

/// The stream-wide picture format, from the sequence-level headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct StreamFormat {
    pub codec: VideoCodecId,
    /// Visible size after cropping.
    pub width: u32,
    pub height: u32,
    pub bit_depth: u8,
    /// `(num, den)` when the headers state it.
    pub frame_rate: Option<(u32, u32)>,
    pub sample_aspect: Option<(u32, u32)>,
    /// The sequence may code interlaced pictures.
    pub interlaced: bool,
}

/// An elementary-stream parser for one video codec.
pub trait VideoParser {
    /// Feeds one PES payload (the payloads form one byte stream).
    fn push(&mut self, data: &[u8], meta: PesMeta);
    /// Ends the stream: the last unit becomes available.
    fn finish(&mut self);
    /// The next complete access unit, in decode order.
    fn next_unit(&mut self) -> Option<AccessUnit>;
    /// Bytes held between calls.
    fn buffered_bytes(&self) -> usize;
    /// Counts changes of the parameter sets: a chunk takes a fresh copy of
    /// [`VideoParser::parameter_sets`] when it moves.
    fn parameter_sets_version(&self) -> u64;
    /// The parameter sets in force, in the stream's own framing: what a
    /// decoder needs before a chunk's first unit.
    fn parameter_sets(&self) -> Vec<u8>;
    /// The picture format, once the sequence-level headers are in; an
    /// error names a valid feature Fanout does not decode.
    fn format(&self) -> Option<Result<StreamFormat>>;
    /// Problems found in headers since the last call (each reported once).
    fn take_problems(&mut self) -> Vec<String>;
}

/// Checks every sequence parameter set in `data` (a chunk's parameter sets
/// or one of its units) against [`crate::limits::check_picture`], before a
/// decoder allocates pictures for it: a chunk from the wire may carry one
/// the planner never saw. MPEG-1/2 sequence headers need no scan here: their
/// 12-bit sizes stay under the limit and the decoder checks the extension's.
pub fn check_picture_limits(codec: VideoCodecId, data: &[u8]) -> Result<()> {
    for (start, end) in nal::nal_ranges(data) {
        let nal = &data[start..end];
        let coded_size = match codec {
            VideoCodecId::H264 if nal[0] & 0x1f == h264::nal_type::SPS => h264::Sps::parse(nal)
                .ok()
                .map(|sps| (sps.coded_width, sps.coded_height)),
            VideoCodecId::Hevc
                if nal.len() > 2 && hevc::nal_unit_type(nal) == hevc::nal_type::SPS =>
            {
                rusty_h265::ps::parse_sps(&rusty_h265::nal::unescape(&nal[2..]).data)
                    .ok()
                    .map(|sps| (sps.width, sps.height))
            }
            _ => None,
        };
        if let Some((width, height)) = coded_size {
            crate::limits::check_picture(width, height)?;
        }
    }
    Ok(())
}

/// The parser for a codec Fanout decodes.
pub fn parser_for(codec: VideoCodecId) -> Option<Box<dyn VideoParser + Send>> {
    Some(match codec {
        VideoCodecId::H264 => Box::new(h264::AccessUnitSplitter::new()),
        VideoCodecId::Hevc => Box::new(hevc::HevcParser::new()),
        VideoCodecId::Mpeg2 | VideoCodecId::Mpeg1 => Box::new(mpeg2::Mpeg2Parser::new()),
        _ => return None,
    })
}
