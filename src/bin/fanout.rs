//! `fanout`: the command-line face. Parses arguments, shows progress, prints
//! the summary; the work is `fanout::native::transcode_file`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, ValueEnum};
use fanout::encode::Av1Settings;
use fanout::job::{Deinterlace, VideoMode};
use fanout::native::{transcode_file, Progress};
use fanout::pipeline::{Settings, Split, Summary};
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Clone, Copy, Debug, ValueEnum)]
enum VideoArg {
    /// Encode to AV1 with rav1e.
    Av1,
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
    #[arg(short, long)]
    output: PathBuf,
    /// rav1e speed preset: 0 (slowest, smallest) to 10 (fastest).
    #[arg(long, default_value_t = Av1Settings::default().speed, value_parser = clap::value_parser!(u8).range(0..=10))]
    speed: u8,
    /// Constant quantizer 0-255: lower is better quality and bigger files.
    #[arg(long, default_value_t = Av1Settings::default().quantizer)]
    quality: u8,
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
    /// Video: encode to AV1, or copy the H.264 without re-encoding.
    #[arg(long, value_enum, default_value_t = VideoArg::Av1)]
    video: VideoArg,
    /// Deinterlace: auto (when the stream is interlaced), on, off.
    #[arg(long, value_enum, default_value_t = DeinterlaceArg::Auto)]
    deinterlace: DeinterlaceArg,
    /// Transcode only the first this many seconds.
    #[arg(short = 't', long)]
    duration: Option<f64>,
    /// Print machine-readable stats as JSON on stdout (no progress bar).
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let settings = Settings {
        video: match args.video {
            VideoArg::Av1 => VideoMode::Av1(Av1Settings {
                speed: args.speed,
                quantizer: args.quality,
                max_keyframe_interval: args.max_keyframe_interval,
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
    };
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
    let result = transcode_file(
        &args.input,
        &args.output,
        &settings,
        args.jobs,
        None,
        &mut on_progress,
    );
    bar.finish_and_clear();
    match result {
        Ok(summary) => {
            if args.json {
                match serde_json::to_string_pretty(&summary) {
                    Ok(json) => println!("{json}"),
                    Err(e) => eprintln!("fanout: cannot write JSON: {e}"),
                }
            } else {
                print_summary(&args, &summary);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            if args.json {
                println!("{}", serde_json::json!({ "error": e.to_string() }));
            }
            eprintln!("fanout: {}: {e}", args.input.display());
            ExitCode::FAILURE
        }
    }
}

fn print_summary(args: &Args, s: &Summary) {
    for w in &s.warnings {
        eprintln!("warning: {w}");
    }
    let speed = s.input_duration / s.wall_seconds.max(1e-9);
    println!("{} -> {}", args.input.display(), args.output.display());
    println!(
        "  video     {}x{} {}-bit, {} frames in {} chunks{}",
        s.width,
        s.height,
        s.bit_depth,
        s.frames,
        s.chunks,
        if s.deinterlaced { ", deinterlaced" } else { "" }
    );
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
    println!("  audio     {} AAC frames passed through", s.audio_frames);
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
