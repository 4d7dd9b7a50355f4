//! Mux: encoded samples in, an MP4 file out.

pub mod mp4;

/// The output file's layout.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Container {
    /// One `moov` (written first: fast start) and one `mdat`. The sample
    /// table is only known at the end, so the payload is spooled and the
    /// header written in front of it when done.
    #[default]
    Mp4,
    /// Fragmented MP4: `moov` first, then one `moof` + `mdat` per chunk and
    /// an `mfra` index. Streams in order with no second pass.
    Fmp4,
}
