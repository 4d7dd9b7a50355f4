//! Before a transcode: what the input holds, what happens to every track,
//! and what each video mode will take on this device.
//!
//! [`plan`] reads only the head of the input (the PMT, the first parameter
//! sets and a few seconds: tracks, the chunk plan's shape, probe encodes)
//! and its tail (the last video timestamps: the duration). Each mode's
//! time and size come from probe encodes timed here, scaled by
//! [`estimate`]'s arithmetic; nothing is looked up in a table.

pub mod estimate;

use serde::Serialize;

use crate::audio::ingest::AudioFate;
use crate::audio::segment::run_segment;
use crate::demux::ts::{detect_format, parse_header, parse_pes_header};
use crate::demux::LeftOutStream;
use crate::encode::{Av1Preset, H264Settings};
use crate::error::{Error, Result};
use crate::job::{run_chunk, Deinterlace, JobSettings, VideoMode};
use crate::pipeline::{Analyzer, Settings};
use crate::plan::{Chunk, TICKS_PER_SECOND};
use estimate::{Complexity, Device, Probe, Range, Workload};

/// Bytes of the input's head the plan reads (at most): enough for
/// [`HEAD_SECONDS`] of a 20 Mbit/s broadcast.
pub const HEAD_BYTES: usize = 16 << 20;
/// Bytes of the input's tail it reads for the last timestamps.
pub const TAIL_BYTES: usize = 1 << 20;
/// The head is analysed in pieces this big (finer pieces: a closer
/// bitrate for the duration estimate).
const PLAN_PIECE: usize = 64 << 10;
/// Bytes of each window probed further into the file (at most).
pub const WINDOW_BYTES: usize = 4 << 20;
/// Where the windows start, as a share of the file.
const WINDOW_AT: [f64; 2] = [0.4, 0.75];
/// Seconds of video the head's chunk plan covers.
pub const HEAD_SECONDS: f64 = 6.0;
/// Frames in the longer probe of each encoding mode.
const AV1_PROBE_FRAMES: usize = 5;
const H264_PROBE_FRAMES: usize = 16;
/// A decoded-only (warm-up) frame's cost against an output frame: decode
/// is ~1/20 of a rav1e frame, about as costly as an H.264 encode (the
/// planner's own ratios, `pipeline.rs`).
const AV1_WARMUP_COST: f64 = 0.05;
const H264_WARMUP_COST: f64 = 0.5;

/// What the user wants most; picks the recommended mode.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Goal {
    /// A smaller file (AV1), as fast as that allows.
    #[default]
    Smaller,
    /// A file every player plays (H.264, or the source's H.264 kept).
    PlaysEverywhere,
}

/// How the plan is made on this device.
#[derive(Clone, Copy, Debug, PartialEq, serde::Deserialize, Serialize)]
pub struct PlanOptions {
    pub workers: usize,
    /// See [`Device::parallel_efficiency`].
    pub parallel_efficiency: f64,
    #[serde(default)]
    pub goal: Goal,
}

/// The input's video stream and what happens to it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VideoPlan {
    pub pid: u16,
    pub codec: String,
    pub width: u32,
    pub height: u32,
    pub bit_depth: u8,
    pub frame_rate: f64,
    pub interlaced: bool,
    /// Interlaced pictures are deinterlaced in the encoding modes.
    pub deinterlace: bool,
}

/// The whole job's shape, from the head's chunk plan.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChunkPlanShape {
    pub chunks: u64,
    pub frames: u64,
    pub frames_per_chunk: f64,
    /// Warm-up frames (decoded, not output) per output frame.
    pub warmup_share: f64,
    /// Frames of the head before its first decodable picture.
    pub skipped_leading_frames: u64,
}

/// One video mode's estimate.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModePlan {
    /// `av1-fast`, `av1-balanced`, `av1-small`, `h264`, `copy`.
    pub id: String,
    pub label: String,
    pub video: VideoMode,
    /// `None` with `unavailable` when the mode cannot take this input.
    pub seconds: Option<Range>,
    pub bytes: Option<Range>,
    /// The output size against the input's.
    pub size_ratio: Option<f64>,
    pub unavailable: Option<String>,
    /// What the probes measured (for the benchmark and the curious).
    pub probe: Option<Probe>,
}

/// What a transcode of this input will do and take.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Plan {
    pub input_bytes: u64,
    /// Seconds of video the transcode covers (the duration limit applied).
    pub duration: f64,
    /// `timestamps` (the head's first and the tail's last) or `bitrate`.
    pub duration_from: String,
    pub program: u16,
    pub video: VideoPlan,
    pub audio: Vec<AudioFate>,
    pub left_out: Vec<LeftOutStream>,
    pub chunk_plan: ChunkPlanShape,
    /// The windows' content against the head's (`None`: no window gave a
    /// probe, and sizes follow the source's bytes instead).
    pub complexity: Option<Complexity>,
    pub workers: usize,
    pub modes: Vec<ModePlan>,
    /// The mode [`Goal`] picks, and why.
    pub recommended: String,
    pub recommended_because: String,
    /// Seconds the plan itself took (reading the head, probes).
    pub plan_seconds: f64,
    pub warnings: Vec<String>,
}

/// A mode as the plan's probes time it: AV1 without its bitrate cap (the
/// cap's own probe would outweigh a probe of five frames), at the preset's
/// best quantizer; the cap is applied to the estimated size instead.
fn uncapped(video: VideoMode) -> VideoMode {
    match video {
        VideoMode::Av1(av1) => VideoMode::Av1(crate::encode::Av1Settings {
            bitrate_cap_percent: 0,
            ..av1
        }),
        other => other,
    }
}

/// The modes a plan estimates, in the page's order.
pub fn modes() -> Vec<(String, String, VideoMode)> {
    let mut out: Vec<_> = [
        (Av1Preset::Fast, "fast"),
        (Av1Preset::Balanced, "balanced"),
        (Av1Preset::Small, "small"),
    ]
    .into_iter()
    .map(|(preset, name)| {
        (
            format!("av1-{name}"),
            format!("AV1, {name}"),
            VideoMode::Av1(preset.settings()),
        )
    })
    .collect();
    out.push((
        "h264".into(),
        "H.264 (plays everywhere)".into(),
        VideoMode::H264(H264Settings::default()),
    ));
    out.push(("copy".into(), "Copy the video".into(), VideoMode::Copy));
    out
}

/// Plans a transcode of an input of `input_bytes` whose first bytes are
/// `head` (up to [`HEAD_BYTES`]) and last are `tail` (up to
/// [`TAIL_BYTES`], overlapping the head in a small input); `windows` are
/// the byte ranges [`probe_windows`] names. `now` is a clock
/// in seconds (the faces' own: wasm has no `Instant`).
pub fn plan(
    head: &[u8],
    tail: &[u8],
    windows: &[&[u8]],
    input_bytes: u64,
    settings: &Settings,
    options: &PlanOptions,
    now: &mut dyn FnMut() -> f64,
) -> Result<Plan> {
    let started = now();
    let mut head_settings = *settings;
    head_settings.duration_limit = Some(
        settings
            .duration_limit
            .map_or(HEAD_SECONDS, |l| l.min(HEAD_SECONDS)),
    );
    let mut analyzer = Analyzer::new(head_settings)?;
    let mut chunks = Vec::new();
    let analysis_started = now();
    for piece in head.chunks(PLAN_PIECE) {
        analyzer.push(piece)?;
        chunks.extend(std::iter::from_fn(|| analyzer.next_chunk()));
        if analyzer.done_reading() {
            break;
        }
    }
    let read = analyzer.bytes_in();
    // The video time the bytes read span (for the bitrate), taken before
    // finish() plans the rest.
    let read_seconds = analyzer.video_span_seconds();
    let reached_end = read >= input_bytes && !analyzer.done_reading();
    analyzer.finish()?;
    chunks.extend(std::iter::from_fn(|| analyzer.next_chunk()));
    let analysis_seconds = now() - analysis_started;
    let job = analyzer
        .job_settings()
        .ok_or_else(|| Error::NoDecodableFrame("no usable sequence header in the head".into()))?;
    let selection = analyzer.selection().cloned().ok_or_else(|| {
        Error::NotTransportStream("no program with a video stream in the head".into())
    })?;
    let format = job.format;
    let fps = f64::from(format.frame_rate.0) / f64::from(format.frame_rate.1.max(1));
    let audio = analyzer.audio_fates();
    let passthrough_audio: usize = analyzer.take_audio().iter().map(|f| f.data.len()).sum();
    let plan_stats = analyzer.plan_stats();
    let mut warnings: Vec<String> = analyzer
        .take_warnings()
        .into_iter()
        .map(|w| w.to_string())
        .collect();

    // The duration: the tail's last timestamp against the head's first,
    // checked against the bitrate of what was read.
    let head_frames: usize = chunks.iter().map(Chunk::output_frames).sum();
    let head_seconds = head_frames as f64 / fps;
    let per_second = read as f64 / read_seconds.max(1.0 / fps);
    let by_bitrate = input_bytes as f64 / per_second.max(1.0);
    let by_timestamps = analyzer
        .first_video_pts()
        .and_then(|first| last_pts_after(tail, selection.video_pid, first))
        .map(|ticks| ticks as f64 / TICKS_PER_SECOND as f64 + 1.0 / fps);
    let (mut duration, mut duration_from) = match by_timestamps {
        _ if reached_end => (head_seconds, "timestamps".to_string()),
        // Timestamps that disagree with the bitrate by 2× were reset or
        // jumped (concatenated HLS): the bitrate is the better guess.
        Some(d) if d > by_bitrate / 2.0 && d < by_bitrate * 2.0 => (d, "timestamps".to_string()),
        Some(_) => {
            warnings.push(
                "the timestamps jump between the head and the tail: duration estimated from the bitrate".into(),
            );
            (by_bitrate, "bitrate".to_string())
        }
        None => (by_bitrate, "bitrate".to_string()),
    };
    let total_duration = duration;
    if let Some(limit) = settings.duration_limit {
        if limit < duration {
            duration = limit;
            duration_from = "duration limit".into();
        }
    }

    // The job's shape: the head's full chunks (the last is cut by the head).
    let full = if chunks.len() > 1 {
        &chunks[..chunks.len() - 1]
    } else {
        &chunks[..]
    };
    let full_frames: usize = full.iter().map(Chunk::output_frames).sum();
    let frames_per_chunk = if full_frames > 0 {
        full_frames as f64 / full.len() as f64
    } else {
        settings.chunk_seconds * fps
    };
    let warmup_share =
        full.iter().map(Chunk::warmup_frames).sum::<usize>() as f64 / full_frames.max(1) as f64;
    let frames = (duration * fps).round().max(1.0);
    let work = Workload {
        frames,
        chunks: (frames / frames_per_chunk.max(1.0)).ceil().max(1.0),
        warmup_share,
        duration,
    };
    let device = Device {
        workers: options.workers.max(1),
        parallel_efficiency: options.parallel_efficiency,
    };
    // The source's video bytes over the covered duration: the head's share
    // of video in the transport stream, applied to the whole file (so the
    // estimate follows the file's own bitrate past the head), and the share
    // of those in frames other than random-access points.
    let head_units = full.iter().flat_map(|c| c.units.iter());
    let (head_video, head_key) = head_units.fold((0usize, 0usize), |(all, key), u| {
        let rap = u.random_access != crate::codec::RandomAccess::No;
        (all + u.data.len(), key + if rap { u.data.len() } else { 0 })
    });
    let covered_bytes = input_bytes as f64 * duration / total_duration.max(1e-3);
    // Rates, as the full chunks and the bytes read span different times.
    let video_per_second = head_video as f64 * fps / full_frames.max(1) as f64;
    let video_share = (video_per_second / per_second.max(1.0)).min(1.0);
    let source_video_bytes = covered_bytes * video_share;
    let source_inter_bytes =
        source_video_bytes * (1.0 - head_key as f64 / head_video.max(1) as f64);
    // Reading, demuxing and planning run once, beside the workers.
    let serial = analysis_seconds * input_bytes as f64 / read.max(1) as f64;

    // Audio: its encode is part of every chunk job; its bytes of every mode.
    let first = chunks.first().ok_or_else(|| {
        Error::NoDecodableFrame("no decodable picture in the first seconds".into())
    })?;
    let audio_started = now();
    for segment in &first.audio {
        run_segment(segment)?;
    }
    let audio_chunk_seconds =
        (now() - audio_started) * frames_per_chunk / first.output_frames().max(1) as f64;
    let audio_bytes_per_second = passthrough_audio as f64 / read_seconds.max(1e-3)
        + first
            .audio
            .iter()
            .map(|s| f64::from(s.bitrate) / 8.0)
            .sum::<f64>();

    // The AV1 balanced probe on windows spread through the file: how its
    // later content compares with the head's (a fade from black, a still
    // opening), applied to every encoding mode.
    let reference = JobSettings {
        video: uncapped(VideoMode::Av1(Av1Preset::Balanced.settings())),
        ..job
    };
    let mut window_probes = Vec::new();
    for window in windows {
        if let Some(chunk) = first_chunk_of(window, settings) {
            if let Ok(p) = probe(&chunk, &reference, AV1_PROBE_FRAMES, now) {
                window_probes.push(p);
            }
        }
    }
    let mut head_reference = None;
    let complexity = if window_probes.is_empty() {
        None
    } else {
        let head = probe(first, &reference, AV1_PROBE_FRAMES, now)?;
        let c = Complexity::of(&head, &window_probes);
        head_reference = Some(head);
        Some(c)
    };

    let mut plans = Vec::new();
    for (id, label, video) in modes() {
        let mut mode = ModePlan {
            id,
            label,
            video,
            seconds: None,
            bytes: None,
            size_ratio: None,
            unavailable: None,
            probe: None,
        };
        if video == VideoMode::Copy && !job.codec.copies_into_mp4() {
            mode.unavailable = Some(format!(
                "{} cannot be copied into an MP4 that browsers play",
                job.codec.name()
            ));
            plans.push(mode);
            continue;
        }
        let job = JobSettings { video, ..job };
        let (chunk_seconds, video_bytes, probe) = match video {
            VideoMode::Copy => {
                // The whole first chunk: copying costs next to nothing. Its
                // size is the source's video, at the head's rate (the
                // first chunk alone starts with a big keyframe).
                let started = now();
                let mut video_only = first.clone();
                video_only.audio.clear();
                let out = run_chunk(&video_only, &job, &mut |_| true)?;
                let seconds =
                    (now() - started) * frames_per_chunk / out.samples.len().max(1) as f64;
                (seconds, source_video_bytes, None)
            }
            _ => {
                let n = match video {
                    VideoMode::Av1(_) => AV1_PROBE_FRAMES,
                    _ => H264_PROBE_FRAMES,
                };
                let plain = JobSettings {
                    video: uncapped(video),
                    ..job
                };
                let probe = match &head_reference {
                    Some(p) if plain.video == reference.video => p.clone(),
                    _ => probe(first, &plain, n, now)?,
                };
                let warmup_cost = match video {
                    VideoMode::Av1(_) => AV1_WARMUP_COST,
                    _ => H264_WARMUP_COST,
                };
                let seconds = probe.chunk_seconds(
                    frames_per_chunk,
                    frames_per_chunk * warmup_share,
                    warmup_cost,
                );
                // Sampled through the file when the windows gave probes;
                // else the source's bytes past the head stand for its content.
                let (seconds, mut bytes) = match complexity {
                    Some(c) => (
                        seconds * c.seconds,
                        work.chunks * probe.chunk_bytes(frames_per_chunk) * c.bytes,
                    ),
                    None => (
                        seconds,
                        probe.video_bytes(work.chunks, frames_per_chunk, source_inter_bytes),
                    ),
                };
                if let VideoMode::Av1(av1) = video {
                    if av1.bitrate_cap_percent > 0 {
                        let cap = f64::from(av1.bitrate_cap_percent) / 100.0;
                        bytes = bytes.min(source_video_bytes * cap);
                    }
                }
                (seconds, bytes, Some(probe))
            }
        };
        let wall =
            estimate::wall_seconds(chunk_seconds + audio_chunk_seconds, &work, &device, serial);
        let bytes = estimate::output_bytes(video_bytes, &work, audio_bytes_per_second);
        let (tb, ta) = estimate::TIME_BAND;
        let (sb, sa) = estimate::SIZE_BAND;
        mode.seconds = Some(Range::around(wall, tb, ta));
        mode.bytes = Some(Range::around(bytes, sb, sa));
        mode.probe = probe;
        plans.push(mode);
    }
    // The size ratio against the part of the input the transcode covers.
    for m in &mut plans {
        if let Some(b) = m.bytes {
            m.size_ratio = Some(b.estimate / covered_bytes.max(1.0));
        }
    }
    let (recommended, because) = recommend(&plans, options.goal, job.codec.name());
    let deinterlace = job.interlaced_source && settings.deinterlace != Deinterlace::Off;
    Ok(Plan {
        input_bytes,
        duration,
        duration_from,
        program: selection.program_number,
        video: VideoPlan {
            pid: selection.video_pid,
            codec: job.codec.name().to_string(),
            width: format.width,
            height: format.height,
            bit_depth: format.bit_depth,
            frame_rate: fps,
            interlaced: job.interlaced_source,
            deinterlace,
        },
        audio,
        left_out: selection.left_out.clone(),
        chunk_plan: ChunkPlanShape {
            chunks: work.chunks as u64,
            frames: work.frames as u64,
            frames_per_chunk,
            warmup_share,
            skipped_leading_frames: plan_stats.skipped_leading_frames,
        },
        complexity,
        workers: device.workers,
        modes: plans,
        recommended,
        recommended_because: because,
        plan_seconds: now() - started,
        warnings,
    })
}

/// The mode the goal picks among the estimated ones.
fn recommend(modes: &[ModePlan], goal: Goal, codec: &str) -> (String, String) {
    let available = |id: &str| modes.iter().find(|m| m.id == id && m.unavailable.is_none());
    match goal {
        Goal::PlaysEverywhere => {
            if codec == "H.264" && available("copy").is_some() {
                return (
                    "copy".into(),
                    "the source is H.264 already: copying it plays everywhere and takes least time"
                        .into(),
                );
            }
            (
                "h264".into(),
                "H.264 plays in every browser and player".into(),
            )
        }
        Goal::Smaller => {
            // The fastest AV1 preset estimated at most 80 % of the source.
            let mut av1: Vec<&ModePlan> = modes
                .iter()
                .filter(|m| m.id.starts_with("av1") && m.seconds.is_some())
                .collect();
            av1.sort_by(|a, b| {
                let t = |m: &ModePlan| m.seconds.map_or(f64::MAX, |s| s.estimate);
                t(a).total_cmp(&t(b))
            });
            if let Some(m) = av1.iter().find(|m| m.size_ratio.is_some_and(|r| r <= 0.8)) {
                let pct = m.size_ratio.unwrap_or(0.0) * 100.0;
                return (
                    m.id.clone(),
                    format!("the fastest mode estimated to make the file smaller (about {pct:.0} % of the source)"),
                );
            }
            let smallest = av1.iter().min_by(|a, b| {
                let r = |m: &ModePlan| m.size_ratio.unwrap_or(f64::MAX);
                r(a).total_cmp(&r(b))
            });
            match smallest {
                Some(m) => (
                    m.id.clone(),
                    "no mode is estimated to make this file much smaller; this one gives the smallest".into(),
                ),
                None => ("h264".into(), "no AV1 estimate could be made".into()),
            }
        }
    }
}

/// Times a chunk job on the first frame of `chunk`, then on its first
/// `frames`, with the sizes of the longer one's frames.
fn probe(
    chunk: &Chunk,
    job: &JobSettings,
    frames: usize,
    now: &mut dyn FnMut() -> f64,
) -> Result<Probe> {
    let mut time = |frames: usize| -> Result<(f64, Vec<usize>, usize)> {
        let part = head_of(chunk, frames);
        let started = now();
        let out = run_chunk(&part, job, &mut |_| true)?;
        let seconds = now() - started;
        // The source bytes of the output frames but the first (the keyframe).
        let source: usize = part
            .units
            .iter()
            .filter(|u| u.pts >= part.start_pts && u.pts < part.end_pts)
            .skip(1)
            .map(|u| u.data.len())
            .sum();
        let sizes = out.samples.iter().map(|s| s.data.len()).collect();
        Ok((seconds, sizes, source))
    };
    let (first_frame_seconds, _, _) = time(1)?;
    let (seconds, frame_bytes, source_inter_bytes) = time(frames)?;
    Ok(Probe {
        first_frame_seconds,
        seconds,
        frames: frame_bytes.len().max(1),
        frame_bytes,
        source_inter_bytes,
    })
}

/// The chunk cut after its `frames`-th output frame in decode order (a
/// decode-order prefix decodes: references come first), without audio.
fn head_of(chunk: &Chunk, frames: usize) -> Chunk {
    let output = |u: &crate::plan::ChunkUnit| u.pts >= chunk.start_pts && u.pts < chunk.end_pts;
    let mut outputs = 0;
    let keep = chunk
        .units
        .iter()
        .position(|u| {
            outputs += usize::from(output(u));
            outputs == frames
        })
        .map_or(chunk.units.len(), |i| i + 1);
    let units = chunk.units[..keep].to_vec();
    // Frames past the chunk's own end, kept only for reordering, are not output.
    let end_pts = units
        .iter()
        .filter(|u| output(u))
        .map(|u| u.pts)
        .max()
        .map_or(i64::MAX, |p| p + 1);
    Chunk {
        index: chunk.index,
        parameter_sets: chunk.parameter_sets.clone(),
        units,
        start_pts: chunk.start_pts,
        end_pts,
        audio: Vec::new(),
    }
}

/// The latest video PTS in `tail` past `first` (both 90 kHz, 33-bit wrap
/// undone), or `None` when the tail holds none.
fn last_pts_after(tail: &[u8], pid: u16, first: i64) -> Option<i64> {
    let (format, start) = detect_format(tail, true)?;
    let stride = format.stride();
    let sync = format.sync_offset();
    let wrap = 1i64 << 33;
    let first = first.rem_euclid(wrap);
    let mut latest = None;
    let mut at = start;
    while at + stride <= tail.len() {
        let packet = &tail[at + sync..at + sync + 188];
        at += stride;
        let Ok(header) = parse_header(packet) else {
            continue;
        };
        if header.pid != pid || !header.payload_unit_start || !header.has_payload {
            continue;
        }
        if let Ok(pes) = parse_pes_header(&packet[header.payload_start..]) {
            if let Some(pts) = pes.pts {
                let since = (pts as i64 - first).rem_euclid(wrap);
                latest = Some(latest.map_or(since, |l: i64| l.max(since)));
            }
        }
    }
    latest
}

/// The byte ranges `[start, end)` of the windows a face reads for
/// [`plan`]: a few MiB at 40 % and 75 % of the file (none in a file too
/// small to have a later part worth its own probe).
pub fn probe_windows(input_bytes: u64) -> Vec<(u64, u64)> {
    let size = (WINDOW_BYTES as u64).min(input_bytes / 8);
    if size < 64 << 10 {
        return Vec::new();
    }
    WINDOW_AT
        .iter()
        .map(|at| {
            let start = ((input_bytes as f64 * at) as u64).min(input_bytes - size);
            (start, start + size)
        })
        .collect()
}

/// The first chunk an analyzer plans from a window in the middle of the
/// file (it finds the tables and the next random-access point itself), or
/// `None` when the window holds none.
fn first_chunk_of(window: &[u8], settings: &Settings) -> Option<Chunk> {
    let mut settings = *settings;
    settings.duration_limit = Some(settings.chunk_seconds.max(1.0));
    let mut analyzer = Analyzer::new(settings).ok()?;
    for piece in window.chunks(PLAN_PIECE) {
        if analyzer.push(piece).is_err() {
            return None;
        }
        if let Some(chunk) = analyzer.next_chunk() {
            return Some(chunk);
        }
        if analyzer.done_reading() {
            break;
        }
    }
    analyzer.finish().ok()?;
    analyzer.next_chunk()
}

/// The byte ranges `[start, end)` of the head and the tail a face reads
/// for [`plan`].
pub fn head_and_tail_ranges(input_bytes: u64) -> ((u64, u64), (u64, u64)) {
    let head_end = input_bytes.min(HEAD_BYTES as u64);
    let tail_start = input_bytes.saturating_sub(TAIL_BYTES as u64);
    ((0, head_end), (tail_start, input_bytes))
}

impl Plan {
    /// The settings for one of the plan's modes.
    pub fn settings_for(&self, settings: &Settings, id: &str) -> Option<Settings> {
        let mode = self
            .modes
            .iter()
            .find(|m| m.id == id && m.unavailable.is_none())?;
        Some(Settings {
            video: mode.video,
            ..*settings
        })
    }
}
