//! ISO-BMFF (MP4) writer for fast-start (`moov` before `mdat`) files.
//!
//! The muxer does no file I/O. It only keeps the sample index: the caller
//! records each sample with [`Mp4Muxer::add_video_sample`] /
//! [`Mp4Muxer::add_audio_sample_to`] and appends the sample's bytes to its own
//! payload sink right after. When everything is recorded, [`Mp4Muxer::header`]
//! returns `ftyp` + `moov` + the `mdat` box header; the finished file is that
//! header followed by the payload bytes in the order they were recorded.
//!
//! Layout decisions:
//! - Video is track 1; the AAC audio tracks that got samples follow as
//!   tracks 2, 3, … in the order they were given (a track without samples is
//!   left out and the later ones move up). All audio tracks are alternates
//!   of each other (`alternate_group` 1); only the first is enabled, so
//!   players play it by default and offer the others.
//! - Consecutive samples of the same track form one chunk, so the caller's
//!   interleaving decides the chunking.
//! - Chunk offsets are `stco` unless one of them does not fit 32 bits, then
//!   `co64`; `mdat` switches to the 64-bit `largesize` form when the payload
//!   is too big for a 32-bit box size. Because the header length depends on
//!   those choices, the `moov` is measured first and the offsets filled after.
//! - Edit lists keep audio and video aligned on the source (90 kHz) clock:
//!   the movie starts at the earliest presentation time of any track, a track
//!   starting later gets an empty edit for the difference, the video edit
//!   skips the B-frame reorder delay (composition offset of the first
//!   presented frame) and an audio edit skips the encoder priming
//!   ([`AudioTrack::priming`]).
//!
//! Boxes are encoded with `mp4-atom`. `trak`, `moov` and the `mdat` header
//! are assembled by hand (see [`write_box`] and [`mdat_header`]) for the
//! reasons given there.
//!
//! The module also holds two helpers for the remux ("copy") mode:
//! [`avc_decoder_config`], [`hevc_decoder_config`] and
//! [`annex_b_to_length_prefixed`].

pub mod fragmented;

use crate::codec::h264::{nal_ranges, Sps};
use mp4_atom::esds::{DecoderConfig, DecoderSpecific, EsDescriptor, SLConfig};
use mp4_atom::{
    u24, Atom, Audio, Av01, Av1c, Avc1, Avcc, AvccExt, Co64, Codec, CttsEntry, Dinf, Dref, Edts,
    Elst, ElstEntry, Encode, Esds, FixedPoint, Ftyp, Hdlr, Hvc1, HvcCArray, Hvcc, Mdhd, Mdia, Minf,
    Mp4a, Mvhd, Pasp, Smhd, Stbl, Stco, Stsc, StscEntry, Stsd, Stss, Stsz, StszSamples, Stts,
    SttsEntry, Tkhd, Url, Visual, Vmhd,
};

/// Media timescale of the video track: the MPEG-TS 90 kHz clock, so decode
/// and presentation timestamps are copied without rounding.
pub const VIDEO_TIMESCALE: u32 = 90_000;

/// Movie timescale (`mvhd`, `tkhd`, `elst` segment durations). Using the
/// source clock keeps the empty edits that align audio and video exact.
pub const MOVIE_TIMESCALE: u32 = 90_000;

const VIDEO_TRACK_ID: u32 = 1;
const AUDIO_TRACK_ID: u32 = 2;

/// MPEG-4 Systems object type indication for MPEG-4 Audio (AAC).
const OBJECT_TYPE_MPEG4_AUDIO: u8 = 0x40;
/// MPEG-4 Systems stream type for audio streams.
const STREAM_TYPE_AUDIO: u8 = 0x05;

/// Errors from building the MP4 header or the AVC configuration record.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MuxError {
    /// `header()` was called before any video sample was recorded.
    #[error("mp4: no video samples recorded")]
    NoVideoSamples,
    /// Audio samples were recorded but the muxer was built without an audio track.
    #[error("mp4: {0} audio samples recorded but no audio track configured")]
    AudioWithoutTrack(usize),
    /// Audio samples were recorded for a track index the muxer was not
    /// built with (the muxer has at least one audio track; with none the
    /// error is [`MuxError::AudioWithoutTrack`]).
    #[error("mp4: {samples} audio samples recorded for track {track}, but only {tracks} audio tracks are configured")]
    NoSuchAudioTrack {
        /// The first out-of-range track index given.
        track: usize,
        /// Number of configured audio tracks.
        tracks: usize,
        /// Number of samples recorded for out-of-range indices.
        samples: usize,
    },
    /// A video decode timestamp is smaller than the previous one.
    #[error("mp4: video dts goes backwards at sample {index} ({dts} after {prev})")]
    DtsNotMonotonic {
        /// Index of the offending sample (decode order).
        index: usize,
        /// Decode timestamp of the previous sample.
        prev: i64,
        /// Decode timestamp of this sample.
        dts: i64,
    },
    /// A video sample is presented before it is decoded (`pts < dts`).
    #[error("mp4: video sample {index} has pts {pts} before its dts {dts}")]
    PtsBeforeDts {
        /// Index of the offending sample (decode order).
        index: usize,
        /// Its presentation timestamp.
        pts: i64,
        /// Its decode timestamp.
        dts: i64,
    },
    /// A sample duration or composition offset does not fit 32 bits.
    #[error("mp4: {track} sample {index}: {what} of {value} ticks does not fit 32 bits")]
    TimeOverflow {
        /// `"video"` or `"audio"`.
        track: &'static str,
        /// Index of the sample.
        index: usize,
        /// Which quantity overflowed.
        what: &'static str,
        /// The value that did not fit.
        value: i64,
    },
    /// More samples or chunks than a 32-bit count can express.
    #[error("mp4: too many {0} for a 32-bit count")]
    TooMany(&'static str),
    /// The track description or codec configuration is unusable.
    #[error("mp4: invalid {what}: {why}")]
    InvalidConfig {
        /// The field or structure at fault.
        what: &'static str,
        /// What is wrong with it.
        why: String,
    },
    /// `mp4-atom` rejected a box while encoding or decoding it.
    #[error("mp4: box encoding failed: {0}")]
    Atom(#[from] mp4_atom::Error),
    /// The second layout pass disagreed with the first (a bug in this module).
    #[error("mp4: internal layout error: {0}")]
    Internal(&'static str),
}

fn invalid(what: &'static str, why: impl Into<String>) -> MuxError {
    MuxError::InvalidConfig {
        what,
        why: why.into(),
    }
}

/// Video codec and its decoder configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VideoCodec {
    /// AV1. `av1c` is the complete `av1C` payload: the 4 fixed bytes
    /// (marker/version, seq_profile/level, tier/bitdepth/mono/subsampling
    /// flags, presentation delay) followed by configOBUs (the sequence
    /// header OBU). `bit_depth` (8, 10 or 12) must agree with the flags.
    Av1 {
        /// Complete `av1C` payload (without box header).
        av1c: Vec<u8>,
        /// Luma bit depth: 8, 10 or 12.
        bit_depth: u8,
    },
    /// H.264. `avcc` is a complete AVCDecoderConfigurationRecord, e.g. from
    /// [`avc_decoder_config`]; samples must use 4-byte NAL length prefixes
    /// unless the record says otherwise.
    Avc {
        /// Complete AVCDecoderConfigurationRecord (without box header).
        avcc: Vec<u8>,
    },
    /// HEVC, as `hvc1`: every parameter set is in `hvcc` (a complete
    /// HEVCDecoderConfigurationRecord, e.g. from [`hevc_decoder_config`]),
    /// samples use 4-byte NAL length prefixes.
    Hevc {
        /// Complete HEVCDecoderConfigurationRecord (without box header).
        hvcc: Vec<u8>,
    },
}

/// Description of the (single, mandatory) video track.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoTrack {
    /// Codec and decoder configuration.
    pub codec: VideoCodec,
    /// Visible width in pixels.
    pub width: u32,
    /// Visible height in pixels.
    pub height: u32,
    /// Pixel aspect ratio `(h_spacing, v_spacing)`; a `pasp` box is written
    /// and the display width scaled when it is `Some` and not 1:1.
    pub pixel_aspect: Option<(u32, u32)>,
    /// Frame duration in 90 kHz ticks, used as the duration of the last sample.
    pub default_frame_duration: u32,
}

/// Description of one AAC audio track.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AudioTrack {
    /// Output sample rate in Hz; also the audio media timescale.
    pub sample_rate: u32,
    /// Channel count written in the sample entry.
    pub channels: u16,
    /// AudioSpecificConfig (at least 2 bytes), e.g. from an ADTS header.
    pub audio_specific_config: Vec<u8>,
    /// PCM samples per AAC frame (1024 for AAC-LC).
    pub samples_per_frame: u32,
    /// ISO 639-2/T language code (3 lowercase letters) for the track's
    /// `mdhd`; empty or anything else writes "und".
    pub language: String,
    /// Decoded samples at the start of the track that are encoder priming
    /// and not presented: the edit starts at this media time and the
    /// presented duration shrinks by it. Sample timestamps stay those of
    /// each frame's first decoded sample, so the track is presented from
    /// `first pts + priming / sample_rate`, and that is the time aligned with
    /// the other tracks. Must be less than the track's decoded length.
    pub priming: u32,
}

#[derive(Debug, Clone, Copy)]
struct VideoSample {
    size: u32,
    dts: i64,
    pts: i64,
    sync: bool,
}

#[derive(Debug, Clone, Copy)]
struct AudioSample {
    size: u32,
    pts: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TrackKind {
    Video,
    /// Index into the muxer's audio tracks.
    Audio(usize),
}

/// A run of consecutive samples of one track in the payload.
#[derive(Debug, Clone, Copy)]
struct Chunk {
    track: TrackKind,
    /// Offset of the chunk's first byte from the start of the payload.
    offset: u64,
    samples: u32,
}

/// Collects the sample index of one video and any number of audio tracks
/// and produces the fast-start header that goes in front of the payload.
#[derive(Debug, Clone)]
pub struct Mp4Muxer {
    video: VideoTrack,
    audio: Vec<AudioTrack>,
    video_samples: Vec<VideoSample>,
    /// One list per entry of `audio`.
    audio_samples: Vec<Vec<AudioSample>>,
    /// Samples recorded for an audio track index that does not exist:
    /// (first such index, number of samples). Reported by `header()`.
    stray_audio: Option<(usize, usize)>,
    chunks: Vec<Chunk>,
    payload_len: u64,
}

/// An audio track that goes into the file, with its number there.
struct AudioOut<'a> {
    /// Index into the muxer's audio tracks.
    index: usize,
    track: &'a AudioTrack,
    track_id: u32,
    timing: Timing,
}

impl Mp4Muxer {
    /// Creates a muxer for one video track and an optional audio track.
    /// Same as [`Mp4Muxer::with_audio_tracks`] with zero or one track.
    pub fn new(video: VideoTrack, audio: Option<AudioTrack>) -> Self {
        Self::with_audio_tracks(video, audio.into_iter().collect())
    }

    /// Creates a muxer for one video track and the given audio tracks;
    /// samples name their track by its index in `audio`.
    pub fn with_audio_tracks(video: VideoTrack, audio: Vec<AudioTrack>) -> Self {
        Mp4Muxer {
            video,
            audio_samples: vec![Vec::new(); audio.len()],
            audio,
            video_samples: Vec::new(),
            stray_audio: None,
            chunks: Vec::new(),
            payload_len: 0,
        }
    }

    /// Records a video sample whose `size` bytes the caller appends to the
    /// payload next. Timestamps are 90 kHz, already unwrapped and monotonic:
    /// `dts` non-decreasing, `pts >= dts` (greater for reordered B-frames).
    /// Violations are reported by [`Mp4Muxer::header`].
    pub fn add_video_sample(&mut self, size: u32, dts: i64, pts: i64, sync: bool) {
        self.video_samples.push(VideoSample {
            size,
            dts,
            pts,
            sync,
        });
        self.push_to_chunk(TrackKind::Video, size);
    }

    /// Records an audio sample of the first audio track; same as
    /// [`Mp4Muxer::add_audio_sample_to`] with track 0.
    pub fn add_audio_sample(&mut self, size: u32, pts: i64) {
        self.add_audio_sample_to(0, size, pts);
    }

    /// Records an audio sample (one raw AAC frame, no ADTS header) of audio
    /// track `track` (its index in the list the muxer was built with) whose
    /// `size` bytes the caller appends to the payload next. `pts` is 90 kHz:
    /// the time of the frame's first decoded sample, priming included.
    ///
    /// A `track` out of range does not panic: the sample is not indexed and
    /// [`Mp4Muxer::header`] fails.
    pub fn add_audio_sample_to(&mut self, track: usize, size: u32, pts: i64) {
        match self.audio_samples.get_mut(track) {
            Some(samples) => {
                samples.push(AudioSample { size, pts });
                self.push_to_chunk(TrackKind::Audio(track), size);
            }
            None => {
                let stray = self.stray_audio.get_or_insert((track, 0));
                stray.1 = stray.1.saturating_add(1);
                // The caller still appends the bytes; keep the length honest.
                self.payload_len = self.payload_len.saturating_add(u64::from(size));
            }
        }
    }

    /// Total number of payload bytes recorded so far.
    pub fn payload_len(&self) -> u64 {
        self.payload_len
    }

    /// Number of video samples recorded so far.
    pub fn video_sample_count(&self) -> usize {
        self.video_samples.len()
    }

    /// Number of audio samples recorded so far, all tracks together.
    pub fn audio_sample_count(&self) -> usize {
        self.audio_samples.iter().map(Vec::len).sum()
    }

    /// Number of samples recorded so far for audio track `track` (0 for an
    /// index out of range).
    pub fn audio_sample_count_of(&self, track: usize) -> usize {
        self.audio_samples.get(track).map_or(0, Vec::len)
    }

    fn push_to_chunk(&mut self, track: TrackKind, size: u32) {
        match self.chunks.last_mut() {
            Some(chunk) if chunk.track == track && chunk.samples < u32::MAX => chunk.samples += 1,
            _ => self.chunks.push(Chunk {
                track,
                offset: self.payload_len,
                samples: 1,
            }),
        }
        // Saturating: a payload of 2^64 bytes cannot exist, but never panic.
        self.payload_len = self.payload_len.saturating_add(u64::from(size));
    }

    /// Returns `ftyp` + `moov` + the `mdat` box header. The final file is this
    /// header followed by the payload bytes in the order they were recorded.
    ///
    /// Fails when no video sample was recorded, when an audio sample named
    /// a track that does not exist, when timestamps break the contract of
    /// the `add_*` methods, or when a track description or codec
    /// configuration is malformed.
    pub fn header(&self) -> Result<Vec<u8>, MuxError> {
        if self.video_samples.is_empty() {
            return Err(MuxError::NoVideoSamples);
        }
        if let Some((track, samples)) = self.stray_audio {
            return Err(if self.audio.is_empty() {
                MuxError::AudioWithoutTrack(samples)
            } else {
                MuxError::NoSuchAudioTrack {
                    track,
                    tracks: self.audio.len(),
                    samples,
                }
            });
        }

        let video = self.video_timing()?;
        // An audio track without samples is left out of the file; the
        // others are numbered on from the video track without gaps.
        let mut audio = Vec::with_capacity(self.audio.len());
        for (index, (track, samples)) in self.audio.iter().zip(&self.audio_samples).enumerate() {
            if samples.is_empty() {
                continue;
            }
            let track_id = u32::try_from(audio.len())
                .ok()
                .and_then(|n| AUDIO_TRACK_ID.checked_add(n))
                .ok_or(MuxError::TooMany("audio tracks"))?;
            audio.push(AudioOut {
                index,
                track,
                track_id,
                timing: Self::audio_timing(track, samples)?,
            });
        }

        // The movie timeline starts at the earliest presentation time.
        let t0 = audio
            .iter()
            .map(|a| a.timing.first_pts)
            .fold(video.first_pts, i64::min);

        let ftyp = self.ftyp()?;
        let mdat_header_len: u64 = if self.payload_len > u64::from(u32::MAX) - 8 {
            16
        } else {
            8
        };
        let max_chunk_offset = self.chunks.last().map_or(0, |c| c.offset);

        // Pass 1: measure the moov. Its size depends only on the number of
        // entries and on stco vs co64, not on the offset values.
        let mut wide = max_chunk_offset > u64::from(u32::MAX);
        let mut moov_len = self.moov(&video, &audio, t0, 0, wide)?.len() as u64;
        let mut header_len = ftyp.len() as u64 + moov_len + mdat_header_len;
        if !wide && header_len + max_chunk_offset > u64::from(u32::MAX) {
            // Switching to co64 only grows the header, so one retry settles it.
            wide = true;
            moov_len = self.moov(&video, &audio, t0, 0, wide)?.len() as u64;
            header_len = ftyp.len() as u64 + moov_len + mdat_header_len;
        }

        // Pass 2: the real offsets, relative to the start of the file.
        let moov = self.moov(&video, &audio, t0, header_len, wide)?;
        if moov.len() as u64 != moov_len {
            return Err(MuxError::Internal("moov size changed between passes"));
        }

        let mut out = Vec::with_capacity(usize::try_from(header_len).unwrap_or(0));
        out.extend_from_slice(&ftyp);
        out.extend_from_slice(&moov);
        mdat_header(&mut out, self.payload_len, mdat_header_len == 16);
        Ok(out)
    }

    fn ftyp(&self) -> Result<Vec<u8>, MuxError> {
        let codec_brand = match self.video.codec {
            VideoCodec::Av1 { .. } => b"av01",
            VideoCodec::Avc { .. } => b"avc1",
            VideoCodec::Hevc { .. } => b"hvc1",
        };
        let ftyp = Ftyp {
            major_brand: b"isom".into(),
            minor_version: 512,
            compatible_brands: vec![
                b"isom".into(),
                b"iso2".into(),
                b"mp41".into(),
                codec_brand.into(),
            ],
        };
        let mut out = Vec::new();
        ftyp.encode(&mut out)?;
        Ok(out)
    }

    /// Computes stts/ctts and the edit parameters of the video track.
    fn video_timing(&self) -> Result<Timing, MuxError> {
        if self.video.default_frame_duration == 0 {
            return Err(invalid("default_frame_duration", "must be non-zero"));
        }
        let samples = &self.video_samples;
        let first = samples.first().ok_or(MuxError::NoVideoSamples)?;

        let mut durations = Vec::with_capacity(samples.len());
        let mut offsets = Vec::with_capacity(samples.len());
        let mut min_pts = first.pts;
        for (index, pair) in samples.windows(2).enumerate() {
            let (cur, next) = (pair[0], pair[1]);
            let delta = next.dts - cur.dts;
            if delta < 0 {
                return Err(MuxError::DtsNotMonotonic {
                    index: index + 1,
                    prev: cur.dts,
                    dts: next.dts,
                });
            }
            durations.push(u32::try_from(delta).map_err(|_| MuxError::TimeOverflow {
                track: "video",
                index,
                what: "duration",
                value: delta,
            })?);
        }
        durations.push(self.video.default_frame_duration);

        for (index, s) in samples.iter().enumerate() {
            let offset = s.pts - s.dts;
            if offset < 0 {
                return Err(MuxError::PtsBeforeDts {
                    index,
                    pts: s.pts,
                    dts: s.dts,
                });
            }
            offsets.push(u32::try_from(offset).map_err(|_| MuxError::TimeOverflow {
                track: "video",
                index,
                what: "composition offset",
                value: offset,
            })?);
            min_pts = min_pts.min(s.pts);
        }

        let media_duration = durations.iter().map(|&d| u64::from(d)).sum::<u64>();
        // pts >= dts >= first dts for every sample, so this is non-negative.
        let media_time = u64::try_from(min_pts - first.dts).unwrap_or(0);
        Ok(Timing {
            ctts: if offsets.iter().any(|&o| o != 0) {
                Some(run_length(offsets.iter().copied()))
            } else {
                None
            },
            stts: run_length(durations.iter().copied()),
            media_duration,
            first_pts: min_pts,
            media_time,
            // Video media timescale equals the movie timescale.
            presentation_duration: media_duration,
        })
    }

    /// Computes stts and the edit parameters of an audio track.
    ///
    /// AAC frames have a fixed duration (`samples_per_frame`), while their
    /// 90 kHz PES timestamps carry rounding jitter (e.g. 2089.8 ticks per
    /// frame at 44.1 kHz). Each frame gets the nominal duration when the next
    /// frame's timestamp is within a quarter frame of where the nominal
    /// duration puts it; otherwise (a gap or an overlap in the source) the
    /// measured distance is used, so the track re-syncs to the source clock
    /// instead of drifting.
    fn audio_timing(track: &AudioTrack, samples: &[AudioSample]) -> Result<Timing, MuxError> {
        let sr = track.sample_rate;
        if sr == 0 {
            return Err(invalid("audio sample_rate", "must be non-zero"));
        }
        let spf = track.samples_per_frame;
        if spf == 0 {
            return Err(invalid("audio samples_per_frame", "must be non-zero"));
        }
        let first_pts = match samples.first() {
            Some(s) => s.pts,
            None => return Err(invalid("audio track", "no samples")),
        };

        let mut clock = AudioClock::new(first_pts, sr, spf);
        let mut durations = Vec::with_capacity(samples.len());
        for (index, next) in samples.iter().skip(1).enumerate() {
            let duration = clock.duration_to(next.pts);
            durations.push(u32::try_from(duration).map_err(|_| MuxError::TimeOverflow {
                track: "audio",
                index,
                what: "duration",
                value: duration,
            })?);
        }
        durations.push(spf);

        let media_duration = durations.iter().map(|&d| u64::from(d)).sum::<u64>();
        let priming = u64::from(track.priming);
        if priming >= media_duration {
            return Err(invalid(
                "audio priming",
                format!("{priming} samples but the track decodes to {media_duration}"),
            ));
        }
        // Presentation starts after the priming; that instant is what lines
        // up with the other tracks. (At most 2^32 * 90000 ticks: fits i64.)
        let priming_ticks =
            i64::try_from(rescale(priming, sr, VIDEO_TIMESCALE)).unwrap_or(i64::MAX);
        Ok(Timing {
            stts: run_length(durations.iter().copied()),
            ctts: None,
            media_duration,
            first_pts: first_pts.saturating_add(priming_ticks),
            media_time: priming,
            presentation_duration: rescale(media_duration - priming, sr, MOVIE_TIMESCALE),
        })
    }

    /// Encodes the whole `moov`. `base` is added to every payload offset;
    /// `wide` selects `co64` over `stco`.
    fn moov(
        &self,
        video: &Timing,
        audio: &[AudioOut],
        t0: i64,
        base: u64,
        wide: bool,
    ) -> Result<Vec<u8>, MuxError> {
        let video_trak = self.video_trak(video, t0, base, wide)?;
        let audio_traks = audio
            .iter()
            .map(|a| self.audio_trak(a, t0, base, wide))
            .collect::<Result<Vec<_>, _>>()?;

        let duration = audio
            .iter()
            .map(|a| a.timing.track_duration(t0))
            .fold(video.track_duration(t0), u64::max);
        let last_track_id = audio.last().map_or(VIDEO_TRACK_ID, |a| a.track_id);
        let mvhd = Mvhd {
            timescale: MOVIE_TIMESCALE,
            duration,
            rate: FixedPoint::new(1, 0),
            volume: FixedPoint::new(1, 0),
            next_track_id: last_track_id
                .checked_add(1)
                .ok_or(MuxError::TooMany("audio tracks"))?,
            ..Default::default()
        };

        let mut out = Vec::new();
        write_box(&mut out, b"moov", |buf| {
            mvhd.encode(buf)?;
            buf.extend_from_slice(&video_trak);
            for trak in &audio_traks {
                buf.extend_from_slice(trak);
            }
            Ok(())
        })?;
        Ok(out)
    }

    fn video_trak(
        &self,
        timing: &Timing,
        t0: i64,
        base: u64,
        wide: bool,
    ) -> Result<Vec<u8>, MuxError> {
        let (codec, display_width, height) = video_sample_entry(&self.video)?;
        let samples = &self.video_samples;
        let sizes: Vec<u32> = samples.iter().map(|s| s.size).collect();
        let stss = if samples.iter().all(|s| s.sync) {
            None
        } else {
            let mut entries = Vec::new();
            for (i, s) in samples.iter().enumerate() {
                if s.sync {
                    entries.push(
                        u32::try_from(i + 1).map_err(|_| MuxError::TooMany("video samples"))?,
                    );
                }
            }
            Some(Stss { entries })
        };

        let stbl = self.stbl(TrackKind::Video, codec, timing, stss, sizes, base, wide)?;
        let minf = Minf {
            vmhd: Some(Vmhd::default()),
            dinf: self_contained_dinf(),
            stbl,
            ..Default::default()
        };
        let tkhd = Tkhd {
            track_id: VIDEO_TRACK_ID,
            duration: timing.track_duration(t0),
            enabled: true,
            in_movie: true,
            width: display_width,
            height: FixedPoint::from(height),
            ..Default::default()
        };
        trak(
            tkhd,
            timing.edit_list(t0),
            timing.media_duration,
            VIDEO_TIMESCALE,
            "und",
            b"vide",
            "VideoHandler",
            minf,
        )
    }

    fn audio_trak(
        &self,
        out: &AudioOut,
        t0: i64,
        base: u64,
        wide: bool,
    ) -> Result<Vec<u8>, MuxError> {
        let (track, timing) = (out.track, &out.timing);
        let sizes: Vec<u32> = self.audio_samples[out.index]
            .iter()
            .map(|s| s.size)
            .collect();
        let (avg_bitrate, max_bitrate) = audio_bitrates(&sizes, timing, track.sample_rate);
        let max_size = sizes.iter().copied().max().unwrap_or(0);

        let mp4a = audio_sample_entry(track, out.track_id, max_size, avg_bitrate, max_bitrate)?;

        let stbl = self.stbl(
            TrackKind::Audio(out.index),
            mp4a,
            timing,
            None,
            sizes,
            base,
            wide,
        )?;
        let minf = Minf {
            smhd: Some(Smhd::default()),
            dinf: self_contained_dinf(),
            stbl,
            ..Default::default()
        };
        let tkhd = Tkhd {
            track_id: out.track_id,
            duration: timing.track_duration(t0),
            // Alternates: players play the enabled one and offer the rest.
            enabled: out.track_id == AUDIO_TRACK_ID,
            in_movie: true,
            volume: FixedPoint::new(1, 0),
            alternate_group: 1,
            ..Default::default()
        };
        trak(
            tkhd,
            timing.edit_list(t0),
            timing.media_duration,
            track.sample_rate,
            mdhd_language(&track.language),
            b"soun",
            "SoundHandler",
            minf,
        )
    }

    /// Builds the sample table shared by all tracks: stsd, stts, ctts,
    /// stss, stsc, stsz and stco/co64.
    #[allow(clippy::too_many_arguments)]
    fn stbl(
        &self,
        kind: TrackKind,
        codec: Codec,
        timing: &Timing,
        stss: Option<Stss>,
        sizes: Vec<u32>,
        base: u64,
        wide: bool,
    ) -> Result<Stbl, MuxError> {
        let count = u32::try_from(sizes.len()).map_err(|_| MuxError::TooMany("samples"))?;

        let mut stsc = Vec::<StscEntry>::new();
        let mut offsets = Vec::new();
        for (index, chunk) in self.chunks.iter().filter(|c| c.track == kind).enumerate() {
            offsets.push(base.saturating_add(chunk.offset));
            // stsc only records changes in samples-per-chunk.
            if stsc.last().map(|e| e.samples_per_chunk) != Some(chunk.samples) {
                stsc.push(StscEntry {
                    first_chunk: u32::try_from(index + 1)
                        .map_err(|_| MuxError::TooMany("chunks"))?,
                    samples_per_chunk: chunk.samples,
                    sample_description_index: 1,
                });
            }
        }

        let (stco, co64) = if wide {
            (None, Some(Co64 { entries: offsets }))
        } else {
            let entries = offsets
                .into_iter()
                .map(u32::try_from)
                .collect::<Result<Vec<u32>, _>>()
                .map_err(|_| MuxError::Internal("chunk offset exceeds stco range"))?;
            (Some(Stco { entries }), None)
        };

        let samples = match sizes.first() {
            Some(&first) if sizes.iter().all(|&s| s == first) => {
                StszSamples::Identical { count, size: first }
            }
            _ => StszSamples::Different { sizes },
        };

        Ok(Stbl {
            stsd: Stsd {
                codecs: vec![codec],
            },
            stts: Stts {
                entries: timing
                    .stts
                    .iter()
                    .map(|&(sample_count, sample_delta)| SttsEntry {
                        sample_count,
                        sample_delta,
                    })
                    .collect(),
            },
            ctts: timing.ctts.as_ref().map(|runs| mp4_atom::Ctts {
                entries: runs
                    .iter()
                    .map(|&(sample_count, offset)| CttsEntry {
                        sample_count,
                        sample_offset: i64::from(offset),
                    })
                    .collect(),
            }),
            stss,
            stsc: Stsc { entries: stsc },
            stsz: Stsz { samples },
            stco,
            co64,
            ..Default::default()
        })
    }
}

/// The video sample entry (`av01`, `avc1` or `hvc1` with its `pasp`), the
/// display width (stretched by the pixel aspect, 16.16) and the height.
pub(super) fn video_sample_entry(
    v: &VideoTrack,
) -> Result<(Codec, FixedPoint<u16>, u16), MuxError> {
    let width = u16::try_from(v.width).map_err(|_| invalid("video width", v.width.to_string()))?;
    let height =
        u16::try_from(v.height).map_err(|_| invalid("video height", v.height.to_string()))?;
    if width == 0 || height == 0 {
        return Err(invalid("video size", format!("{width}x{height}")));
    }

    let pasp = match v.pixel_aspect {
        Some((h, v)) if h != 0 && v != 0 && h != v => Some((h, v)),
        _ => None,
    };
    let visual = Visual {
        data_reference_index: 1,
        width,
        height,
        ..Default::default()
    };
    let codec: Codec = match &v.codec {
        VideoCodec::Av1 { av1c, bit_depth } => {
            let av1c = parse_av1c(av1c, *bit_depth)?;
            Av01 {
                visual,
                av1c,
                pasp: pasp.map(|(h, v)| Pasp::new(h, v)).transpose()?,
                ..Default::default()
            }
            .into()
        }
        VideoCodec::Avc { avcc } => {
            let avcc = Avcc::decode_body(&mut avcc.as_slice())
                .map_err(|e| invalid("avcC", e.to_string()))?;
            Avc1 {
                visual,
                avcc,
                pasp: pasp.map(|(h, v)| Pasp::new(h, v)).transpose()?,
                ..Default::default()
            }
            .into()
        }
        VideoCodec::Hevc { hvcc } => {
            let hvcc = Hvcc::decode_body(&mut hvcc.as_slice())
                .map_err(|e| invalid("hvcC", e.to_string()))?;
            Hvc1 {
                visual,
                hvcc,
                pasp: pasp.map(|(h, v)| Pasp::new(h, v)).transpose()?,
                ..Default::default()
            }
            .into()
        }
    };

    // Display size: the width is stretched by the pixel aspect ratio, as
    // players expect, and stored as 16.16 fixed point.
    let display_width = match pasp {
        Some((h, v)) => {
            let fixed = u128::from(width) * u128::from(h) * 65536 / u128::from(v);
            let int = u16::try_from(fixed >> 16)
                .map_err(|_| invalid("pixel_aspect", "display width exceeds 65535"))?;
            FixedPoint::new(int, (fixed & 0xFFFF) as u16)
        }
        None => FixedPoint::from(width),
    };

    Ok((codec, display_width, height))
}

/// The `mp4a` sample entry of an AAC track; the sizes and bitrates go into
/// its `esds` (0 where not known, as in a fragmented file's `moov`).
pub(super) fn audio_sample_entry(
    track: &AudioTrack,
    track_id: u32,
    max_size: u32,
    avg_bitrate: u32,
    max_bitrate: u32,
) -> Result<Codec, MuxError> {
    if track.audio_specific_config.len() < 2 {
        return Err(invalid(
            "audio_specific_config",
            format!(
                "{} bytes, need at least 2",
                track.audio_specific_config.len()
            ),
        ));
    }
    let mp4a = Mp4a {
        audio: Audio {
            data_reference_index: 1,
            channel_count: track.channels,
            sample_size: 16,
            // The 16.16 field cannot hold rates above 65535 Hz; write 0
            // then, the AudioSpecificConfig carries the real rate.
            sample_rate: FixedPoint::from(u16::try_from(track.sample_rate).unwrap_or(0)),
        },
        esds: Esds {
            es_desc: EsDescriptor {
                es_id: u16::try_from(track_id).map_err(|_| MuxError::TooMany("audio tracks"))?,
                dec_config: DecoderConfig {
                    object_type_indication: OBJECT_TYPE_MPEG4_AUDIO,
                    stream_type: STREAM_TYPE_AUDIO,
                    up_stream: 0,
                    buffer_size_db: u24::try_from(max_size).unwrap_or_else(|_| [0xFF; 3].into()),
                    max_bitrate,
                    avg_bitrate,
                    // `raw` is written verbatim when non-empty; the parsed
                    // fields are only used by mp4-atom when it is empty.
                    dec_specific: Some(DecoderSpecific {
                        raw: track.audio_specific_config.clone(),
                        ..Default::default()
                    }),
                },
                sl_config: SLConfig::default(),
                ..Default::default()
            },
        },
        btrt: None,
        taic: None,
    };
    Ok(mp4a.into())
}

/// Durations of consecutive AAC frames in samples (see
/// [`Mp4Muxer::audio_timing`]): nominal unless the next frame's 90 kHz
/// timestamp is more than a quarter frame away from where the nominal
/// duration puts it. Shared by both containers so they agree exactly.
#[derive(Debug)]
pub(super) struct AudioClock {
    first_pts: i64,
    sample_rate: u32,
    nominal: i64,
    /// Media time (samples since the first frame) where the next frame starts.
    cursor: i64,
}

impl AudioClock {
    pub(super) fn new(first_pts: i64, sample_rate: u32, samples_per_frame: u32) -> Self {
        AudioClock {
            first_pts,
            sample_rate,
            nominal: i64::from(samples_per_frame),
            cursor: 0,
        }
    }

    fn to_media(&self, pts: i64) -> i64 {
        // i128: unwrapped 90 kHz timestamps times the sample rate may not fit i64.
        let v = (i128::from(pts - self.first_pts) * i128::from(self.sample_rate) * 2
            + i128::from(VIDEO_TIMESCALE))
        .div_euclid(2 * i128::from(VIDEO_TIMESCALE));
        i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
    }

    /// The nominal duration, for a frame whose successor is not known.
    pub(super) fn nominal_step(&mut self) -> i64 {
        self.cursor = self.cursor.saturating_add(self.nominal);
        self.nominal
    }

    /// Moves the cursor to the frame at `pts` when it starts more than a
    /// quarter frame later (a gap after a frame that got the nominal
    /// duration); an overlap keeps the cursor.
    pub(super) fn resync(&mut self, pts: i64) {
        let at = self.to_media(pts);
        if at - self.cursor > self.nominal / 4 {
            self.cursor = at;
        }
    }

    /// The duration of the frame at the cursor, whose successor starts at
    /// `next_pts`; moves the cursor past it. Always positive.
    pub(super) fn duration_to(&mut self, next_pts: i64) -> i64 {
        let delta = self.to_media(next_pts).saturating_sub(self.cursor);
        let duration = if (delta - self.nominal).abs() <= self.nominal / 4 {
            self.nominal
        } else {
            // Overlapping or backwards timestamps still need a positive duration.
            delta.max(1)
        };
        self.cursor = self.cursor.saturating_add(duration);
        duration
    }
}

/// Timing of one track, derived from its samples.
#[derive(Debug, Clone)]
struct Timing {
    /// stts as (sample_count, sample_delta) runs, media timescale.
    stts: Vec<(u32, u32)>,
    /// ctts as (sample_count, offset) runs, when any offset is non-zero.
    ctts: Option<Vec<(u32, u32)>>,
    /// Sum of all sample durations, media timescale.
    media_duration: u64,
    /// Where presentation starts on the 90 kHz source clock: the earliest
    /// presentation time, after the priming for audio.
    first_pts: i64,
    /// Composition time where presentation starts, media timescale.
    media_time: u64,
    /// Presented part of `media_duration` (from `media_time` on) in the
    /// movie timescale (edit segment duration).
    presentation_duration: u64,
}

impl Timing {
    /// Empty-edit length before this track starts, movie timescale
    /// (which equals the 90 kHz source clock).
    fn delay(&self, t0: i64) -> u64 {
        u64::try_from(self.first_pts.saturating_sub(t0)).unwrap_or(0)
    }

    fn track_duration(&self, t0: i64) -> u64 {
        self.delay(t0) + self.presentation_duration
    }

    fn edit_list(&self, t0: i64) -> Elst {
        let mut entries = Vec::with_capacity(2);
        let delay = self.delay(t0);
        if delay > 0 {
            entries.push(ElstEntry {
                segment_duration: delay,
                media_time: None,
                media_rate: FixedPoint::new(1, 0),
            });
        }
        entries.push(ElstEntry {
            segment_duration: self.presentation_duration,
            media_time: Some(self.media_time),
            media_rate: FixedPoint::new(1, 0),
        });
        Elst { entries }
    }
}

/// Assembles a `trak` by hand so its children come in the conventional
/// order tkhd, edts, mdia: mp4-atom's `Trak` writes `edts` after `mdia`,
/// which is legal but surprises some players.
#[allow(clippy::too_many_arguments)]
pub(super) fn trak(
    tkhd: Tkhd,
    elst: Elst,
    media_duration: u64,
    timescale: u32,
    language: &str,
    handler: &[u8; 4],
    name: &str,
    minf: Minf,
) -> Result<Vec<u8>, MuxError> {
    let edts = Edts { elst: Some(elst) };
    let mdia = Mdia {
        mdhd: Mdhd {
            timescale,
            duration: media_duration,
            language: language.into(),
            ..Default::default()
        },
        hdlr: Hdlr {
            handler: handler.into(),
            name: name.into(),
        },
        minf,
    };
    let mut out = Vec::new();
    write_box(&mut out, b"trak", |buf| {
        tkhd.encode(buf)?;
        edts.encode(buf)?;
        mdia.encode(buf)?;
        Ok(())
    })?;
    Ok(out)
}

/// The `mdhd` language for a track's code: the code when it is 3 lowercase
/// ASCII letters (ISO 639-2/T), otherwise "und".
fn mdhd_language(code: &str) -> &str {
    if code.len() == 3 && code.bytes().all(|b| b.is_ascii_lowercase()) {
        code
    } else {
        "und"
    }
}

fn self_contained_dinf() -> Dinf {
    Dinf {
        dref: Dref {
            // An empty location makes mp4-atom set the self-contained flag.
            entries: vec![Url {
                location: String::new(),
            }
            .into()],
        },
    }
}

/// Writes a box with a 32-bit size around whatever `body` appends.
/// Used for the containers that are assembled by hand (`moov`, `trak`).
fn write_box(
    out: &mut Vec<u8>,
    kind: &[u8; 4],
    body: impl FnOnce(&mut Vec<u8>) -> Result<(), MuxError>,
) -> Result<(), MuxError> {
    let start = out.len();
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(kind);
    body(out)?;
    let size =
        u32::try_from(out.len() - start).map_err(|_| MuxError::TooMany("bytes in a header box"))?;
    out[start..start + 4].copy_from_slice(&size.to_be_bytes());
    Ok(())
}

/// Writes the `mdat` box header for `payload_len` bytes of payload. Written
/// by hand because mp4-atom's `Mdat` needs the payload in memory.
fn mdat_header(out: &mut Vec<u8>, payload_len: u64, large: bool) {
    if large {
        out.extend_from_slice(&1u32.to_be_bytes());
        out.extend_from_slice(b"mdat");
        out.extend_from_slice(&payload_len.saturating_add(16).to_be_bytes());
    } else {
        // The caller chose `large` when payload_len + 8 does not fit.
        let size = u32::try_from(payload_len + 8).unwrap_or(0);
        out.extend_from_slice(&size.to_be_bytes());
        out.extend_from_slice(b"mdat");
    }
}

/// Decodes and checks an `av1C` payload against the declared bit depth.
fn parse_av1c(bytes: &[u8], bit_depth: u8) -> Result<Av1c, MuxError> {
    let av1c = Av1c::decode_body(&mut &bytes[..]).map_err(|e| invalid("av1C", e.to_string()))?;
    let declared = match (av1c.high_bitdepth, av1c.twelve_bit) {
        (false, _) => 8,
        (true, false) => 10,
        (true, true) => 12,
    };
    if declared != bit_depth {
        return Err(invalid(
            "av1C",
            format!("flags say {declared}-bit but bit_depth is {bit_depth}"),
        ));
    }
    if av1c.config_obus.is_empty() {
        return Err(invalid("av1C", "no sequence header OBU"));
    }
    Ok(av1c)
}

/// Run-length encodes a sequence of values into (count, value) pairs.
fn run_length(values: impl Iterator<Item = u32>) -> Vec<(u32, u32)> {
    let mut runs: Vec<(u32, u32)> = Vec::new();
    for v in values {
        match runs.last_mut() {
            Some((count, value)) if *value == v && *count < u32::MAX => *count += 1,
            _ => runs.push((1, v)),
        }
    }
    runs
}

/// Rescales `value` from timescale `from` to `to`, rounding to nearest.
fn rescale(value: u64, from: u32, to: u32) -> u64 {
    if from == 0 {
        return 0;
    }
    let v = (u128::from(value) * u128::from(to) + u128::from(from) / 2) / u128::from(from);
    u64::try_from(v).unwrap_or(u64::MAX)
}

/// Average and peak (per one-second window) bitrate for the esds.
fn audio_bitrates(sizes: &[u32], timing: &Timing, sample_rate: u32) -> (u32, u32) {
    let total_bits = sizes.iter().map(|&s| u128::from(s)).sum::<u128>() * 8;
    let avg = if timing.media_duration == 0 {
        0
    } else {
        total_bits * u128::from(sample_rate) / u128::from(timing.media_duration)
    };

    let durations = timing
        .stts
        .iter()
        .flat_map(|&(count, delta)| std::iter::repeat_n(delta, count as usize));
    let mut start = 0u64;
    let mut window = 0u64;
    let mut window_bytes = 0u128;
    let mut max_bytes = 0u128;
    for (&size, duration) in sizes.iter().zip(durations) {
        let w = start / u64::from(sample_rate.max(1));
        if w != window {
            window = w;
            window_bytes = 0;
        }
        window_bytes += u128::from(size);
        max_bytes = max_bytes.max(window_bytes);
        start += u64::from(duration);
    }
    let clamp = |v: u128| u32::try_from(v).unwrap_or(u32::MAX);
    (clamp(avg), clamp(max_bytes * 8).max(clamp(avg)))
}

// ---------------------------------------------------------------------------
// H.264 remux helpers
// ---------------------------------------------------------------------------

/// H.264 NAL unit types that live in the avcC record or carry nothing.
const NAL_SPS: u8 = 7;
const NAL_PPS: u8 = 8;
const NAL_AUD: u8 = 9;
const NAL_FILLER: u8 = 12;

/// `avcC` for copy mode, from a chunk's Annex-B parameter sets.
pub fn avcc_from_parameter_sets(annex_b: &[u8]) -> crate::Result<Vec<u8>> {
    let mut sps = Vec::new();
    let mut pps = Vec::new();
    for (start, end) in nal_ranges(annex_b) {
        let nal = &annex_b[start..end];
        match nal[0] & 0x1f {
            7 => sps.push(nal),
            8 => pps.push(nal),
            _ => {}
        }
    }
    avc_decoder_config(&sps, &pps).map_err(|e| crate::Error::Mux(e.to_string()))
}

/// `hvcC` from Annex-B parameter sets (a chunk's VPS, SPS and PPS).
pub fn hvcc_from_parameter_sets(annex_b: &[u8]) -> crate::Result<Vec<u8>> {
    let nals: Vec<&[u8]> = nal_ranges(annex_b)
        .into_iter()
        .map(|(start, end)| &annex_b[start..end])
        .collect();
    hevc_decoder_config(&nals).map_err(|e| crate::Error::Mux(e.to_string()))
}

/// Builds an HEVCDecoderConfigurationRecord (the `hvcC` payload) from VPS,
/// SPS and PPS NAL units given without start codes, with their 2-byte
/// header. Profile, tier, level and the constraint flags are the first
/// SPS's `profile_tier_level` bytes as coded; chroma format, bit depths and
/// temporal layers come from parsing it. NAL length size is 4 bytes.
pub fn hevc_decoder_config(nals: &[&[u8]]) -> Result<Vec<u8>, MuxError> {
    let of_type = |t: u8| -> Vec<Vec<u8>> {
        nals.iter()
            .filter(|n| n.first().map(|b| (b >> 1) & 0x3f) == Some(t))
            .map(|n| n.to_vec())
            .collect()
    };
    let (vps, sps, pps) = (of_type(32), of_type(33), of_type(34));
    for (kind, list) in [("VPS", &vps), ("SPS", &sps), ("PPS", &pps)] {
        if list.is_empty() {
            return Err(invalid("hvcC", format!("no {kind}")));
        }
        if let Some(n) = list.iter().find(|n| n.len() > usize::from(u16::MAX)) {
            return Err(invalid("hvcC", format!("{kind} of {} bytes", n.len())));
        }
    }
    let rbsp = rusty_h265::nal::unescape(&sps[0][2..]).data;
    let parsed =
        rusty_h265::ps::parse_sps(&rbsp).map_err(|e| invalid("hvcC", format!("SPS: {e}")))?;
    // profile_tier_level starts byte-aligned after the SPS's first byte:
    // profile space/tier/idc, 32 compatibility flags, 48 constraint flags, level.
    let ptl = rbsp
        .get(1..13)
        .ok_or_else(|| invalid("hvcC", "SPS too short for profile_tier_level"))?;
    let mut compatibility = [0u8; 4];
    compatibility.copy_from_slice(&ptl[1..5]);
    let mut constraints = [0u8; 6];
    constraints.copy_from_slice(&ptl[5..11]);
    let array = |nal_unit_type: u8, nalus: Vec<Vec<u8>>| HvcCArray {
        completeness: true,
        nal_unit_type,
        nalus,
    };
    let hvcc = Hvcc {
        configuration_version: 1,
        general_profile_space: ptl[0] >> 6,
        general_tier_flag: ptl[0] & 0x20 != 0,
        general_profile_idc: ptl[0] & 0x1f,
        general_profile_compatibility_flags: compatibility,
        general_constraint_indicator_flags: constraints,
        general_level_idc: ptl[11],
        min_spatial_segmentation_idc: parsed
            .vui
            .as_ref()
            .map_or(0, |v| v.min_spatial_segmentation_idc.min(0x0fff) as u16),
        parallelism_type: 0,
        chroma_format_idc: parsed.chroma_format_idc,
        bit_depth_luma_minus8: parsed.bit_depth_luma.saturating_sub(8),
        bit_depth_chroma_minus8: parsed.bit_depth_chroma.saturating_sub(8),
        avg_frame_rate: 0,
        constant_frame_rate: 0,
        num_temporal_layers: parsed.max_sub_layers_minus1 + 1,
        temporal_id_nested: parsed.temporal_id_nesting_flag,
        length_size_minus_one: 3,
        arrays: vec![array(32, vps), array(33, sps), array(34, pps)],
    };
    let mut out = Vec::new();
    hvcc.encode_body(&mut out)
        .map_err(|e| invalid("hvcC", e.to_string()))?;
    Ok(out)
}

/// Builds an AVCDecoderConfigurationRecord (the `avcC` payload) from SPS and
/// PPS NAL units given without start codes but with their 1-byte NAL header.
///
/// Profile, compatibility flags and level come from the first SPS. For
/// profile_idc 100/110/122/244 the chroma format and bit depths are parsed
/// from that SPS (defaults 4:2:0 / 8-bit when it cannot be parsed). NAL
/// length size is 4 bytes, matching [`annex_b_to_length_prefixed`].
pub fn avc_decoder_config(sps: &[&[u8]], pps: &[&[u8]]) -> Result<Vec<u8>, MuxError> {
    let first = sps.first().ok_or_else(|| invalid("avcC", "no SPS"))?;
    if pps.is_empty() {
        return Err(invalid("avcC", "no PPS"));
    }
    if sps.len() > 31 {
        return Err(invalid(
            "avcC",
            format!("{} SPS, at most 31 allowed", sps.len()),
        ));
    }
    if pps.len() > 255 {
        return Err(invalid(
            "avcC",
            format!("{} PPS, at most 255 allowed", pps.len()),
        ));
    }
    for (kind, list, expected) in [("SPS", sps, NAL_SPS), ("PPS", pps, NAL_PPS)] {
        for nal in list {
            let nal_type = nal.first().map(|b| b & 0x1F);
            if nal_type != Some(expected) {
                return Err(invalid("avcC", format!("{kind} has NAL type {nal_type:?}")));
            }
            if nal.len() > usize::from(u16::MAX) {
                return Err(invalid("avcC", format!("{kind} of {} bytes", nal.len())));
            }
        }
    }
    let (profile, compat, level) = match first.get(1..4) {
        Some(&[p, c, l]) => (p, c, l),
        _ => {
            return Err(invalid(
                "avcC",
                format!("SPS of {} bytes is too short", first.len()),
            ))
        }
    };

    let ext = if matches!(profile, 100 | 110 | 122 | 244) {
        let (chroma_format, bit_depth_luma, bit_depth_chroma) =
            Sps::parse(first).map_or((1, 8, 8), |s| {
                (
                    s.chroma_format_idc.min(3) as u8,
                    s.bit_depth,
                    s.bit_depth_chroma,
                )
            });
        Some(AvccExt {
            chroma_format,
            bit_depth_luma,
            bit_depth_chroma,
            sequence_parameter_sets_ext: Vec::new(),
        })
    } else {
        None
    };

    let avcc = Avcc {
        configuration_version: 1,
        avc_profile_indication: profile,
        profile_compatibility: compat,
        avc_level_indication: level,
        length_size: 4,
        sequence_parameter_sets: sps.iter().map(|s| s.to_vec()).collect(),
        picture_parameter_sets: pps.iter().map(|p| p.to_vec()).collect(),
        ext,
    };
    let mut out = Vec::new();
    avcc.encode_body(&mut out)?;
    Ok(out)
}

/// Converts one Annex-B access unit (00 00 01 / 00 00 00 01 start codes)
/// into 4-byte length-prefixed NAL units appended to `out`.
///
/// Access unit delimiters (type 9), SPS (7), PPS (8) and filler data (12)
/// are dropped: parameter sets live in the `avcC` record and the others
/// carry nothing in MP4. (A stream that changes its SPS mid-way therefore
/// needs a new sample entry, which this muxer does not support.) Bytes
/// before the first start code and empty NAL units are ignored.
pub fn annex_b_to_length_prefixed(au: &[u8], out: &mut Vec<u8>) {
    length_prefixed(au, out, |header| {
        matches!(header & 0x1F, NAL_SPS | NAL_PPS | NAL_AUD | NAL_FILLER)
    });
}

/// [`annex_b_to_length_prefixed`] for HEVC (`hvc1`): VPS (32), SPS (33) and
/// PPS (34), which live in `hvcC`, access unit delimiters (35) and filler
/// data (38) are dropped.
pub fn hevc_annex_b_to_length_prefixed(au: &[u8], out: &mut Vec<u8>) {
    length_prefixed(au, out, |header| {
        matches!((header >> 1) & 0x3f, 32..=35 | 38)
    });
}

fn length_prefixed(au: &[u8], out: &mut Vec<u8>, dropped: impl Fn(u8) -> bool) {
    for (start, end) in nal_ranges(au) {
        let nal = &au[start..end];
        let Some(&header) = nal.first() else {
            continue;
        };
        if dropped(header) {
            continue;
        }
        // A NAL unit over 4 GiB cannot be framed; such input is not H.264.
        let Ok(len) = u32::try_from(nal.len()) else {
            continue;
        };
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(nal);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mp4_atom::{Buf, Decode, Header, Moov};

    /// A minimal but valid av1C: version, profile 0 level 8, 8-bit 4:2:0,
    /// followed by a (fake) sequence header OBU.
    fn av1c() -> Vec<u8> {
        vec![
            0x81, 0x08, 0x0C, 0x00, 0x0A, 0x0B, 0x00, 0x00, 0x00, 0x42, 0xAB, 0xBF, 0xC3, 0x70,
        ]
    }

    fn video_track() -> VideoTrack {
        VideoTrack {
            codec: VideoCodec::Av1 {
                av1c: av1c(),
                bit_depth: 8,
            },
            width: 320,
            height: 240,
            pixel_aspect: None,
            default_frame_duration: 3600,
        }
    }

    fn audio_track() -> AudioTrack {
        AudioTrack {
            sample_rate: 48_000,
            channels: 2,
            audio_specific_config: vec![0x11, 0x90],
            samples_per_frame: 1024,
            ..Default::default()
        }
    }

    /// Splits a header into ftyp, moov and the mdat header.
    fn parse_header(header: &[u8]) -> (Moov, Header, usize) {
        let mut buf = header;
        let ftyp = mp4_atom::Ftyp::decode(&mut buf).expect("ftyp");
        assert_eq!(ftyp.major_brand, b"isom".into());
        let moov = Moov::decode(&mut buf).expect("moov");
        let mdat_pos = header.len() - buf.remaining();
        let mdat = Header::decode(&mut buf).expect("mdat header");
        assert_eq!(mdat.kind, b"mdat".into());
        assert!(!buf.has_remaining(), "header ends with the mdat header");
        (moov, mdat, mdat_pos)
    }

    fn stbl(moov: &Moov, track: usize) -> &Stbl {
        &moov.trak[track].mdia.minf.stbl
    }

    #[test]
    fn no_video_is_an_error() {
        let mux = Mp4Muxer::new(video_track(), None);
        assert!(matches!(mux.header(), Err(MuxError::NoVideoSamples)));
    }

    #[test]
    fn video_only_layout() {
        let mut mux = Mp4Muxer::new(video_track(), None);
        // I P B B with 2-frame reorder delay, then a sync frame.
        let frames = [
            (0, 7200, true),
            (3600, 18000, false),
            (7200, 10800, false),
            (10800, 14400, false),
        ];
        for (i, &(dts, pts, sync)) in frames.iter().enumerate() {
            mux.add_video_sample(100 + i as u32, dts, pts, sync);
        }
        let header = mux.header().expect("header");
        let (moov, mdat, mdat_pos) = parse_header(&header);
        assert_eq!(mdat.size, Some(mux.payload_len() as usize));
        assert_eq!(mdat_pos + 8, header.len());

        assert_eq!(moov.mvhd.next_track_id, 2);
        assert_eq!(moov.trak.len(), 1);
        let s = stbl(&moov, 0);
        assert_eq!(
            s.stts.entries,
            vec![SttsEntry {
                sample_count: 4,
                sample_delta: 3600
            }]
        );
        let ctts: Vec<(u32, i64)> = s
            .ctts
            .as_ref()
            .expect("ctts")
            .entries
            .iter()
            .map(|e| (e.sample_count, e.sample_offset))
            .collect();
        assert_eq!(ctts, vec![(1, 7200), (1, 14400), (2, 3600)]);
        assert_eq!(s.stss.as_ref().expect("stss").entries, vec![1]);
        assert_eq!(
            s.stco.as_ref().expect("stco").entries,
            vec![header.len() as u32]
        );
        assert!(s.co64.is_none());
        assert_eq!(s.stsc.entries.len(), 1);
        assert_eq!(s.stsc.entries[0].samples_per_chunk, 4);

        // Edit skips the reorder delay; no empty edit since video is alone.
        let elst = moov.trak[0]
            .edts
            .as_ref()
            .and_then(|e| e.elst.as_ref())
            .expect("elst");
        assert_eq!(elst.entries.len(), 1);
        assert_eq!(elst.entries[0].media_time, Some(7200));
        assert_eq!(elst.entries[0].segment_duration, 14400);
        assert_eq!(moov.mvhd.duration, 14400);
        assert_eq!(moov.trak[0].mdia.mdhd.duration, 14400);

        // Sample entry.
        let Codec::Av01(av01) = &s.stsd.codecs[0] else {
            panic!("expected av01");
        };
        assert_eq!(
            (av01.visual.width, av01.visual.height, av01.visual.depth),
            (320, 240, 24)
        );
        assert!(av01.pasp.is_none());
    }

    #[test]
    fn trak_children_in_conventional_order() {
        let mut mux = Mp4Muxer::new(video_track(), None);
        mux.add_video_sample(10, 0, 0, true);
        let header = mux.header().expect("header");
        let pos = |kind: &[u8]| {
            header
                .windows(4)
                .position(|w| w == kind)
                .expect("box present")
        };
        assert!(pos(b"tkhd") < pos(b"edts") && pos(b"edts") < pos(b"mdia"));
    }

    #[test]
    fn all_sync_and_no_reorder_omits_stss_and_ctts() {
        let mut mux = Mp4Muxer::new(video_track(), None);
        for i in 0..5 {
            mux.add_video_sample(50, i * 3600, i * 3600, true);
        }
        let header = mux.header().expect("header");
        let (moov, _, _) = parse_header(&header);
        let s = stbl(&moov, 0);
        assert!(s.ctts.is_none());
        assert!(s.stss.is_none());
        assert_eq!(
            s.stsz.samples,
            StszSamples::Identical { count: 5, size: 50 }
        );
    }

    #[test]
    fn stts_run_length() {
        let mut mux = Mp4Muxer::new(video_track(), None);
        // Deltas: 3600, 3600, 7200 (a dropped frame), 3600, last = default.
        for dts in [0, 3600, 7200, 14400, 18000] {
            mux.add_video_sample(1, dts, dts, true);
        }
        let (moov, _, _) = parse_header(&mux.header().expect("header"));
        let runs: Vec<(u32, u32)> = stbl(&moov, 0)
            .stts
            .entries
            .iter()
            .map(|e| (e.sample_count, e.sample_delta))
            .collect();
        assert_eq!(runs, vec![(2, 3600), (1, 7200), (2, 3600)]);
    }

    #[test]
    fn audio_before_video_gets_empty_video_edit() {
        let mut mux = Mp4Muxer::new(video_track(), Some(audio_track()));
        // Audio starts 1920 ticks (one AAC frame) before the first video pts.
        let a0 = 131_280;
        let v_dts = 126_000;
        let v_pts0 = 133_200;
        let mut a = 0;
        for i in 0..10i64 {
            mux.add_video_sample(1000, v_dts + i * 3600, v_pts0 + i * 3600, i == 0);
            // Interleave two audio frames per video frame.
            for _ in 0..2 {
                mux.add_audio_sample(300, a0 + a * 1920);
                a += 1;
            }
        }
        let header = mux.header().expect("header");
        let (moov, _, _) = parse_header(&header);
        assert_eq!(moov.trak.len(), 2);
        assert_eq!(moov.mvhd.next_track_id, 3);

        let v_elst = &moov.trak[0]
            .edts
            .as_ref()
            .and_then(|e| e.elst.as_ref())
            .expect("video elst")
            .entries;
        assert_eq!(v_elst.len(), 2);
        assert_eq!(v_elst[0].media_time, None);
        assert_eq!(v_elst[0].segment_duration, (v_pts0 - a0) as u64);
        assert_eq!(v_elst[1].media_time, Some((v_pts0 - v_dts) as u64));
        assert_eq!(v_elst[1].segment_duration, 36_000);

        let a_elst = &moov.trak[1]
            .edts
            .as_ref()
            .and_then(|e| e.elst.as_ref())
            .expect("audio elst")
            .entries;
        assert_eq!(a_elst.len(), 1);
        assert_eq!(a_elst[0].media_time, Some(0));
        assert_eq!(a_elst[0].segment_duration, 20 * 1920);

        // Track and movie durations include the empty edit.
        assert_eq!(moov.trak[0].tkhd.duration, 1920 + 36_000);
        assert_eq!(moov.trak[1].tkhd.duration, 20 * 1920);
        // The movie lasts as long as its longest track (audio here).
        assert_eq!(moov.mvhd.duration, 20 * 1920);
        assert_eq!(moov.trak[1].mdia.mdhd.timescale, 48_000);
        assert_eq!(moov.trak[1].mdia.mdhd.duration, 20 * 1024);

        // Interleaving: 10 video chunks of 1 and 10 audio chunks of 2.
        let v = stbl(&moov, 0);
        let a = stbl(&moov, 1);
        assert_eq!(v.stco.as_ref().expect("stco").entries.len(), 10);
        assert_eq!(
            a.stsc.entries,
            vec![StscEntry {
                first_chunk: 1,
                samples_per_chunk: 2,
                sample_description_index: 1
            }]
        );
        let base = header.len() as u32;
        assert_eq!(
            v.stco.as_ref().expect("stco").entries[..2],
            [base, base + 1600]
        );
        assert_eq!(
            a.stco.as_ref().expect("stco").entries[..2],
            [base + 1000, base + 2600]
        );
        assert_eq!(
            a.stts.entries,
            vec![SttsEntry {
                sample_count: 20,
                sample_delta: 1024
            }]
        );

        let Codec::Mp4a(mp4a) = &a.stsd.codecs[0] else {
            panic!("expected mp4a");
        };
        assert_eq!(mp4a.audio.channel_count, 2);
        assert_eq!(mp4a.audio.sample_rate.integer(), 48_000);
        let dec = &mp4a.esds.es_desc.dec_config;
        assert_eq!(dec.object_type_indication, 0x40);
        assert_eq!(
            dec.dec_specific.as_ref().expect("asc").raw,
            vec![0x11, 0x90]
        );
    }

    #[test]
    fn audio_timestamp_jitter_is_absorbed_and_gaps_kept() {
        let track = AudioTrack {
            sample_rate: 44_100,
            ..audio_track()
        };
        let mut mux = Mp4Muxer::new(video_track(), Some(track));
        mux.add_video_sample(1, 0, 0, true);
        // 44.1 kHz frames are 2089.8 ticks apart; PES pts are rounded.
        let pts: Vec<i64> = (0..20)
            .map(|i| (i as f64 * 1024.0 * 90_000.0 / 44_100.0).round() as i64)
            .collect();
        for &p in &pts {
            mux.add_audio_sample(10, p);
        }
        // A 5-frame gap.
        let last = pts[19] + 6 * 2090;
        mux.add_audio_sample(10, last);
        let (moov, _, _) = parse_header(&mux.header().expect("header"));
        let runs: Vec<(u32, u32)> = stbl(&moov, 1)
            .stts
            .entries
            .iter()
            .map(|e| (e.sample_count, e.sample_delta))
            .collect();
        assert_eq!(runs[0], (19, 1024));
        assert_eq!(runs[1].0, 1);
        assert!(
            (6 * 1024..6 * 1024 + 4).contains(&runs[1].1),
            "gap kept: {runs:?}"
        );
        assert_eq!(runs[2], (1, 1024));
    }

    #[test]
    fn huge_payload_switches_to_co64_and_largesize() {
        let mut mux = Mp4Muxer::new(video_track(), Some(audio_track()));
        // 3 video samples of ~2 GB each with audio in between: chunk offsets
        // pass 4 GiB without any data being written.
        for i in 0..3i64 {
            mux.add_video_sample(2_000_000_000, i * 3600, i * 3600, true);
            mux.add_audio_sample(500, i * 3600);
        }
        assert!(mux.payload_len() > u64::from(u32::MAX));
        let header = mux.header().expect("header");
        let (moov, mdat, mdat_pos) = parse_header(&header);
        assert_eq!(header.len(), mdat_pos + 16, "largesize mdat header");
        assert_eq!(mdat.size, Some(mux.payload_len() as usize));

        let base = header.len() as u64;
        let v = stbl(&moov, 0);
        let a = stbl(&moov, 1);
        assert!(v.stco.is_none() && a.stco.is_none());
        assert_eq!(
            v.co64.as_ref().expect("co64").entries,
            vec![base, base + 2_000_000_500, base + 4_000_001_000]
        );
        assert_eq!(
            a.co64.as_ref().expect("co64").entries[2],
            base + 6_000_001_000
        );
    }

    #[test]
    fn offsets_near_4gib_use_co64_only_when_needed() {
        // Payload small enough for a 32-bit mdat, but the last chunk starts
        // so close to 4 GiB that adding the header length overflows stco.
        let mut mux = Mp4Muxer::new(video_track(), None);
        mux.add_video_sample(u32::MAX - 100, 0, 0, true);
        mux.add_video_sample(1, 3600, 3600, true);
        // Same track: one chunk, so stco suffices.
        let (moov, _, _) = parse_header(&mux.header().expect("header"));
        assert!(stbl(&moov, 0).stco.is_some());

        let mut mux = Mp4Muxer::new(video_track(), Some(audio_track()));
        mux.add_video_sample(u32::MAX - 100, 0, 0, true);
        mux.add_audio_sample(1, 0);
        let header = mux.header().expect("header");
        let (moov, _, mdat_pos) = parse_header(&header);
        assert_eq!(
            header.len(),
            mdat_pos + 8,
            "payload still fits a 32-bit mdat"
        );
        assert_eq!(
            stbl(&moov, 1).co64.as_ref().expect("co64").entries,
            vec![header.len() as u64 + u64::from(u32::MAX - 100)]
        );
        // Both tracks switch together.
        assert!(stbl(&moov, 0).co64.is_some());
    }

    #[test]
    fn high_sample_rate_and_empty_audio_track() {
        let track = AudioTrack {
            sample_rate: 96_000,
            ..audio_track()
        };
        let mut mux = Mp4Muxer::new(video_track(), Some(track.clone()));
        mux.add_video_sample(1, 0, 0, true);
        mux.add_audio_sample(1, 0);
        let (moov, _, _) = parse_header(&mux.header().expect("header"));
        let Codec::Mp4a(mp4a) = &stbl(&moov, 1).stsd.codecs[0] else {
            panic!("expected mp4a");
        };
        // 96000 does not fit the 16.16 field: 0, the ASC carries the rate.
        assert_eq!(mp4a.audio.sample_rate.integer(), 0);
        assert_eq!(moov.trak[1].mdia.mdhd.timescale, 96_000);

        // An audio track that never got a sample is left out.
        let mut mux = Mp4Muxer::new(video_track(), Some(track));
        mux.add_video_sample(1, 0, 0, true);
        let (moov, _, _) = parse_header(&mux.header().expect("header"));
        assert_eq!(moov.trak.len(), 1);
        assert_eq!(moov.mvhd.next_track_id, 2);
    }

    /// One silent AAC-LC stereo frame (48 kHz), as ffmpeg's encoder writes it.
    const SILENT_AAC: &[u8] = &[0x21, 0x10, 0x04, 0x60, 0x8C, 0x1C];

    /// Records samples in a muxer and keeps the matching payload, so tests
    /// can write a complete file.
    struct Writer {
        mux: Mp4Muxer,
        payload: Vec<u8>,
    }

    impl Writer {
        fn new(mux: Mp4Muxer) -> Self {
            Writer {
                mux,
                payload: Vec::new(),
            }
        }

        fn video(&mut self, size: u32, dts: i64, pts: i64, sync: bool) {
            self.mux.add_video_sample(size, dts, pts, sync);
            self.payload.resize(self.payload.len() + size as usize, 0);
        }

        fn audio(&mut self, track: usize, pts: i64) {
            self.mux
                .add_audio_sample_to(track, SILENT_AAC.len() as u32, pts);
            self.payload.extend_from_slice(SILENT_AAC);
        }

        /// Header + payload.
        fn file(&self) -> Vec<u8> {
            let mut file = self.mux.header().expect("header");
            file.extend_from_slice(&self.payload);
            file
        }
    }

    /// Writes `file` to a temporary file and returns ffprobe's streams.
    fn ffprobe_streams(name: &str, file: &[u8]) -> Vec<serde_json::Value> {
        let path =
            std::env::temp_dir().join(format!("fanout-mp4-{}-{name}.mp4", std::process::id()));
        std::fs::write(&path, file).expect("write test file");
        let output = std::process::Command::new("ffprobe")
            .args(["-v", "error", "-show_streams", "-of", "json"])
            .arg(&path)
            .output()
            .expect("run ffprobe (is it installed?)");
        let _ = std::fs::remove_file(&path);
        assert!(
            output.status.success(),
            "ffprobe failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("ffprobe JSON");
        json["streams"].as_array().expect("streams").clone()
    }

    /// A numeric ffprobe field given as a string ("20", "0.021333").
    fn probe_num(stream: &serde_json::Value, key: &str) -> f64 {
        stream[key]
            .as_str()
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{key} in {stream}"))
    }

    fn elst(moov: &Moov, track: usize) -> &[ElstEntry] {
        &moov.trak[track]
            .edts
            .as_ref()
            .and_then(|e| e.elst.as_ref())
            .expect("elst")
            .entries
    }

    fn mp4a(moov: &Moov, track: usize) -> &Mp4a {
        match &stbl(moov, track).stsd.codecs[0] {
            Codec::Mp4a(mp4a) => mp4a,
            other => panic!("expected mp4a, got {other:?}"),
        }
    }

    #[test]
    fn two_audio_tracks_are_alternates_with_languages() {
        let eng = AudioTrack {
            language: "eng".into(),
            ..audio_track()
        };
        let deu = AudioTrack {
            language: "deu".into(),
            ..audio_track()
        };
        let mut w = Writer::new(Mp4Muxer::with_audio_tracks(video_track(), vec![eng, deu]));
        let mut a = 0;
        for i in 0..10i64 {
            w.video(1000, i * 3600, i * 3600, i == 0);
            for _ in 0..2 {
                w.audio(0, a * 1920);
                // The second track stops two video frames early.
                if i < 8 {
                    w.audio(1, a * 1920);
                }
                a += 1;
            }
        }
        assert_eq!(w.mux.audio_sample_count_of(0), 20);
        assert_eq!(w.mux.audio_sample_count_of(1), 16);
        assert_eq!(w.mux.audio_sample_count_of(2), 0);
        assert_eq!(w.mux.audio_sample_count(), 36);

        let file = w.file();
        let header = w.mux.header().expect("header");
        let (moov, _, _) = parse_header(&header);
        assert_eq!(moov.trak.len(), 3);
        assert_eq!(moov.mvhd.next_track_id, 4);
        let ids: Vec<u32> = moov.trak.iter().map(|t| t.tkhd.track_id).collect();
        assert_eq!(ids, [1, 2, 3]);
        let enabled: Vec<bool> = moov.trak.iter().map(|t| t.tkhd.enabled).collect();
        assert_eq!(enabled, [true, true, false]);
        let groups: Vec<u16> = moov.trak.iter().map(|t| t.tkhd.alternate_group).collect();
        assert_eq!(groups, [0, 1, 1]);
        let languages: Vec<&str> = moov
            .trak
            .iter()
            .map(|t| t.mdia.mdhd.language.as_str())
            .collect();
        assert_eq!(languages, ["und", "eng", "deu"]);
        assert_eq!(mp4a(&moov, 1).esds.es_desc.es_id, 2);
        assert_eq!(mp4a(&moov, 2).esds.es_desc.es_id, 3);
        assert_eq!(
            stbl(&moov, 1).stsz.samples,
            StszSamples::Identical { count: 20, size: 6 }
        );
        assert_eq!(
            stbl(&moov, 2).stsz.samples,
            StszSamples::Identical { count: 16, size: 6 }
        );
        // Interleaving per video frame: v, eng, deu, eng, deu. While both
        // audio tracks alternate, every audio sample is its own chunk.
        let base = header.len() as u32;
        let eng_stco = &stbl(&moov, 1).stco.as_ref().expect("stco").entries;
        let deu_stco = &stbl(&moov, 2).stco.as_ref().expect("stco").entries;
        assert_eq!(eng_stco.len(), 18);
        assert_eq!(deu_stco.len(), 16);
        assert_eq!(eng_stco[..2], [base + 1000, base + 1012]);
        assert_eq!(deu_stco[..2], [base + 1006, base + 1018]);
        // After the second track stops, the first one's pairs are chunks of 2.
        assert_eq!(
            stbl(&moov, 1).stsc.entries,
            vec![
                StscEntry {
                    first_chunk: 1,
                    samples_per_chunk: 1,
                    sample_description_index: 1
                },
                StscEntry {
                    first_chunk: 17,
                    samples_per_chunk: 2,
                    sample_description_index: 1
                },
            ]
        );

        let streams = ffprobe_streams("two-audio", &file);
        assert_eq!(streams.len(), 3, "{streams:?}");
        assert_eq!(streams[0]["codec_type"], "video");
        for (stream, language, frames, default) in
            [(&streams[1], "eng", 20.0, 1), (&streams[2], "deu", 16.0, 0)]
        {
            assert_eq!(stream["codec_type"], "audio");
            assert_eq!(stream["codec_name"], "aac");
            assert_eq!(stream["tags"]["language"], language);
            assert_eq!(probe_num(stream, "nb_frames"), frames);
            assert_eq!(stream["disposition"]["default"], default);
        }
    }

    #[test]
    fn empty_audio_track_is_skipped_and_later_ones_renumbered() {
        let tracks: Vec<AudioTrack> = ["eng", "ENG", "fr", ""]
            .into_iter()
            .map(|language| AudioTrack {
                language: language.into(),
                ..audio_track()
            })
            .collect();
        let mut mux = Mp4Muxer::with_audio_tracks(video_track(), tracks);
        mux.add_video_sample(1, 0, 0, true);
        // Track 0 gets nothing; 1..=3 get one sample each.
        for track in 1..4 {
            mux.add_audio_sample_to(track, 10 + track as u32, 0);
        }
        let (moov, _, _) = parse_header(&mux.header().expect("header"));
        assert_eq!(moov.trak.len(), 4);
        assert_eq!(moov.mvhd.next_track_id, 5);
        for (trak, id) in moov.trak.iter().zip(1..) {
            assert_eq!(trak.tkhd.track_id, id);
        }
        // The first written audio track is the enabled one.
        let enabled: Vec<bool> = moov.trak.iter().map(|t| t.tkhd.enabled).collect();
        assert_eq!(enabled, [true, true, false, false]);
        for t in 1..4 {
            // Invalid codes ("ENG", "fr", "") write "und".
            assert_eq!(moov.trak[t].mdia.mdhd.language, "und");
            assert_eq!(mp4a(&moov, t).esds.es_desc.es_id, t as u16 + 1);
            assert_eq!(
                stbl(&moov, t).stsz.samples,
                StszSamples::Identical {
                    count: 1,
                    size: 10 + t as u32
                }
            );
        }
    }

    #[test]
    fn priming_moves_the_audio_edit_and_presented_start() {
        let track = AudioTrack {
            priming: 1024,
            language: "eng".into(),
            ..audio_track()
        };
        // Source clock: the first AAC frame decodes from a0; its first 1024
        // samples (1920 ticks) are priming, so audio is presented from a0 + 1920.
        let a0 = 900_000;
        // (first video pts, empty edit before the audio in 90 kHz ticks)
        for (video_start, audio_delay) in [
            // Video starts with the decoded audio: the presented audio starts
            // 1024/48000 s (1920 ticks) into the movie.
            (a0, 1920),
            // Video starts with the presented audio: no empty edit at all.
            (a0 + 1920, 0),
        ] {
            let mut w = Writer::new(Mp4Muxer::new(video_track(), Some(track.clone())));
            for i in 0..10i64 {
                w.video(1000, video_start + i * 3600, video_start + i * 3600, i == 0);
                for k in 0..2 {
                    w.audio(0, a0 + (2 * i + k) * 1920);
                }
            }
            let file = w.file();
            let (moov, _, _) = parse_header(&w.mux.header().expect("header"));
            // Video starts the movie either way.
            assert_eq!(elst(&moov, 0).len(), 1);
            let audio_elst = elst(&moov, 1);
            if audio_delay > 0 {
                assert_eq!(audio_elst.len(), 2);
                assert_eq!(audio_elst[0].media_time, None);
                assert_eq!(audio_elst[0].segment_duration, audio_delay);
            } else {
                assert_eq!(audio_elst.len(), 1);
            }
            // 20 frames decoded, the first 1024 samples not presented.
            let presented = 19 * 1920;
            let media = audio_elst.last().expect("media edit");
            assert_eq!(media.media_time, Some(1024));
            assert_eq!(media.segment_duration, presented);
            assert_eq!(moov.trak[1].mdia.mdhd.duration, 20 * 1024);
            assert_eq!(moov.trak[1].tkhd.duration, audio_delay + presented);

            let streams = ffprobe_streams("priming", &file);
            assert_eq!(streams.len(), 2, "{streams:?}");
            let video = probe_num(&streams[0], "start_time");
            let audio = probe_num(&streams[1], "start_time");
            assert!(video.abs() < 1e-6, "video start {video}");
            let expected = audio_delay as f64 / 90_000.0;
            assert!(
                (audio - expected).abs() < 1e-5,
                "audio start {audio}, expected {expected}"
            );
        }

        // Priming that covers the whole track is an error.
        let mut mux = Mp4Muxer::new(video_track(), Some(track));
        mux.add_video_sample(1, 0, 0, true);
        mux.add_audio_sample(1, 0);
        assert!(matches!(
            mux.header(),
            Err(MuxError::InvalidConfig {
                what: "audio priming",
                ..
            })
        ));
    }

    #[test]
    fn audio_track_index_out_of_range_is_a_header_error() {
        let mut mux = Mp4Muxer::with_audio_tracks(video_track(), vec![audio_track()]);
        mux.add_video_sample(1, 0, 0, true);
        mux.add_audio_sample_to(0, 5, 0);
        mux.add_audio_sample_to(1, 7, 0);
        mux.add_audio_sample_to(usize::MAX, 7, 0);
        assert_eq!(mux.audio_sample_count(), 1);
        assert_eq!(mux.audio_sample_count_of(1), 0);
        // The caller appended those bytes too.
        assert_eq!(mux.payload_len(), 20);
        assert!(matches!(
            mux.header(),
            Err(MuxError::NoSuchAudioTrack {
                track: 1,
                tracks: 1,
                samples: 2
            })
        ));

        let mut mux = Mp4Muxer::with_audio_tracks(video_track(), Vec::new());
        mux.add_video_sample(1, 0, 0, true);
        mux.add_audio_sample_to(3, 1, 0);
        assert!(matches!(mux.header(), Err(MuxError::AudioWithoutTrack(1))));
    }

    #[test]
    fn pasp_and_display_width() {
        let mut track = video_track();
        track.width = 720;
        track.height = 576;
        track.pixel_aspect = Some((16, 15));
        let mut mux = Mp4Muxer::new(track, None);
        mux.add_video_sample(1, 0, 0, true);
        let (moov, _, _) = parse_header(&mux.header().expect("header"));
        assert_eq!(moov.trak[0].tkhd.width.integer(), 768);
        assert_eq!(moov.trak[0].tkhd.height.integer(), 576);
        let Codec::Av01(av01) = &stbl(&moov, 0).stsd.codecs[0] else {
            panic!("expected av01");
        };
        assert_eq!(
            av01.pasp,
            Some(Pasp {
                h_spacing: 16,
                v_spacing: 15
            })
        );
    }

    #[test]
    fn bad_timestamps_and_configs_are_errors() {
        let mut mux = Mp4Muxer::new(video_track(), None);
        mux.add_video_sample(1, 3600, 3600, true);
        mux.add_video_sample(1, 0, 0, true);
        assert!(matches!(
            mux.header(),
            Err(MuxError::DtsNotMonotonic { index: 1, .. })
        ));

        let mut mux = Mp4Muxer::new(video_track(), None);
        mux.add_video_sample(1, 3600, 0, true);
        assert!(matches!(
            mux.header(),
            Err(MuxError::PtsBeforeDts { index: 0, .. })
        ));

        let mut mux = Mp4Muxer::new(video_track(), None);
        mux.add_video_sample(1, 0, 0, true);
        mux.add_audio_sample(1, 0);
        assert!(matches!(mux.header(), Err(MuxError::AudioWithoutTrack(1))));

        for (av1c, depth) in [
            (vec![0x81, 0x08], 8),
            (vec![0x80, 0, 0, 0, 1], 8),
            (av1c(), 10),
            (av1c()[..4].to_vec(), 8),
        ] {
            let mut track = video_track();
            track.codec = VideoCodec::Av1 {
                av1c,
                bit_depth: depth,
            };
            let mut mux = Mp4Muxer::new(track, None);
            mux.add_video_sample(1, 0, 0, true);
            assert!(matches!(mux.header(), Err(MuxError::InvalidConfig { .. })));
        }

        let mut track = video_track();
        track.codec = VideoCodec::Avc {
            avcc: vec![1, 0x64],
        };
        let mut mux = Mp4Muxer::new(track, None);
        mux.add_video_sample(1, 0, 0, true);
        assert!(matches!(mux.header(), Err(MuxError::InvalidConfig { .. })));
    }

    /// SPS of x264 High profile 320x240 (contains an emulation prevention byte).
    const SPS_HIGH: &[u8] = &[
        0x67, 0x64, 0x00, 0x0D, 0xAC, 0xD9, 0x41, 0x41, 0xFB, 0x01, 0x10, 0x00, 0x00, 0x03, 0x00,
        0x10, 0x00, 0x00, 0x03, 0x03, 0x20, 0xF1, 0x42, 0x99, 0x60,
    ];
    const PPS: &[u8] = &[0x68, 0xEB, 0xE3, 0xCB, 0x22, 0xC0];

    #[test]
    fn avcc_from_high_profile_sps() {
        let avcc = avc_decoder_config(&[SPS_HIGH], &[PPS]).expect("avcC");
        assert_eq!(&avcc[..6], &[1, 0x64, 0x00, 0x0D, 0xFF, 0xE1]);
        let parsed = Avcc::decode_body(&mut avcc.as_slice()).expect("round trip");
        assert_eq!(parsed.sequence_parameter_sets, vec![SPS_HIGH.to_vec()]);
        assert_eq!(parsed.picture_parameter_sets, vec![PPS.to_vec()]);
        let ext = parsed.ext.expect("high profile extension");
        assert_eq!(
            (ext.chroma_format, ext.bit_depth_luma, ext.bit_depth_chroma),
            (1, 8, 8)
        );
    }

    #[test]
    fn avcc_high_10_and_truncated_sps() {
        // A real High 10 SPS from libx264 (320x240, yuv420p10le).
        let sps = [
            0x67, 0x6e, 0x00, 0x0d, 0xa6, 0xcd, 0x94, 0x14, 0x1f, 0xb0, 0x11, 0x00, 0x00, 0x03,
            0x00, 0x01, 0x00, 0x00, 0x03, 0x00, 0x32, 0x0f, 0x14, 0x29, 0x96,
        ];
        let avcc = avc_decoder_config(&[&sps], &[PPS]).expect("avcC");
        let ext = Avcc::decode_body(&mut avcc.as_slice())
            .expect("round trip")
            .ext
            .expect("ext");
        assert_eq!(
            (ext.chroma_format, ext.bit_depth_luma, ext.bit_depth_chroma),
            (1, 10, 10)
        );

        // Truncated after the level: defaults.
        let avcc = avc_decoder_config(&[&[0x67, 100, 0, 30]], &[PPS]).expect("avcC");
        let ext = Avcc::decode_body(&mut avcc.as_slice())
            .expect("round trip")
            .ext
            .expect("ext");
        assert_eq!(
            (ext.chroma_format, ext.bit_depth_luma, ext.bit_depth_chroma),
            (1, 8, 8)
        );

        // Baseline: no extension.
        let avcc = avc_decoder_config(&[&[0x67, 66, 0xC0, 30, 0xF4]], &[PPS]).expect("avcC");
        assert!(Avcc::decode_body(&mut avcc.as_slice())
            .expect("round trip")
            .ext
            .is_none());
    }

    #[test]
    fn avcc_rejects_bad_input() {
        assert!(avc_decoder_config(&[], &[PPS]).is_err());
        assert!(avc_decoder_config(&[SPS_HIGH], &[]).is_err());
        assert!(avc_decoder_config(&[&[0x67, 100]], &[PPS]).is_err());
        assert!(avc_decoder_config(&[PPS], &[SPS_HIGH]).is_err());
        assert!(avc_decoder_config(&[&[]], &[PPS]).is_err());
    }

    #[test]
    fn annex_b_conversion() {
        let au = [
            0, 0, 0, 1, 0x09, 0xF0, // AUD
            0, 0, 0, 1, 0x67, 0x64, 0x00, // SPS
            0, 0, 1, 0x68, 0xEB, // PPS
            0, 0, 1, 0x06, 0x05, 0x01, 0x80, // SEI
            0, 0, 0, 1, 0x65, 0x88, 0x00, 0x00, 0x03, 0x01, 0x00, 0x00, // IDR + trailing zero
            0, 0, 1, 0x0C, 0xFF, 0xFF, // filler
            0, 0, 1, 0x41, 0x9A, // non-IDR slice at the end
        ];
        let mut out = Vec::new();
        annex_b_to_length_prefixed(&au, &mut out);
        let expected = [
            0, 0, 0, 4, 0x06, 0x05, 0x01, 0x80, //
            0, 0, 0, 6, 0x65, 0x88, 0x00, 0x00, 0x03, 0x01, //
            0, 0, 0, 2, 0x41, 0x9A,
        ];
        assert_eq!(out, expected);
    }

    #[test]
    fn annex_b_degenerate_input_does_not_panic() {
        let inputs: [&[u8]; 7] = [
            &[],
            &[0],
            &[0, 0],
            &[0, 0, 1],
            &[0, 0, 0, 1],
            &[1, 2, 3, 4],
            &[0, 0, 1, 0, 0, 1, 0, 0],
        ];
        for input in inputs {
            let mut out = Vec::new();
            annex_b_to_length_prefixed(input, &mut out);
            assert!(out.is_empty(), "{input:?}");
        }
    }
}
