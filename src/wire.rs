//! The chunk job's wire format: a [`Chunk`] and an [`EncodedChunk`] as
//! plain bytes, so a job can run anywhere — a Web Worker (transferred
//! `ArrayBuffer`), another process, a serverless function — as the pure
//! function (chunk bytes, settings) → encoded bytes.
//!
//! Layout: a 4-byte magic and a version byte, then fixed-width
//! little-endian fields and length-prefixed byte strings. Readers check
//! every length against what is left, so corrupt input is an error, never a
//! panic or a huge allocation.

use crate::audio::{AudioPacket, AudioSegment, EncodedAudio};
use crate::codec::RandomAccess;
use crate::demux::AudioCodec;
use crate::error::{Error, Result};
use crate::job::{EncodedChunk, JobStats, Sample};
use crate::plan::{Chunk, ChunkUnit};

const CHUNK_MAGIC: &[u8; 4] = b"FOch";
const ENCODED_MAGIC: &[u8; 4] = b"FOen";
const VERSION: u8 = 2;

struct Writer(Vec<u8>);

impl Writer {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn i64(&mut self, v: i64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn bytes(&mut self, v: &[u8]) {
        self.u32(v.len() as u32);
        self.0.extend_from_slice(v);
    }
    fn opt_bytes(&mut self, v: Option<&[u8]>) {
        self.u8(u8::from(v.is_some()));
        if let Some(v) = v {
            self.bytes(v);
        }
    }
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.data.len())
            .ok_or_else(|| {
                Error::Malformed(format!("chunk bytes cut short at byte {}", self.pos))
            })?;
        let out = &self.data[self.pos..end];
        self.pos = end;
        Ok(out)
    }
    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }
    fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }
    fn i64(&mut self) -> Result<i64> {
        Ok(i64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }
    fn bytes(&mut self) -> Result<Vec<u8>> {
        let n = self.u32()? as usize;
        Ok(self.take(n)?.to_vec())
    }
    fn opt_bytes(&mut self) -> Result<Option<Vec<u8>>> {
        Ok(match self.u8()? {
            0 => None,
            _ => Some(self.bytes()?),
        })
    }
    fn header(&mut self, magic: &[u8; 4]) -> Result<()> {
        if self.take(4)? != magic {
            return Err(Error::Malformed(
                "not Fanout chunk bytes (bad magic)".into(),
            ));
        }
        match self.u8()? {
            VERSION => Ok(()),
            v => Err(Error::Malformed(format!(
                "chunk bytes version {v}, expected {VERSION}"
            ))),
        }
    }
    fn count(&mut self, min_item: usize) -> Result<usize> {
        let n = self.u32()? as usize;
        // Each item takes at least `min_item` bytes: reject counts that cannot fit.
        if n.saturating_mul(min_item) > self.data.len() - self.pos {
            return Err(Error::Malformed(format!(
                "chunk bytes claim {n} items, too many for their size"
            )));
        }
        Ok(n)
    }
}

fn random_access_code(r: RandomAccess) -> u8 {
    match r {
        RandomAccess::No => 0,
        RandomAccess::Idr => 1,
        RandomAccess::RecoveryPoint => 2,
        RandomAccess::Intra => 3,
    }
}

fn random_access_from(code: u8) -> RandomAccess {
    match code {
        1 => RandomAccess::Idr,
        2 => RandomAccess::RecoveryPoint,
        3 => RandomAccess::Intra,
        _ => RandomAccess::No,
    }
}

/// Serialises a chunk.
pub fn chunk_to_bytes(chunk: &Chunk) -> Vec<u8> {
    let mut w = Writer(Vec::with_capacity(
        chunk.byte_len() + 64 + chunk.units.len() * 32,
    ));
    w.0.extend_from_slice(CHUNK_MAGIC);
    w.u8(VERSION);
    w.u32(chunk.index);
    w.i64(chunk.start_pts);
    w.i64(chunk.end_pts);
    w.bytes(&chunk.parameter_sets);
    w.u32(chunk.units.len() as u32);
    for u in &chunk.units {
        w.i64(u.pts);
        w.i64(u.dts);
        let flags = random_access_code(u.random_access)
            | u8::from(u.is_reference) << 2
            | u8::from(u.interlaced) << 3
            | u8::from(u.bottom_field_first) << 4
            | u8::from(u.damaged) << 5;
        w.u8(flags);
        w.bytes(&u.data);
    }
    w.u32(chunk.audio.len() as u32);
    for a in &chunk.audio {
        w.u32(a.track);
        let (code, arg) = audio_codec_code(a.codec);
        w.u8(code);
        w.u8(arg);
        w.u32(a.sample_rate);
        w.u32(u32::from(a.channels));
        w.u32(a.bitrate);
        w.i64(a.origin_pts);
        w.i64(a.first_frame);
        w.i64(a.end_frame.unwrap_or(i64::MIN));
        w.u32(a.packets.len() as u32);
        for p in &a.packets {
            w.i64(p.position);
            w.u32(p.samples);
            w.bytes(&p.data);
        }
    }
    w.0
}

fn audio_codec_code(codec: AudioCodec) -> (u8, u8) {
    match codec {
        AudioCodec::AacAdts => (1, 0),
        AudioCodec::AacLatm => (2, 0),
        AudioCodec::MpegAudio => (3, 0),
        AudioCodec::Ac3 => (4, 0),
        AudioCodec::Eac3 => (5, 0),
        AudioCodec::Dts => (6, 0),
        AudioCodec::Lpcm => (7, 0),
        AudioCodec::Other(t) => (8, t),
    }
}

fn audio_codec_from(code: u8, arg: u8) -> Result<AudioCodec> {
    Ok(match code {
        1 => AudioCodec::AacAdts,
        2 => AudioCodec::AacLatm,
        3 => AudioCodec::MpegAudio,
        4 => AudioCodec::Ac3,
        5 => AudioCodec::Eac3,
        6 => AudioCodec::Dts,
        7 => AudioCodec::Lpcm,
        8 => AudioCodec::Other(arg),
        _ => return Err(Error::Malformed(format!("unknown audio codec code {code}"))),
    })
}

/// Reads a chunk written by [`chunk_to_bytes`].
pub fn chunk_from_bytes(data: &[u8]) -> Result<Chunk> {
    let mut r = Reader { data, pos: 0 };
    r.header(CHUNK_MAGIC)?;
    let index = r.u32()?;
    let start_pts = r.i64()?;
    let end_pts = r.i64()?;
    let parameter_sets = r.bytes()?;
    let n = r.count(21)?;
    let mut units = Vec::with_capacity(n);
    for _ in 0..n {
        let pts = r.i64()?;
        let dts = r.i64()?;
        let flags = r.u8()?;
        units.push(ChunkUnit {
            data: r.bytes()?,
            pts,
            dts,
            random_access: random_access_from(flags & 3),
            is_reference: flags & 4 != 0,
            interlaced: flags & 8 != 0,
            bottom_field_first: flags & 16 != 0,
            damaged: flags & 32 != 0,
        });
    }
    // track, codec (2), rate, channels, bitrate, 3 timestamps, packet count.
    let n = r.count(4 + 2 + 4 + 4 + 4 + 3 * 8 + 4)?;
    let mut audio = Vec::with_capacity(n);
    for _ in 0..n {
        let track = r.u32()?;
        let (code, arg) = (r.u8()?, r.u8()?);
        let codec = audio_codec_from(code, arg)?;
        let sample_rate = r.u32()?;
        let channels = u16::try_from(r.u32()?)
            .map_err(|_| Error::Malformed("audio channel count out of range".into()))?;
        let bitrate = r.u32()?;
        let origin_pts = r.i64()?;
        let first_frame = r.i64()?;
        let end_frame = Some(r.i64()?).filter(|&e| e != i64::MIN);
        let count = r.count(16)?;
        let mut packets = Vec::with_capacity(count);
        for _ in 0..count {
            let position = r.i64()?;
            let samples = r.u32()?;
            packets.push(AudioPacket {
                position,
                samples,
                data: r.bytes()?,
            });
        }
        audio.push(AudioSegment {
            track,
            codec,
            sample_rate,
            channels,
            bitrate,
            origin_pts,
            first_frame,
            end_frame,
            packets,
        });
    }
    Ok(Chunk {
        index,
        parameter_sets,
        units,
        start_pts,
        end_pts,
        audio,
    })
}

/// Serialises a job's result.
pub fn encoded_to_bytes(chunk: &EncodedChunk) -> Vec<u8> {
    let payload: usize = chunk.samples.iter().map(|s| s.data.len() + 21).sum();
    let mut w = Writer(Vec::with_capacity(payload + 128));
    w.0.extend_from_slice(ENCODED_MAGIC);
    w.u8(VERSION);
    w.u32(chunk.index);
    w.opt_bytes(chunk.av1c.as_deref());
    w.opt_bytes(chunk.codec_config.as_deref());
    w.u64(chunk.stats.frames);
    w.u64(chunk.stats.damaged_frames);
    w.u64(chunk.stats.replaced_frames);
    w.u8(u8::from(chunk.stats.deinterlaced));
    w.u32(chunk.samples.len() as u32);
    for s in &chunk.samples {
        w.i64(s.pts);
        w.i64(s.dts);
        w.u8(u8::from(s.sync));
        w.bytes(&s.data);
    }
    w.u32(chunk.audio.len() as u32);
    for a in &chunk.audio {
        w.u32(a.track);
        w.u64(a.damaged_packets);
        w.u32(a.frames.len() as u32);
        for (pts, data) in &a.frames {
            w.i64(*pts);
            w.bytes(data);
        }
    }
    w.0
}

/// Reads a result written by [`encoded_to_bytes`].
pub fn encoded_from_bytes(data: &[u8]) -> Result<EncodedChunk> {
    let mut r = Reader { data, pos: 0 };
    r.header(ENCODED_MAGIC)?;
    let index = r.u32()?;
    let av1c = r.opt_bytes()?;
    let codec_config = r.opt_bytes()?;
    let stats = JobStats {
        frames: r.u64()?,
        damaged_frames: r.u64()?,
        replaced_frames: r.u64()?,
        deinterlaced: r.u8()? != 0,
    };
    let n = r.count(21)?;
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let pts = r.i64()?;
        let dts = r.i64()?;
        let sync = r.u8()? != 0;
        samples.push(Sample {
            data: r.bytes()?,
            pts,
            dts,
            sync,
        });
    }
    let n = r.count(16)?;
    let mut audio = Vec::with_capacity(n);
    for _ in 0..n {
        let track = r.u32()?;
        let damaged_packets = r.u64()?;
        let count = r.count(12)?;
        let mut frames = Vec::with_capacity(count);
        for _ in 0..count {
            let pts = r.i64()?;
            frames.push((pts, r.bytes()?));
        }
        audio.push(EncodedAudio {
            track,
            frames,
            damaged_packets,
        });
    }
    Ok(EncodedChunk {
        index,
        samples,
        av1c,
        codec_config,
        stats,
        audio,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk() -> Chunk {
        Chunk {
            index: 7,
            parameter_sets: vec![0, 0, 0, 1, 0x67, 1, 2],
            units: vec![
                ChunkUnit {
                    data: vec![0, 0, 0, 1, 0x65, 9],
                    pts: 100,
                    dts: 90,
                    random_access: RandomAccess::RecoveryPoint,
                    is_reference: true,
                    interlaced: true,
                    bottom_field_first: false,
                    damaged: true,
                },
                ChunkUnit {
                    data: vec![0, 0, 1, 0x41],
                    pts: -5,
                    dts: 95,
                    random_access: RandomAccess::No,
                    is_reference: false,
                    interlaced: false,
                    bottom_field_first: true,
                    damaged: false,
                },
            ],
            start_pts: 100,
            end_pts: i64::MAX,
            audio: vec![AudioSegment {
                track: 1,
                codec: AudioCodec::Other(0x06),
                sample_rate: 48_000,
                channels: 6,
                bitrate: 384_000,
                origin_pts: -7,
                first_frame: 12,
                end_frame: None,
                packets: vec![AudioPacket {
                    position: 11_000,
                    samples: 1536,
                    data: vec![0x0b, 0x77, 1],
                }],
            }],
        }
    }

    #[test]
    fn chunk_round_trips() {
        let c = chunk();
        assert_eq!(chunk_from_bytes(&chunk_to_bytes(&c)).unwrap(), c);
    }

    /// Found by the `wire` fuzz target: an audio segment without packets
    /// (46 bytes) last in the chunk was rejected by a 48-byte minimum.
    #[test]
    fn chunk_ending_in_an_empty_audio_segment_round_trips() {
        let mut c = chunk();
        c.audio[0].packets.clear();
        assert_eq!(chunk_from_bytes(&chunk_to_bytes(&c)).unwrap(), c);
        let crash = include_bytes!("../tests/fixtures/fuzz/wire/empty-audio-segment");
        let decoded = chunk_from_bytes(crash).unwrap();
        assert_eq!(
            chunk_from_bytes(&chunk_to_bytes(&decoded)).unwrap(),
            decoded
        );
    }

    #[test]
    fn encoded_round_trips() {
        let e = EncodedChunk {
            index: 3,
            samples: vec![Sample {
                data: vec![1, 2, 3],
                pts: 42,
                dts: 41,
                sync: true,
            }],
            av1c: Some(vec![0x81, 0, 0, 0]),
            codec_config: None,
            stats: JobStats {
                frames: 1,
                damaged_frames: 2,
                replaced_frames: 3,
                deinterlaced: true,
            },
            audio: vec![EncodedAudio {
                track: 2,
                frames: vec![(-1920, vec![0x21, 0x10]), (0, vec![])],
                damaged_packets: 5,
            }],
        };
        assert_eq!(encoded_from_bytes(&encoded_to_bytes(&e)).unwrap(), e);
    }

    #[test]
    fn corrupt_bytes_are_errors_not_panics() {
        let bytes = chunk_to_bytes(&chunk());
        for len in 0..bytes.len() {
            assert!(chunk_from_bytes(&bytes[..len]).is_err());
        }
        let mut huge = bytes.clone();
        // Claim four billion units.
        let count_at = 4 + 1 + 4 + 8 + 8 + 4 + 7;
        huge[count_at..count_at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(chunk_from_bytes(&huge).is_err());
        assert!(encoded_from_bytes(b"FOch\x01").is_err());
    }
}
