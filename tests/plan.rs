//! `fanout --plan --json`: the tracks and their fate, the duration, and an
//! estimate per mode, read from the head and tail of real files; then the
//! estimate against the real run on one of them.

mod common;

use std::path::Path;
use std::process::Command;

use common::{corpus, fixture, out_dir, run};
use serde_json::Value;

fn plan(input: &Path, args: &[&str]) -> Value {
    let out = run(Command::new(env!("CARGO_BIN_EXE_fanout"))
        .arg(input)
        .args(["--plan", "--json", "--jobs", "2"])
        .args(args));
    serde_json::from_str(&out).expect("plan JSON")
}

fn mode<'a>(plan: &'a Value, id: &str) -> &'a Value {
    plan["modes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == id)
        .unwrap_or_else(|| panic!("no mode {id}"))
}

/// Every mode but the unavailable ones has a positive time and size range
/// around its estimate.
fn assert_estimates(plan: &Value, unavailable: &[&str]) {
    let modes = plan["modes"].as_array().unwrap();
    let ids: Vec<_> = modes.iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        ["av1-fast", "av1-balanced", "av1-small", "h264", "copy"]
    );
    for m in modes {
        let id = m["id"].as_str().unwrap();
        if unavailable.contains(&id) {
            assert!(m["unavailable"].is_string(), "{id} should be unavailable");
            assert!(m["seconds"].is_null());
            continue;
        }
        for key in ["seconds", "bytes"] {
            let r = &m[key];
            let (lo, est, hi) = (
                r["low"].as_f64().unwrap(),
                r["estimate"].as_f64().unwrap(),
                r["high"].as_f64().unwrap(),
            );
            assert!(0.0 < lo && lo <= est && est <= hi, "{id} {key}: {r}");
        }
    }
    let recommended = plan["recommended"].as_str().unwrap();
    assert!(mode(plan, recommended)["unavailable"].is_null());
}

#[test]
fn broadcast_capture_lists_its_mislabelled_aac_as_copied() {
    let p = plan(&corpus("broadcast-h264-high-aac-576p.ts"), &[]);
    assert_eq!(p["video"]["codec"], "H.264");
    assert_eq!(p["video"]["width"], 1024);
    assert_eq!(p["video"]["height"], 576);
    // 12.0 s (ffprobe), from the tail's last timestamp.
    let duration = p["duration"].as_f64().unwrap();
    assert!((duration - 12.0).abs() < 0.1, "duration {duration}");
    assert_eq!(p["duration_from"], "timestamps");
    let audio = p["audio"].as_array().unwrap();
    assert_eq!(audio.len(), 1);
    // Labelled MPEG audio in the PMT, AAC in fact: passed through.
    assert_eq!(audio[0]["action"], "copy");
    assert_eq!(audio[0]["codec"], "AAC (ADTS)");
    assert_eq!(audio[0]["channels"], 2);
    assert_eq!(p["chunk_plan"]["chunks"], 6);
    assert_estimates(&p, &[]);
    // Copying keeps the video's bytes: the size is the source's, less the
    // transport stream's packets.
    let copy = mode(&p, "copy")["size_ratio"].as_f64().unwrap();
    assert!((0.8..1.0).contains(&copy), "copy size ratio {copy}");
}

#[test]
fn mpeg2_with_mp2_is_transcoded_and_copy_is_unavailable_by_name() {
    let p = plan(&corpus("androidx-mpeg2video-unsupported.ts"), &[]);
    assert_eq!(p["video"]["codec"], "MPEG-2 video");
    let audio = p["audio"].as_array().unwrap();
    assert_eq!(audio[0]["action"], "transcode");
    assert!(audio[0]["why"].as_str().unwrap().contains("AAC-LC"));
    assert_estimates(&p, &["copy"]);
    assert!(mode(&p, "copy")["unavailable"]
        .as_str()
        .unwrap()
        .contains("MPEG-2 video cannot be copied"));
}

#[test]
fn three_audio_tracks_each_get_their_fate() {
    // H.264 with MP2 (eng), AC-3 (deu) and DTS: 2 s.
    let args = "-f lavfi -i testsrc2=size=320x240:rate=25 -f lavfi -i sine=f=440:r=48000 \
        -f lavfi -i sine=f=660:r=48000 -f lavfi -i sine=f=880:r=48000 \
        -map 0:v -map 1:a -map 2:a -map 3:a -t 2 -c:v libx264 -preset veryfast -g 25 \
        -c:a:0 mp2 -c:a:1 ac3 -c:a:2 dca -strict -2 -ac:a:2 2 \
        -metadata:s:a:0 language=eng -metadata:s:a:1 language=deu -f mpegts";
    let args: Vec<&str> = args.split_whitespace().collect();
    let input = fixture("plan-three-audio.ts", &args);
    let p = plan(&input, &[]);
    let audio = p["audio"].as_array().unwrap();
    assert_eq!(audio.len(), 2, "{audio:?}");
    assert_eq!(audio[0]["language"], "eng");
    assert_eq!(audio[0]["action"], "transcode");
    assert_eq!(audio[1]["language"], "deu");
    assert_eq!(audio[1]["codec"], "AC-3");
    assert_eq!(audio[1]["action"], "transcode");
    let left_out = p["left_out"].as_array().unwrap();
    assert_eq!(left_out.len(), 1, "{left_out:?}");
    assert_eq!(left_out[0]["what"], "DTS audio");
    assert_eq!(left_out[0]["why"], "Fanout does not decode DTS");
    assert_estimates(&p, &[]);

    // Only the first track: the second is dropped, and says why.
    let p = plan(&input, &["--audio-tracks", "first"]);
    assert_eq!(p["audio"][1]["action"], "drop");
    assert!(p["audio"][1]["why"]
        .as_str()
        .unwrap()
        .contains("first track"));
    let p = plan(&input, &["--audio", "none"]);
    assert!(p["audio"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["action"] == "drop" && a["why"] == "audio is off"));
}

#[test]
fn a_duration_limit_bounds_the_plan() {
    let p = plan(&corpus("hls-concat-h264-aac-multigop.ts"), &["-t", "10"]);
    assert_eq!(p["duration"], 10.0);
    assert_eq!(p["duration_from"], "duration limit");
    assert_eq!(p["chunk_plan"]["chunks"], 5);
}

#[test]
fn not_a_transport_stream_is_a_named_error_in_json() {
    let input = out_dir().join("plan-not-ts.bin");
    std::fs::write(&input, vec![0x42u8; 50_000]).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_fanout"))
        .arg(&input)
        .args(["--plan", "--json"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["error"].as_str().unwrap().contains("transport stream"),
        "{v}"
    );
}

#[test]
fn the_h264_estimate_is_near_the_real_size() {
    // The size estimate of the fast mode against a real run (time is the
    // benchmark's: bench/plan).
    let input = corpus("broadcast-h264-high-aac-576p.ts");
    let p = plan(&input, &[]);
    let out = out_dir().join("plan-h264.mp4");
    run(Command::new(env!("CARGO_BIN_EXE_fanout"))
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .args(["--video", "h264", "--jobs", "2", "--no-checkpoints"]));
    let actual = std::fs::metadata(&out).unwrap().len() as f64;
    let bytes = &mode(&p, "h264")["bytes"];
    let (lo, hi) = (
        bytes["low"].as_f64().unwrap(),
        bytes["high"].as_f64().unwrap(),
    );
    assert!(
        lo <= actual && actual <= hi,
        "actual {actual} outside {lo}..{hi}"
    );
}
