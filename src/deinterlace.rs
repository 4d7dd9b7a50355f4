//! Motion-adaptive deinterlacing: a port of FFmpeg's `yadif` filter.
//!
//! This reproduces `yadif=mode=send_frame:deint=all` (mode 0: one output
//! frame per input frame, spatial interlacing check enabled) from FFmpeg's
//! `libavfilter/vf_yadif.c` and `yadif_common.c` for 8-bit and
//! high-bit-depth 4:2:0 input. The output is bit-exact with FFmpeg's (the
//! tests compare against the `ffmpeg` binary when it is installed,
//! including odd sizes, both field orders and 10-bit input).
//!
//! # How it works
//!
//! Each output frame keeps the lines of the field of the current picture
//! that comes first in time (the even lines for top-field-first input, the
//! odd lines for bottom-field-first input) and rebuilds the lines of the
//! other field. For every missing sample:
//!
//! * a *temporal* prediction `d` averages the co-located samples of the
//!   previous and current pictures (whose second fields bracket the kept
//!   field in time);
//! * a *spatial* prediction interpolates between the lines above and below,
//!   following whichever of five directions (vertical and ±1, ±2 diagonals)
//!   best matches, with the diagonals only tried away from the left and
//!   right three columns;
//! * the spatial prediction is clamped to `d ± diff`, where `diff` measures
//!   how much the neighbourhood changes over time (so static areas take the
//!   weave, moving areas the spatial interpolation), widened by the spatial
//!   interlacing check that looks at the lines two above and below.
//!
//! Because the filter needs the *next* picture as well, [`Deinterlacer`]
//! delays its output by one picture. As in FFmpeg, the first picture of a
//! sequence uses itself as its previous picture and the last one uses
//! itself as its next picture.
//!
//! FFmpeg refuses pictures narrower or shorter than 3 samples; here every
//! size is accepted: row references that would fall outside the plane are
//! clamped to it (which never happens for planes of 3 rows or more), and
//! the directional search already stays within the plane's columns.

use crate::picture::{Picture, Planes};

/// How a picture's two fields relate in time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fields {
    /// Interlaced, top field first.
    TopFirst,
    /// Interlaced, bottom field first.
    BottomFirst,
    /// Both fields from one instant (an MPEG-2 `progressive_frame`, e.g. a
    /// film frame in an interlaced broadcast): passed through unfiltered,
    /// as yadif's `deint=interlaced` does.
    Progressive,
}

/// Streaming yadif deinterlacer producing one progressive picture per
/// interlaced input picture, one picture behind the input.
///
/// Feed pictures in display order with [`push`](Self::push) and drain the
/// last one with [`flush`](Self::flush). At most two input pictures are
/// held between calls.
#[derive(Debug, Clone)]
pub struct Deinterlacer {
    /// Field order of the source; decides which field is kept.
    top_field_first: bool,
    /// The picture before `cur`, once there is one in the current sequence.
    prev: Option<Picture>,
    /// The picture waiting for its successor before it can be filtered,
    /// with its own field order.
    cur: Option<(Picture, Fields)>,
}

impl Deinterlacer {
    /// Creates a deinterlacer for sources whose top field comes first in
    /// time (`true`, the usual case for broadcast and x264 interlaced
    /// H.264) or whose bottom field comes first (`false`).
    pub fn new(top_field_first: bool) -> Self {
        Self {
            top_field_first,
            prev: None,
            cur: None,
        }
    }

    /// Whether the source is treated as top field first.
    pub fn top_field_first(&self) -> bool {
        self.top_field_first
    }

    /// Pushes the next source picture and returns the deinterlaced version
    /// of the picture pushed before it, if any.
    ///
    /// The first call of a sequence returns `None`, since filtering a
    /// picture needs its successor. A picture whose size, bit depth or
    /// sample type differs from its predecessor starts a new sequence: the
    /// predecessor is finished as if the stream had ended (and returned
    /// here), so every input picture still yields exactly one output.
    pub fn push(&mut self, picture: Picture) -> Option<Picture> {
        self.push_with_order(picture, self.top_field_first)
    }

    /// [`push`](Self::push) for a picture with its own field order (what
    /// FFmpeg's yadif does with `parity=auto`: a camera or broadcast stream
    /// may switch field order between pictures).
    pub fn push_with_order(&mut self, picture: Picture, top_field_first: bool) -> Option<Picture> {
        let fields = if top_field_first {
            Fields::TopFirst
        } else {
            Fields::BottomFirst
        };
        self.push_fields(picture, fields)
    }

    /// [`push`](Self::push) for a picture whose fields are stated: a
    /// progressive one comes out as it is (and still serves as its
    /// neighbours' reference).
    pub fn push_fields(&mut self, picture: Picture, fields: Fields) -> Option<Picture> {
        let Some((cur, cur_fields)) = self.cur.take() else {
            self.prev = None;
            self.cur = Some((picture, fields));
            return None;
        };
        let next = if same_format(&cur, &picture) {
            &picture
        } else {
            // End of a sequence: the picture is its own successor, as at
            // end of stream.
            &cur
        };
        let prev = self.prev.as_ref().unwrap_or(&cur);
        let out = filter(prev, &cur, next, cur_fields);
        self.prev = if same_format(&cur, &picture) {
            Some(cur)
        } else {
            None
        };
        self.cur = Some((picture, fields));
        Some(out)
    }

    /// Signals the end of the stream and returns the deinterlaced last
    /// picture, if one is pending. The deinterlacer is then empty and may
    /// start a new stream.
    pub fn flush(&mut self) -> Option<Picture> {
        let (cur, cur_fields) = self.cur.take()?;
        let prev = self.prev.take();
        // FFmpeg repeats the last picture as its own successor at EOF.
        Some(filter(
            prev.as_ref().unwrap_or(&cur),
            &cur,
            &cur,
            cur_fields,
        ))
    }
}

fn filter(prev: &Picture, cur: &Picture, next: &Picture, fields: Fields) -> Picture {
    match fields {
        Fields::TopFirst => deinterlace(prev, cur, next, true),
        Fields::BottomFirst => deinterlace(prev, cur, next, false),
        Fields::Progressive => cur.clone(),
    }
}

/// Whether two pictures can be filtered together (same geometry and sample
/// type), i.e. belong to the same sequence.
fn same_format(a: &Picture, b: &Picture) -> bool {
    a.width == b.width
        && a.height == b.height
        && a.bit_depth == b.bit_depth
        && matches!(
            (&a.planes, &b.planes),
            (Planes::U8(_), Planes::U8(_)) | (Planes::U16(_), Planes::U16(_))
        )
}

/// Deinterlaces `cur` using its neighbours `prev` and `next`, which must
/// have the same format (anything else falls back to a copy of `cur`).
fn deinterlace(prev: &Picture, cur: &Picture, next: &Picture, tff: bool) -> Picture {
    let planes = match (&prev.planes, &cur.planes, &next.planes) {
        (Planes::U8(p), Planes::U8(c), Planes::U8(n)) => Planes::U8(std::array::from_fn(|i| {
            let (w, h) = cur.plane_size(i);
            filter_plane(&p[i], &c[i], &n[i], w, h, tff)
        })),
        (Planes::U16(p), Planes::U16(c), Planes::U16(n)) => Planes::U16(std::array::from_fn(|i| {
            let (w, h) = cur.plane_size(i);
            filter_plane(&p[i], &c[i], &n[i], w, h, tff)
        })),
        // Unreachable through `Deinterlacer`, which never mixes formats;
        // passing the picture through beats panicking.
        _ => cur.planes.clone(),
    };
    Picture {
        width: cur.width,
        height: cur.height,
        bit_depth: cur.bit_depth,
        planes,
    }
}

/// A sample type the filter can work on; arithmetic is done in `i32` as in
/// FFmpeg's C code, which is wide enough for 16-bit samples.
trait Sample: Copy + Into<i32> {
    /// Converts a filtered value back. Values are always within the range
    /// of the inputs (the prediction is clamped towards an average of input
    /// samples), so the narrowing is lossless.
    fn from_i32(value: i32) -> Self;
}

impl Sample for u8 {
    fn from_i32(value: i32) -> Self {
        value as u8
    }
}

impl Sample for u16 {
    fn from_i32(value: i32) -> Self {
        value as u16
    }
}

/// Filters one `w`×`h` plane (FFmpeg's `filter_slice` over the whole plane).
///
/// Planes whose lengths do not match `w * h` (a malformed picture) are
/// passed through unchanged rather than risking out-of-bounds reads.
fn filter_plane<'a, T: Sample>(
    prev: &'a [T],
    cur: &'a [T],
    next: &'a [T],
    w: usize,
    h: usize,
    tff: bool,
) -> Vec<T> {
    let len = w.checked_mul(h);
    if [prev, cur, next].iter().any(|p| Some(p.len()) != len) {
        return cur.to_vec();
    }
    let mut out = cur.to_vec();
    if w == 0 {
        return out;
    }
    // FFmpeg's `parity` for the first output of a frame is `tff ^ 1`, and a
    // row is rebuilt when `(y ^ parity) & 1`: the odd rows for top field
    // first, the even rows for bottom field first. The rows of the first
    // field are kept, which `out` already holds.
    let first_rebuilt = usize::from(tff);
    let row = |plane: &'a [T], y: usize| -> &'a [T] { &plane[y * w..(y + 1) * w] };
    for (y, dst) in out
        .chunks_exact_mut(w)
        .enumerate()
        .skip(first_rebuilt)
        .step_by(2)
    {
        // FFmpeg's `mrefs`/`prefs`: the lines above and below, mirrored
        // inwards on the first and last line. `clamp_row` only matters for
        // planes under 3 lines, which FFmpeg rejects.
        let up_step: isize = if y > 0 { -1 } else { 1 };
        let down_step: isize = if y + 1 < h { 1 } else { -1 };
        let up = clamp_row(y, up_step, h);
        let down = clamp_row(y, down_step, h);
        let up2 = clamp_row(y, 2 * up_step, h);
        let down2 = clamp_row(y, 2 * down_step, h);
        // The spatial interlacing check (mode 0) is skipped on the second
        // and second-to-last lines, where y±2 may not both exist (FFmpeg
        // switches to mode 2 there).
        let interlacing_check = !(y == 1 || y + 2 == h);
        // In send-frame mode FFmpeg's `filter_line` parity is always 1, so
        // `prev2`/`next2` are the previous and current pictures: their
        // second fields are the ones either side in time of the kept field.
        let lines = Lines {
            cur_up: row(cur, up),
            cur_down: row(cur, down),
            prev_up: row(prev, up),
            prev_down: row(prev, down),
            next_up: row(next, up),
            next_down: row(next, down),
            prev2: row(prev, y),
            next2: row(cur, y),
            prev2_up2: row(prev, up2),
            next2_up2: row(cur, up2),
            prev2_down2: row(prev, down2),
            next2_down2: row(cur, down2),
        };
        filter_line(dst, &lines, interlacing_check);
    }
    out
}

/// Row `y + step`, clamped into a plane of `h` rows.
fn clamp_row(y: usize, step: isize, h: usize) -> usize {
    y.saturating_add_signed(step).min(h - 1)
}

/// The input rows `filter_line` reads, named after FFmpeg's pointers:
/// `_up`/`_down` are `[mrefs]`/`[prefs]`, `_up2`/`_down2` are
/// `[2 * mrefs]`/`[2 * prefs]`.
struct Lines<'a, T> {
    cur_up: &'a [T],
    cur_down: &'a [T],
    prev_up: &'a [T],
    prev_down: &'a [T],
    next_up: &'a [T],
    next_down: &'a [T],
    prev2: &'a [T],
    next2: &'a [T],
    prev2_up2: &'a [T],
    next2_up2: &'a [T],
    prev2_down2: &'a [T],
    next2_down2: &'a [T],
}

/// Rebuilds one missing line (FFmpeg's `FILTER` macro, as applied by both
/// `filter_line` and `filter_edges`).
fn filter_line<T: Sample>(dst: &mut [T], l: &Lines<'_, T>, interlacing_check: bool) {
    let w = dst.len();
    // Re-slicing every row to exactly `w` samples (they all are already)
    // lets the optimiser drop most bounds checks in the loops.
    let l = Lines {
        cur_up: &l.cur_up[..w],
        cur_down: &l.cur_down[..w],
        prev_up: &l.prev_up[..w],
        prev_down: &l.prev_down[..w],
        next_up: &l.next_up[..w],
        next_down: &l.next_down[..w],
        prev2: &l.prev2[..w],
        next2: &l.next2[..w],
        prev2_up2: &l.prev2_up2[..w],
        next2_up2: &l.next2_up2[..w],
        prev2_down2: &l.prev2_down2[..w],
        next2_down2: &l.next2_down2[..w],
    };
    // The directional search reads three columns either side, so FFmpeg's
    // `filter_edges` leaves it out on the outer three columns. Splitting
    // the loops keeps that decision out of the hot one.
    let inner = 3..w.saturating_sub(3).max(3);
    for x in (0..w.min(3)).chain(inner.end..w) {
        dst[x] = T::from_i32(predict(&l, x, false, interlacing_check));
    }
    for x in inner {
        dst[x] = T::from_i32(predict(&l, x, true, interlacing_check));
    }
}

/// The rebuilt sample at column `x`; `directional` enables the edge
/// directed search, which needs `3 <= x < w - 3`.
#[inline(always)]
fn predict<T: Sample>(
    l: &Lines<'_, T>,
    x: usize,
    directional: bool,
    interlacing_check: bool,
) -> i32 {
    let at = |line: &[T], x: usize| -> i32 { line[x].into() };
    let c = at(l.cur_up, x);
    let d = (at(l.prev2, x) + at(l.next2, x)) >> 1;
    let e = at(l.cur_down, x);
    let temporal_diff0 = (at(l.prev2, x) - at(l.next2, x)).abs();
    let temporal_diff1 = ((at(l.prev_up, x) - c).abs() + (at(l.prev_down, x) - e).abs()) >> 1;
    let temporal_diff2 = ((at(l.next_up, x) - c).abs() + (at(l.next_down, x) - e).abs()) >> 1;
    let mut diff = (temporal_diff0 >> 1)
        .max(temporal_diff1)
        .max(temporal_diff2);
    let mut spatial_pred = (c + e) >> 1;

    if directional {
        let (up, down) = (l.cur_up, l.cur_down);
        // FFmpeg's CHECK(j): the direction pairing column x+j above with
        // column x-j below, scored over three columns.
        let score = |j: isize| -> i32 {
            let a = x.wrapping_add_signed(j);
            let b = x.wrapping_add_signed(-j);
            (at(up, a - 1) - at(down, b - 1)).abs()
                + (at(up, a) - at(down, b)).abs()
                + (at(up, a + 1) - at(down, b + 1)).abs()
        };
        let pred = |j: isize| -> i32 {
            (at(up, x.wrapping_add_signed(j)) + at(down, x.wrapping_add_signed(-j))) >> 1
        };
        // The `- 1` makes a diagonal win only when strictly better than
        // vertical by more than one.
        let mut spatial_score = score(0) - 1;
        // The wider angle is only tried when the narrower one on the same
        // side improved on the best so far (the nesting of FFmpeg's
        // `CHECK(-1) CHECK(-2) }} }}`). Written as selects rather than
        // branches, which mispredict on real pictures.
        for (near, far) in [(-1, -2), (1, 2)] {
            let near_score = score(near);
            let take_near = near_score < spatial_score;
            spatial_score = if take_near { near_score } else { spatial_score };
            spatial_pred = if take_near { pred(near) } else { spatial_pred };
            let far_score = score(far);
            let take_far = take_near && far_score < spatial_score;
            spatial_score = if take_far { far_score } else { spatial_score };
            spatial_pred = if take_far { pred(far) } else { spatial_pred };
        }
    }

    if interlacing_check {
        let b = (at(l.prev2_up2, x) + at(l.next2_up2, x)) >> 1;
        let f = (at(l.prev2_down2, x) + at(l.next2_down2, x)) >> 1;
        let max = (d - e).max(d - c).max((b - c).min(f - e));
        let min = (d - e).min(d - c).min((b - c).max(f - e));
        diff = diff.max(min).max(-max);
    }

    // FFmpeg's `if (> d + diff) .. else if (< d - diff) ..`; `diff` is
    // never negative, so min-then-max gives the same result.
    spatial_pred.min(d + diff).max(d - diff)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a 4:2:0 picture, filling each plane from `f(plane, x, y)`.
    fn picture_u8(w: u32, h: u32, f: impl Fn(usize, usize, usize) -> u8) -> Picture {
        let mut p = Picture {
            width: w,
            height: h,
            bit_depth: 8,
            planes: Planes::U8(Default::default()),
        };
        let planes = std::array::from_fn(|i| {
            let (pw, ph) = p.plane_size(i);
            (0..pw * ph).map(|k| f(i, k % pw, k / pw)).collect()
        });
        p.planes = Planes::U8(planes);
        p
    }

    fn picture_u16(w: u32, h: u32, f: impl Fn(usize, usize, usize) -> u16) -> Picture {
        let mut p = Picture {
            width: w,
            height: h,
            bit_depth: 10,
            planes: Planes::U16(Default::default()),
        };
        let planes = std::array::from_fn(|i| {
            let (pw, ph) = p.plane_size(i);
            (0..pw * ph).map(|k| f(i, k % pw, k / pw)).collect()
        });
        p.planes = Planes::U16(planes);
        p
    }

    /// Runs a whole sequence through a deinterlacer.
    fn run(tff: bool, input: Vec<Picture>) -> Vec<Picture> {
        let mut d = Deinterlacer::new(tff);
        let mut out: Vec<Picture> = input.into_iter().filter_map(|p| d.push(p)).collect();
        out.extend(d.flush());
        out
    }

    fn luma_u8(p: &Picture) -> &[u8] {
        match &p.planes {
            Planes::U8(planes) => &planes[0],
            Planes::U16(_) => panic!("expected 8-bit"),
        }
    }

    /// Comb energy: the sum over interior samples of how much a sample
    /// sticks out from both vertical neighbours in the same direction,
    /// which is what alternating fields of moving content produce.
    fn combing(plane: &[u8], w: usize, h: usize) -> i64 {
        let mut sum = 0;
        for y in 1..h.saturating_sub(1) {
            for x in 0..w {
                let s = |yy: usize| i64::from(plane[yy * w + x]);
                sum += ((s(y) - s(y - 1)) * (s(y) - s(y + 1))).max(0);
            }
        }
        sum
    }

    #[test]
    fn static_smooth_picture_is_unchanged() {
        // With identical neighbours and no combing, the temporal
        // prediction is the original line and `diff` is zero, so yadif
        // reproduces the input exactly, rebuilt lines included.
        let pic = picture_u8(37, 21, |i, x, y| (x * 3 + y * 5 + i * 40) as u8);
        for tff in [true, false] {
            let out = run(tff, vec![pic.clone(), pic.clone(), pic.clone()]);
            assert_eq!(out.len(), 3);
            for o in &out {
                assert_eq!(o, &pic);
            }
        }
    }

    #[test]
    fn kept_field_is_copied() {
        let pics: Vec<Picture> = (0..4)
            .map(|t| {
                picture_u8(24, 17, move |i, x, y| {
                    ((x * 7 + y * 13 + i + t * 31) % 251) as u8
                })
            })
            .collect();
        for tff in [true, false] {
            let out = run(tff, pics.clone());
            assert_eq!(out.len(), pics.len());
            for (src, o) in pics.iter().zip(&out) {
                let (Planes::U8(s), Planes::U8(d)) = (&src.planes, &o.planes) else {
                    panic!("sample type changed");
                };
                for i in 0..3 {
                    let (w, h) = src.plane_size(i);
                    // The kept field: even rows for tff, odd rows for bff.
                    for y in (usize::from(!tff)..h).step_by(2) {
                        assert_eq!(s[i][y * w..(y + 1) * w], d[i][y * w..(y + 1) * w]);
                    }
                }
            }
        }
    }

    #[test]
    fn combing_is_removed_from_moving_content() {
        // A bright bar moving right by 4 samples per field: the two fields
        // of each frame show it at different places, which combs its edges.
        let (w, h) = (64u32, 48u32);
        let bar = |field_time: usize, x: usize| {
            let left = 10 + 4 * field_time;
            if (left..left + 12).contains(&x) {
                220
            } else {
                30
            }
        };
        let pics: Vec<Picture> = (0..6)
            .map(|t| {
                picture_u8(
                    w,
                    h,
                    move |i, x, y| {
                        if i > 0 {
                            128
                        } else {
                            bar(2 * t + y % 2, x)
                        }
                    },
                )
            })
            .collect();
        let before: i64 = pics
            .iter()
            .map(|p| combing(luma_u8(p), w as usize, h as usize))
            .sum();
        let out = run(true, pics);
        let after: i64 = out
            .iter()
            .map(|p| combing(luma_u8(p), w as usize, h as usize))
            .sum();
        assert!(before > 1_000_000, "test source not combed: {before}");
        assert_eq!(after, 0, "combing left: {after} (was {before})");
    }

    #[test]
    fn tiny_and_odd_sizes_do_not_panic() {
        for w in 0..=7u32 {
            for h in 0..=7u32 {
                for tff in [true, false] {
                    let pics: Vec<Picture> = (0..3)
                        .map(|t| {
                            picture_u8(w, h, move |i, x, y| {
                                ((x * 91 + y * 57 + i * 13 + t * 101) % 256) as u8
                            })
                        })
                        .collect();
                    let out = run(tff, pics.clone());
                    assert_eq!(out.len(), 3);
                    for (s, o) in pics.iter().zip(&out) {
                        assert_eq!((o.width, o.height), (s.width, s.height));
                        for i in 0..3 {
                            let (pw, ph) = o.plane_size(i);
                            let Planes::U8(planes) = &o.planes else {
                                panic!("sample type changed")
                            };
                            assert_eq!(planes[i].len(), pw * ph);
                        }
                    }
                    let pics16: Vec<Picture> = (0..3)
                        .map(|t| {
                            picture_u16(w, h, move |i, x, y| {
                                ((x * 911 + y * 577 + i * 13 + t * 101) % 1024) as u16
                            })
                        })
                        .collect();
                    assert_eq!(run(tff, pics16).len(), 3);
                }
            }
        }
    }

    #[test]
    fn ten_bit_path() {
        // Static smooth 10-bit content (values well above 255) survives
        // exactly, and moving combed content stays within 10 bits.
        let pic = picture_u16(33, 19, |i, x, y| (300 + x * 11 + y * 17 + i * 50) as u16);
        for o in run(true, vec![pic.clone(), pic.clone(), pic.clone()]) {
            assert_eq!(o, pic);
            assert_eq!(o.bit_depth, 10);
        }
        let combed: Vec<Picture> = (0..3)
            .map(|t| {
                picture_u16(33, 19, move |_, x, y| {
                    if (x + 3 * t + y % 2 * 5) % 9 < 4 {
                        1023
                    } else {
                        0
                    }
                })
            })
            .collect();
        for o in run(false, combed) {
            let Planes::U16(planes) = &o.planes else {
                panic!("sample type changed")
            };
            assert!(planes.iter().flatten().all(|&v| v <= 1023));
        }
    }

    #[test]
    fn format_change_starts_a_new_sequence() {
        let a = picture_u8(16, 12, |_, x, y| (x * 9 + y * 4) as u8);
        let b = picture_u8(9, 7, |_, x, y| (x * 20 + y * 3) as u8);
        let c = picture_u16(9, 7, |_, x, y| (x * 80 + y * 12) as u16);
        let input = vec![a.clone(), a.clone(), b.clone(), b.clone(), c.clone()];
        let out = run(true, input.clone());
        assert_eq!(out.len(), input.len());
        for (s, o) in input.iter().zip(&out) {
            assert!(same_format(s, o));
            // Smooth static sequences come out unchanged: no picture was
            // filtered against a neighbour of another format.
            assert_eq!(s, o);
        }
        // The deinterlacer is reusable after a flush.
        let mut d = Deinterlacer::new(true);
        assert!(d.flush().is_none());
        assert!(d.push(a.clone()).is_none());
        assert_eq!(d.flush(), Some(a.clone()));
        assert!(d.push(a).is_none());
    }

    #[test]
    fn malformed_planes_pass_through() {
        let mut bad = picture_u8(8, 8, |_, x, y| (x + y) as u8);
        if let Planes::U8(planes) = &mut bad.planes {
            planes[1].truncate(3);
        }
        let out = run(true, vec![bad.clone(), bad.clone()]);
        assert_eq!(out.len(), 2);
        let Planes::U8(planes) = &out[0].planes else {
            panic!("sample type changed")
        };
        assert_eq!(planes[1].len(), 3);
    }

    /// Comparison against FFmpeg's own yadif on lavfi-generated sources.
    mod ffmpeg {
        use super::*;
        use std::path::{Path, PathBuf};
        use std::process::Command;

        fn have_ffmpeg() -> bool {
            Command::new("ffmpeg")
                .arg("-version")
                .output()
                .is_ok_and(|o| o.status.success())
        }

        fn ffmpeg(args: &[&str]) {
            let status = Command::new("ffmpeg")
                .args(["-v", "error", "-nostdin", "-y"])
                .args(args)
                .status()
                .expect("run ffmpeg");
            assert!(status.success(), "ffmpeg {args:?} failed");
        }

        fn temp_path(name: &str) -> PathBuf {
            std::env::temp_dir().join(format!("fanout-deint-{}-{name}", std::process::id()))
        }

        /// Splits a raw yuv420p / yuv420p10le file into pictures.
        fn read_raw(path: &Path, w: u32, h: u32, ten_bit: bool) -> Vec<Picture> {
            let bytes = std::fs::read(path).expect("read raw video");
            let template = picture_u8(w, h, |_, _, _| 0);
            let sizes: Vec<usize> = (0..3)
                .map(|i| {
                    let (pw, ph) = template.plane_size(i);
                    pw * ph
                })
                .collect();
            let bps = if ten_bit { 2 } else { 1 };
            let frame_bytes = sizes.iter().sum::<usize>() * bps;
            assert_eq!(bytes.len() % frame_bytes, 0);
            bytes
                .chunks_exact(frame_bytes)
                .map(|frame| {
                    let mut offset = 0;
                    let mut next_plane = |i: usize| {
                        let plane = &frame[offset..offset + sizes[i] * bps];
                        offset += sizes[i] * bps;
                        plane
                    };
                    let planes = if ten_bit {
                        Planes::U16(std::array::from_fn(|i| {
                            next_plane(i)
                                .chunks_exact(2)
                                .map(|b| u16::from_le_bytes([b[0], b[1]]))
                                .collect()
                        }))
                    } else {
                        Planes::U8(std::array::from_fn(|i| next_plane(i).to_vec()))
                    };
                    Picture {
                        width: w,
                        height: h,
                        bit_depth: if ten_bit { 10 } else { 8 },
                        planes,
                    }
                })
                .collect()
        }

        /// Per-plane (max abs diff, PSNR in dB) over a whole sequence.
        fn compare(ours: &[Picture], theirs: &[Picture]) -> [(i32, f64); 3] {
            std::array::from_fn(|i| {
                let (mut max, mut sse, mut n, mut peak) = (0i32, 0f64, 0usize, 255f64);
                for (a, b) in ours.iter().zip(theirs) {
                    let (va, vb): (Vec<i32>, Vec<i32>) = match (&a.planes, &b.planes) {
                        (Planes::U8(x), Planes::U8(y)) => (
                            x[i].iter().map(|&v| v.into()).collect(),
                            y[i].iter().map(|&v| v.into()).collect(),
                        ),
                        (Planes::U16(x), Planes::U16(y)) => {
                            peak = 1023.0;
                            (
                                x[i].iter().map(|&v| v.into()).collect(),
                                y[i].iter().map(|&v| v.into()).collect(),
                            )
                        }
                        _ => panic!("sample type mismatch"),
                    };
                    for (p, q) in va.iter().zip(&vb) {
                        let d = (p - q).abs();
                        max = max.max(d);
                        sse += f64::from(d * d);
                        n += 1;
                    }
                }
                let psnr = if sse == 0.0 {
                    f64::INFINITY
                } else {
                    10.0 * (peak * peak / (sse / n as f64)).log10()
                };
                (max, psnr)
            })
        }

        /// Interlaces `source` with tinterlace, deinterlaces it with
        /// FFmpeg's yadif and with ours, and compares the results.
        fn case(name: &str, source: &str, w: u32, h: u32, ten_bit: bool, tff: bool) {
            let pix_fmt = if ten_bit { "yuv420p10le" } else { "yuv420p" };
            let src = temp_path(&format!("{name}-src.yuv"));
            let reference = temp_path(&format!("{name}-ref.yuv"));
            let (sw, sh) = ((w + w % 2).max(128), (h + h % 2).max(96));
            let interleave = if tff {
                "interleave_top"
            } else {
                "interleave_bottom"
            };
            ffmpeg(&[
                "-f",
                "lavfi",
                "-i",
                // lavfi sources round sizes down to even and small ones are
                // flat, so generate at least 128x96 and crop the exact
                // (possibly odd or tiny) size from the middle, at even
                // offsets so the field order is kept.
                &format!("{source}=size={sw}x{sh}:rate=50"),
                "-vf",
                &format!(
                    "tinterlace=mode={interleave},format={pix_fmt},\
                     crop={w}:{h}:{}:{}:exact=1",
                    (sw - w) / 4 * 2,
                    (sh - h) / 4 * 2
                ),
                "-frames:v",
                "10",
                "-f",
                "rawvideo",
                src.to_str().unwrap(),
            ]);
            let parity = if tff { "tff" } else { "bff" };
            ffmpeg(&[
                "-f",
                "rawvideo",
                "-pix_fmt",
                pix_fmt,
                "-s",
                &format!("{w}x{h}"),
                "-r",
                "25",
                "-i",
                src.to_str().unwrap(),
                "-vf",
                &format!("yadif=mode=0:parity={parity}:deint=all"),
                "-f",
                "rawvideo",
                reference.to_str().unwrap(),
            ]);
            let input = read_raw(&src, w, h, ten_bit);
            let theirs = read_raw(&reference, w, h, ten_bit);
            let _ = std::fs::remove_file(&src);
            let _ = std::fs::remove_file(&reference);
            let ours = run(tff, input.clone());
            assert_eq!(input.len(), 10);
            assert_eq!(ours.len(), theirs.len());
            let stats = compare(&ours, &theirs);
            let source_stats = compare(&input, &theirs);
            eprintln!(
                "{name}: ours vs ffmpeg (max diff, PSNR dB) per plane {stats:?}; \
                 interlaced source vs ffmpeg {source_stats:?}"
            );
            assert!(
                ours == theirs,
                "{name}: not bit-exact with FFmpeg: {stats:?}"
            );
        }

        #[test]
        fn bit_exact_with_ffmpeg_yadif() {
            if !have_ffmpeg() {
                eprintln!("ffmpeg not on PATH; skipping the FFmpeg yadif comparison");
                return;
            }
            case("testsrc2-tff", "testsrc2", 320, 240, false, true);
            case("testsrc2-bff", "testsrc2", 320, 240, false, false);
            case("testsrc2-odd", "testsrc2", 331, 247, false, true);
            case("testsrc2-10bit", "testsrc2", 330, 246, true, true);
            case("testsrc2-odd-10bit-bff", "testsrc2", 77, 45, true, false);
            case("mandelbrot-bff-10bit", "mandelbrot", 160, 120, true, false);
            case("mandelbrot", "mandelbrot", 176, 144, false, true);
            // FFmpeg's minimum size, with 2×2 chroma, and other small ones
            // where the left and right edge columns meet.
            case("tiny-3x3", "testsrc2", 3, 3, false, true);
            case("tiny-9x5-bff", "testsrc2", 9, 5, false, false);
            case("tiny-13x6-10bit", "testsrc2", 13, 6, true, true);
        }
    }
}
