//! The AV1 bitrate cap (`bitrate_cap_percent`, on by default): a
//! low-bitrate source that a fixed quantizer makes bigger
//! (muxjs-test-segment: 2.9× its size at quantizer 120) comes out smaller
//! than its source, every frame kept; at the defaults, sources a fixed
//! quantizer made bigger come out smaller at ≥ 38 dB.

mod common;

use std::process::Command;

use common::*;
use fanout::encode::Av1Settings;
use fanout::job::VideoMode;

/// Bytes of the first video stream's packets.
fn video_bytes(path: &std::path::Path) -> u64 {
    run(Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0", "-show_entries"])
        .args(["packet=size", "-of", "csv=p=0"])
        .arg(path))
    .lines()
    .filter_map(|l| l.split(',').next()?.trim().parse::<u64>().ok())
    .sum()
}

#[test]
fn capped_output_is_smaller_than_the_source() {
    let source = corpus("muxjs-test-segment.ts");
    let settings = |cap: u8| {
        with(av1(), |s| {
            s.video = VideoMode::Av1(Av1Settings {
                speed: 10,
                quantizer: 120,
                bitrate_cap_percent: cap,
                ..Av1Settings::default()
            })
        })
    };
    let (uncapped, r) = transcode(&source, "rate-uncapped", &settings(0), 2);
    r.expect("uncapped transcode");
    let (capped, r) = transcode(&source, "rate-capped-60", &settings(60), 2);
    r.expect("capped transcode");
    let (src, free, cap) = (
        video_bytes(&source),
        video_bytes(&uncapped),
        video_bytes(&capped),
    );
    assert!(
        free > src,
        "the fixed quantizer should overshoot here: {free} vs source {src}"
    );
    assert!(
        cap < src,
        "capped video {cap} bytes is not smaller than the source's {src}"
    );
    assert_eq!(
        decoded_frames(&capped, None, true),
        decoded_frames(&source, None, true)
    );
}

/// At the default settings: HEVC at 155 kbit/s (1.57× its size at the old
/// fixed quantizer 120) and a 720p B-frame source (1.34×, and a probe that
/// over-predicts it 1.7×, so the chunk is encoded again at a better
/// quantizer) come out smaller than their sources, every frame kept, at
/// 38 dB or more against the decoded source.
#[test]
fn defaults_are_smaller_than_the_source_at_38_db() {
    for name in ["androidx-hevc-unsupported.ts", "lpms-bframes.ts"] {
        let source = corpus(name);
        let defaults = fanout::pipeline::Settings::default();
        let (out, r) = transcode(&source, &format!("rate-default-{name}"), &defaults, 2);
        r.expect("default transcode");
        let (src, got) = (video_bytes(&source), video_bytes(&out));
        assert!(got < src, "{name}: video {got} bytes, source {src}");
        assert_eq!(
            decoded_frames(&out, None, true),
            decoded_frames(&source, None, true),
            "{name}"
        );
        let psnr = psnr_y(&out, &source, None, None);
        assert!(psnr >= 38.0, "{name}: PSNR-Y {psnr:.2} dB");
    }
}
