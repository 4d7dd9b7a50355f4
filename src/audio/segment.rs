//! The audio part of a chunk job: an [`AudioSegment`] in, AAC frames out.
//! A pure function, like the video job.

use super::decode::Decoder;
use super::encode;
use super::{AudioSegment, EncodedAudio, AAC_FRAME};
use crate::error::{Error, Result};
use crate::plan::TICKS_PER_SECOND;

/// Samples encoded before a segment's first frame and dropped: enough for
/// the encoder's overlap and transient lookahead to match the segment
/// before, so the frames on both sides of a seam fit together.
pub const ENCODER_PREROLL: i64 = 2 * AAC_FRAME;
/// Samples encoded after a segment's last frame (the same on the far side).
pub const ENCODER_POSTROLL: i64 = 2 * AAC_FRAME;
/// Extra source audio decoded before the pre-roll, so the source decoder's
/// own overlap (one frame of MP2/AC-3/AAC) is warm when the pre-roll starts.
pub const DECODER_WARMUP: i64 = 4096;

/// Encodes one segment.
pub fn run_segment(segment: &AudioSegment) -> Result<EncodedAudio> {
    let channels = usize::from(segment.channels.max(1));
    let base = (segment.first_frame * AAC_FRAME - ENCODER_PREROLL).max(0);
    let last_end = segment
        .packets
        .iter()
        .map(|p| p.position + i64::from(p.samples))
        .max()
        .unwrap_or(base);
    // Frames to keep: up to `end_frame`, or for the last segment every frame
    // that holds a source sample (the encoder delays its input by PRIMING).
    let end_frame = segment
        .end_frame
        .unwrap_or_else(|| (last_end - 1 + encode::PRIMING).div_euclid(AAC_FRAME) + 1);
    if end_frame <= segment.first_frame {
        return Ok(EncodedAudio {
            track: segment.track,
            frames: Vec::new(),
            damaged_packets: 0,
        });
    }
    let input_end = end_frame * AAC_FRAME + ENCODER_POSTROLL;
    let len = usize::try_from(input_end - base)
        .map_err(|_| Error::Malformed("audio segment ends before it starts".into()))?;
    if len > 64 * 1024 * 1024 / channels {
        return Err(Error::Malformed(format!(
            "audio segment of {len} samples is too long"
        )));
    }

    // Decode every packet in order (the decoder needs its predecessors) and
    // place the PCM at its position; gaps stay silent.
    let mut pcm = vec![0f32; len * channels];
    let mut decoder = Decoder::new(segment.codec, segment.channels)?;
    let mut damaged = 0u64;
    let kept = segment.first_frame * AAC_FRAME..end_frame * AAC_FRAME;
    for packet in &segment.packets {
        let decoded = decoder.decode(&packet.data);
        let samples = match decoded {
            Ok(s) => s,
            Err(_) => {
                if kept.contains(&packet.position) {
                    damaged += 1;
                }
                continue;
            }
        };
        // Place what the packet says it holds; a decoder that gave fewer
        // samples leaves silence, more are cut.
        let count = (samples.len() / channels).min(packet.samples as usize);
        for i in 0..count {
            let at = packet.position + i as i64 - base;
            if (0..len as i64).contains(&at) {
                let at = at as usize * channels;
                pcm[at..at + channels].copy_from_slice(&samples[i * channels..(i + 1) * channels]);
            }
        }
    }

    let encoded = encode::encode_aac(&pcm, segment.sample_rate, segment.channels, segment.bitrate)?;
    let first_index = base / AAC_FRAME;
    let rate = i64::from(segment.sample_rate.max(1));
    let frames = encoded
        .into_iter()
        .enumerate()
        .filter_map(|(i, data)| {
            let j = first_index + i as i64;
            (segment.first_frame..end_frame).contains(&j).then(|| {
                let sample = j * AAC_FRAME - encode::PRIMING;
                (
                    segment.origin_pts + (sample * TICKS_PER_SECOND).div_euclid(rate),
                    data,
                )
            })
        })
        .collect::<Vec<_>>();
    if (frames.len() as i64) < end_frame - segment.first_frame {
        return Err(Error::Encoder(format!(
            "AAC encoder gave {} of {} frames",
            frames.len(),
            end_frame - segment.first_frame
        )));
    }
    Ok(EncodedAudio {
        track: segment.track,
        frames,
        damaged_packets: damaged,
    })
}
