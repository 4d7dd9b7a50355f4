//! The native face's engine: chunk jobs on a rayon pool, input read from a
//! file in pieces, output spooled to disk. The CLI is a thin layer over
//! [`transcode_file`]; tests and benchmarks call it directly.

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Instant;

use crate::checkpoint::{chunk_key, CheckpointDir};
use crate::error::{Error, Result};
use crate::job::{run_chunk, EncodedChunk};
use crate::pipeline::{Analyzer, Assembler, ChunkTiming, Settings, Summary};
use crate::plan::Chunk;
use crate::sink::{FileSink, Sink};

/// Input is read in pieces of this size: memory never grows with the file.
pub const READ_PIECE: usize = 4 * 1024 * 1024;

/// A snapshot for the progress display.
#[derive(Clone, Debug, Default)]
pub struct Progress {
    pub bytes_read: u64,
    pub input_bytes: Option<u64>,
    /// Frames planned so far (the total once reading is done).
    pub frames_planned: u64,
    pub reading_done: bool,
    pub frames_done: u64,
    pub chunks_planned: u64,
    pub chunks_done: u64,
    pub chunks_in_flight: usize,
    /// Chunks taken from an earlier run's checkpoints.
    pub chunks_restored: u64,
}

/// Runs a whole transcode from `input` to `output` with `jobs` parallel
/// chunk jobs (0 = one per core). `on_progress` is called from this thread
/// several times a second.
pub fn transcode_file(
    input: &Path,
    output: &Path,
    settings: &Settings,
    jobs: usize,
    cancel: Option<Arc<AtomicBool>>,
    on_progress: &mut dyn FnMut(&Progress),
) -> Result<Summary> {
    transcode_path(input, output, settings, jobs, cancel, None, on_progress)
}

/// A file to a file, with or without checkpoints.
fn transcode_path(
    input: &Path,
    output: &Path,
    settings: &Settings,
    jobs: usize,
    cancel: Option<Arc<AtomicBool>>,
    checkpoint: Option<&CheckpointDir>,
    on_progress: &mut dyn FnMut(&Progress),
) -> Result<Summary> {
    let mut file = File::open(input)?;
    let input_bytes = file.metadata().ok().map(|m| m.len());
    // The output is created only once the input is known to be usable.
    let sink = || FileSink::create(output);
    let (summary, _) = transcode(
        &mut file,
        input_bytes,
        sink,
        settings,
        jobs,
        cancel,
        checkpoint,
        on_progress,
    )?;
    Ok(summary)
}

/// [`transcode_file`] with every finished chunk checkpointed in a work
/// folder next to the output ([`CheckpointDir`]). With `resume`, chunks
/// already there from an interrupted run of the same input and settings
/// are used instead of encoded again; the output is the same bytes. The
/// folder is deleted when the transcode succeeds and kept when it fails or
/// is cancelled.
pub fn transcode_file_checkpointed(
    input: &Path,
    output: &Path,
    settings: &Settings,
    jobs: usize,
    cancel: Option<Arc<AtomicBool>>,
    resume: bool,
    on_progress: &mut dyn FnMut(&Progress),
) -> Result<Summary> {
    let checkpoint = CheckpointDir::open(output, input, settings, resume)?;
    let summary = transcode_path(
        input,
        output,
        settings,
        jobs,
        cancel,
        Some(&checkpoint),
        on_progress,
    )?;
    checkpoint.remove()?;
    Ok(summary)
}

/// The same over any reader and sink (`make_sink` is called once the input
/// has proved to be a usable stream).
#[allow(clippy::too_many_arguments)]
pub fn transcode<R: Read, S: Sink>(
    input: &mut R,
    input_bytes: Option<u64>,
    make_sink: impl FnOnce() -> Result<S>,
    settings: &Settings,
    jobs: usize,
    cancel: Option<Arc<AtomicBool>>,
    checkpoint: Option<&CheckpointDir>,
    on_progress: &mut dyn FnMut(&Progress),
) -> Result<(Summary, S)> {
    let started = Instant::now();
    let jobs = if jobs == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        jobs
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .thread_name(|i| format!("fanout-job-{i}"))
        .build()
        .map_err(|e| Error::Io(std::io::Error::other(e)))?;
    let cancel = cancel.unwrap_or_default();
    // Bounded: at most this many chunks are planned but not yet muxed.
    let max_in_flight = jobs * 2;
    let frames_done = Arc::new(AtomicU64::new(0));
    let (tx, rx) = mpsc::channel::<(ChunkTiming, Result<EncodedChunk>)>();
    let mut timeline = Vec::new();
    // Time on this thread in demux, planning and muxing: the serial part.
    let mut serial = std::time::Duration::ZERO;

    let mut analyzer = Analyzer::new(*settings)?;
    let mut assembler: Option<Assembler<S>> = None;
    let mut make_sink = Some(make_sink);
    let mut progress = Progress {
        input_bytes,
        ..Default::default()
    };
    let mut in_flight: HashMap<u32, (i64, i64)> = HashMap::new();
    let mut queue: std::collections::VecDeque<Chunk> = Default::default();
    let mut chunks_planned = 0u32;
    let mut warnings = Vec::new();
    let mut buf = vec![0u8; READ_PIECE];
    let mut reading = true;
    let mut last_report = Instant::now();

    loop {
        if cancel.load(Ordering::Relaxed) {
            return Err(Error::Cancelled);
        }
        // 1. Read while there is room for more chunks.
        if reading && queue.len() + in_flight.len() < max_in_flight {
            let n = read_full(input, &mut buf)?;
            let serial_start = Instant::now();
            if n == 0 || analyzer.done_reading() {
                analyzer.finish()?;
                reading = false;
                progress.reading_done = true;
            } else {
                analyzer.push(&buf[..n])?;
                progress.bytes_read += n as u64;
            }
            while let Some(chunk) = analyzer.next_chunk() {
                chunks_planned += 1;
                queue.push_back(chunk);
            }
            progress.frames_planned = analyzer.plan_stats().frames;
            progress.chunks_planned = u64::from(chunks_planned);
            warnings.extend(analyzer.take_warnings());
            serial += serial_start.elapsed();
        }
        // 2. The assembler exists once the stream's format is known.
        if assembler.is_none() {
            if let (Some(job), false) = (analyzer.job_settings(), queue.is_empty() && reading) {
                let audio = analyzer.audio_info();
                let make_sink = make_sink.take().expect("sink made once");
                assembler = Some(Assembler::new(make_sink()?, job, audio, settings.container));
            }
        }
        if let Some(asm) = &mut assembler {
            let serial_start = Instant::now();
            asm.add_audio(analyzer.take_audio())?;
            if !reading {
                asm.end_of_audio()?;
            }
            serial += serial_start.elapsed();
            // 3. Hand chunks to the pool.
            let job = analyzer
                .job_settings()
                .expect("known once the assembler exists");
            while in_flight.len() < jobs {
                // Biggest job first: the tail of a run is where cores idle.
                let Some(chunk) = take_biggest(&mut queue) else {
                    break;
                };
                // A result checkpointed by an earlier run is used as it is.
                let key = checkpoint.map(|_| chunk_key(&crate::wire::chunk_to_bytes(&chunk)));
                if let (Some(dir), Some(key)) = (checkpoint, &key) {
                    if let Some(encoded) = dir.load(chunk.index, key) {
                        progress.chunks_done += 1;
                        progress.chunks_restored += 1;
                        frames_done.fetch_add(chunk.output_frames() as u64, Ordering::Relaxed);
                        let serial_start = Instant::now();
                        asm.add_chunk(encoded)?;
                        serial += serial_start.elapsed();
                        continue;
                    }
                }
                let store = checkpoint.cloned().zip(key);
                in_flight.insert(chunk.index, (chunk.start_pts, chunk.end_pts));
                let tx = tx.clone();
                let frames_done = Arc::clone(&frames_done);
                let cancel = Arc::clone(&cancel);
                pool.spawn(move || {
                    let start = started.elapsed().as_secs_f64();
                    let mut timing = ChunkTiming {
                        index: chunk.index,
                        frames: chunk.output_frames() as u64,
                        warmup_frames: chunk.warmup_frames() as u64,
                        worker: rayon::current_thread_index().unwrap_or(0) as u32,
                        start,
                        end: start,
                    };
                    let mut last = 0;
                    let mut report = |n: u64| {
                        frames_done.fetch_add(n - last, Ordering::Relaxed);
                        last = n;
                        !cancel.load(Ordering::Relaxed)
                    };
                    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        run_chunk(&chunk, &job, &mut report)
                    }))
                    .unwrap_or_else(|panic| {
                        let what = panic
                            .downcast_ref::<&str>()
                            .map(|s| s.to_string())
                            .or_else(|| panic.downcast_ref::<String>().cloned())
                            .unwrap_or_default();
                        Err(Error::Encoder(format!("internal error (panic: {what})")))
                    });
                    // Checkpointed here, in parallel, before it counts as done.
                    let result = match (result, store) {
                        (Ok(encoded), Some((dir, key))) => {
                            dir.store(&key, &encoded).map(|()| encoded)
                        }
                        (result, _) => result,
                    };
                    timing.end = started.elapsed().as_secs_f64();
                    let _ = tx.send((timing, result));
                });
            }
        }
        progress.chunks_in_flight = in_flight.len();
        // 4. Collect results; block only when nothing else can move.
        let can_read = reading && queue.len() + in_flight.len() < max_in_flight;
        let result = if can_read {
            rx.try_recv().ok()
        } else if in_flight.is_empty() {
            None
        } else {
            rx.recv_timeout(std::time::Duration::from_millis(200)).ok()
        };
        if let Some((timing, result)) = result {
            let index = timing.index;
            let (start, end) = in_flight.remove(&index).unwrap_or((0, 0));
            let encoded = result.map_err(|e| chunk_error(index, start, end, e))?;
            progress.chunks_done += 1;
            timeline.push(timing);
            if let Some(asm) = &mut assembler {
                let serial_start = Instant::now();
                asm.add_chunk(encoded)?;
                serial += serial_start.elapsed();
            }
        }
        progress.frames_done = frames_done.load(Ordering::Relaxed);
        if last_report.elapsed().as_millis() >= 100 {
            on_progress(&progress);
            last_report = Instant::now();
        }
        if !reading && queue.is_empty() && in_flight.is_empty() {
            break;
        }
        if !reading && assembler.is_none() && !queue.is_empty() {
            // Chunks but no stream format: cannot happen (the analyzer skips
            // units before the format is known); fail rather than spin.
            return Err(Error::NoDecodableFrame(
                "no usable sequence header for the planned chunks".into(),
            ));
        }
    }
    on_progress(&progress);
    let assembler =
        assembler.ok_or_else(|| Error::NoDecodableFrame("no video frames found".into()))?;
    let serial_start = Instant::now();
    let (mut summary, sink) = assembler.finish(chunks_planned)?;
    serial += serial_start.elapsed();
    timeline.sort_by_key(|t| t.index);
    summary.timeline = timeline;
    summary.serial_seconds = serial.as_secs_f64();
    let plan = analyzer.plan_stats();
    summary.input_bytes = analyzer.bytes_in();
    summary.skipped_leading_frames = plan.skipped_leading_frames;
    warnings.extend(analyzer.take_warnings());
    summary.warnings = warnings;
    summary.wall_seconds = started.elapsed().as_secs_f64();
    summary.restored_chunks = progress.chunks_restored;
    Ok((summary, sink))
}

/// Removes the chunk with the most work (the earliest among equals).
fn take_biggest(queue: &mut std::collections::VecDeque<Chunk>) -> Option<Chunk> {
    let (at, _) = queue
        .iter()
        .enumerate()
        .max_by(|(i, a), (j, b)| a.work().total_cmp(&b.work()).then(j.cmp(i)))?;
    queue.remove(at)
}

/// A chunk job's error, naming the chunk and its source time range (how
/// every face reports a chunk that failed on its data).
pub fn chunk_error(index: u32, start: i64, end: i64, error: Error) -> Error {
    match error {
        Error::Cancelled => Error::Cancelled,
        Error::UnsupportedFeature(_) | Error::UnsupportedCodec { .. } => error,
        other => {
            let end = if end == i64::MAX {
                "end".to_string()
            } else {
                format!("{:.2} s", end as f64 / 90_000.0)
            };
            Error::Encoder(format!(
                "chunk {index} (source time {:.2} s to {end}) failed: {other}",
                start as f64 / 90_000.0
            ))
        }
    }
}

fn read_full<R: Read>(input: &mut R, buf: &mut [u8]) -> Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match input.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(filled)
}

/// A worker's speed with every job running against one alone, natively:
/// `bench/ray` measured 1.93× for 2 jobs on 2 cores (0.97).
pub const NATIVE_PARALLEL_EFFICIENCY: f64 = 0.95;

/// [`crate::survey::plan`] for a file: reads its head and tail only.
pub fn plan_file(
    input: &Path,
    settings: &Settings,
    jobs: usize,
    goal: crate::survey::Goal,
) -> Result<crate::survey::Plan> {
    use std::io::{Seek, SeekFrom};
    let mut file = File::open(input)?;
    let input_bytes = file.metadata()?.len();
    let ((_, head_end), (tail_start, tail_end)) = crate::survey::head_and_tail_ranges(input_bytes);
    let mut head = vec![0; head_end as usize];
    file.read_exact(&mut head)?;
    let mut read_range = |(start, end): (u64, u64)| -> Result<Vec<u8>> {
        let mut bytes = vec![0; (end - start) as usize];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(&mut bytes)?;
        Ok(bytes)
    };
    let tail = read_range((tail_start, tail_end))?;
    let windows = crate::survey::probe_windows(input_bytes)
        .into_iter()
        .map(&mut read_range)
        .collect::<Result<Vec<_>>>()?;
    let windows: Vec<&[u8]> = windows.iter().map(Vec::as_slice).collect();
    let workers = if jobs == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        jobs
    };
    let options = crate::survey::PlanOptions {
        workers,
        parallel_efficiency: NATIVE_PARALLEL_EFFICIENCY,
        goal,
    };
    let clock = Instant::now();
    crate::survey::plan(
        &head,
        &tail,
        &windows,
        input_bytes,
        settings,
        &options,
        &mut || clock.elapsed().as_secs_f64(),
    )
}
