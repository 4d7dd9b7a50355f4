//! Writes every chunk job's encoded result (wire format) for an input, to
//! compare native and WebAssembly output chunk by chunk
//! (`bench/wasm-alloc/chunks.mjs` writes the wasm side).
//!
//! `[ONLY=3,4] cargo run --release --example chunk_bytes -- INPUT.ts OUT_DIR [settings JSON]`
use fanout::pipeline::{Analyzer, Settings};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, out, rest @ ..] = &args[..] else {
        return Err("usage: chunk_bytes INPUT.ts OUT_DIR [settings JSON]".into());
    };
    let settings: Settings = match rest.first() {
        Some(json) => serde_json::from_str(json)?,
        None => Settings::default(),
    };
    std::fs::create_dir_all(out)?;
    let mut analyzer = Analyzer::new(settings)?;
    analyzer.push(&std::fs::read(input)?)?;
    analyzer.finish()?;
    let job = analyzer.job_settings().ok_or("no video")?;
    // ONLY=3,4 runs just those chunks.
    let only: Option<Vec<u32>> = std::env::var("ONLY")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.parse().ok()).collect());
    while let Some(chunk) = analyzer.next_chunk() {
        if only.as_ref().is_some_and(|o| !o.contains(&chunk.index)) {
            continue;
        }
        let encoded = fanout::job::run_chunk(&chunk, &job, &mut |_| true)?;
        let bytes = fanout::wire::encoded_to_bytes(&encoded);
        std::fs::write(format!("{out}/{:04}.bin", chunk.index), bytes)?;
        println!("chunk {} frames {}", chunk.index, encoded.samples.len());
    }
    Ok(())
}
