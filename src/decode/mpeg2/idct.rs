//! 8x8 inverse DCT: separable fixed-point row/column transform (even/odd
//! decomposition, 14-bit cosine constants), accurate to IEEE 1180-1990.
//!
//! Input coefficients must lie in [-2048, 2047] (the dequantiser saturates
//! them); the column pass uses wrapping arithmetic so that pathological
//! input can never trap in debug builds.

// Wk = round(cos(k*pi/16) * sqrt(2) * 2^14), W4 rounded down to keep sums in range.
const W1: i32 = 22725;
const W2: i32 = 21407;
const W3: i32 = 19266;
const W4: i32 = 16383;
const W5: i32 = 12873;
const W6: i32 = 8867;
const W7: i32 = 4520;
const ROW_SHIFT: u32 = 11;
const COL_SHIFT: u32 = 20;

#[inline(always)]
fn row(r: &mut [i32]) {
    let (x0, x1, x2, x3, x4, x5, x6, x7) = (r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
    if (x1 | x2 | x3 | x4 | x5 | x6 | x7) == 0 {
        let v = (W4 * x0 + (1 << (ROW_SHIFT - 1))) >> ROW_SHIFT;
        r[..8].fill(v);
        return;
    }
    let mut a0 = W4 * x0 + (1 << (ROW_SHIFT - 1));
    let mut a1 = a0;
    let mut a2 = a0;
    let mut a3 = a0;
    a0 += W2 * x2;
    a1 += W6 * x2;
    a2 -= W6 * x2;
    a3 -= W2 * x2;
    let mut b0 = W1 * x1 + W3 * x3;
    let mut b1 = W3 * x1 - W7 * x3;
    let mut b2 = W5 * x1 - W1 * x3;
    let mut b3 = W7 * x1 - W5 * x3;
    if (x4 | x5 | x6 | x7) != 0 {
        a0 += W4 * x4 + W6 * x6;
        a1 += -W4 * x4 - W2 * x6;
        a2 += -W4 * x4 + W2 * x6;
        a3 += W4 * x4 - W6 * x6;
        b0 += W5 * x5 + W7 * x7;
        b1 += -W1 * x5 - W5 * x7;
        b2 += W7 * x5 + W3 * x7;
        b3 += W3 * x5 - W1 * x7;
    }
    r[0] = (a0 + b0) >> ROW_SHIFT;
    r[7] = (a0 - b0) >> ROW_SHIFT;
    r[1] = (a1 + b1) >> ROW_SHIFT;
    r[6] = (a1 - b1) >> ROW_SHIFT;
    r[2] = (a2 + b2) >> ROW_SHIFT;
    r[5] = (a2 - b2) >> ROW_SHIFT;
    r[3] = (a3 + b3) >> ROW_SHIFT;
    r[4] = (a3 - b3) >> ROW_SHIFT;
}

#[inline(always)]
fn m(a: i32, b: i32) -> i32 {
    a.wrapping_mul(b)
}

/// Column pass over all 8 columns at once (vectorisable over j).
/// `full`: rows 4..8 may be non-zero.
#[inline(always)]
fn columns(b: &mut [i32; 64], full: bool) {
    const RND: i32 = (1 << (COL_SHIFT - 1)) / W4;
    let (r0, rest) = b.split_at_mut(8);
    let (r1, rest) = rest.split_at_mut(8);
    let (r2, rest) = rest.split_at_mut(8);
    let (r3, rest) = rest.split_at_mut(8);
    let (r4, rest) = rest.split_at_mut(8);
    let (r5, rest) = rest.split_at_mut(8);
    let (r6, r7) = rest.split_at_mut(8);
    for j in 0..8 {
        let c0 = r0[j];
        let c1 = r1[j];
        let c2 = r2[j];
        let c3 = r3[j];
        let mut a0 = m(W4, c0.wrapping_add(RND));
        let mut a1 = a0;
        let mut a2 = a0;
        let mut a3 = a0;
        a0 = a0.wrapping_add(m(W2, c2));
        a1 = a1.wrapping_add(m(W6, c2));
        a2 = a2.wrapping_sub(m(W6, c2));
        a3 = a3.wrapping_sub(m(W2, c2));
        let mut b0 = m(W1, c1).wrapping_add(m(W3, c3));
        let mut b1 = m(W3, c1).wrapping_sub(m(W7, c3));
        let mut b2 = m(W5, c1).wrapping_sub(m(W1, c3));
        let mut b3 = m(W7, c1).wrapping_sub(m(W5, c3));
        if full {
            let c4 = r4[j];
            let c5 = r5[j];
            let c6 = r6[j];
            let c7 = r7[j];
            a0 = a0.wrapping_add(m(W4, c4)).wrapping_add(m(W6, c6));
            a1 = a1.wrapping_sub(m(W4, c4)).wrapping_sub(m(W2, c6));
            a2 = a2.wrapping_sub(m(W4, c4)).wrapping_add(m(W2, c6));
            a3 = a3.wrapping_add(m(W4, c4)).wrapping_sub(m(W6, c6));
            b0 = b0.wrapping_add(m(W5, c5)).wrapping_add(m(W7, c7));
            b1 = b1.wrapping_sub(m(W1, c5)).wrapping_sub(m(W5, c7));
            b2 = b2.wrapping_add(m(W7, c5)).wrapping_add(m(W3, c7));
            b3 = b3.wrapping_add(m(W3, c5)).wrapping_sub(m(W1, c7));
        }
        r0[j] = a0.wrapping_add(b0) >> COL_SHIFT;
        r1[j] = a1.wrapping_add(b1) >> COL_SHIFT;
        r2[j] = a2.wrapping_add(b2) >> COL_SHIFT;
        r3[j] = a3.wrapping_add(b3) >> COL_SHIFT;
        r4[j] = a3.wrapping_sub(b3) >> COL_SHIFT;
        r5[j] = a2.wrapping_sub(b2) >> COL_SHIFT;
        r6[j] = a1.wrapping_sub(b1) >> COL_SHIFT;
        r7[j] = a0.wrapping_sub(b0) >> COL_SHIFT;
    }
}

/// In-place 2-D IDCT. `mask` has bit k set when row k may hold a non-zero coefficient.
#[inline]
pub(crate) fn idct(b: &mut [i32; 64], mask: u8) {
    for k in 0..8 {
        if mask & (1 << k) != 0 {
            row(&mut b[k * 8..k * 8 + 8]);
        }
    }
    columns(b, mask & 0xF0 != 0);
}

#[inline(always)]
fn clip(v: i32) -> u8 {
    v.clamp(0, 255) as u8
}

/// IDCT, then store clipped samples at dst[off + r*stride ..][..8]; clears the block.
pub(crate) fn idct_put(
    b: &mut [i32; 64],
    mask: u8,
    dc_only: bool,
    dst: &mut [u8],
    off: usize,
    stride: usize,
) {
    if dc_only {
        let v = clip((b[0] + 4) >> 3);
        b[0] = 0;
        for r in 0..8 {
            dst[off + r * stride..][..8].fill(v);
        }
        return;
    }
    idct(b, mask);
    for r in 0..8 {
        let d = &mut dst[off + r * stride..][..8];
        let s = &b[r * 8..r * 8 + 8];
        for (d, &s) in d.iter_mut().zip(s) {
            *d = clip(s);
        }
    }
    *b = [0; 64];
}

/// IDCT, then add to the prediction at dst[off + r*stride ..][..8] with clipping; clears the block.
pub(crate) fn idct_add(
    b: &mut [i32; 64],
    mask: u8,
    dc_only: bool,
    dst: &mut [u8],
    off: usize,
    stride: usize,
) {
    if dc_only {
        let v = (b[0] + 4) >> 3;
        b[0] = 0;
        for r in 0..8 {
            for d in dst[off + r * stride..][..8].iter_mut() {
                *d = clip(*d as i32 + v);
            }
        }
        return;
    }
    idct(b, mask);
    for r in 0..8 {
        let d = &mut dst[off + r * stride..][..8];
        let s = &b[r * 8..r * 8 + 8];
        for (d, &s) in d.iter_mut().zip(s) {
            *d = clip(*d as i32 + s);
        }
    }
    *b = [0; 64];
}

#[cfg(test)]
mod tests {
    use super::*;

    /// c[x][u] = C(u) * cos((2x+1) u pi / 16) / 2
    fn costab() -> [[f64; 8]; 8] {
        let mut c = [[0f64; 8]; 8];
        for x in 0..8 {
            for u in 0..8 {
                let cu = if u == 0 {
                    std::f64::consts::FRAC_1_SQRT_2
                } else {
                    1.0
                };
                c[x][u] = cu
                    * (((2 * x + 1) as f64 * u as f64 * std::f64::consts::PI) / 16.0).cos()
                    / 2.0;
            }
        }
        c
    }

    fn reference(inp: &[i32; 64]) -> [f64; 64] {
        let c = costab();
        let mut out = [0f64; 64];
        for y in 0..8 {
            for x in 0..8 {
                let mut s = 0.0;
                for v in 0..8 {
                    for u in 0..8 {
                        s += inp[v * 8 + u] as f64 * c[x][u] * c[y][v];
                    }
                }
                out[y * 8 + x] = s;
            }
        }
        out
    }

    fn forward(sp: &[f64; 64]) -> [f64; 64] {
        let c = costab();
        let mut out = [0f64; 64];
        for v in 0..8 {
            for u in 0..8 {
                let mut s = 0.0;
                for y in 0..8 {
                    for x in 0..8 {
                        s += sp[y * 8 + x] * c[x][u] * c[y][v];
                    }
                }
                out[v * 8 + u] = s;
            }
        }
        out
    }

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u32 {
            // IEEE 1180 style LCG is not required; any decent PRNG will do.
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 33) as u32
        }
    }

    /// IEEE 1180-1990 accuracy test (reduced iteration count for debug builds).
    #[test]
    fn ieee1180() {
        for &(lo, hi, sign) in &[
            (-256i32, 255i32, 1i32),
            (-5, 5, 1),
            (-300, 300, 1),
            (-256, 255, -1),
            (-5, 5, -1),
        ] {
            let mut rng = Rng(0x1234_5678 + hi as u64);
            let n = 1000;
            let mut sum_err = [0f64; 64];
            let mut sum_sq = [0f64; 64];
            let mut peak = 0i32;
            for _ in 0..n {
                // Random spatial block -> forward DCT (float) -> rounded coefficients.
                let mut spatial = [0f64; 64];
                for s in spatial.iter_mut() {
                    let r = (rng.next() % ((hi - lo + 1) as u32)) as i32 + lo;
                    *s = (r * sign) as f64;
                }
                let f = forward(&spatial);
                let mut coef = [0i32; 64];
                for i in 0..64 {
                    coef[i] = (f[i].round() as i32).clamp(-2048, 2047);
                }
                let refo = reference(&coef);
                let mut b = coef;
                idct(&mut b, 0xFF);
                for i in 0..64 {
                    let r = (refo[i].round() as i32).clamp(-256, 255);
                    let t = b[i].clamp(-256, 255);
                    let e = t - r;
                    peak = peak.max(e.abs());
                    sum_err[i] += e as f64;
                    sum_sq[i] += (e * e) as f64;
                }
            }
            assert!(peak <= 1, "peak error {peak}");
            let mut omse = 0.0;
            let mut ome = 0.0;
            for i in 0..64 {
                assert!(
                    sum_sq[i] / n as f64 <= 0.06,
                    "pmse {}",
                    sum_sq[i] / n as f64
                );
                assert!(
                    (sum_err[i] / n as f64).abs() <= 0.015,
                    "pme {}",
                    sum_err[i] / n as f64
                );
                omse += sum_sq[i];
                ome += sum_err[i];
            }
            assert!(omse / (64.0 * n as f64) <= 0.02);
            assert!((ome / (64.0 * n as f64)).abs() <= 0.0015);
        }
    }

    #[test]
    fn sparse_matches_full() {
        let mut rng = Rng(99);
        for _ in 0..500 {
            let mut b = [0i32; 64];
            let mut mask = 0u8;
            for _ in 0..(rng.next() % 6) {
                let p = (rng.next() % 32) as usize;
                b[p] = (rng.next() % 400) as i32 - 200;
                mask |= 1 << (p / 8);
            }
            let mut full = b;
            idct(&mut full, 0xFF);
            let mut sp = b;
            idct(&mut sp, mask);
            assert_eq!(full, sp);
        }
        // Extreme input must not trap.
        let mut b = [2047i32; 64];
        for (i, v) in b.iter_mut().enumerate() {
            if i % 3 == 0 {
                *v = -2048;
            }
        }
        idct(&mut b, 0xFF);
    }
}
