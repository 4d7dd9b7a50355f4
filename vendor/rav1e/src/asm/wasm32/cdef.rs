// Copyright (c) 2026, The rav1e contributors. All rights reserved
//
// This source code is subject to the terms of the BSD 2 Clause License and
// the Alliance for Open Media Patent License 1.0. If the BSD 2 Clause License
// was not distributed with this source code in the LICENSE file, you can
// obtain it at www.aomedia.org/license/software. If the Alliance for Open
// Media Patent License 1.0 was not distributed with this source code in the
// PATENTS file, you can obtain it at www.aomedia.org/license/patent.

//! CDEF filter block with WebAssembly SIMD128 (one row of 8 or 4 pixels per
//! vector, 16-bit lanes), bit-exact with `crate::cdef::rust`.
//!
//! Padding (`CDEF_VERY_LARGE` = 0x8000) is left out of the maximum by
//! comparing as signed 16-bit values (where it is the smallest) and out of
//! the minimum by comparing as unsigned ones (where it is the largest), as
//! the Rust reference does with its explicit test.

use core::arch::wasm32::*;

use crate::cdef::rust;
use crate::cdef::{CDEF_HAVE_ALL, CDEF_VERY_LARGE};
use crate::cpu_features::CpuFeatureLevel;
use crate::tiling::PlaneRegionMut;
use crate::util::*;

// cdef_find_dir and the rest: the Rust reference.
pub(crate) use crate::cdef::rust::*;

/// Loads `n` (8 or 4) pixels as 16-bit lanes.
#[inline(always)]
unsafe fn load<U: Pixel>(p: *const U, n: usize) -> v128 {
  match U::type_enum() {
    PixelType::U8 => u16x8_extend_low_u8x16(if n == 8 {
      v128_load64_zero(p as *const u64)
    } else {
      v128_load32_zero(p as *const u32)
    }),
    PixelType::U16 => {
      if n == 8 {
        v128_load(p as *const v128)
      } else {
        v128_load64_zero(p as *const u64)
      }
    }
  }
}

/// `constrain(p - x, threshold, damping)` of the Rust reference for
/// threshold > 0, `shift` = max(0, damping - msb(threshold)).
#[inline(always)]
unsafe fn constrain(p: v128, x: v128, threshold: v128, shift: u32) -> v128 {
  let ad = i16x8_sub(u16x8_max(p, x), u16x8_min(p, x)); // |p - x|, unsigned
  let mag = u16x8_min(u16x8_sub_sat(threshold, u16x8_shr(ad, shift)), ad);
  // p < x: negative difference
  let neg = u16x8_lt(p, x);
  i16x8_sub(v128_xor(mag, neg), neg)
}

/// The filter over a block whose neighbourhood is all readable (`U` values,
/// `CDEF_VERY_LARGE` where padded).
#[allow(clippy::erasing_op, clippy::identity_op, clippy::neg_multiply)]
unsafe fn filter<T: Pixel, U: Pixel>(
  dst: &mut PlaneRegionMut<'_, T>, input: *const U, istride: isize,
  pri_strength: i32, sec_strength: i32, dir: usize, damping: i32,
  bit_depth: usize, xdec: usize, ydec: usize,
) {
  let xsize = 8 >> xdec;
  let ysize = 8 >> ydec;
  let coeff_shift = bit_depth - 8;
  let pri_taps = [[4i16, 2], [3, 3]][((pri_strength >> coeff_shift) & 1) as usize];
  let sec_taps = [2i16, 1];
  let cdef_directions = [
    [-1 * istride + 1, -2 * istride + 2],
    [0 * istride + 1, -1 * istride + 2],
    [0 * istride + 1, 0 * istride + 2],
    [0 * istride + 1, 1 * istride + 2],
    [1 * istride + 1, 2 * istride + 2],
    [1 * istride + 0, 2 * istride + 1],
    [1 * istride + 0, 2 * istride + 0],
    [1 * istride + 0, 2 * istride - 1],
  ];
  let pri_t = u16x8_splat(pri_strength as u16);
  let sec_t = u16x8_splat(sec_strength as u16);
  let pri_shift =
    if pri_strength != 0 { 0.max(damping - msb(pri_strength)) as u32 } else { 0 };
  let sec_shift =
    if sec_strength != 0 { 0.max(damping - msb(sec_strength)) as u32 } else { 0 };
  let stride = dst.plane_cfg.stride;
  let out = dst.data_ptr_mut();
  for i in 0..ysize {
    let ptr_in = input.offset(i as isize * istride);
    let x = load(ptr_in, xsize);
    let mut sum = i16x8_splat(0);
    let mut max = x;
    let mut min = x;
    for k in 0..2usize {
      let d = [
        cdef_directions[dir][k],
        cdef_directions[(dir + 2) & 7][k],
        cdef_directions[(dir + 6) & 7][k],
      ];
      let p0 = load(ptr_in.offset(d[0]), xsize);
      let p1 = load(ptr_in.offset(-d[0]), xsize);
      if pri_strength != 0 {
        let tap = i16x8_splat(pri_taps[k]);
        sum = i16x8_add(
          sum,
          i16x8_mul(
            tap,
            i16x8_add(
              constrain(p0, x, pri_t, pri_shift),
              constrain(p1, x, pri_t, pri_shift),
            ),
          ),
        );
      }
      max = i16x8_max(i16x8_max(p0, p1), max);
      min = u16x8_min(u16x8_min(p0, p1), min);
      let s0 = load(ptr_in.offset(d[1]), xsize);
      let s1 = load(ptr_in.offset(-d[1]), xsize);
      let s2 = load(ptr_in.offset(d[2]), xsize);
      let s3 = load(ptr_in.offset(-d[2]), xsize);
      if sec_strength != 0 {
        let tap = i16x8_splat(sec_taps[k]);
        let c = i16x8_add(
          i16x8_add(
            constrain(s0, x, sec_t, sec_shift),
            constrain(s1, x, sec_t, sec_shift),
          ),
          i16x8_add(
            constrain(s2, x, sec_t, sec_shift),
            constrain(s3, x, sec_t, sec_shift),
          ),
        );
        sum = i16x8_add(sum, i16x8_mul(tap, c));
      }
      max = i16x8_max(i16x8_max(i16x8_max(s0, s1), i16x8_max(s2, s3)), max);
      min = u16x8_min(u16x8_min(u16x8_min(s0, s1), u16x8_min(s2, s3)), min);
    }
    // x + ((8 + sum - (sum < 0)) >> 4), clamped to [min, max]
    let neg = i16x8_lt(sum, i16x8_splat(0));
    let v = i16x8_add(
      x,
      i16x8_shr(i16x8_add(i16x8_add(sum, i16x8_splat(8)), neg), 4),
    );
    let v = i16x8_min(i16x8_max(v, min), max);
    let o = out.add(i * stride);
    match T::type_enum() {
      PixelType::U8 => {
        let b = u8x16_narrow_i16x8(v, v);
        if xsize == 8 {
          v128_store64_lane::<0>(b, o as *mut u64);
        } else {
          v128_store32_lane::<0>(b, o as *mut u32);
        }
      }
      PixelType::U16 => {
        if xsize == 8 {
          v128_store(o as *mut v128, v);
        } else {
          v128_store64_lane::<0>(v, o as *mut u64);
        }
      }
    }
  }
}

/// # Safety
///
/// As the Rust reference: `src` points to the block, with 2 readable pixels
/// around it on the sides that `edges` says exist; `dst` holds the block.
pub(crate) unsafe fn cdef_filter_block<T: Pixel>(
  dst: &mut PlaneRegionMut<'_, T>, src: *const T, src_stride: isize,
  pri_strength: i32, sec_strength: i32, dir: usize, damping: i32,
  bit_depth: usize, xdec: usize, ydec: usize, edges: u8, cpu: CpuFeatureLevel,
) {
  // 16-bit sums stay exact for strengths below 1024 (|sum| <= 24 * strength);
  // rav1e's are at most 15 << 4.
  if !(0..1024).contains(&pri_strength)
    || !(0..1024).contains(&sec_strength)
    || dir > 7
  {
    return rust::cdef_filter_block(
      dst,
      src,
      src_stride,
      pri_strength,
      sec_strength,
      dir,
      damping,
      bit_depth,
      xdec,
      ydec,
      edges,
      cpu,
    );
  }
  assert!(dst.rect().width >= 8 >> xdec && dst.rect().height >= 8 >> ydec);
  if edges != CDEF_HAVE_ALL {
    // Padding as the Rust reference's slow path.
    let tmpstride = 2 + (8 >> xdec) + 2;
    let mut tmp = [CDEF_VERY_LARGE; (2 + 8 + 2) * (2 + 8 + 2)];
    rust::pad_into_tmp16(
      tmp.as_mut_ptr(),
      tmpstride,
      src,
      src_stride,
      8 >> xdec,
      8 >> ydec,
      edges,
    );
    filter(
      dst,
      tmp.as_ptr().offset(2 * tmpstride + 2),
      tmpstride,
      pri_strength,
      sec_strength,
      dir,
      damping,
      bit_depth,
      xdec,
      ydec,
    );
  } else {
    filter(
      dst,
      src,
      src_stride,
      pri_strength,
      sec_strength,
      dir,
      damping,
      bit_depth,
      xdec,
      ydec,
    );
  }
}

#[cfg(test)]
mod test {
  use super::*;
  use crate::frame::{AsRegion, Plane};
  use rand::{Rng, SeedableRng};
  use rand_chacha::ChaCha8Rng;

  fn check<T: Pixel>(bit_depth: usize) {
    let cs = bit_depth - 8;
    let max = (1u32 << bit_depth) - 1;
    let mut rng = ChaCha8Rng::seed_from_u64(0xcdef + bit_depth as u64);
    let stride = 16usize;
    let cpu = CpuFeatureLevel::default();
    let mut n = 0;
    for iter in 0..6 {
      // 12×12 neighbourhood (block at 2, 2)
      let mut src = vec![T::cast_from(0); stride * 14];
      let base = rng.random_range(0..=max);
      for v in src.iter_mut() {
        let x = match iter {
          0 | 1 => rng.random_range(0..=max),
          2 => base.saturating_add(rng.random_range(0..16)).min(max),
          3 => {
            if rng.random::<bool>() {
              max
            } else {
              0
            }
          }
          4 => base.saturating_sub(rng.random_range(0..4)),
          _ => max,
        };
        *v = T::cast_from(x);
      }
      let block = unsafe { src.as_ptr().add(2 * stride + 2) };
      for (xdec, ydec) in [(0usize, 0usize), (1, 1), (1, 0)] {
        for edges in 0..16u8 {
          for dir in 0..8usize {
            for &pri in &[0i32, 1, 2, 3, 5, 8, 15] {
              for &sec in &[0i32, 1, 2, 4] {
                let damping = rng.random_range(3..=6i32) + cs as i32
                  - (xdec as i32);
                let (pri, sec) = (pri << cs, sec << cs);
                // strengths after adjust_strength are arbitrary below 15<<cs
                let pri = if iter == 1 && pri > 0 {
                  rng.random_range(1..=pri)
                } else {
                  pri
                };
                let mut d1 = Plane::<T>::new(8, 8, 0, 0, 0, 0);
                let mut d2 = Plane::<T>::new(8, 8, 0, 0, 0, 0);
                unsafe {
                  cdef_filter_block(
                    &mut d1.as_region_mut(),
                    block,
                    stride as isize,
                    pri,
                    sec,
                    dir,
                    damping,
                    bit_depth,
                    xdec,
                    ydec,
                    edges,
                    cpu,
                  );
                  rust::cdef_filter_block(
                    &mut d2.as_region_mut(),
                    block,
                    stride as isize,
                    pri,
                    sec,
                    dir,
                    damping,
                    bit_depth,
                    xdec,
                    ydec,
                    edges,
                    cpu,
                  );
                }
                assert!(
                  d1.data[..] == d2.data[..],
                  "bd {} dec {},{} edges {} dir {} pri {} sec {} damping {} iter {}",
                  bit_depth,
                  xdec,
                  ydec,
                  edges,
                  dir,
                  pri,
                  sec,
                  damping,
                  iter
                );
                n += 1;
              }
            }
          }
        }
      }
    }
    assert!(n > 10000);
  }

  #[test]
  fn wasm_cdef_8bit() {
    check::<u8>(8);
  }

  #[test]
  fn wasm_cdef_10bit() {
    check::<u16>(10);
  }

  #[test]
  fn wasm_cdef_12bit() {
    check::<u16>(12);
  }
}
