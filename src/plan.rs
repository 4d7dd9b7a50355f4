//! Chunk plan: cut the access-unit stream into independent chunks at
//! random-access points.
//!
//! A chunk owns the frames whose presentation time lies in
//! `[start_pts, end_pts)`. To decode them it may need more: when the next
//! chunk starts at an open-GOP picture, the leading frames that follow it in
//! decode order belong to *this* chunk, so the next chunk's first picture is
//! decoded here as warm-up and dropped. The next chunk in turn skips those
//! leading frames. Every source frame is therefore encoded exactly once, and
//! the plan depends only on the input and `chunk_seconds`, never on how
//! many workers run it: output is byte-identical whatever the parallelism.

use crate::codec::{AccessUnit, RandomAccess};

/// 90 kHz ticks per second: the MPEG-TS clock.
pub const TICKS_PER_SECOND: i64 = 90_000;

/// Re-joins a timeline that jumps (splices, concatenated captures with
/// timestamp resets) so chunk lengths and the MP4 stay sane.
#[derive(Default)]
pub struct Continuity {
    last: Option<i64>,
    /// Added to every timestamp to put it on the running timeline.
    pub offset: i64,
}

impl Continuity {
    /// Backward jumps beyond this, or forward jumps beyond `FORWARD`, are discontinuities.
    const BACKWARD: i64 = TICKS_PER_SECOND;
    const FORWARD: i64 = 60 * TICKS_PER_SECOND;

    /// The last timestamp, on the running timeline.
    pub fn last(&self) -> Option<i64> {
        self.last
    }

    /// Shifts `t` onto the running timeline; returns true at a discontinuity.
    pub fn apply(&mut self, t: i64, step: i64) -> bool {
        let mut jumped = false;
        if let Some(last) = self.last {
            let shifted = t + self.offset;
            if shifted < last - Self::BACKWARD || shifted > last + Self::FORWARD {
                self.offset = last + step - t;
                jumped = true;
            }
        }
        self.last = Some(t + self.offset);
        jumped
    }
}

/// One access unit as a chunk carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChunkUnit {
    pub data: Vec<u8>,
    pub pts: i64,
    pub dts: i64,
    pub random_access: RandomAccess,
    pub is_reference: bool,
    pub interlaced: bool,
    pub bottom_field_first: bool,
    pub damaged: bool,
}

/// An independent piece of work: everything needed to decode and encode a
/// range of frames, and nothing else.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chunk {
    /// Position in the output, from 0.
    pub index: u32,
    /// SPS and PPS (Annex B) to feed before the first unit.
    pub parameter_sets: Vec<u8>,
    /// Units in decode order, starting at a random-access point.
    pub units: Vec<ChunkUnit>,
    /// Frames with `start_pts <= pts < end_pts` are output.
    pub start_pts: i64,
    /// `i64::MAX` for the last chunk.
    pub end_pts: i64,
    /// The audio to encode with this chunk: one segment per encoded track.
    pub audio: Vec<crate::audio::AudioSegment>,
}

impl Chunk {
    /// Number of frames this chunk outputs.
    pub fn output_frames(&self) -> usize {
        self.units
            .iter()
            .filter(|u| u.pts >= self.start_pts && u.pts < self.end_pts)
            .count()
    }

    /// Presentation span in 90 kHz ticks (from its first to its last output frame).
    pub fn span(&self) -> i64 {
        let kept = self
            .units
            .iter()
            .filter(|u| u.pts >= self.start_pts && u.pts < self.end_pts)
            .map(|u| u.pts);
        kept.clone().max().unwrap_or(0) - kept.min().unwrap_or(0)
    }

    /// Units decoded but not output (warm-up before the start, decoding
    /// past the end).
    pub fn warmup_frames(&self) -> usize {
        self.units.len() - self.output_frames()
    }

    /// Relative amount of work, for scheduling the biggest jobs first:
    /// output frames, plus warm-up at decode cost (~1/20 of an encode).
    pub fn work(&self) -> f64 {
        self.output_frames() as f64 + self.warmup_frames() as f64 / 20.0
    }

    /// Compressed bytes carried.
    pub fn byte_len(&self) -> usize {
        self.parameter_sets.len() + self.units.iter().map(|u| u.data.len()).sum::<usize>()
    }
}

/// What the planner counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct PlanStats {
    /// Frames before the first random-access point, or leading frames of an
    /// open GOP at the very start: they cannot be decoded and are skipped.
    pub skipped_leading_frames: u64,
    /// Units that came without a PES timestamp and got one interpolated.
    pub interpolated_timestamps: u64,
    pub chunks: u64,
    /// Frames the chunks will output.
    pub frames: u64,
}

/// Streams chunks out as access units come in (bounded: it holds one chunk,
/// and with split-anywhere the group of pictures it started in).
pub struct ChunkPlanner {
    target_ticks: i64,
    frame_ticks: i64,
    /// Split between random-access points when the next chunk's warm-up
    /// (frames decoded only to reach its first frame) is at most this many
    /// times the frames of the chunk before it. `None`: keyframes only.
    max_warmup_ratio: Option<f64>,
    /// Chunks are runs of the source's decode order (copy mode): an open
    /// GOP's leading frames stay after their random-access point, in the
    /// next chunk, instead of being decoded by the chunk before.
    decode_order: bool,
    /// Units in decode order from the random-access point this chunk's
    /// decoding starts at (earlier than `current_start` after a split
    /// between random-access points).
    current: Vec<ChunkUnit>,
    current_start: Option<i64>,
    /// Index in `current` of the latest random-access point: where a chunk
    /// cut from here on would start decoding.
    gop_start: usize,
    /// Span (ticks past `current_start`) at which split candidates are
    /// next weighed.
    next_evaluation: i64,
    /// The next chunk's first random-access unit, while leading frames are collected.
    next_start: Option<ChunkUnit>,
    /// Leading frames after `next_start` (they belong to the current chunk).
    leading: Vec<ChunkUnit>,
    parameter_sets: Vec<u8>,
    next_parameter_sets: Vec<u8>,
    last_dts: Option<i64>,
    last_pts: Option<i64>,
    next_index: u32,
    ready: std::collections::VecDeque<Chunk>,
    stats: PlanStats,
}

/// A frame this much larger than the chunk's average inter frame is taken
/// for a scene cut: the encoder's keyframe at a chunk start costs least
/// there (av1an's insight), so such a frame is the preferred split point.
const SCENE_CUT_SIZE_RATIO: f64 = 2.5;

impl ChunkPlanner {
    /// `chunk_seconds`: aim for chunks at least this long. `frame_ticks`:
    /// nominal frame duration, used to give timestamps to units that have
    /// none. `max_warmup_ratio`: see the field; `None` cuts only at
    /// random-access points.
    pub fn new(chunk_seconds: f64, frame_ticks: i64, max_warmup_ratio: Option<f64>) -> Self {
        let target_ticks = (chunk_seconds * TICKS_PER_SECOND as f64).round().max(1.0) as i64;
        ChunkPlanner {
            target_ticks,
            frame_ticks: frame_ticks.max(1),
            max_warmup_ratio,
            decode_order: false,
            current: Vec::new(),
            current_start: None,
            gop_start: 0,
            next_evaluation: 0,
            next_start: None,
            leading: Vec::new(),
            parameter_sets: Vec::new(),
            next_parameter_sets: Vec::new(),
            last_dts: None,
            last_pts: None,
            next_index: 0,
            ready: Default::default(),
            stats: PlanStats::default(),
        }
    }

    /// Cuts chunks in the source's decode order (for copy mode, where
    /// samples go to the MP4 exactly as they came: a leading frame may not
    /// move before its random-access point).
    pub fn in_decode_order(mut self) -> Self {
        self.decode_order = true;
        self
    }

    /// Compressed bytes held (the chunk being collected).
    pub fn buffered_bytes(&self) -> usize {
        self.current
            .iter()
            .chain(&self.leading)
            .chain(&self.next_start)
            .map(|u| u.data.len())
            .sum::<usize>()
            + self.ready.iter().map(Chunk::byte_len).sum::<usize>()
    }

    /// The chunk being collected is within [`crate::limits::check_chunk`]:
    /// a stream that goes on and on without a random-access point would
    /// otherwise hold all of itself here.
    pub fn check_limits(&self) -> crate::Result<()> {
        let held = self.current.iter().chain(&self.leading);
        let bytes = held.clone().map(|u| u.data.len()).sum::<usize>() + self.parameter_sets.len();
        crate::limits::check_chunk(held.count(), bytes)
    }

    /// Counts a unit that cannot be planned (it came before any usable
    /// sequence header, so nothing can decode it).
    pub fn skip_undecodable(&mut self) {
        self.stats.skipped_leading_frames += 1;
    }

    /// Counters so far.
    pub fn stats(&self) -> PlanStats {
        self.stats
    }

    /// Updates the SPS/PPS that the next chunk starts with.
    pub fn set_parameter_sets(&mut self, annex_b: Vec<u8>) {
        self.next_parameter_sets = annex_b;
    }

    fn timestamps(&mut self, unit: &AccessUnit) -> (i64, i64) {
        let (pts, dts) = match (unit.pts, unit.dts) {
            (Some(p), Some(d)) => (p, d),
            // Missing DTS: DTS = PTS (the decoder orders by PTS anyway).
            (Some(p), None) => (p, p),
            (None, Some(d)) => (d, d),
            (None, None) => {
                self.stats.interpolated_timestamps += 1;
                let d = self.last_dts.map_or(0, |d| d + self.frame_ticks);
                let p = self
                    .last_pts
                    .map_or(d, |p| p.max(d - self.frame_ticks) + self.frame_ticks);
                (p, d)
            }
        };
        self.last_dts = Some(dts);
        self.last_pts = Some(pts);
        (pts, dts)
    }

    /// Adds the next access unit in decode order.
    pub fn push(&mut self, unit: AccessUnit) {
        let (pts, dts) = self.timestamps(&unit);
        let unit = ChunkUnit {
            data: unit.data,
            pts,
            dts,
            random_access: unit.random_access,
            is_reference: unit.is_reference,
            interlaced: unit.interlaced,
            bottom_field_first: unit.bottom_field_first,
            damaged: unit.damaged,
        };
        // Collecting leading frames of the next chunk's open GOP?
        if let Some(next) = &self.next_start {
            if unit.pts < next.pts {
                self.leading.push(unit);
                return;
            }
            self.close_at_random_access();
        }
        let Some(start) = self.current_start else {
            if unit.random_access.is_random_access() {
                self.parameter_sets = self.next_parameter_sets.clone();
                self.start_chunk(unit.pts);
                self.current.push(unit);
            } else {
                self.stats.skipped_leading_frames += 1;
            }
            return;
        };
        let span = unit.pts - start;
        if unit.random_access.is_random_access() {
            if span >= self.target_ticks {
                self.next_start = Some(unit);
                if self.decode_order {
                    self.close_at_random_access();
                }
                return;
            }
            self.gop_start = self.current.len();
        } else if unit.pts < start {
            if self.decode_order && self.next_index > 0 {
                // A leading frame of this chunk's open GOP: its references
                // are in the MP4 just before it. The chunk starts with it.
                self.current_start = Some(unit.pts);
            } else {
                // Leading frame of the first open GOP: references what we never had.
                self.stats.skipped_leading_frames += 1;
            }
        }
        let is_reference = unit.is_reference;
        self.current.push(unit);
        if is_reference && span >= self.next_evaluation {
            self.try_split_between_random_access_points(start, span);
        }
    }

    fn start_chunk(&mut self, start_pts: i64) {
        self.current_start = Some(start_pts);
        self.gop_start = 0;
        // Give the source's own random-access points (usually at scene
        // cuts) half a chunk to turn up before cutting elsewhere.
        self.next_evaluation = self.target_ticks + self.target_ticks / 2;
    }

    /// Split-anywhere: once the chunk is 1.5 × the target long and no
    /// random-access point came, cut it at a reference frame past the
    /// target, preferring a scene cut. The next chunk decodes from the
    /// latest random-access point and drops the frames before its start.
    fn try_split_between_random_access_points(&mut self, start: i64, span: i64) {
        let Some(max_ratio) = self.max_warmup_ratio else {
            return;
        };
        // Weigh again a quarter chunk later if nothing qualifies now.
        self.next_evaluation = span + (self.target_ticks / 4).max(1);
        // Candidates are reference frames before the newest one: every
        // frame that follows in decode order then comes after the cut in
        // presentation order too.
        let newest = self.current.len() - 1;
        let inter: Vec<usize> = (self.gop_start + 1..newest)
            .filter(|&i| self.current[i].is_reference)
            .collect();
        let mean = inter
            .iter()
            .map(|&i| self.current[i].data.len() as f64)
            .sum::<f64>()
            / inter.len().max(1) as f64;
        // Output frames before a cut, by binary search over the sorted
        // timestamps: a long GOP makes `current` long, and a scan per
        // candidate would make each evaluation quadratic in it.
        let mut output_pts: Vec<i64> = self
            .current
            .iter()
            .map(|u| u.pts)
            .filter(|&p| p >= start)
            .collect();
        output_pts.sort_unstable();
        let allowed = |i: usize| {
            let cut = self.current[i].pts;
            let output = output_pts.partition_point(|&p| p < cut);
            let warmup = i - self.gop_start;
            cut - start >= self.target_ticks && warmup as f64 <= max_ratio * output as f64
        };
        let scene_cut = |i: &usize| self.current[*i].data.len() as f64 / mean.max(1.0);
        let candidates: Vec<usize> = inter.iter().copied().filter(|&i| allowed(i)).collect();
        let best = candidates
            .iter()
            .copied()
            .filter(|i| scene_cut(i) >= SCENE_CUT_SIZE_RATIO)
            .max_by(|a, b| scene_cut(a).total_cmp(&scene_cut(b)).then(b.cmp(a)))
            .or_else(|| {
                candidates
                    .iter()
                    .copied()
                    .min_by_key(|&i| self.current[i].pts)
            });
        if let Some(i) = best {
            self.split_at(i);
        }
    }

    /// Emits the current chunk up to `current[cut]` (exclusive, in
    /// presentation order) and starts the next one there, decoding from
    /// `gop_start`.
    fn split_at(&mut self, cut: usize) {
        let cut_pts = self.current[cut].pts;
        // This chunk decodes up to its last frame before the cut in decode order.
        let last = self
            .current
            .iter()
            .rposition(|u| u.pts < cut_pts)
            .unwrap_or(cut);
        let next: Vec<ChunkUnit> = self.current[self.gop_start..].to_vec();
        let mut units = std::mem::take(&mut self.current);
        units.truncate(last + 1);
        self.emit(units, cut_pts);
        self.parameter_sets = self.next_parameter_sets.clone();
        self.start_chunk(cut_pts);
        self.current = next;
    }

    /// Emits the current chunk, leading frames and warm-up included, and
    /// starts the next one at `next_start`.
    fn close_at_random_access(&mut self) {
        let Some(next) = self.next_start.take() else {
            return;
        };
        let leading = std::mem::take(&mut self.leading);
        let mut units = std::mem::take(&mut self.current);
        let end_pts = next.pts;
        if !leading.is_empty() {
            // The next chunk's first picture is decoded here as warm-up.
            units.push(next.clone());
            units.extend(leading);
        }
        self.emit(units, end_pts);
        self.parameter_sets = self.next_parameter_sets.clone();
        self.start_chunk(next.pts);
        // The leading frames are not carried into the next chunk: there they
        // would reference pictures it never has.
        self.current.push(next);
    }

    fn emit(&mut self, units: Vec<ChunkUnit>, end_pts: i64) {
        let Some(start_pts) = self.current_start else {
            return;
        };
        let chunk = Chunk {
            index: self.next_index,
            parameter_sets: self.parameter_sets.clone(),
            units,
            start_pts,
            end_pts,
            audio: Vec::new(),
        };
        self.next_index += 1;
        self.stats.chunks += 1;
        self.stats.frames += chunk.output_frames() as u64;
        self.ready.push_back(chunk);
    }

    /// Signals the end of the stream.
    pub fn finish(&mut self) {
        if self.next_start.is_some() {
            self.close_at_random_access();
        }
        let units = std::mem::take(&mut self.current);
        if !units.is_empty() {
            self.emit(units, i64::MAX);
        }
        self.current_start = None;
    }

    /// Next finished chunk.
    pub fn next_chunk(&mut self) -> Option<Chunk> {
        self.ready.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn au(pts: i64, dts: i64, ra: RandomAccess) -> AccessUnit {
        AccessUnit {
            data: vec![0, 0, 0, 1, 0x65],
            pts: Some(pts),
            dts: Some(dts),
            offset: 0,
            random_access: ra,
            is_reference: true,
            interlaced: false,
            bottom_field_first: false,
            damaged: false,
        }
    }

    fn run(units: Vec<AccessUnit>, seconds: f64) -> (Vec<Chunk>, PlanStats) {
        let mut p = ChunkPlanner::new(seconds, 3000, None);
        for u in units {
            p.push(u);
        }
        p.finish();
        let mut chunks = Vec::new();
        while let Some(c) = p.next_chunk() {
            chunks.push(c);
        }
        (chunks, p.stats())
    }

    #[test]
    fn closed_gops_split_at_idr_and_cover_every_frame_once() {
        // 30 fps, IDR every 15 frames, 60 frames, no reordering.
        let units: Vec<_> = (0..60)
            .map(|i| {
                let ra = if i % 15 == 0 {
                    RandomAccess::Idr
                } else {
                    RandomAccess::No
                };
                au(i * 3000, i * 3000, ra)
            })
            .collect();
        let (chunks, stats) = run(units, 0.5);
        assert_eq!(chunks.len(), 4);
        assert_eq!(stats.frames, 60);
        let total: usize = chunks.iter().map(Chunk::output_frames).sum();
        assert_eq!(total, 60);
        assert_eq!(chunks[1].start_pts, 45_000);
        assert_eq!(chunks[0].end_pts, 45_000);
    }

    #[test]
    fn open_gop_leading_frames_belong_to_the_previous_chunk() {
        // Decode order: I0 P3 B1 B2 | I6(rp) B4 B5 P9 B7 B8
        let t = |n: i64| n * 3000;
        let units = vec![
            au(t(0), t(-1), RandomAccess::Idr),
            au(t(3), t(0), RandomAccess::No),
            au(t(1), t(1), RandomAccess::No),
            au(t(2), t(2), RandomAccess::No),
            au(t(6), t(3), RandomAccess::RecoveryPoint),
            au(t(4), t(4), RandomAccess::No),
            au(t(5), t(5), RandomAccess::No),
            au(t(9), t(6), RandomAccess::No),
            au(t(7), t(7), RandomAccess::No),
            au(t(8), t(8), RandomAccess::No),
        ];
        let (chunks, stats) = run(units, 0.05);
        assert_eq!(chunks.len(), 2);
        assert_eq!(chunks[0].output_frames(), 6); // 0..=5
        assert_eq!(chunks[1].output_frames(), 4); // 6..=9
        assert_eq!(stats.frames, 10);
        // Warm-up: chunk 0 decodes I6 but does not output it.
        assert!(chunks[0].units.iter().any(|u| u.pts == t(6)));
        assert_eq!(chunks[0].end_pts, t(6));
    }

    #[test]
    fn frames_before_the_first_random_access_point_are_skipped() {
        let units = vec![
            au(0, 0, RandomAccess::No),
            au(3000, 3000, RandomAccess::No),
            au(6000, 6000, RandomAccess::Idr),
            au(9000, 9000, RandomAccess::No),
        ];
        let (chunks, stats) = run(units, 2.0);
        assert_eq!(stats.skipped_leading_frames, 2);
        assert_eq!(chunks.len(), 1);
        assert_eq!(chunks[0].output_frames(), 2);
    }

    #[test]
    fn plan_does_not_depend_on_anything_but_input_and_target() {
        let units = || -> Vec<_> {
            (0..90)
                .map(|i| {
                    let ra = if i % 10 == 0 {
                        RandomAccess::Idr
                    } else {
                        RandomAccess::No
                    };
                    au(i * 3000, i * 3000, ra)
                })
                .collect()
        };
        assert_eq!(run(units(), 1.0).0, run(units(), 1.0).0);
    }

    fn run_anywhere(units: Vec<AccessUnit>, seconds: f64, ratio: f64) -> Vec<Chunk> {
        let mut p = ChunkPlanner::new(seconds, 3000, Some(ratio));
        for u in units {
            p.push(u);
        }
        p.finish();
        std::iter::from_fn(|| p.next_chunk()).collect()
    }

    /// Every frame is output by exactly one chunk.
    fn assert_each_frame_once(chunks: &[Chunk], all: &[i64]) {
        let mut out: Vec<i64> = chunks
            .iter()
            .flat_map(|c| {
                c.units
                    .iter()
                    .filter(|u| u.pts >= c.start_pts && u.pts < c.end_pts)
                    .map(|u| u.pts)
            })
            .collect();
        out.sort_unstable();
        let mut all = all.to_vec();
        all.sort_unstable();
        assert_eq!(out, all);
    }

    #[test]
    fn long_gops_are_split_between_keyframes_with_warm_up() {
        // 30 fps, one IDR every 10 s, I P B B reordering: decode order
        // I0 P3 B1 B2 P6 B4 B5 ...
        let mut units = Vec::new();
        for gop in 0..2i64 {
            let base = gop * 300;
            units.push(au(base * 3000, (base - 1) * 3000, RandomAccess::Idr));
            let mut n = 1;
            while n < 300 {
                let p = (n + 2).min(299);
                units.push(au(
                    (base + p) * 3000,
                    (base + n - 1) * 3000,
                    RandomAccess::No,
                ));
                for b in n..p {
                    let mut u = au((base + b) * 3000, (base + b) * 3000, RandomAccess::No);
                    u.is_reference = false;
                    units.push(u);
                }
                n = p + 1;
            }
        }
        let all: Vec<i64> = units.iter().map(|u| u.pts.unwrap()).collect();
        let chunks = run_anywhere(units.clone(), 2.0, 4.0);
        assert_each_frame_once(&chunks, &all);
        // Keyframes only: one chunk per GOP.
        let mut p = ChunkPlanner::new(2.0, 3000, None);
        units.into_iter().for_each(|u| p.push(u));
        p.finish();
        assert_eq!(std::iter::from_fn(|| p.next_chunk()).count(), 2);
        // Anywhere: about one chunk per 2-3 s.
        assert!(chunks.len() >= 7, "{} chunks", chunks.len());
        for c in &chunks {
            // Decoding starts at the GOP's IDR.
            assert_eq!(c.units[0].random_access, RandomAccess::Idr);
            let frames = c.output_frames();
            assert!(
                (60..=100).contains(&frames) || c.end_pts == i64::MAX || c.end_pts % 900_000 == 0,
                "chunk {} has {frames} frames",
                c.index
            );
        }
        // The second chunk of the first GOP decodes the first chunk's frames as warm-up.
        assert!(chunks[1].units.len() > chunks[1].output_frames());
        assert!(chunks[1].start_pts > 0 && chunks[1].start_pts < 900_000);
    }

    #[test]
    fn split_anywhere_prefers_a_scene_cut() {
        // 30 fps P-only stream with one IDR; frame 70 is five times larger.
        let units: Vec<_> = (0..200)
            .map(|i| {
                let ra = if i == 0 {
                    RandomAccess::Idr
                } else {
                    RandomAccess::No
                };
                let mut u = au(i * 3000, i * 3000, ra);
                u.data = vec![0; if i == 70 { 5000 } else { 1000 }];
                u
            })
            .collect();
        let chunks = run_anywhere(units, 2.0, 4.0);
        assert_eq!(chunks[0].end_pts, 70 * 3000);
        assert_eq!(chunks[1].start_pts, 70 * 3000);
    }

    #[test]
    fn warm_up_budget_makes_chunks_longer_deep_in_a_gop() {
        let units: Vec<_> = (0..900)
            .map(|i| {
                let ra = if i == 0 {
                    RandomAccess::Idr
                } else {
                    RandomAccess::No
                };
                au(i * 3000, i * 3000, ra)
            })
            .collect();
        let all: Vec<i64> = units.iter().map(|u| u.pts.unwrap()).collect();
        let chunks = run_anywhere(units, 1.0, 2.0);
        assert_each_frame_once(&chunks, &all);
        for c in &chunks[1..] {
            let warmup = c.units.len() - c.output_frames();
            let previous = chunks[c.index as usize - 1].output_frames();
            assert!(
                warmup <= previous * 2,
                "chunk {}: warm-up {warmup}",
                c.index
            );
        }
        let lengths: Vec<usize> = chunks.iter().map(Chunk::output_frames).collect();
        assert!(lengths[3] > lengths[1], "{lengths:?}");
    }
}
