//! The chunk job: one [`Chunk`] in, encoded samples out.
//!
//! A pure function of (chunk, settings): no I/O, no threads, no shared
//! state, so it runs the same on a rayon thread, in a Web Worker or on a
//! serverless function, and gives the same bytes everywhere.

use std::collections::BTreeMap;

use crate::audio::segment::run_segment;
use crate::audio::EncodedAudio;
use crate::decode::VideoDecoder;
use crate::deinterlace::Deinterlacer;
use crate::encode::{
    Av1Encoder, Av1Settings, EncodedFrame, H264Encoder, H264Settings, VideoEncoder, VideoFormat,
};
use crate::error::{Error, Result};
use crate::mux::mp4::{annex_b_to_length_prefixed, avcc_from_parameter_sets};
use crate::picture::{Picture, Planes};
use crate::plan::{Chunk, ChunkUnit};

/// Whether to deinterlace.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Deinterlace {
    /// When the stream codes interlaced pictures (the default).
    #[default]
    Auto,
    /// Always.
    On,
    /// Never: woven fields go to the encoder as they are.
    Off,
}

/// What to do with the video.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum VideoMode {
    /// Decode and encode to AV1.
    Av1(Av1Settings),
    /// Decode and encode to H.264 (fast mode).
    H264(H264Settings),
    /// Keep the H.264 as it is (remux only).
    Copy,
}

/// Everything a chunk job needs besides the chunk itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct JobSettings {
    pub video: VideoMode,
    pub deinterlace: Deinterlace,
    /// Stream-wide picture format (from the first SPS).
    pub format: VideoFormat,
    /// The stream codes interlaced pictures.
    pub interlaced_source: bool,
    pub top_field_first: bool,
}

/// One output sample.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sample {
    pub data: Vec<u8>,
    pub pts: i64,
    pub dts: i64,
    pub sync: bool,
}

/// Counters of one job.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct JobStats {
    pub frames: u64,
    /// Units whose data was damaged or failed to decode.
    pub damaged_frames: u64,
    /// Output frames that repeat the last good picture instead.
    pub replaced_frames: u64,
    pub deinterlaced: bool,
}

/// The result of one chunk job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncodedChunk {
    pub index: u32,
    /// In decode order (for AV1 the same as presentation order).
    pub samples: Vec<Sample>,
    /// `av1C` payload (AV1 mode).
    pub av1c: Option<Vec<u8>>,
    /// `avcC` payload (copy and H.264 modes).
    pub avcc: Option<Vec<u8>>,
    pub stats: JobStats,
    /// The chunk's encoded audio, one per segment it carried.
    pub audio: Vec<EncodedAudio>,
}

/// Progress callback: called once per output frame with frames done so far;
/// returning `false` cancels the job.
pub type Progress<'a> = &'a mut dyn FnMut(u64) -> bool;

/// Runs one chunk: its video, then its audio segments.
pub fn run_chunk(
    chunk: &Chunk,
    settings: &JobSettings,
    progress: Progress,
) -> Result<EncodedChunk> {
    let mut encoded = run_video(chunk, settings, progress)?;
    encoded.audio = chunk
        .audio
        .iter()
        .map(run_segment)
        .collect::<Result<Vec<_>>>()?;
    Ok(encoded)
}

fn run_video(chunk: &Chunk, settings: &JobSettings, progress: Progress) -> Result<EncodedChunk> {
    match settings.video {
        VideoMode::Copy => copy_chunk(chunk),
        VideoMode::Av1(av1) => {
            let encoder = VideoEncoder::Av1(Box::new(Av1Encoder::new(settings.format, &av1)?));
            encode_chunk(chunk, settings, encoder, progress)
        }
        VideoMode::H264(h264) => {
            let encoder = VideoEncoder::H264(Box::new(H264Encoder::new(settings.format, &h264)?));
            encode_chunk(chunk, settings, encoder, progress)
        }
    }
}

fn kept(chunk: &Chunk, unit: &ChunkUnit) -> bool {
    unit.pts >= chunk.start_pts && unit.pts < chunk.end_pts
}

/// Copy mode: the same H.264 in MP4 framing (4-byte NAL lengths, parameter
/// sets moved to `avcC`).
fn copy_chunk(chunk: &Chunk) -> Result<EncodedChunk> {
    let mut samples: Vec<Sample> = chunk
        .units
        .iter()
        .filter(|u| kept(chunk, u))
        .map(|u| {
            let mut data = Vec::with_capacity(u.data.len());
            annex_b_to_length_prefixed(&u.data, &mut data);
            Sample {
                data,
                pts: u.pts,
                dts: u.dts,
                sync: u.random_access.is_random_access(),
            }
        })
        .collect();
    rebuild_missing_dts(&mut samples);
    let damaged = chunk
        .units
        .iter()
        .filter(|u| kept(chunk, u) && u.damaged)
        .count() as u64;
    Ok(EncodedChunk {
        index: chunk.index,
        stats: JobStats {
            frames: samples.len() as u64,
            damaged_frames: damaged,
            ..Default::default()
        },
        samples,
        av1c: None,
        avcc: Some(avcc_from_parameter_sets(&chunk.parameter_sets)?),
        audio: Vec::new(),
    })
}

/// Streams whose PES headers carry no DTS (DTS = PTS) but reorder frames
/// need a decode timeline for MP4: the sorted PTS, delayed just enough that
/// no frame is decoded after it is shown.
fn rebuild_missing_dts(samples: &mut [Sample]) {
    let monotonic = samples.windows(2).all(|w| w[1].dts > w[0].dts);
    let ordered = samples.iter().all(|s| s.dts <= s.pts);
    if monotonic && ordered {
        return;
    }
    let mut sorted: Vec<i64> = samples.iter().map(|s| s.pts).collect();
    sorted.sort_unstable();
    let delay = samples
        .iter()
        .zip(&sorted)
        .map(|(s, &p)| p - s.pts)
        .max()
        .unwrap_or(0)
        .max(0);
    for (s, p) in samples.iter_mut().zip(sorted) {
        s.dts = p - delay;
    }
}

/// A decoded picture waiting for its turn in presentation order.
enum Slot {
    Good(Picture),
    /// Damaged: the decoder's picture if it made one.
    Damaged(Option<Picture>),
}

fn encode_chunk(
    chunk: &Chunk,
    settings: &JobSettings,
    encoder: VideoEncoder,
    progress: Progress,
) -> Result<EncodedChunk> {
    let format = settings.format;
    let mut decoder = VideoDecoder::new();
    decoder.feed_parameter_sets(&chunk.parameter_sets)?;
    let deinterlace = match settings.deinterlace {
        Deinterlace::Auto => settings.interlaced_source,
        Deinterlace::On => true,
        Deinterlace::Off => false,
    };
    let deinterlacer = deinterlace.then(|| Deinterlacer::new(settings.top_field_first));

    // Presentation order of the frames this chunk outputs.
    let mut order: Vec<i64> = chunk
        .units
        .iter()
        .filter(|u| kept(chunk, u))
        .map(|u| u.pts)
        .collect();
    order.sort_unstable();
    let mut next_out = 0usize;
    // Each waiting picture with its field order (`true`: top field first).
    let mut waiting: BTreeMap<i64, (Slot, bool)> = BTreeMap::new();
    let mut stats = JobStats {
        deinterlaced: deinterlace,
        ..Default::default()
    };
    let mut output = FrameOutput {
        encoder,
        deinterlacer,
        out_pts: Vec::with_capacity(order.len()),
        frames: Vec::with_capacity(order.len()),
        last_good: None,
    };
    // A damaged reference picture spoils everything after it until the next
    // random-access point.
    let mut tainted = false;

    // Decoding starts at a random-access point; its open-GOP leading
    // pictures reference what this chunk never has (they belong to the
    // previous chunk). Other frames before `start_pts` are warm-up: decoded
    // to rebuild the references, not output.
    let first_pts = chunk.units.first().map_or(chunk.start_pts, |u| u.pts);
    for unit in &chunk.units {
        if unit.pts < first_pts {
            continue;
        }
        let decoded = decoder.decode(&unit.data)?;
        if unit.random_access.is_random_access() && !unit.damaged && !decoded.had_errors {
            tainted = false;
        }
        let size_ok = decoded.picture.as_ref().is_some_and(|p| {
            p.width == format.width && p.height == format.height && p.bit_depth == format.bit_depth
        });
        let bad = unit.damaged || decoded.had_errors || !size_ok || tainted;
        if bad && unit.is_reference {
            tainted = true;
        }
        if !kept(chunk, unit) {
            continue;
        }
        let slot = match decoded.picture {
            Some(p) if !bad => Slot::Good(p),
            other => {
                stats.damaged_frames += 1;
                Slot::Damaged(other.filter(|_| size_ok))
            }
        };
        waiting.insert(unit.pts, (slot, !unit.bottom_field_first));
        while let Some((slot, tff)) = order.get(next_out).and_then(|pts| waiting.remove(pts)) {
            let pts = order[next_out];
            next_out += 1;
            match slot {
                Slot::Good(p) => output.push_good(p, pts, tff)?,
                Slot::Damaged(own) => {
                    stats.replaced_frames += u64::from(output.last_good.is_some());
                    let picture = match (&output.last_good, own) {
                        (Some(good), _) => good.clone(),
                        (None, Some(own)) => own,
                        (None, None) => grey(&format),
                    };
                    output.push(picture, pts, tff)?;
                }
            }
            stats.frames += 1;
            if !progress(stats.frames) {
                return Err(Error::Cancelled);
            }
        }
    }
    if next_out != order.len() {
        return Err(Error::Malformed(format!(
            "chunk {}: {} frames could not be put in presentation order (duplicate timestamps?)",
            chunk.index,
            order.len() - next_out
        )));
    }
    let (samples, encoder) = output.finish(chunk.index)?;
    let (av1c, avcc) = match encoder {
        VideoEncoder::Av1(e) => (e.av1c(), None),
        VideoEncoder::H264(e) => (None, e.avcc()),
    };
    Ok(EncodedChunk {
        index: chunk.index,
        samples,
        av1c,
        avcc,
        stats,
        audio: Vec::new(),
    })
}

/// Pictures in presentation order → (deinterlacer) → encoder.
struct FrameOutput {
    encoder: VideoEncoder,
    deinterlacer: Option<Deinterlacer>,
    /// Source timestamp of each picture sent, by encoder input index.
    out_pts: Vec<i64>,
    frames: Vec<EncodedFrame>,
    /// What a damaged frame repeats.
    last_good: Option<Picture>,
}

impl FrameOutput {
    fn push_good(&mut self, picture: Picture, pts: i64, top_field_first: bool) -> Result<()> {
        self.last_good = Some(picture.clone());
        self.push(picture, pts, top_field_first)
    }

    fn push(&mut self, picture: Picture, pts: i64, top_field_first: bool) -> Result<()> {
        self.out_pts.push(pts);
        let ready = match &mut self.deinterlacer {
            Some(d) => d.push_with_order(picture, top_field_first),
            None => Some(picture),
        };
        if let Some(p) = ready {
            self.frames.extend(self.encoder.send(&p)?);
        }
        Ok(())
    }

    /// Flushes everything; returns the samples with their source
    /// timestamps, and the encoder (for its codec configuration).
    fn finish(mut self, chunk_index: u32) -> Result<(Vec<Sample>, VideoEncoder)> {
        if let Some(p) = self.deinterlacer.as_mut().and_then(Deinterlacer::flush) {
            self.frames.extend(self.encoder.send(&p)?);
        }
        self.frames.extend(self.encoder.finish()?);
        if self.frames.len() != self.out_pts.len() {
            return Err(Error::Encoder(format!(
                "chunk {chunk_index}: {} frames in, {} out",
                self.out_pts.len(),
                self.frames.len()
            )));
        }
        let out_pts = self.out_pts;
        let samples = self
            .frames
            .into_iter()
            .map(|f| {
                let pts = out_pts
                    .get(f.input_index as usize)
                    .copied()
                    .ok_or_else(|| {
                        Error::Encoder("rav1e returned a frame it was never given".into())
                    })?;
                Ok(Sample {
                    data: f.data,
                    pts,
                    dts: pts,
                    sync: f.keyframe,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((samples, self.encoder))
    }
}

/// Mid-grey picture, for a damaged frame with nothing to repeat.
fn grey(format: &VideoFormat) -> Picture {
    let (w, h) = (format.width as usize, format.height as usize);
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    let planes = if format.bit_depth > 8 {
        let mid = 1u16 << (format.bit_depth - 1);
        Planes::U16([vec![mid; w * h], vec![mid; cw * ch], vec![mid; cw * ch]])
    } else {
        Planes::U8([vec![128; w * h], vec![128; cw * ch], vec![128; cw * ch]])
    };
    Picture {
        width: format.width,
        height: format.height,
        bit_depth: format.bit_depth,
        planes,
    }
}
