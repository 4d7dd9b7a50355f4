//! H.264 decoding. Backed by `rust_h264`, which decodes everything Fanout accepts
//! (progressive, MBAFF and field pictures, 8- and 10-bit, explicit weighted
//! prediction) bit-exactly against FFmpeg and recovers from damage without
//! panicking. `rusty_h264` is faster on the streams it supports, but decoding
//! is a few percent of a transcode's time next to the AV1 encoder, so one
//! decoder that covers every input wins on simplicity (see the README).

use rust_h264::decoder::{Decoder, Frame};
use rust_h264::error::DecodeError;
use rust_h264::nal::parse_annex_b;

use super::{Decoded, Output, VideoDecoder};
use crate::error::{Error, Result};
use crate::picture::{Picture, Planes};

/// An H.264 decoder: pictures come out in decode order, one per unit.
pub struct H264Decoder {
    inner: Decoder,
}

impl Default for H264Decoder {
    fn default() -> Self {
        Self::new()
    }
}

impl H264Decoder {
    pub fn new() -> Self {
        H264Decoder {
            inner: Decoder::new(),
        }
    }
}

impl VideoDecoder for H264Decoder {
    /// Feeds SPS/PPS (or any NAL units that produce no picture).
    fn feed_parameter_sets(&mut self, annex_b: &[u8]) -> Result<()> {
        for nal in parse_annex_b(annex_b) {
            match self.inner.decode_nal(&nal) {
                Ok(_) => {}
                Err(DecodeError::Unsupported(what)) => {
                    return Err(Error::UnsupportedFeature(what.to_string()))
                }
                // A bad parameter set shows up again as undecodable slices.
                Err(_) => {}
            }
        }
        Ok(())
    }

    /// Decodes one access unit (a frame or a complementary field pair) and
    /// returns its picture. Unsupported features are an error; damage is
    /// reported in [`Decoded::had_errors`].
    fn decode(&mut self, annex_b: &[u8], pts: i64) -> Result<Decoded> {
        let mut had_errors = false;
        let mut picture = None;
        for nal in parse_annex_b(annex_b) {
            match self.inner.decode_nal(&nal) {
                Ok(Some(frame)) => picture = Some(frame),
                Ok(None) => {}
                Err(DecodeError::Unsupported(what)) => {
                    return Err(Error::UnsupportedFeature(what.to_string()))
                }
                Err(_) => had_errors = true,
            }
        }
        // The decoder holds a picture until the next one starts; the unit is
        // whole, so finish it now (the same reference marking happens either way).
        if let Some(frame) = self.inner.flush() {
            picture = Some(frame);
        }
        Ok(Decoded {
            pictures: vec![(pts, picture.map(to_picture))],
            had_errors,
        })
    }

    fn flush(&mut self) -> Result<Vec<Output>> {
        Ok(Vec::new())
    }
}

fn to_picture(frame: Frame) -> Picture {
    let planes = if frame.bit_depth > 8 {
        let widen = |p: Vec<u8>| {
            p.chunks_exact(2)
                .map(|b| u16::from_le_bytes([b[0], b[1]]))
                .collect::<Vec<u16>>()
        };
        Planes::U16([widen(frame.y), widen(frame.u), widen(frame.v)])
    } else {
        Planes::U8([frame.y, frame.u, frame.v])
    };
    Picture {
        width: frame.width,
        height: frame.height,
        bit_depth: frame.bit_depth,
        planes,
    }
}
