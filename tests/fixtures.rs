//! Behaviour on fixtures made with ffmpeg: chunking, determinism, M2TS,
//! open GOP, interlaced and 10-bit sources, damage, and timestamp wrap.

mod common;

use common::*;

#[test]
fn one_chunk_and_many_chunks_give_the_same_frames_and_timestamps() {
    let input = synthetic_ts("gop10.ts", "160x120", 25, 4.0, 10, true, &[]);
    let one = with(av1(), |s| s.chunk_seconds = 1000.0);
    let many = with(av1(), |s| s.chunk_seconds = 0.4);
    let (out_one, r1) = transcode(&input, "one-chunk", &one, 2);
    let (out_many, r2) = transcode(&input, "many-chunks", &many, 2);
    let (s1, s2) = (r1.unwrap(), r2.unwrap());
    assert_eq!(s1.chunks, 1);
    assert_eq!(s2.chunks, 10);
    assert_eq!(s1.frames, 100);
    assert_eq!(s2.frames, 100);
    assert_eq!(video_pts(&out_one), video_pts(&out_many));
    assert_eq!(decoded_frames(&out_many, None, true), 100);
    // Seams cost bits, not quality: the quantizer is the same everywhere.
    let (p1, p2) = (
        psnr_y(&out_one, &input, None, None),
        psnr_y(&out_many, &input, None, None),
    );
    assert!(
        (p1 - p2).abs() < 1.0,
        "PSNR one chunk {p1:.2}, many {p2:.2}"
    );
}

#[test]
fn output_does_not_depend_on_the_number_of_jobs() {
    let input = synthetic_ts("gop10-b.ts", "160x120", 25, 3.0, 10, true, &["-bf", "2"]);
    let settings = with(av1(), |s| s.chunk_seconds = 0.4);
    let (a, ra) = transcode(&input, "jobs1", &settings, 1);
    let (b, rb) = transcode(&input, "jobs2", &settings, 2);
    ra.unwrap();
    rb.unwrap();
    let (a, b) = (std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
    assert!(
        a == b,
        "--jobs 1 and --jobs 2 outputs differ ({} vs {} bytes)",
        a.len(),
        b.len()
    );
}

#[test]
fn m2ts_192_byte_packets() {
    let input = synthetic_ts(
        "m2ts.m2ts",
        "160x120",
        25,
        2.0,
        25,
        true,
        &["-mpegts_m2ts_mode", "1"],
    );
    let bytes = std::fs::read(&input).unwrap();
    assert_eq!(bytes[4], 0x47, "fixture really is 192-byte M2TS");
    let (output, result) = transcode(&input, "m2ts", &av1(), 2);
    let summary = result.unwrap();
    assert_eq!(summary.frames, decoded_frames(&input, None, false));
    assert_eq!(decoded_frames(&output, None, true), summary.frames);
    assert_eq!(probe(&output).audio_codec.as_deref(), Some("aac"));
}

#[test]
fn open_gop_splits_encode_every_frame_exactly_once() {
    let input = synthetic_ts(
        "open-gop.ts",
        "160x120",
        25,
        4.0,
        12,
        false,
        &["-bf", "3", "-x264-params", "open-gop=1:b-pyramid=normal"],
    );
    let settings = with(av1(), |s| s.chunk_seconds = 0.4);
    let (output, result) = transcode(&input, "open-gop", &settings, 2);
    let summary = result.unwrap();
    assert!(
        summary.chunks >= 4,
        "expected splits at open-GOP I-frames, got {} chunks",
        summary.chunks
    );
    assert_eq!(summary.frames + summary.skipped_leading_frames, 100);
    let pts = video_pts(&output);
    assert_eq!(pts.len() as u64, summary.frames);
    assert!(pts.windows(2).all(|w| w[1] > w[0]), "every timestamp once");
    assert!(psnr_y(&output, &input, None, None) > 32.0);
}

#[test]
fn mbaff_interlaced_source_comes_out_progressive_like_yadif() {
    let input = fixture(
        "mbaff.ts",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=320x240:rate=50",
            "-vf",
            "tinterlace=mode=interleave_top,format=yuv420p",
            "-t",
            "2",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-flags",
            "+ildct+ilme",
            "-x264opts",
            "tff=1",
            "-g",
            "25",
            "-f",
            "mpegts",
        ],
    );
    let (output, result) = transcode(&input, "mbaff", &av1(), 2);
    let summary = result.unwrap();
    assert!(summary.deinterlaced);
    assert_eq!(summary.frames, 50);
    let yadif = "yadif=mode=0:parity=tff:deint=all";
    let vs_yadif = psnr_y(&output, &input, Some(yadif), None);
    let (woven, r) = transcode(&input, "mbaff-woven", &no_deinterlace(av1()), 2);
    r.unwrap();
    let woven_vs_yadif = psnr_y(&woven, &input, Some(yadif), None);
    // Our deinterlacer is yadif (bit-exact), so the only loss is the AV1
    // encode: within 2 dB of the encode loss on progressive material (~40 dB).
    assert!(vs_yadif > 37.0, "PSNR vs yadif(source) {vs_yadif:.2} dB");
    assert!(
        vs_yadif > woven_vs_yadif + 3.0,
        "deinterlaced {vs_yadif:.2} dB vs woven {woven_vs_yadif:.2} dB"
    );
}

#[test]
fn ten_bit_source_gives_ten_bit_av1() {
    let input = synthetic_ts(
        "10bit.ts",
        "160x120",
        25,
        1.0,
        10,
        false,
        &["-pix_fmt", "yuv420p10le"],
    );
    let (output, result) = transcode(&input, "10bit", &av1(), 2);
    let summary = result.unwrap();
    assert_eq!(summary.bit_depth, 10);
    let p = probe(&output);
    assert_eq!(p.pix_fmt, "yuv420p10le");
    assert_eq!(decoded_frames(&output, None, true), 25);
    assert!(psnr_y(&output, &input, None, None) > 32.0);
}

#[test]
fn lost_packets_keep_the_timeline_and_are_reported() {
    let input = synthetic_ts("damage-src.ts", "320x240", 25, 3.0, 25, true, &[]);
    // Video is on PID 0x100 in ffmpeg's TS; cut from the middle of the file.
    let path = lose_packets(&input, 0x100, 20, "damaged.ts");
    let (output, result) = transcode(&path, "damaged", &av1(), 2);
    let summary = result.expect("damage never loses the transcode");
    assert_eq!(decoded_frames(&output, None, true), summary.frames);
    assert!(summary.damaged_frames > 0, "damage must be reported");
    assert!(
        summary
            .warnings
            .iter()
            .any(|w| w.message.contains("continuity")),
        "{:?}",
        summary.warnings
    );
    // The full timeline: duration as the undamaged source's, within a frame.
    let (src, dst) = (probe(&input), probe(&output));
    assert!(
        (src.video_duration - dst.video_duration).abs() <= 0.04 + 1e-3,
        "{} vs {}",
        src.video_duration,
        dst.video_duration
    );
}

#[test]
fn timestamps_wrapping_past_33_bits_stay_monotonic() {
    // 2^33 / 90 kHz = 95443.7 s: start 1.5 s before the wrap.
    let input = synthetic_ts(
        "wrap.ts",
        "160x120",
        25,
        3.0,
        10,
        true,
        &["-output_ts_offset", "95442.2"],
    );
    let (output, result) = transcode(&input, "wrap", &with(av1(), |s| s.chunk_seconds = 0.4), 2);
    let summary = result.unwrap();
    assert_eq!(summary.frames, 75);
    let pts = video_pts(&output);
    assert_eq!(pts.len(), 75);
    let span = pts.last().unwrap() - pts.first().unwrap();
    assert!((span - 2.96).abs() < 0.01, "span {span}");
    assert_eq!(probe(&output).audio_codec.as_deref(), Some("aac"));
}

#[test]
fn cli_prints_json_stats_and_names_errors() {
    let input = synthetic_ts("cli.ts", "160x120", 25, 1.0, 10, true, &[]);
    let output = out_dir().join("cli.mp4");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fanout"))
        .arg(&input)
        .arg("-o")
        .arg(&output)
        .args(["--json", "--jobs", "2"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stats: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(stats["frames"], 25);
    assert!(stats["output_bytes"].as_u64().unwrap() > 1000);

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fanout"))
        .arg(unsupported_codec_ts())
        .args(["-o", "/dev/null/never.mp4"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("unsupported video codec: MPEG-4 Part 2 video (PID 0x0100)"));
}

#[test]
fn memory_stays_bounded_whatever_the_input_length() {
    use fanout::pipeline::Analyzer;
    // A 2 s clip joined 150 times (~300 s, with a timestamp reset at every
    // join), fed in 1 MiB pieces as the CLI and the browser do.
    let clip = std::fs::read(synthetic_ts("loop.ts", "320x240", 25, 2.0, 25, true, &[])).unwrap();
    let mut analyzer = Analyzer::new(with(av1(), |s| s.chunk_seconds = 2.0)).unwrap();
    let mut peak_early = 0;
    let mut peak = 0;
    let mut chunks = 0;
    for round in 0..150 {
        for piece in clip.chunks(1 << 20) {
            analyzer.push(piece).unwrap();
            while analyzer.next_chunk().is_some() {
                chunks += 1;
            }
            analyzer.take_audio();
            peak = peak.max(analyzer.buffered_bytes());
        }
        if round == 10 {
            peak_early = peak;
        }
    }
    analyzer.finish().unwrap();
    while analyzer.next_chunk().is_some() {
        chunks += 1;
    }
    // 300 s in chunks of about 2-3 s (cuts land on the 1 s GOPs).
    assert!(
        chunks >= 90,
        "discontinuities must not merge chunks ({chunks})"
    );
    assert!(
        peak <= peak_early * 5 / 4 + 4096,
        "held {peak} bytes at the end vs {peak_early} early"
    );
    assert!(
        peak < 4 * clip.len(),
        "held {peak} bytes for a {} byte clip",
        clip.len()
    );
}

#[test]
fn long_gops_are_split_anywhere_and_every_frame_is_encoded_once() {
    // One keyframe in 8 s, B-frames: keyframe-only chunking gives one chunk.
    let input = synthetic_ts("gop200-b.ts", "160x120", 25, 8.0, 200, true, &["-bf", "2"]);
    let keyframes = with(av1(), |s| {
        s.chunk_seconds = 1.0;
        s.split = fanout::pipeline::Split::Keyframes;
    });
    let anywhere = with(av1(), |s| s.chunk_seconds = 1.0);
    let (out_k, rk) = transcode(&input, "split-keyframes", &keyframes, 2);
    let (out_a, ra) = transcode(&input, "split-anywhere", &anywhere, 2);
    let (sk, sa) = (rk.unwrap(), ra.unwrap());
    assert_eq!(sk.chunks, 1);
    assert!(sa.chunks >= 5, "{} chunks", sa.chunks);
    assert_eq!((sk.frames, sa.frames), (200, 200));
    assert_eq!(decoded_frames(&out_a, None, true), 200);
    assert_eq!(video_pts(&out_k), video_pts(&out_a));
    // Later chunks decode from the keyframe: warm-up grows along the GOP.
    let warmup: Vec<u64> = sa.timeline.iter().map(|t| t.warmup_frames).collect();
    assert!(warmup.windows(2).any(|w| w[1] > w[0]), "{warmup:?}");
    let (pk, pa) = (
        psnr_y(&out_k, &input, None, None),
        psnr_y(&out_a, &input, None, None),
    );
    assert!(
        (pk - pa).abs() < 1.0,
        "PSNR keyframes {pk:.2}, anywhere {pa:.2}"
    );
    // Still deterministic whatever the parallelism.
    let (out_1, r1) = transcode(&input, "split-anywhere-jobs1", &anywhere, 1);
    r1.unwrap();
    assert!(std::fs::read(out_1).unwrap() == std::fs::read(&out_a).unwrap());
}

fn avchd_like(frames: &[Vec<u8>]) -> std::path::PathBuf {
    // Two of three frames as field pairs (each field its own access unit with
    // delimiter and SEI, both in one PES), every third an MBAFF frame.
    paff_fixture(
        "paff-avchd-tff.ts",
        &paff::PaffStream {
            width: 320,
            height: 192,
            frames,
            gop: 12,
            top_field_first: true,
            structure: &|i| {
                if i % 3 == 2 {
                    paff::Structure::Mbaff
                } else {
                    paff::Structure::Fields
                }
            },
            pes_per_field: false,
            drop_first: 0,
        },
    )
}

fn dvb_like(frames: &[Vec<u8>]) -> std::path::PathBuf {
    // Bottom field first, each field in its own PES with its own
    // timestamp, every fourth frame MBAFF, and the capture starting in the
    // middle of a GOP (its first frames reference pictures it never had).
    paff_fixture(
        "paff-dvb-bff-midgop.ts",
        &paff::PaffStream {
            width: 320,
            height: 192,
            frames,
            gop: 12,
            top_field_first: false,
            structure: &|i| {
                if i % 4 == 3 {
                    paff::Structure::Mbaff
                } else {
                    paff::Structure::Fields
                }
            },
            pes_per_field: true,
            drop_first: 5,
        },
    )
}

/// A field-picture source: copy mode keeps every frame bit-exact (one MP4
/// sample per field pair), and AV1 gets one deinterlaced frame per source
/// frame, as close to FFmpeg's yadif of the source as on the MBAFF fixture.
fn check_field_pictures(input: &std::path::Path, name: &str, parity: &str) {
    let source_frames = frame_md5s(input);
    assert!(
        source_frames.len() >= 30,
        "fixture decodes to {} frames",
        source_frames.len()
    );

    let (copied, result) = transcode(input, &format!("{name}-copy"), &copy(), 2);
    let summary = result.unwrap();
    assert_eq!(summary.frames, source_frames.len() as u64);
    assert_eq!(decoded_frames(&copied, None, true), summary.frames);
    assert_eq!(
        frame_md5s(&copied),
        source_frames,
        "copy mode changed a frame"
    );

    let (output, result) = transcode(input, name, &av1(), 2);
    let summary = result.unwrap();
    assert!(summary.deinterlaced);
    assert_eq!(summary.frames, source_frames.len() as u64);
    assert_eq!(decoded_frames(&output, None, true), summary.frames);
    let yadif = format!("yadif=mode=0:parity={parity}:deint=all");
    let vs_yadif = psnr_y(&output, input, Some(&yadif), None);
    let (woven, r) = transcode(input, &format!("{name}-woven"), &no_deinterlace(av1()), 2);
    r.unwrap();
    let woven_vs_yadif = psnr_y(&woven, input, Some(&yadif), None);
    assert!(vs_yadif > 37.0, "PSNR vs yadif(source) {vs_yadif:.2} dB");
    assert!(
        vs_yadif > woven_vs_yadif + 3.0,
        "deinterlaced {vs_yadif:.2} dB vs woven {woven_vs_yadif:.2} dB"
    );
}

#[test]
fn field_pairs_in_separate_access_units_are_one_frame() {
    let frames = interlaced_raw_frames(320, 192, 50, true);
    check_field_pictures(&avchd_like(&frames), "paff-avchd", "tff");
}

#[test]
fn bottom_first_fields_in_separate_pes_starting_mid_gop() {
    let frames = interlaced_raw_frames(320, 192, 50, false);
    let input = dvb_like(&frames);
    check_field_pictures(&input, "paff-dvb", "bff");
}
