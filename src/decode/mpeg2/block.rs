//! Block layer: DCT coefficient VLC decoding, inverse scan, inverse
//! quantisation, saturation and mismatch control (13818-2 7.2-7.4; MPEG-1
//! 11172-2 2.4.4 when `mpeg1`).

use super::bits::BitReader;
use super::vlc::{DctTab, DCT_EOB, DCT_ESCAPE, DCT_NORMAL};

/// Result of decoding one block.
#[derive(Clone, Copy)]
pub(crate) struct BlockInfo {
    /// Bit k set: row k of the (raster) block may be non-zero.
    pub mask: u8,
    /// Only coefficient 0 can be non-zero.
    pub dc_only: bool,
}

#[inline(always)]
fn dequant<const INTRA: bool>(level: i32, w: u8, qs: i32, mpeg1: bool, neg: bool) -> i32 {
    let mut v = if INTRA {
        (level * w as i32 * qs) >> 4
    } else {
        ((2 * level + 1) * w as i32 * qs) >> 5
    };
    if mpeg1 && v & 1 == 0 && v != 0 {
        v -= 1;
    }
    if neg {
        -(v.min(2048))
    } else {
        v.min(2047)
    }
}

/// Decode the coefficients of one block into `blk` (which must be all zero
/// on entry). For intra blocks `dc` is the already reconstructed F[0]
/// (coefficient decoding starts at index 1); for non-intra blocks the first
/// coefficient uses the special '1s' code of table B.14.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub(crate) fn decode_block<const INTRA: bool>(
    br: &mut BitReader,
    tab: &DctTab,
    blk: &mut [i32; 64],
    scan: &[u8; 64],
    w: &[u8; 64],
    qs: i32,
    mpeg1: bool,
    dc: i32,
) -> Result<BlockInfo, ()> {
    let mut mask: u8 = 0;
    let mut parity: i32 = 0;
    let mut idx: i32;
    let mut last: i32 = 0;
    if INTRA {
        let dc = dc.clamp(-2048, 2047);
        blk[0] = dc;
        parity = dc;
        mask = 1;
        idx = 0;
    } else {
        idx = -1;
        br.refill();
        let w32 = br.peek32();
        if w32 & 0x8000_0000 != 0 {
            let neg = w32 & 0x4000_0000 != 0;
            br.skip(2);
            idx = 0;
            let pos = scan[0] as usize;
            let v = dequant::<false>(1, w[pos], qs, mpeg1, neg);
            blk[pos] = v;
            parity ^= v;
            mask |= 1 << (pos >> 3);
        }
    }
    loop {
        br.refill();
        let w32 = br.peek32();
        let e = tab.get(w32 >> 16);
        let run: i32;
        let level: i32;
        let neg: bool;
        if e.kind == DCT_NORMAL {
            run = e.run as i32;
            level = e.level as i32;
            neg = (w32 >> (31 - e.len as u32)) & 1 != 0;
            br.skip(e.len as u32 + 1);
        } else if e.kind == DCT_EOB {
            br.skip(e.len as u32);
            break;
        } else if e.kind == DCT_ESCAPE {
            run = ((w32 >> 20) & 63) as i32;
            let l: i32;
            if mpeg1 {
                let l8 = (w32 >> 12) & 0xFF;
                if l8 == 0 {
                    l = ((w32 >> 4) & 0xFF) as i32;
                    br.skip(28);
                } else if l8 == 128 {
                    l = ((w32 >> 4) & 0xFF) as i32 - 256;
                    br.skip(28);
                } else {
                    l = l8 as u8 as i8 as i32;
                    br.skip(20);
                }
            } else {
                l = ((((w32 >> 8) & 0xFFF) as i32) << 20) >> 20;
                br.skip(24);
            }
            if l == 0 {
                return Err(());
            }
            neg = l < 0;
            level = l.abs();
        } else {
            return Err(());
        }
        idx += run + 1;
        if idx > 63 {
            return Err(());
        }
        last = idx;
        let pos = scan[idx as usize] as usize;
        let v = dequant::<INTRA>(level, w[pos], qs, mpeg1, neg);
        blk[pos] = v;
        parity ^= v;
        mask |= 1 << (pos >> 3);
    }
    let mut dc_only = last == 0;
    if !mpeg1 && parity & 1 == 0 {
        // Mismatch control (7.4.4): toggle the LSB of F[7][7].
        blk[63] ^= 1;
        mask |= 0x80;
        dc_only = false;
    }
    if !INTRA && idx < 0 {
        // A coded block without coefficients (only possible in damaged data).
        dc_only = false;
    }
    Ok(BlockInfo { mask, dc_only })
}
