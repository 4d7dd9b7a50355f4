//! The TS demuxer, video parsers, audio ingest and chunk planner behind
//! `Analyzer`: arbitrary bytes in arbitrary piece sizes, then `finish`.
//! Errors are fine; a panic, a hang or unbounded memory is a bug.
#![no_main]
use fanout::job::VideoMode;
use fanout::pipeline::{Analyzer, Settings};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&control, data)) = data.split_first() else {
        return;
    };
    let mut settings = Settings::default();
    settings.video = match control & 3 {
        0 => VideoMode::Copy,
        1 => VideoMode::H264(Default::default()),
        _ => settings.video,
    };
    settings.chunk_seconds = if control & 4 != 0 { 0.2 } else { 2.0 };
    // Piece sizes from 1 byte to 16 KiB, so every split point is tried.
    let piece = 1 + ((control as usize >> 3) * 523) % 16384;
    let Ok(mut analyzer) = Analyzer::new(settings) else {
        return;
    };
    let drain = |a: &mut Analyzer| {
        while a.next_chunk().is_some() {}
        let _ = a.take_audio();
        let _ = a.take_warnings();
        let _ = a.job_settings();
    };
    for part in data.chunks(piece) {
        if analyzer.push(part).is_err() {
            return;
        }
        drain(&mut analyzer);
        if analyzer.done_reading() {
            break;
        }
    }
    if analyzer.finish().is_ok() {
        drain(&mut analyzer);
        let _ = analyzer.audio_info();
    }
});
