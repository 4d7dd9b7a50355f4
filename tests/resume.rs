//! Resume: an interrupted transcode, run again with its checkpoints,
//! encodes only the chunks it lacks and writes the same bytes as an
//! uninterrupted run.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use common::*;
use fanout::checkpoint::CheckpointDir;
use fanout::native::{transcode_file, transcode_file_checkpointed};
use fanout::pipeline::Settings;
use fanout::Error;

fn input() -> std::path::PathBuf {
    fixture(
        "r-input.ts",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=160x96:rate=25",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:beep_factor=4:sample_rate=48000",
            "-t",
            "4",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-g",
            "25",
            "-c:a",
            "mp2",
            "-f",
            "mpegts",
        ],
    )
}

fn settings() -> Settings {
    with(av1(), |s| {
        s.chunk_seconds = 0.5;
        if let fanout::job::VideoMode::Av1(a) = &mut s.video {
            a.speed = 10;
        }
    })
}

/// Runs with checkpoints and cancels once `after` chunks are done.
fn interrupted(output: &std::path::Path, settings: &Settings, after: u64) {
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&cancel);
    let result = transcode_file_checkpointed(
        &input(),
        output,
        settings,
        1,
        Some(cancel),
        false,
        &mut |p| {
            if p.chunks_done >= after {
                flag.store(true, Ordering::Relaxed);
            }
        },
    );
    assert!(matches!(result, Err(Error::Cancelled)), "{result:?}");
    assert!(CheckpointDir::path_for(output).exists(), "checkpoints kept");
}

#[test]
fn resumed_run_encodes_only_missing_chunks_and_gives_the_same_bytes() {
    let settings = settings();
    let reference = out_dir().join("r-reference.mp4");
    let whole = transcode_file(&input(), &reference, &settings, 2, None, &mut |_| {}).unwrap();
    let chunks = whole.chunks;
    assert!(chunks >= 6, "{chunks} chunks");

    let output = out_dir().join("r-resumed.mp4");
    let _ = std::fs::remove_dir_all(CheckpointDir::path_for(&output));
    interrupted(&output, &settings, 3);
    let stored = std::fs::read_dir(CheckpointDir::path_for(&output))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("chunk-")
        })
        .count() as u64;
    assert!(
        (3..chunks).contains(&stored),
        "{stored} chunks checkpointed"
    );

    let mut encoded_again = 0;
    let resumed =
        transcode_file_checkpointed(&input(), &output, &settings, 2, None, true, &mut |p| {
            encoded_again = p.chunks_done - p.chunks_restored
        })
        .unwrap();
    assert_eq!(resumed.restored_chunks, stored);
    assert_eq!(
        encoded_again,
        chunks - stored,
        "only the missing chunks are encoded"
    );
    assert_eq!(
        std::fs::read(&output).unwrap(),
        std::fs::read(&reference).unwrap(),
        "a resumed run must write the uninterrupted run's bytes"
    );
    assert!(
        !CheckpointDir::path_for(&output).exists(),
        "checkpoints are removed once the output is complete"
    );
}

#[test]
fn checkpoints_of_other_settings_or_damaged_ones_are_not_used() {
    let settings = settings();
    let output = out_dir().join("r-other.mp4");
    let _ = std::fs::remove_dir_all(CheckpointDir::path_for(&output));
    interrupted(&output, &settings, 2);
    // One stored result cut short: it is encoded again, not trusted.
    let dir = CheckpointDir::path_for(&output);
    let first = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("chunk-")
        })
        .unwrap();
    let bytes = std::fs::read(&first).unwrap();
    std::fs::write(&first, &bytes[..bytes.len() / 2]).unwrap();
    let stored = std::fs::read_dir(&dir).unwrap().count() as u64 - 1; // manifest
    let resumed =
        transcode_file_checkpointed(&input(), &output, &settings, 2, None, true, &mut |_| {})
            .unwrap();
    assert_eq!(resumed.restored_chunks, stored - 1);

    // Other settings: the folder starts over.
    interrupted(&output, &settings, 2);
    let other = with(settings, |s| s.chunk_seconds = 1.0);
    let resumed =
        transcode_file_checkpointed(&input(), &output, &other, 2, None, true, &mut |_| {}).unwrap();
    assert_eq!(resumed.restored_chunks, 0);
}
