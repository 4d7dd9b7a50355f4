//! MPEG-2 video (and MPEG-1 video) decoding: Fanout's own decoder.
//!
//! ISO/IEC 13818-2 Main profile up to High level, 4:2:0: frame and field
//! pictures, field/frame DCT, frame, field, 16x8 and dual-prime motion,
//! open GOPs, custom and non-linear quantisation, with an IEEE-1180-accurate
//! integer IDCT. It decodes one access unit at a time and returns that
//! unit's frame at once (decode order), starts at any sequence header and
//! I-picture, conceals a damaged slice from the previous reference (grey when
//! there is none) and never panics on bad input. Written for Fanout because
//! the only pure-Rust one, `oxideav-mpeg12video`, buffers the whole stream
//! and fails on streams that start mid-GOP (see the README). Layout:
//! `decoder.rs` (pictures, references, concealment), `headers.rs`,
//! `slice.rs` (macroblocks), `block.rs` (coefficients), `vlc.rs` (Annex B
//! tables as lookups), `idct.rs`, `mc.rs` (half-pel prediction), `bits.rs`.

// VLC codes are grouped as the standard spells them; index loops mirror the spec.
#![allow(clippy::unusual_byte_groupings, clippy::needless_range_loop)]

mod bits;
mod block;
mod decoder;
#[cfg(test)]
mod field_synth_test;
mod headers;
mod idct;
mod mc;
mod slice;
mod vlc;

pub use decoder::{Decoded as Mpeg2Decoded, Decoder, Frame, Mpeg2Error, PictureType};

use super::{Decoded, Output, VideoDecoder};
use crate::error::{Error, Result};
use crate::picture::{Picture, Planes};

/// [`Decoder`] behind Fanout's [`VideoDecoder`] seam.
#[derive(Default)]
pub struct Mpeg2Decoder {
    inner: Decoder,
    /// The sequence header a chunk starts with, fed with its first unit
    /// (the decoder reads headers only from units).
    sequence: Vec<u8>,
}

impl Mpeg2Decoder {
    pub fn new() -> Self {
        Self::default()
    }
}

impl VideoDecoder for Mpeg2Decoder {
    fn feed_parameter_sets(&mut self, data: &[u8]) -> Result<()> {
        self.sequence = data.to_vec();
        Ok(())
    }

    fn decode(&mut self, unit: &[u8], pts: i64) -> Result<Decoded> {
        let sequence = std::mem::take(&mut self.sequence);
        let result = if sequence.is_empty() {
            self.inner.decode(unit)
        } else {
            self.inner.decode(&[sequence.as_slice(), unit].concat())
        };
        match result {
            Ok(decoded) => Ok(Decoded {
                pictures: vec![(pts, decoded.frame.map(to_picture))],
                had_errors: decoded.had_errors,
            }),
            Err(Mpeg2Error::Unsupported(what)) => Err(Error::UnsupportedFeature(what)),
            // Nothing decodable in this unit (no sequence header yet): damage.
            Err(Mpeg2Error::Malformed(_)) => Ok(Decoded {
                pictures: vec![(pts, None)],
                had_errors: true,
            }),
        }
    }

    fn flush(&mut self) -> Result<Vec<Output>> {
        Ok(Vec::new())
    }
}

fn to_picture(frame: Frame) -> Picture {
    Picture {
        width: frame.width,
        height: frame.height,
        bit_depth: 8,
        planes: Planes::U8([frame.y, frame.u, frame.v]),
    }
}
