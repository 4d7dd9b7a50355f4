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

/// A chunk of `frames` frames predicted from the probe's frame sizes (in
/// bytes, the first a keyframe): the keyframe once, the mean of the rest
/// for every other frame.
pub fn predict_chunk_bytes(probe: &[usize], frames: usize) -> u64 {
    let Some((&key, rest)) = probe.split_first() else {
        return 0;
    };
    let key = key as u64;
    if rest.is_empty() || frames <= 1 {
        return key * frames.max(1) as u64;
    }
    let rest_total: u64 = rest.iter().map(|&b| b as u64).sum();
    key + rest_total * (frames as u64 - 1) / rest.len() as u64
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
    fn prediction_counts_the_keyframe_once() {
        assert_eq!(predict_chunk_bytes(&[5000, 100, 300], 48), 5000 + 200 * 47);
        assert_eq!(predict_chunk_bytes(&[5000], 1), 5000);
        assert_eq!(predict_chunk_bytes(&[], 10), 0);
    }

    #[test]
    fn cap_is_the_output_frames_share() {
        // 60 units decoded (12 warm-up), 48 output: 48/60 of the bytes.
        assert_eq!(cap_bytes(60_000, 60, 48, 60), 28_800);
        assert_eq!(cap_bytes(1, 0, 0, 60), 0);
    }
}
