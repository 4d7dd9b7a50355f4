//! From probe encodes to a wall time and a size for the whole file.
//!
//! A probe is a chunk job on the first frames of the first chunk, timed on
//! this device: one frame (the keyframe, with the encoder's set-up) and a
//! few more, so a chunk's cost splits into a fixed part and a per-frame
//! part. The whole file is then that chunk cost over the planned chunks,
//! list-scheduled on the workers, next to the serial reading and muxing.

use serde::Serialize;

/// What the probes measured for one mode.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Probe {
    /// Seconds for a chunk job of one frame (set-up and keyframe).
    pub first_frame_seconds: f64,
    /// Seconds for a chunk job of `frames` frames.
    pub seconds: f64,
    pub frames: usize,
    /// Output bytes per frame of the longer probe, the keyframe first.
    pub frame_bytes: Vec<usize>,
    /// Source bytes of the longer probe's frames after the first.
    pub source_inter_bytes: usize,
}

impl Probe {
    /// Seconds of each frame after the first (never below a quarter of
    /// the longer probe's mean, so timer noise cannot make it vanish).
    pub fn inter_frame_seconds(&self) -> f64 {
        if self.frames <= 1 {
            return self.seconds;
        }
        let slope = (self.seconds - self.first_frame_seconds) / (self.frames - 1) as f64;
        slope.max(0.25 * self.seconds / self.frames as f64)
    }

    /// A chunk job of `frames` output frames and `warmup` frames decoded
    /// only, where a decoded-only frame costs `warmup_cost` of an output one.
    pub fn chunk_seconds(&self, frames: f64, warmup: f64, warmup_cost: f64) -> f64 {
        let inter = self.inter_frame_seconds();
        let fixed = (self.first_frame_seconds - inter).max(0.0);
        fixed + inter * frames + inter * warmup_cost * warmup
    }

    /// Output bytes per source byte of the frames after the keyframe.
    pub fn inter_ratio(&self) -> Option<f64> {
        let out: usize = self.frame_bytes.iter().skip(1).sum();
        (self.source_inter_bytes > 0 && self.frame_bytes.len() > 1)
            .then(|| out as f64 / self.source_inter_bytes as f64)
    }

    /// The whole job's video bytes: a keyframe per chunk as the probe's,
    /// the other frames at the probe's output per source byte, over the
    /// source's bytes of those frames. The source's bytes follow the
    /// content through the whole file where the probe saw only its start
    /// (a busy opening and a still rest, or the reverse).
    pub fn video_bytes(&self, chunks: f64, frames_per_chunk: f64, source_inter_bytes: f64) -> f64 {
        let key = self.frame_bytes.first().copied().unwrap_or(0) as f64;
        match self.inter_ratio() {
            Some(ratio) => chunks * key + ratio * source_inter_bytes,
            None => chunks * self.chunk_bytes(frames_per_chunk),
        }
    }

    /// A chunk's video bytes from the probe alone: the keyframe once, the
    /// mean of the rest for every other frame.
    pub fn chunk_bytes(&self, frames: f64) -> f64 {
        let Some((&key, rest)) = self.frame_bytes.split_first() else {
            return 0.0;
        };
        if rest.is_empty() {
            return key as f64 * frames.max(1.0);
        }
        let mean = rest.iter().sum::<usize>() as f64 / rest.len() as f64;
        key as f64 + mean * (frames - 1.0).max(0.0)
    }
}

/// How the file's later content compares with its head: the same probe
/// run on windows spread through the file, against the head's (1: alike).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Complexity {
    /// Output bytes per frame.
    pub bytes: f64,
    /// Encode seconds per frame.
    pub seconds: f64,
    /// Windows that gave a probe.
    pub windows: usize,
}

impl Complexity {
    /// The median ratio over the head (1) and every window: a black or
    /// still head stands for itself only, not for the whole file.
    pub fn of(head: &Probe, windows: &[Probe]) -> Complexity {
        let per_frame = |p: &Probe| {
            let frames = p.frame_bytes.len().max(1) as f64;
            (
                p.frame_bytes.iter().sum::<usize>() as f64 / frames,
                p.seconds / frames,
            )
        };
        let (hb, hs) = per_frame(head);
        let ratio = |x: f64, h: f64| {
            if h > 0.0 {
                (x / h).clamp(0.1, 10.0)
            } else {
                1.0
            }
        };
        let (mut bytes, mut seconds): (Vec<f64>, Vec<f64>) = windows
            .iter()
            .map(|w| {
                let (wb, ws) = per_frame(w);
                (ratio(wb, hb), ratio(ws, hs))
            })
            .unzip();
        bytes.push(1.0);
        seconds.push(1.0);
        Complexity {
            bytes: median(&mut bytes),
            seconds: median(&mut seconds),
            windows: windows.len(),
        }
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => 1.0,
        _ if n % 2 == 1 => values[n / 2],
        _ => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// A value with the range it is likely in.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Range {
    pub low: f64,
    pub estimate: f64,
    pub high: f64,
}

impl Range {
    /// `estimate` with a relative band below and above it.
    pub fn around(estimate: f64, below: f64, above: f64) -> Range {
        Range {
            low: estimate * (1.0 - below),
            estimate,
            high: estimate * (1.0 + above),
        }
    }
}

/// Relative bands of the estimates. Set from `bench/plan`'s measured errors
/// (estimate against the real run on the benchmark inputs); they say how
/// sure the estimate is, not what it is.
pub const TIME_BAND: (f64, f64) = (0.3, 0.3);
pub const SIZE_BAND: (f64, f64) = (0.3, 0.4);

/// The shape of the whole job.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Workload {
    /// Output frames of the whole file (or of the duration limit).
    pub frames: f64,
    /// Planned chunks.
    pub chunks: f64,
    /// Frames decoded only, per output frame (split-anywhere's warm-up).
    pub warmup_share: f64,
    /// Seconds of output.
    pub duration: f64,
}

/// The device the job runs on.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Device {
    /// Chunk jobs at once.
    pub workers: usize,
    /// A worker's speed when all run at once, against one alone (shared
    /// memory bandwidth, turbo, the coordinator's own work): measured by
    /// `bench/engines` (Chromium 0.82 at 2 workers) and `bench/ray`
    /// (native 0.97 at 2 jobs); given by the face.
    pub parallel_efficiency: f64,
}

/// Wall time of `chunks` equal jobs of `seconds` each on `workers`: whole
/// rounds, the last one partly idle.
pub fn makespan(chunks: f64, seconds: f64, workers: usize) -> f64 {
    let workers = workers.max(1) as f64;
    (chunks.max(0.0) / workers).ceil() * seconds
}

/// Seconds for the whole job: the chunk jobs on the workers, or the serial
/// part (reading, planning, muxing) if that is longer; they overlap.
pub fn wall_seconds(chunk_seconds: f64, work: &Workload, device: &Device, serial: f64) -> f64 {
    let slowed = chunk_seconds / device.parallel_efficiency.clamp(0.1, 1.0);
    makespan(work.chunks, slowed, device.workers).max(serial)
}

/// Output bytes: the video's, the audio at its bitrate, and the MP4's
/// index (about 12 bytes of sample tables per sample).
pub fn output_bytes(video_bytes: f64, work: &Workload, audio_bytes_per_second: f64) -> f64 {
    let audio = audio_bytes_per_second * work.duration;
    let index = 12.0 * (work.frames + work.duration * 47.0);
    video_bytes + audio + index
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe() -> Probe {
        // 0.5 s for one frame, 0.9 s for five: 0.1 s per frame after the
        // first, 0.4 s fixed.
        Probe {
            first_frame_seconds: 0.5,
            seconds: 0.9,
            frames: 5,
            frame_bytes: vec![10_000, 1_000, 2_000, 1_000, 2_000],
            source_inter_bytes: 12_000,
        }
    }

    #[test]
    fn a_chunk_costs_its_fixed_part_once_and_each_frame_after() {
        let p = probe();
        assert!((p.inter_frame_seconds() - 0.1).abs() < 1e-12);
        // 60 frames: 0.4 + 60 × 0.1; 20 warm-up frames at 1/20 cost add 0.1.
        assert!((p.chunk_seconds(60.0, 0.0, 0.05) - 6.4).abs() < 1e-9);
        assert!((p.chunk_seconds(60.0, 20.0, 0.05) - 6.5).abs() < 1e-9);
    }

    #[test]
    fn timer_noise_cannot_make_frames_free() {
        let p = Probe {
            first_frame_seconds: 1.0,
            seconds: 0.9, // the longer probe ran faster: noise
            frames: 5,
            frame_bytes: vec![],
            source_inter_bytes: 0,
        };
        assert!((p.inter_frame_seconds() - 0.25 * 0.9 / 5.0).abs() < 1e-12);
        assert!(p.chunk_seconds(60.0, 0.0, 0.0) > 0.0);
    }

    #[test]
    fn bytes_are_one_keyframe_and_the_mean_inter_frame() {
        let p = probe();
        assert_eq!(p.chunk_bytes(1.0), 10_000.0);
        assert_eq!(p.chunk_bytes(61.0), 10_000.0 + 1_500.0 * 60.0);
    }

    #[test]
    fn video_bytes_follow_the_source_past_the_probe() {
        let p = probe();
        // 6000 output bytes for 12000 source bytes after the keyframe: 0.5.
        assert_eq!(p.inter_ratio(), Some(0.5));
        // 3 chunks: 3 keyframes, and half of the source's 100 kB.
        assert_eq!(p.video_bytes(3.0, 60.0, 100_000.0), 30_000.0 + 50_000.0);
        // Without source bytes the probe's own mean is used.
        let alone = Probe {
            source_inter_bytes: 0,
            ..probe()
        };
        assert_eq!(
            alone.video_bytes(2.0, 61.0, 0.0),
            2.0 * (10_000.0 + 1_500.0 * 60.0)
        );
    }

    #[test]
    fn complexity_is_the_median_over_the_head_and_the_windows() {
        let head = probe(); // 16 000 bytes and 0.9 s over 5 frames
        let busier = Probe {
            frame_bytes: vec![30_000, 5_000, 5_000, 2_000, 6_000],
            seconds: 1.8,
            ..probe()
        };
        // Two busier windows outvote a quiet head: the median of 1, 3, 3.
        let c = Complexity::of(&head, &[busier.clone(), busier.clone()]);
        assert!((c.bytes - 3.0).abs() < 1e-9, "{c:?}");
        assert!((c.seconds - 2.0).abs() < 1e-9, "{c:?}");
        // One alike and one busier: the median of 1, 1, 3 is 1.
        let c = Complexity::of(&head, &[busier, head.clone()]);
        assert_eq!((c.bytes, c.seconds), (1.0, 1.0));
        assert_eq!(Complexity::of(&head, &[]).bytes, 1.0);
    }

    #[test]
    fn makespan_counts_whole_rounds() {
        assert_eq!(makespan(10.0, 2.0, 4), 6.0); // 3 rounds
        assert_eq!(makespan(8.0, 2.0, 4), 4.0);
        assert_eq!(makespan(1.0, 2.0, 16), 2.0); // one chunk: no speedup
        assert_eq!(makespan(3.0, 2.0, 0), 6.0); // no workers counts as one
    }

    #[test]
    fn the_serial_part_bounds_the_wall_from_below() {
        let work = Workload {
            frames: 600.0,
            chunks: 10.0,
            warmup_share: 0.0,
            duration: 20.0,
        };
        let device = Device {
            workers: 2,
            parallel_efficiency: 0.8,
        };
        // 5 rounds of 1 s / 0.8.
        assert!((wall_seconds(1.0, &work, &device, 0.5) - 6.25).abs() < 1e-9);
        assert_eq!(wall_seconds(1.0, &work, &device, 9.0), 9.0);
    }

    #[test]
    fn output_bytes_add_audio_and_the_index() {
        let work = Workload {
            frames: 300.0,
            chunks: 5.0,
            warmup_share: 0.0,
            duration: 10.0,
        };
        let bytes = output_bytes(500_000.0, &work, 16_000.0);
        assert_eq!(bytes, 500_000.0 + 160_000.0 + 12.0 * (300.0 + 470.0));
    }

    #[test]
    fn a_range_is_the_band_around_the_estimate() {
        let r = Range::around(100.0, 0.3, 0.4);
        assert!((r.low - 70.0).abs() < 1e-9 && (r.high - 140.0).abs() < 1e-9);
    }
}
