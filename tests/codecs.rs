//! Sources other than H.264 (HEVC, MPEG-2 video) on ffmpeg-made fixtures:
//! every frame comes out once, chunk seams hold, copy is bit-exact.

mod common;

use std::path::{Path, PathBuf};

use common::*;

/// PSNR floor (luma, dB) for the small `testsrc2` fixtures at the default
/// AV1 settings (measured 40–47 dB).
const PSNR_FLOOR: f64 = 36.0;

/// A 2 s, 320x240, 25 fps HEVC TS made by libx265 with `params`.
fn hevc_ts(name: &str, params: &str, pix_fmt: &str) -> PathBuf {
    let params = format!("log-level=error:scenecut=0:{params}");
    fixture(
        name,
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=320x240:rate=25",
            "-t",
            "2",
            "-pix_fmt",
            pix_fmt,
            "-c:v",
            "libx265",
            "-preset",
            "ultrafast",
            "-x265-params",
            &params,
            "-f",
            "mpegts",
        ],
    )
}

/// Transcodes in small chunks and checks frames, decode errors and PSNR.
fn check_transcode(
    input: &Path,
    name: &str,
    settings: &fanout::pipeline::Settings,
) -> fanout::pipeline::Summary {
    let source_frames = decoded_frames(input, None, true);
    let (output, result) = transcode(input, name, settings, 2);
    let summary = result.unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(summary.frames, source_frames, "{name}: frames");
    assert_eq!(
        decoded_frames(&output, None, true),
        source_frames,
        "{name}: frames in the MP4"
    );
    let psnr = psnr_y(&output, input, None, None);
    assert!(psnr >= PSNR_FLOOR, "{name}: PSNR {psnr:.2} dB");
    eprintln!(
        "{name}: {} frames in {} chunks, PSNR-Y {psnr:.2} dB",
        summary.frames, summary.chunks
    );
    summary
}

/// Copy mode: the frames ffmpeg decodes from the MP4 are the source's.
fn check_copy(input: &Path, name: &str, codec: &str, min_chunks: u64) {
    let settings = with(copy(), |s| s.chunk_seconds = 0.4);
    let (output, result) = transcode(input, name, &settings, 2);
    let summary = result.unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(
        summary.chunks >= min_chunks,
        "{name}: {} chunks",
        summary.chunks
    );
    assert_eq!(probe(&output).video_codec, codec);
    assert_eq!(
        frame_md5s(&output),
        frame_md5s(input),
        "{name}: copied frames differ"
    );
    assert_eq!(decoded_frames(&output, None, true), summary.frames);
}

#[test]
fn hevc_closed_and_open_gops_with_b_frames() {
    let closed = hevc_ts(
        "hevc-closed.ts",
        "keyint=25:min-keyint=25:bframes=3:open-gop=0",
        "yuv420p",
    );
    let open = hevc_ts(
        "hevc-open.ts",
        "keyint=12:min-keyint=12:bframes=3:open-gop=1",
        "yuv420p",
    );
    let small_chunks = with(av1(), |s| s.chunk_seconds = 0.4);
    // Closed GOPs of 1 s cut into 0.4 s chunks: splits between keyframes.
    let summary = check_transcode(&closed, "hevc-closed", &small_chunks);
    assert!(summary.chunks >= 4, "{} chunks", summary.chunks);
    // Open GOPs: CRA pictures with RASL leading pictures at every seam.
    let summary = check_transcode(&open, "hevc-open", &small_chunks);
    assert!(summary.chunks >= 4, "{} chunks", summary.chunks);
    // Copy cuts at keyframes only.
    check_copy(&closed, "copy-hevc-closed", "hevc", 2);
    check_copy(&open, "copy-hevc-open", "hevc", 4);
}

#[test]
fn ten_bit_hevc_gives_ten_bit_av1() {
    let input = hevc_ts("hevc-10bit.ts", "keyint=25:bframes=2", "yuv420p10le");
    let summary = check_transcode(
        &input,
        "hevc-10bit",
        &with(av1(), |s| s.chunk_seconds = 1.0),
    );
    assert_eq!(summary.bit_depth, 10);
    assert_eq!(
        probe(&out_dir().join("hevc-10bit.mp4")).pix_fmt,
        "yuv420p10le"
    );
}

#[test]
fn hevc_in_the_h264_fast_mode() {
    let input = hevc_ts(
        "hevc-closed.ts",
        "keyint=25:min-keyint=25:bframes=3:open-gop=0",
        "yuv420p",
    );
    let h264 = with(av1(), |s| {
        s.video = fanout::job::VideoMode::H264(fanout::encode::H264Settings::default());
        s.chunk_seconds = 0.4;
    });
    check_transcode(&input, "hevc-h264", &h264);
}

#[test]
fn h264_open_gop_copy_keeps_leading_frames_after_their_keyframe() {
    // Leading B-frames reference the GOP before: in the MP4 they must follow
    // their I-frame in decode order, as in the source.
    let input = synthetic_ts(
        "open-gop-copy.ts",
        "320x240",
        25,
        2.0,
        12,
        false,
        &["-bf", "3", "-x264-params", "open-gop=1"],
    );
    check_copy(&input, "copy-open-gop-h264", "h264", 4);
}
