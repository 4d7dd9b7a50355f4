//! Fanout: MPEG transport stream in, AV1 (or H.264) MP4 out, cut into
//! independent chunks that are encoded in parallel.
//!
//! The data flows through one module per stage:
//! source → [`demux`] → [`codec::h264`] (access units) → [`plan`] (chunks) →
//! [`job`] ([`decode`] → [`deinterlace`] → [`encode`]) → [`mux`] → [`sink`].
//! The core does no file I/O and starts no threads: [`pipeline::Analyzer`]
//! turns input bytes into chunks, [`job::run_chunk`] is the pure chunk job,
//! [`pipeline::Assembler`] writes the results in order to a [`sink::Sink`];
//! the faces (the CLI over `native`, the WebAssembly module over `wasm`)
//! decide where the chunk jobs run. [`survey::plan`] looks before it leaps:
//! the tracks and their fate, and each mode's time and size on this device.

pub mod audio;
pub mod checkpoint;
pub mod codec;
pub mod decode;
pub mod deinterlace;
pub mod demux;
pub mod encode;
pub mod error;
pub mod job;
pub mod limits;
pub mod mux;
#[cfg(all(feature = "cli", not(target_arch = "wasm32")))]
pub mod native;
pub mod picture;
pub mod pipeline;
pub mod plan;
pub mod sink;
pub mod survey;
#[cfg(target_arch = "wasm32")]
pub mod wasm;
pub mod wire;

pub use error::{Error, Result, Warning};

// Each wasm instance runs on one thread (a Web Worker), as talc's global
// mode requires.
#[cfg(all(target_arch = "wasm32", feature = "alloc-talc"))]
#[global_allocator]
static ALLOCATOR: talc::TalckWasm = unsafe { talc::TalckWasm::new_global() };
