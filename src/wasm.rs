//! The browser face: thin wasm-bindgen wrappers over the same core the CLI
//! uses. JavaScript owns the threads (one Web Worker per chunk job, each
//! with its own wasm instance and memory) and the I/O (`Blob.slice` in,
//! `Blob` parts out); this module only moves bytes in and out.

use wasm_bindgen::prelude::*;

use crate::audio::AudioTrackInfo;
use crate::error::Error;
use crate::job::run_chunk;
use crate::pipeline::{Analyzer, Assembler, AudioFrame, Settings};
use crate::sink::Sink;
use crate::wire;

fn js_error(e: Error) -> JsValue {
    let err = js_sys::Error::new(&e.to_string());
    err.set_name(e.kind());
    err.into()
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

fn from_json<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T, JsValue> {
    serde_json::from_str(text).map_err(|e| js_error(Error::InvalidSettings(format!("{what}: {e}"))))
}

/// Demux and chunk planning over input pieces (runs in the coordinator worker).
#[wasm_bindgen]
pub struct WasmAnalyzer {
    inner: Analyzer,
}

#[wasm_bindgen]
impl WasmAnalyzer {
    /// `settings`: JSON of `pipeline::Settings`.
    #[wasm_bindgen(constructor)]
    pub fn new(settings: &str) -> Result<WasmAnalyzer, JsValue> {
        let settings: Settings = from_json(settings, "settings")?;
        Ok(WasmAnalyzer {
            inner: Analyzer::new(settings).map_err(js_error)?,
        })
    }

    /// Feeds the next piece of the file.
    pub fn push(&mut self, bytes: &[u8]) -> Result<(), JsValue> {
        self.inner.push(bytes).map_err(js_error)
    }

    /// Ends the input.
    pub fn finish(&mut self) -> Result<(), JsValue> {
        self.inner.finish().map_err(js_error)
    }

    /// Whether the duration limit means no more input is needed.
    #[wasm_bindgen(js_name = doneReading)]
    pub fn done_reading(&self) -> bool {
        self.inner.done_reading()
    }

    /// The next chunk as wire bytes, with its frame count and time range
    /// in a JSON header: `[json, bytes]`, or `undefined`.
    #[wasm_bindgen(js_name = nextChunk)]
    pub fn next_chunk(&mut self) -> Option<js_sys::Array> {
        let chunk = self.inner.next_chunk()?;
        let info = serde_json::json!({
            "index": chunk.index,
            "frames": chunk.output_frames(),
            "warmupFrames": chunk.warmup_frames(),
            "work": chunk.work(),
            "start": chunk.start_pts as f64 / 90_000.0,
            "end": if chunk.end_pts == i64::MAX { None } else { Some(chunk.end_pts as f64 / 90_000.0) },
            "span": chunk.span() as f64 / 90_000.0,
        });
        let bytes = wire::chunk_to_bytes(&chunk);
        let out = js_sys::Array::new();
        out.push(&JsValue::from_str(&info.to_string()));
        out.push(&js_sys::Uint8Array::from(bytes.as_slice()));
        Some(out)
    }

    /// JSON of the job settings, once the stream format is known.
    #[wasm_bindgen(js_name = jobSettings)]
    pub fn job_settings(&self) -> Option<String> {
        self.inner.job_settings().map(|j| json(&j))
    }

    /// JSON array of the output's audio tracks (fixed once the first chunk
    /// is out).
    #[wasm_bindgen(js_name = audioInfo)]
    pub fn audio_info(&mut self) -> String {
        json(&self.inner.audio_info())
    }

    /// Passed-through audio frames demuxed so far, in the wire form
    /// `[track u32][pts i64][len u32][bytes]…`.
    #[wasm_bindgen(js_name = takeAudio)]
    pub fn take_audio(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        for f in self.inner.take_audio() {
            out.extend_from_slice(&f.track.to_le_bytes());
            out.extend_from_slice(&f.pts.to_le_bytes());
            out.extend_from_slice(&(f.data.len() as u32).to_le_bytes());
            out.extend_from_slice(&f.data);
        }
        out
    }

    /// JSON array of warnings found since the last call.
    #[wasm_bindgen(js_name = takeWarnings)]
    pub fn take_warnings(&mut self) -> String {
        json(&self.inner.take_warnings())
    }

    /// JSON of the plan counters.
    #[wasm_bindgen(js_name = planStats)]
    pub fn plan_stats(&self) -> String {
        json(&self.inner.plan_stats())
    }
}

/// The chunk job: wire bytes in, wire bytes out (runs in a chunk worker).
/// `progress(framesDone)` is called per frame; returning `false` cancels.
#[wasm_bindgen(js_name = runChunk)]
pub fn run_chunk_bytes(
    chunk: &[u8],
    job_settings: &str,
    progress: &js_sys::Function,
) -> Result<Vec<u8>, JsValue> {
    let chunk = wire::chunk_from_bytes(chunk).map_err(js_error)?;
    let settings = from_json(job_settings, "job settings")?;
    let mut report = |frames: u64| {
        progress
            .call1(&JsValue::NULL, &JsValue::from_f64(frames as f64))
            .map(|v| v.as_bool() != Some(false))
            .unwrap_or(true)
    };
    let encoded = run_chunk(&chunk, &settings, &mut report).map_err(js_error)?;
    Ok(wire::encoded_to_bytes(&encoded))
}

/// The checkpoint key of a chunk's wire bytes ([`crate::checkpoint::chunk_key`]).
#[wasm_bindgen(js_name = chunkKey)]
pub fn chunk_key(chunk: &[u8]) -> String {
    crate::checkpoint::chunk_key(chunk)
}

/// Whether `bytes` is a whole, readable encoded result of chunk `index`
/// (a checkpoint that may be stale or cut short is checked before use).
#[wasm_bindgen(js_name = isEncodedChunk)]
pub fn is_encoded_chunk(bytes: &[u8], index: u32) -> bool {
    wire::encoded_from_bytes(bytes).is_ok_and(|c| c.index == index)
}

/// Decodes a chunk's video only (for the decode benchmark); returns the
/// number of pictures.
#[wasm_bindgen(js_name = decodeChunk)]
pub fn decode_chunk_bytes(chunk: &[u8], job_settings: &str) -> Result<f64, JsValue> {
    let chunk = wire::chunk_from_bytes(chunk).map_err(js_error)?;
    let settings = from_json(job_settings, "job settings")?;
    Ok(crate::job::decode_chunk(&chunk, &settings).map_err(js_error)? as f64)
}

/// Collects the payload for JavaScript to turn into `Blob` parts.
#[derive(Default)]
struct PartsSink {
    pending: Vec<u8>,
    header: Option<Vec<u8>>,
}

impl Sink for PartsSink {
    fn write_payload(&mut self, bytes: &[u8]) -> crate::Result<()> {
        self.pending.extend_from_slice(bytes);
        Ok(())
    }

    fn finish(&mut self, header: &[u8]) -> crate::Result<()> {
        self.header = Some(header.to_vec());
        Ok(())
    }
}

/// Muxes encoded chunks in order (runs in the coordinator worker).
#[wasm_bindgen]
pub struct WasmAssembler {
    inner: Option<Assembler<PartsSink>>,
    summary: Option<String>,
}

#[wasm_bindgen]
impl WasmAssembler {
    #[wasm_bindgen(constructor)]
    /// `container`: `"mp4"` (fast start) or `"fmp4"` (fragmented).
    pub fn new(
        job_settings: &str,
        audio_info: &str,
        container: &str,
    ) -> Result<WasmAssembler, JsValue> {
        let job = from_json(job_settings, "job settings")?;
        let audio: Vec<AudioTrackInfo> = from_json(audio_info, "audio info")?;
        let container = from_json(&format!("{container:?}"), "container")?;
        Ok(WasmAssembler {
            inner: Some(Assembler::new(PartsSink::default(), job, audio, container)),
            summary: None,
        })
    }

    fn assembler(&mut self) -> Result<&mut Assembler<PartsSink>, JsValue> {
        self.inner
            .as_mut()
            .ok_or_else(|| js_error(Error::Mux("assembler already finished".into())))
    }

    /// Adds audio in the form `WasmAnalyzer::takeAudio` gives it. Returns
    /// the payload bytes that became ready (chunks waiting for this audio).
    #[wasm_bindgen(js_name = addAudio)]
    pub fn add_audio(&mut self, bytes: &[u8]) -> Result<Vec<u8>, JsValue> {
        let mut frames = Vec::new();
        let mut pos = 0;
        while pos + 16 <= bytes.len() {
            let track = u32::from_le_bytes(bytes[pos..pos + 4].try_into().expect("4 bytes"));
            let pts = i64::from_le_bytes(bytes[pos + 4..pos + 12].try_into().expect("8 bytes"));
            let len =
                u32::from_le_bytes(bytes[pos + 12..pos + 16].try_into().expect("4 bytes")) as usize;
            let data = bytes
                .get(pos + 16..pos + 16 + len)
                .ok_or_else(|| js_error(Error::Malformed("audio bytes cut short".into())))?;
            frames.push(AudioFrame {
                track,
                data: data.to_vec(),
                pts,
            });
            pos += 16 + len;
        }
        let asm = self.assembler()?;
        asm.add_audio(frames).map_err(js_error)?;
        Ok(std::mem::take(&mut asm.sink_mut().pending))
    }

    /// No more audio will come. Returns the payload bytes that became ready.
    #[wasm_bindgen(js_name = endOfAudio)]
    pub fn end_of_audio(&mut self) -> Result<Vec<u8>, JsValue> {
        let asm = self.assembler()?;
        asm.end_of_audio().map_err(js_error)?;
        Ok(std::mem::take(&mut asm.sink_mut().pending))
    }

    /// Adds an encoded chunk (wire bytes, any order). Returns the payload
    /// bytes that became ready, to append to the output as one part.
    #[wasm_bindgen(js_name = addChunk)]
    pub fn add_chunk(&mut self, bytes: &[u8]) -> Result<Vec<u8>, JsValue> {
        let encoded = wire::encoded_from_bytes(bytes).map_err(js_error)?;
        let asm = self.assembler()?;
        asm.add_chunk(encoded).map_err(js_error)?;
        Ok(std::mem::take(&mut asm.sink_mut().pending))
    }

    /// Writes the remaining audio; returns `[header, lastPayloadPart]`.
    /// The file is `header ++ all payload parts in order`.
    pub fn finish(&mut self, expected_chunks: u32) -> Result<js_sys::Array, JsValue> {
        let asm = self
            .inner
            .take()
            .ok_or_else(|| js_error(Error::Mux("assembler already finished".into())))?;
        let (summary, sink) = asm.finish(expected_chunks).map_err(js_error)?;
        self.summary = Some(json(&summary));
        let out = js_sys::Array::new();
        let header = sink.header.unwrap_or_default();
        out.push(&js_sys::Uint8Array::from(header.as_slice()));
        out.push(&js_sys::Uint8Array::from(sink.pending.as_slice()));
        Ok(out)
    }

    /// JSON of the summary, after `finish`.
    pub fn summary(&self) -> Option<String> {
        self.summary.clone()
    }
}

/// [`crate::survey::plan`] for the page: the input's head and tail bytes
/// (the ranges of `survey::head_and_tail_ranges`), its size, the settings
/// JSON and the plan options JSON (`{workers, parallel_efficiency, goal}`);
/// `now()` is the page's clock in milliseconds. Returns the plan's JSON.
#[wasm_bindgen(js_name = planInput)]
pub fn plan_input(
    head: &[u8],
    tail: &[u8],
    windows: js_sys::Array,
    input_bytes: f64,
    settings: &str,
    options: &str,
    now: &js_sys::Function,
) -> Result<String, JsValue> {
    let settings: Settings = from_json(settings, "settings")?;
    let options: crate::survey::PlanOptions = from_json(options, "plan options")?;
    let mut clock = || {
        now.call0(&JsValue::NULL)
            .ok()
            .and_then(|v| v.as_f64())
            .unwrap_or(0.0)
            / 1000.0
    };
    let windows: Vec<Vec<u8>> = windows
        .iter()
        .map(|w| js_sys::Uint8Array::new(&w).to_vec())
        .collect();
    let windows: Vec<&[u8]> = windows.iter().map(Vec::as_slice).collect();
    let plan = crate::survey::plan(
        head,
        tail,
        &windows,
        input_bytes as u64,
        &settings,
        &options,
        &mut clock,
    )
    .map_err(js_error)?;
    Ok(json(&plan))
}

/// The byte ranges [`plan_input`] wants: `[headEnd, tailStart, window0Start,
/// window0End, …]`.
#[wasm_bindgen(js_name = planRanges)]
pub fn plan_ranges(input_bytes: f64) -> Vec<f64> {
    let input_bytes = input_bytes as u64;
    let ((_, head_end), (tail_start, _)) = crate::survey::head_and_tail_ranges(input_bytes);
    let mut out = vec![head_end as f64, tail_start as f64];
    for (start, end) in crate::survey::probe_windows(input_bytes) {
        out.extend([start as f64, end as f64]);
    }
    out
}
