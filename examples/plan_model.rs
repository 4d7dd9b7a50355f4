//! Models what split-anywhere and longest-first scheduling gain, from the
//! chunk plans alone (no encoding): for each input, the plan with chunks at
//! keyframes only and with split-anywhere, then a list-scheduling
//! simulation of N workers with the runner's rules (chunks planned in order,
//! at most 2 per worker planned but unfinished, a free worker takes the
//! oldest or the biggest waiting chunk). A chunk's cost is its output frames
//! plus its warm-up frames at 1/20 (decoding vs rav1e encoding).
//!
//! `cargo run --release --example plan_model -- [--chunk-seconds S] INPUT.ts...`
//!
//! Prints a Markdown table; the numbers are modelled, not measured.
use fanout::pipeline::{Analyzer, Settings, Split};
use fanout::plan::Chunk;

#[derive(Clone, Copy)]
enum Pick {
    Oldest,
    Biggest,
}

fn plan(path: &str, split: Split, chunk_seconds: f64) -> Result<Vec<Chunk>, String> {
    let settings = Settings {
        split,
        chunk_seconds,
        ..Settings::default()
    };
    let mut analyzer = Analyzer::new(settings).map_err(|e| e.to_string())?;
    let mut chunks = Vec::new();
    let data = std::fs::read(path).map_err(|e| e.to_string())?;
    for piece in data.chunks(4 << 20) {
        analyzer.push(piece).map_err(|e| e.to_string())?;
        chunks.extend(std::iter::from_fn(|| analyzer.next_chunk()));
        let _ = analyzer.take_audio();
    }
    analyzer.finish().map_err(|e| e.to_string())?;
    chunks.extend(std::iter::from_fn(|| analyzer.next_chunk()));
    Ok(chunks)
}

/// Makespan of `costs` (in plan order) on `workers`, in cost units.
fn makespan(costs: &[f64], workers: usize, pick: Pick) -> f64 {
    let mut free_at = vec![0.0f64; workers];
    // (finish time) of chunks started and not finished, to bound the window.
    let mut running: Vec<f64> = Vec::new();
    let mut waiting: Vec<f64> = Vec::new();
    let mut next = 0;
    let mut now = 0.0f64;
    loop {
        running.retain(|&end| end > now);
        while next < costs.len() && waiting.len() + running.len() < 2 * workers {
            waiting.push(costs[next]);
            next += 1;
        }
        if waiting.is_empty() && next >= costs.len() {
            break;
        }
        // The earliest free worker takes a chunk now.
        let (w, &t) = free_at
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(b.1))
            .expect("workers");
        now = now.max(t);
        running.retain(|&end| end > now);
        while next < costs.len() && waiting.len() + running.len() < 2 * workers {
            waiting.push(costs[next]);
            next += 1;
        }
        let at = match pick {
            Pick::Oldest => 0,
            Pick::Biggest => (0..waiting.len())
                .max_by(|&a, &b| waiting[a].total_cmp(&waiting[b]).then(b.cmp(&a)))
                .expect("non-empty"),
        };
        let cost = waiting.remove(at);
        free_at[w] = now + cost;
        running.push(now + cost);
    }
    free_at.into_iter().fold(0.0, f64::max)
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut chunk_seconds = 2.0;
    if let Some(i) = args.iter().position(|a| a == "--chunk-seconds") {
        chunk_seconds = args[i + 1].parse().expect("seconds");
        args.drain(i..=i + 1);
    }
    let workers = [2usize, 8, 16];
    println!(
        "| input | split | chunks | largest chunk (frames) | warm-up (% of frames) | {} |",
        workers
            .iter()
            .map(|n| format!("speedup on {n} workers: oldest first / biggest first"))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    println!("|---|---|---|---|---|{}", "---|".repeat(workers.len()));
    for path in &args {
        let name = path.rsplit('/').next().unwrap_or(path);
        for (label, split) in [
            ("keyframes", Split::Keyframes),
            ("anywhere", Split::Anywhere),
        ] {
            let chunks = match plan(path, split, chunk_seconds) {
                Ok(c) if !c.is_empty() => c,
                Ok(_) => continue,
                Err(e) => {
                    println!(
                        "| {name} | {label} | error: {e} | | |{}",
                        " |".repeat(workers.len())
                    );
                    break;
                }
            };
            let costs: Vec<f64> = chunks.iter().map(Chunk::work).collect();
            let frames: usize = chunks.iter().map(Chunk::output_frames).sum();
            let warmup: usize = chunks.iter().map(Chunk::warmup_frames).sum();
            let largest = chunks.iter().map(Chunk::output_frames).max().unwrap_or(0);
            // Speedup against one worker doing every frame once (no warm-up).
            let serial = frames as f64;
            let cells: Vec<String> = workers
                .iter()
                .map(|&n| {
                    format!(
                        "{:.2} / {:.2}",
                        serial / makespan(&costs, n, Pick::Oldest),
                        serial / makespan(&costs, n, Pick::Biggest)
                    )
                })
                .collect();
            println!(
                "| {name} | {label} | {} | {largest} | {:.1} | {} |",
                chunks.len(),
                100.0 * warmup as f64 / frames.max(1) as f64,
                cells.join(" | ")
            );
        }
    }
}
