//! Every corpus file either transcodes to a valid MP4 or fails with the
//! expected named error.

mod common;

use common::*;
use fanout::job::VideoMode;
use fanout::pipeline::Settings;
use fanout::Error;

/// PSNR floor (luma, dB) at the default settings (balanced preset; H.264 QP 28).
/// Measured 36–44 dB on the corpus; 32 dB leaves room for encoder changes
/// while still catching broken pictures (which score below 20 dB).
const PSNR_FLOOR: f64 = 32.0;

/// Every corpus file that transcodes (the others fail with named errors).
const TRANSCODABLE: [&str; 16] = [
    "androidx-h264.ts",
    "androidx-hevc-unsupported.ts",
    "androidx-mpeg2video-unsupported.ts",
    "androidx-h264-no-aud.ts",
    "androidx-h264-iframes-only.ts",
    "androidx-h264-mp2-audio.ts",
    "broadcast-h264-high-aac-576p.ts",
    "hls-concat-h264-aac-multigop.ts",
    "hls-h264-high-bframes-1080p.ts",
    "lpms-bframes.ts",
    "lpms-missing-dts.ts",
    "lpms-portrait.ts",
    "mediabunny-missing-keyframe-labels.ts",
    "muxjs-middle-pat-pmt.ts",
    "muxjs-sintel-captions.ts",
    "muxjs-test-segment.ts",
];

/// Copy mode checks the demuxer and the muxer apart from the codecs: the
/// frames ffmpeg decodes from our MP4 are the source's, bit for bit.
fn check_copy(name: &str) {
    let source_probe = probe(&corpus(name));
    let input = corpus(name);
    let (output, result) = transcode(&input, &format!("copy-{name}"), &copy(), 2);
    let summary = result.unwrap_or_else(|e| panic!("{name}: {e}"));
    let ours = frame_md5s(&output);
    let source = frame_md5s(&input);
    assert_eq!(
        ours.len() as u64,
        summary.frames,
        "{name}: frames in MP4 vs reported"
    );
    assert_eq!(
        ours, source,
        "{name}: copied frames differ from the source's"
    );
    let p = probe(&output);
    assert_eq!(p.video_codec, source_probe.video_codec);
    if source_probe.audio_codec.is_some() {
        assert_eq!(
            p.audio_codec.as_deref(),
            Some("aac"),
            "{name}: audio missing (AAC is passed through, other codecs encoded to AAC)"
        );
    }
}

/// MPEG-2 video has no MP4 form browsers play: copy is refused.
const NOT_COPYABLE: [&str; 1] = ["androidx-mpeg2video-unsupported.ts"];

#[test]
fn copy_mode_keeps_every_frame_bit_exact() {
    for name in TRANSCODABLE.iter().filter(|n| !NOT_COPYABLE.contains(n)) {
        check_copy(name);
    }
    for name in NOT_COPYABLE {
        let result = transcode(&corpus(name), &format!("copy-{name}"), &copy(), 2).1;
        assert!(
            matches!(result, Err(Error::InvalidSettings(_))),
            "{name}: {result:?}"
        );
    }
}

/// Transcodes to AV1 (optionally only the first `limit` seconds) and checks
/// what a player and a viewer would notice.
fn check_av1(name: &str, limit: Option<f64>) {
    check_encoded(name, limit, &av1(), "av1");
}

/// The same checks for any encoding mode.
fn check_encoded(name: &str, limit: Option<f64>, settings: &Settings, codec: &str) {
    let input = corpus(name);
    let settings = with(*settings, |s| s.duration_limit = limit);
    let (output, result) = transcode(&input, &format!("{codec}-{name}"), &settings, 2);
    let summary = result.unwrap_or_else(|e| panic!("{name}: {e}"));
    let p = probe(&output);
    let src = probe(&input);
    assert_eq!(p.video_codec, codec, "{name}");
    assert_eq!((p.width, p.height), (src.width, src.height), "{name}: size");

    // Every frame decodes, and there are as many as ffmpeg decodes from the source.
    let ours = decoded_frames(&output, None, true);
    assert_eq!(ours, summary.frames, "{name}: frames in MP4 vs reported");
    let source_frames = decoded_frames(&input, limit, false);
    assert_eq!(
        ours + summary
            .skipped_leading_frames
            .min(source_frames.saturating_sub(ours)),
        source_frames,
        "{name}: frame count vs source ({} skipped)",
        summary.skipped_leading_frames
    );

    // Duration within one frame of the frames' span.
    let pts = video_pts(&output);
    let frame = pts
        .windows(2)
        .map(|w| w[1] - w[0])
        .fold(f64::INFINITY, f64::min);
    let span = pts.last().unwrap() - pts.first().unwrap() + frame;
    assert!(
        (p.video_duration - span).abs() <= frame + 1e-3,
        "{name}: duration {} vs span {span}",
        p.video_duration
    );

    // Audio present (AAC passed through, other codecs encoded to AAC), with
    // its offset to the video kept.
    if src.audio_codec.is_some() {
        assert_eq!(
            p.audio_codec.as_deref(),
            Some("aac"),
            "{name}: audio missing"
        );
        let rate = f64::from(src.audio_sample_rate.unwrap_or(48_000));
        let source_offset = src.audio_start.unwrap() - src.video_start;
        let our_offset = p.audio_start.unwrap() - p.video_start;
        assert!(
            (source_offset - our_offset).abs() <= 1024.0 / rate + 1e-3,
            "{name}: A/V offset {our_offset:.4} s, source {source_offset:.4} s"
        );
    }

    let psnr = psnr_y(&output, &input, None, limit);
    assert!(
        psnr >= PSNR_FLOOR,
        "{name}: PSNR {psnr:.2} dB below {PSNR_FLOOR}"
    );
    eprintln!(
        "{name}: {} frames, PSNR-Y {psnr:.2} dB, {} bytes",
        summary.frames, summary.output_bytes
    );
}

/// The H.264 fast mode passes the same checks on every transcodable corpus
/// file (whole files: it runs at ~100 fps).
#[test]
fn h264_mode_on_the_whole_corpus() {
    let h264 = with(av1(), |s| {
        s.video = VideoMode::H264(fanout::encode::H264Settings::default())
    });
    for name in TRANSCODABLE {
        check_encoded(name, None, &h264, "h264");
    }
}

#[test]
fn av1_small_files() {
    check_av1("muxjs-test-segment.ts", None);
    check_av1("androidx-hevc-unsupported.ts", None);
    check_av1("muxjs-middle-pat-pmt.ts", None);
    check_av1("androidx-h264-no-aud.ts", None);
    check_av1("androidx-h264-mp2-audio.ts", None);
}

#[test]
fn av1_hls_concat_multigop_with_audio() {
    check_av1("hls-concat-h264-aac-multigop.ts", None);
}

#[test]
fn av1_broadcast_and_bframes() {
    check_av1("broadcast-h264-high-aac-576p.ts", Some(2.0));
    check_av1("androidx-h264.ts", None);
    check_av1("lpms-bframes.ts", Some(0.5));
    check_av1("muxjs-sintel-captions.ts", Some(3.0));
}

#[test]
fn av1_large_pictures_and_odd_streams() {
    check_av1("lpms-missing-dts.ts", Some(0.25));
    check_av1("lpms-portrait.ts", Some(0.5));
    check_av1("hls-h264-high-bframes-1080p.ts", Some(0.4));
    check_av1("mediabunny-missing-keyframe-labels.ts", Some(0.5));
    check_av1("androidx-h264-iframes-only.ts", Some(0.5));
    check_av1("androidx-mpeg2video-unsupported.ts", Some(0.3));
}

#[test]
fn truncated_file_transcodes_what_is_there_and_says_so() {
    let input = corpus("mediabunny-truncated-1mib.ts");
    let (output, result) = transcode(
        &input,
        "truncated",
        &with(av1(), |s| s.duration_limit = Some(0.2)),
        2,
    );
    let summary = result.expect("a truncated file still transcodes");
    assert!(summary.frames > 0);
    assert_eq!(decoded_frames(&output, None, true), summary.frames);
    assert!(
        summary
            .warnings
            .iter()
            .any(|w| w.message.contains("truncated") || w.message.contains("cut short")),
        "warnings: {:?}",
        summary.warnings
    );
}

fn expect_error(name: &str, check: impl Fn(&Error) -> bool, words: &str) {
    let input = if name.contains('/') {
        name.into()
    } else {
        corpus(name)
    };
    let name = input.file_name().unwrap().to_string_lossy().into_owned();
    let (output, result) = transcode(&input, &format!("err-{name}"), &av1(), 2);
    let err = result.expect_err(&name);
    assert!(check(&err), "{name}: unexpected error {err:?}");
    assert!(
        err.to_string().contains(words),
        "{name}: message {err} lacks {words:?}"
    );
    assert!(!output.exists(), "{name}: no MP4 may be left behind");
}

#[test]
fn unsupported_and_broken_inputs_get_named_errors() {
    expect_error(
        unsupported_codec_ts().to_str().unwrap(),
        |e| matches!(e, Error::UnsupportedCodec { .. }),
        "MPEG-4 Part 2 video",
    );
    expect_error(
        "lpms-zero-frame.ts",
        |e| matches!(e, Error::NoDecodableFrame(_)),
        "no decodable video frame",
    );
    expect_error(
        "muxjs-stuffed-pes.ts",
        |e| matches!(e, Error::NoVideo(_)),
        "no video stream",
    );
}

#[test]
fn not_a_transport_stream() {
    let path = out_dir().join("not-ts.bin");
    std::fs::write(
        &path,
        b"RIFF\x24\x00\x00\x00WAVEfmt this is not a transport stream at all",
    )
    .unwrap();
    let (_, result) = transcode(&path, "not-ts", &av1(), 1);
    assert!(
        matches!(result, Err(Error::NotTransportStream(_))),
        "{result:?}"
    );
    let empty = out_dir().join("empty.ts");
    std::fs::write(&empty, b"").unwrap();
    assert!(matches!(
        transcode(&empty, "empty", &av1(), 1).1,
        Err(Error::NotTransportStream(_))
    ));
}
