//! Slice and macroblock layers: macroblock modes, motion vectors, coded
//! block pattern, block reconstruction and motion compensated prediction.

use super::bits::BitReader;
use super::block::{decode_block, BlockInfo};
use super::headers::NON_LINEAR_QSCALE;
use super::idct::{idct_add, idct_put};
use super::mc::{predict, Pic, View};
use super::vlc::{Tables, MB_BWD, MB_FWD, MB_INTRA, MB_PATTERN, MB_QUANT};

pub(crate) const STRUCT_TOP: u8 = 1;
pub(crate) const STRUCT_BOTTOM: u8 = 2;
pub(crate) const STRUCT_FRAME: u8 = 3;

// motion types (frame_motion_type / field_motion_type values)
const MT_FIELD: u8 = 1;
const MT_FRAME: u8 = 2; // frame pictures
const MT_16X8: u8 = 2; // field pictures
const MT_DMV: u8 = 3;

/// Everything the slice decoder needs to know about the current picture.
pub(crate) struct PicCtx {
    pub mpeg1: bool,
    /// 1 I, 2 P, 3 B
    pub ptype: u8,
    pub structure: u8,
    pub frame_pred_frame_dct: bool,
    pub concealment_mv: bool,
    pub q_scale_type: bool,
    pub intra_vlc: bool,
    pub dc_precision: u8,
    pub top_field_first: bool,
    pub f_code: [[u8; 2]; 2],
    pub full_pel: [bool; 2],
    pub second_field: bool,
    /// Macroblocks per row / rows in this picture (field pictures: half the frame rows).
    pub mb_w: usize,
    pub mb_h: usize,
    pub scan: &'static [u8; 64],
    pub intra_q: [u8; 64],
    pub non_intra_q: [u8; 64],
    /// Picture pool indices.
    pub cur: usize,
    pub fwd: usize,
    pub bwd: usize,
    pub fwd_missing: bool,
    pub bwd_missing: bool,
    /// slice_vertical_position_extension present (vertical_size > 2800).
    pub vert_ext: bool,
}

/// Per-decoder scratch memory, reused for every macroblock.
pub(crate) struct Scratch {
    pub blk: [i32; 64],
    pub mb: [[u8; 256]; 3],
    /// One flag per macroblock of the current picture: decoded (or skipped) OK.
    pub decoded: Vec<bool>,
    /// A missing reference (grey) was used for prediction.
    pub used_missing: bool,
}

impl Scratch {
    pub fn new() -> Self {
        Scratch {
            blk: [0; 64],
            mb: [[0; 256]; 3],
            decoded: Vec::new(),
            used_missing: false,
        }
    }
}

/// Motion of one macroblock: vectors [r][s] = (x, y) in half samples (field
/// vectors in field units), field selects [r][s], dual-prime derived vectors.
#[derive(Clone, Copy, Default)]
struct Motion {
    dir: u8, // MB_FWD | MB_BWD
    mtype: u8,
    v: [[[i32; 2]; 2]; 2],
    sel: [[u8; 2]; 2],
    /// Dual prime: opposite-parity vectors; frame pictures [0] top, [1] bottom field; field pictures [0].
    dmv: [[i32; 2]; 2],
}

struct State {
    qscale: i32,
    dc_pred: [i32; 3],
    pmv: [[[i32; 2]; 2]; 2],
    prev_dir: u8,
    prev_intra: bool,
}

#[inline]
fn qscale(ctx: &PicCtx, code: u32) -> i32 {
    if ctx.q_scale_type && !ctx.mpeg1 {
        NON_LINEAR_QSCALE[(code & 31) as usize] as i32
    } else {
        (code & 31) as i32 * 2
    }
}

#[inline]
fn read_mb_inc(br: &mut BitReader, t: &Tables) -> Result<usize, ()> {
    let mut inc = 0usize;
    loop {
        let (v, len) = t.mbinc[br.peek(11) as usize];
        if len == 0 {
            return Err(());
        }
        br.skip(len as u32);
        match v {
            34 => inc += 33,
            35 => {
                if br.overrun() {
                    return Err(());
                }
            }
            _ => return Ok(inc + v as usize),
        }
    }
}

#[inline]
pub(crate) fn read_mv_component(
    br: &mut BitReader,
    t: &Tables,
    f_code: u8,
    pred: i32,
) -> Result<i32, ()> {
    let (code, len) = t.mv[br.peek(11) as usize];
    if len == 0 {
        return Err(());
    }
    br.skip(len as u32);
    let code = code as i32;
    let r_size = f_code as u32 - 1;
    let delta = if r_size == 0 || code == 0 {
        code
    } else {
        let res = br.get(r_size) as i32;
        let d = ((code.abs() - 1) << r_size) + res + 1;
        if code < 0 {
            -d
        } else {
            d
        }
    };
    let f = 1i32 << r_size;
    let (low, high, range) = (-16 * f, 16 * f - 1, 32 * f);
    let mut v = pred + delta;
    if v < low {
        v += range;
    } else if v > high {
        v -= range;
    }
    Ok(v)
}

#[inline]
fn read_dmv(br: &mut BitReader) -> i32 {
    if !br.bit() {
        0
    } else if br.bit() {
        -1
    } else {
        1
    }
}

/// motion_vectors(s) of 13818-2 6.2.5.1 with predictor update (7.6.3).
fn read_motion(
    br: &mut BitReader,
    t: &Tables,
    ctx: &PicCtx,
    st: &mut State,
    mo: &mut Motion,
    s: usize,
) -> Result<(), ()> {
    let fc = ctx.f_code[s];
    if !(1..=9).contains(&fc[0]) || !(1..=9).contains(&fc[1]) {
        return Err(());
    }
    let frame_pic = ctx.structure == STRUCT_FRAME;
    match (frame_pic, mo.mtype) {
        (true, MT_FRAME) => {
            let x = read_mv_component(br, t, fc[0], st.pmv[0][s][0])?;
            let y = read_mv_component(br, t, fc[1], st.pmv[0][s][1])?;
            st.pmv[0][s] = [x, y];
            st.pmv[1][s] = [x, y];
            let sh = ctx.full_pel[s] as u32;
            mo.v[0][s] = [x << sh, y << sh];
        }
        (true, MT_FIELD) => {
            for r in 0..2 {
                mo.sel[r][s] = br.get(1) as u8;
                let x = read_mv_component(br, t, fc[0], st.pmv[r][s][0])?;
                let y = read_mv_component(br, t, fc[1], st.pmv[r][s][1] >> 1)?;
                st.pmv[r][s] = [x, y * 2];
                mo.v[r][s] = [x, y];
            }
        }
        (true, _) => {
            // dual prime, frame picture
            let x = read_mv_component(br, t, fc[0], st.pmv[0][s][0])?;
            let dx = read_dmv(br);
            let y = read_mv_component(br, t, fc[1], st.pmv[0][s][1] >> 1)?;
            let dy = read_dmv(br);
            st.pmv[0][s] = [x, y * 2];
            st.pmv[1][s] = [x, y * 2];
            mo.v[0][s] = [x, y];
            let m = if ctx.top_field_first { 1 } else { 3 };
            // top field predicted from the bottom reference field
            mo.dmv[0] = [
                ((x * m + (x > 0) as i32) >> 1) + dx,
                ((y * m + (y > 0) as i32) >> 1) + dy - 1,
            ];
            let m = 4 - m;
            // bottom field predicted from the top reference field
            mo.dmv[1] = [
                ((x * m + (x > 0) as i32) >> 1) + dx,
                ((y * m + (y > 0) as i32) >> 1) + dy + 1,
            ];
        }
        (false, MT_FIELD) => {
            mo.sel[0][s] = br.get(1) as u8;
            let x = read_mv_component(br, t, fc[0], st.pmv[0][s][0])?;
            let y = read_mv_component(br, t, fc[1], st.pmv[0][s][1])?;
            st.pmv[0][s] = [x, y];
            st.pmv[1][s] = [x, y];
            mo.v[0][s] = [x, y];
        }
        (false, MT_16X8) => {
            for r in 0..2 {
                mo.sel[r][s] = br.get(1) as u8;
                let x = read_mv_component(br, t, fc[0], st.pmv[r][s][0])?;
                let y = read_mv_component(br, t, fc[1], st.pmv[r][s][1])?;
                st.pmv[r][s] = [x, y];
                mo.v[r][s] = [x, y];
            }
        }
        (false, _) => {
            // dual prime, field picture
            let x = read_mv_component(br, t, fc[0], st.pmv[0][s][0])?;
            let dx = read_dmv(br);
            let y = read_mv_component(br, t, fc[1], st.pmv[0][s][1])?;
            let dy = read_dmv(br);
            st.pmv[0][s] = [x, y];
            st.pmv[1][s] = [x, y];
            mo.v[0][s] = [x, y];
            let e = if ctx.structure == STRUCT_TOP { -1 } else { 1 };
            mo.dmv[0] = [
                ((x + (x > 0) as i32) >> 1) + dx,
                ((y + (y > 0) as i32) >> 1) + dy + e,
            ];
        }
    }
    Ok(())
}

/// Predict one rectangular part of the macroblock in all three planes.
/// `field`: Some(parity) to read a field of `src`, None for the frame.
/// (bx, by): luma position of the part in the view; (w, h): luma size;
/// `doff`/`dstride`: luma destination in the MB buffer (chroma uses half of each).
#[allow(clippy::too_many_arguments)]
#[inline]
fn predict_part(
    mb: &mut [[u8; 256]; 3],
    src: &Pic,
    field: Option<usize>,
    bx: i32,
    by: i32,
    w: usize,
    h: usize,
    mv: [i32; 2],
    doff_y: usize,
    dstride_y: usize,
    doff_c: usize,
    dstride_c: usize,
    avg: bool,
) {
    let view = |p: usize| match field {
        Some(par) => View::field(src, p, par),
        None => View::frame(src, p),
    };
    let [mx, my] = mv;
    predict(
        &src.planes[0],
        view(0),
        bx + (mx >> 1),
        by + (my >> 1),
        mx & 1 != 0,
        my & 1 != 0,
        w,
        h,
        &mut mb[0],
        doff_y,
        dstride_y,
        avg,
    );
    let (cx, cy) = (mx / 2, my / 2);
    for p in 1..3 {
        predict(
            &src.planes[p],
            view(p),
            bx / 2 + (cx >> 1),
            by / 2 + (cy >> 1),
            cx & 1 != 0,
            cy & 1 != 0,
            w / 2,
            h / 2,
            &mut mb[p],
            doff_c,
            dstride_c,
            avg,
        );
    }
}

/// Build the motion compensated prediction of macroblock (mbx, mby) into sc.mb.
fn predict_mb(
    ctx: &PicCtx,
    pics: &[Pic],
    mb: &mut [[u8; 256]; 3],
    used_missing: &mut bool,
    mbx: usize,
    mby: usize,
    mo: &Motion,
) {
    let parity = (ctx.structure == STRUCT_BOTTOM) as usize;
    let mut avg = false;
    for s in 0..2 {
        let flag = if s == 0 { MB_FWD } else { MB_BWD };
        if mo.dir & flag == 0 {
            continue;
        }
        let (ref_idx, missing) = if s == 0 {
            (ctx.fwd, ctx.fwd_missing)
        } else {
            (ctx.bwd, ctx.bwd_missing)
        };
        // Reference for a given field select: the second field of a reference
        // frame predicts the opposite parity from the first field of its own frame.
        let pick = |sel: usize| -> (usize, bool) {
            if s == 0 && ctx.second_field && ctx.ptype == 2 && sel != parity {
                (ctx.cur, false)
            } else {
                (ref_idx, missing)
            }
        };
        let x = (mbx * 16) as i32;
        if ctx.structure == STRUCT_FRAME {
            let y = (mby * 16) as i32;
            *used_missing |= missing;
            let src = &pics[ref_idx];
            match mo.mtype {
                MT_FRAME => predict_part(mb, src, None, x, y, 16, 16, mo.v[0][s], 0, 16, 0, 8, avg),
                MT_FIELD => {
                    for r in 0..2 {
                        let sel = mo.sel[r][s] as usize;
                        predict_part(
                            mb,
                            src,
                            Some(sel),
                            x,
                            y / 2,
                            16,
                            8,
                            mo.v[r][s],
                            r * 16,
                            32,
                            r * 8,
                            16,
                            avg,
                        );
                    }
                }
                _ => {
                    // dual prime: each field averages same-parity and opposite-parity predictions
                    for f in 0..2 {
                        predict_part(
                            mb,
                            src,
                            Some(f),
                            x,
                            y / 2,
                            16,
                            8,
                            mo.v[0][0],
                            f * 16,
                            32,
                            f * 8,
                            16,
                            false,
                        );
                        predict_part(
                            mb,
                            src,
                            Some(1 - f),
                            x,
                            y / 2,
                            16,
                            8,
                            mo.dmv[f],
                            f * 16,
                            32,
                            f * 8,
                            16,
                            true,
                        );
                    }
                }
            }
        } else {
            let y = (mby * 16) as i32;
            match mo.mtype {
                MT_FIELD => {
                    let sel = mo.sel[0][s] as usize;
                    let (ri, miss) = pick(sel);
                    *used_missing |= miss;
                    predict_part(
                        mb,
                        &pics[ri],
                        Some(sel),
                        x,
                        y,
                        16,
                        16,
                        mo.v[0][s],
                        0,
                        16,
                        0,
                        8,
                        avg,
                    );
                }
                MT_16X8 => {
                    for r in 0..2 {
                        let sel = mo.sel[r][s] as usize;
                        let (ri, miss) = pick(sel);
                        *used_missing |= miss;
                        predict_part(
                            mb,
                            &pics[ri],
                            Some(sel),
                            x,
                            y + 8 * r as i32,
                            16,
                            8,
                            mo.v[r][s],
                            r * 128,
                            16,
                            r * 32,
                            8,
                            avg,
                        );
                    }
                }
                _ => {
                    let (ri, miss) = pick(parity);
                    *used_missing |= miss;
                    predict_part(
                        mb,
                        &pics[ri],
                        Some(parity),
                        x,
                        y,
                        16,
                        16,
                        mo.v[0][0],
                        0,
                        16,
                        0,
                        8,
                        false,
                    );
                    let (ri, miss) = pick(1 - parity);
                    *used_missing |= miss;
                    predict_part(
                        mb,
                        &pics[ri],
                        Some(1 - parity),
                        x,
                        y,
                        16,
                        16,
                        mo.dmv[0],
                        0,
                        16,
                        0,
                        8,
                        true,
                    );
                }
            }
        }
        avg = true;
    }
}

/// Copy the MB buffers into the current picture.
fn store_mb(ctx: &PicCtx, pic: &mut Pic, mb: &[[u8; 256]; 3], mbx: usize, mby: usize) {
    for p in 0..3 {
        let n = if p == 0 { 16 } else { 8 };
        let stride = pic.stride[p];
        let (off, ds) = if ctx.structure == STRUCT_FRAME {
            (mby * n * stride + mbx * n, stride)
        } else {
            let parity = (ctx.structure == STRUCT_BOTTOM) as usize;
            (parity * stride + mby * n * 2 * stride + mbx * n, 2 * stride)
        };
        let plane = &mut pic.planes[p];
        for r in 0..n {
            if let Some(d) = plane.get_mut(off + r * ds..off + r * ds + n) {
                d.copy_from_slice(&mb[p][r * n..r * n + n]);
            }
        }
    }
}

/// Fill macroblock (mbx, mby) by concealment: co-located copy from the
/// forward reference (same parity for field pictures), or grey.
pub(crate) fn conceal_mb(ctx: &PicCtx, pics: &mut [Pic], sc: &mut Scratch, mbx: usize, mby: usize) {
    if ctx.fwd_missing {
        for p in 0..3 {
            sc.mb[p] = [128; 256];
        }
    } else {
        let mo = Motion {
            dir: MB_FWD,
            mtype: MT_FIELD,
            sel: [[(ctx.structure == STRUCT_BOTTOM) as u8; 2]; 2],
            ..Default::default()
        };
        let src = &pics[ctx.fwd];
        let parity = mo.sel[0][0] as usize;
        let field = if ctx.structure == STRUCT_FRAME {
            None
        } else {
            Some(parity)
        };
        predict_part(
            &mut sc.mb,
            src,
            field,
            (mbx * 16) as i32,
            (mby * 16) as i32,
            16,
            16,
            [0, 0],
            0,
            16,
            0,
            8,
            false,
        );
    }
    store_mb(ctx, &mut pics[ctx.cur], &sc.mb, mbx, mby);
}

/// Decode one slice (data after the slice start code up to the next start code).
pub(crate) fn decode_slice(
    ctx: &PicCtx,
    pics: &mut [Pic],
    sc: &mut Scratch,
    t: &Tables,
    slice_code: u8,
    data: &[u8],
) -> Result<(), ()> {
    let mut br = BitReader::new(data);
    let mut mby = slice_code as usize - 1;
    if ctx.vert_ext {
        mby += (br.get(3) as usize) << 7;
    }
    if mby >= ctx.mb_h || ctx.mb_w == 0 {
        return Err(());
    }
    let qcode = br.get(5);
    while br.bit() {
        br.skip(8);
        if br.overrun() {
            return Err(());
        }
    }
    let dc_reset = 1i32 << (7 + ctx.dc_precision);
    let mut st = State {
        qscale: qscale(ctx, qcode),
        dc_pred: [dc_reset; 3],
        pmv: [[[0; 2]; 2]; 2],
        prev_dir: 0,
        prev_intra: false,
    };
    let mut mbx = read_mb_inc(&mut br, t)? - 1;
    loop {
        if mbx >= ctx.mb_w {
            // MPEG-1 slices may continue on the next row.
            mby += mbx / ctx.mb_w;
            mbx %= ctx.mb_w;
        }
        if mby >= ctx.mb_h {
            return Err(());
        }
        decode_mb(ctx, pics, sc, t, &mut br, &mut st, mbx, mby)?;
        sc.decoded[mby * ctx.mb_w + mbx] = true;
        br.refill();
        if br.peek(23) == 0 {
            break;
        }
        let inc = read_mb_inc(&mut br, t)?;
        for _ in 1..inc {
            mbx += 1;
            if mbx >= ctx.mb_w {
                mby += 1;
                mbx = 0;
            }
            if mby >= ctx.mb_h || ctx.ptype == 1 {
                return Err(());
            }
            skip_mb(ctx, pics, sc, &mut st, mbx, mby)?;
            sc.decoded[mby * ctx.mb_w + mbx] = true;
        }
        mbx += 1;
    }
    Ok(())
}

fn skip_mb(
    ctx: &PicCtx,
    pics: &mut [Pic],
    sc: &mut Scratch,
    st: &mut State,
    mbx: usize,
    mby: usize,
) -> Result<(), ()> {
    let dc_reset = 1i32 << (7 + ctx.dc_precision);
    st.dc_pred = [dc_reset; 3];
    let parity = (ctx.structure == STRUCT_BOTTOM) as u8;
    let mtype = if ctx.structure == STRUCT_FRAME {
        MT_FRAME
    } else {
        MT_FIELD
    };
    let mo = if ctx.ptype == 2 {
        st.pmv = [[[0; 2]; 2]; 2];
        Motion {
            dir: MB_FWD,
            mtype,
            sel: [[parity; 2]; 2],
            ..Default::default()
        }
    } else {
        if st.prev_intra || st.prev_dir == 0 {
            return Err(());
        }
        let mut mo = Motion {
            dir: st.prev_dir,
            mtype,
            sel: [[parity; 2]; 2],
            ..Default::default()
        };
        for s in 0..2 {
            let sh = ctx.full_pel[s] as u32;
            mo.v[0][s] = [st.pmv[0][s][0] << sh, st.pmv[0][s][1] << sh];
        }
        mo
    };
    predict_mb(ctx, pics, &mut sc.mb, &mut sc.used_missing, mbx, mby, &mo);
    store_mb(ctx, &mut pics[ctx.cur], &sc.mb, mbx, mby);
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn decode_mb(
    ctx: &PicCtx,
    pics: &mut [Pic],
    sc: &mut Scratch,
    t: &Tables,
    br: &mut BitReader,
    st: &mut State,
    mbx: usize,
    mby: usize,
) -> Result<(), ()> {
    // macroblock_modes()
    let flags = match ctx.ptype {
        1 => {
            if br.bit() {
                MB_INTRA
            } else if br.bit() {
                MB_INTRA | MB_QUANT
            } else {
                return Err(());
            }
        }
        2 | 3 => {
            let tab = if ctx.ptype == 2 {
                &t.mbtype_p
            } else {
                &t.mbtype_b
            };
            let (f, len) = tab[br.peek(6) as usize];
            if len == 0 {
                return Err(());
            }
            br.skip(len as u32);
            f
        }
        _ => return Err(()),
    };
    let intra = flags & MB_INTRA != 0;
    let frame_pic = ctx.structure == STRUCT_FRAME;
    let mut mo = Motion {
        mtype: if frame_pic { MT_FRAME } else { MT_FIELD },
        ..Default::default()
    };
    if flags & (MB_FWD | MB_BWD) != 0 && !(frame_pic && ctx.frame_pred_frame_dct) {
        mo.mtype = br.get(2) as u8;
        if mo.mtype == 0 {
            return Err(());
        }
    }
    let field_dct =
        frame_pic && !ctx.frame_pred_frame_dct && (intra || flags & MB_PATTERN != 0) && br.bit();
    if flags & MB_QUANT != 0 {
        st.qscale = qscale(ctx, br.get(5));
    }
    if flags & MB_FWD != 0 || (intra && ctx.concealment_mv) {
        read_motion(br, t, ctx, st, &mut mo, 0)?;
    }
    if flags & MB_BWD != 0 {
        read_motion(br, t, ctx, st, &mut mo, 1)?;
    }
    if intra && ctx.concealment_mv {
        br.skip(1); // marker bit
    }
    if mo.mtype == MT_DMV && (flags & MB_BWD != 0 || ctx.ptype != 2) && !intra {
        return Err(()); // dual prime only in P pictures
    }
    let cbp: u32 = if flags & MB_PATTERN != 0 {
        let (c, len) = t.cbp[br.peek(9) as usize];
        if len == 0 {
            return Err(());
        }
        br.skip(len as u32);
        c as u32
    } else if intra {
        0x3F
    } else {
        0
    };
    let dc_reset = 1i32 << (7 + ctx.dc_precision);
    if intra {
        if !ctx.concealment_mv {
            st.pmv = [[[0; 2]; 2]; 2];
        }
        st.prev_intra = true;
        st.prev_dir = 0;
    } else {
        st.dc_pred = [dc_reset; 3];
        st.prev_intra = false;
        mo.dir = flags & (MB_FWD | MB_BWD);
        if mo.dir == 0 {
            // P picture, no motion compensation: zero vector from the same parity.
            st.pmv = [[[0; 2]; 2]; 2];
            mo.dir = MB_FWD;
            mo.mtype = if frame_pic { MT_FRAME } else { MT_FIELD };
            mo.sel = [[(ctx.structure == STRUCT_BOTTOM) as u8; 2]; 2];
            mo.v = [[[0; 2]; 2]; 2];
        }
        st.prev_dir = mo.dir;
        predict_mb(ctx, pics, &mut sc.mb, &mut sc.used_missing, mbx, mby, &mo);
    }

    // Blocks.
    let scan = ctx.scan;
    for b in 0..6 {
        if cbp & (32 >> b) == 0 {
            continue;
        }
        let (plane, off, stride) = if b < 4 {
            if field_dct {
                (0, (b >> 1) * 16 + (b & 1) * 8, 32)
            } else {
                (0, (b >> 1) * 128 + (b & 1) * 8, 16)
            }
        } else {
            (b - 3, 0, 8)
        };
        let info: BlockInfo;
        if intra {
            let cc = if b < 4 { 0 } else { b - 3 };
            let (size, len) = if cc == 0 {
                t.dc_lum[br.peek(9) as usize]
            } else {
                t.dc_chr[br.peek(10) as usize]
            };
            if len == 0 {
                return Err(());
            }
            br.skip(len as u32);
            let size = size as u32;
            let diff = if size == 0 {
                0
            } else {
                let v = br.get(size) as i32;
                if v & (1 << (size - 1)) == 0 {
                    v - (1 << size) + 1
                } else {
                    v
                }
            };
            st.dc_pred[cc] += diff;
            let dc = st.dc_pred[cc] * (8 >> ctx.dc_precision);
            let tab = if ctx.intra_vlc && !ctx.mpeg1 {
                &t.dct1
            } else {
                &t.dct0
            };
            info = decode_block::<true>(
                br,
                tab,
                &mut sc.blk,
                scan,
                &ctx.intra_q,
                st.qscale,
                ctx.mpeg1,
                dc,
            )
            .inspect_err(|_| sc.blk = [0; 64])?;
            idct_put(
                &mut sc.blk,
                info.mask,
                info.dc_only,
                &mut sc.mb[plane],
                off,
                stride,
            );
        } else {
            info = decode_block::<false>(
                br,
                &t.dct0,
                &mut sc.blk,
                scan,
                &ctx.non_intra_q,
                st.qscale,
                ctx.mpeg1,
                0,
            )
            .inspect_err(|_| sc.blk = [0; 64])?;
            idct_add(
                &mut sc.blk,
                info.mask,
                info.dc_only,
                &mut sc.mb[plane],
                off,
                stride,
            );
        }
    }
    if br.overrun() {
        return Err(());
    }
    store_mb(ctx, &mut pics[ctx.cur], &sc.mb, mbx, mby);
    Ok(())
}
