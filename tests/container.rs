//! The fragmented MP4 container (`--container fmp4`): the same frames and
//! samples at the same times as the fast-start file, laid out as `moov`,
//! then one `moof` + `mdat` per chunk, then `mfra`.

mod common;

use common::*;
use fanout::mux::Container;
use fanout::pipeline::Settings;

/// H.264 with B-frames, an AAC track (passed through) and an MP2 track
/// (encoded to AAC), 4 s.
fn two_track_input() -> std::path::PathBuf {
    fixture(
        "c-bframes-aac-mp2.ts",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=192x108:rate=25",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:beep_factor=4:sample_rate=48000",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=660:beep_factor=2:sample_rate=48000",
            "-t",
            "4",
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
            "-bf",
            "2",
            "-g",
            "25",
            "-c:a:0",
            "aac",
            "-c:a:1",
            "mp2",
            "-f",
            "mpegts",
        ],
    )
}

fn both(input: &std::path::Path, name: &str, settings: Settings) -> [std::path::PathBuf; 2] {
    [Container::Mp4, Container::Fmp4].map(|container| {
        let (out, result) = transcode(
            input,
            &format!("{name}-{container:?}"),
            &with(settings, |s| s.container = container),
            2,
        );
        result.unwrap_or_else(|e| panic!("{container:?}: {e}"));
        out
    })
}

/// Top-level box types of an MP4.
fn top_level_boxes(path: &std::path::Path) -> Vec<String> {
    let data = std::fs::read(path).unwrap();
    let mut at = 0usize;
    let mut boxes = Vec::new();
    while at + 8 <= data.len() {
        let mut size = u32::from_be_bytes(data[at..at + 4].try_into().unwrap()) as u64;
        let kind = String::from_utf8_lossy(&data[at + 4..at + 8]).into_owned();
        if size == 1 {
            size = u64::from_be_bytes(data[at + 8..at + 16].try_into().unwrap());
        }
        assert!(size >= 8, "box {kind} at {at} has size {size}");
        boxes.push(kind);
        at += size as usize;
    }
    assert_eq!(at, data.len(), "boxes do not end at the end of the file");
    boxes
}

#[test]
fn fragmented_copy_has_the_fast_start_files_frames_and_samples() {
    let input = two_track_input();
    let settings = with(copy(), |s| s.chunk_seconds = 1.0);
    let [mp4, fmp4] = both(&input, "c-copy", settings);

    // Layout: ftyp, moov, then moof/mdat pairs (one per chunk, plus one for
    // audio that plays after the last video), then the mfra index.
    let boxes = top_level_boxes(&fmp4);
    assert_eq!(&boxes[..2], ["ftyp", "moov"]);
    assert_eq!(boxes.last().map(String::as_str), Some("mfra"));
    let fragments = &boxes[2..boxes.len() - 1];
    assert!(
        fragments.chunks(2).all(|p| p == ["moof", "mdat"]),
        "{boxes:?}"
    );
    assert!(
        (4..=5).contains(&(fragments.len() / 2)),
        "4 one-second chunks: {} fragments",
        fragments.len() / 2
    );

    // Every video frame identical, at the same times.
    assert_eq!(frame_md5s(&fmp4), frame_md5s(&mp4));
    assert_eq!(frame_md5s(&fmp4).len(), 100);
    assert_eq!(relative(video_pts(&fmp4)), relative(video_pts(&mp4)));

    // The passed-through AAC: the same samples at the same time (relative
    // to the video; the movie may start earlier, see below).
    let (a, channels) = audio_pcm(&mp4, 0);
    let (b, _) = audio_pcm(&fmp4, 0);
    assert_eq!(a, b, "passed-through track decodes differently");
    let offset = |path| {
        let (video, audio) = start_times(path, 0);
        audio - video
    };
    assert!((offset(&mp4) - offset(&fmp4)).abs() < 0.0001);

    // The encoded track: the fragmented file keeps the encoder's priming
    // (1024 samples before the first source sample, see mux/mp4/fragmented.rs)
    // and starts that much earlier; after it, the same samples.
    let (a, _) = audio_pcm(&mp4, 1);
    let (b, channels_b) = audio_pcm(&fmp4, 1);
    assert_eq!(channels, channels_b);
    let priming = 1024 * channels;
    assert_eq!(b.len(), a.len() + priming);
    assert_eq!(&b[priming..], &a[..]);
    let (video_mp4, audio_mp4) = start_times(&mp4, 1);
    let (video_fmp4, audio_fmp4) = start_times(&fmp4, 1);
    let offset_mp4 = audio_mp4 - video_mp4;
    let offset_fmp4 = audio_fmp4 - video_fmp4;
    assert!(
        (offset_mp4 - offset_fmp4 - 1024.0 / 48_000.0).abs() < 0.001,
        "A/V offset {offset_mp4} (mp4) vs {offset_fmp4} (fmp4)"
    );
}

#[test]
fn fragmented_av1_has_the_fast_start_files_frames() {
    let input = two_track_input();
    let settings = with(av1(), |s| {
        s.chunk_seconds = 1.0;
        s.duration_limit = Some(2.0);
        s.audio.mode = fanout::audio::ingest::AudioMode::None;
    });
    let [mp4, fmp4] = both(&input, "c-av1", settings);
    let frames = frame_md5s(&fmp4);
    assert_eq!(frames.len(), 50);
    assert_eq!(frames, frame_md5s(&mp4));
    assert_eq!(video_pts(&fmp4), video_pts(&mp4));
}

/// Times relative to the first, in microseconds.
fn relative(times: Vec<f64>) -> Vec<i64> {
    let first = times.first().copied().unwrap_or(0.0);
    times
        .iter()
        .map(|t| ((t - first) * 1e6).round() as i64)
        .collect()
}
