// Copyright (c) 2026, The rav1e contributors. All rights reserved
//
// This source code is subject to the terms of the BSD 2 Clause License and
// the Alliance for Open Media Patent License 1.0. If the BSD 2 Clause License
// was not distributed with this source code in the LICENSE file, you can
// obtain it at www.aomedia.org/license/software. If the Alliance for Open
// Media Patent License 1.0 was not distributed with this source code in the
// PATENTS file, you can obtain it at www.aomedia.org/license/patent.

//! 8-tap subpel motion compensation (`put_8tap`, `prep_8tap`) with
//! WebAssembly SIMD128, bit-exact with `crate::mc::rust`.
//!
//! 8-bit pixels, single-pass filters: 16-bit lanes. The filtered sum of 8
//! pixels lies in [-56 * 255, 184 * 255] for every AV1 filter (the negative
//! taps sum to at most 56), a span of less than 2^16: it is computed with
//! wrapping 16-bit arithmetic on top of an offset of 16384 and is then exact
//! as an unsigned 16-bit value. The offset is a multiple of 128, so the
//! rounding shifts are taken before it is removed.
//!
//! Vertical pass of the 2-D filter and all high-bit-depth filters: pairs of
//! taps with `i32x4_dot_i16x8_s` on interleaved pixels.

use core::arch::wasm32::*;

use crate::cpu_features::CpuFeatureLevel;
use crate::frame::*;
use crate::mc::rust;
use crate::mc::rust::get_filter;
use crate::mc::FilterMode;
use crate::tiling::*;
use crate::util::*;

// mc_avg and anything else not implemented here: the Rust reference.
pub use crate::mc::rust::*;

const OFFSET: i16 = 16384;
const PREP_BIAS: i32 = 8192;

/// First and one-past-last non-zero tap.
fn tap_range(f: &[i32; 8]) -> (usize, usize) {
  let t0 = f.iter().position(|&x| x != 0).unwrap_or(0);
  let t1 = 8 - f.iter().rev().position(|&x| x != 0).unwrap_or(0);
  (t0, t1.max(t0 + 1))
}

/// Filter taps as 16-bit splats.
unsafe fn taps16(f: &[i32; 8]) -> [v128; 8] {
  let mut out = [i16x8_splat(0); 8];
  for i in 0..8 {
    out[i] = i16x8_splat(f[i] as i16);
  }
  out
}

/// Pairs of taps (f[2k] in the low, f[2k+1] in the high half of each lane)
/// for `i32x4_dot_i16x8_s`.
unsafe fn taps_pairs(f: &[i32; 8]) -> [v128; 4] {
  let mut out = [i32x4_splat(0); 4];
  for k in 0..4 {
    let v = (f[2 * k] as u16 as u32) | ((f[2 * k + 1] as u16 as u32) << 16);
    out[k] = u32x4_splat(v);
  }
  out
}

#[inline(always)]
unsafe fn load_u8(p: *const u8, n: usize) -> v128 {
  if n >= 16 {
    v128_load(p as *const v128)
  } else if n == 8 {
    v128_load64_zero(p as *const u64)
  } else {
    v128_load32_zero(p as *const u32)
  }
}

#[inline(always)]
unsafe fn store_u8(p: *mut u8, v: v128, n: usize) {
  if n >= 16 {
    v128_store(p as *mut v128, v)
  } else if n == 8 {
    v128_store64_lane::<0>(v, p as *mut u64)
  } else {
    v128_store32_lane::<0>(v, p as *mut u32)
  }
}

/// Loads `n` (4 or 8) 16-bit values.
#[inline(always)]
unsafe fn load_16(p: *const u16, n: usize) -> v128 {
  if n >= 8 {
    v128_load(p as *const v128)
  } else {
    v128_load64_zero(p as *const u64)
  }
}

/// Stores `n` (4 or 8) 16-bit lanes.
#[inline(always)]
unsafe fn store_16<U>(p: *mut U, v: v128, n: usize) {
  if n >= 8 {
    v128_store(p as *mut v128, v)
  } else {
    v128_store64_lane::<0>(v, p as *mut u64)
  }
}

/// 8-tap filter over 16 (or `n` < 16) 8-bit pixels, taps `step` apart.
/// Returns the sums plus `OFFSET`, as unsigned 16-bit lanes (low 8, high 8).
#[inline(always)]
unsafe fn filt_u8(
  p: *const u8, step: usize, f: &[v128; 8], t0: usize, t1: usize, n: usize,
) -> (v128, v128) {
  let mut lo = i16x8_splat(OFFSET);
  let mut hi = lo;
  for i in t0..t1 {
    let v = load_u8(p.add(i * step), n);
    lo = i16x8_add(lo, i16x8_mul(u16x8_extend_low_u8x16(v), f[i]));
    if n > 8 {
      hi = i16x8_add(hi, i16x8_mul(u16x8_extend_high_u8x16(v), f[i]));
    }
  }
  (lo, hi)
}

/// 8-tap filter over 8 (or 4) 16-bit values (pixels up to 15 bits, or the
/// signed 2-D intermediate), taps `step` elements apart; exact 32-bit sums.
#[inline(always)]
unsafe fn filt_16(
  p: *const u16, step: usize, f: &[v128; 4], k0: usize, k1: usize, n: usize,
) -> (v128, v128) {
  let mut lo = i32x4_splat(0);
  let mut hi = lo;
  for k in k0..k1 {
    let a = load_16(p.add(2 * k * step), n);
    let b = load_16(p.add((2 * k + 1) * step), n);
    let il = i16x8_shuffle::<0, 8, 1, 9, 2, 10, 3, 11>(a, b);
    lo = i32x4_add(lo, i32x4_dot_i16x8(il, f[k]));
    if n > 4 {
      let ih = i16x8_shuffle::<4, 12, 5, 13, 6, 14, 7, 15>(a, b);
      hi = i32x4_add(hi, i32x4_dot_i16x8(ih, f[k]));
    }
  }
  (lo, hi)
}

/// Rounding arithmetic shift of 32-bit lanes (`bit` > 0).
#[inline(always)]
unsafe fn rshift32(v: v128, bit: u32) -> v128 {
  i32x4_shr(i32x4_add(v, i32x4_splat(1 << bit >> 1)), bit)
}

/// Rounding shift of offset sums, `bit` <= 7: returns the rounded value with
/// the offset (`OFFSET >> bit`) still in it.
#[inline(always)]
unsafe fn rshift_off(v: v128, bit: u32) -> v128 {
  u16x8_shr(i16x8_add(v, i16x8_splat(1 << bit >> 1)), bit)
}

const MAX_STRIP_ROWS: usize = 128 + 7;

/// Horizontal pass of the 2-D filter for a strip of `n` (<= 16) columns,
/// 8-bit pixels: `im[r * 16 + c]`, rows -3..h+4.
#[inline(always)]
unsafe fn h_pass_u8(
  im: &mut [i16; 16 * MAX_STRIP_ROWS], src: *const u8, ss: usize, h: usize,
  fx: &[v128; 8], t0: usize, t1: usize, n: usize,
) {
  // 8-bit: intermediate_bits is 4, shift 7 - 4 = 3.
  let off = i16x8_splat(OFFSET >> 3);
  let p0 = src.sub(3 + 3 * ss);
  for r in 0..h + 7 {
    let (lo, hi) = filt_u8(p0.add(r * ss), 1, fx, t0, t1, n);
    let out = im.as_mut_ptr().add(r * 16) as *mut v128;
    v128_store(out, i16x8_sub(rshift_off(lo, 3), off));
    if n > 8 {
      v128_store(out.add(1), i16x8_sub(rshift_off(hi, 3), off));
    }
  }
}

/// Horizontal pass of the 2-D filter for a strip of `n` (<= 16) columns,
/// 16-bit pixels.
#[inline(always)]
unsafe fn h_pass_u16(
  im: &mut [i16; 16 * MAX_STRIP_ROWS], src: *const u16, ss: usize, h: usize,
  fx: &[v128; 4], k0: usize, k1: usize, n: usize, ib: u32,
) {
  let p0 = src.sub(3 + 3 * ss);
  for r in 0..h + 7 {
    let out = im.as_mut_ptr().add(r * 16);
    let mut c = 0;
    while c < n {
      let m = (n - c).min(8);
      let (lo, hi) = filt_16(p0.add(r * ss + c), 1, fx, k0, k1, m);
      let v =
        i16x8_narrow_i32x4(rshift32(lo, 7 - ib), rshift32(hi, 7 - ib));
      v128_store(out.add(c) as *mut v128, v);
      c += 8;
    }
  }
}

/// Vertical pass of the 2-D filter: 32-bit sums for 8 columns at `im[col]`
/// of output row `r`.
#[inline(always)]
unsafe fn v_pass(
  im: &[i16; 16 * MAX_STRIP_ROWS], r: usize, col: usize, fy: &[v128; 4],
  k0: usize, k1: usize, n: usize,
) -> (v128, v128) {
  filt_16(im.as_ptr().add(r * 16 + col) as *const u16, 16, fy, k0, k1, n)
}

#[allow(clippy::too_many_arguments)]
unsafe fn put_u8(
  dst: *mut u8, ds: usize, src: *const u8, ss: usize, w: usize, h: usize,
  col_frac: i32, row_frac: i32, fx: &[i32; 8], fy: &[i32; 8],
) {
  let n = w.min(16);
  match (col_frac, row_frac) {
    (0, 0) => {
      for r in 0..h {
        core::ptr::copy_nonoverlapping(src.add(r * ss), dst.add(r * ds), w);
      }
    }
    (0, _) => {
      let f = taps16(fy);
      let (t0, t1) = tap_range(fy);
      let off = i16x8_splat(OFFSET >> 7);
      let p0 = src.sub(3 * ss);
      for r in 0..h {
        for c in (0..w).step_by(16) {
          let (lo, hi) = filt_u8(p0.add(r * ss + c), ss, &f, t0, t1, n);
          let lo = i16x8_sub(rshift_off(lo, 7), off);
          let hi = i16x8_sub(rshift_off(hi, 7), off);
          store_u8(dst.add(r * ds + c), u8x16_narrow_i16x8(lo, hi), n);
        }
      }
    }
    (_, 0) => {
      let f = taps16(fx);
      let (t0, t1) = tap_range(fx);
      // round_shift(round_shift(x, 3), 4)
      let off = i16x8_splat(OFFSET >> 3 >> 4);
      let p0 = src.sub(3);
      for r in 0..h {
        for c in (0..w).step_by(16) {
          let (lo, hi) = filt_u8(p0.add(r * ss + c), 1, &f, t0, t1, n);
          let lo = i16x8_sub(rshift_off(rshift_off(lo, 3), 4), off);
          let hi = i16x8_sub(rshift_off(rshift_off(hi, 3), 4), off);
          store_u8(dst.add(r * ds + c), u8x16_narrow_i16x8(lo, hi), n);
        }
      }
    }
    (_, _) => {
      let f = taps16(fx);
      let (t0, t1) = tap_range(fx);
      let g = taps_pairs(fy);
      let (k0, k1) = tap_range(fy);
      let (k0, k1) = (k0 / 2, (k1 + 1) / 2);
      let mut im = [0i16; 16 * MAX_STRIP_ROWS];
      for c0 in (0..w).step_by(16) {
        h_pass_u8(&mut im, src.add(c0), ss, h, &f, t0, t1, n);
        for r in 0..h {
          let (a, b) = v_pass(&im, r, 0, &g, k0, k1, n.min(8));
          let lo = i16x8_narrow_i32x4(rshift32(a, 11), rshift32(b, 11));
          let hi = if n > 8 {
            let (a, b) = v_pass(&im, r, 8, &g, k0, k1, 8);
            i16x8_narrow_i32x4(rshift32(a, 11), rshift32(b, 11))
          } else {
            lo
          };
          store_u8(dst.add(r * ds + c0), u8x16_narrow_i16x8(lo, hi), n);
        }
      }
    }
  }
}

#[allow(clippy::too_many_arguments)]
unsafe fn prep_u8(
  tmp: *mut i16, src: *const u8, ss: usize, w: usize, h: usize,
  col_frac: i32, row_frac: i32, fx: &[i32; 8], fy: &[i32; 8],
) {
  let n = w.min(16);
  // Stores the 16 (or n) 16-bit lanes of (lo, hi) at tmp[r * w + c].
  let store = |r: usize, c: usize, lo: v128, hi: v128| {
    let p = tmp.add(r * w + c);
    store_16(p, lo, n.min(8));
    if n > 8 {
      v128_store(p.add(8) as *mut v128, hi);
    }
  };
  match (col_frac, row_frac) {
    (0, 0) => {
      for r in 0..h {
        for c in (0..w).step_by(16) {
          let v = load_u8(src.add(r * ss + c), n);
          store(
            r,
            c,
            i16x8_shl(u16x8_extend_low_u8x16(v), 4),
            i16x8_shl(u16x8_extend_high_u8x16(v), 4),
          );
        }
      }
    }
    (0, _) | (_, 0) => {
      let (fl, step, p0) = if col_frac == 0 {
        (fy, ss, src.sub(3 * ss))
      } else {
        (fx, 1, src.sub(3))
      };
      let f = taps16(fl);
      let (t0, t1) = tap_range(fl);
      let off = i16x8_splat(OFFSET >> 3);
      for r in 0..h {
        for c in (0..w).step_by(16) {
          let (lo, hi) = filt_u8(p0.add(r * ss + c), step, &f, t0, t1, n);
          store(
            r,
            c,
            i16x8_sub(rshift_off(lo, 3), off),
            i16x8_sub(rshift_off(hi, 3), off),
          );
        }
      }
    }
    (_, _) => {
      let f = taps16(fx);
      let (t0, t1) = tap_range(fx);
      let g = taps_pairs(fy);
      let (k0, k1) = tap_range(fy);
      let (k0, k1) = (k0 / 2, (k1 + 1) / 2);
      let mut im = [0i16; 16 * MAX_STRIP_ROWS];
      for c0 in (0..w).step_by(16) {
        h_pass_u8(&mut im, src.add(c0), ss, h, &f, t0, t1, n);
        for r in 0..h {
          let (a, b) = v_pass(&im, r, 0, &g, k0, k1, n.min(8));
          let lo = i16x8_narrow_i32x4(rshift32(a, 7), rshift32(b, 7));
          let hi = if n > 8 {
            let (a, b) = v_pass(&im, r, 8, &g, k0, k1, 8);
            i16x8_narrow_i32x4(rshift32(a, 7), rshift32(b, 7))
          } else {
            lo
          };
          store(r, c0, lo, hi);
        }
      }
    }
  }
}

/// Clamps 32-bit lanes to [0, max] and packs them to 16 bits.
#[inline(always)]
unsafe fn clamp_pack(a: v128, b: v128, max: v128) -> v128 {
  let z = i32x4_splat(0);
  u16x8_narrow_i32x4(
    i32x4_min(i32x4_max(a, z), max),
    i32x4_min(i32x4_max(b, z), max),
  )
}

#[allow(clippy::too_many_arguments)]
unsafe fn put_u16(
  dst: *mut u16, ds: usize, src: *const u16, ss: usize, w: usize, h: usize,
  col_frac: i32, row_frac: i32, fx: &[i32; 8], fy: &[i32; 8],
  bit_depth: usize,
) {
  let max = i32x4_splat((1 << bit_depth) - 1);
  let ib: u32 = if bit_depth == 12 { 2 } else { 4 };
  let n = w.min(8);
  match (col_frac, row_frac) {
    (0, 0) => {
      for r in 0..h {
        core::ptr::copy_nonoverlapping(src.add(r * ss), dst.add(r * ds), w);
      }
    }
    (0, _) | (_, 0) => {
      let (fl, step, p0, vertical) = if col_frac == 0 {
        (fy, ss, src.sub(3 * ss), true)
      } else {
        (fx, 1, src.sub(3), false)
      };
      let f = taps_pairs(fl);
      let (k0, k1) = tap_range(fl);
      let (k0, k1) = (k0 / 2, (k1 + 1) / 2);
      for r in 0..h {
        for c in (0..w).step_by(8) {
          let (a, b) = filt_16(p0.add(r * ss + c), step, &f, k0, k1, n);
          let (a, b) = if vertical {
            (rshift32(a, 7), rshift32(b, 7))
          } else {
            (
              rshift32(rshift32(a, 7 - ib), ib),
              rshift32(rshift32(b, 7 - ib), ib),
            )
          };
          store_16(dst.add(r * ds + c), clamp_pack(a, b, max), n);
        }
      }
    }
    (_, _) => {
      let f = taps_pairs(fx);
      let (t0, t1) = tap_range(fx);
      let g = taps_pairs(fy);
      let (k0, k1) = tap_range(fy);
      let (k0, k1) = (k0 / 2, (k1 + 1) / 2);
      let nn = w.min(16);
      let mut im = [0i16; 16 * MAX_STRIP_ROWS];
      for c0 in (0..w).step_by(16) {
        h_pass_u16(
          &mut im,
          src.add(c0),
          ss,
          h,
          &f,
          t0 / 2,
          (t1 + 1) / 2,
          nn,
          ib,
        );
        for r in 0..h {
          let mut c = 0;
          while c < nn {
            let (a, b) = v_pass(&im, r, c, &g, k0, k1, n);
            let v = clamp_pack(rshift32(a, 7 + ib), rshift32(b, 7 + ib), max);
            store_16(dst.add(r * ds + c0 + c), v, n);
            c += 8;
          }
        }
      }
    }
  }
}

#[allow(clippy::too_many_arguments)]
unsafe fn prep_u16(
  tmp: *mut i16, src: *const u16, ss: usize, w: usize, h: usize,
  col_frac: i32, row_frac: i32, fx: &[i32; 8], fy: &[i32; 8],
  bit_depth: usize,
) {
  let ib: u32 = if bit_depth == 12 { 2 } else { 4 };
  let bias = if bit_depth == 8 { 0 } else { PREP_BIAS };
  let bias32 = i32x4_splat(bias);
  let n = w.min(8);
  match (col_frac, row_frac) {
    (0, 0) => {
      let b16 = i16x8_splat(bias as i16);
      for r in 0..h {
        for c in (0..w).step_by(8) {
          let v = load_16(src.add(r * ss + c), n);
          store_16(tmp.add(r * w + c), i16x8_sub(i16x8_shl(v, ib), b16), n);
        }
      }
    }
    (0, _) | (_, 0) => {
      let (fl, step, p0) = if col_frac == 0 {
        (fy, ss, src.sub(3 * ss))
      } else {
        (fx, 1, src.sub(3))
      };
      let f = taps_pairs(fl);
      let (k0, k1) = tap_range(fl);
      let (k0, k1) = (k0 / 2, (k1 + 1) / 2);
      for r in 0..h {
        for c in (0..w).step_by(8) {
          let (a, b) = filt_16(p0.add(r * ss + c), step, &f, k0, k1, n);
          let v = i16x8_narrow_i32x4(
            i32x4_sub(rshift32(a, 7 - ib), bias32),
            i32x4_sub(rshift32(b, 7 - ib), bias32),
          );
          store_16(tmp.add(r * w + c), v, n);
        }
      }
    }
    (_, _) => {
      let f = taps_pairs(fx);
      let (t0, t1) = tap_range(fx);
      let g = taps_pairs(fy);
      let (k0, k1) = tap_range(fy);
      let (k0, k1) = (k0 / 2, (k1 + 1) / 2);
      let nn = w.min(16);
      let mut im = [0i16; 16 * MAX_STRIP_ROWS];
      for c0 in (0..w).step_by(16) {
        h_pass_u16(
          &mut im,
          src.add(c0),
          ss,
          h,
          &f,
          t0 / 2,
          (t1 + 1) / 2,
          nn,
          ib,
        );
        for r in 0..h {
          let mut c = 0;
          while c < nn {
            let (a, b) = v_pass(&im, r, c, &g, k0, k1, n);
            let v = i16x8_narrow_i32x4(
              i32x4_sub(rshift32(a, 7), bias32),
              i32x4_sub(rshift32(b, 7), bias32),
            );
            store_16(tmp.add(r * w + c0 + c), v, n);
            c += 8;
          }
        }
      }
    }
  }
}

/// # Panics
///
/// - If `width` is not a power of 2
/// - If `width` is not between 2 and 128
/// - If `height` is odd
/// - If `width` and `height` do not fit within the bounds of `src`
#[inline(always)]
pub fn put_8tap<T: Pixel>(
  dst: &mut PlaneRegionMut<'_, T>, src: PlaneSlice<'_, T>, width: usize,
  height: usize, col_frac: i32, row_frac: i32, mode_x: FilterMode,
  mode_y: FilterMode, bit_depth: usize, cpu: CpuFeatureLevel,
) {
  assert_eq!(height & 1, 0);
  assert!(width.is_power_of_two() && (2..=128).contains(&width));
  if width < 4 {
    return rust::put_8tap(
      dst, src, width, height, col_frac, row_frac, mode_x, mode_y, bit_depth,
      cpu,
    );
  }
  // SAFETY: Check bounds of dst and src (the same as the x86 assembly's).
  assert!(dst.rect().width >= width && dst.rect().height >= height);
  assert!(src.accessible(width + 4, height + 4));
  assert!(src.accessible_neg(3, 3));
  let fy = get_filter(mode_y, row_frac, height);
  let fx = get_filter(mode_x, col_frac, width);
  let ds = dst.plane_cfg.stride;
  let ss = src.plane.cfg.stride;
  // SAFETY: the kernels read rows -3..height+4 and columns -3..width+4 of
  // `src`, exactly as the Rust reference, and write width×height of `dst`.
  unsafe {
    match T::type_enum() {
      PixelType::U8 => put_u8(
        dst.data_ptr_mut() as *mut u8,
        ds,
        src.as_ptr() as *const u8,
        ss,
        width,
        height,
        col_frac,
        row_frac,
        &fx,
        &fy,
      ),
      PixelType::U16 => put_u16(
        dst.data_ptr_mut() as *mut u16,
        ds,
        src.as_ptr() as *const u16,
        ss,
        width,
        height,
        col_frac,
        row_frac,
        &fx,
        &fy,
        bit_depth,
      ),
    }
  }
}

/// # Panics
///
/// - If `width` is not a power of 2
/// - If `width` is not between 2 and 128
/// - If `height` is odd
/// - If `width * height` is greater than the length of `tmp`
/// - If `width` and `height` do not fit within the bounds of `src`
#[inline(always)]
pub fn prep_8tap<T: Pixel>(
  tmp: &mut [i16], src: PlaneSlice<'_, T>, width: usize, height: usize,
  col_frac: i32, row_frac: i32, mode_x: FilterMode, mode_y: FilterMode,
  bit_depth: usize, cpu: CpuFeatureLevel,
) {
  assert_eq!(height & 1, 0);
  assert!(width.is_power_of_two() && (2..=128).contains(&width));
  if width < 4 {
    return rust::prep_8tap(
      tmp, src, width, height, col_frac, row_frac, mode_x, mode_y, bit_depth,
      cpu,
    );
  }
  assert!(tmp.len() >= width * height);
  assert!(src.accessible(width + 4, height + 4));
  assert!(src.accessible_neg(3, 3));
  let fy = get_filter(mode_y, row_frac, height);
  let fx = get_filter(mode_x, col_frac, width);
  let ss = src.plane.cfg.stride;
  // SAFETY: as in put_8tap; writes tmp[..width * height].
  unsafe {
    match T::type_enum() {
      PixelType::U8 => prep_u8(
        tmp.as_mut_ptr(),
        src.as_ptr() as *const u8,
        ss,
        width,
        height,
        col_frac,
        row_frac,
        &fx,
        &fy,
      ),
      PixelType::U16 => prep_u16(
        tmp.as_mut_ptr(),
        src.as_ptr() as *const u16,
        ss,
        width,
        height,
        col_frac,
        row_frac,
        &fx,
        &fy,
        bit_depth,
      ),
    }
  }
}

#[cfg(test)]
mod test {
  use super::*;
  use crate::frame::{AsRegion, Plane};
  use rand::{Rng, SeedableRng};
  use rand_chacha::ChaCha8Rng;

  const MODES: [FilterMode; 4] = [
    FilterMode::REGULAR,
    FilterMode::SMOOTH,
    FilterMode::SHARP,
    FilterMode::BILINEAR,
  ];

  fn check<T: Pixel>(bit_depth: usize) {
    let max = (1u32 << bit_depth) - 1;
    let mut rng = ChaCha8Rng::seed_from_u64(0x3c ^ bit_depth as u64);
    let mut src = Plane::<T>::new(160, 160, 0, 0, 16, 16);
    let mut checked = 0;
    for iter in 0..8 {
      // random, random extremes, alternating extremes (worst case for the
      // sharp filter's negative taps), constant max
      for (i, v) in src.data.iter_mut().enumerate() {
        let x = match iter {
          0..=3 => rng.random_range(0..=max),
          4 | 5 => {
            if rng.random::<bool>() {
              max
            } else {
              0
            }
          }
          6 => {
            if (i / 3) % 2 == 0 {
              max
            } else {
              0
            }
          }
          _ => max,
        };
        *v = T::cast_from(x);
      }
      for w in [2usize, 4, 8, 16, 32, 64, 128] {
        for h in [2usize, 4, 8, 16, 32, 64, 128] {
          for &mx in &MODES {
            for &my in &MODES {
              if (mx == FilterMode::BILINEAR) != (my == FilterMode::BILINEAR) {
                continue;
              }
              let col_frac = rng.random_range(0..16i32);
              let row_frac = rng.random_range(0..16i32);
              // also the (0, _), (_, 0) and (0, 0) cases
              let (cf, rf) = match rng.random_range(0..4u32) {
                0 => (0, row_frac),
                1 => (col_frac, 0),
                2 if iter == 0 => (0, 0),
                _ => (col_frac, row_frac),
              };
              let x = rng.random_range(0..20i32) as isize;
              let y = rng.random_range(0..20i32) as isize;
              let slice = PlaneSlice { plane: &src, x, y };
              let cpu = CpuFeatureLevel::default();

              let mut d1 = Plane::<T>::new(128, 128, 0, 0, 0, 0);
              let mut d2 = Plane::<T>::new(128, 128, 0, 0, 0, 0);
              put_8tap(
                &mut d1.as_region_mut(),
                slice,
                w,
                h,
                cf,
                rf,
                mx,
                my,
                bit_depth,
                cpu,
              );
              rust::put_8tap(
                &mut d2.as_region_mut(),
                slice,
                w,
                h,
                cf,
                rf,
                mx,
                my,
                bit_depth,
                cpu,
              );
              assert!(
                d1.data[..] == d2.data[..],
                "put {}x{} {:?}/{:?} frac {},{} bd {} iter {}",
                w,
                h,
                mx,
                my,
                cf,
                rf,
                bit_depth,
                iter
              );

              let mut t1 = vec![0x5555i16; 128 * 128 + 8];
              let mut t2 = t1.clone();
              prep_8tap(&mut t1, slice, w, h, cf, rf, mx, my, bit_depth, cpu);
              rust::prep_8tap(
                &mut t2, slice, w, h, cf, rf, mx, my, bit_depth, cpu,
              );
              assert!(
                t1 == t2,
                "prep {}x{} {:?}/{:?} frac {},{} bd {} iter {}",
                w,
                h,
                mx,
                my,
                cf,
                rf,
                bit_depth,
                iter
              );
              checked += 1;
            }
          }
        }
      }
    }
    assert!(checked > 1000);
  }

  /// Every filter and fraction, one block size per filter length class.
  fn check_all_fracs<T: Pixel>(bit_depth: usize) {
    let max = (1u32 << bit_depth) - 1;
    let mut rng = ChaCha8Rng::seed_from_u64(0xf1 ^ bit_depth as u64);
    let mut src = Plane::<T>::new(64, 64, 0, 0, 16, 16);
    for v in src.data.iter_mut() {
      *v = T::cast_from(rng.random_range(0..=max));
    }
    let cpu = CpuFeatureLevel::default();
    for (w, h) in [(4usize, 4usize), (4, 16), (16, 4), (8, 8), (32, 16)] {
      for &mx in &MODES {
        for &my in &MODES {
          for cf in 0..16 {
            for rf in 0..16 {
              let slice = PlaneSlice { plane: &src, x: 5, y: 3 };
              let mut d1 = Plane::<T>::new(32, 16, 0, 0, 0, 0);
              let mut d2 = Plane::<T>::new(32, 16, 0, 0, 0, 0);
              put_8tap(
                &mut d1.as_region_mut(),
                slice,
                w,
                h,
                cf,
                rf,
                mx,
                my,
                bit_depth,
                cpu,
              );
              rust::put_8tap(
                &mut d2.as_region_mut(),
                slice,
                w,
                h,
                cf,
                rf,
                mx,
                my,
                bit_depth,
                cpu,
              );
              assert!(d1.data[..] == d2.data[..], "put {}x{} {} {}", w, h, cf, rf);
              let mut t1 = vec![0i16; w * h];
              let mut t2 = t1.clone();
              prep_8tap(&mut t1, slice, w, h, cf, rf, mx, my, bit_depth, cpu);
              rust::prep_8tap(
                &mut t2, slice, w, h, cf, rf, mx, my, bit_depth, cpu,
              );
              assert!(t1 == t2, "prep {}x{} {} {}", w, h, cf, rf);
            }
          }
        }
      }
    }
  }

  #[test]
  fn wasm_mc_8bit() {
    check::<u8>(8);
    check_all_fracs::<u8>(8);
  }

  #[test]
  fn wasm_mc_u16_8bit() {
    check::<u16>(8);
  }

  #[test]
  fn wasm_mc_10bit() {
    check::<u16>(10);
    check_all_fracs::<u16>(10);
  }

  #[test]
  fn wasm_mc_12bit() {
    check::<u16>(12);
    check_all_fracs::<u16>(12);
  }
}
