//! Decode: access units in, [`Picture`]s out, one decoder per codec behind
//! [`VideoDecoder`].
//!
//! Decoders may hold pictures back (HEVC outputs in presentation order):
//! each picture comes out tagged with the timestamp of the unit it was
//! decoded from, and every unit fed is answered exactly once, by
//! [`VideoDecoder::decode`] or [`VideoDecoder::flush`], with its picture or
//! with `None` when the decoder made none (a picture it had to drop).

pub mod h264;
pub mod hevc;
pub mod mpeg2;

use crate::codec::VideoCodecId;
use crate::error::{Error, Result};
use crate::picture::Picture;

/// A unit's timestamp with its picture, or `None` when it gave none.
pub type Output = (i64, Option<Picture>);

/// What decoding one access unit gave.
#[derive(Default)]
pub struct Decoded {
    /// Pictures that came out (of this unit or of earlier ones).
    pub pictures: Vec<Output>,
    /// The decoder reported a problem with this unit.
    pub had_errors: bool,
}

/// A video decoder fed one whole access unit at a time. Decoders recover
/// from damage by themselves at the next random-access point; an error is
/// returned only for a valid feature they do not decode.
pub trait VideoDecoder {
    /// Feeds the parameter sets a chunk starts with (SPS/PPS, VPS, or the
    /// MPEG-2 sequence header).
    fn feed_parameter_sets(&mut self, data: &[u8]) -> Result<()>;
    /// Decodes one access unit whose presentation time is `pts`.
    fn decode(&mut self, unit: &[u8], pts: i64) -> Result<Decoded>;
    /// Ends the chunk: everything still held comes out.
    fn flush(&mut self) -> Result<Vec<Output>>;
}

/// The decoder for a codec Fanout decodes.
pub fn decoder_for(codec: VideoCodecId) -> Result<Box<dyn VideoDecoder>> {
    Ok(match codec {
        VideoCodecId::H264 => Box::new(h264::H264Decoder::new()),
        VideoCodecId::Hevc => Box::new(hevc::HevcDecoder::new()),
        VideoCodecId::Mpeg2 | VideoCodecId::Mpeg1 => Box::new(mpeg2::Mpeg2Decoder::new()),
        other => {
            return Err(Error::UnsupportedFeature(format!(
                "{} has no decoder",
                other.name()
            )))
        }
    })
}
