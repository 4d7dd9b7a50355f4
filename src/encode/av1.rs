//! AV1 with rav1e: [`Picture`]s in, temporal units out.

use std::sync::Arc;

use rav1e::prelude::*;

use super::{EncodedFrame, VideoFormat};
use crate::error::{Error, Result};
use crate::picture::{Picture, Planes};

/// AV1 encoder settings shared by every chunk (so seams do not show).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Av1Settings {
    /// rav1e speed preset, 0 (slowest, smallest) to 10 (fastest).
    pub speed: u8,
    /// Quantizer, 0 (lossless-ish) to 255 (worst). With a bitrate cap,
    /// the best a chunk gets: the quality past which bits are wasted.
    pub quantizer: u8,
    /// Longest run of frames without a keyframe; 0 = only at chunk starts
    /// and scene cuts rav1e finds itself.
    pub max_keyframe_interval: u32,
    /// No frame reordering (no hidden frames, no pyramid): about 1.6–1.9×
    /// faster at rav1e's speed 10 for 0–20% more bits at equal PSNR
    /// (bench/knobs).
    #[serde(default)]
    pub low_latency: bool,
    /// Caps each chunk's video at this percentage of the source chunk's
    /// size by raising its quantizer (0: no cap, one quantizer for all).
    /// A fixed quantizer cannot know the source's bitrate: on a
    /// low-bitrate source it makes a file bigger than the input.
    #[serde(default)]
    pub bitrate_cap_percent: u8,
}

impl Default for Av1Settings {
    fn default() -> Self {
        Av1Preset::default().settings()
    }
}

/// Named trade-offs at the same quantizer (so about the same PSNR),
/// measured with `bench/knobs` (one thread, rav1e without assembly; 720p
/// camera-like clip, against the old default of speed 10 with reordering):
/// low-latency mode costs little at speed 9 and below and beats reordering
/// on both speed and size there (bench/knobs/README.md).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Av1Preset {
    /// rav1e speed 10, low latency: 1.9× the old default's speed, +13% bits.
    Fast,
    /// The default: speed 9, low latency: 1.15× the old speed, −31% bits.
    #[default]
    Balanced,
    /// Speed 8, low latency: 0.8× the old speed, −41% bits.
    Small,
}

impl Av1Preset {
    /// The encoder settings this preset stands for.
    pub fn settings(self) -> Av1Settings {
        let speed = match self {
            Av1Preset::Fast => 10,
            Av1Preset::Balanced => 9,
            Av1Preset::Small => 8,
        };
        Av1Settings {
            speed,
            quantizer: PRESET_BEST_QUANTIZER,
            max_keyframe_interval: 0,
            low_latency: true,
            bitrate_cap_percent: PRESET_BITRATE_CAP_PERCENT,
        }
    }
}

/// The presets' cap and best quantizer: each chunk's AV1 aims at 80 % of
/// the source chunk's bytes and never above them, at quantizer 80 where
/// that fits (no bits spent past the quality of quantizer 80 on sources
/// with bits to spare). A fixed quantizer alone made low-bitrate sources
/// bigger (2.9× on a 80 kbit/s HLS segment) and starved noisy ones (35 dB);
/// bench/size/README.md measures both.
pub const PRESET_BITRATE_CAP_PERCENT: u8 = 80;
pub const PRESET_BEST_QUANTIZER: u8 = 80;

impl Av1Settings {
    /// Checks ranges before any work starts.
    pub fn validate(&self) -> Result<()> {
        if self.speed > 10 {
            return Err(Error::InvalidSettings(format!(
                "speed {} is out of range 0-10",
                self.speed
            )));
        }
        if self.bitrate_cap_percent > 100 {
            return Err(Error::InvalidSettings(format!(
                "bitrate cap {}% is out of range 0-100",
                self.bitrate_cap_percent
            )));
        }
        Ok(())
    }
}

enum Inner {
    Eight(Context<u8>),
    High(Context<u16>),
}

/// How far the encoder's reconstruction is from its input, luma only:
/// what the bitrate cap weighs quality by. Integers, so every face takes
/// the same decisions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LumaError {
    /// Sum of squared differences over every shown frame.
    pub sse: u128,
    pub samples: u64,
    pub bit_depth: u8,
}

/// 10^(38/10) × 10^7: PSNR 38 dB as a ratio of peak² to mean squared error.
const TEN_POW_3_8_E7: u128 = 63_095_734_448;

impl LumaError {
    /// The chunk's PSNR-Y (from its mean squared error) is under 38 dB,
    /// where a viewer starts to see the difference from the source.
    pub fn below_38_db(&self) -> bool {
        let peak = (1u128 << self.bit_depth.clamp(8, 16)) - 1;
        self.sse * TEN_POW_3_8_E7 > peak * peak * u128::from(self.samples) * 10_000_000
    }

    fn add<T: Pixel>(&mut self, rec: &Frame<T>, source: &Frame<T>, width: usize, height: usize) {
        let (rec, source) = (&rec.planes[0], &source.planes[0]);
        for (a, b) in rec.rows_iter().zip(source.rows_iter()).take(height) {
            for (&x, &y) in a.iter().zip(b).take(width) {
                let d = i64::from(i32::cast_from(x) - i32::cast_from(y));
                self.sse += (d * d) as u128;
            }
            self.samples += a.len().min(b.len()).min(width) as u64;
        }
    }
}

/// A rav1e context for one chunk.
pub struct Av1Encoder {
    inner: Inner,
    format: VideoFormat,
    sequence_header: Option<Vec<u8>>,
    luma_error: LumaError,
}

impl Av1Encoder {
    /// Starts an encoder; its first frame will be a keyframe.
    pub fn new(format: VideoFormat, settings: &Av1Settings) -> Result<Self> {
        settings.validate()?;
        let (num, den) = format.frame_rate;
        let enc = EncoderConfig {
            width: format.width as usize,
            height: format.height as usize,
            bit_depth: usize::from(format.bit_depth),
            chroma_sampling: ChromaSampling::Cs420,
            sample_aspect_ratio: Rational::new(
                u64::from(format.sample_aspect.0.max(1)),
                u64::from(format.sample_aspect.1.max(1)),
            ),
            time_base: Rational::new(u64::from(den.max(1)), u64::from(num.max(1))),
            quantizer: usize::from(settings.quantizer),
            bitrate: 0,
            min_key_frame_interval: 0,
            max_key_frame_interval: if settings.max_keyframe_interval == 0 {
                // rav1e caps the interval; a chunk never gets this long.
                715_827_882
            } else {
                u64::from(settings.max_keyframe_interval)
            },
            low_latency: settings.low_latency,
            speed_settings: SpeedSettings::from_preset(settings.speed),
            ..Default::default()
        };
        // One thread: Fanout's parallelism is across chunks.
        let config = Config::new().with_encoder_config(enc).with_threads(1);
        let inner = if format.bit_depth > 8 {
            Inner::High(
                config
                    .new_context()
                    .map_err(|e| Error::Encoder(e.to_string()))?,
            )
        } else {
            Inner::Eight(
                config
                    .new_context()
                    .map_err(|e| Error::Encoder(e.to_string()))?,
            )
        };
        Ok(Av1Encoder {
            inner,
            format,
            sequence_header: None,
            luma_error: LumaError {
                bit_depth: format.bit_depth,
                ..LumaError::default()
            },
        })
    }

    /// The reconstruction's error so far (every frame, once finished).
    pub fn luma_error(&self) -> LumaError {
        self.luma_error
    }

    /// The `av1C` box payload: rav1e's fixed fields plus the sequence header
    /// OBU of the first keyframe. `None` before the first packet.
    pub fn av1c(&self) -> Option<Vec<u8>> {
        let fixed = match &self.inner {
            Inner::Eight(c) => c.container_sequence_header(),
            Inner::High(c) => c.container_sequence_header(),
        };
        let obu = self.sequence_header.as_ref()?;
        let mut out = fixed;
        out.extend_from_slice(obu);
        Some(out)
    }

    /// Sends a picture; returns temporal units that became ready.
    pub fn send(&mut self, picture: &Picture) -> Result<Vec<EncodedFrame>> {
        if picture.width != self.format.width
            || picture.height != self.format.height
            || picture.bit_depth != self.format.bit_depth
        {
            return Err(Error::UnsupportedFeature(format!(
                "picture size or depth changes mid-stream ({}x{} {}-bit, expected {}x{} {}-bit)",
                picture.width,
                picture.height,
                picture.bit_depth,
                self.format.width,
                self.format.height,
                self.format.bit_depth
            )));
        }
        match &mut self.inner {
            Inner::Eight(ctx) => {
                let mut frame = ctx.new_frame();
                if let Planes::U8(planes) = &picture.planes {
                    for (i, plane) in planes.iter().enumerate() {
                        let (w, _) = picture.plane_size(i);
                        frame.planes[i].copy_from_raw_u8(plane, w, 1);
                    }
                }
                ctx.send_frame(Arc::new(frame)).map_err(status_error)?;
            }
            Inner::High(ctx) => {
                let mut frame = ctx.new_frame();
                if let Planes::U16(planes) = &picture.planes {
                    for (i, plane) in planes.iter().enumerate() {
                        let (w, _) = picture.plane_size(i);
                        let bytes: Vec<u8> = plane.iter().flat_map(|s| s.to_le_bytes()).collect();
                        frame.planes[i].copy_from_raw_u8(&bytes, w * 2, 2);
                    }
                }
                ctx.send_frame(Arc::new(frame)).map_err(status_error)?;
            }
        }
        self.drain()
    }

    /// Ends the chunk: returns every remaining temporal unit.
    pub fn finish(&mut self) -> Result<Vec<EncodedFrame>> {
        match &mut self.inner {
            Inner::Eight(ctx) => ctx.flush(),
            Inner::High(ctx) => ctx.flush(),
        }
        self.drain()
    }

    fn drain(&mut self) -> Result<Vec<EncodedFrame>> {
        let mut out = Vec::new();
        loop {
            let (width, height) = (self.format.width as usize, self.format.height as usize);
            let error = &mut self.luma_error;
            let packet = match &mut self.inner {
                Inner::Eight(ctx) => ctx.receive_packet().map(|p| {
                    if let (Some(rec), Some(source)) = (&p.rec, &p.source) {
                        error.add(rec, source, width, height);
                    }
                    (p.data, p.input_frameno, p.frame_type)
                }),
                Inner::High(ctx) => ctx.receive_packet().map(|p| {
                    if let (Some(rec), Some(source)) = (&p.rec, &p.source) {
                        error.add(rec, source, width, height);
                    }
                    (p.data, p.input_frameno, p.frame_type)
                }),
            };
            match packet {
                Ok((data, input_index, frame_type)) => {
                    let (data, sequence_header) = strip_temporal_delimiters(&data)?;
                    if self.sequence_header.is_none() {
                        self.sequence_header = sequence_header;
                    }
                    out.push(EncodedFrame {
                        data,
                        input_index,
                        keyframe: frame_type == FrameType::KEY,
                    });
                }
                Err(EncoderStatus::Encoded) => continue,
                Err(EncoderStatus::NeedMoreData) | Err(EncoderStatus::LimitReached) => break,
                Err(e) => return Err(status_error(e)),
            }
        }
        Ok(out)
    }
}

fn status_error(status: EncoderStatus) -> Error {
    Error::Encoder(format!("rav1e: {status}"))
}

const OBU_SEQUENCE_HEADER: u8 = 1;
const OBU_TEMPORAL_DELIMITER: u8 = 2;

/// Splits a temporal unit into OBUs, drops temporal delimiters, and returns
/// a copy of the sequence header OBU when there is one.
pub fn strip_temporal_delimiters(tu: &[u8]) -> Result<(Vec<u8>, Option<Vec<u8>>)> {
    let mut out = Vec::with_capacity(tu.len());
    let mut sequence_header = None;
    let mut pos = 0;
    while pos < tu.len() {
        let header = tu[pos];
        let obu_type = (header >> 3) & 0x0f;
        let has_extension = header & 0x04 != 0;
        let has_size = header & 0x02 != 0;
        let mut p = pos + 1 + usize::from(has_extension);
        let size = if has_size {
            let mut value = 0usize;
            let mut i = 0;
            loop {
                let byte = *tu
                    .get(p)
                    .ok_or_else(|| Error::Encoder("AV1 OBU size cut short".into()))?;
                value |= usize::from(byte & 0x7f) << (7 * i);
                p += 1;
                i += 1;
                if byte & 0x80 == 0 || i == 8 {
                    break;
                }
            }
            value
        } else {
            tu.len() - p
        };
        let end = p
            .checked_add(size)
            .filter(|&e| e <= tu.len())
            .ok_or_else(|| Error::Encoder("AV1 OBU overruns its temporal unit".into()))?;
        let obu = &tu[pos..end];
        match obu_type {
            OBU_TEMPORAL_DELIMITER => {}
            OBU_SEQUENCE_HEADER => {
                sequence_header = Some(obu.to_vec());
                out.extend_from_slice(obu);
            }
            _ => out.extend_from_slice(obu),
        }
        pos = end;
    }
    Ok((out, sequence_header))
}
