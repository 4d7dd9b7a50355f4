//! The two sequential ends of a transcode, shared by every face.
//!
//! [`Analyzer`] takes input bytes in pieces and hands out [`Chunk`]s and
//! audio; [`Assembler`] takes [`EncodedChunk`]s (in any order) and audio and
//! writes the MP4 to a [`Sink`] in order. What runs the chunk jobs between
//! them (rayon natively, Web Workers in the browser) is the face's choice.

use std::collections::{BTreeMap, VecDeque};

use crate::audio::ingest::{AudioIngest, AudioSettings};
use crate::audio::{AudioTrackInfo, EncodedAudio};
use crate::codec::{parser_for, AccessUnit, PesMeta, StreamFormat, VideoCodecId, VideoParser};
use crate::demux::{DemuxEvent, StreamSelection, TsDemuxer};
use crate::encode::{Av1Settings, VideoFormat};
use crate::error::{Error, Result, Warning};
use crate::job::{Deinterlace, EncodedChunk, JobSettings, JobStats, VideoMode};
use crate::limits;
use crate::mux::mp4::fragmented::FragmentedMp4Muxer;
use crate::mux::mp4::{AudioTrack, Mp4Muxer, VideoCodec, VideoTrack};
use crate::mux::Container;
use crate::plan::{Chunk, ChunkPlanner, Continuity, PlanStats, TICKS_PER_SECOND};
use crate::sink::Sink;

pub use crate::audio::ingest::AudioFrame;

/// User-facing settings of a transcode.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Settings {
    /// AV1 (with its settings) or copy.
    pub video: VideoMode,
    /// Aim for chunks at least this long, in seconds.
    pub chunk_seconds: f64,
    /// Where chunks may start.
    #[serde(default)]
    pub split: Split,
    pub deinterlace: Deinterlace,
    /// Only the first this many seconds of the input (like ffmpeg's `-t`).
    pub duration_limit: Option<f64>,
    #[serde(default)]
    pub audio: AudioSettings,
    /// Fast-start MP4 or fragmented MP4.
    #[serde(default)]
    pub container: Container,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            video: VideoMode::Av1(Av1Settings::default()),
            chunk_seconds: 2.0,
            split: Split::Anywhere,
            deinterlace: Deinterlace::Auto,
            duration_limit: None,
            audio: AudioSettings::default(),
            container: Container::Mp4,
        }
    }
}

/// Where chunks may start.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Split {
    /// At the source's random-access points only (copy mode always).
    Keyframes,
    /// At any frame: a chunk that starts between random-access points
    /// decodes from the one before it and drops the warm-up frames. Keeps
    /// every core busy on streams with long or few GOPs.
    #[default]
    Anywhere,
}

/// Split-anywhere's cost model: a chunk may start between random-access
/// points while its warm-up (frames decoded only to rebuild references) is
/// at most this many times the frames of the chunk before it. Decoding is
/// about 15–28× faster than rav1e at speed 10 (rust_h264 80 fps vs rav1e
/// 3–5 fps at 720p, one thread), so 4× keeps the overlap under ~25% of a
/// job's time; past it a chunk runs on to the next random-access point.
const AV1_MAX_WARMUP_RATIO: f64 = 4.0;
/// The same for the H.264 fast mode: rusty_h264 encodes about as fast as
/// rust_h264 decodes (~100 vs ~80 fps at 720p), so warm-up costs as much as
/// output; 2× still lets a long GOP feed two or three workers.
const H264_MAX_WARMUP_RATIO: f64 = 2.0;

impl Settings {
    /// The planner's warm-up budget (`None`: split at keyframes only).
    pub fn max_warmup_ratio(&self) -> Option<f64> {
        match (self.split, &self.video) {
            (Split::Anywhere, VideoMode::Av1(_)) => Some(AV1_MAX_WARMUP_RATIO),
            (Split::Anywhere, VideoMode::H264(_)) => Some(H264_MAX_WARMUP_RATIO),
            // Copy keeps the source's GOPs: it can only cut at keyframes.
            _ => None,
        }
    }

    /// A chunk planner for these settings and a frame duration.
    fn planner(&self, frame_ticks: i64) -> ChunkPlanner {
        let planner = ChunkPlanner::new(self.chunk_seconds, frame_ticks, self.max_warmup_ratio());
        match self.video {
            // Samples go to the MP4 as they came: in the source's decode order.
            VideoMode::Copy => planner.in_decode_order(),
            _ => planner,
        }
    }

    /// Checks every value before work starts.
    pub fn validate(&self) -> Result<()> {
        match &self.video {
            VideoMode::Av1(av1) => av1.validate()?,
            VideoMode::H264(h264) => h264.validate()?,
            VideoMode::Copy => {}
        }
        if !(self.chunk_seconds.is_finite() && self.chunk_seconds > 0.0) {
            return Err(Error::InvalidSettings(format!(
                "chunk length {} s must be a positive number of seconds",
                self.chunk_seconds
            )));
        }
        if let Some(b) = self.audio.bitrate {
            if !(8_000..=1_536_000).contains(&b) {
                return Err(Error::InvalidSettings(format!(
                    "audio bitrate {b} bit/s must be between 8 and 1536 kbit/s"
                )));
            }
        }
        if let Some(c) = self.audio.channels {
            if !(1..=2).contains(&c) {
                return Err(Error::InvalidSettings(format!(
                    "audio channels {c}: only a downmix to 1 or 2 channels is offered"
                )));
            }
        }
        if let Some(limit) = self.duration_limit {
            if !(limit.is_finite() && limit > 0.0) {
                return Err(Error::InvalidSettings(format!(
                    "duration limit {limit} s must be positive"
                )));
            }
        }
        Ok(())
    }
}

/// Demux → access units → chunk plan, fed in pieces (see the module docs).
pub struct Analyzer {
    settings: Settings,
    demuxer: TsDemuxer,
    /// The video codec's parser, once the stream is selected.
    parser: Option<Box<dyn VideoParser + Send>>,
    planner: ChunkPlanner,
    /// The parser's parameter-set version the planner has.
    params_version: Option<u64>,
    selection: Option<StreamSelection>,
    job_settings: Option<JobSettings>,
    format: Option<StreamFormat>,
    /// Timestamps of the first few units, to estimate the frame rate when the
    /// SPS has none.
    early_pts: Vec<i64>,
    held: VecDeque<AccessUnit>,
    audio: AudioIngest,
    /// Planned chunks waiting for their audio to be demuxed.
    waiting: VecDeque<Chunk>,
    /// Chunks with their audio, for the face to take.
    ready: VecDeque<Chunk>,
    limit_pts: Option<i64>,
    first_video_pts: Option<i64>,
    latest_video_pts: Option<i64>,
    video_clock: Continuity,
    warnings: Vec<Warning>,
    bytes_in: u64,
    finished: bool,
}

/// Units held back until the frame rate is known.
const FRAME_RATE_PROBE: usize = 16;

impl Analyzer {
    pub fn new(settings: Settings) -> Result<Self> {
        settings.validate()?;
        Ok(Analyzer {
            settings,
            demuxer: TsDemuxer::new(),
            parser: None,
            planner: settings.planner(3003),
            params_version: None,
            selection: None,
            job_settings: None,
            format: None,
            early_pts: Vec::new(),
            held: VecDeque::new(),
            audio: AudioIngest::new(settings.audio),
            waiting: VecDeque::new(),
            ready: VecDeque::new(),
            limit_pts: None,
            first_video_pts: None,
            latest_video_pts: None,
            video_clock: Continuity::default(),
            warnings: Vec::new(),
            bytes_in: 0,
            finished: false,
        })
    }

    /// Feeds the next piece of the input (any size; a few MiB is good).
    pub fn push(&mut self, bytes: &[u8]) -> Result<()> {
        self.bytes_in += bytes.len() as u64;
        self.demuxer.push(bytes)?;
        self.drain_demuxer()
    }

    /// Ends the input.
    pub fn finish(&mut self) -> Result<()> {
        if self.finished {
            return Ok(());
        }
        self.finished = true;
        self.demuxer.finish()?;
        self.drain_demuxer()?;
        if let Some(parser) = &mut self.parser {
            parser.finish();
        }
        self.drain_units(true)?;
        self.planner.finish();
        if self.planner.stats().frames == 0 {
            let mut why =
                String::from("the video stream holds no picture a decoder can start from");
            let skipped = self.planner.stats().skipped_leading_frames;
            if self.job_settings.is_none() && skipped > 0 {
                let codec = self
                    .selection
                    .as_ref()
                    .map_or("video", |s| s.video_codec.name());
                why = format!(
                    "{skipped} frames found, but no usable {codec} sequence header (SPS/sequence header missing or damaged)"
                );
            } else if skipped > 0 {
                why = format!(
                    "{} frames found, but none is a random-access point (IDR or recovery point)",
                    self.planner.stats().skipped_leading_frames
                );
            }
            return Err(Error::NoDecodableFrame(why));
        }
        self.audio.finish();
        Ok(())
    }

    /// Whether the optional duration limit has been reached (stop reading).
    pub fn done_reading(&self) -> bool {
        self.finished
            || match (self.limit_pts, self.first_video_pts) {
                (Some(limit), Some(_)) => self
                    .latest_video_pts
                    .is_some_and(|p| p > limit + 2 * TICKS_PER_SECOND),
                _ => false,
            }
    }

    /// Next chunk that is ready to be encoded: planned, and with the audio
    /// of its time range demuxed (carried as segments to encode with it).
    pub fn next_chunk(&mut self) -> Option<Chunk> {
        self.release_chunks();
        self.ready.pop_front()
    }

    /// Gives the planned chunks whose audio is in (or can no longer come)
    /// their audio segments. Runs after every demuxed packet, so what a
    /// chunk carries depends only on the stream, never on how it was read.
    fn release_chunks(&mut self) {
        while let Some(chunk) = self.planner.next_chunk() {
            self.waiting.push_back(chunk);
        }
        while let Some(end) = self.waiting.front().map(|c| c.end_pts) {
            if !self.audio.ready_for(end, self.latest_video_pts) {
                break;
            }
            // The first chunk out fixes the output's audio tracks.
            self.audio.output_tracks();
            let mut chunk = self.waiting.pop_front().expect("front exists");
            chunk.audio = self.audio.segments(end);
            self.ready.push_back(chunk);
        }
    }

    /// Settings for the chunk jobs; known once the first chunk is out.
    pub fn job_settings(&self) -> Option<JobSettings> {
        self.job_settings
    }

    /// Every audio stream of the selected program and what happens to it
    /// (final once the first chunk is out).
    pub fn audio_fates(&self) -> Vec<crate::audio::ingest::AudioFate> {
        let streams = self.selection.as_ref().map_or(&[][..], |s| &s.audio[..]);
        self.audio.fates(streams)
    }

    /// Seconds of video between the first and the latest timestamp read.
    pub fn video_span_seconds(&self) -> f64 {
        match (self.first_video_pts, self.latest_video_pts) {
            (Some(a), Some(b)) => (b - a).max(0) as f64 / TICKS_PER_SECOND as f64,
            _ => 0.0,
        }
    }

    /// The first video timestamp (90 kHz, unwrapped from the first).
    pub fn first_video_pts(&self) -> Option<i64> {
        self.first_video_pts
    }

    /// The output's audio tracks (fixed once the first chunk is out).
    pub fn audio_info(&mut self) -> Vec<AudioTrackInfo> {
        self.audio.output_tracks()
    }

    /// Takes the passed-through (AAC) audio frames demuxed so far.
    pub fn take_audio(&mut self) -> Vec<AudioFrame> {
        self.audio.take_frames()
    }

    /// Warnings found so far (taken: each is returned once).
    pub fn take_warnings(&mut self) -> Vec<Warning> {
        self.warnings.extend(self.audio.take_warnings());
        std::mem::take(&mut self.warnings)
    }

    pub fn plan_stats(&self) -> PlanStats {
        self.planner.stats()
    }

    pub fn demux_stats(&self) -> crate::demux::DemuxStats {
        self.demuxer.stats()
    }

    pub fn selection(&self) -> Option<&StreamSelection> {
        self.selection.as_ref()
    }

    /// The video's format (from its first sequence-level header).
    pub fn format(&self) -> Option<&StreamFormat> {
        self.format.as_ref()
    }

    /// Bytes held between calls: bounded by one chunk plus fixed buffers,
    /// whatever the input's length (audio is bounded by the caller taking it).
    pub fn buffered_bytes(&self) -> usize {
        self.demuxer.buffered_bytes()
            + self.parser.as_ref().map_or(0, |p| p.buffered_bytes())
            + self.planner.buffered_bytes()
            + self.held.iter().map(|u| u.data.len()).sum::<usize>()
            + self
                .waiting
                .iter()
                .chain(&self.ready)
                .map(Chunk::byte_len)
                .sum::<usize>()
            + self.audio.buffered_bytes()
    }

    pub fn bytes_in(&self) -> u64 {
        self.bytes_in
    }

    fn drain_demuxer(&mut self) -> Result<()> {
        while let Some(event) = self.demuxer.next_event() {
            match event {
                DemuxEvent::Selected(selection) => {
                    let codec = selection.video_codec;
                    if self.settings.video == VideoMode::Copy && !codec.copies_into_mp4() {
                        return Err(codec.copy_refusal());
                    }
                    self.parser = parser_for(codec);
                    self.audio.select(&selection.audio);
                    self.selection = Some(selection);
                }
                DemuxEvent::Warning(w) => self.warnings.push(w),
                DemuxEvent::Video(mut pes) => {
                    if let Some(t) = pes.dts.or(pes.pts) {
                        if self.video_clock.apply(t, 3003) {
                            self.warnings.push(Warning {
                                offset: Some(pes.offset),
                                message: "video timestamp discontinuity: timeline re-joined".into(),
                            });
                        }
                        let shift = self.video_clock.offset;
                        pes.pts = pes.pts.map(|p| p + shift);
                        pes.dts = pes.dts.map(|d| d + shift);
                    }
                    self.latest_video_pts = pes.pts.or(self.latest_video_pts);
                    if self.first_video_pts.is_none() {
                        self.first_video_pts = pes.pts;
                        if let (Some(limit), Some(pts)) = (self.settings.duration_limit, pes.pts) {
                            self.limit_pts = Some(pts + (limit * TICKS_PER_SECOND as f64) as i64);
                            self.audio.set_limit(self.limit_pts);
                        }
                    }
                    if let Some(parser) = &mut self.parser {
                        let meta = PesMeta {
                            pts: pes.pts,
                            dts: pes.dts,
                            offset: pes.offset,
                            damaged: pes.damaged,
                        };
                        parser.push(&pes.data, meta);
                    }
                    self.drain_units(false)?;
                }
                DemuxEvent::Audio(index, pes) => {
                    self.audio.push(index, pes);
                    if let Some(e) = self.audio.take_limit_error() {
                        return Err(e);
                    }
                }
            }
            self.release_chunks();
        }
        if let (Some(parser), Some(selection)) = (&mut self.parser, &self.selection) {
            for problem in parser.take_problems() {
                self.warnings.push(Warning {
                    offset: None,
                    message: format!("{}: {problem}", selection.video_codec.name()),
                });
            }
        }
        Ok(())
    }

    fn drain_units(&mut self, at_end: bool) -> Result<()> {
        // Taken out while planning: the planner and job settings need `self`.
        let Some(mut parser) = self.parser.take() else {
            return Ok(());
        };
        let result = self.drain_units_from(parser.as_mut(), at_end);
        self.parser = Some(parser);
        result
    }

    fn drain_units_from(
        &mut self,
        parser: &mut (dyn VideoParser + Send),
        at_end: bool,
    ) -> Result<()> {
        while let Some(unit) = parser.next_unit() {
            if let Some(pts) = unit.pts {
                if self.early_pts.len() < FRAME_RATE_PROBE * 4 {
                    self.early_pts.push(pts);
                }
            }
            // Checked on every unit: a later PPS may use what the first did not.
            match parser.format() {
                Some(Err(e)) => return Err(e),
                Some(Ok(format)) if self.format.is_none() => self.format = Some(format),
                _ => {}
            }
            self.held.push_back(unit);
            if self.job_settings.is_none() && (self.held.len() < FRAME_RATE_PROBE && !at_end) {
                continue;
            }
            self.ensure_job_settings();
            while let Some(unit) = self.held.pop_front() {
                self.plan(parser, unit)?;
            }
        }
        if at_end {
            self.ensure_job_settings();
            while let Some(unit) = self.held.pop_front() {
                self.plan(parser, unit)?;
            }
        }
        // What the parser still holds is one unfinished access unit.
        let held = parser.buffered_bytes();
        if held > limits::MAX_ACCESS_UNIT_BYTES {
            return Err(limits::exceeded(
                "an access unit of over",
                format_args!("{} MiB", held >> 20),
                format_args!("{} MiB", limits::MAX_ACCESS_UNIT_BYTES >> 20),
            ));
        }
        Ok(())
    }

    fn plan(&mut self, parser: &(dyn VideoParser + Send), unit: AccessUnit) -> Result<()> {
        if let (Some(limit), Some(pts)) = (self.limit_pts, unit.pts) {
            if pts >= limit {
                return Ok(());
            }
        }
        // No usable sequence header yet (damaged or missing): nothing can
        // decode this unit, and a chunk without job settings could never run.
        if self.job_settings.is_none() {
            self.planner.skip_undecodable();
            return Ok(());
        }
        let version = parser.parameter_sets_version();
        if self.params_version != Some(version) {
            self.params_version = Some(version);
            self.planner.set_parameter_sets(parser.parameter_sets());
        }
        let offset = unit.offset;
        self.planner.push(unit);
        self.planner.check_limits().map_err(|e| match e {
            Error::Limit(why) => Error::Limit(format!("{why} (at byte {offset})")),
            other => other,
        })
    }

    fn ensure_job_settings(&mut self) {
        if self.job_settings.is_some() {
            return;
        }
        let (Some(format), Some(selection)) = (&self.format, &self.selection) else {
            return;
        };
        let frame_rate = format
            .frame_rate
            .filter(|&(n, d)| n > 0 && d > 0 && n / d <= 300)
            .unwrap_or_else(|| estimate_frame_rate(&self.early_pts));
        let interlaced = format.interlaced;
        let top_field_first = !self.held.iter().any(|u| u.bottom_field_first);
        let video = self.settings.video;
        self.job_settings = Some(JobSettings {
            video,
            codec: selection.video_codec,
            deinterlace: self.settings.deinterlace,
            format: VideoFormat {
                width: format.width,
                height: format.height,
                bit_depth: format.bit_depth,
                frame_rate,
                sample_aspect: format.sample_aspect.unwrap_or((1, 1)),
            },
            interlaced_source: interlaced,
            top_field_first,
        });
        let ticks =
            (TICKS_PER_SECOND * i64::from(frame_rate.1) / i64::from(frame_rate.0.max(1))).max(1);
        // Re-create the planner with the real frame duration (nothing planned yet).
        self.planner = self.settings.planner(ticks);
        self.params_version = None;
    }
}

/// Frame rate from the smallest positive step between sorted early timestamps.
fn estimate_frame_rate(pts: &[i64]) -> (u32, u32) {
    let mut sorted = pts.to_vec();
    sorted.sort_unstable();
    let step = sorted
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|&d| d > 0)
        .min()
        .unwrap_or(3003);
    // Snap to the common broadcast rates when close.
    for (num, den) in [(24000u32, 1001u32), (30000, 1001), (60000, 1001)] {
        let ticks = 90_000.0 * f64::from(den) / f64::from(num);
        if (ticks - step as f64).abs() < 1.5 {
            return (num, den);
        }
    }
    (90_000, step.clamp(1, 90_000) as u32)
}

/// What a finished transcode reports.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Summary {
    pub input_bytes: u64,
    pub output_bytes: u64,
    /// Seconds, from the first to past the last video frame.
    pub input_duration: f64,
    pub output_duration: f64,
    pub frames: u64,
    pub chunks: u64,
    /// Chunks taken from an interrupted run's checkpoints, not encoded again.
    pub restored_chunks: u64,
    pub skipped_leading_frames: u64,
    pub damaged_frames: u64,
    pub replaced_frames: u64,
    pub deinterlaced: bool,
    pub audio_frames: u64,
    /// Every audio track of the output.
    pub audio_tracks: Vec<AudioTrackSummary>,
    pub width: u32,
    pub height: u32,
    pub bit_depth: u8,
    /// Output video+audio bitrate in bits per second.
    pub bitrate: f64,
    /// Wall-clock seconds (set by the face that ran the jobs).
    pub wall_seconds: f64,
    /// Seconds the coordinating thread spent demuxing, planning and muxing
    /// (the part that does not fan out); set by the face.
    pub serial_seconds: f64,
    /// When and where each chunk job ran; set by the face.
    pub timeline: Vec<ChunkTiming>,
    pub warnings: Vec<Warning>,
}

/// One audio track as it came out.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct AudioTrackSummary {
    /// The source codec.
    pub source: String,
    /// `"copy"` (AAC passed through) or `"aac"` (encoded here).
    pub output: String,
    pub sample_rate: u32,
    pub channels: u16,
    pub language: Option<String>,
    pub frames: u64,
    /// Source frames that failed to decode (silence in their place).
    pub damaged_frames: u64,
}

/// One chunk job as it ran: what the scaling analysis of `bench/` models.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct ChunkTiming {
    pub index: u32,
    /// Frames output.
    pub frames: u64,
    /// Frames decoded only to rebuild references (split between keyframes).
    pub warmup_frames: u64,
    /// Which worker (thread) ran it.
    pub worker: u32,
    /// Seconds since the transcode started.
    pub start: f64,
    pub end: f64,
}

/// Presentation time of a chunk's last frame (`fallback` when it has none):
/// audio before it is written before the chunk.
fn chunk_end(chunk: &EncodedChunk, fallback: i64) -> i64 {
    chunk
        .samples
        .iter()
        .map(|s| s.pts)
        .max()
        .unwrap_or(fallback)
}

/// The assembler's muxer: the fast-start one indexes samples whose bytes go
/// straight to the sink; the fragmented one holds a fragment's bytes until
/// its `moof` can be written.
enum Muxer {
    FastStart(Mp4Muxer),
    Fragmented(FragmentedMp4Muxer),
}

fn mux_error(e: crate::mux::mp4::MuxError) -> Error {
    Error::Mux(e.to_string())
}

impl Muxer {
    fn add_video(
        &mut self,
        sink: &mut impl Sink,
        data: &[u8],
        dts: i64,
        pts: i64,
        sync: bool,
    ) -> Result<()> {
        match self {
            Muxer::FastStart(m) => {
                m.add_video_sample(data.len() as u32, dts, pts, sync);
                sink.write_payload(data)
            }
            Muxer::Fragmented(m) => {
                m.add_video_sample(data, dts, pts, sync);
                Ok(())
            }
        }
    }

    fn add_audio(
        &mut self,
        sink: &mut impl Sink,
        track: usize,
        data: &[u8],
        pts: i64,
    ) -> Result<()> {
        match self {
            Muxer::FastStart(m) => {
                m.add_audio_sample_to(track, data.len() as u32, pts);
                sink.write_payload(data)
            }
            Muxer::Fragmented(m) => m.add_audio_sample_to(track, data, pts).map_err(mux_error),
        }
    }

    /// A chunk is complete: the fragmented file writes what became final.
    fn end_chunk(&mut self, sink: &mut impl Sink) -> Result<()> {
        match self {
            Muxer::FastStart(_) => Ok(()),
            Muxer::Fragmented(m) => sink.write_payload(&m.end_fragment().map_err(mux_error)?),
        }
    }

    /// Completes the file; returns its length.
    fn finish(&mut self, sink: &mut impl Sink) -> Result<u64> {
        match self {
            Muxer::FastStart(m) => {
                let header = m.header().map_err(mux_error)?;
                sink.finish(&header)?;
                Ok(header.len() as u64 + m.payload_len())
            }
            Muxer::Fragmented(m) => {
                sink.write_payload(&m.finish().map_err(mux_error)?)?;
                sink.finish(&[])?;
                Ok(m.bytes_out())
            }
        }
    }
}

/// Chunks held while their audio has not arrived (audio that stops early).
const MAX_CHUNKS_WAITING_FOR_AUDIO: usize = 32;

/// Writes encoded chunks and audio to the MP4 in order.
pub struct Assembler<S: Sink> {
    sink: S,
    container: Container,
    muxer: Option<Muxer>,
    job: JobSettings,
    audio_tracks: Vec<AudioTrackInfo>,
    /// Passed-through frames per output track (empty for encoded tracks).
    audio: Vec<VecDeque<AudioFrame>>,
    audio_summary: Vec<AudioTrackSummary>,
    waiting: BTreeMap<u32, EncodedChunk>,
    next_index: u32,
    first_pts: Option<i64>,
    last_pts: i64,
    last_dts: Option<i64>,
    stats: JobStats,
    frame_ticks: i64,
    /// The first chunk's `av1C`: every chunk must match it.
    av1c: Option<Vec<u8>>,
    /// Latest timestamp received per passed-through track, and whether all
    /// audio is in.
    audio_horizon: Vec<i64>,
    audio_complete: bool,
}

impl<S: Sink> Assembler<S> {
    /// `audio`: the output's audio tracks (from the analyzer, known by the
    /// time the first chunk is out).
    pub fn new(
        sink: S,
        job: JobSettings,
        audio: Vec<AudioTrackInfo>,
        container: Container,
    ) -> Self {
        let (num, den) = job.format.frame_rate;
        let audio_summary = audio
            .iter()
            .map(|t| AudioTrackSummary {
                source: t.source.clone(),
                output: if t.passthrough { "copy" } else { "aac" }.into(),
                sample_rate: t.sample_rate,
                channels: t.channels,
                language: t.language.clone(),
                ..Default::default()
            })
            .collect();
        Assembler {
            sink,
            container,
            muxer: None,
            job,
            audio: audio.iter().map(|_| VecDeque::new()).collect(),
            audio_horizon: audio.iter().map(|_| i64::MIN).collect(),
            audio_tracks: audio,
            audio_summary,
            waiting: BTreeMap::new(),
            next_index: 0,
            first_pts: None,
            last_pts: 0,
            last_dts: None,
            stats: JobStats::default(),
            frame_ticks: (TICKS_PER_SECOND * i64::from(den) / i64::from(num.max(1))).max(1),
            av1c: None,
            audio_complete: false,
        }
    }

    /// The sink, for faces that drain it as they go.
    pub fn sink_mut(&mut self) -> &mut S {
        &mut self.sink
    }

    /// Queues demuxed (passed-through) audio frames; they are interleaved
    /// with the video.
    pub fn add_audio(&mut self, frames: Vec<AudioFrame>) -> Result<()> {
        for frame in frames {
            let Some(queue) = self.audio.get_mut(frame.track as usize) else {
                return Err(Error::Mux(format!(
                    "audio for unknown track {}",
                    frame.track
                )));
            };
            self.audio_horizon[frame.track as usize] = frame.pts;
            queue.push_back(frame);
        }
        self.write_ready()
    }

    /// No more audio will come (the input has ended).
    pub fn end_of_audio(&mut self) -> Result<()> {
        self.audio_complete = true;
        self.write_ready()
    }

    /// Chunks received but not yet written (waiting for an earlier one).
    pub fn waiting(&self) -> usize {
        self.waiting.len()
    }

    /// Index of the next chunk to be written.
    pub fn next_index(&self) -> u32 {
        self.next_index
    }

    /// Adds a finished chunk; writes it and any chunks it unblocks.
    pub fn add_chunk(&mut self, chunk: EncodedChunk) -> Result<()> {
        self.waiting.insert(chunk.index, chunk);
        self.write_ready()
    }

    /// Writes the next chunks in order, each once all the passed-through
    /// audio that goes before it has arrived. Waiting for the audio (rather
    /// than writing whatever audio is there) makes the interleaving, and so
    /// the file's bytes, independent of how far ahead the input was read:
    /// the CLI with any `--jobs` and the browser give the same file.
    fn write_ready(&mut self) -> Result<()> {
        while let Some(chunk) = self.waiting.get(&self.next_index) {
            let end = chunk_end(chunk, self.last_pts);
            let audio_known = self.audio_complete
                || self
                    .audio_tracks
                    .iter()
                    .zip(&self.audio_horizon)
                    .all(|(t, &h)| !t.passthrough || h >= end)
                // Safety valve when audio stops early: bounded memory wins.
                || self.waiting.len() > MAX_CHUNKS_WAITING_FOR_AUDIO;
            if !audio_known {
                break;
            }
            let chunk = self.waiting.remove(&self.next_index).expect("present");
            self.write_chunk(chunk)?;
            self.next_index += 1;
        }
        Ok(())
    }

    fn muxer(&mut self, chunk: &EncodedChunk) -> Result<&mut Muxer> {
        if self.muxer.is_none() {
            let format = self.job.format;
            let codec = match self.job.video {
                VideoMode::Av1(_) => VideoCodec::Av1 {
                    av1c: chunk.av1c.clone().ok_or_else(|| {
                        Error::Encoder("first chunk carries no AV1 sequence header".into())
                    })?,
                    bit_depth: format.bit_depth,
                },
                VideoMode::Copy | VideoMode::H264(_) => {
                    let config = chunk.codec_config.clone().ok_or_else(|| {
                        Error::Mux("first chunk carries no parameter sets".into())
                    })?;
                    if self.job.video == VideoMode::Copy && self.job.codec == VideoCodecId::Hevc {
                        VideoCodec::Hevc { hvcc: config }
                    } else {
                        VideoCodec::Avc { avcc: config }
                    }
                }
            };
            // The H.264 encoder rounds odd sizes up (4:2:0 cannot signal them).
            let even = |n: u32| match self.job.video {
                VideoMode::H264(_) => n + (n & 1),
                _ => n,
            };
            let video = VideoTrack {
                codec,
                width: even(format.width),
                height: even(format.height),
                pixel_aspect: Some(format.sample_aspect).filter(|&(a, b)| a != b && a > 0 && b > 0),
                default_frame_duration: self.frame_ticks as u32,
            };
            let audio = self
                .audio_tracks
                .iter()
                .map(|a| AudioTrack {
                    sample_rate: a.sample_rate,
                    channels: a.channels,
                    audio_specific_config: a.audio_specific_config.clone(),
                    samples_per_frame: 1024,
                    language: a.language.clone().unwrap_or_else(|| "und".into()),
                    priming: a.priming,
                })
                .collect();
            self.muxer = Some(match self.container {
                Container::Mp4 => Muxer::FastStart(Mp4Muxer::with_audio_tracks(video, audio)),
                Container::Fmp4 => Muxer::Fragmented(FragmentedMp4Muxer::new(video, audio)),
            });
        }
        Ok(self.muxer.as_mut().expect("created above"))
    }

    /// Writes the passed-through audio that plays before `limit`.
    fn write_audio_before(&mut self, limit: i64) -> Result<()> {
        for (track, queue) in self.audio.iter_mut().enumerate() {
            while queue.front().is_some_and(|f| f.pts < limit) {
                let frame = queue.pop_front().expect("checked");
                let muxer = self.muxer.as_mut().expect("muxer exists before audio");
                muxer.add_audio(&mut self.sink, track, &frame.data, frame.pts)?;
                self.audio_summary[track].frames += 1;
            }
        }
        Ok(())
    }

    /// Writes a chunk's encoded audio (it plays alongside the chunk's video).
    fn write_encoded_audio(&mut self, audio: &[EncodedAudio]) -> Result<()> {
        for segment in audio {
            let track = segment.track as usize;
            if self.audio_tracks.get(track).is_none_or(|t| t.passthrough) {
                return Err(Error::Mux(format!(
                    "encoded audio for track {track}, which has none"
                )));
            }
            let muxer = self.muxer.as_mut().expect("muxer exists before audio");
            for (pts, data) in &segment.frames {
                muxer.add_audio(&mut self.sink, track, data, *pts)?;
            }
            self.audio_summary[track].frames += segment.frames.len() as u64;
            self.audio_summary[track].damaged_frames += segment.damaged_packets;
        }
        Ok(())
    }

    fn write_chunk(&mut self, chunk: EncodedChunk) -> Result<()> {
        if let (Some(first), Some(this)) = (&self.av1c, &chunk.av1c) {
            if first != this {
                return Err(Error::Encoder(format!(
                    "chunk {} has a different AV1 sequence header from chunk 0",
                    chunk.index
                )));
            }
        }
        if self.av1c.is_none() {
            self.av1c = chunk.av1c.clone();
        }
        self.muxer(&chunk)?;
        let chunk_end = chunk_end(&chunk, self.last_pts);
        self.write_audio_before(chunk_end)?;
        self.write_encoded_audio(&chunk.audio)?;
        let muxer = self.muxer.as_mut().expect("created above");
        for sample in &chunk.samples {
            // DTS must rise strictly; streams without DTS get them rebuilt.
            let dts = match self.last_dts {
                Some(last) if sample.dts <= last => last + 1,
                _ => sample.dts,
            };
            self.last_dts = Some(dts);
            muxer.add_video(
                &mut self.sink,
                &sample.data,
                dts,
                sample.pts.max(dts),
                sample.sync,
            )?;
            self.first_pts = Some(self.first_pts.map_or(sample.pts, |p| p.min(sample.pts)));
            self.last_pts = self.last_pts.max(sample.pts);
        }
        muxer.end_chunk(&mut self.sink)?;
        self.stats.frames += chunk.stats.frames;
        self.stats.damaged_frames += chunk.stats.damaged_frames;
        self.stats.replaced_frames += chunk.stats.replaced_frames;
        self.stats.deinterlaced |= chunk.stats.deinterlaced;
        Ok(())
    }

    /// Writes the rest of the audio and the header. `expected_chunks` guards
    /// against a face that lost a chunk.
    pub fn finish(mut self, expected_chunks: u32) -> Result<(Summary, S)> {
        self.end_of_audio()?;
        if self.next_index != expected_chunks || !self.waiting.is_empty() {
            return Err(Error::Encoder(format!(
                "only {} of {} chunks arrived",
                self.next_index, expected_chunks
            )));
        }
        if self.muxer.is_none() {
            return Err(Error::NoDecodableFrame("no chunk produced a frame".into()));
        }
        self.write_audio_before(i64::MAX)?;
        let muxer = self.muxer.as_mut().expect("checked");
        let output_bytes = muxer.finish(&mut self.sink)?;
        let duration = (self.last_pts - self.first_pts.unwrap_or(0) + self.frame_ticks) as f64
            / TICKS_PER_SECOND as f64;
        let summary = Summary {
            output_bytes,
            input_duration: duration,
            output_duration: duration,
            frames: self.stats.frames,
            damaged_frames: self.stats.damaged_frames,
            replaced_frames: self.stats.replaced_frames,
            deinterlaced: self.stats.deinterlaced,
            audio_frames: self.audio_summary.iter().map(|t| t.frames).sum(),
            audio_tracks: self.audio_summary,
            width: self.job.format.width,
            height: self.job.format.height,
            bit_depth: self.job.format.bit_depth,
            bitrate: if duration > 0.0 {
                output_bytes as f64 * 8.0 / duration
            } else {
                0.0
            },
            chunks: u64::from(self.next_index),
            ..Default::default()
        };
        Ok((summary, self.sink))
    }
}
