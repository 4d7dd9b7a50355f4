//! Audio: every track of the input comes out playable.
//!
//! AAC in ADTS is passed through untouched (no generation loss). Every other
//! codec (MPEG-1/2 audio, AC-3, E-AC-3, AAC in LATM, LPCM) is decoded and
//! encoded to AAC-LC. That work fans out like the video: each video chunk
//! carries an [`AudioSegment`] per transcoded track (the compressed frames
//! for the chunk's time range plus a pre-roll before it and a post-roll
//! after it), and the chunk job encodes it next to the video. Segments cut
//! the track on a grid of whole AAC frames; each one encodes its pre-roll
//! and drops the frames that produced, so the joined track has no gap, no
//! doubled sample and no click at a seam, and the result depends only on
//! the input, never on how many workers ran.
//!
//! ```text
//! frame.rs   PES payloads → codec frames (headers: sizes, rates, channels)
//! decode.rs  codec frames → PCM         (symphonia, oxideav-ac3, rusty_aac, own LPCM)
//! encode.rs  PCM → AAC-LC frames        (rusty_aac)
//! segment.rs the audio part of a chunk job: decode → place on the timeline → encode
//! ```

pub mod decode;
pub mod encode;
pub mod frame;
pub mod ingest;
pub mod segment;

use crate::demux::AudioCodec;

/// Samples per AAC-LC frame: the grid segments are cut on.
pub const AAC_FRAME: i64 = 1024;

/// What the output track is.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AudioTrackInfo {
    /// The source codec's name, for the summary.
    pub source: String,
    /// ADTS AAC passed through; otherwise encoded to AAC-LC here.
    pub passthrough: bool,
    pub sample_rate: u32,
    pub channels: u16,
    pub audio_specific_config: Vec<u8>,
    /// ISO 639-2 code from the PMT, when it has one.
    pub language: Option<String>,
    /// Encoder priming: decoded samples at the start that are not presented.
    pub priming: u32,
}

/// One compressed frame of a transcoded track, placed on the track's
/// timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AudioPacket {
    /// Position of the first sample, in samples since the track's origin.
    pub position: i64,
    /// Samples (per channel) it decodes to.
    pub samples: u32,
    pub data: Vec<u8>,
}

/// The audio part of a chunk job: one track's packets around the chunk's
/// time range, and which AAC frames of the track to produce.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AudioSegment {
    /// Output track index (the MP4's audio tracks, in order).
    pub track: u32,
    pub codec: AudioCodec,
    pub sample_rate: u32,
    pub channels: u16,
    /// Total AAC bitrate, bits per second.
    pub bitrate: u32,
    /// 90 kHz time of sample 0 of the track.
    pub origin_pts: i64,
    /// Produce AAC frames `first_frame..end_frame` (index × 1024 samples
    /// since the origin; `end_frame` `None`: up to the end of the packets).
    pub first_frame: i64,
    pub end_frame: Option<i64>,
    /// In position order; covering the pre-roll before `first_frame` and
    /// the post-roll after `end_frame`.
    pub packets: Vec<AudioPacket>,
}

/// A segment's result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncodedAudio {
    pub track: u32,
    /// AAC frames with their 90 kHz timestamps (of each frame's first
    /// decoded sample, priming included; see [`AudioTrackInfo::priming`]).
    pub frames: Vec<(i64, Vec<u8>)>,
    /// Packets that failed to decode (concealed with silence).
    pub damaged_packets: u64,
}

/// AudioSpecificConfig of AAC-LC at `sample_rate` with `channels`.
pub fn aac_lc_config(sample_rate: u32, channels: u16) -> Option<Vec<u8>> {
    let index = AAC_RATES.iter().position(|&r| r == sample_rate)? as u8;
    let config = match channels {
        1..=6 => channels as u8,
        8 => 7,
        _ => return None,
    };
    // audioObjectType 2 (5 bits), frequency index (4), channel config (4), 3 zero bits.
    Some(vec![2 << 3 | index >> 1, (index & 1) << 7 | config << 3])
}

/// The sample rates AAC signals with an index.
pub const AAC_RATES: [u32; 12] = [
    96_000, 88_200, 64_000, 48_000, 44_100, 32_000, 24_000, 22_050, 16_000, 12_000, 11_025, 8_000,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audio_specific_config_of_stereo_48k() {
        assert_eq!(aac_lc_config(48_000, 2), Some(vec![0x11, 0x90]));
        assert_eq!(aac_lc_config(44_100, 6), Some(vec![0x12, 0x30]));
        assert_eq!(aac_lc_config(192_000, 2), None);
    }
}
