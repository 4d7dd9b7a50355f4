//! The chunk planner on arbitrary access-unit streams: timestamps that
//! jump, repeat, go missing or run backwards, random-access points of every
//! kind or none, in split-anywhere, keyframe-only and decode-order modes.
//! Each unit is five bytes: PTS and DTS steps (i16, in 16-tick units) and
//! flags (timestamps present, random-access kind, reference, size).
#![no_main]
use fanout::codec::{AccessUnit, RandomAccess};
use fanout::plan::ChunkPlanner;
use libfuzzer_sys::fuzz_target;

/// Timestamps stay within what the analyzer hands the planner (33-bit
/// clocks unwrapped and re-joined over days of input).
const RANGE: i64 = 1 << 40;

fuzz_target!(|data: &[u8]| {
    let Some((&control, data)) = data.split_first() else {
        return;
    };
    let ratio = [None, Some(0.5), Some(1.0), Some(4.0)][usize::from(control & 3)];
    let seconds = [0.05, 0.5, 2.0, 10.0][usize::from(control >> 2 & 3)];
    let mut planner = ChunkPlanner::new(seconds, 3003, ratio);
    if control & 16 != 0 {
        planner = planner.in_decode_order();
    }
    let (mut pts, mut dts) = (0i64, 0i64);
    let mut next_index = 0;
    let mut take = |planner: &mut ChunkPlanner| {
        while let Some(chunk) = planner.next_chunk() {
            assert_eq!(chunk.index, next_index, "chunks come out in order");
            next_index += 1;
            let _ = (chunk.output_frames(), chunk.span(), chunk.work());
        }
    };
    for (i, u) in data.chunks_exact(5).enumerate() {
        pts = (pts + i64::from(i16::from_le_bytes([u[0], u[1]])) * 16).clamp(-RANGE, RANGE);
        dts = (dts + i64::from(i16::from_le_bytes([u[2], u[3]])) * 16).clamp(-RANGE, RANGE);
        let flags = u[4];
        let unit = AccessUnit {
            data: vec![0; usize::from(flags >> 5) * 700],
            pts: (flags & 1 != 0).then_some(pts),
            dts: (flags & 2 != 0).then_some(dts),
            offset: i as u64,
            random_access: [
                RandomAccess::No,
                RandomAccess::Idr,
                RandomAccess::RecoveryPoint,
                RandomAccess::Intra,
            ][usize::from(flags >> 2 & 3)],
            is_reference: flags & 16 != 0,
            interlaced: false,
            bottom_field_first: false,
            damaged: false,
        };
        planner.push(unit);
        if planner.check_limits().is_err() {
            return;
        }
        take(&mut planner);
    }
    planner.finish();
    take(&mut planner);
});
