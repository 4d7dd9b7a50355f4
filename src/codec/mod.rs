//! Elementary-stream formats: H.264 analysis and AAC in ADTS.

pub mod adts;
pub mod h264;
