//! Framing: PES payloads → the codec's frames (what a decoder takes one at
//! a time), with their sample counts. Headers only: no decoding here.

use crate::demux::AudioCodec;

/// What a frame header says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameInfo {
    /// Bytes of the whole frame, header included.
    pub len: usize,
    pub sample_rate: u32,
    pub channels: u16,
    /// Decoded samples per channel.
    pub samples: u32,
}

/// MPEG-1/2/2.5 audio, layers I–III.
pub fn mpeg_audio(b: &[u8]) -> Result<FrameInfo, &'static str> {
    if b.len() < 4 {
        return Err("header cut short");
    }
    if b[0] != 0xff || b[1] & 0xe0 != 0xe0 {
        return Err("no MPEG audio sync word");
    }
    let version = (b[1] >> 3) & 3; // 0: 2.5, 2: 2, 3: 1
    let layer = (b[1] >> 1) & 3; // 1: III, 2: II, 3: I
    if version == 1 || layer == 0 {
        return Err("reserved MPEG audio version or layer");
    }
    let bitrate_index = usize::from(b[2] >> 4);
    let rate_index = usize::from((b[2] >> 2) & 3);
    let padding = u32::from((b[2] >> 1) & 1);
    let mode = b[3] >> 6;
    if bitrate_index == 15 || rate_index == 3 {
        return Err("invalid MPEG audio bitrate or sample rate");
    }
    if bitrate_index == 0 {
        return Err("free-format MPEG audio is not supported");
    }
    const BITRATES: [[u32; 15]; 5] = [
        [
            0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448,
        ],
        [
            0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384,
        ],
        [
            0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
        ],
        [
            0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256,
        ],
        [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
    ];
    let mpeg1 = version == 3;
    let table = match (mpeg1, layer) {
        (true, 3) => 0,
        (true, 2) => 1,
        (true, _) => 2,
        (false, 3) => 3,
        (false, _) => 4,
    };
    let bitrate = BITRATES[table][bitrate_index] * 1000;
    let sample_rate = match version {
        3 => [44_100, 48_000, 32_000][rate_index],
        2 => [22_050, 24_000, 16_000][rate_index],
        _ => [11_025, 12_000, 8_000][rate_index],
    };
    let (samples, len) = match layer {
        3 => (384, (12 * bitrate / sample_rate + padding) * 4),
        2 => (1152, 144 * bitrate / sample_rate + padding),
        _ if mpeg1 => (1152, 144 * bitrate / sample_rate + padding),
        _ => (576, 72 * bitrate / sample_rate + padding),
    };
    Ok(FrameInfo {
        len: len as usize,
        sample_rate,
        channels: if mode == 3 { 1 } else { 2 },
        samples,
    })
}

/// AC-3 (`bsid` ≤ 10) and E-AC-3 (`bsid` 11–16) syncframes.
pub fn ac3(b: &[u8]) -> Result<FrameInfo, &'static str> {
    if b.len() < 8 {
        return Err("header cut short");
    }
    if b[0] != 0x0b || b[1] != 0x77 {
        return Err("no AC-3 sync word");
    }
    let bsid = b[5] >> 3;
    if bsid <= 10 {
        let fscod = usize::from(b[4] >> 6);
        let frmsizecod = usize::from(b[4] & 0x3f);
        if fscod == 3 || frmsizecod >= 38 {
            return Err("invalid AC-3 sample rate or frame size code");
        }
        const WORDS: [[u16; 3]; 19] = [
            [64, 69, 96],
            [80, 87, 120],
            [96, 104, 144],
            [112, 121, 168],
            [128, 139, 192],
            [160, 174, 240],
            [192, 208, 288],
            [224, 243, 336],
            [256, 278, 384],
            [320, 348, 480],
            [384, 417, 576],
            [448, 487, 672],
            [512, 557, 768],
            [640, 696, 960],
            [768, 835, 1152],
            [896, 975, 1344],
            [1024, 1114, 1536],
            [1152, 1253, 1728],
            [1280, 1393, 1920],
        ];
        // 44.1 kHz frames with an odd code carry one more word.
        let words = WORDS[frmsizecod / 2][fscod] + u16::from(fscod == 1 && frmsizecod % 2 == 1);
        let acmod = b[6] >> 5;
        Ok(FrameInfo {
            len: usize::from(words) * 2,
            sample_rate: [48_000, 44_100, 32_000][fscod],
            channels: ac3_channels(acmod, ac3_lfe(b, acmod)),
            samples: 1536,
        })
    } else if bsid <= 16 {
        let frmsiz = (u16::from(b[2] & 0x07) << 8) | u16::from(b[3]);
        let fscod = b[4] >> 6;
        let (sample_rate, blocks) = if fscod == 3 {
            let fscod2 = (b[4] >> 4) & 3;
            if fscod2 == 3 {
                return Err("reserved E-AC-3 sample rate");
            }
            ([24_000, 22_050, 16_000][usize::from(fscod2)], 6)
        } else {
            (
                [48_000, 44_100, 32_000][usize::from(fscod)],
                [1, 2, 3, 6][usize::from((b[4] >> 4) & 3)],
            )
        };
        let acmod = (b[4] >> 1) & 7;
        let lfe = b[4] & 1 == 1;
        Ok(FrameInfo {
            len: (usize::from(frmsiz) + 1) * 2,
            sample_rate,
            channels: ac3_channels(acmod, lfe),
            samples: 256 * blocks,
        })
    } else {
        Err("unknown AC-3 bitstream id")
    }
}

/// E-AC-3 substream type: 1 is a dependent substream (extra channels of the
/// independent one before it).
pub fn eac3_is_dependent(b: &[u8]) -> bool {
    b.len() > 5 && b[5] >> 3 > 10 && (b[2] >> 6) == 1
}

fn ac3_channels(acmod: u8, lfe: bool) -> u16 {
    [2, 1, 2, 3, 3, 4, 4, 5][usize::from(acmod)] + u16::from(lfe)
}

/// `lfeon` of an AC-3 header: after acmod and the mix-level fields it implies.
fn ac3_lfe(b: &[u8], acmod: u8) -> bool {
    // Bits after acmod (3 bits at b[6] bit 7..5): cmixlev (2) when three
    // front channels, surmixlev (2) when surround, dsurmod (2) when 2/0.
    let mut bit = 3;
    if acmod & 1 == 1 && acmod != 1 {
        bit += 2;
    }
    if acmod & 4 == 4 {
        bit += 2;
    }
    if acmod == 2 {
        bit += 2;
    }
    let byte = 6 + bit / 8;
    b.get(byte).is_some_and(|v| (v >> (7 - bit % 8)) & 1 == 1)
}

/// LOAS `AudioSyncStream` frames (AAC in LATM, as DVB carries it): the
/// frame length only; rates come from the decoder.
pub fn loas(b: &[u8]) -> Result<usize, &'static str> {
    if b.len() < 3 {
        return Err("header cut short");
    }
    if b[0] != 0x56 || b[1] & 0xe0 != 0xe0 {
        return Err("no LOAS sync word");
    }
    Ok(3 + ((usize::from(b[1] & 0x1f) << 8) | usize::from(b[2])))
}

/// The 4-byte header of Blu-ray/AVCHD LPCM (one per PES).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LpcmHeader {
    pub sample_rate: u32,
    /// Channels the layout names.
    pub channels: u16,
    /// Channels stored (odd layouts carry one padding channel).
    pub stored_channels: u16,
    pub bits: u16,
}

impl LpcmHeader {
    /// Bytes per stored sample (20- and 24-bit samples take 3).
    pub fn sample_bytes(&self) -> usize {
        if self.bits == 16 {
            2
        } else {
            3
        }
    }

    /// Sample frames in a PES payload of `len` bytes (header included).
    pub fn frames(&self, len: usize) -> usize {
        len.saturating_sub(4) / (self.sample_bytes() * usize::from(self.stored_channels))
    }
}

pub fn lpcm(b: &[u8]) -> Result<LpcmHeader, &'static str> {
    if b.len() < 4 {
        return Err("header cut short");
    }
    let channels = match b[2] >> 4 {
        1 => 1,
        3 => 2,
        4 | 5 => 3,
        6 | 7 => 4,
        8 => 5,
        9 => 6,
        10 => 7,
        11 => 8,
        _ => return Err("reserved LPCM channel assignment"),
    };
    let sample_rate = match b[2] & 0x0f {
        1 => 48_000,
        4 => 96_000,
        5 => 192_000,
        _ => return Err("reserved LPCM sample rate"),
    };
    let bits = match b[3] >> 6 {
        1 => 16,
        2 => 20,
        3 => 24,
        _ => return Err("reserved LPCM sample size"),
    };
    Ok(LpcmHeader {
        sample_rate,
        channels,
        stored_channels: channels + channels % 2,
        bits,
    })
}

/// Splits a byte stream of one codec into frames, carrying partial frames
/// across PES packets and resyncing on garbage.
#[derive(Default)]
pub struct Framer {
    carry: Vec<u8>,
}

/// One frame cut from the stream; `starts_in_pes` says whether it began in
/// the PES just pushed (its timestamp then belongs to the first such frame).
pub struct RawFrame {
    pub data: Vec<u8>,
    pub info: Option<FrameInfo>,
    pub starts_in_pes: bool,
}

impl Framer {
    /// Feeds one PES payload; returns the complete frames and the bytes
    /// skipped to resync (for a warning).
    pub fn push(&mut self, codec: AudioCodec, data: &[u8]) -> (Vec<RawFrame>, usize) {
        let carried = self.carry.len();
        let mut buf = std::mem::take(&mut self.carry);
        buf.extend_from_slice(data);
        let mut frames: Vec<RawFrame> = Vec::new();
        let mut pos = 0;
        let mut skipped = 0;
        while pos < buf.len() {
            let rest = &buf[pos..];
            let parsed = match codec {
                AudioCodec::MpegAudio => mpeg_audio(rest).map(|i| (i.len, Some(i))),
                AudioCodec::Ac3 | AudioCodec::Eac3 => ac3(rest).map(|i| (i.len, Some(i))),
                AudioCodec::AacLatm => loas(rest).map(|n| (n, None)),
                _ => Err("not a framed codec"),
            };
            match parsed {
                Ok((len, info)) if len >= 4 => {
                    if rest.len() < len {
                        break;
                    }
                    let frame = rest[..len].to_vec();
                    // Dependent E-AC-3 substreams go with the frame before.
                    if matches!(codec, AudioCodec::Ac3 | AudioCodec::Eac3)
                        && eac3_is_dependent(&frame)
                    {
                        if let Some(last) = frames.last_mut() {
                            last.data.extend_from_slice(&frame);
                            pos += len;
                            continue;
                        }
                    }
                    frames.push(RawFrame {
                        data: frame,
                        info,
                        starts_in_pes: pos >= carried,
                    });
                    pos += len;
                }
                Err("header cut short") => break,
                _ => {
                    pos += 1;
                    skipped += 1;
                }
            }
        }
        // Keep the partial frame in place: a copy per push would make
        // small pushes quadratic in the frame's length.
        buf.drain(..pos);
        self.carry = buf;
        (frames, skipped)
    }

    /// Bytes held for the next PES.
    pub fn carried(&self) -> usize {
        self.carry.len()
    }

    /// Forgets a partial frame (after lost packets).
    pub fn reset(&mut self) {
        self.carry.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mp2_header() {
        // MPEG-1 layer II, 192 kbit/s, 48 kHz, stereo.
        let i = mpeg_audio(&[0xff, 0xfd, 0xa4, 0x00]).unwrap();
        assert_eq!(
            (i.len, i.sample_rate, i.channels, i.samples),
            (576, 48_000, 2, 1152)
        );
    }

    #[test]
    fn ac3_header() {
        // 48 kHz, frmsizecod 0x1c (384 kbit/s: 768 words... 1536 bytes), bsid 8, acmod 7 (3/2), lfe on.
        let mut h = [0x0b, 0x77, 0, 0, 0x1c, 8 << 3, 0xe0, 0x00];
        // acmod 7: cmixlev (2) and surmixlev (2) follow, then lfeon.
        h[6] = 0b1110_0001;
        h[7] = 0b0000_0000;
        let i = ac3(&h).unwrap();
        assert_eq!(
            (i.len, i.sample_rate, i.channels, i.samples),
            (1536, 48_000, 6, 1536)
        );
    }
}
