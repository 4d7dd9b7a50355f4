//! The chunk job: one [`Chunk`] in, encoded samples out.
//!
//! A pure function of (chunk, settings): no I/O, no threads, no shared
//! state, so it runs the same on a rayon thread, in a Web Worker or on a
//! serverless function, and gives the same bytes everywhere.

use std::collections::BTreeMap;

use crate::audio::segment::run_segment;
use crate::audio::EncodedAudio;
use crate::codec::VideoCodecId;
use crate::decode::{decoder_for, Output};
use crate::deinterlace::{Deinterlacer, Fields};
use crate::encode::{
    rate, Av1Encoder, Av1Settings, EncodedFrame, H264Encoder, H264Settings, LumaError,
    VideoEncoder, VideoFormat,
};
use crate::error::{Error, Result};
use crate::mux::mp4::{
    annex_b_to_length_prefixed, avcc_from_parameter_sets, hevc_annex_b_to_length_prefixed,
    hvcc_from_parameter_sets,
};
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
    /// Keep the H.264 or HEVC as it is (remux only).
    Copy,
}

/// Everything a chunk job needs besides the chunk itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct JobSettings {
    pub video: VideoMode,
    /// The source's codec (which decoder, or which copy framing).
    pub codec: VideoCodecId,
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
    /// `avcC` (copy of H.264, H.264 mode) or `hvcC` (copy of HEVC) payload.
    pub codec_config: Option<Vec<u8>>,
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

/// Decodes a chunk's video and nothing else (the decode benchmark's job);
/// returns how many pictures came out.
pub fn decode_chunk(chunk: &Chunk, settings: &JobSettings) -> Result<u64> {
    check_limits(chunk, settings)?;
    let mut decoder = decoder_for(settings.codec)?;
    decoder.feed_parameter_sets(&chunk.parameter_sets)?;
    let mut pictures = 0;
    for unit in &chunk.units {
        let decoded = decoder.decode(&unit.data, unit.pts)?;
        pictures += decoded.pictures.iter().filter(|(_, p)| p.is_some()).count() as u64;
    }
    pictures += decoder.flush()?.iter().filter(|(_, p)| p.is_some()).count() as u64;
    Ok(pictures)
}

/// The chunk and every picture size it could make a decoder allocate are
/// within [`crate::limits`] (a chunk may come from the wire, unplanned).
fn check_limits(chunk: &Chunk, settings: &JobSettings) -> Result<()> {
    crate::limits::check_chunk(chunk.units.len(), chunk.byte_len())?;
    crate::limits::check_picture(settings.format.width, settings.format.height)?;
    crate::codec::check_picture_limits(settings.codec, &chunk.parameter_sets)?;
    for unit in &chunk.units {
        crate::codec::check_picture_limits(settings.codec, &unit.data)?;
    }
    Ok(())
}

fn run_video(chunk: &Chunk, settings: &JobSettings, progress: Progress) -> Result<EncodedChunk> {
    check_limits(chunk, settings)?;
    match settings.video {
        VideoMode::Copy => copy_chunk(chunk, settings.codec),
        VideoMode::Av1(av1) => encode_av1(chunk, settings, av1, progress),
        VideoMode::H264(h264) => {
            let encoder = VideoEncoder::H264(Box::new(H264Encoder::new(settings.format, &h264)?));
            encode_chunk(chunk, settings, encoder, None, progress).map(|(e, _)| e)
        }
    }
}

/// AV1 at the preset's quantizer or, under a bitrate cap, at the quantizer
/// a probe of the chunk's first frames predicts will fit (see
/// [`crate::encode::rate`]), never better than the preset's. Should the
/// whole chunk come out bigger than its source, it is encoded again at a
/// quantizer from its real size (up to three times); should it come out
/// under three quarters of the cap, or under 38 dB with room below the
/// source's size, once at a better one.
fn encode_av1(
    chunk: &Chunk,
    settings: &JobSettings,
    av1: Av1Settings,
    progress: Progress,
) -> Result<EncodedChunk> {
    let encode = |av1: Av1Settings, limit: Option<usize>, progress: Progress| {
        let encoder = VideoEncoder::Av1(Box::new(Av1Encoder::new(settings.format, &av1)?));
        encode_chunk(chunk, settings, encoder, limit, progress)
            .map(|(encoded, error)| (encoded, error.unwrap_or_default()))
    };
    let frames = chunk.output_frames();
    if av1.bitrate_cap_percent == 0 || frames == 0 {
        return encode(av1, None, progress).map(|(e, _)| e);
    }
    let source_bytes: u64 = chunk.units.iter().map(|u| u.data.len() as u64).sum();
    let cap = rate::cap_bytes(
        source_bytes,
        chunk.units.len(),
        frames,
        av1.bitrate_cap_percent,
    );
    let floor = av1.quantizer;
    let mut quantizer = floor;
    if frames > 1 {
        // The probe runs at the fastest speed: a little bigger than the
        // real encode, so the prediction errs towards the smaller file.
        let (probe, _) = encode(
            Av1Settings { speed: 10, ..av1 },
            Some(rate::PROBE_FRAMES.min(frames)),
            &mut |_| progress(0),
        )?;
        let sizes: Vec<usize> = probe.samples.iter().map(|s| s.data.len()).collect();
        let mut source: Vec<(i64, usize, bool)> = chunk
            .units
            .iter()
            .filter(|u| kept(chunk, u))
            .map(|u| (u.pts, u.data.len(), u.random_access.is_random_access()))
            .collect();
        source.sort_unstable_by_key(|s| s.0);
        let source: Vec<(usize, bool)> = source.iter().map(|s| (s.1, s.2)).collect();
        let predicted = rate::predict_chunk_bytes(&sizes, &source);
        quantizer += rate::quantizer_step(predicted, cap, u8::MAX - floor);
    }
    let (mut encoded, mut error) = encode(Av1Settings { quantizer, ..av1 }, None, &mut *progress)?;
    let size = |e: &EncodedChunk| e.samples.iter().map(|s| s.data.len() as u64).sum::<u64>();
    let source_share = rate::cap_bytes(source_bytes, chunk.units.len(), frames, 100);
    let done = encoded.stats.frames;
    // Corrections from the real size, which predicts the size at another
    // quantizer far better than the probe. Never bigger than the source: up
    // to three steps up, each aimed at the cap.
    let mut bytes = size(&encoded);
    for _ in 0..3 {
        if bytes <= source_share || quantizer == u8::MAX {
            break;
        }
        quantizer += rate::quantizer_step(bytes, cap, u8::MAX - quantizer).max(1);
        (encoded, error) = encode(Av1Settings { quantizer, ..av1 }, None, &mut |_| {
            progress(done)
        })?;
        bytes = size(&encoded);
    }
    // One step down, kept only if it stays within the source's size: to the
    // cap when the probe over-predicted (under three quarters of it:
    // quality lost for nothing), or to 95 % of the source when the
    // picture is under 38 dB and there is room (a low-rate source that
    // the cap alone would leave visibly worse).
    let aim = if bytes * 4 < cap * 3 {
        Some(cap)
    } else if error.below_38_db() && bytes * 10 < source_share * 9 {
        Some(source_share * 95 / 100)
    } else {
        None
    };
    if let Some(aim) = aim.filter(|_| quantizer > floor) {
        let lower = quantizer - rate::quantizer_step(aim, bytes, quantizer - floor).max(1);
        let (again, _) = encode(
            Av1Settings {
                quantizer: lower,
                ..av1
            },
            None,
            &mut |_| progress(done),
        )?;
        if size(&again) <= source_share {
            encoded = again;
        }
    }
    Ok(encoded)
}

fn kept(chunk: &Chunk, unit: &ChunkUnit) -> bool {
    unit.pts >= chunk.start_pts && unit.pts < chunk.end_pts
}

/// Converts an Annex-B access unit to MP4 sample framing.
type ToMp4 = fn(&[u8], &mut Vec<u8>);

/// Copy mode: the same H.264 or HEVC in MP4 framing (4-byte NAL lengths,
/// parameter sets moved to `avcC` / `hvcC`).
fn copy_chunk(chunk: &Chunk, codec: VideoCodecId) -> Result<EncodedChunk> {
    let (codec_config, to_mp4): (_, ToMp4) = match codec {
        VideoCodecId::H264 => (
            avcc_from_parameter_sets(&chunk.parameter_sets)?,
            annex_b_to_length_prefixed,
        ),
        VideoCodecId::Hevc => (
            hvcc_from_parameter_sets(&chunk.parameter_sets)?,
            hevc_annex_b_to_length_prefixed,
        ),
        other => return Err(other.copy_refusal()),
    };
    let mut samples: Vec<Sample> = chunk
        .units
        .iter()
        .filter(|u| kept(chunk, u))
        .map(|u| {
            let mut data = Vec::with_capacity(u.data.len());
            to_mp4(&u.data, &mut data);
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
        codec_config: Some(codec_config),
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

/// Decodes the chunk and encodes its output frames; with `limit`, only
/// the first that many (a probe).
fn encode_chunk(
    chunk: &Chunk,
    settings: &JobSettings,
    encoder: VideoEncoder,
    limit: Option<usize>,
    progress: Progress,
) -> Result<(EncodedChunk, Option<LumaError>)> {
    let format = settings.format;
    let mut decoder = decoder_for(settings.codec)?;
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
    let mut stats = JobStats {
        deinterlaced: deinterlace,
        ..Default::default()
    };
    let mut reorder = Reorder {
        output: FrameOutput {
            encoder,
            deinterlacer,
            out_pts: Vec::with_capacity(order.len()),
            frames: Vec::with_capacity(order.len()),
            last_good: None,
        },
        order,
        next_out: 0,
        decoded: BTreeMap::new(),
        waiting: BTreeMap::new(),
        format,
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
        let decoded = decoder.decode(&unit.data, unit.pts)?;
        if unit.random_access.is_random_access() && !unit.damaged && !decoded.had_errors {
            tainted = false;
        }
        let bad = unit.damaged || decoded.had_errors || tainted;
        if bad && unit.is_reference {
            tainted = true;
        }
        if kept(chunk, unit) {
            // Auto deinterlaces the pictures coded as interlaced; On all of them.
            let fields = match (
                unit.interlaced || settings.deinterlace == Deinterlace::On,
                unit.bottom_field_first,
            ) {
                (false, _) => Fields::Progressive,
                (true, false) => Fields::TopFirst,
                (true, true) => Fields::BottomFirst,
            };
            reorder.decoded.insert(unit.pts, (bad, fields));
        }
        reorder.take(decoded.pictures, &mut stats, &mut *progress)?;
        if limit.is_some_and(|n| reorder.next_out >= n) {
            reorder.order.truncate(reorder.next_out);
            reorder.decoded.clear();
            break;
        }
    }
    reorder.take(decoder.flush()?, &mut stats, &mut *progress)?;
    // Units the decoder never answered (it should not happen): damaged.
    let unanswered: Vec<Output> = reorder.decoded.keys().map(|&p| (p, None)).collect();
    reorder.take(unanswered, &mut stats, &mut *progress)?;
    if reorder.next_out != reorder.order.len() {
        return Err(Error::Malformed(format!(
            "chunk {}: {} frames could not be put in presentation order (duplicate timestamps?)",
            chunk.index,
            reorder.order.len() - reorder.next_out
        )));
    }
    let output = reorder.output;
    let (samples, encoder) = output.finish(chunk.index)?;
    let (av1c, codec_config, luma_error) = match encoder {
        VideoEncoder::Av1(e) => (e.av1c(), None, Some(e.luma_error())),
        VideoEncoder::H264(e) => (None, e.avcc(), None),
    };
    let encoded = EncodedChunk {
        index: chunk.index,
        samples,
        av1c,
        codec_config,
        stats,
        audio: Vec::new(),
    };
    Ok((encoded, luma_error))
}

/// Decoded pictures (in whatever order the decoder gives them) → presentation
/// order → [`FrameOutput`], damaged ones replaced.
struct Reorder {
    output: FrameOutput,
    /// Presentation order of the frames this chunk outputs.
    order: Vec<i64>,
    next_out: usize,
    /// Output units decoded but not yet answered: (bad, fields).
    decoded: BTreeMap<i64, (bool, Fields)>,
    /// Answered units waiting for their turn, with their fields.
    waiting: BTreeMap<i64, (Slot, Fields)>,
    format: VideoFormat,
}

impl Reorder {
    /// Takes the decoder's answers and passes on every frame whose turn has come.
    fn take(
        &mut self,
        pictures: Vec<Output>,
        stats: &mut JobStats,
        progress: Progress,
    ) -> Result<()> {
        let format = self.format;
        for (pts, picture) in pictures {
            // Warm-up units (not output) have no entry.
            let Some((bad, fields)) = self.decoded.remove(&pts) else {
                continue;
            };
            let size_ok = picture.as_ref().is_some_and(|p| {
                p.width == format.width
                    && p.height == format.height
                    && p.bit_depth == format.bit_depth
            });
            let slot = match picture {
                Some(p) if !bad && size_ok => Slot::Good(p),
                other => {
                    stats.damaged_frames += 1;
                    Slot::Damaged(other.filter(|_| size_ok))
                }
            };
            self.waiting.insert(pts, (slot, fields));
        }
        while let Some((slot, fields)) = self
            .order
            .get(self.next_out)
            .and_then(|pts| self.waiting.remove(pts))
        {
            let pts = self.order[self.next_out];
            self.next_out += 1;
            let output = &mut self.output;
            match slot {
                Slot::Good(p) => output.push_good(p, pts, fields)?,
                Slot::Damaged(own) => {
                    stats.replaced_frames += u64::from(output.last_good.is_some());
                    let picture = match (&output.last_good, own) {
                        (Some(good), _) => good.clone(),
                        (None, Some(own)) => own,
                        (None, None) => grey(&format),
                    };
                    output.push(picture, pts, fields)?;
                }
            }
            stats.frames += 1;
            if !progress(stats.frames) {
                return Err(Error::Cancelled);
            }
        }
        Ok(())
    }
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
    fn push_good(&mut self, picture: Picture, pts: i64, fields: Fields) -> Result<()> {
        self.last_good = Some(picture.clone());
        self.push(picture, pts, fields)
    }

    fn push(&mut self, picture: Picture, pts: i64, fields: Fields) -> Result<()> {
        self.out_pts.push(pts);
        let ready = match &mut self.deinterlacer {
            Some(d) => d.push_fields(picture, fields),
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
