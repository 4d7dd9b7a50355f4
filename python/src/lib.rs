//! `fanout._fanout`: the Python face of the core, as thin as the wasm one.
//!
//! The same three pieces every face uses: [`Analyzer`] (input bytes in,
//! chunks and audio out), [`run_chunk`] (the pure chunk job, wire bytes in
//! and out: the function the Web Workers run) and [`Assembler`] (results
//! in any order, MP4 to a file). Settings travel as the same JSON the CLI
//! and the browser use (`pipeline::Settings`, `job::JobSettings`). Where
//! the chunk jobs run (a Ray cluster, a process pool) is the caller's
//! choice.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use fanout::audio::AudioTrackInfo;
use fanout::encode::Av1Preset;
use fanout::error::Error;
use fanout::pipeline::{self, AudioFrame, Settings};
use fanout::plan::TICKS_PER_SECOND;
use fanout::sink::FileSink;
use fanout::wire;
use pyo3::exceptions::{PyException, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

pyo3::create_exception!(
    fanout._fanout,
    FanoutError,
    PyException,
    "A transcode failed; `kind` names the core's error (e.g. \"Malformed\", \"UnsupportedCodec\")."
);
pyo3::create_exception!(
    fanout._fanout,
    ChunkError,
    FanoutError,
    "A chunk job failed on its data; `index`, `start` and `end` (seconds, `None` for the end of the input) name the chunk."
);

fn py_error(e: Error) -> PyErr {
    let err = FanoutError::new_err(e.to_string());
    Python::attach(|py| {
        let _ = err.value(py).setattr("kind", e.kind());
    });
    err
}

fn from_json<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> PyResult<T> {
    serde_json::from_str(text).map_err(|e| py_error(Error::InvalidSettings(format!("{what}: {e}"))))
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

fn seconds(pts: i64) -> f64 {
    pts as f64 / TICKS_PER_SECOND as f64
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The AV1 settings a preset (`"fast"`, `"balanced"`, `"small"`) stands
/// for, as JSON of `encode::Av1Settings`.
#[pyfunction]
fn av1_preset(name: &str) -> PyResult<String> {
    let preset = match name {
        "fast" => Av1Preset::Fast,
        "balanced" => Av1Preset::Balanced,
        "small" => Av1Preset::Small,
        other => {
            return Err(PyValueError::new_err(format!(
                "preset must be fast, balanced or small, not {other}"
            )))
        }
    };
    Ok(to_json(&preset.settings()))
}

/// Checks settings JSON (`pipeline::Settings`) and returns it in the
/// core's canonical form, every field present.
#[pyfunction]
fn check_settings(settings: &str) -> PyResult<String> {
    let parsed: Settings = from_json(settings, "settings")?;
    parsed.validate().map_err(py_error)?;
    Ok(to_json(&parsed))
}

/// One planned chunk: its wire bytes and what the driver needs to know.
#[pyclass(frozen, module = "fanout._fanout")]
struct Chunk {
    #[pyo3(get)]
    index: u32,
    /// Frames it outputs.
    #[pyo3(get)]
    frames: u64,
    /// Frames decoded only to rebuild references.
    #[pyo3(get)]
    warmup_frames: u64,
    /// Relative cost (the CLI starts the biggest first).
    #[pyo3(get)]
    work: f64,
    /// Source time of its first frame, seconds.
    #[pyo3(get)]
    start: f64,
    /// Source time where the next chunk starts (`None`: the last chunk).
    #[pyo3(get)]
    end: Option<f64>,
    data: Vec<u8>,
}

#[pymethods]
impl Chunk {
    /// The chunk's wire bytes (`wire::chunk_to_bytes`), for `run_chunk`.
    #[getter]
    fn data<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.data)
    }

    fn __len__(&self) -> usize {
        self.data.len()
    }

    fn __repr__(&self) -> String {
        let end = self.end.map_or("end".into(), |e| format!("{e:.2}"));
        format!(
            "<Chunk {} {:.2}-{end} s, {} frames, {} bytes>",
            self.index,
            self.start,
            self.frames,
            self.data.len()
        )
    }
}

/// Passed-through audio frames taken from an `Analyzer`, for an `Assembler`.
#[pyclass(frozen, module = "fanout._fanout")]
struct AudioFrames {
    frames: Mutex<Vec<AudioFrame>>,
}

#[pymethods]
impl AudioFrames {
    fn __len__(&self) -> usize {
        lock(&self.frames).len()
    }
}

/// Demux and chunk planning over input pieces (`pipeline::Analyzer`).
#[pyclass(frozen, module = "fanout._fanout")]
struct Analyzer {
    inner: Mutex<pipeline::Analyzer>,
}

#[pymethods]
impl Analyzer {
    /// `settings`: JSON of `pipeline::Settings`.
    #[new]
    fn new(settings: &str) -> PyResult<Self> {
        let settings: Settings = from_json(settings, "settings")?;
        Ok(Analyzer {
            inner: Mutex::new(pipeline::Analyzer::new(settings).map_err(py_error)?),
        })
    }

    /// Feeds the next piece of the input (any size; a few MiB is good).
    fn push(&self, py: Python<'_>, data: &[u8]) -> PyResult<()> {
        py.detach(|| lock(&self.inner).push(data)).map_err(py_error)
    }

    /// Ends the input.
    fn finish(&self) -> PyResult<()> {
        lock(&self.inner).finish().map_err(py_error)
    }

    /// Whether the duration limit means no more input is needed.
    fn done_reading(&self) -> bool {
        lock(&self.inner).done_reading()
    }

    /// The next chunk ready to be encoded, or `None`.
    fn next_chunk(&self, py: Python<'_>) -> Option<Chunk> {
        py.detach(|| {
            let chunk = lock(&self.inner).next_chunk()?;
            Some(Chunk {
                index: chunk.index,
                frames: chunk.output_frames() as u64,
                warmup_frames: chunk.warmup_frames() as u64,
                work: chunk.work(),
                start: seconds(chunk.start_pts),
                end: (chunk.end_pts != i64::MAX).then(|| seconds(chunk.end_pts)),
                data: wire::chunk_to_bytes(&chunk),
            })
        })
    }

    /// JSON of the job settings (`job::JobSettings`), once the stream's
    /// format is known (by the time the first chunk is out).
    fn job_settings(&self) -> Option<String> {
        lock(&self.inner).job_settings().map(|j| to_json(&j))
    }

    /// JSON array of the output's audio tracks (fixed once the first chunk
    /// is out).
    fn audio_info(&self) -> String {
        to_json(&lock(&self.inner).audio_info())
    }

    /// Takes the passed-through audio frames demuxed so far.
    fn take_audio(&self) -> AudioFrames {
        AudioFrames {
            frames: Mutex::new(lock(&self.inner).take_audio()),
        }
    }

    /// Warnings found since the last call, as text.
    fn take_warnings(&self) -> Vec<String> {
        lock(&self.inner)
            .take_warnings()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    /// JSON of the plan counters (`plan::PlanStats`).
    fn plan_stats(&self) -> String {
        to_json(&lock(&self.inner).plan_stats())
    }

    /// Input bytes pushed so far.
    #[getter]
    fn bytes_in(&self) -> u64 {
        lock(&self.inner).bytes_in()
    }

    /// Bytes held between calls (bounded by about one chunk).
    #[getter]
    fn buffered_bytes(&self) -> usize {
        lock(&self.inner).buffered_bytes()
    }
}

/// The chunk job: chunk wire bytes and job settings JSON in, encoded wire
/// bytes out; the same pure function the browser's chunk workers and the
/// CLI's threads run. Releases the GIL while it works. `progress`, when
/// given, is called with the frames done so far; returning `False`
/// cancels the job. A failure on the chunk's data raises `ChunkError`
/// naming the chunk's index and time range, worded as the CLI words it.
#[pyfunction]
#[pyo3(signature = (chunk, job_settings, progress=None))]
fn run_chunk<'py>(
    py: Python<'py>,
    chunk: &[u8],
    job_settings: &str,
    progress: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, PyBytes>> {
    let chunk = wire::chunk_from_bytes(chunk).map_err(py_error)?;
    let settings = from_json(job_settings, "job settings")?;
    let result = py.detach(|| {
        let mut report = |frames: u64| match &progress {
            None => true,
            Some(f) => Python::attach(|py| {
                f.call1(py, (frames,))
                    .map(|v| !v.bind(py).is(&*pyo3::types::PyBool::new(py, false)))
                    .unwrap_or(true)
            }),
        };
        fanout::job::run_chunk(&chunk, &settings, &mut report).map(|e| wire::encoded_to_bytes(&e))
    });
    match result {
        Ok(bytes) => Ok(PyBytes::new(py, &bytes)),
        Err(e) => {
            let error_kind = e.kind();
            let described =
                fanout::native::chunk_error(chunk.index, chunk.start_pts, chunk.end_pts, e);
            let err = match described {
                Error::Cancelled
                | Error::UnsupportedFeature(_)
                | Error::UnsupportedCodec { .. } => py_error(described),
                other => ChunkError::new_err(other.to_string()),
            };
            let value = err.value(py);
            value.setattr("kind", error_kind)?;
            value.setattr("index", chunk.index)?;
            value.setattr("start", seconds(chunk.start_pts))?;
            value.setattr(
                "end",
                (chunk.end_pts != i64::MAX).then(|| seconds(chunk.end_pts)),
            )?;
            Err(err)
        }
    }
}

/// Writes encoded chunks (any order) and audio to an MP4 file in order
/// (`pipeline::Assembler` over a `FileSink`: the payload is spooled to
/// `PATH.partial` and the file written when `finish` is called).
#[pyclass(frozen, module = "fanout._fanout")]
struct Assembler {
    inner: Mutex<Option<pipeline::Assembler<FileSink>>>,
}

impl Assembler {
    fn with<T>(
        &self,
        f: impl FnOnce(&mut pipeline::Assembler<FileSink>) -> fanout::Result<T>,
    ) -> PyResult<T> {
        let mut inner = lock(&self.inner);
        let asm = inner
            .as_mut()
            .ok_or_else(|| py_error(Error::Mux("assembler already finished".into())))?;
        f(asm).map_err(py_error)
    }
}

#[pymethods]
impl Assembler {
    /// `job_settings` and `audio_info`: JSON from the `Analyzer`;
    /// `container`: `"mp4"` (fast start) or `"fmp4"` (fragmented).
    #[new]
    #[pyo3(signature = (path, job_settings, audio_info, container="mp4"))]
    fn new(path: PathBuf, job_settings: &str, audio_info: &str, container: &str) -> PyResult<Self> {
        let job = from_json(job_settings, "job settings")?;
        let audio: Vec<AudioTrackInfo> = from_json(audio_info, "audio info")?;
        let container = from_json(&to_json(&container), "container")?;
        let sink = FileSink::create(&path).map_err(py_error)?;
        Ok(Assembler {
            inner: Mutex::new(Some(pipeline::Assembler::new(sink, job, audio, container))),
        })
    }

    /// Queues passed-through audio frames taken from the `Analyzer`.
    fn add_audio(&self, frames: &AudioFrames) -> PyResult<()> {
        let frames = std::mem::take(&mut *lock(&frames.frames));
        self.with(|asm| asm.add_audio(frames))
    }

    /// No more audio will come.
    fn end_of_audio(&self) -> PyResult<()> {
        self.with(|asm| asm.end_of_audio())
    }

    /// Adds an encoded chunk (`run_chunk`'s bytes), in any order.
    fn add_chunk(&self, py: Python<'_>, encoded: &[u8]) -> PyResult<()> {
        let chunk = wire::encoded_from_bytes(encoded).map_err(py_error)?;
        py.detach(|| self.with(|asm| asm.add_chunk(chunk)))
    }

    /// Chunks received but not yet written (waiting for an earlier one).
    #[getter]
    fn waiting(&self) -> PyResult<usize> {
        self.with(|asm| Ok(asm.waiting()))
    }

    /// Index of the next chunk to be written.
    #[getter]
    fn next_index(&self) -> PyResult<u32> {
        self.with(|asm| Ok(asm.next_index()))
    }

    /// Writes the rest and completes the file; `expected_chunks` guards
    /// against a lost chunk. Returns the summary as JSON
    /// (`pipeline::Summary`).
    fn finish(&self, py: Python<'_>, expected_chunks: u32) -> PyResult<String> {
        let asm = lock(&self.inner)
            .take()
            .ok_or_else(|| py_error(Error::Mux("assembler already finished".into())))?;
        let (summary, _sink) = py
            .detach(|| asm.finish(expected_chunks))
            .map_err(py_error)?;
        Ok(to_json(&summary))
    }
}

#[pymodule]
fn _fanout(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Analyzer>()?;
    m.add_class::<Chunk>()?;
    m.add_class::<AudioFrames>()?;
    m.add_class::<Assembler>()?;
    m.add_function(wrap_pyfunction!(run_chunk, m)?)?;
    m.add_function(wrap_pyfunction!(av1_preset, m)?)?;
    m.add_function(wrap_pyfunction!(check_settings, m)?)?;
    m.add("FanoutError", m.py().get_type::<FanoutError>())?;
    m.add("ChunkError", m.py().get_type::<ChunkError>())?;
    m.add("READ_PIECE", fanout::native::READ_PIECE)?;
    Ok(())
}
