//! H.264 with rusty_h264: the fast mode, for a file that plays everywhere.
//!
//! Constrained Baseline (CAVLC, one reference, no B-frames), constant QP.
//! rusty_h264's defaults are not usable as they are (its REPORT is in the
//! README): its lookahead holds frames back and loses the last window
//! unless flushed, and its baseline config writes `weighted_pred_flag = 1`,
//! which Baseline forbids. This configuration gives exactly one access unit
//! per picture, and SPS/PPS that depend only on the settings, so every
//! chunk's parameter sets are identical and one `avcC` describes them all.

use rusty_h264_common::YuvPlanes;
use rusty_h264_encoder::{Encoder, EncoderConfig, Preset};

use super::{EncodedFrame, VideoFormat};
use crate::codec::h264::nal_ranges;
use crate::error::{Error, Result};
use crate::mux::mp4::avcc_from_parameter_sets;
use crate::picture::{Picture, Planes};

/// H.264 settings shared by every chunk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct H264Settings {
    /// Constant QP, 0 (best) to 51 (worst).
    pub qp: u8,
}

impl Default for H264Settings {
    fn default() -> Self {
        H264Settings { qp: 28 }
    }
}

impl H264Settings {
    /// Checks ranges before any work starts.
    pub fn validate(&self) -> Result<()> {
        if self.qp > 51 {
            return Err(Error::InvalidSettings(format!(
                "H.264 QP {} is out of range 0-51",
                self.qp
            )));
        }
        Ok(())
    }
}

/// H.264 Table A-1: (level_idc, MaxMBPS, MaxFS, MaxDpbMbs).
const LEVELS: [(u8, u64, u64, u64); 16] = [
    (10, 1485, 99, 396),
    (11, 3000, 396, 900),
    (12, 6000, 396, 2376),
    (13, 11880, 396, 2376),
    (20, 11880, 396, 2376),
    (21, 19800, 792, 4752),
    (22, 20250, 1620, 8100),
    (30, 40500, 1620, 8100),
    (31, 108000, 3600, 18000),
    (32, 216000, 5120, 20480),
    (40, 245760, 8192, 32768),
    (41, 245760, 8192, 32768),
    (42, 522240, 8704, 34816),
    (50, 589824, 22080, 110400),
    (51, 983040, 36864, 184320),
    (52, 2073600, 36864, 184320),
];

/// Smallest level for the picture size and frame rate with one reference
/// frame (rusty_h264 checks the size only).
pub fn level_for(width: u32, height: u32, frame_rate: (u32, u32)) -> Result<u8> {
    let mbw = u64::from(width).div_ceil(16);
    let mbh = u64::from(height).div_ceil(16);
    let frame_mbs = mbw * mbh;
    let mbs_per_second =
        (frame_mbs * u64::from(frame_rate.0)).div_ceil(u64::from(frame_rate.1.max(1)));
    LEVELS
        .iter()
        .find(|&&(_, max_mbps, max_fs, max_dpb)| {
            let side = ((8 * max_fs) as f64).sqrt() as u64;
            frame_mbs <= max_fs
                && mbw <= side
                && mbh <= side
                && mbs_per_second <= max_mbps
                && frame_mbs <= max_dpb
        })
        .map(|&(level, ..)| level)
        .ok_or_else(|| {
            Error::UnsupportedFeature(format!(
                "{width}x{height} at {}/{} fps is beyond H.264 level 5.2; use AV1",
                frame_rate.0, frame_rate.1
            ))
        })
}

/// The H.264 encoder of one chunk.
pub struct H264Encoder {
    encoder: Encoder,
    format: VideoFormat,
    /// Coded size: H.264 4:2:0 cannot signal odd sizes, so an odd
    /// dimension is padded by one repeated column or row.
    coded: (usize, usize),
    /// 8-bit planes handed to the encoder (copied only when the picture is
    /// high bit depth or odd-sized).
    scratch: [Vec<u8>; 3],
    frames: u64,
    avcc: Option<Vec<u8>>,
}

impl H264Encoder {
    /// Starts an encoder; its first frame will be an IDR.
    pub fn new(format: VideoFormat, settings: &H264Settings) -> Result<Self> {
        settings.validate()?;
        let coded = (
            format.width as usize + (format.width as usize & 1),
            format.height as usize + (format.height as usize & 1),
        );
        let level = level_for(coded.0 as u32, coded.1 as u32, format.frame_rate)?;
        let mut config = EncoderConfig::baseline(coded.0, coded.1);
        config.weightp = false;
        config.mbtree = false;
        config.lookahead = 0;
        config.scenecut = 0;
        config.bframes = 0;
        config.num_ref_frames = 1;
        config.qp = settings.qp;
        config.bitrate = 0;
        config.framerate = format.frame_rate.0 as f32 / format.frame_rate.1.max(1) as f32;
        // Keyframes only where chunks start: every chunk is one GOP.
        config.gop_size = u32::MAX;
        config.min_keyint = 1;
        config.level_idc = level;
        config.preset = Preset::Fast;
        let encoder =
            Encoder::new(config).map_err(|e| Error::Encoder(format!("rusty_h264: {e:?}")))?;
        Ok(H264Encoder {
            encoder,
            format,
            coded,
            scratch: Default::default(),
            frames: 0,
            avcc: None,
        })
    }

    /// Displayed size (the coded size: odd sizes are rounded up).
    pub fn coded_size(&self) -> (u32, u32) {
        (self.coded.0 as u32, self.coded.1 as u32)
    }

    /// The `avcC` payload, known after the first frame.
    pub fn avcc(&self) -> Option<Vec<u8>> {
        self.avcc.clone()
    }

    /// Encodes one picture into one access unit.
    pub fn send(&mut self, picture: &Picture) -> Result<EncodedFrame> {
        if picture.width != self.format.width || picture.height != self.format.height {
            return Err(Error::UnsupportedFeature(format!(
                "picture size changes mid-stream ({}x{}, expected {}x{})",
                picture.width, picture.height, self.format.width, self.format.height
            )));
        }
        let (cw, ch) = (self.coded.0, self.coded.1);
        let needs_copy = matches!(picture.planes, Planes::U16(_))
            || (cw, ch) != (picture.width as usize, picture.height as usize);
        if needs_copy {
            self.fill_scratch(picture);
        }
        let planes: [&[u8]; 3] = match (&picture.planes, needs_copy) {
            (Planes::U8(p), false) => [&p[0], &p[1], &p[2]],
            _ => [&self.scratch[0], &self.scratch[1], &self.scratch[2]],
        };
        let yuv = YuvPlanes::new(cw, ch, planes[0], planes[1], planes[2], cw, cw / 2)
            .ok_or_else(|| Error::Encoder("rusty_h264 refused the picture geometry".into()))?;
        let access_unit = self
            .encoder
            .encode_planes(&yuv)
            .map_err(|e| Error::Encoder(format!("rusty_h264: {e:?}")))?;
        let mut data = Vec::with_capacity(access_unit.len() + 16);
        let (mut pictures, mut keyframe) = (0, false);
        for (start, end) in nal_ranges(&access_unit) {
            let nal = &access_unit[start..end];
            match nal.first().map(|b| b & 0x1f) {
                // Parameter sets go to avcC; AUDs and SEI are not needed in MP4.
                Some(6..=9) => {}
                Some(kind) => {
                    if kind == 5 || kind == 1 {
                        pictures += 1;
                        keyframe |= kind == 5;
                    }
                    data.extend_from_slice(&(nal.len() as u32).to_be_bytes());
                    data.extend_from_slice(nal);
                }
                None => {}
            }
        }
        if pictures != 1 {
            // The configuration above never buffers; be loud if it ever does.
            return Err(Error::Encoder(format!(
                "rusty_h264 returned {pictures} pictures for one input"
            )));
        }
        if keyframe && self.avcc.is_none() {
            // IDRs carry SPS and PPS in band: the same ones in every chunk.
            self.avcc = Some(avcc_from_parameter_sets(&access_unit)?);
        }
        let frame = EncodedFrame {
            data,
            input_index: self.frames,
            keyframe,
        };
        self.frames += 1;
        Ok(frame)
    }

    /// 8-bit, even-sized copies of the picture's planes.
    fn fill_scratch(&mut self, picture: &Picture) {
        let shift = picture.bit_depth.saturating_sub(8);
        for (i, out) in self.scratch.iter_mut().enumerate() {
            let (w, h) = picture.plane_size(i);
            let (cw, ch) = if i == 0 {
                self.coded
            } else {
                (self.coded.0 / 2, self.coded.1 / 2)
            };
            out.resize(cw * ch, 0);
            let sample = |x: usize, y: usize| -> u8 {
                let at = y.min(h - 1) * w + x.min(w - 1);
                match &picture.planes {
                    Planes::U8(p) => p[i][at],
                    Planes::U16(p) => {
                        let v = u32::from(p[i][at]);
                        let rounded = if shift == 0 {
                            v
                        } else {
                            (v + (1 << (shift - 1))) >> shift
                        };
                        rounded.min(255) as u8
                    }
                }
            };
            for y in 0..ch {
                for x in 0..cw {
                    out[y * cw + x] = sample(x, y);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format(width: u32, height: u32, bit_depth: u8) -> VideoFormat {
        VideoFormat {
            width,
            height,
            bit_depth,
            frame_rate: (30, 1),
            sample_aspect: (1, 1),
        }
    }

    #[test]
    fn levels_account_for_frame_rate() {
        assert_eq!(level_for(1280, 720, (30, 1)).unwrap(), 31);
        assert_eq!(level_for(1280, 720, (60, 1)).unwrap(), 32);
        assert_eq!(level_for(1920, 1080, (30000, 1001)).unwrap(), 40);
        assert_eq!(level_for(1920, 1080, (60, 1)).unwrap(), 42);
        assert!(level_for(7680, 4320, (30, 1)).is_err());
    }

    #[test]
    fn one_access_unit_per_picture_at_odd_sizes_and_10_bit() {
        for (w, h, depth) in [(33, 17, 8), (64, 48, 10)] {
            let mut encoder =
                H264Encoder::new(format(w, h, depth), &H264Settings::default()).expect("encoder");
            let picture = Picture {
                width: w,
                height: h,
                bit_depth: depth,
                planes: if depth == 8 {
                    Planes::U8([
                        vec![100; (w * h) as usize],
                        vec![128; (w.div_ceil(2) * h.div_ceil(2)) as usize],
                        vec![128; (w.div_ceil(2) * h.div_ceil(2)) as usize],
                    ])
                } else {
                    Planes::U16([
                        vec![400; (w * h) as usize],
                        vec![512; (w.div_ceil(2) * h.div_ceil(2)) as usize],
                        vec![512; (w.div_ceil(2) * h.div_ceil(2)) as usize],
                    ])
                },
            };
            for i in 0..5 {
                let frame = encoder.send(&picture).expect("frame");
                assert_eq!(frame.keyframe, i == 0);
                assert_eq!(frame.input_index, i);
                // Length-prefixed NAL units, no parameter sets in band.
                let len = u32::from_be_bytes(frame.data[..4].try_into().unwrap()) as usize;
                assert!(len + 4 <= frame.data.len());
                assert!(matches!(frame.data[4] & 0x1f, 1 | 5));
            }
            let avcc = encoder.avcc().expect("avcC after the first frame");
            assert_eq!((avcc[0], avcc[1]), (1, 66)); // Baseline
            assert_eq!(encoder.coded_size(), (w + (w & 1), h + (h & 1)));
        }
    }
}
