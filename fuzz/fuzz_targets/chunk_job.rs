//! The chunk job (decode, deinterlace, encode, audio segments) on the
//! first chunks a fuzzed transport stream plans into. Seeds are tiny
//! streams (64x64, a few frames); pictures over 128x128 and chunks over
//! eight units are cut back or skipped so one run stays in milliseconds
//! (the job's cost is the encoder's, not the input's size). Errors are
//! fine; a panic, a hang or unbounded memory is a bug.
#![no_main]
use fanout::encode::{Av1Settings, H264Settings};
use fanout::job::{decode_chunk, run_chunk, VideoMode};
use fanout::pipeline::{Analyzer, Settings};
use libfuzzer_sys::fuzz_target;

/// Units kept per chunk (a frame limit, like the CLI's `-t`).
const MAX_UNITS: usize = 8;
/// Largest picture encoded (luma samples).
const MAX_SAMPLES: u32 = 128 * 128;

fuzz_target!(|data: &[u8]| {
    let Some((&control, data)) = data.split_first() else {
        return;
    };
    let mut settings = Settings::default();
    settings.video = match control & 3 {
        0 => VideoMode::H264(H264Settings::default()),
        1 => VideoMode::Av1(Av1Settings {
            speed: 10,
            low_latency: true,
            ..Av1Settings::default()
        }),
        2 => VideoMode::Copy,
        _ => settings.video,
    };
    settings.chunk_seconds = 0.1;
    let Ok(mut analyzer) = Analyzer::new(settings) else {
        return;
    };
    if analyzer.push(data).is_err() || analyzer.finish().is_err() {
        return;
    }
    let Some(job) = analyzer.job_settings() else {
        return;
    };
    if job.format.width.saturating_mul(job.format.height) > MAX_SAMPLES {
        return;
    }
    for _ in 0..2 {
        let Some(mut chunk) = analyzer.next_chunk() else {
            return;
        };
        chunk.units.truncate(MAX_UNITS);
        if control & 3 == 3 {
            // Decode only: the decoders without an encoder's cost.
            let _ = decode_chunk(&chunk, &job);
        } else {
            let _ = run_chunk(&chunk, &job, &mut |_| true);
        }
    }
});
