//! What untrusted input may make Fanout allocate: documented maxima, each
//! checked before the allocation it guards (Symphonia's `LimitError` idea).
//!
//! A transport stream is a stranger's file opened in a browser tab. Its
//! headers state sizes (picture dimensions, PES lengths, programs, tracks,
//! channels) and its structure implies others (how long a run of frames
//! without a random-access point gets, and so how much a chunk holds).
//! Every such size has a maximum here, generous for real files and small
//! enough that one chunk job fits a 32-bit WebAssembly instance; past it the
//! transcode stops with [`Error::Limit`] naming the limit and the value
//! ("picture 16384x16384 exceeds the 8192x4352 limit"), never with an
//! allocation failure that kills the worker.

use crate::error::{Error, Result};

/// Widest and tallest picture: H.264 and HEVC level 6.2's largest frame
/// (139,264 macroblocks, 35,651,584 luma samples), e.g. 8192x4352 or 7680x4320.
pub const MAX_PICTURE_SIDE: u32 = 8192;
/// Luma samples in one picture (8192x4352).
pub const MAX_PICTURE_SAMPLES: u64 = 8192 * 4352;
/// One video PES packet (a 4K intra frame is ~2 MB; H.264 level 6.2's
/// largest coded picture is about 30 MB).
pub const MAX_VIDEO_PES_BYTES: usize = 64 << 20;
/// One audio PES packet (broadcast carries one to a few frames of a few KB;
/// HLS packs up to a second of AAC).
pub const MAX_AUDIO_PES_BYTES: usize = 1 << 20;
/// One access unit, or the bytes of one start-code unit waiting for its end.
pub const MAX_ACCESS_UNIT_BYTES: usize = 64 << 20;
/// Programs a PAT may announce (a cable multiplex carries tens).
pub const MAX_PROGRAMS: usize = 256;
/// Audio tracks of the selected program (Blu-ray allows 32).
pub const MAX_AUDIO_TRACKS: usize = 32;
/// Channels of one audio track (7.1).
pub const MAX_AUDIO_CHANNELS: u16 = 8;
/// Audio sample rates Fanout decodes (LPCM reaches 192 kHz).
pub const AUDIO_SAMPLE_RATES: std::ops::RangeInclusive<u32> = 8_000..=192_000;
/// Access units in one chunk, warm-up included: frames from the chunk's
/// random-access point to its end. Five minutes at 30 frames per second; a
/// stream that goes longer without a random-access point cannot be cut.
pub const MAX_CHUNK_UNITS: usize = 9_000;
/// Compressed bytes of one chunk (what a worker receives and holds).
pub const MAX_CHUNK_BYTES: usize = 512 << 20;

/// The error for `what` at `value` past `limit`.
pub fn exceeded(what: &str, value: impl std::fmt::Display, limit: impl std::fmt::Display) -> Error {
    Error::Limit(format!("{what} {value} exceeds the {limit} limit"))
}

/// A picture size within [`MAX_PICTURE_SIDE`] and [`MAX_PICTURE_SAMPLES`].
pub fn check_picture(width: u32, height: u32) -> Result<()> {
    let samples = u64::from(width) * u64::from(height);
    if width > MAX_PICTURE_SIDE || height > MAX_PICTURE_SIDE || samples > MAX_PICTURE_SAMPLES {
        return Err(exceeded(
            "picture",
            format_args!("{width}x{height}"),
            format_args!(
                "8192x4352 ({MAX_PICTURE_SAMPLES} samples, no side over {MAX_PICTURE_SIDE})"
            ),
        ));
    }
    Ok(())
}

/// An audio track's channels and sample rate within the limits.
pub fn check_audio(channels: u16, sample_rate: u32) -> Result<()> {
    if channels > MAX_AUDIO_CHANNELS {
        return Err(exceeded(
            "audio track of",
            format_args!("{channels} channels"),
            format_args!("{MAX_AUDIO_CHANNELS}-channel"),
        ));
    }
    if !AUDIO_SAMPLE_RATES.contains(&sample_rate) {
        return Err(Error::Limit(format!(
            "audio sample rate {sample_rate} Hz is outside the {}–{} Hz limit",
            AUDIO_SAMPLE_RATES.start(),
            AUDIO_SAMPLE_RATES.end()
        )));
    }
    Ok(())
}

/// A chunk of `units` access units and `bytes` compressed bytes within
/// [`MAX_CHUNK_UNITS`] and [`MAX_CHUNK_BYTES`].
pub fn check_chunk(units: usize, bytes: usize) -> Result<()> {
    if units > MAX_CHUNK_UNITS {
        return Err(exceeded(
            "a run without a random-access point of",
            format_args!("{units} frames"),
            format_args!("{MAX_CHUNK_UNITS}-frame chunk"),
        ));
    }
    if bytes > MAX_CHUNK_BYTES {
        return Err(exceeded(
            "a run without a random-access point of",
            format_args!("{} MiB", bytes >> 20),
            format_args!("{} MiB chunk", MAX_CHUNK_BYTES >> 20),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pictures_up_to_level_6_2_pass() {
        for (w, h) in [
            (8192, 4352),
            (7680, 4320),
            (4352, 8192),
            (8192, 16),
            (1920, 1080),
        ] {
            assert!(check_picture(w, h).is_ok(), "{w}x{h}");
        }
    }

    #[test]
    fn larger_pictures_are_named() {
        let e = check_picture(16384, 16384).unwrap_err();
        assert_eq!(e.kind(), "Limit");
        assert!(
            e.to_string()
                .contains("picture 16384x16384 exceeds the 8192x4352"),
            "{e}"
        );
        assert!(check_picture(8193, 16).is_err());
        assert!(check_picture(8192, 4353).is_err());
    }

    #[test]
    fn audio_limits() {
        assert!(check_audio(8, 48_000).is_ok());
        assert!(check_audio(2, 192_000).is_ok());
        let e = check_audio(20, 48_000).unwrap_err().to_string();
        assert!(e.contains("20 channels exceeds the 8-channel limit"), "{e}");
        assert!(check_audio(2, 0).unwrap_err().to_string().contains("0 Hz"));
        assert!(check_audio(2, 384_000).is_err());
    }

    #[test]
    fn chunk_limits() {
        assert!(check_chunk(MAX_CHUNK_UNITS, MAX_CHUNK_BYTES).is_ok());
        let e = check_chunk(MAX_CHUNK_UNITS + 1, 0).unwrap_err().to_string();
        assert!(
            e.contains("9001 frames exceeds the 9000-frame chunk limit"),
            "{e}"
        );
        assert!(check_chunk(1, MAX_CHUNK_BYTES + 1).is_err());
    }
}
