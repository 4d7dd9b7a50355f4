//! Motion compensation: half-sample interpolated block prediction from a
//! reference plane (frame or field view), with edge clamping done once per
//! block when the source area leaves the plane.

/// One decoded picture (macroblock-aligned planes, no padding).
pub(crate) struct Pic {
    pub planes: [Vec<u8>; 3],
    /// Luma / chroma stride (= allocated width).
    pub stride: [usize; 3],
    /// Luma / chroma allocated height (frame lines).
    pub height: [usize; 3],
}

impl Pic {
    pub fn new(mb_w: usize, mb_h: usize) -> Pic {
        let w = mb_w * 16;
        let h = mb_h * 16;
        Pic {
            planes: [
                vec![128u8; w * h],
                vec![128u8; w * h / 4],
                vec![128u8; w * h / 4],
            ],
            stride: [w, w / 2, w / 2],
            height: [h, h / 2, h / 2],
        }
    }
}

/// A rectangular view of a plane: pixel (x, y) is at `off + y * stride + x`,
/// valid for 0 <= x < w, 0 <= y < h.
#[derive(Clone, Copy)]
pub(crate) struct View {
    pub off: usize,
    pub stride: usize,
    pub w: i32,
    pub h: i32,
}

impl View {
    /// Whole-frame view of plane `p`.
    #[inline]
    pub fn frame(pic: &Pic, p: usize) -> View {
        View {
            off: 0,
            stride: pic.stride[p],
            w: pic.stride[p] as i32,
            h: pic.height[p] as i32,
        }
    }
    /// View of field `parity` (0 top, 1 bottom) of plane `p`.
    #[inline]
    pub fn field(pic: &Pic, p: usize, parity: usize) -> View {
        View {
            off: parity * pic.stride[p],
            stride: pic.stride[p] * 2,
            w: pic.stride[p] as i32,
            h: (pic.height[p] / 2) as i32,
        }
    }
}

const TMP_STRIDE: usize = 17;

/// Predict a `w` x `h` block (w <= 16, h <= 16) whose top-left full-sample
/// position in `view` is (x, y), with half-sample flags hx, hy, into
/// dst[doff + r * dstride ..][..w]; `avg` averages with what is there.
#[allow(clippy::too_many_arguments)]
#[inline]
pub(crate) fn predict(
    src: &[u8],
    view: View,
    x: i32,
    y: i32,
    hx: bool,
    hy: bool,
    w: usize,
    h: usize,
    dst: &mut [u8],
    doff: usize,
    dstride: usize,
    avg: bool,
) {
    let nw = w as i32 + hx as i32;
    let nh = h as i32 + hy as i32;
    if x >= 0 && y >= 0 && x + nw <= view.w && y + nh <= view.h {
        let soff = view.off + y as usize * view.stride + x as usize;
        kernel(
            src,
            soff,
            view.stride,
            hx,
            hy,
            w,
            h,
            dst,
            doff,
            dstride,
            avg,
        );
    } else {
        // Edge emulation: clamp coordinates once per block into a small buffer.
        let mut tmp = [0u8; TMP_STRIDE * TMP_STRIDE];
        let (vw, vh) = (view.w.max(1), view.h.max(1));
        for r in 0..nh as usize {
            let sy = (y + r as i32).clamp(0, vh - 1) as usize;
            let line = view.off + sy * view.stride;
            for c in 0..nw as usize {
                let sx = (x + c as i32).clamp(0, vw - 1) as usize;
                tmp[r * TMP_STRIDE + c] = src.get(line + sx).copied().unwrap_or(128);
            }
        }
        kernel(&tmp, 0, TMP_STRIDE, hx, hy, w, h, dst, doff, dstride, avg);
    }
}

#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn kernel(
    src: &[u8],
    soff: usize,
    ss: usize,
    hx: bool,
    hy: bool,
    w: usize,
    h: usize,
    dst: &mut [u8],
    doff: usize,
    ds: usize,
    avg: bool,
) {
    match (hx, hy, avg) {
        (false, false, false) => k::<false, false, false>(src, soff, ss, w, h, dst, doff, ds),
        (true, false, false) => k::<true, false, false>(src, soff, ss, w, h, dst, doff, ds),
        (false, true, false) => k::<false, true, false>(src, soff, ss, w, h, dst, doff, ds),
        (true, true, false) => k::<true, true, false>(src, soff, ss, w, h, dst, doff, ds),
        (false, false, true) => k::<false, false, true>(src, soff, ss, w, h, dst, doff, ds),
        (true, false, true) => k::<true, false, true>(src, soff, ss, w, h, dst, doff, ds),
        (false, true, true) => k::<false, true, true>(src, soff, ss, w, h, dst, doff, ds),
        (true, true, true) => k::<true, true, true>(src, soff, ss, w, h, dst, doff, ds),
    }
}

#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn k<const HX: bool, const HY: bool, const AVG: bool>(
    src: &[u8],
    soff: usize,
    ss: usize,
    w: usize,
    h: usize,
    dst: &mut [u8],
    doff: usize,
    ds: usize,
) {
    if w == 16 {
        rows::<HX, HY, AVG, 16>(src, soff, ss, h, dst, doff, ds)
    } else {
        rows::<HX, HY, AVG, 8>(src, soff, ss, h, dst, doff, ds)
    }
}

#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn rows<const HX: bool, const HY: bool, const AVG: bool, const W: usize>(
    src: &[u8],
    soff: usize,
    ss: usize,
    h: usize,
    dst: &mut [u8],
    doff: usize,
    ds: usize,
) {
    for r in 0..h {
        let s0 = &src[soff + r * ss..];
        let d: &mut [u8; W] = (&mut dst[doff + r * ds..][..W]).try_into().unwrap();
        let mut p = [0u8; W];
        if HY {
            let s1 = &src[soff + (r + 1) * ss..];
            if HX {
                let a: &[u8] = &s0[..W + 1];
                let b: &[u8] = &s1[..W + 1];
                for i in 0..W {
                    p[i] = ((a[i] as u16 + a[i + 1] as u16 + b[i] as u16 + b[i + 1] as u16 + 2)
                        >> 2) as u8;
                }
            } else {
                let a: &[u8; W] = s0[..W].try_into().unwrap();
                let b: &[u8; W] = s1[..W].try_into().unwrap();
                for i in 0..W {
                    p[i] = ((a[i] as u16 + b[i] as u16 + 1) >> 1) as u8;
                }
            }
        } else if HX {
            let a: &[u8] = &s0[..W + 1];
            for i in 0..W {
                p[i] = ((a[i] as u16 + a[i + 1] as u16 + 1) >> 1) as u8;
            }
        } else {
            p.copy_from_slice(&s0[..W]);
        }
        if AVG {
            for i in 0..W {
                d[i] = ((d[i] as u16 + p[i] as u16 + 1) >> 1) as u8;
            }
        } else {
            *d = p;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolation_and_edges() {
        let mut pic = Pic::new(2, 2);
        for (i, v) in pic.planes[0].iter_mut().enumerate() {
            *v = (i * 7 % 251) as u8;
        }
        let src = &pic.planes[0];
        let view = View::frame(&pic, 0);
        let mut d = [0u8; 256];
        predict(src, view, 3, 2, true, true, 16, 16, &mut d, 0, 16, false);
        for r in 0..16 {
            for c in 0..16 {
                let at = |x: usize, y: usize| src[y * 32 + x] as u16;
                let e =
                    (at(3 + c, 2 + r) + at(4 + c, 2 + r) + at(3 + c, 3 + r) + at(4 + c, 3 + r) + 2)
                        >> 2;
                assert_eq!(d[r * 16 + c] as u16, e);
            }
        }
        // Far outside: clamps, no panic.
        predict(
            src, view, -1000, 5000, true, false, 16, 16, &mut d, 0, 16, true,
        );
        predict(
            src,
            View::field(&pic, 0, 1),
            40,
            40,
            true,
            true,
            8,
            8,
            &mut d,
            0,
            16,
            false,
        );
        assert_eq!(d[0], src[31 * 32 + 31]);
        predict(
            src,
            View::field(&pic, 0, 1),
            2,
            3,
            false,
            false,
            8,
            8,
            &mut d,
            0,
            16,
            false,
        );
        assert_eq!(d[16 + 1], src[(4 * 2 + 1) * 32 + 3]);
    }
}
