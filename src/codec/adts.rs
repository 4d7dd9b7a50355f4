//! AAC in ADTS (Audio Data Transport Stream) framing, as carried in MPEG-TS
//! PES packets (stream_type 0x0F).
//!
//! [`AdtsHeader::parse`] reads one fixed + variable header;
//! [`split_frames`] cuts a PES payload of concatenated ADTS frames into raw
//! AAC frames, which is what an MP4 `mp4a` track stores, and
//! [`AdtsHeader::audio_specific_config`] gives the matching `esds`
//! configuration.
//!
//! Nothing here panics on malformed input: every problem is an
//! [`AdtsError`] naming the byte offset where it was found.

/// Sampling frequencies indexed by `sampling_frequency_index` (ISO/IEC
/// 14496-3 Table 1.18). Indices 13 and 14 are reserved and 15 (explicit
/// frequency) is not allowed in ADTS.
const SAMPLE_RATES: [u32; 13] = [
    96_000, 88_200, 64_000, 48_000, 44_100, 32_000, 24_000, 22_050, 16_000, 12_000, 11_025, 8_000,
    7_350,
];

/// Length of the ADTS header without CRC.
const HEADER_LEN: usize = 7;
/// Length of the ADTS header with the 16-bit CRC.
const HEADER_LEN_CRC: usize = 9;

/// Errors from parsing ADTS data. Each names the byte offset (within the
/// buffer given to [`split_frames`], or 0 for [`AdtsHeader::parse`]) of the
/// frame that is at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AdtsError {
    /// The 12-bit sync word 0xFFF is not where a frame should start.
    #[error("ADTS: no sync word at byte {offset}")]
    NoSync {
        /// Byte offset of the expected frame start.
        offset: usize,
    },
    /// Fewer bytes than a header needs.
    #[error("ADTS: header at byte {offset} truncated: {available} of {needed} bytes")]
    Truncated {
        /// Byte offset of the frame start.
        offset: usize,
        /// Bytes needed for the header.
        needed: usize,
        /// Bytes available.
        available: usize,
    },
    /// The layer field must be 0 in ADTS (non-zero means MPEG-1/2 Layer I-III audio).
    #[error("ADTS: layer {layer} at byte {offset}, must be 0")]
    BadLayer {
        /// Byte offset of the frame start.
        offset: usize,
        /// The layer value found.
        layer: u8,
    },
    /// Reserved or explicit (escape) sampling frequency index.
    #[error("ADTS: invalid sampling frequency index {index} at byte {offset}")]
    BadSampleRate {
        /// Byte offset of the frame start.
        offset: usize,
        /// The index found (13..=15).
        index: u8,
    },
    /// `frame_length` is smaller than the header itself.
    #[error(
        "ADTS: frame length {frame_len} shorter than header ({header_len} bytes) at byte {offset}"
    )]
    FrameTooShort {
        /// Byte offset of the frame start.
        offset: usize,
        /// The frame length field.
        frame_len: usize,
        /// The header length (7, or 9 with CRC).
        header_len: usize,
    },
    /// A valid but unsupported feature.
    #[error("ADTS: unsupported {what} at byte {offset}")]
    Unsupported {
        /// Byte offset of the frame start.
        offset: usize,
        /// What is not supported.
        what: &'static str,
    },
}

impl AdtsError {
    /// Byte offset of the frame the error is about.
    pub fn offset(&self) -> usize {
        match *self {
            AdtsError::NoSync { offset }
            | AdtsError::Truncated { offset, .. }
            | AdtsError::BadLayer { offset, .. }
            | AdtsError::BadSampleRate { offset, .. }
            | AdtsError::FrameTooShort { offset, .. }
            | AdtsError::Unsupported { offset, .. } => offset,
        }
    }

    /// The same error moved by `delta` bytes (header parsed inside a larger buffer).
    fn shifted(self, delta: usize) -> Self {
        let mut e = self;
        match &mut e {
            AdtsError::NoSync { offset }
            | AdtsError::Truncated { offset, .. }
            | AdtsError::BadLayer { offset, .. }
            | AdtsError::BadSampleRate { offset, .. }
            | AdtsError::FrameTooShort { offset, .. }
            | AdtsError::Unsupported { offset, .. } => *offset += delta,
        }
        e
    }
}

/// The fields of an ADTS header that matter for remuxing.
///
/// HE-AAC (SBR) and HE-AACv2 (PS) are signalled implicitly in ADTS: the
/// header describes the AAC-LC core (object type 2, core sampling rate) and
/// decoders discover SBR/PS in the payload. The AudioSpecificConfig built
/// from this header is therefore the correct one for passthrough into MP4,
/// where implicit signalling works the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdtsHeader {
    /// MPEG-4 audio object type, the header's profile + 1 (2 = AAC-LC).
    pub object_type: u8,
    /// Index into the MPEG-4 sampling frequency table (0..=12).
    pub sampling_frequency_index: u8,
    /// Sampling rate in Hz for `sampling_frequency_index`.
    pub sample_rate: u32,
    /// Channel configuration (0 = defined by a PCE in the payload).
    pub channel_configuration: u8,
    /// Header length: 7, or 9 when a CRC is present.
    pub header_len: usize,
    /// Length of the whole frame, header included.
    pub frame_len: usize,
    /// `number_of_raw_data_blocks_in_frame`: 0 means one AAC frame.
    pub raw_data_blocks: u8,
}

impl AdtsHeader {
    /// Parses the ADTS header at the start of `bytes`. Only the header bytes
    /// need to be present; the frame body is not checked.
    pub fn parse(bytes: &[u8]) -> Result<AdtsHeader, AdtsError> {
        let h: &[u8; HEADER_LEN] = match bytes.get(..HEADER_LEN).and_then(|s| s.try_into().ok()) {
            Some(h) => h,
            None => {
                // Report a bad sync before a short read when we can tell.
                if !starts_with_sync_prefix(bytes) {
                    return Err(AdtsError::NoSync { offset: 0 });
                }
                return Err(AdtsError::Truncated {
                    offset: 0,
                    needed: HEADER_LEN,
                    available: bytes.len(),
                });
            }
        };
        if h[0] != 0xFF || h[1] & 0xF0 != 0xF0 {
            return Err(AdtsError::NoSync { offset: 0 });
        }
        let layer = (h[1] >> 1) & 0x03;
        if layer != 0 {
            return Err(AdtsError::BadLayer { offset: 0, layer });
        }
        let protection_absent = h[1] & 0x01 == 1;
        let profile = h[2] >> 6;
        let sampling_frequency_index = (h[2] >> 2) & 0x0F;
        let sample_rate = *SAMPLE_RATES
            .get(usize::from(sampling_frequency_index))
            .ok_or(AdtsError::BadSampleRate {
                offset: 0,
                index: sampling_frequency_index,
            })?;
        let channel_configuration = ((h[2] & 0x01) << 2) | (h[3] >> 6);
        let frame_len =
            (usize::from(h[3] & 0x03) << 11) | (usize::from(h[4]) << 3) | usize::from(h[5] >> 5);
        let raw_data_blocks = h[6] & 0x03;

        let header_len = if protection_absent {
            HEADER_LEN
        } else {
            HEADER_LEN_CRC
        };
        if frame_len < header_len {
            return Err(AdtsError::FrameTooShort {
                offset: 0,
                frame_len,
                header_len,
            });
        }
        if bytes.len() < header_len {
            return Err(AdtsError::Truncated {
                offset: 0,
                needed: header_len,
                available: bytes.len(),
            });
        }

        Ok(AdtsHeader {
            object_type: profile + 1,
            sampling_frequency_index,
            sample_rate,
            channel_configuration,
            header_len,
            frame_len,
            raw_data_blocks,
        })
    }

    /// The 2-byte AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1) for this
    /// stream: object type (5 bits), sampling frequency index (4),
    /// channel configuration (4), then frameLengthFlag, dependsOnCoreCoder
    /// and extensionFlag all 0 (1024-sample frames, as ADTS always has).
    ///
    /// As described on [`AdtsHeader`], this is also right for HE-AAC
    /// streams, which ADTS signals implicitly.
    pub fn audio_specific_config(&self) -> Vec<u8> {
        let ot = self.object_type & 0x1F;
        let sfi = self.sampling_frequency_index & 0x0F;
        let ch = self.channel_configuration & 0x0F;
        vec![(ot << 3) | (sfi >> 1), ((sfi & 0x01) << 7) | (ch << 3)]
    }

    /// PCM samples per channel the frame decodes to (1024 per raw data block).
    pub fn samples_per_frame(&self) -> u32 {
        1024 * (u32::from(self.raw_data_blocks) + 1)
    }
}

/// True if `bytes` (shorter than a header) could still be the start of a
/// sync word, i.e. it is a plausible frame cut by the end of the buffer.
fn starts_with_sync_prefix(bytes: &[u8]) -> bool {
    match bytes {
        [] => true,
        [first] => *first == 0xFF,
        [first, second, ..] => *first == 0xFF && second & 0xF0 == 0xF0,
    }
}

/// One ADTS frame found by [`split_frames`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdtsFrame<'a> {
    /// The frame's parsed header.
    pub header: AdtsHeader,
    /// Byte offset of the frame (its header) in the input buffer.
    pub offset: usize,
    /// The raw AAC frame: the bytes after the header (and CRC).
    pub payload: &'a [u8],
}

/// Result of [`split_frames`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AdtsFrames<'a> {
    /// Complete frames in input order.
    pub frames: Vec<AdtsFrame<'a>>,
    /// Bytes at the end of the buffer that begin a frame but are cut off
    /// (e.g. a frame continued in the next PES packet). 0 when the buffer
    /// ends on a frame boundary or when `error` is set.
    pub incomplete_tail: usize,
    /// Why splitting stopped early; `frames` holds everything before it.
    pub error: Option<AdtsError>,
}

/// Splits a buffer of concatenated ADTS frames (one PES payload) into raw
/// AAC frames, the header (and CRC) stripped.
///
/// Splitting stops at the first bad header (no resync is attempted: in a
/// PES payload that means the packet is damaged, and guessing a frame
/// boundary inside AAC data is unreliable). Frames with more than one raw
/// data block and channel configuration 0 (channel layout in an in-band
/// PCE) are rare in broadcast and reported as unsupported, since their
/// payload cannot be stored as-is in an MP4 sample with a 2-byte
/// AudioSpecificConfig.
pub fn split_frames(buf: &[u8]) -> AdtsFrames<'_> {
    let mut result = AdtsFrames::default();
    let mut pos = 0;
    while pos < buf.len() {
        let rest = buf.get(pos..).unwrap_or(&[]);
        let header = match AdtsHeader::parse(rest) {
            Ok(h) => h,
            Err(AdtsError::Truncated { .. }) => {
                result.incomplete_tail = rest.len();
                break;
            }
            Err(e) => {
                result.error = Some(e.shifted(pos));
                break;
            }
        };
        if header.raw_data_blocks > 0 {
            result.error = Some(AdtsError::Unsupported {
                offset: pos,
                what: "frame with several raw data blocks",
            });
            break;
        }
        if header.channel_configuration == 0 {
            result.error = Some(AdtsError::Unsupported {
                offset: pos,
                what: "channel configuration 0 (in-band PCE)",
            });
            break;
        }
        let Some(payload) = rest.get(header.header_len..header.frame_len) else {
            // The frame runs past the end of the buffer.
            result.incomplete_tail = rest.len();
            break;
        };
        result.frames.push(AdtsFrame {
            header,
            offset: pos,
            payload,
        });
        pos += header.frame_len;
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Start of the first frame of `ffmpeg -f lavfi -i sine=f=440:r=48000
    /// -t 2 -c:a aac -f adts`: AAC-LC, 48 kHz, mono, frame_length 219; the
    /// payload begins with the fill element carrying the "Lavc59.37.100" tag.
    const FFMPEG_PREFIX: [u8; 32] = [
        0xFF, 0xF1, 0x4C, 0x40, 0x1B, 0x7F, 0xFC, 0xDE, 0x02, 0x00, 0x4C, 0x61, 0x76, 0x63, 0x35,
        0x39, 0x2E, 0x33, 0x37, 0x2E, 0x31, 0x30, 0x30, 0x00, 0x02, 0x68, 0xAA, 0x59, 0xEA, 0x10,
        0x4D, 0x13,
    ];

    /// Header of a stereo 44.1 kHz frame with CRC (protection_absent = 0),
    /// frame_length 371, followed by its 2 CRC bytes.
    const CRC_HEADER: [u8; 9] = [0xFF, 0xF0, 0x50, 0x80, 0x2E, 0x7F, 0xFC, 0x12, 0x34];

    fn frame(len: usize) -> Vec<u8> {
        // The ffmpeg header with the frame length patched to `len`.
        let mut f = vec![0xAB; len.max(7)];
        f[..7].copy_from_slice(&FFMPEG_PREFIX[..7]);
        f[3] = (f[3] & 0xFC) | ((len >> 11) & 0x03) as u8;
        f[4] = ((len >> 3) & 0xFF) as u8;
        f[5] = (f[5] & 0x1F) | (((len & 0x07) as u8) << 5);
        f
    }

    #[test]
    fn parses_ffmpeg_header() {
        let h = AdtsHeader::parse(&FFMPEG_PREFIX).expect("header");
        assert_eq!(
            h,
            AdtsHeader {
                object_type: 2,
                sampling_frequency_index: 3,
                sample_rate: 48_000,
                channel_configuration: 1,
                header_len: 7,
                frame_len: 219,
                raw_data_blocks: 0,
            }
        );
        // AAC-LC, 48 kHz, mono: the ASC ffmpeg writes into MP4 for this stream.
        assert_eq!(h.audio_specific_config(), vec![0x11, 0x88]);
        assert_eq!(h.samples_per_frame(), 1024);
    }

    #[test]
    fn parses_crc_header() {
        let h = AdtsHeader::parse(&CRC_HEADER).expect("header");
        assert_eq!(h.header_len, 9);
        assert_eq!(h.frame_len, 371);
        assert_eq!(h.sample_rate, 44_100);
        assert_eq!(h.channel_configuration, 2);
        assert_eq!(h.object_type, 2);
        assert_eq!(h.audio_specific_config(), vec![0x12, 0x10]);
    }

    #[test]
    fn splits_frames_and_reports_tail() {
        let mut buf = frame(27);
        buf.extend(frame(10));
        buf.extend(frame(300));
        let cut = buf.len();
        buf.extend(&frame(50)[..20]);

        let split = split_frames(&buf);
        assert_eq!(split.error, None);
        assert_eq!(split.frames.len(), 3);
        assert_eq!(split.frames[0].payload, &frame(27)[7..]);
        assert_eq!(split.frames[1].offset, 27);
        assert_eq!(split.frames[1].payload.len(), 3);
        assert_eq!(split.frames[2].payload.len(), 293);
        assert_eq!(split.incomplete_tail, 20);
        assert_eq!(cut + split.incomplete_tail, buf.len());

        // A header cut inside the first 7 bytes is also an incomplete tail.
        let split = split_frames(&buf[..cut + 4]);
        assert_eq!(
            (split.frames.len(), split.incomplete_tail, split.error),
            (3, 4, None)
        );
        let split = split_frames(&buf[..cut + 1]);
        assert_eq!(
            (split.frames.len(), split.incomplete_tail, split.error),
            (3, 1, None)
        );
        let split = split_frames(&buf[..cut]);
        assert_eq!(
            (split.frames.len(), split.incomplete_tail, split.error),
            (3, 0, None)
        );
    }

    #[test]
    fn bad_sync_stops_with_offset() {
        let mut buf = frame(27);
        buf.extend([0x12; 30]);
        let split = split_frames(&buf);
        assert_eq!(split.frames.len(), 1);
        assert_eq!(split.error, Some(AdtsError::NoSync { offset: 27 }));
        assert_eq!(
            split.error.map(|e| e.to_string()),
            Some("ADTS: no sync word at byte 27".to_string())
        );

        // Garbage shorter than a header is a bad sync, not a tail.
        let mut buf = frame(27);
        buf.extend([0xFF, 0x00]);
        let split = split_frames(&buf);
        assert_eq!(split.error, Some(AdtsError::NoSync { offset: 27 }));
        assert_eq!(split.incomplete_tail, 0);
    }

    #[test]
    fn frame_length_shorter_than_header() {
        let mut f = frame(7);
        f[4] = 0;
        f[5] = (f[5] & 0x1F) | (5 << 5); // frame_length = 5
        let err = AdtsHeader::parse(&f).expect_err("too short");
        assert_eq!(
            err.to_string(),
            "ADTS: frame length 5 shorter than header (7 bytes) at byte 0"
        );
        let mut buf = frame(27);
        buf.extend(&f);
        assert_eq!(split_frames(&buf).error.map(|e| e.offset()), Some(27));

        // With CRC the header is 9 bytes, so a length of 8 is too short.
        let mut crc = CRC_HEADER;
        crc[3] &= 0xFC;
        crc[4] = 1;
        crc[5] &= 0x1F; // frame_length = 8
        assert!(matches!(
            AdtsHeader::parse(&crc),
            Err(AdtsError::FrameTooShort {
                frame_len: 8,
                header_len: 9,
                ..
            })
        ));
    }

    #[test]
    fn rejects_bad_fields() {
        let mut f = frame(27);
        f[1] = 0xF3; // layer 1
        assert!(matches!(
            AdtsHeader::parse(&f),
            Err(AdtsError::BadLayer { layer: 1, .. })
        ));

        let mut f = frame(27);
        f[2] = (f[2] & 0xC3) | (13 << 2);
        assert!(matches!(
            AdtsHeader::parse(&f),
            Err(AdtsError::BadSampleRate { index: 13, .. })
        ));

        let mut f = frame(27);
        f[6] |= 0x01; // two raw data blocks
        assert_eq!(AdtsHeader::parse(&f).map(|h| h.raw_data_blocks), Ok(1));
        assert!(matches!(
            split_frames(&f).error,
            Some(AdtsError::Unsupported { offset: 0, .. })
        ));

        let mut f = frame(27);
        f[2] &= 0xFE;
        f[3] &= 0x3F; // channel configuration 0
        assert!(matches!(
            split_frames(&f).error,
            Some(AdtsError::Unsupported { .. })
        ));

        // CRC header with only 8 bytes present.
        assert!(matches!(
            AdtsHeader::parse(&CRC_HEADER[..8]),
            Err(AdtsError::Truncated {
                needed: 9,
                available: 8,
                ..
            })
        ));
    }

    #[test]
    fn absurd_lengths_are_incomplete_not_panics() {
        // Maximal 13-bit frame length in a tiny buffer.
        let mut f = frame(27);
        f[3] |= 0x03;
        f[4] = 0xFF;
        f[5] |= 0xE0;
        let split = split_frames(&f);
        assert_eq!(split.frames.len(), 0);
        assert_eq!(split.incomplete_tail, f.len());
        assert_eq!(split.error, None);
    }

    #[test]
    fn arbitrary_input_never_panics() {
        // Deterministic pseudo-random buffers, biased towards sync words.
        let mut state: u32 = 0x1234_5678;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state
        };
        for _ in 0..2000 {
            let len = (next() % 64) as usize;
            let buf: Vec<u8> = (0..len)
                .map(|i| match (i, next() % 4) {
                    (0, _) | (_, 0) => 0xFF,
                    (_, 1) => 0xF1,
                    _ => next() as u8,
                })
                .collect();
            let split = split_frames(&buf);
            let consumed: usize = split.frames.iter().map(|f| f.header.frame_len).sum();
            assert!(consumed + split.incomplete_tail <= buf.len());
            let _ = AdtsHeader::parse(&buf);
        }
    }
}
