//! Codec frames → interleaved f32 PCM, one decoder per source codec.
//!
//! - MPEG-1/2 audio layers I–III: symphonia's `MpaDecoder`.
//! - AC-3 and E-AC-3: `oxideav-ac3`, all channels (no downmix).
//! - AAC in LATM/LOAS: `rusty_aac`'s `LatmDecoder` (LC, HE-AAC v1/v2).
//! - LPCM (Blu-ray/AVCHD, big-endian, 4-byte header per PES): here.
//!
//! Channels come out in the order of a WAV file / AAC's decoders
//! (L R C LFE Ls Rs): [`encode`](super::encode) maps them for AAC.

use oxideav_core::{CodecId, CodecParameters, Frame, Packet as OxPacket, TimeBase};
use symphonia::core::codecs::audio::well_known::{CODEC_ID_MP1, CODEC_ID_MP2, CODEC_ID_MP3};
use symphonia::core::codecs::audio::{AudioCodecParameters, AudioDecoder, AudioDecoderOptions};
use symphonia::core::packet::Packet;
use symphonia::core::units::{Duration, Timestamp};
use symphonia::default::codecs::MpaDecoder;

use super::frame;
use crate::demux::AudioCodec;
use crate::error::{Error, Result};

/// A decoder for one track.
pub struct Decoder {
    inner: Inner,
    channels: usize,
}

enum Inner {
    Mpeg(Option<Box<MpaDecoder>>),
    Ac3(Box<dyn oxideav_core::Decoder>),
    Latm(Box<rusty_aac::latm::LatmDecoder>),
    Lpcm,
}

impl Decoder {
    /// A decoder for `codec`; `channels` is what every packet is brought to
    /// (the track's layout, from its first frame).
    pub fn new(codec: AudioCodec, channels: u16) -> Result<Decoder> {
        let inner = match codec {
            AudioCodec::MpegAudio => Inner::Mpeg(None),
            AudioCodec::Ac3 | AudioCodec::Eac3 => {
                let name = if codec == AudioCodec::Ac3 {
                    "ac3"
                } else {
                    "eac3"
                };
                let params = CodecParameters::audio(CodecId::new(name));
                Inner::Ac3(
                    oxideav_ac3::decoder::make_decoder(&params)
                        .map_err(|e| Error::UnsupportedFeature(format!("{name} decoder: {e}")))?,
                )
            }
            AudioCodec::AacLatm => Inner::Latm(Box::new(rusty_aac::latm::LatmDecoder::new())),
            AudioCodec::Lpcm => Inner::Lpcm,
            other => {
                return Err(Error::UnsupportedCodec {
                    codec: other.name(),
                    pid: 0,
                })
            }
        };
        Ok(Decoder {
            inner,
            channels: usize::from(channels.max(1)),
        })
    }

    /// Decodes one frame to interleaved PCM with the track's channel count.
    pub fn decode(&mut self, data: &[u8]) -> std::result::Result<Vec<f32>, String> {
        let (pcm, channels) = match &mut self.inner {
            Inner::Mpeg(decoder) => {
                let info = frame::mpeg_audio(data).map_err(String::from)?;
                if decoder.is_none() {
                    let codec = match data[1] >> 1 & 3 {
                        3 => CODEC_ID_MP1,
                        2 => CODEC_ID_MP2,
                        _ => CODEC_ID_MP3,
                    };
                    let mut params = AudioCodecParameters::new();
                    params.for_codec(codec);
                    *decoder = Some(Box::new(
                        MpaDecoder::try_new(&params, &AudioDecoderOptions::default())
                            .map_err(|e| e.to_string())?,
                    ));
                }
                let decoder = decoder.as_mut().expect("created above");
                let packet = Packet::new(
                    0,
                    Timestamp::new(0),
                    Duration::new(u64::from(info.samples)),
                    data,
                );
                let buf = decoder.decode(&packet).map_err(|e| e.to_string())?;
                let channels = buf.spec().channels().count();
                let mut pcm = Vec::new();
                buf.copy_to_vec_interleaved(&mut pcm);
                (pcm, channels)
            }
            Inner::Ac3(decoder) => {
                // A damaged frame decodes to full-scale garbage: trust only
                // frames whose CRCs hold.
                let crc =
                    oxideav_ac3::decoder::verify_packet_crc(data).map_err(|e| e.to_string())?;
                if crc.crc1_ok == Some(false) || crc.crc2_ok == Some(false) {
                    return Err("AC-3 frame fails its CRC".into());
                }
                let packet = OxPacket::new(0, TimeBase::new(1, 48_000), data.to_vec());
                decoder.send_packet(&packet).map_err(|e| e.to_string())?;
                match decoder.receive_frame().map_err(|e| e.to_string())? {
                    Frame::Audio(af) => {
                        let samples = af.samples as usize;
                        let bytes = af.data.first().ok_or("AC-3 decoder gave no plane")?;
                        let channels = if samples > 0 {
                            bytes.len() / (samples * 2)
                        } else {
                            1
                        };
                        let pcm = bytes
                            .chunks_exact(2)
                            .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0)
                            .collect();
                        (pcm, channels.max(1))
                    }
                    _ => return Err("AC-3 decoder gave a non-audio frame".into()),
                }
            }
            Inner::Latm(decoder) => {
                let (audio, _) = decoder.decode(data, None).map_err(|e| e.to_string())?;
                let channels = usize::from(audio.channels.max(1));
                (audio.samples, channels)
            }
            Inner::Lpcm => lpcm(data)?,
        };
        Ok(remix(pcm, channels, self.channels))
    }
}

/// Blu-ray LPCM: a 4-byte header, then big-endian samples (20- and 24-bit
/// in 3 bytes), channels padded to an even count.
fn lpcm(data: &[u8]) -> std::result::Result<(Vec<f32>, usize), String> {
    let header = frame::lpcm(data).map_err(String::from)?;
    let bytes = header.sample_bytes();
    let stored = usize::from(header.stored_channels);
    let channels = usize::from(header.channels);
    let body = &data[4..];
    let frames = header.frames(data.len());
    let mut out = Vec::with_capacity(frames * channels);
    for f in 0..frames {
        for c in 0..channels {
            let at = (f * stored + c) * bytes;
            let s = &body[at..at + bytes];
            let v = if bytes == 2 {
                f32::from(i16::from_be_bytes([s[0], s[1]])) / 32768.0
            } else {
                (i32::from_be_bytes([s[0], s[1], s[2], 0]) >> 8) as f32 / 8_388_608.0
            };
            out.push(v);
        }
    }
    Ok((lpcm_to_wav_order(out, channels), channels))
}

/// Blu-ray LPCM orders 5.1 as L R C Ls Rs LFE; WAV order puts LFE fourth.
fn lpcm_to_wav_order(mut pcm: Vec<f32>, channels: usize) -> Vec<f32> {
    if channels == 6 {
        for f in pcm.chunks_exact_mut(6) {
            let (ls, rs, lfe) = (f[3], f[4], f[5]);
            f[3] = lfe;
            f[4] = ls;
            f[5] = rs;
        }
    }
    pcm
}

/// Brings interleaved PCM (WAV order) from `from` to `to` channels: a mono
/// source is duplicated; to stereo, 5.1 folds with the usual −3 dB centre
/// and surround levels (ITU-R BS.775, LFE left out) and other layouts keep
/// their first two channels with the rest at −3 dB on alternate sides.
fn remix(pcm: Vec<f32>, from: usize, to: usize) -> Vec<f32> {
    if from == to {
        return pcm;
    }
    let frames = pcm.len() / from.max(1);
    let mut out = vec![0f32; frames * to];
    for (f, src) in pcm.chunks_exact(from).enumerate() {
        let dst = &mut out[f * to..(f + 1) * to];
        match (from, to) {
            (1, _) => dst.iter_mut().for_each(|d| *d = src[0]),
            (_, 1) => dst[0] = src.iter().sum::<f32>() / from as f32,
            (6, 2) => {
                let g = std::f32::consts::FRAC_1_SQRT_2;
                dst[0] = (src[0] + g * src[2] + g * src[4]).clamp(-1.0, 1.0);
                dst[1] = (src[1] + g * src[2] + g * src[5]).clamp(-1.0, 1.0);
            }
            (_, 2) => {
                let g = std::f32::consts::FRAC_1_SQRT_2;
                let (mut l, mut r) = (src[0], src[1]);
                if from > 2 {
                    l += g * src[2];
                    r += g * src[2];
                }
                for (k, &v) in src.iter().enumerate().skip(3) {
                    if k % 2 == 1 {
                        l += g * v;
                    } else {
                        r += g * v;
                    }
                }
                dst[0] = l.clamp(-1.0, 1.0);
                dst[1] = r.clamp(-1.0, 1.0);
            }
            _ => {
                let n = from.min(to);
                dst[..n].copy_from_slice(&src[..n]);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lpcm_24_bit_stereo() {
        // 48 kHz (1), stereo (3), 24-bit (3): two frames.
        let mut data = vec![0, 12, 0x31, 0xc0];
        data.extend_from_slice(&[0x40, 0, 0, 0xc0, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff]);
        let (pcm, ch) = lpcm(&data).unwrap();
        assert_eq!(ch, 2);
        assert_eq!(pcm.len(), 4);
        assert!((pcm[0] - 0.5).abs() < 1e-6 && (pcm[1] + 0.5).abs() < 1e-6);
        assert!(pcm[3] < 0.0 && pcm[3] > -1e-6);
    }

    #[test]
    fn remix_keeps_frames() {
        assert_eq!(remix(vec![0.5, 0.25], 1, 2), vec![0.5, 0.5, 0.25, 0.25]);
        assert_eq!(remix(vec![0.5; 12], 6, 2).len(), 4);
    }
}
