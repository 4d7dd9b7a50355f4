//! Audio of real broadcast and camera codecs: every track comes out as
//! playable AAC, whole, in sync, with its language; segment seams are
//! seamless and the bytes do not depend on the number of jobs.

mod common;

use std::path::PathBuf;

use common::*;
use fanout::pipeline::{Settings, Summary};

/// Amplitude-modulated tones: a loudness envelope to follow.
const STEREO: &str = "aevalsrc=0.4*sin(2*PI*440*t)*(0.6+0.4*sin(2*PI*1.3*t))|\
0.3*sin(2*PI*660*t)*(0.6+0.4*cos(2*PI*0.7*t)):s=48000:c=stereo";
/// Six channels with their own tones and envelopes (5.1).
const SURROUND: &str = "aevalsrc=0.3*sin(2*PI*440*t)*(0.6+0.4*sin(2*PI*1.3*t))|\
0.3*sin(2*PI*550*t)*(0.6+0.4*sin(2*PI*0.9*t))|0.3*sin(2*PI*660*t)*(0.6+0.4*sin(2*PI*1.7*t))|\
0.3*sin(2*PI*60*t)|0.2*sin(2*PI*880*t)*(0.6+0.4*sin(2*PI*0.5*t))|\
0.2*sin(2*PI*990*t)*(0.6+0.4*cos(2*PI*1.1*t)):s=48000:c=5.1";

/// A small H.264 + audio TS made by ffmpeg (a keyframe every 5 frames, so
/// copy mode can cut many chunks); `audio` are the codec options.
fn audio_ts(name: &str, signal: &str, seconds: u32, audio: &[&str], container: &[&str]) -> PathBuf {
    let t = seconds.to_string();
    let mut args = vec![
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=160x120:rate=25",
        "-f",
        "lavfi",
        "-i",
        signal,
        "-t",
        &t,
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-g",
        "5",
    ];
    args.extend(audio);
    args.extend(container);
    fixture(name, &args)
}

/// The checks a listener would make, for every audio track of `source`.
fn check_audio(source: &std::path::Path, output: &std::path::Path, snr_floor: f64) {
    let src = probe(source);
    let out = probe(output);
    assert_eq!(
        out.audio_codec.as_deref(),
        Some("aac"),
        "{}",
        output.display()
    );
    let tracks = audio_track_count(source);
    assert_eq!(
        audio_track_count(output),
        tracks,
        "every audio track is kept"
    );
    for index in 0..tracks {
        let (reference, channels) = audio_pcm(source, index);
        let (ours, out_channels) = audio_pcm(output, index);
        assert_eq!(out_channels, channels, "track {index}: channels kept");
        let rate = src.audio_sample_rate.unwrap_or(48_000) as usize;
        let (n_ref, n_out) = (reference.len() / channels, ours.len() / channels);
        // Whole: within one AAC frame of the source (the last frame is padded).
        assert!(
            n_out >= n_ref && n_out - n_ref <= 1024,
            "track {index}: {n_out} samples vs the source's {n_ref}"
        );
        let envelope = envelope_correlation(&reference, &ours, channels, rate);
        assert!(
            envelope >= 0.9,
            "track {index}: loudness envelope correlation {envelope:.3}"
        );
        // Sample-aligned: the waveform matches from the first sample (an
        // offset of even one frame would put the SNR near 0 dB).
        let snr = snr_db(&reference, &ours, channels, 0..n_ref);
        assert!(
            snr.iter().all(|&s| s >= snr_floor),
            "track {index}: SNR per channel {snr:.1?} dB, floor {snr_floor} dB"
        );
        eprintln!(
            "{}: track {index}: {channels} ch, {n_out}/{n_ref} samples, envelope {envelope:.3}, SNR {snr:.1?} dB",
            output.display()
        );
        // In sync: the audio starts where it started against the video.
        let (sv, sa) = start_times(source, index);
        let (ov, oa) = start_times(output, index);
        let drift = ((oa - ov) - (sa - sv)).abs();
        assert!(
            drift <= 1024.0 / rate as f64,
            "track {index}: A/V offset moved {drift:.4} s"
        );
    }
    let _ = out;
}

fn audio_track_count(path: &std::path::Path) -> usize {
    let json = run(std::process::Command::new("ffprobe")
        .args(["-v", "error", "-show_streams", "-of", "json"])
        .arg(path));
    let v: serde_json::Value = serde_json::from_str(&json).expect("ffprobe JSON");
    v["streams"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["codec_type"] == "audio")
        .count()
}

/// Copy mode, short chunks (many audio segments, many seams).
fn settings() -> Settings {
    with(copy(), |s| s.chunk_seconds = 1.0)
}

// Waveform SNR floors against ffmpeg's decode of the source, measured with
// rusty_aac at 64 kbit/s per channel on these tone signals (15-17 dB; its
// encoder is perceptual, not waveform-matching: ffmpeg's own `aac` reaches
// ~29 dB here). The floor catches misalignment, lost or swapped channels
// and broken seams, which all land near or below 0 dB.
const SNR_FLOOR: f64 = 10.0;

/// An ffmpeg-made source with this audio, transcoded in copy mode with many
/// chunks, and its audio checked.
fn converts_to_aac(name: &str, signal: &str, audio: &[&str], container: &[&str]) -> Summary {
    let input = audio_ts(&format!("{name}.ts"), signal, 4, audio, container);
    let (output, result) = transcode(&input, name, &settings(), 2);
    let summary = result.unwrap();
    check_audio(&input, &output, SNR_FLOOR);
    summary
}

const MPEGTS: &[&str] = &["-f", "mpegts"];

#[test]
fn mp2_becomes_aac() {
    let summary = converts_to_aac("a-mp2", STEREO, &["-c:a", "mp2", "-b:a", "192k"], MPEGTS);
    assert_eq!(summary.audio_tracks.len(), 1);
    assert_eq!(summary.audio_tracks[0].output, "aac");
}

#[test]
fn ac3_stereo_and_surround_become_aac() {
    converts_to_aac("a-ac3-20", STEREO, &["-c:a", "ac3", "-b:a", "192k"], MPEGTS);
    converts_to_aac(
        "a-ac3-51",
        SURROUND,
        &["-c:a", "ac3", "-b:a", "384k"],
        MPEGTS,
    );
}

#[test]
fn eac3_surround_becomes_aac() {
    converts_to_aac(
        "a-eac3-51",
        SURROUND,
        &["-c:a", "eac3", "-b:a", "384k"],
        MPEGTS,
    );
}

#[test]
fn aac_in_latm_becomes_aac() {
    // Two AAC generations (ffmpeg's, then ours).
    let latm = &["-mpegts_flags", "latm", "-f", "mpegts"];
    converts_to_aac("a-latm", STEREO, &["-c:a", "aac", "-b:a", "128k"], latm);
}

#[test]
fn lpcm_in_m2ts_becomes_aac() {
    let m2ts = &["-mpegts_m2ts_mode", "1", "-f", "mpegts"];
    converts_to_aac("a-lpcm", STEREO, &["-c:a", "pcm_bluray"], m2ts);
}

#[test]
fn every_track_is_kept_with_its_language() {
    let input = fixture(
        "a-two-tracks.ts",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=160x120:rate=25",
            "-f",
            "lavfi",
            "-i",
            STEREO,
            "-f",
            "lavfi",
            "-i",
            SURROUND,
            "-t",
            "3",
            "-map",
            "0:v",
            "-map",
            "1:a",
            "-map",
            "2:a",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-g",
            "25",
            "-c:a:0",
            "mp2",
            "-b:a:0",
            "192k",
            "-c:a:1",
            "ac3",
            "-b:a:1",
            "384k",
            "-metadata:s:a:0",
            "language=eng",
            "-metadata:s:a:1",
            "language=deu",
            "-f",
            "mpegts",
        ],
    );
    let (output, result) = transcode(&input, "a-two-tracks", &settings(), 2);
    let summary = result.unwrap();
    let languages: Vec<_> = summary
        .audio_tracks
        .iter()
        .map(|t| t.language.clone())
        .collect();
    assert_eq!(
        languages,
        [Some("eng".to_string()), Some("deu".to_string())]
    );
    check_audio(&input, &output, SNR_FLOOR);
    let tags = run(std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "a",
            "-show_entries",
            "stream_tags=language:stream_disposition=default",
            "-of",
            "csv=p=0",
        ])
        .arg(&output));
    assert_eq!(
        tags.lines().collect::<Vec<_>>(),
        ["1,eng", "0,deu"],
        "{tags}"
    );

    let (first, result) = transcode(
        &input,
        "a-first-track",
        &with(settings(), |s| {
            s.audio.tracks = fanout::audio::ingest::AudioTracks::First
        }),
        2,
    );
    assert_eq!(result.unwrap().audio_tracks.len(), 1);
    assert_eq!(audio_track_count(&first), 1);
}

/// 6 s of stereo AC-3 (the seam and gap tests).
fn ac3_six_seconds() -> PathBuf {
    audio_ts(
        "a-ac3-6s.ts",
        STEREO,
        6,
        &["-c:a", "ac3", "-b:a", "192k"],
        MPEGTS,
    )
}

#[test]
fn segment_seams_are_seamless_and_jobs_independent() {
    let input = ac3_six_seconds();
    // 0.4 s chunks (two GOPs): 14 seams; one chunk: none.
    let short = with(copy(), |s| s.chunk_seconds = 0.3);
    let (cut, r) = transcode(&input, "a-seams-cut", &short, 2);
    assert!(r.unwrap().chunks >= 10);
    let (whole, r) = transcode(
        &input,
        "a-seams-whole",
        &with(copy(), |s| s.chunk_seconds = 100.0),
        2,
    );
    assert_eq!(r.unwrap().chunks, 1);
    let (reference, channels) = audio_pcm(&input, 0);
    let (a, _) = audio_pcm(&cut, 0);
    let (b, _) = audio_pcm(&whole, 0);
    assert_eq!(
        a.len(),
        b.len(),
        "no gap and no doubled sample: the same sample count"
    );
    let n = reference.len() / channels;
    // Windows of 2048 samples over the whole track: the cut track's worst
    // window (where a click or gap at a seam would show) is as good as the
    // one-segment encode's worst, and the two are close everywhere.
    let windows = |x: &[f32]| -> Vec<f64> {
        (0..n / 2048)
            .map(|w| snr_db(&reference, x, channels, w * 2048..(w + 1) * 2048)[0])
            .collect()
    };
    let (cut_w, whole_w) = (windows(&a), windows(&b));
    let worst = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
    let (cut_worst, whole_worst) = (worst(&cut_w[1..]), worst(&whole_w[1..]));
    let overall = snr_db(&b, &a, channels, 0..n)[0];
    eprintln!(
        "worst 2048-sample window: cut {cut_worst:.2} dB, one segment {whole_worst:.2} dB; cut vs one segment {overall:.2} dB"
    );
    assert!(
        cut_worst > whole_worst - 1.0,
        "cut {cut_w:.1?} vs one segment {whole_w:.1?}"
    );
    assert!(overall > 20.0, "cut vs one-segment encode {overall:.2} dB");

    let (one_job, r) = transcode(&input, "a-seams-j1", &short, 1);
    r.unwrap();
    assert_eq!(
        std::fs::read(&one_job).unwrap(),
        std::fs::read(&cut).unwrap(),
        "--jobs 1 vs 2"
    );
}

#[test]
fn audio_comes_out_in_every_video_mode() {
    let input = audio_ts(
        "a-modes.ts",
        STEREO,
        2,
        &["-c:a", "ac3", "-b:a", "192k"],
        &["-f", "mpegts"],
    );
    for (name, settings) in [
        ("a-av1", av1()),
        (
            "a-h264",
            with(av1(), |s| {
                s.video = fanout::job::VideoMode::H264(fanout::encode::H264Settings::default())
            }),
        ),
    ] {
        let (output, result) = transcode(&input, name, &settings, 2);
        result.unwrap();
        check_audio(&input, &output, SNR_FLOOR);
    }
}

#[test]
fn no_audio_when_asked() {
    let input = audio_ts("a-none.ts", STEREO, 2, &["-c:a", "mp2"], &["-f", "mpegts"]);
    let (output, result) = transcode(
        &input,
        "a-none",
        &with(copy(), |s| {
            s.audio.mode = fanout::audio::ingest::AudioMode::None
        }),
        2,
    );
    assert!(result.unwrap().audio_tracks.is_empty());
    assert_eq!(audio_track_count(&output), 0);
}

#[test]
fn lost_audio_packets_become_silence_and_the_timeline_holds() {
    let input = ac3_six_seconds();
    // ffmpeg puts the first audio stream on PID 0x101: lose ~0.3 s of it mid-file.
    let path = lose_packets(&input, 0x101, 40, "a-gap.ts");
    let (output, result) = transcode(&path, "a-gap", &settings(), 2);
    let summary = result.expect("lost audio never loses the transcode");
    assert!(
        summary
            .warnings
            .iter()
            .any(|w| w.message.contains("continuity")),
        "{:?}",
        summary.warnings
    );
    // The whole timeline: as many samples as the undamaged source, and the
    // audio after the gap still lines up sample for sample with it.
    let (reference, channels) = audio_pcm(&input, 0);
    let (ours, _) = audio_pcm(&output, 0);
    let (n_ref, n_out) = (reference.len() / channels, ours.len() / channels);
    assert!(
        n_out >= n_ref && n_out - n_ref <= 1024,
        "{n_out} samples vs {n_ref}"
    );
    let tail = snr_db(&reference, &ours, channels, n_ref * 3 / 4..n_ref);
    assert!(
        tail.iter().all(|&s| s >= SNR_FLOOR),
        "after the gap: {tail:.1?} dB"
    );
    // Silence where the audio was lost: some 50 ms window in the middle is quiet.
    let quiet = (n_ref / 4..n_ref * 3 / 4).step_by(2400).any(|start| {
        let window = &ours[start * channels..(start + 2400) * channels];
        window.iter().map(|v| v * v).sum::<f32>() / (window.len() as f32) < 1e-6
    });
    assert!(quiet, "the lost audio is silence, not shifted audio");
}

/// Every chunk (video units and audio segments) as wire bytes, with the
/// input pushed in pieces of `piece` bytes.
fn chunk_bytes(input: &std::path::Path, piece: usize) -> Vec<Vec<u8>> {
    let data = std::fs::read(input).unwrap();
    let mut analyzer = fanout::pipeline::Analyzer::new(settings()).unwrap();
    let mut chunks = Vec::new();
    for p in data.chunks(piece) {
        analyzer.push(p).unwrap();
        while let Some(c) = analyzer.next_chunk() {
            chunks.push(fanout::wire::chunk_to_bytes(&c));
        }
    }
    analyzer.finish().unwrap();
    while let Some(c) = analyzer.next_chunk() {
        chunks.push(fanout::wire::chunk_to_bytes(&c));
    }
    chunks
}

#[test]
fn chunks_do_not_depend_on_how_the_input_was_read() {
    // Audio that stops 12 s before the video: chunks past it go without
    // waiting (the 10 s lag valve), at the same point however the input
    // arrives.
    let early_stop = fixture(
        "a-early-stop.ts",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=160x120:rate=25",
            "-f",
            "lavfi",
            "-t",
            "2",
            "-i",
            STEREO,
            "-t",
            "14",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-g",
            "5",
            "-c:a",
            "mp2",
            "-f",
            "mpegts",
        ],
    );
    for input in [ac3_six_seconds(), early_stop] {
        let whole = chunk_bytes(&input, usize::MAX);
        assert!(whole.len() > 5, "{} chunks", whole.len());
        assert_eq!(chunk_bytes(&input, 188 * 7), whole, "{}", input.display());
        assert_eq!(chunk_bytes(&input, 65_536), whole, "{}", input.display());
    }
}
