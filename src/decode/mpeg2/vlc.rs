//! Variable length code tables of ISO/IEC 13818-2 Annex B, expanded into
//! direct lookup tables indexed by peeked bits.

use std::sync::OnceLock;

pub(crate) const MB_QUANT: u8 = 1;
pub(crate) const MB_FWD: u8 = 2;
pub(crate) const MB_BWD: u8 = 4;
pub(crate) const MB_PATTERN: u8 = 8;
pub(crate) const MB_INTRA: u8 = 16;

/// Kinds of DCT coefficient table entries.
#[allow(dead_code)]
pub(crate) const DCT_INVALID: u8 = 0;
pub(crate) const DCT_NORMAL: u8 = 1;
pub(crate) const DCT_EOB: u8 = 2;
pub(crate) const DCT_ESCAPE: u8 = 3;

#[derive(Clone, Copy, Default)]
pub(crate) struct DctEnt {
    pub run: u8,
    pub level: u8,
    /// Code length without the sign bit.
    pub len: u8,
    pub kind: u8,
}

/// DCT coefficient table: codes whose first 6 bits are not all zero are at
/// most 8 bits long and are looked up by the top 8 bits of a 16-bit window;
/// the others by the low 10 bits of that window.
pub(crate) struct DctTab {
    pub short: [DctEnt; 256],
    pub long: [DctEnt; 1024],
}

impl DctTab {
    /// Look up the code at the top of `w` (16-bit window).
    #[inline(always)]
    pub fn get(&self, w: u32) -> DctEnt {
        if w >= 0x400 {
            self.short[(w >> 8) as usize & 255]
        } else {
            self.long[w as usize & 1023]
        }
    }
}

pub(crate) struct Tables {
    /// 11-bit index: (value, len); value 1..=33 increment, 34 escape, 35 stuffing, len 0 invalid.
    pub mbinc: [(u8, u8); 2048],
    /// 6-bit index: (flags, len).
    pub mbtype_p: [(u8, u8); 64],
    pub mbtype_b: [(u8, u8); 64],
    /// 9-bit index: (cbp, len).
    pub cbp: [(u8, u8); 512],
    /// 11-bit index: (signed motion_code, len incl. sign).
    pub mv: [(i8, u8); 2048],
    /// 9-bit index: (dc size, len).
    pub dc_lum: [(u8, u8); 512],
    /// 10-bit index.
    pub dc_chr: [(u8, u8); 1024],
    /// Table B.14.
    pub dct0: DctTab,
    /// Table B.15.
    pub dct1: DctTab,
}

static TABLES: OnceLock<Tables> = OnceLock::new();

pub(crate) fn tables() -> &'static Tables {
    TABLES.get_or_init(build)
}

fn fill<T: Copy>(t: &mut [(T, u8)], bits: u32, code: u32, len: u32, val: T) {
    let shift = bits - len;
    let base = (code << shift) as usize;
    for i in 0..(1usize << shift) {
        t[base + i] = (val, len as u8);
    }
}

// Table B.1 (increments 1..=33), then escape, stuffing.
const MBINC: [(u32, u32); 35] = [
    (0x1, 1),
    (0x3, 3),
    (0x2, 3),
    (0x3, 4),
    (0x2, 4),
    (0x3, 5),
    (0x2, 5),
    (0x7, 7),
    (0x6, 7),
    (0xb, 8),
    (0xa, 8),
    (0x9, 8),
    (0x8, 8),
    (0x7, 8),
    (0x6, 8),
    (0x17, 10),
    (0x16, 10),
    (0x15, 10),
    (0x14, 10),
    (0x13, 10),
    (0x12, 10),
    (0x23, 11),
    (0x22, 11),
    (0x21, 11),
    (0x20, 11),
    (0x1f, 11),
    (0x1e, 11),
    (0x1d, 11),
    (0x1c, 11),
    (0x1b, 11),
    (0x1a, 11),
    (0x19, 11),
    (0x18, 11),
    (0x8, 11),
    (0xf, 11),
];

// Table B.9, indexed by cbp.
const CBP: [(u32, u32); 64] = [
    (0x1, 9),
    (0xb, 5),
    (0x9, 5),
    (0xd, 6),
    (0xd, 4),
    (0x17, 7),
    (0x13, 7),
    (0x1f, 8),
    (0xc, 4),
    (0x16, 7),
    (0x12, 7),
    (0x1e, 8),
    (0x13, 5),
    (0x1b, 8),
    (0x17, 8),
    (0x13, 8),
    (0xb, 4),
    (0x15, 7),
    (0x11, 7),
    (0x1d, 8),
    (0x11, 5),
    (0x19, 8),
    (0x15, 8),
    (0x11, 8),
    (0xf, 6),
    (0xf, 8),
    (0xd, 8),
    (0x3, 9),
    (0xf, 5),
    (0xb, 8),
    (0x7, 8),
    (0x7, 9),
    (0xa, 4),
    (0x14, 7),
    (0x10, 7),
    (0x1c, 8),
    (0xe, 6),
    (0xe, 8),
    (0xc, 8),
    (0x2, 9),
    (0x10, 5),
    (0x18, 8),
    (0x14, 8),
    (0x10, 8),
    (0xe, 5),
    (0xa, 8),
    (0x6, 8),
    (0x6, 9),
    (0x12, 5),
    (0x1a, 8),
    (0x16, 8),
    (0x12, 8),
    (0xd, 5),
    (0x9, 8),
    (0x5, 8),
    (0x5, 9),
    (0xc, 5),
    (0x8, 8),
    (0x4, 8),
    (0x4, 9),
    (0x7, 3),
    (0xa, 5),
    (0x8, 5),
    (0xc, 6),
];

// Table B.10, indexed by |motion_code|.
const MV: [(u32, u32); 17] = [
    (0x1, 1),
    (0x1, 2),
    (0x1, 3),
    (0x1, 4),
    (0x3, 6),
    (0x5, 7),
    (0x4, 7),
    (0x3, 7),
    (0xb, 9),
    (0xa, 9),
    (0x9, 9),
    (0x11, 10),
    (0x10, 10),
    (0xf, 10),
    (0xe, 10),
    (0xd, 10),
    (0xc, 10),
];

// Tables B.12 / B.13, indexed by dct_dc_size.
const DC_LUM: [(u32, u32); 12] = [
    (0x4, 3),
    (0x0, 2),
    (0x1, 2),
    (0x5, 3),
    (0x6, 3),
    (0xe, 4),
    (0x1e, 5),
    (0x3e, 6),
    (0x7e, 7),
    (0xfe, 8),
    (0x1fe, 9),
    (0x1ff, 9),
];
const DC_CHR: [(u32, u32); 12] = [
    (0x0, 2),
    (0x1, 2),
    (0x2, 2),
    (0x6, 3),
    (0xe, 4),
    (0x1e, 5),
    (0x3e, 6),
    (0x7e, 7),
    (0xfe, 8),
    (0x1fe, 9),
    (0x3fe, 10),
    (0x3ff, 10),
];

// Tables B.14 and B.15 (codes without the sign bit); entry k has run DCT_RUN[k], level DCT_LEVEL[k].
const DCT_B14: [(u32, u32); 111] = [
    (0x3, 2),
    (0x4, 4),
    (0x5, 5),
    (0x6, 7),
    (0x26, 8),
    (0x21, 8),
    (0xa, 10),
    (0x1d, 12),
    (0x18, 12),
    (0x13, 12),
    (0x10, 12),
    (0x1a, 13),
    (0x19, 13),
    (0x18, 13),
    (0x17, 13),
    (0x1f, 14),
    (0x1e, 14),
    (0x1d, 14),
    (0x1c, 14),
    (0x1b, 14),
    (0x1a, 14),
    (0x19, 14),
    (0x18, 14),
    (0x17, 14),
    (0x16, 14),
    (0x15, 14),
    (0x14, 14),
    (0x13, 14),
    (0x12, 14),
    (0x11, 14),
    (0x10, 14),
    (0x18, 15),
    (0x17, 15),
    (0x16, 15),
    (0x15, 15),
    (0x14, 15),
    (0x13, 15),
    (0x12, 15),
    (0x11, 15),
    (0x10, 15),
    (0x3, 3),
    (0x6, 6),
    (0x25, 8),
    (0xc, 10),
    (0x1b, 12),
    (0x16, 13),
    (0x15, 13),
    (0x1f, 15),
    (0x1e, 15),
    (0x1d, 15),
    (0x1c, 15),
    (0x1b, 15),
    (0x1a, 15),
    (0x19, 15),
    (0x13, 16),
    (0x12, 16),
    (0x11, 16),
    (0x10, 16),
    (0x5, 4),
    (0x4, 7),
    (0xb, 10),
    (0x14, 12),
    (0x14, 13),
    (0x7, 5),
    (0x24, 8),
    (0x1c, 12),
    (0x13, 13),
    (0x6, 5),
    (0xf, 10),
    (0x12, 12),
    (0x7, 6),
    (0x9, 10),
    (0x12, 13),
    (0x5, 6),
    (0x1e, 12),
    (0x14, 16),
    (0x4, 6),
    (0x15, 12),
    (0x7, 7),
    (0x11, 12),
    (0x5, 7),
    (0x11, 13),
    (0x27, 8),
    (0x10, 13),
    (0x23, 8),
    (0x1a, 16),
    (0x22, 8),
    (0x19, 16),
    (0x20, 8),
    (0x18, 16),
    (0xe, 10),
    (0x17, 16),
    (0xd, 10),
    (0x16, 16),
    (0x8, 10),
    (0x15, 16),
    (0x1f, 12),
    (0x1a, 12),
    (0x19, 12),
    (0x17, 12),
    (0x16, 12),
    (0x1f, 13),
    (0x1e, 13),
    (0x1d, 13),
    (0x1c, 13),
    (0x1b, 13),
    (0x1f, 16),
    (0x1e, 16),
    (0x1d, 16),
    (0x1c, 16),
    (0x1b, 16),
];
/// Table B.15 (`intra_vlc_format` 1) differs from B.14 only in these
/// entries: `(index, (code, length))`.
const DCT_B15_CHANGES: [(usize, (u32, u32)); 39] = [
    (0, (0x02, 2)),
    (1, (0x06, 3)),
    (2, (0x07, 4)),
    (3, (0x1c, 5)),
    (4, (0x1d, 5)),
    (5, (0x05, 6)),
    (6, (0x04, 6)),
    (7, (0x7b, 7)),
    (8, (0x7c, 7)),
    (9, (0x23, 8)),
    (10, (0x22, 8)),
    (11, (0xfa, 8)),
    (12, (0xfb, 8)),
    (13, (0xfe, 8)),
    (14, (0xff, 8)),
    (40, (0x02, 3)),
    (41, (0x06, 5)),
    (42, (0x79, 7)),
    (43, (0x27, 8)),
    (44, (0x20, 8)),
    (58, (0x05, 5)),
    (59, (0x07, 7)),
    (60, (0xfc, 8)),
    (61, (0x0c, 10)),
    (64, (0x26, 8)),
    (67, (0x06, 6)),
    (68, (0xfd, 8)),
    (71, (0x04, 9)),
    (73, (0x06, 7)),
    (76, (0x04, 7)),
    (78, (0x05, 7)),
    (80, (0x78, 7)),
    (82, (0x7a, 7)),
    (84, (0x21, 8)),
    (86, (0x25, 8)),
    (88, (0x24, 8)),
    (90, (0x05, 9)),
    (92, (0x07, 9)),
    (94, (0x0d, 10)),
];

/// Table B.15 as a whole.
fn dct_b15() -> [(u32, u32); 111] {
    let mut table = DCT_B14;
    for (index, code) in DCT_B15_CHANGES {
        table[index] = code;
    }
    table
}
const DCT_LEVEL: [u8; 111] = [
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26,
    27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
    13, 14, 15, 16, 17, 18, 1, 2, 3, 4, 5, 1, 2, 3, 4, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 1, 2, 1, 2,
    1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
];
const DCT_RUN: [u8; 111] = [
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3,
    3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14,
    15, 15, 16, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
];

fn dct_put(t: &mut DctTab, code: u32, len: u32, e: DctEnt) {
    let w = code << (16 - len);
    if w >= 0x400 {
        debug_assert!(len <= 8);
        let base = (w >> 8) as usize;
        for i in 0..(1usize << (8 - len)) {
            t.short[base + i] = e;
        }
    } else {
        let base = w as usize;
        for i in 0..(1usize << (16 - len)) {
            t.long[base + i] = e;
        }
    }
}

fn build_dct(codes: &[(u32, u32); 111], eob: (u32, u32)) -> DctTab {
    let mut t = DctTab {
        short: [DctEnt::default(); 256],
        long: [DctEnt::default(); 1024],
    };
    for (k, &(code, len)) in codes.iter().enumerate() {
        let e = DctEnt {
            run: DCT_RUN[k],
            level: DCT_LEVEL[k],
            len: len as u8,
            kind: DCT_NORMAL,
        };
        dct_put(&mut t, code, len, e);
    }
    dct_put(
        &mut t,
        1,
        6,
        DctEnt {
            run: 0,
            level: 0,
            len: 6,
            kind: DCT_ESCAPE,
        },
    );
    dct_put(
        &mut t,
        eob.0,
        eob.1,
        DctEnt {
            run: 0,
            level: 0,
            len: eob.1 as u8,
            kind: DCT_EOB,
        },
    );
    t
}

fn build() -> Tables {
    let mut mbinc = [(0u8, 0u8); 2048];
    for (k, &(code, len)) in MBINC.iter().enumerate() {
        fill(&mut mbinc, 11, code, len, (k + 1) as u8);
    }
    let mut mbtype_p = [(0u8, 0u8); 64];
    let p: [(u32, u32, u8); 7] = [
        (1, 1, MB_FWD | MB_PATTERN),
        (1, 2, MB_PATTERN),
        (1, 3, MB_FWD),
        (3, 5, MB_INTRA),
        (2, 5, MB_QUANT | MB_FWD | MB_PATTERN),
        (1, 5, MB_QUANT | MB_PATTERN),
        (1, 6, MB_QUANT | MB_INTRA),
    ];
    for &(code, len, f) in &p {
        fill(&mut mbtype_p, 6, code, len, f);
    }
    let mut mbtype_b = [(0u8, 0u8); 64];
    let b: [(u32, u32, u8); 11] = [
        (2, 2, MB_FWD | MB_BWD),
        (3, 2, MB_FWD | MB_BWD | MB_PATTERN),
        (2, 3, MB_BWD),
        (3, 3, MB_BWD | MB_PATTERN),
        (2, 4, MB_FWD),
        (3, 4, MB_FWD | MB_PATTERN),
        (3, 5, MB_INTRA),
        (2, 5, MB_QUANT | MB_FWD | MB_BWD | MB_PATTERN),
        (3, 6, MB_QUANT | MB_FWD | MB_PATTERN),
        (2, 6, MB_QUANT | MB_BWD | MB_PATTERN),
        (1, 6, MB_QUANT | MB_INTRA),
    ];
    for &(code, len, f) in &b {
        fill(&mut mbtype_b, 6, code, len, f);
    }
    let mut cbp = [(0u8, 0u8); 512];
    for (k, &(code, len)) in CBP.iter().enumerate() {
        fill(&mut cbp, 9, code, len, k as u8);
    }
    let mut mv = [(0i8, 0u8); 2048];
    for (k, &(code, len)) in MV.iter().enumerate() {
        if k == 0 {
            fill(&mut mv, 11, code, len, 0i8);
        } else {
            fill(&mut mv, 11, code << 1, len + 1, k as i8);
            fill(&mut mv, 11, (code << 1) | 1, len + 1, -(k as i8));
        }
    }
    let mut dc_lum = [(0u8, 0u8); 512];
    for (k, &(code, len)) in DC_LUM.iter().enumerate() {
        fill(&mut dc_lum, 9, code, len, k as u8);
    }
    let mut dc_chr = [(0u8, 0u8); 1024];
    for (k, &(code, len)) in DC_CHR.iter().enumerate() {
        fill(&mut dc_chr, 10, code, len, k as u8);
    }
    Tables {
        mbinc,
        mbtype_p,
        mbtype_b,
        cbp,
        mv,
        dc_lum,
        dc_chr,
        dct0: build_dct(&DCT_B14, (0x2, 2)),
        dct1: build_dct(&dct_b15(), (0x6, 4)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_prefix_free_and_complete() {
        // Every DCT code must land in exactly the slots it owns: rebuilding
        // must not overwrite an earlier code (prefix-freeness check).
        for (codes, eob) in [(DCT_B14, (0x2u32, 2u32)), (dct_b15(), (0x6, 4))] {
            let mut all: Vec<(u32, u32)> = codes.to_vec();
            all.push((1, 6));
            all.push(eob);
            for (i, &(c1, l1)) in all.iter().enumerate() {
                assert!(l1 <= 16);
                let w = c1 << (16 - l1);
                if w >= 0x400 {
                    assert!(l1 <= 8, "short code too long");
                }
                for (j, &(c2, l2)) in all.iter().enumerate() {
                    if i == j {
                        continue;
                    }
                    let l = l1.min(l2);
                    assert_ne!(c1 >> (l1 - l), c2 >> (l2 - l), "prefix clash {i} {j}");
                }
            }
        }
        let t = tables();
        assert_eq!(t.mbinc[0b1000_0000_000], (1, 1));
        assert_eq!(t.mbinc[0b0000_0001_000], (34, 11));
        assert_eq!(t.cbp[0b1110_0000_0], (60, 3));
        assert_eq!(t.mv[0b0100_0000_000], (1, 3));
        assert_eq!(t.mv[0b0110_0000_000], (-1, 3));
        let e = t.dct0.get(0b0100_0000_0000_0000);
        assert_eq!((e.run, e.level, e.len, e.kind), (0, 2, 4, DCT_NORMAL));
        let e = t.dct1.get(0b0110_0000_0000_0000);
        assert_eq!(e.kind, DCT_EOB);
        let e = t.dct0.get(0b0000_0000_0001_1111);
        assert_eq!((e.run, e.level, e.len), (27, 1, 16));
        let e = t.dct0.get(0b0000_0000_0011_0000);
        assert_eq!((e.run, e.level, e.len), (0, 32, 15));
    }
}
