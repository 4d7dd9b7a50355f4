//! Per chunk of each input: the source's bytes, the frame sizes of the
//! rate probe (the first `PROBE` output frames at rav1e speed 10) and of
//! the real encode (speed 9), both at one quantizer, as JSON lines: the data
//! `bench/size/predictors.py` fits the bitrate cap's predictor on.
//!
//! `cargo run --release --example rate_probe -- QUANTIZER PROBE INPUT.ts...`
//! (PROBE 0: only the source's output units, as (pts, bytes, random access)).
use fanout::encode::Av1Settings;
use fanout::job::{run_chunk, VideoMode};
use fanout::pipeline::{Analyzer, Settings};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [quantizer, probe, inputs @ ..] = &args[..] else {
        return Err("usage: rate_probe QUANTIZER PROBE INPUT.ts...".into());
    };
    let quantizer: u8 = quantizer.parse()?;
    let probe: usize = probe.parse()?;
    let av1 = Av1Settings {
        quantizer,
        bitrate_cap_percent: 0,
        ..Av1Settings::default()
    };
    for input in inputs {
        let mut settings = Settings {
            video: VideoMode::Av1(av1),
            ..Settings::default()
        };
        settings.audio.mode = fanout::audio::ingest::AudioMode::None;
        let mut analyzer = Analyzer::new(settings)?;
        analyzer.push(&std::fs::read(input)?)?;
        if analyzer.finish().is_err() {
            continue;
        }
        let job = analyzer.job_settings().ok_or("no video")?;
        while let Some(chunk) = analyzer.next_chunk() {
            let frames = chunk.output_frames();
            let source: usize = chunk.units.iter().map(|u| u.data.len()).sum();
            let mut output_pts: Vec<i64> = chunk
                .units
                .iter()
                .map(|u| u.pts)
                .filter(|&p| p >= chunk.start_pts && p < chunk.end_pts)
                .collect();
            output_pts.sort_unstable();
            let sizes =
                |chunk: &fanout::plan::Chunk, speed: u8| -> Result<Vec<usize>, fanout::Error> {
                    let job = fanout::job::JobSettings {
                        video: VideoMode::Av1(Av1Settings { speed, ..av1 }),
                        ..job
                    };
                    let encoded = run_chunk(chunk, &job, &mut |_| true)?;
                    Ok(encoded.samples.iter().map(|s| s.data.len()).collect())
                };
            if probe == 0 {
                // The source's units only (pts, bytes, random access), fast.
                let units: Vec<String> = chunk
                    .units
                    .iter()
                    .filter(|u| u.pts >= chunk.start_pts && u.pts < chunk.end_pts)
                    .map(|u| {
                        let rap = u.random_access.is_random_access();
                        format!("[{},{},{rap}]", u.pts, u.data.len())
                    })
                    .collect();
                println!(
                    "{{\"file\":{:?},\"chunk\":{},\"source_units\":[{}]}}",
                    input.rsplit('/').next().unwrap_or(input),
                    chunk.index,
                    units.join(",")
                );
                continue;
            }
            let mut head = chunk.clone();
            if let Some(&end) = output_pts.get(probe) {
                head.end_pts = end;
            }
            let probe_sizes = sizes(&head, 10)?;
            let real_sizes = sizes(&chunk, av1.speed)?;
            println!(
                "{{\"file\":{:?},\"chunk\":{},\"frames\":{frames},\"units\":{},\"source\":{source},\"probe\":{probe_sizes:?},\"real\":{real_sizes:?}}}",
                input.rsplit('/').next().unwrap_or(input),
                chunk.index,
                chunk.units.len(),
            );
        }
    }
    Ok(())
}
