//! The AV1 bitrate cap (`bitrate_cap_percent`): a low-bitrate source that a
//! fixed quantizer makes bigger (muxjs-test-segment: 2.9× its size at
//! quantizer 120) comes out smaller than its source, every frame kept.

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
