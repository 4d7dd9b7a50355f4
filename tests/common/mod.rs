//! Shared helpers for the integration tests: fixtures made with ffmpeg,
//! transcodes through the library, and checks with ffprobe/ffmpeg.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use fanout::encode::Av1Settings;
use fanout::job::{Deinterlace, VideoMode};
use fanout::native::transcode_file;
use fanout::pipeline::{Settings, Summary};

/// The shared corpus beside the checkout.
pub fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus")
        .join(name)
}

/// A scratch folder for this test binary's outputs.
pub fn out_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fanout-tests");
        std::fs::create_dir_all(&dir).expect("create test output folder");
        dir
    })
    .clone()
}

/// Runs a command and returns stdout; panics with stderr on failure.
pub fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Makes a fixture with ffmpeg once per test run (cached by name).
pub fn fixture(name: &str, ffmpeg_args: &[&str]) -> PathBuf {
    // One at a time: tests of a binary run in parallel and may ask for the
    // same fixture, which must be made once (a fixture rewritten under a
    // test would change its mtime, and with it its checkpoint fingerprint).
    static MAKING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _making = MAKING.lock().unwrap_or_else(|e| e.into_inner());
    let path = out_dir().join(name);
    if !path.exists() {
        // Another test binary may be making it too: the last rename wins.
        let tmp = out_dir().join(format!("{name}.tmp.{}", std::process::id()));
        let mut cmd = Command::new("ffmpeg");
        cmd.args(["-y", "-v", "error"]).args(ffmpeg_args);
        // The format is named by the args; the output path comes last.
        cmd.arg(&tmp);
        run(&mut cmd);
        std::fs::rename(&tmp, &path).expect("move fixture in place");
    }
    path
}

/// A TS whose video Fanout does not decode: MPEG-4 Part 2 (stream type 0x10).
pub fn unsupported_codec_ts() -> PathBuf {
    fixture(
        "mpeg4-part2.ts",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=160x120:rate=25",
            "-t",
            "0.5",
            "-c:v",
            "mpeg4",
            "-f",
            "mpegts",
        ],
    )
}

/// A synthetic H.264 TS: `testsrc2` at `size`, `fps`, `seconds`, keyframe
/// every `gop` frames, plus AAC audio when `audio`.
pub fn synthetic_ts(
    name: &str,
    size: &str,
    fps: u32,
    seconds: f64,
    gop: u32,
    audio: bool,
    extra: &[&str],
) -> PathBuf {
    let video = format!("testsrc2=size={size}:rate={fps}");
    let t = format!("{seconds}");
    let g = format!("{gop}");
    let mut args: Vec<&str> = vec!["-f", "lavfi", "-i", &video];
    if audio {
        args.extend(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]);
    }
    args.extend([
        "-t",
        &t,
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-g",
        &g,
        "-keyint_min",
        &g,
        "-sc_threshold",
        "0",
    ]);
    if audio {
        args.extend(["-c:a", "aac", "-b:a", "64k"]);
    }
    args.extend(extra);
    args.extend(["-f", "mpegts"]);
    fixture(name, &args)
}

/// AV1 as most tests use it: the balanced preset at one quantizer (120,
/// no bitrate cap), so a test checks the pipeline, not the rate control,
/// and stays quick. The defaults (the cap on) are tested by tests/rate.rs
/// and by the browser tests that compare the page's bytes with the CLI's.
pub fn av1() -> Settings {
    with(Settings::default(), |s| {
        s.video = VideoMode::Av1(Av1Settings {
            quantizer: 120,
            bitrate_cap_percent: 0,
            ..Av1Settings::default()
        })
    })
}

pub fn copy() -> Settings {
    Settings {
        video: VideoMode::Copy,
        ..Settings::default()
    }
}

pub fn with(settings: Settings, f: impl FnOnce(&mut Settings)) -> Settings {
    let mut s = settings;
    f(&mut s);
    s
}

pub fn av1_settings(settings: &Settings) -> Av1Settings {
    match settings.video {
        VideoMode::Av1(a) => a,
        VideoMode::Copy | VideoMode::H264(_) => Av1Settings::default(),
    }
}

pub fn no_deinterlace(settings: Settings) -> Settings {
    with(settings, |s| s.deinterlace = Deinterlace::Off)
}

/// Transcodes `input` to `<out_dir>/<name>.mp4`.
pub fn transcode(
    input: &Path,
    name: &str,
    settings: &Settings,
    jobs: usize,
) -> (PathBuf, fanout::Result<Summary>) {
    let output = out_dir().join(format!("{name}.mp4"));
    let _ = std::fs::remove_file(&output);
    let result = transcode_file(input, &output, settings, jobs, None, &mut |_| {});
    (output, result)
}

/// Stream facts from ffprobe.
#[derive(Debug, Default)]
pub struct Probe {
    pub video_codec: String,
    pub width: u32,
    pub height: u32,
    pub pix_fmt: String,
    pub video_start: f64,
    pub video_duration: f64,
    pub audio_codec: Option<String>,
    pub audio_start: Option<f64>,
    pub audio_sample_rate: Option<u32>,
}

pub fn probe(path: &Path) -> Probe {
    let json = run(Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_streams",
            "-show_format",
            "-of",
            "json",
        ])
        .arg(path));
    let v: serde_json::Value = serde_json::from_str(&json).expect("ffprobe JSON");
    let mut p = Probe::default();
    for s in v["streams"].as_array().into_iter().flatten() {
        let num = |k: &str| s[k].as_str().and_then(|x| x.parse::<f64>().ok());
        match s["codec_type"].as_str() {
            Some("video") if p.video_codec.is_empty() => {
                p.video_codec = s["codec_name"].as_str().unwrap_or_default().into();
                p.width = s["width"].as_u64().unwrap_or(0) as u32;
                p.height = s["height"].as_u64().unwrap_or(0) as u32;
                p.pix_fmt = s["pix_fmt"].as_str().unwrap_or_default().into();
                p.video_start = num("start_time").unwrap_or(0.0);
                p.video_duration = num("duration").unwrap_or(0.0);
            }
            Some("audio") if p.audio_codec.is_none() => {
                p.audio_codec = s["codec_name"].as_str().map(String::from);
                p.audio_start = num("start_time");
                p.audio_sample_rate = s["sample_rate"].as_str().and_then(|x| x.parse().ok());
            }
            _ => {}
        }
    }
    p
}

/// Runs ffmpeg's `framemd5` over the first video stream (only the first
/// `limit` seconds when set); returns one MD5 per decoded frame, in display
/// order, and what ffmpeg printed on stderr.
fn framemd5(path: &Path, limit: Option<f64>) -> (Vec<String>, String) {
    let mut cmd = Command::new("ffmpeg");
    cmd.args(["-v", "error", "-i"]).arg(path);
    if let Some(limit) = limit {
        cmd.args(["-t", &limit.to_string()]);
    }
    cmd.args([
        "-map",
        "0:v:0",
        "-fps_mode",
        "passthrough",
        "-f",
        "framemd5",
        "-",
    ]);
    let out = cmd.output().expect("run ffmpeg");
    assert!(out.status.success(), "ffmpeg failed on {}", path.display());
    let md5s = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.rsplit(',').next().map(|s| s.trim().to_string()))
        .collect();
    (md5s, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Frames ffmpeg decodes from the first video stream (`limit`: only the
/// first that many seconds). Asserts ffmpeg reports no decode error when
/// `clean` is set.
pub fn decoded_frames(path: &Path, limit: Option<f64>, clean: bool) -> u64 {
    let (md5s, errors) = framemd5(path, limit);
    if clean {
        assert!(
            errors.trim().is_empty(),
            "ffmpeg reported decode errors in {}: {errors}",
            path.display()
        );
    }
    md5s.len() as u64
}

/// Per-frame MD5s of the decoded video (display order).
pub fn frame_md5s(path: &Path) -> Vec<String> {
    framemd5(path, None).0
}

/// Video packet presentation times (seconds) as ffprobe reads them.
pub fn video_pts(path: &Path) -> Vec<f64> {
    let out = run(Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "packet=pts_time",
            "-of",
            "csv=p=0",
        ])
        .arg(path));
    let mut pts: Vec<f64> = out
        .lines()
        .filter_map(|l| l.trim().trim_end_matches(',').parse().ok())
        .collect();
    pts.sort_by(f64::total_cmp);
    pts
}

/// Average luma PSNR of `output` against `reference` (each timeline
/// restarted at zero), optionally filtering the reference first (e.g. yadif).
pub fn psnr_y(
    output: &Path,
    reference: &Path,
    reference_filter: Option<&str>,
    limit: Option<f64>,
) -> f64 {
    let reference_chain = match reference_filter {
        Some(f) => format!("[1:v]{f},setpts=PTS-STARTPTS[b]"),
        None => "[1:v]setpts=PTS-STARTPTS[b]".to_string(),
    };
    let graph = format!("[0:v]setpts=PTS-STARTPTS[a];{reference_chain};[a][b]psnr=shortest=1");
    let mut cmd = Command::new("ffmpeg");
    cmd.args(["-v", "info", "-nostats", "-i"]).arg(output);
    let t;
    if let Some(limit) = limit {
        t = format!("{limit}");
        cmd.args(["-t", &t]);
    }
    cmd.arg("-i").arg(reference);
    cmd.args(["-filter_complex", &graph, "-f", "null", "-"]);
    let out = cmd.output().expect("run ffmpeg psnr");
    let err = String::from_utf8_lossy(&out.stderr);
    let line = err
        .lines()
        .find(|l| l.contains("PSNR y:"))
        .unwrap_or_else(|| panic!("no PSNR in ffmpeg output: {err}"));
    let y = line
        .split("y:")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .expect("y value");
    if y == "inf" {
        f64::INFINITY
    } else {
        y.parse().expect("PSNR number")
    }
}

pub mod paff;
pub mod tswrite;

/// Raw yuv420p frames of an interlaced `testsrc2` at 25 frames per second
/// (fields from consecutive 50 Hz pictures; `top_field_first` picks which
/// field is the earlier).
pub fn interlaced_raw_frames(
    width: usize,
    height: usize,
    frames: usize,
    top_field_first: bool,
) -> Vec<Vec<u8>> {
    let mode = if top_field_first {
        "interleave_top"
    } else {
        "interleave_bottom"
    };
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-f", "lavfi", "-i"])
        .arg(format!("testsrc2=size={width}x{height}:rate=50"))
        .arg("-vf")
        .arg(format!("tinterlace=mode={mode},format=yuv420p"))
        .args(["-frames:v", &frames.to_string(), "-f", "rawvideo", "-"])
        .output()
        .expect("run ffmpeg");
    assert!(
        out.status.success(),
        "ffmpeg: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let size = width * height * 3 / 2;
    assert_eq!(out.stdout.len(), size * frames);
    out.stdout.chunks(size).map(<[u8]>::to_vec).collect()
}

/// A field-picture TS made by [`paff::PaffStream`], written once per run.
pub fn paff_fixture(name: &str, stream: &paff::PaffStream) -> PathBuf {
    let path = out_dir().join(name);
    std::fs::write(&path, stream.to_ts()).expect("write PAFF fixture");
    path
}

/// Audio track `index` of `path` decoded by ffmpeg: interleaved f32 samples
/// and the channel count.
pub fn audio_pcm(path: &Path, index: usize) -> (Vec<f32>, usize) {
    let json = run(Command::new("ffprobe")
        .args(["-v", "error", "-select_streams"])
        .arg(format!("a:{index}"))
        .args(["-show_entries", "stream=channels", "-of", "csv=p=0"])
        .arg(path));
    let channels: usize = json
        .lines()
        .next()
        .unwrap_or("")
        .trim()
        .parse()
        .expect("channel count");
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-map", &format!("0:a:{index}"), "-f", "f32le", "-"])
        .output()
        .expect("run ffmpeg");
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "ffmpeg decoding audio of {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let pcm = out
        .stdout
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    (pcm, channels)
}

/// Waveform SNR (dB) of `out` against `reference` per channel over sample
/// frames `range` (interleaved, `channels` each, aligned at the start).
pub fn snr_db(
    reference: &[f32],
    out: &[f32],
    channels: usize,
    range: std::ops::Range<usize>,
) -> Vec<f64> {
    (0..channels)
        .map(|c| {
            let (mut signal, mut noise) = (0f64, 0f64);
            for i in range.clone() {
                let (Some(&x), Some(&y)) =
                    (reference.get(i * channels + c), out.get(i * channels + c))
                else {
                    break;
                };
                signal += f64::from(x) * f64::from(x);
                noise += f64::from(x - y) * f64::from(x - y);
            }
            10.0 * (signal / noise.max(1e-20)).log10()
        })
        .collect()
}

/// Correlation of the loudness envelopes (RMS over 50 ms windows of the
/// channel average) of two aligned signals at `rate`.
pub fn envelope_correlation(a: &[f32], b: &[f32], channels: usize, rate: usize) -> f64 {
    let window = rate / 20;
    let env = |x: &[f32]| -> Vec<f64> {
        x.chunks_exact(window * channels)
            .map(|w| {
                let mono = w
                    .chunks_exact(channels)
                    .map(|f| f.iter().map(|&v| f64::from(v)).sum::<f64>() / channels as f64);
                (mono.map(|v| v * v).sum::<f64>() / window as f64).sqrt()
            })
            .collect()
    };
    let (x, y) = (env(a), env(b));
    let n = x.len().min(y.len());
    let (mx, my) = (
        x[..n].iter().sum::<f64>() / n as f64,
        y[..n].iter().sum::<f64>() / n as f64,
    );
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for i in 0..n {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    sxy / (sxx * syy).sqrt().max(1e-20)
}

/// Start times (seconds) of the first video and of audio track `index`.
pub fn start_times(path: &Path, index: usize) -> (f64, f64) {
    let get = |sel: &str| -> f64 {
        run(Command::new("ffprobe")
            .args([
                "-v",
                "error",
                "-select_streams",
                sel,
                "-show_entries",
                "stream=start_time",
                "-of",
                "csv=p=0",
            ])
            .arg(path))
        .lines()
        .next()
        .unwrap_or("")
        .trim()
        .parse()
        .expect("start time")
    };
    (get("v:0"), get(&format!("a:{index}")))
}

/// Cuts `count` packets of `pid` out of a TS, starting at its `from`th packet.
pub fn cut_packets(input: &[u8], pid: u16, from: usize, count: usize) -> Vec<u8> {
    let mut seen = 0;
    input
        .chunks(188)
        .filter(|p| {
            let this = u16::from(p[1] & 0x1f) << 8 | u16::from(p[2]);
            if this != pid {
                return true;
            }
            seen += 1;
            !(seen > from && seen <= from + count)
        })
        .flatten()
        .copied()
        .collect()
}

/// A copy of `input` with `count` packets of `pid` lost from the middle of
/// that PID's packets, written as `name`.
pub fn lose_packets(input: &Path, pid: u16, count: usize, name: &str) -> PathBuf {
    let bytes = std::fs::read(input).expect("read fixture");
    let on_pid = bytes
        .chunks(188)
        .filter(|p| (u16::from(p[1] & 0x1f) << 8 | u16::from(p[2])) == pid)
        .count();
    let path = out_dir().join(name);
    std::fs::write(&path, cut_packets(&bytes, pid, on_pid / 2, count)).expect("write");
    path
}
