//! Seeds for the `wire` fuzz target (bench/fuzz/seed.sh): the first chunks
//! of the bundled sample as the coordinator sends them, and their H.264
//! results as the workers send them back.
//!
//! `cargo run --release --example wire_seeds -- OUT_DIR`
use fanout::job::VideoMode;
use fanout::pipeline::{Analyzer, Settings};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args().nth(1).ok_or("usage: wire_seeds OUT_DIR")?;
    std::fs::create_dir_all(&out)?;
    let settings = Settings {
        video: VideoMode::H264(Default::default()),
        chunk_seconds: 0.5,
        ..Settings::default()
    };
    let mut analyzer = Analyzer::new(settings)?;
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/www/sample.ts");
    analyzer.push(&std::fs::read(sample)?)?;
    analyzer.finish()?;
    let job = analyzer.job_settings().ok_or("no video")?;
    for _ in 0..3 {
        let Some(chunk) = analyzer.next_chunk() else {
            break;
        };
        std::fs::write(
            format!("{out}/chunk-{}", chunk.index),
            fanout::wire::chunk_to_bytes(&chunk),
        )?;
        let encoded = fanout::job::run_chunk(&chunk, &job, &mut |_| true)?;
        std::fs::write(
            format!("{out}/encoded-{}", chunk.index),
            fanout::wire::encoded_to_bytes(&encoded),
        )?;
    }
    Ok(())
}
