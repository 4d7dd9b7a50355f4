//! `fanout`: the command-line face. Parses arguments, shows progress, prints
//! the summary; the work is `fanout::native::transcode_file`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, ValueEnum};
use fanout::audio::ingest::{AudioMode, AudioSettings, AudioTracks};
use fanout::encode::{Av1Preset, Av1Settings, H264Settings};
use fanout::job::{Deinterlace, VideoMode};
use fanout::mux::Container;
use fanout::native::{plan_file, transcode_file, transcode_file_checkpointed, Progress};
use fanout::pipeline::{Settings, Split, Summary};
use fanout::survey::Goal;
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Clone, Copy, Debug, ValueEnum)]
enum VideoArg {
    /// Encode to AV1 with rav1e.
    Av1,
    /// Encode to H.264 (Constrained Baseline) with rusty_h264: fast, plays everywhere.
    H264,
    /// Keep the H.264 as it is (remux only).
    Copy,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum SplitArg {
    /// At any frame (decoding from the keyframe before it).
    Anywhere,
    /// Only at the source's keyframes.
    Keyframes,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum PresetArg {
    /// rav1e speed 10, low latency: fastest, biggest files.
    Fast,
    /// rav1e speed 9, low latency: the default.
    Balanced,
    /// rav1e speed 8, low latency: smallest files, slowest.
    Small,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum AudioArg {
    /// AAC passed through, every other codec encoded to AAC-LC.
    Aac,
    /// No audio.
    None,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum AudioTracksArg {
    /// Every audio track of the program, each with its language.
    All,
    /// Only the first.
    First,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ContainerArg {
    /// MP4 with the index first (fast start): written at the end from a spool.
    Mp4,
    /// Fragmented MP4: one fragment per chunk, streamed in order.
    Fmp4,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum GoalArg {
    /// A smaller file, as fast as that allows.
    Smaller,
    /// A file every player plays.
    PlaysEverywhere,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum DeinterlaceArg {
    Auto,
    On,
    Off,
}

/// Transcode an MPEG transport stream (.ts, .m2ts, .mts) to an AV1 MP4,
/// encoding independent chunks in parallel.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Input transport stream.
    input: PathBuf,
    /// Output MP4.
    #[arg(short, long, required_unless_present = "plan")]
    output: Option<PathBuf>,
    /// Write nothing: show the tracks and what happens to each, and every
    /// video mode's estimated time and size on this machine (probe encodes
    /// of the first frames; reads only the head and the tail of the input).
    #[arg(long)]
    plan: bool,
    /// What --plan recommends: a smaller file (AV1), or one that plays
    /// everywhere (H.264).
    #[arg(long, value_enum, default_value_t = GoalArg::Smaller)]
    goal: GoalArg,
    /// AV1 preset: fast, balanced or small (same quality settings, faster or smaller).
    #[arg(long, value_enum, default_value_t = PresetArg::Balanced)]
    preset: PresetArg,
    /// rav1e speed 0 (slowest, smallest) to 10 (fastest); overrides the preset's.
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=10))]
    speed: Option<u8>,
    /// AV1 quantizer 0-255 (lower: better and bigger; the presets' is 80);
    /// without --bitrate-cap, turns the presets' bitrate cap off.
    #[arg(long)]
    quality: Option<u8>,
    /// Cap each chunk's AV1 size at this percentage of the source's (0: off;
    /// the presets cap at 80, so the output is smaller than the source),
    /// raising the chunk's quantizer as a probe encode predicts.
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=100))]
    bitrate_cap: Option<u8>,
    /// rav1e low-latency mode (no frame reordering: faster, a little bigger); overrides the preset's.
    #[arg(long)]
    low_latency: Option<bool>,
    /// Maximum frames between keyframes inside a chunk (0: only at chunk starts and scene cuts).
    #[arg(long, default_value_t = 0)]
    max_keyframe_interval: u32,
    /// Target chunk length in seconds.
    #[arg(long, default_value_t = Settings::default().chunk_seconds)]
    chunk_seconds: f64,
    /// Where chunks may start (copy mode always splits at keyframes).
    #[arg(long, value_enum, default_value_t = SplitArg::Anywhere)]
    split: SplitArg,
    /// Parallel chunk jobs (0: one per core).
    #[arg(short, long, default_value_t = 0)]
    jobs: usize,
    /// H.264 QP 0-51 for --video h264 (lower is better quality and bigger files).
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=51))]
    qp: Option<u8>,
    /// Video: encode to AV1, encode to H.264 (fast), or copy the H.264 without re-encoding.
    #[arg(long, value_enum, default_value_t = VideoArg::Av1)]
    video: VideoArg,
    /// Deinterlace: auto (when the stream is interlaced), on, off.
    #[arg(long, value_enum, default_value_t = DeinterlaceArg::Auto)]
    deinterlace: DeinterlaceArg,
    /// Audio: AAC kept as it is and everything else encoded to AAC, or none.
    #[arg(long, value_enum, default_value_t = AudioArg::Aac)]
    audio: AudioArg,
    /// Which audio tracks to keep.
    #[arg(long, value_enum, default_value_t = AudioTracksArg::All)]
    audio_tracks: AudioTracksArg,
    /// AAC bitrate of encoded tracks in kbit/s (default: 64 per channel).
    #[arg(long)]
    audio_bitrate: Option<u32>,
    /// Downmix encoded tracks to this many channels (1 or 2; default: keep the source's).
    #[arg(long)]
    audio_channels: Option<u16>,
    /// Output layout: fast-start MP4 or fragmented MP4.
    #[arg(long, value_enum, default_value_t = ContainerArg::Mp4)]
    container: ContainerArg,
    /// Transcode only the first this many seconds.
    #[arg(short = 't', long)]
    duration: Option<f64>,
    /// Resume an interrupted transcode: chunks an earlier run of the same
    /// input and settings finished (kept in OUTPUT.fanout-work/) are not
    /// encoded again, and the output is the same bytes.
    #[arg(long)]
    resume: bool,
    /// Keep no checkpoints while running (default: every finished chunk is
    /// kept in OUTPUT.fanout-work/ until the output is complete, except in
    /// copy mode without --resume).
    #[arg(long, conflicts_with = "resume")]
    no_checkpoints: bool,
    /// Print machine-readable stats as JSON on stdout (no progress bar).
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let settings = Settings {
        video: match args.video {
            VideoArg::Av1 => {
                let preset = match args.preset {
                    PresetArg::Fast => Av1Preset::Fast,
                    PresetArg::Balanced => Av1Preset::Balanced,
                    PresetArg::Small => Av1Preset::Small,
                }
                .settings();
                VideoMode::Av1(Av1Settings {
                    speed: args.speed.unwrap_or(preset.speed),
                    quantizer: args.quality.unwrap_or(preset.quantizer),
                    max_keyframe_interval: args.max_keyframe_interval,
                    low_latency: args.low_latency.unwrap_or(preset.low_latency),
                    // A quantizer set by hand means "this quality", so no cap
                    // unless asked for.
                    bitrate_cap_percent: args.bitrate_cap.unwrap_or(if args.quality.is_some() {
                        0
                    } else {
                        preset.bitrate_cap_percent
                    }),
                })
            }
            VideoArg::H264 => VideoMode::H264(H264Settings {
                qp: args.qp.unwrap_or(H264Settings::default().qp),
            }),
            VideoArg::Copy => VideoMode::Copy,
        },
        chunk_seconds: args.chunk_seconds,
        split: match args.split {
            SplitArg::Anywhere => Split::Anywhere,
            SplitArg::Keyframes => Split::Keyframes,
        },
        deinterlace: match args.deinterlace {
            DeinterlaceArg::Auto => Deinterlace::Auto,
            DeinterlaceArg::On => Deinterlace::On,
            DeinterlaceArg::Off => Deinterlace::Off,
        },
        duration_limit: args.duration,
        container: match args.container {
            ContainerArg::Mp4 => Container::Mp4,
            ContainerArg::Fmp4 => Container::Fmp4,
        },
        audio: AudioSettings {
            mode: match args.audio {
                AudioArg::Aac => AudioMode::Aac,
                AudioArg::None => AudioMode::None,
            },
            tracks: match args.audio_tracks {
                AudioTracksArg::All => AudioTracks::All,
                AudioTracksArg::First => AudioTracks::First,
            },
            bitrate: args.audio_bitrate.map(|k| k.saturating_mul(1000)),
            channels: args.audio_channels,
        },
    };
    if args.plan {
        return plan(&args, &settings);
    }
    let output = args
        .output
        .clone()
        .expect("clap requires --output without --plan");
    let bar = if args.json {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(0)
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} frames  {msg}  ETA {eta}",
        )
        .expect("valid template"),
    );
    let started = Instant::now();
    let mut on_progress = |p: &Progress| {
        bar.set_length(p.frames_planned.max(p.frames_done));
        bar.set_position(p.frames_done);
        let fps = p.frames_done as f64 / started.elapsed().as_secs_f64().max(1e-3);
        let planned = if p.reading_done { "" } else { "+" };
        bar.set_message(format!(
            "{fps:.1} fps  chunks {}/{}{planned} ({} in flight)",
            p.chunks_done, p.chunks_planned, p.chunks_in_flight
        ));
    };
    // Copy is fast enough to redo; checkpoints would double its writes.
    let checkpoints =
        args.resume || !(args.no_checkpoints || matches!(settings.video, VideoMode::Copy));
    let result = if checkpoints {
        transcode_file_checkpointed(
            &args.input,
            &output,
            &settings,
            args.jobs,
            None,
            args.resume,
            &mut on_progress,
        )
    } else {
        transcode_file(
            &args.input,
            &output,
            &settings,
            args.jobs,
            None,
            &mut on_progress,
        )
    };
    bar.finish_and_clear();
    report(&args.input, args.json, result, |summary| {
        print_summary(&args.input, &output, summary)
    })
}

fn plan(args: &Args, settings: &Settings) -> ExitCode {
    let goal = match args.goal {
        GoalArg::Smaller => Goal::Smaller,
        GoalArg::PlaysEverywhere => Goal::PlaysEverywhere,
    };
    let result = plan_file(&args.input, settings, args.jobs, goal);
    report(&args.input, args.json, result, |plan| {
        print_plan(&args.input, plan)
    })
}

/// The outcome on stdout: JSON with `--json`, else `print`'s text; an
/// error on stderr (and as `{"error": …}` with `--json`).
fn report<T: serde::Serialize>(
    input: &Path,
    json: bool,
    result: fanout::error::Result<T>,
    print: impl FnOnce(&T),
) -> ExitCode {
    match result {
        Ok(value) if json => match serde_json::to_string_pretty(&value) {
            Ok(text) => {
                println!("{text}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("fanout: cannot write JSON: {e}");
                ExitCode::FAILURE
            }
        },
        Ok(value) => {
            print(&value);
            ExitCode::SUCCESS
        }
        Err(e) => {
            if json {
                println!("{}", serde_json::json!({ "error": e.to_string() }));
            }
            eprintln!("fanout: {}: {e}", input.display());
            ExitCode::FAILURE
        }
    }
}

fn print_plan(input: &Path, p: &fanout::survey::Plan) {
    for w in &p.warnings {
        eprintln!("warning: {w}");
    }
    let v = &p.video;
    println!(
        "{}: {:.2} MB, {} ({}), program {}",
        input.display(),
        p.input_bytes as f64 / 1e6,
        clock(p.duration),
        p.duration_from,
        p.program
    );
    println!(
        "  video     PID {:#06x} {} {}x{} {}-bit {:.3} fps{}",
        v.pid,
        v.codec,
        v.width,
        v.height,
        v.bit_depth,
        v.frame_rate,
        if v.deinterlace {
            ", interlaced: deinterlaced"
        } else if v.interlaced {
            ", interlaced"
        } else {
            ""
        }
    );
    for a in &p.audio {
        let format = match (a.sample_rate, a.channels) {
            (Some(r), Some(c)) => format!(", {r} Hz, {c} ch"),
            _ => String::new(),
        };
        println!(
            "  audio     PID {:#06x} {} ({}){format}: {}: {}",
            a.pid,
            a.codec,
            a.language.as_deref().unwrap_or("und"),
            a.action,
            a.why
        );
    }
    for s in &p.left_out {
        println!("  left out  PID {:#06x} {}: {}", s.pid, s.what, s.why);
    }
    let c = &p.chunk_plan;
    println!(
        "  chunks    {} of {:.0} frames, {:.0} % warm-up, on {} workers",
        c.chunks,
        c.frames_per_chunk,
        c.warmup_share * 100.0,
        p.workers
    );
    for m in &p.modes {
        let mark = if m.id == p.recommended { "*" } else { " " };
        match (&m.seconds, &m.bytes, &m.unavailable) {
            (Some(t), Some(b), _) => println!(
                "  {mark} {:<13} {:>9} ({} to {})   {:>8.1} MB ({:.1} to {:.1}), {:.0} % of the source",
                m.id,
                clock(t.estimate),
                clock(t.low),
                clock(t.high),
                b.estimate / 1e6,
                b.low / 1e6,
                b.high / 1e6,
                m.size_ratio.unwrap_or(0.0) * 100.0
            ),
            (_, _, Some(why)) => println!("    {:<13} unavailable: {why}", m.id),
            _ => {}
        }
    }
    println!("  * {}: {}", p.recommended, p.recommended_because);
    println!(
        "  (estimated from probe encodes in {:.1} s)",
        p.plan_seconds
    );
}

/// `h:mm:ss`, or `m:ss` under an hour.
fn clock(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

fn print_summary(input: &Path, output: &Path, s: &Summary) {
    for w in &s.warnings {
        eprintln!("warning: {w}");
    }
    let speed = s.input_duration / s.wall_seconds.max(1e-9);
    println!("{} -> {}", input.display(), output.display());
    println!(
        "  video     {}x{} {}-bit, {} frames in {} chunks{}",
        s.width,
        s.height,
        s.bit_depth,
        s.frames,
        s.chunks,
        if s.deinterlaced { ", deinterlaced" } else { "" }
    );
    if s.restored_chunks > 0 {
        println!(
            "  resumed   {} of {} chunks from the checkpoints of an earlier run",
            s.restored_chunks, s.chunks
        );
    }
    if s.skipped_leading_frames > 0 {
        println!(
            "  skipped   {} frames before the first random-access point",
            s.skipped_leading_frames
        );
    }
    if s.damaged_frames > 0 {
        println!(
            "  damaged   {} frames ({} replaced by the last good picture)",
            s.damaged_frames, s.replaced_frames
        );
    }
    if s.audio_tracks.is_empty() {
        println!("  audio     none");
    }
    for (i, t) in s.audio_tracks.iter().enumerate() {
        let what = if t.output == "copy" {
            format!("{} passed through", t.source)
        } else {
            format!("{} → AAC-LC", t.source)
        };
        let damaged = if t.damaged_frames > 0 {
            format!(", {} damaged frames concealed", t.damaged_frames)
        } else {
            String::new()
        };
        println!(
            "  audio {i}   {what}, {} Hz, {} ch, {}, {} frames{damaged}",
            t.sample_rate,
            t.channels,
            t.language.as_deref().unwrap_or("und"),
            t.frames
        );
    }
    println!(
        "  duration  {:.3} s in, {:.3} s out",
        s.input_duration, s.output_duration
    );
    println!(
        "  size      {:.2} MB in, {:.2} MB out ({:.0} kbit/s)",
        s.input_bytes as f64 / 1e6,
        s.output_bytes as f64 / 1e6,
        s.bitrate / 1000.0
    );
    println!(
        "  time      {:.2} s wall, {:.1} fps, {speed:.2}x real time",
        s.wall_seconds,
        s.frames as f64 / s.wall_seconds.max(1e-9)
    );
}
