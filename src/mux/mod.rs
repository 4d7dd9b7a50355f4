//! Mux: encoded samples in, an MP4 file out.

pub mod mp4;
