//! A chunk's AV1 quantizer under a bitrate cap.
//!
//! rav1e's one-pass bitrate mode was tried first and rejected: on chunks of
//! one or two seconds it starves the frames after each keyframe (25-byte
//! frames, 12 dB) and, where it does not, lands 1.5 dB below a constant
//! quantizer at the same size (bench/size/README.md). So every chunk keeps
//! one constant quantizer, raised from the preset's by what a short probe
//! encode predicts. Integer arithmetic only: every face picks the same
//! quantizer, so the bytes stay identical.

/// rav1e's output halves about every 40 quantizer steps (measured from
/// quantizer 80 to 220 on the corpus; bench/size/README.md).
pub const QUANTIZER_STEPS_PER_HALVING: u32 = 40;

/// 2^(1/40) in Q32: one quantizer step's size factor.
const STEP_FACTOR_Q32: u128 = 4_370_042_002;

/// Frames the probe encodes at the start of a chunk.
pub const PROBE_FRAMES: usize = 8;

/// The smallest quantizer step `dq` for which `bits` × 2^(−dq/40) ≤
/// `target`, at most `max_step`.
pub fn quantizer_step(bits: u64, target: u64, max_step: u8) -> u8 {
    let mut allowed = u128::from(target.max(1)) << 32;
    let bits = u128::from(bits) << 32;
    let mut step = 0u8;
    while bits > allowed && step < max_step {
        allowed = (allowed * STEP_FACTOR_Q32) >> 32;
        step += 1;
    }
    step
}

/// A chunk's AV1 bytes, predicted from the probe's frame sizes (bytes, in
/// presentation order, the first a keyframe) and the source's: `source`
/// holds every output frame's source bytes in presentation order, with
/// whether it is a random-access point.
///
/// The probe's frames count as they are; every later frame costs its
/// source bytes times what the probe's inter frames cost against the same
/// frames of the source. So a chunk that opens on black, or on a still,
/// and then comes alive is predicted from the source's own shape, not from
/// its first quarter second (which missed by 0.28–16.7×; this by 0.37–8.8×,
/// 80 % of chunks within 0.63–1.27×, against 0.46–1.57×: bench/size/README.md). Random-access
/// frames after the first count as the median inter frame: the encoder
/// codes them as inter frames.
pub fn predict_chunk_bytes(probe: &[usize], source: &[(usize, bool)]) -> u64 {
    let Some((&key, inter)) = probe.split_first() else {
        return 0;
    };
    let frames = source.len().max(probe.len());
    let probe_total: u64 = probe.iter().map(|&b| b as u64).sum();
    if inter.is_empty() || frames <= probe.len() {
        return probe_total + key as u64 * (frames - probe.len()) as u64;
    }
    let mut plain: Vec<usize> = source
        .iter()
        .skip(1)
        .filter(|s| !s.1)
        .map(|s| s.0)
        .collect();
    plain.sort_unstable();
    let median = plain.get(plain.len() / 2).copied().unwrap_or(0);
    let source_bytes = |from: usize, to: usize| -> u128 {
        source[from.min(source.len())..to.min(source.len())]
            .iter()
            .map(|&(bytes, random_access)| if random_access { median } else { bytes } as u128)
            .sum()
    };
    let probed_source = source_bytes(1, probe.len());
    let inter_total: u128 = inter.iter().map(|&b| b as u128).sum();
    let rest = (source_bytes(probe.len(), source.len()) * inter_total)
        .checked_div(probed_source)
        // No source bytes to scale by: the probe's mean inter frame.
        .unwrap_or_else(|| inter_total * (frames - probe.len()) as u128 / inter.len() as u128);
    probe_total + rest.min(u128::from(u64::MAX)) as u64
}

/// The cap in bytes for a chunk that outputs `frames` of the `units` it
/// decodes, which carry `source_bytes`.
pub fn cap_bytes(source_bytes: u64, units: usize, frames: usize, percent: u8) -> u64 {
    if units == 0 {
        return 0;
    }
    let share = u128::from(source_bytes) * frames as u128 / units as u128;
    (share * u128::from(percent) / 100) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_step_when_the_prediction_fits() {
        assert_eq!(quantizer_step(1000, 1000, 255), 0);
        assert_eq!(quantizer_step(999, 1000, 255), 0);
    }

    #[test]
    fn forty_steps_halve() {
        assert_eq!(quantizer_step(2000, 1000, 255), 40);
        assert_eq!(quantizer_step(4000, 1000, 255), 80);
        // Just over one halving needs one more step.
        assert_eq!(quantizer_step(2001, 1000, 255), 41);
        assert_eq!(quantizer_step(u64::MAX, 1, 100), 100);
    }

    #[test]
    fn prediction_follows_the_source_shape() {
        // The probe's inter frames cost half their source bytes: the rest
        // of the chunk does too.
        let source = [
            (9000, true),
            (200, false),
            (200, false),
            (1000, false),
            (1000, false),
        ];
        assert_eq!(predict_chunk_bytes(&[5000, 100, 100], &source), 5200 + 1000);
        // A later random-access frame counts as the median inter frame.
        let source = [
            (9000, true),
            (200, false),
            (200, false),
            (9000, true),
            (1000, false),
        ];
        assert_eq!(
            predict_chunk_bytes(&[5000, 100, 100], &source),
            5200 + 100 + 500
        );
        // No source bytes under the probe: its mean inter frame.
        let source = [(9000, true), (0, false), (0, false), (1000, false)];
        assert_eq!(predict_chunk_bytes(&[5000, 100, 300], &source), 5400 + 200);
        assert_eq!(predict_chunk_bytes(&[5000], &[(9000, true)]), 5000);
        assert_eq!(predict_chunk_bytes(&[], &source), 0);
    }

    #[test]
    fn cap_is_the_output_frames_share() {
        // 60 units decoded (12 warm-up), 48 output: 48/60 of the bytes.
        assert_eq!(cap_bytes(60_000, 60, 48, 60), 28_800);
        assert_eq!(cap_bytes(1, 0, 0, 60), 0);
    }
}
