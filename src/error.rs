//! One error type for the whole pipeline, grouped by what the caller can do next.

use std::fmt;

/// Everything that can stop a transcode.
///
/// Messages are written for the person who dropped the file: they name the
/// problem and, where it helps, the byte offset, PID or frame.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading the input or writing the output failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The input is not an MPEG transport stream at all.
    #[error("not an MPEG transport stream: {0}")]
    NotTransportStream(String),
    /// The transport stream carries no video stream.
    #[error("no video stream found in the transport stream{0}")]
    NoVideo(String),
    /// The video stream uses a codec Fanout cannot decode.
    #[error("unsupported video codec: {codec} (PID {pid:#06x}); Fanout decodes H.264, HEVC and MPEG-2 video")]
    UnsupportedCodec {
        /// Human name of the codec, e.g. "MPEG-2 video".
        codec: String,
        /// PID of the elementary stream.
        pid: u16,
    },
    /// The video stream uses a feature outside what the decoders support.
    #[error("unsupported feature: {0}")]
    UnsupportedFeature(String),
    /// Nothing in the stream could be decoded into a picture.
    #[error("no decodable video frame: {0}")]
    NoDecodableFrame(String),
    /// The input is damaged beyond recovery in a way the message describes.
    #[error("malformed input: {0}")]
    Malformed(String),
    /// The input asks for more than a documented limit allows (picture
    /// size, PES or chunk length, tracks, channels: see [`crate::limits`]).
    #[error("limit: {0}")]
    Limit(String),
    /// Settings out of range.
    #[error("invalid setting: {0}")]
    InvalidSettings(String),
    /// The encoder refused its configuration or failed.
    #[error("encoder error: {0}")]
    Encoder(String),
    /// Writing the MP4 failed.
    #[error("mp4 mux error: {0}")]
    Mux(String),
    /// The user cancelled the transcode.
    #[error("cancelled")]
    Cancelled,
}

impl Error {
    /// A short name of the error's kind, as the faces report it (the
    /// browser's `Error.name`, the Python exception's `kind`).
    pub fn kind(&self) -> &'static str {
        match self {
            Error::NotTransportStream(_) => "NotTransportStream",
            Error::NoVideo(_) => "NoVideo",
            Error::UnsupportedCodec { .. } => "UnsupportedCodec",
            Error::UnsupportedFeature(_) => "UnsupportedFeature",
            Error::NoDecodableFrame(_) => "NoDecodableFrame",
            Error::Malformed(_) => "Malformed",
            Error::Limit(_) => "Limit",
            Error::InvalidSettings(_) => "InvalidSettings",
            Error::Cancelled => "Cancelled",
            _ => "Error",
        }
    }
}

/// Shorthand used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A non-fatal problem found while working: reported, never silently dropped.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Warning {
    /// Byte offset in the input where the problem was seen, when known.
    pub offset: Option<u64>,
    /// What happened, in plain words.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.offset {
            Some(offset) => write!(f, "{} (at byte {offset})", self.message),
            None => f.write_str(&self.message),
        }
    }
}
