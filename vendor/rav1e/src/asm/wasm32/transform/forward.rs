// Copyright (c) 2026, The rav1e contributors. All rights reserved
//
// This source code is subject to the terms of the BSD 2 Clause License and
// the Alliance for Open Media Patent License 1.0. If the BSD 2 Clause License
// was not distributed with this source code in the LICENSE file, you can
// obtain it at www.aomedia.org/license/software. If the Alliance for Open
// Media Patent License 1.0 was not distributed with this source code in the
// PATENTS file, you can obtain it at www.aomedia.org/license/patent.

//! Forward transform with WebAssembly SIMD128: the shared 1-D transforms of
//! `forward_shared.rs` on 8 lanes of i32 (two `v128`), the structure of
//! `asm/aarch64/transform/forward.rs`. The lane operations are the Rust
//! reference's `TxOperations for i32` exactly (wrapping i32 arithmetic).

use core::arch::wasm32::*;
use std::mem::MaybeUninit;

use crate::cpu_features::CpuFeatureLevel;
use crate::transform::forward::rust;
use crate::transform::forward_shared::*;
use crate::transform::*;
use crate::util::*;

#[derive(Clone, Copy)]
struct I32X8(v128, v128);

impl I32X8 {
  #[inline(always)]
  const fn new(a: v128, b: v128) -> I32X8 {
    Self(a, b)
  }
}

type TxfmFunc = unsafe fn(&mut [I32X8]);

impl_1d_tx!(allow(unused_attributes), unsafe);

impl TxOperations for I32X8 {
  #[inline(always)]
  unsafe fn zero() -> Self {
    I32X8::new(i32x4_splat(0), i32x4_splat(0))
  }

  #[inline(always)]
  unsafe fn tx_mul<const SHIFT: i32>(self, mul: i32) -> Self {
    // ((self * mul) + (1 << SHIFT >> 1)) >> SHIFT
    let m = i32x4_splat(mul);
    let r = i32x4_splat(1 << SHIFT >> 1);
    I32X8::new(
      i32x4_shr(i32x4_add(i32x4_mul(self.0, m), r), SHIFT as u32),
      i32x4_shr(i32x4_add(i32x4_mul(self.1, m), r), SHIFT as u32),
    )
  }

  #[inline(always)]
  unsafe fn rshift1(self) -> Self {
    // (self + (self < 0)) >> 1
    I32X8::new(
      i32x4_shr(i32x4_sub(self.0, i32x4_shr(self.0, 31)), 1),
      i32x4_shr(i32x4_sub(self.1, i32x4_shr(self.1, 31)), 1),
    )
  }

  #[inline(always)]
  unsafe fn add(self, b: Self) -> Self {
    I32X8::new(i32x4_add(self.0, b.0), i32x4_add(self.1, b.1))
  }

  #[inline(always)]
  unsafe fn sub(self, b: Self) -> Self {
    I32X8::new(i32x4_sub(self.0, b.0), i32x4_sub(self.1, b.1))
  }

  #[inline(always)]
  unsafe fn add_avg(self, b: Self) -> Self {
    I32X8::new(
      i32x4_shr(i32x4_add(self.0, b.0), 1),
      i32x4_shr(i32x4_add(self.1, b.1), 1),
    )
  }

  #[inline(always)]
  unsafe fn sub_avg(self, b: Self) -> Self {
    I32X8::new(
      i32x4_shr(i32x4_sub(self.0, b.0), 1),
      i32x4_shr(i32x4_sub(self.1, b.1), 1),
    )
  }
}

#[inline(always)]
unsafe fn transpose4(r0: v128, r1: v128, r2: v128, r3: v128) -> [v128; 4] {
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

/// `into[j]` lane `i` = `input[i]` lane `j`, 8 rows × 8 lanes.
#[inline(always)]
unsafe fn transpose_8x8(input: &[I32X8], into: &mut [I32X8]) {
  let a = transpose4(input[0].0, input[1].0, input[2].0, input[3].0);
  let b = transpose4(input[0].1, input[1].1, input[2].1, input[3].1);
  let c = transpose4(input[4].0, input[5].0, input[6].0, input[7].0);
  let d = transpose4(input[4].1, input[5].1, input[6].1, input[7].1);
  for j in 0..4 {
    into[j] = I32X8::new(a[j], c[j]);
    into[j + 4] = I32X8::new(b[j], d[j]);
  }
}

/// 8 rows × 4 lanes (the low half) into 4 × 8.
#[inline(always)]
unsafe fn transpose_8x4(input: &[I32X8], into: &mut [I32X8]) {
  let a = transpose4(input[0].0, input[1].0, input[2].0, input[3].0);
  let c = transpose4(input[4].0, input[5].0, input[6].0, input[7].0);
  for j in 0..4 {
    into[j] = I32X8::new(a[j], c[j]);
  }
}

/// 4 rows × 8 lanes into 8 × 4 (low half; the high half repeats it).
#[inline(always)]
unsafe fn transpose_4x8(input: &[I32X8], into: &mut [I32X8]) {
  let a = transpose4(input[0].0, input[1].0, input[2].0, input[3].0);
  let b = transpose4(input[0].1, input[1].1, input[2].1, input[3].1);
  for j in 0..4 {
    into[j] = I32X8::new(a[j], a[j]);
    into[j + 4] = I32X8::new(b[j], b[j]);
  }
}

/// 4 rows × 4 lanes.
#[inline(always)]
unsafe fn transpose_4x4(input: &[I32X8], into: &mut [I32X8]) {
  let a = transpose4(input[0].0, input[1].0, input[2].0, input[3].0);
  for j in 0..4 {
    into[j] = I32X8::new(a[j], a[j]);
  }
}

/// `av1_round_shift_array`: rounding right shift for `bit` > 0, left shift
/// for `bit` < 0.
#[inline(always)]
unsafe fn round_shift_array(arr: &mut [I32X8], bit: i8) {
  if bit == 0 {
    return;
  }
  if bit > 0 {
    let b = bit as u32;
    let r = i32x4_splat(1 << (b - 1));
    for x in arr.iter_mut() {
      *x = I32X8::new(
        i32x4_shr(i32x4_add(x.0, r), b),
        i32x4_shr(i32x4_add(x.1, r), b),
      );
    }
  } else {
    let b = (-bit) as u32;
    for x in arr.iter_mut() {
      *x = I32X8::new(i32x4_shl(x.0, b), i32x4_shl(x.1, b));
    }
  }
}

/// Truncates 8 i32 to i16 (`as i16`).
#[inline(always)]
unsafe fn trunc16(v: I32X8) -> v128 {
  i16x8_shuffle::<0, 2, 4, 6, 8, 10, 12, 14>(v.0, v.1)
}

#[allow(clippy::identity_op, clippy::erasing_op)]
unsafe fn forward_transform_simd128<T: Coefficient>(
  input: &[i16], output: &mut [MaybeUninit<T>], stride: usize,
  tx_size: TxSize, tx_type: TxType, bd: usize,
) {
  let txfm_size_col = tx_size.width();
  let txfm_size_row = tx_size.height();
  let col_x4 = txfm_size_col == 4;
  let row_x4 = txfm_size_row == 4;

  let zero = I32X8::new(i32x4_splat(0), i32x4_splat(0));
  let mut buf_storage = [zero; 64 * 64 / 8];
  let buf = &mut buf_storage[..txfm_size_col * (txfm_size_row / 8).max(1)];
  let cfg = Txfm2DFlipCfg::fwd(tx_type, tx_size, bd);

  let txfm_func_col = get_func(cfg.txfm_type_col);
  let txfm_func_row = get_func(cfg.txfm_type_row);

  // Every input row read below exists (asserted, as the slices the Rust
  // reference indexes).
  assert!(input.len() >= (txfm_size_row - 1) * stride + txfm_size_col);

  // Columns
  for cg in (0..txfm_size_col).step_by(8) {
    let shift = cfg.shift[0] as u32;
    let load = |r: usize| -> I32X8 {
      let p = input.as_ptr().add(r * stride + cg);
      let a = if col_x4 {
        v128_load64_zero(p as *const u64)
      } else {
        v128_load(p as *const v128)
      };
      // The Rust reference's av1_round_shift_array(.., -shift[0]), a left
      // shift (shift[0] >= 0).
      I32X8::new(
        i32x4_shl(i32x4_extend_low_i16x8(a), shift),
        i32x4_shl(i32x4_extend_high_i16x8(a), shift),
      )
    };

    let mut col_storage = [zero; 64];
    let col_coeffs = &mut col_storage[..txfm_size_row];
    if cfg.ud_flip {
      for r in 0..txfm_size_row {
        col_coeffs[txfm_size_row - 1 - r] = load(r);
      }
    } else {
      for r in 0..txfm_size_row {
        col_coeffs[r] = load(r);
      }
    }

    txfm_func_col(col_coeffs);
    round_shift_array(col_coeffs, -cfg.shift[1]);

    match (row_x4, col_x4) {
      (false, false) => {
        for rg in (0..txfm_size_row).step_by(8) {
          transpose_8x8(
            &col_coeffs[rg..rg + 8],
            &mut buf[(rg / 8 * txfm_size_col) + cg..][..8],
          );
        }
      }
      (false, true) => {
        for rg in (0..txfm_size_row).step_by(8) {
          transpose_8x4(
            &col_coeffs[rg..rg + 8],
            &mut buf[(rg / 8 * txfm_size_col) + cg..][..4],
          );
        }
      }
      (true, false) => transpose_4x8(col_coeffs, &mut buf[cg..][..8]),
      (true, true) => transpose_4x4(col_coeffs, &mut buf[..4]),
    }
  }

  // Rows
  for rg in (0..txfm_size_row).step_by(8) {
    let row_coeffs = &mut buf[rg / 8 * txfm_size_col..][..txfm_size_col];

    if cfg.lr_flip {
      row_coeffs.reverse();
    }

    txfm_func_row(row_coeffs);
    round_shift_array(row_coeffs, -cfg.shift[2]);

    if !row_x4 {
      // Store output in at most 32x32 chunks (see the Rust reference).
      let output_stride = txfm_size_row.min(32);
      let output = &mut output[(rg & 31)
        + (rg >= 32) as usize * output_stride * txfm_size_col.min(32)..];
      for cg in (0..txfm_size_col).step_by(32) {
        let output = &mut output[txfm_size_row * cg..];
        for c in 0..txfm_size_col.min(32) {
          let v = row_coeffs[c + cg];
          let out = &mut output[c * output_stride..][..8];
          match T::Pixel::type_enum() {
            PixelType::U8 => {
              v128_store(out.as_mut_ptr() as *mut v128, trunc16(v));
            }
            PixelType::U16 => {
              let p = out.as_mut_ptr() as *mut v128;
              v128_store(p, v.0);
              v128_store(p.add(1), v.1);
            }
          }
        }
      }
    } else {
      for c in 0..txfm_size_col {
        let v = row_coeffs[c];
        let out = &mut output[c * txfm_size_row + rg..][..4];
        match T::Pixel::type_enum() {
          PixelType::U8 => {
            v128_store64_lane::<0>(trunc16(v), out.as_mut_ptr() as *mut u64);
          }
          PixelType::U16 => {
            v128_store(out.as_mut_ptr() as *mut v128, v.0);
          }
        }
      }
    }
  }
}

/// # Panics
///
/// - If called with an invalid combination of `tx_size` and `tx_type`
#[inline]
pub fn forward_transform<T: Coefficient>(
  input: &[i16], output: &mut [MaybeUninit<T>], stride: usize,
  tx_size: TxSize, tx_type: TxType, bd: usize, _cpu: CpuFeatureLevel,
) {
  assert!(valid_av1_transform(tx_size, tx_type));
  // SAFETY: bounds of input are asserted inside, output is indexed by slices.
  unsafe {
    forward_transform_simd128(input, output, stride, tx_size, tx_type, bd);
  }
}

#[cfg(test)]
mod test {
  use super::*;
  use rand::{Rng, SeedableRng};
  use rand_chacha::ChaCha8Rng;

  fn check<T: Coefficient>(bd: usize) {
    use TxSize::*;
    let mut rng = ChaCha8Rng::seed_from_u64(0xf0 + bd as u64);
    let cpu = CpuFeatureLevel::default();
    let max = (1i32 << bd) - 1;
    for tx_size in [
      TX_4X4, TX_8X8, TX_16X16, TX_32X32, TX_64X64, TX_4X8, TX_8X4, TX_8X16,
      TX_16X8, TX_16X32, TX_32X16, TX_32X64, TX_64X32, TX_4X16, TX_16X4,
      TX_8X32, TX_32X8, TX_16X64, TX_64X16,
    ] {
      let (w, h) = (tx_size.width(), tx_size.height());
      for &tx_type in get_valid_txfm_types(tx_size) {
        for pattern in 0..6 {
          // a stride wider than the block, so reads past it would show
          let stride = w + 8;
          let mut input = vec![0i16; stride * h];
          for (i, v) in input.iter_mut().enumerate() {
            let (r, c) = (i / stride, i % stride);
            *v = if c >= w {
              0x7777
            } else {
              (match pattern {
                0 | 1 => rng.random_range(-max..=max),
                2 => rng.random_range(-4..=4),
                3 => max,
                4 => -max,
                _ => {
                  if (r + c) % 2 == 0 {
                    max
                  } else {
                    -max
                  }
                }
              }) as i16
            };
          }
          let n = w * h;
          let mut o1 = vec![MaybeUninit::new(T::cast_from(0x1234)); n];
          let mut o2 = o1.clone();
          forward_transform(&input, &mut o1, stride, tx_size, tx_type, bd, cpu);
          rust::forward_transform(
            &input, &mut o2, stride, tx_size, tx_type, bd, cpu,
          );
          // SAFETY: initialized above
          let (o1, o2) = unsafe {
            (slice_assume_init_mut(&mut o1), slice_assume_init_mut(&mut o2))
          };
          assert!(
            o1 == o2,
            "{:?} {:?} bd {} pattern {}",
            tx_size,
            tx_type,
            bd,
            pattern
          );
        }
      }
    }
  }

  #[test]
  fn wasm_fwd_txfm_8bit() {
    check::<i16>(8);
  }

  #[test]
  fn wasm_fwd_txfm_10bit() {
    check::<i32>(10);
  }

  #[test]
  fn wasm_fwd_txfm_12bit() {
    check::<i32>(12);
  }
}
