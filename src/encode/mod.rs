//! Encode: [`Picture`]s in, compressed frames out. AV1 with rav1e (the
//! default), or H.264 with rusty_h264 (the fast mode).

mod av1;
mod h264;
pub mod rate;

pub use av1::{strip_temporal_delimiters, Av1Encoder, Av1Preset, Av1Settings, LumaError};
pub use h264::{H264Encoder, H264Settings};

use crate::error::Result;
use crate::picture::Picture;

/// Stream-wide facts the encoder needs, identical for every chunk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VideoFormat {
    pub width: u32,
    pub height: u32,
    pub bit_depth: u8,
    /// Frames per second as `(num, den)`.
    pub frame_rate: (u32, u32),
    pub sample_aspect: (u32, u32),
}

/// One compressed frame, ready for an MP4 sample.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncodedFrame {
    /// AV1: OBUs without the temporal delimiter (MP4 samples must not carry
    /// it). H.264: NAL units with 4-byte lengths, parameter sets in `avcC`.
    pub data: Vec<u8>,
    /// Index of the source picture within this encoder's input.
    pub input_index: u64,
    pub keyframe: bool,
}

/// The encoder of one chunk, whichever codec.
pub enum VideoEncoder {
    Av1(Box<Av1Encoder>),
    H264(Box<H264Encoder>),
}

impl VideoEncoder {
    /// Sends a picture; returns the frames that became ready.
    pub fn send(&mut self, picture: &Picture) -> Result<Vec<EncodedFrame>> {
        match self {
            VideoEncoder::Av1(e) => e.send(picture),
            VideoEncoder::H264(e) => e.send(picture).map(|f| vec![f]),
        }
    }

    /// Ends the chunk: returns every remaining frame.
    pub fn finish(&mut self) -> Result<Vec<EncodedFrame>> {
        match self {
            VideoEncoder::Av1(e) => e.finish(),
            VideoEncoder::H264(_) => Ok(Vec::new()),
        }
    }
}
