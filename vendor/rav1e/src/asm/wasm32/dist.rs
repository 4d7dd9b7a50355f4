// Copyright (c) 2026, The rav1e contributors. All rights reserved
//
// This source code is subject to the terms of the BSD 2 Clause License and
// the Alliance for Open Media Patent License 1.0. If the BSD 2 Clause License
// was not distributed with this source code in the LICENSE file, you can
// obtain it at www.aomedia.org/license/software. If the Alliance for Open
// Media Patent License 1.0 was not distributed with this source code in the
// PATENTS file, you can obtain it at www.aomedia.org/license/patent.

//! SAD and SATD with WebAssembly SIMD128.

use core::arch::wasm32::*;

use crate::cpu_features::CpuFeatureLevel;
use crate::dist::rust;
use crate::tiling::*;
use crate::util::*;

// Everything not implemented here (weighted SSE, CDEF distortion) is the
// Rust reference.
pub use crate::dist::rust::*;

#[inline(always)]
unsafe fn hsum_u32x4(v: v128) -> u32 {
  u32x4_extract_lane::<0>(v)
    .wrapping_add(u32x4_extract_lane::<1>(v))
    .wrapping_add(u32x4_extract_lane::<2>(v))
    .wrapping_add(u32x4_extract_lane::<3>(v))
}

#[inline(always)]
unsafe fn absdiff_u8(a: v128, b: v128) -> v128 {
  v128_or(u8x16_sub_sat(a, b), u8x16_sub_sat(b, a))
}

#[inline(always)]
unsafe fn absdiff_u16(a: v128, b: v128) -> v128 {
  v128_or(u16x8_sub_sat(a, b), u16x8_sub_sat(b, a))
}

/// SAD of a `w`×`h` block of 8-bit pixels.
unsafe fn sad_u8(
  mut a: *const u8, sa: usize, mut b: *const u8, sb: usize, w: usize,
  h: usize,
) -> u32 {
  // Each 16-bit lane of `acc16` gains at most 2 * 255 per vector added; flush
  // to 32 bits before it can overflow.
  let vecs_per_row =
    (w / 16 + ((w & 15) >= 8) as usize + ((w & 7) >= 4) as usize).max(1);
  let rows_per_flush = (128 / vecs_per_row).max(1);
  let mut acc32 = u32x4_splat(0);
  let mut acc16 = u16x8_splat(0);
  let mut scalar = 0u32;
  let mut rows = 0;
  for _ in 0..h {
    let mut x = 0;
    while x + 16 <= w {
      let va = v128_load(a.add(x) as *const v128);
      let vb = v128_load(b.add(x) as *const v128);
      acc16 = i16x8_add(acc16, u16x8_extadd_pairwise_u8x16(absdiff_u8(va, vb)));
      x += 16;
    }
    if x + 8 <= w {
      let va = v128_load64_zero(a.add(x) as *const u64);
      let vb = v128_load64_zero(b.add(x) as *const u64);
      acc16 = i16x8_add(acc16, u16x8_extadd_pairwise_u8x16(absdiff_u8(va, vb)));
      x += 8;
    }
    if x + 4 <= w {
      let va = v128_load32_zero(a.add(x) as *const u32);
      let vb = v128_load32_zero(b.add(x) as *const u32);
      acc16 = i16x8_add(acc16, u16x8_extadd_pairwise_u8x16(absdiff_u8(va, vb)));
      x += 4;
    }
    while x < w {
      scalar += (*a.add(x) as i32).abs_diff(*b.add(x) as i32);
      x += 1;
    }
    rows += 1;
    if rows == rows_per_flush {
      acc32 = i32x4_add(acc32, u32x4_extadd_pairwise_u16x8(acc16));
      acc16 = u16x8_splat(0);
      rows = 0;
    }
    a = a.add(sa);
    b = b.add(sb);
  }
  acc32 = i32x4_add(acc32, u32x4_extadd_pairwise_u16x8(acc16));
  hsum_u32x4(acc32).wrapping_add(scalar)
}

/// SAD of a `w`×`h` block of 16-bit pixels (any values, not only 10/12 bit).
unsafe fn sad_u16(
  mut a: *const u16, sa: usize, mut b: *const u16, sb: usize, w: usize,
  h: usize,
) -> u32 {
  let mut acc32 = u32x4_splat(0);
  let mut scalar = 0u32;
  for _ in 0..h {
    let mut x = 0;
    while x + 8 <= w {
      let va = v128_load(a.add(x) as *const v128);
      let vb = v128_load(b.add(x) as *const v128);
      acc32 =
        i32x4_add(acc32, u32x4_extadd_pairwise_u16x8(absdiff_u16(va, vb)));
      x += 8;
    }
    if x + 4 <= w {
      let va = v128_load64_zero(a.add(x) as *const u64);
      let vb = v128_load64_zero(b.add(x) as *const u64);
      acc32 =
        i32x4_add(acc32, u32x4_extadd_pairwise_u16x8(absdiff_u16(va, vb)));
      x += 4;
    }
    while x < w {
      scalar += (*a.add(x) as i32).abs_diff(*b.add(x) as i32);
      x += 1;
    }
    a = a.add(sa);
    b = b.add(sb);
  }
  hsum_u32x4(acc32).wrapping_add(scalar)
}

/// Compute the sum of absolute differences over a block.
/// w and h can be at most 128, the size of the largest block.
#[inline(always)]
pub fn get_sad<T: Pixel>(
  plane_org: &PlaneRegion<'_, T>, plane_ref: &PlaneRegion<'_, T>, w: usize,
  h: usize, bit_depth: usize, cpu: CpuFeatureLevel,
) -> u32 {
  debug_assert!(w <= 128 && h <= 128);
  if plane_org.data_ptr().is_null() || plane_ref.data_ptr().is_null() {
    return rust::get_sad(plane_org, plane_ref, w, h, bit_depth, cpu);
  }
  // SAFETY: reads the same w×h pixels as the Rust reference (rows of `w`
  // pixels, `stride` apart, from the region's origin).
  unsafe {
    match T::type_enum() {
      PixelType::U8 => sad_u8(
        plane_org.data_ptr() as *const u8,
        plane_org.plane_cfg.stride,
        plane_ref.data_ptr() as *const u8,
        plane_ref.plane_cfg.stride,
        w,
        h,
      ),
      PixelType::U16 => sad_u16(
        plane_org.data_ptr() as *const u16,
        plane_org.plane_cfg.stride,
        plane_ref.data_ptr() as *const u16,
        plane_ref.plane_cfg.stride,
        w,
        h,
      ),
    }
  }
}

// ---------------------------------------------------------------------------
// SATD

#[inline(always)]
unsafe fn bf16(a: &mut v128, b: &mut v128) {
  let s = i16x8_add(*a, *b);
  let d = i16x8_sub(*a, *b);
  *a = s;
  *b = d;
}

#[inline(always)]
unsafe fn bf32(a: &mut v128, b: &mut v128) {
  let s = i32x4_add(*a, *b);
  let d = i32x4_sub(*a, *b);
  *a = s;
  *b = d;
}

/// The butterfly network of `hadamard8_1d` in the Rust reference, applied
/// across 8 vectors (lane-wise).
#[inline(always)]
unsafe fn hadamard8_16(r: &mut [v128; 8]) {
  let [mut a0, mut a1, mut a2, mut a3, mut a4, mut a5, mut a6, mut a7] = *r;
  bf16(&mut a0, &mut a1);
  bf16(&mut a2, &mut a3);
  bf16(&mut a4, &mut a5);
  bf16(&mut a6, &mut a7);
  bf16(&mut a0, &mut a2);
  bf16(&mut a1, &mut a3);
  bf16(&mut a4, &mut a6);
  bf16(&mut a5, &mut a7);
  bf16(&mut a0, &mut a4);
  bf16(&mut a1, &mut a5);
  bf16(&mut a2, &mut a6);
  bf16(&mut a3, &mut a7);
  *r = [a0, a1, a2, a3, a4, a5, a6, a7];
}

#[inline(always)]
unsafe fn hadamard8_32(r: &mut [v128; 8]) {
  let [mut a0, mut a1, mut a2, mut a3, mut a4, mut a5, mut a6, mut a7] = *r;
  bf32(&mut a0, &mut a1);
  bf32(&mut a2, &mut a3);
  bf32(&mut a4, &mut a5);
  bf32(&mut a6, &mut a7);
  bf32(&mut a0, &mut a2);
  bf32(&mut a1, &mut a3);
  bf32(&mut a4, &mut a6);
  bf32(&mut a5, &mut a7);
  bf32(&mut a0, &mut a4);
  bf32(&mut a1, &mut a5);
  bf32(&mut a2, &mut a6);
  bf32(&mut a3, &mut a7);
  *r = [a0, a1, a2, a3, a4, a5, a6, a7];
}

#[inline(always)]
unsafe fn hadamard4_32(r: &mut [v128; 4]) {
  let [mut a0, mut a1, mut a2, mut a3] = *r;
  bf32(&mut a0, &mut a1);
  bf32(&mut a2, &mut a3);
  bf32(&mut a0, &mut a2);
  bf32(&mut a1, &mut a3);
  *r = [a0, a1, a2, a3];
}

/// Transpose of an 8×8 matrix of i16, one row per vector.
#[inline(always)]
unsafe fn transpose8x8_16(r: &mut [v128; 8]) {
  let t0 = i16x8_shuffle::<0, 8, 1, 9, 2, 10, 3, 11>(r[0], r[1]);
  let t1 = i16x8_shuffle::<4, 12, 5, 13, 6, 14, 7, 15>(r[0], r[1]);
  let t2 = i16x8_shuffle::<0, 8, 1, 9, 2, 10, 3, 11>(r[2], r[3]);
  let t3 = i16x8_shuffle::<4, 12, 5, 13, 6, 14, 7, 15>(r[2], r[3]);
  let t4 = i16x8_shuffle::<0, 8, 1, 9, 2, 10, 3, 11>(r[4], r[5]);
  let t5 = i16x8_shuffle::<4, 12, 5, 13, 6, 14, 7, 15>(r[4], r[5]);
  let t6 = i16x8_shuffle::<0, 8, 1, 9, 2, 10, 3, 11>(r[6], r[7]);
  let t7 = i16x8_shuffle::<4, 12, 5, 13, 6, 14, 7, 15>(r[6], r[7]);
  let u0 = i32x4_shuffle::<0, 4, 1, 5>(t0, t2);
  let u1 = i32x4_shuffle::<2, 6, 3, 7>(t0, t2);
  let u2 = i32x4_shuffle::<0, 4, 1, 5>(t1, t3);
  let u3 = i32x4_shuffle::<2, 6, 3, 7>(t1, t3);
  let u4 = i32x4_shuffle::<0, 4, 1, 5>(t4, t6);
  let u5 = i32x4_shuffle::<2, 6, 3, 7>(t4, t6);
  let u6 = i32x4_shuffle::<0, 4, 1, 5>(t5, t7);
  let u7 = i32x4_shuffle::<2, 6, 3, 7>(t5, t7);
  r[0] = i64x2_shuffle::<0, 2>(u0, u4);
  r[1] = i64x2_shuffle::<1, 3>(u0, u4);
  r[2] = i64x2_shuffle::<0, 2>(u1, u5);
  r[3] = i64x2_shuffle::<1, 3>(u1, u5);
  r[4] = i64x2_shuffle::<0, 2>(u2, u6);
  r[5] = i64x2_shuffle::<1, 3>(u2, u6);
  r[6] = i64x2_shuffle::<0, 2>(u3, u7);
  r[7] = i64x2_shuffle::<1, 3>(u3, u7);
}

/// Transpose of a 4×4 matrix of i32, one row per vector.
#[inline(always)]
unsafe fn transpose4x4_32(
  r0: v128, r1: v128, r2: v128, r3: v128,
) -> [v128; 4] {
  let t0 = i32x4_shuffle::<0, 4, 1, 5>(r0, r1);
  let t1 = i32x4_shuffle::<2, 6, 3, 7>(r0, r1);
  let t2 = i32x4_shuffle::<0, 4, 1, 5>(r2, r3);
  let t3 = i32x4_shuffle::<2, 6, 3, 7>(r2, r3);
  [
    i64x2_shuffle::<0, 2>(t0, t2),
    i64x2_shuffle::<1, 3>(t0, t2),
    i64x2_shuffle::<0, 2>(t1, t3),
    i64x2_shuffle::<1, 3>(t1, t3),
  ]
}

/// Sum of absolute Hadamard coefficients of one 8×8 block, 8-bit pixels.
/// Every intermediate fits in i16 (|coefficient| <= 64 * 255).
#[inline(always)]
unsafe fn satd8x8_u8(
  a: *const u8, sa: usize, b: *const u8, sb: usize,
) -> u32 {
  let mut r = [u16x8_splat(0); 8];
  for i in 0..8 {
    let va = u16x8_extend_low_u8x16(v128_load64_zero(a.add(i * sa) as *const u64));
    let vb = u16x8_extend_low_u8x16(v128_load64_zero(b.add(i * sb) as *const u64));
    r[i] = i16x8_sub(va, vb);
  }
  hadamard8_16(&mut r);
  transpose8x8_16(&mut r);
  hadamard8_16(&mut r);
  // |c| <= 16320, so four of them still fit in an unsigned 16-bit lane.
  let s0 = i16x8_add(
    i16x8_add(i16x8_abs(r[0]), i16x8_abs(r[1])),
    i16x8_add(i16x8_abs(r[2]), i16x8_abs(r[3])),
  );
  let s1 = i16x8_add(
    i16x8_add(i16x8_abs(r[4]), i16x8_abs(r[5])),
    i16x8_add(i16x8_abs(r[6]), i16x8_abs(r[7])),
  );
  hsum_u32x4(i32x4_add(
    u32x4_extadd_pairwise_u16x8(s0),
    u32x4_extadd_pairwise_u16x8(s1),
  ))
}

#[inline(always)]
unsafe fn load4_u8_as_i32(p: *const u8) -> v128 {
  u32x4_extend_low_u16x8(u16x8_extend_low_u8x16(v128_load32_zero(
    p as *const u32,
  )))
}

#[inline(always)]
unsafe fn load4_u16_as_i32(p: *const u16) -> v128 {
  u32x4_extend_low_u16x8(v128_load64_zero(p as *const u64))
}

#[inline(always)]
unsafe fn sum_abs_32(v: &[v128]) -> u32 {
  let mut acc = u32x4_splat(0);
  for &x in v {
    acc = i32x4_add(acc, i32x4_abs(x));
  }
  hsum_u32x4(acc)
}

/// Sum of absolute Hadamard coefficients of one 8×8 block, 16-bit pixels.
#[inline(always)]
unsafe fn satd8x8_u16(
  a: *const u16, sa: usize, b: *const u16, sb: usize,
) -> u32 {
  let mut lo = [u32x4_splat(0); 8];
  let mut hi = [u32x4_splat(0); 8];
  for i in 0..8 {
    let va = v128_load(a.add(i * sa) as *const v128);
    let vb = v128_load(b.add(i * sb) as *const v128);
    lo[i] = i32x4_sub(u32x4_extend_low_u16x8(va), u32x4_extend_low_u16x8(vb));
    hi[i] =
      i32x4_sub(u32x4_extend_high_u16x8(va), u32x4_extend_high_u16x8(vb));
  }
  hadamard8_32(&mut lo);
  hadamard8_32(&mut hi);
  // Transpose [A B; C D] (A = rows 0-3 columns 0-3 = lo[0..4], ...).
  let ta = transpose4x4_32(lo[0], lo[1], lo[2], lo[3]);
  let tb = transpose4x4_32(hi[0], hi[1], hi[2], hi[3]);
  let tc = transpose4x4_32(lo[4], lo[5], lo[6], lo[7]);
  let td = transpose4x4_32(hi[4], hi[5], hi[6], hi[7]);
  let mut c_lo = [ta[0], ta[1], ta[2], ta[3], tb[0], tb[1], tb[2], tb[3]];
  let mut c_hi = [tc[0], tc[1], tc[2], tc[3], td[0], td[1], td[2], td[3]];
  hadamard8_32(&mut c_lo);
  hadamard8_32(&mut c_hi);
  sum_abs_32(&c_lo).wrapping_add(sum_abs_32(&c_hi))
}

/// Sum of absolute Hadamard coefficients of one 4×4 block (rows as i32x4).
#[inline(always)]
unsafe fn satd4x4_rows(r: [v128; 4]) -> u32 {
  let mut r = r;
  hadamard4_32(&mut r);
  let mut t = transpose4x4_32(r[0], r[1], r[2], r[3]);
  hadamard4_32(&mut t);
  sum_abs_32(&t)
}

/// Sum of absolute transformed differences over a block.
/// w and h can be at most 128, the size of the largest block.
/// Use the sum of 4x4 and 8x8 hadamard transforms for the transform, but
/// revert to sad on edges when these transforms do not fit into w and h.
/// 4x4 transforms instead of 8x8 transforms when width or height < 8.
#[inline(always)]
pub fn get_satd<T: Pixel>(
  plane_org: &PlaneRegion<'_, T>, plane_ref: &PlaneRegion<'_, T>, w: usize,
  h: usize, bit_depth: usize, cpu: CpuFeatureLevel,
) -> u32 {
  assert!(w <= 128 && h <= 128);
  assert!(plane_org.rect().width >= w && plane_org.rect().height >= h);
  assert!(plane_ref.rect().width >= w && plane_ref.rect().height >= h);

  let size: usize = w.min(h).min(8);
  if size < 4 || w % size != 0 || h % size != 0 {
    // Edge blocks (sad fallback) only occur for odd sizes: leave those to
    // the reference.
    return rust::get_satd(plane_org, plane_ref, w, h, bit_depth, cpu);
  }
  let sa = plane_org.plane_cfg.stride;
  let sb = plane_ref.plane_cfg.stride;
  let mut sum: u64 = 0;
  // SAFETY: reads exactly the w×h pixels of both regions (asserted above).
  unsafe {
    match T::type_enum() {
      PixelType::U8 => {
        let a0 = plane_org.data_ptr() as *const u8;
        let b0 = plane_ref.data_ptr() as *const u8;
        for y in (0..h).step_by(size) {
          for x in (0..w).step_by(size) {
            let a = a0.add(y * sa + x);
            let b = b0.add(y * sb + x);
            sum += if size == 8 {
              satd8x8_u8(a, sa, b, sb)
            } else {
              let mut r = [u32x4_splat(0); 4];
              for i in 0..4 {
                r[i] = i32x4_sub(
                  load4_u8_as_i32(a.add(i * sa)),
                  load4_u8_as_i32(b.add(i * sb)),
                );
              }
              satd4x4_rows(r)
            } as u64;
          }
        }
      }
      PixelType::U16 => {
        let a0 = plane_org.data_ptr() as *const u16;
        let b0 = plane_ref.data_ptr() as *const u16;
        for y in (0..h).step_by(size) {
          for x in (0..w).step_by(size) {
            let a = a0.add(y * sa + x);
            let b = b0.add(y * sb + x);
            sum += if size == 8 {
              satd8x8_u16(a, sa, b, sb)
            } else {
              let mut r = [u32x4_splat(0); 4];
              for i in 0..4 {
                r[i] = i32x4_sub(
                  load4_u16_as_i32(a.add(i * sa)),
                  load4_u16_as_i32(b.add(i * sb)),
                );
              }
              satd4x4_rows(r)
            } as u64;
          }
        }
      }
    }
  }
  // Normalize the results
  let ln = msb(size as i32) as u64;
  ((sum + (1 << ln >> 1)) >> ln) as u32
}

#[cfg(test)]
mod test {
  use super::*;
  use crate::frame::{AsRegion, Plane};
  use crate::tiling::Area;
  use rand::{Rng, SeedableRng};
  use rand_chacha::ChaCha8Rng;

  const SIZES: [(usize, usize); 22] = [
    (4, 4),
    (4, 8),
    (4, 16),
    (8, 4),
    (8, 8),
    (8, 16),
    (8, 32),
    (16, 4),
    (16, 8),
    (16, 16),
    (16, 32),
    (16, 64),
    (32, 8),
    (32, 16),
    (32, 32),
    (32, 64),
    (64, 16),
    (64, 32),
    (64, 64),
    (64, 128),
    (128, 64),
    (128, 128),
  ];

  /// Fills with random values in 0..=max, or (mode 1/2) extremes only.
  fn fill<T: Pixel>(p: &mut Plane<T>, rng: &mut ChaCha8Rng, max: u32, mode: u32) {
    for v in p.data.iter_mut() {
      let x = match mode {
        0 => rng.random_range(0..=max),
        1 => {
          if rng.random::<bool>() {
            max
          } else {
            0
          }
        }
        _ => max,
      };
      *v = T::cast_from(x);
    }
  }

  fn check<T: Pixel>(max: u32, bd: usize, odd_sizes: bool) {
    let mut rng = ChaCha8Rng::seed_from_u64(0x5ad ^ max as u64);
    // Different strides, and an offset so rows are not 16-byte aligned.
    let mut a = Plane::<T>::new(160, 160, 0, 0, 8, 8);
    let mut b = Plane::<T>::new(200, 150, 0, 0, 16, 16);
    let mut sizes: Vec<(usize, usize)> = SIZES.to_vec();
    if odd_sizes {
      for w in [1, 2, 3, 5, 6, 7, 12, 20, 24, 28, 36, 100, 127] {
        sizes.push((w, 9));
        sizes.push((w, 128));
      }
    }
    for iter in 0..12 {
      let mode = if iter < 8 { 0 } else { iter % 3 };
      fill(&mut a, &mut rng, max, mode);
      fill(&mut b, &mut rng, max, if mode == 2 { 3 } else { mode });
      if mode == 2 {
        // one side all max, other all zero
        for v in b.data.iter_mut() {
          *v = T::cast_from(0);
        }
      }
      for &(w, h) in &sizes {
        let (ox, oy) = (rng.random_range(0..13i32) as isize, rng.random_range(0..9i32) as isize);
        let ra = a.region(Area::StartingAt { x: ox, y: oy });
        let rb = b.region(Area::StartingAt { x: oy, y: ox });
        let cpu = CpuFeatureLevel::default();
        assert_eq!(
          get_sad(&ra, &rb, w, h, bd, cpu),
          rust::get_sad(&ra, &rb, w, h, bd, cpu),
          "sad {}x{} max {} mode {}",
          w,
          h,
          max,
          mode
        );
        assert_eq!(
          get_sad(&rb, &ra, w, h, bd, cpu),
          rust::get_sad(&rb, &ra, w, h, bd, cpu),
        );
        if w >= 4 {
          assert_eq!(
            get_satd(&ra, &rb, w, h, bd, cpu),
            rust::get_satd(&ra, &rb, w, h, bd, cpu),
            "satd {}x{} max {} mode {}",
            w,
            h,
            max,
            mode
          );
          assert_eq!(
            get_satd(&rb, &ra, w, h, bd, cpu),
            rust::get_satd(&rb, &ra, w, h, bd, cpu),
          );
        }
      }
    }
    // satd on sizes that need the sad fallback at the edges (not 5..7: the
    // reference reads an uninitialised-size buffer there)
    for &(w, h) in &[(12usize, 12usize), (20, 8), (8, 20), (12, 4), (4, 6)] {
      let ra = a.region(Area::StartingAt { x: 3, y: 1 });
      let rb = b.region(Area::StartingAt { x: 1, y: 3 });
      let cpu = CpuFeatureLevel::default();
      assert_eq!(
        get_satd(&ra, &rb, w, h, bd, cpu),
        rust::get_satd(&ra, &rb, w, h, bd, cpu)
      );
    }
  }

  #[test]
  fn wasm_dist_u8() {
    check::<u8>(255, 8, true);
  }

  #[test]
  fn wasm_dist_u16_10bit() {
    check::<u16>(1023, 10, true);
  }

  #[test]
  fn wasm_dist_u16_12bit() {
    check::<u16>(4095, 12, true);
  }

  #[test]
  fn wasm_dist_u16_full_range() {
    // Wider than rav1e ever produces; the kernels stay exact anyway.
    check::<u16>(65535, 12, false);
  }
}
