//! Video decode speed of one input on one thread: plans the chunks, then
//! decodes every chunk's units (warm-up included) and nothing else. Prints
//! JSON: `{"codec", "width", "height", "pictures", "seconds", "fps"}`
//! (`bench/decode/run.mjs` runs it next to the same work in Chromium).
//!
//! `cargo run --release --example decode_speed -- INPUT.ts`
use std::time::Instant;

use fanout::pipeline::{Analyzer, Settings};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let input = std::env::args()
        .nth(1)
        .ok_or("usage: decode_speed INPUT.ts")?;
    let mut analyzer = Analyzer::new(Settings::default())?;
    analyzer.push(&std::fs::read(input)?)?;
    analyzer.finish()?;
    let job = analyzer.job_settings().ok_or("no video")?;
    let chunks: Vec<_> = std::iter::from_fn(|| analyzer.next_chunk()).collect();
    let start = Instant::now();
    let mut pictures = 0;
    for chunk in &chunks {
        pictures += fanout::job::decode_chunk(chunk, &job)?;
    }
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({
            "codec": job.codec.name(),
            "width": job.format.width,
            "height": job.format.height,
            "pictures": pictures,
            "seconds": seconds,
            "fps": pictures as f64 / seconds,
        })
    );
    Ok(())
}
