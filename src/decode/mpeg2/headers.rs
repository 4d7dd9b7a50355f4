//! Sequence, GOP and picture headers and their extensions.

use super::bits::BitReader;

pub(crate) const ZIGZAG: [u8; 64] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
    13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59,
    52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

pub(crate) const ALTERNATE: [u8; 64] = [
    0, 8, 16, 24, 1, 9, 2, 10, 17, 25, 32, 40, 48, 56, 57, 49, 41, 33, 26, 18, 3, 11, 4, 12, 19,
    27, 34, 42, 50, 58, 35, 43, 51, 59, 20, 28, 5, 13, 6, 14, 21, 29, 36, 44, 52, 60, 37, 45, 53,
    61, 22, 30, 7, 15, 23, 31, 38, 46, 54, 62, 39, 47, 55, 63,
];

/// Default intra matrix, natural (raster) order.
pub(crate) const DEFAULT_INTRA: [u8; 64] = [
    8, 16, 19, 22, 26, 27, 29, 34, 16, 16, 22, 24, 27, 29, 34, 37, 19, 22, 26, 27, 29, 34, 34, 38,
    22, 22, 26, 27, 29, 34, 37, 40, 22, 26, 27, 29, 32, 35, 40, 48, 26, 27, 29, 32, 35, 40, 48, 58,
    26, 27, 29, 34, 38, 46, 56, 69, 27, 29, 35, 38, 46, 56, 69, 83,
];

pub(crate) const NON_LINEAR_QSCALE: [u8; 32] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 18, 20, 22, 24, 28, 32, 36, 40, 44, 48, 52, 56, 64,
    72, 80, 88, 96, 104, 112,
];

#[derive(Clone, Debug)]
pub(crate) struct SeqHeader {
    pub h_size: u32,
    pub v_size: u32,
    pub intra_q: [u8; 64],
    pub non_intra_q: [u8; 64],
}

fn read_matrix(br: &mut BitReader) -> [u8; 64] {
    let mut m = [0u8; 64];
    for &z in ZIGZAG.iter() {
        m[z as usize] = br.get(8) as u8;
    }
    m
}

pub(crate) fn parse_sequence_header(d: &[u8]) -> Result<SeqHeader, String> {
    if d.len() < 8 {
        return Err("truncated sequence header".into());
    }
    let mut br = BitReader::new(d);
    let h_size = br.get(12);
    let v_size = br.get(12);
    let _aspect = br.get(4);
    let _frame_rate = br.get(4);
    let _bit_rate = br.get(18);
    let _marker = br.get(1);
    let _vbv = br.get(10);
    let _constrained = br.get(1);
    let intra_q = if br.bit() {
        read_matrix(&mut br)
    } else {
        DEFAULT_INTRA
    };
    let non_intra_q = if br.bit() {
        read_matrix(&mut br)
    } else {
        [16u8; 64]
    };
    if br.overrun() {
        return Err("truncated sequence header".into());
    }
    Ok(SeqHeader {
        h_size,
        v_size,
        intra_q,
        non_intra_q,
    })
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct SeqExt {
    pub progressive: bool,
    pub chroma_format: u8,
    pub h_ext: u32,
    pub v_ext: u32,
}

pub(crate) fn parse_sequence_ext(br: &mut BitReader) -> SeqExt {
    let _profile_level = br.get(8);
    let progressive = br.bit();
    let chroma_format = br.get(2) as u8;
    let h_ext = br.get(2);
    let v_ext = br.get(2);
    // bit_rate_extension, marker, vbv ext, low_delay, frame rate ext: not needed.
    SeqExt {
        progressive,
        chroma_format,
        h_ext,
        v_ext,
    }
}

#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct PicInfo {
    pub temporal_reference: u16,
    pub coding_type: u8,
    pub full_pel: [bool; 2],
    pub f_code: [[u8; 2]; 2],
    pub dc_precision: u8,
    /// 1 top field, 2 bottom field, 3 frame.
    pub structure: u8,
    pub top_field_first: bool,
    pub frame_pred_frame_dct: bool,
    pub concealment_mv: bool,
    pub q_scale_type: bool,
    pub intra_vlc_format: bool,
    pub alternate_scan: bool,
    pub repeat_first_field: bool,
    pub progressive_frame: bool,
    pub has_ext: bool,
}

pub(crate) fn parse_picture_header(d: &[u8]) -> Result<PicInfo, String> {
    if d.len() < 4 {
        return Err("truncated picture header".into());
    }
    let mut br = BitReader::new(d);
    let temporal_reference = br.get(10) as u16;
    let coding_type = br.get(3) as u8;
    let _vbv_delay = br.get(16);
    let mut p = PicInfo {
        temporal_reference,
        coding_type,
        // MPEG-1 defaults; MPEG-2 overrides them with the picture coding extension.
        structure: 3,
        frame_pred_frame_dct: true,
        progressive_frame: true,
        ..Default::default()
    };
    if coding_type == 2 || coding_type == 3 {
        p.full_pel[0] = br.bit();
        let f = br.get(3) as u8;
        p.f_code[0] = [f, f];
    }
    if coding_type == 3 {
        p.full_pel[1] = br.bit();
        let f = br.get(3) as u8;
        p.f_code[1] = [f, f];
    }
    Ok(p)
}

pub(crate) fn parse_picture_coding_ext(br: &mut BitReader, p: &mut PicInfo) {
    p.f_code[0][0] = br.get(4) as u8;
    p.f_code[0][1] = br.get(4) as u8;
    p.f_code[1][0] = br.get(4) as u8;
    p.f_code[1][1] = br.get(4) as u8;
    p.full_pel = [false, false];
    p.dc_precision = br.get(2) as u8;
    p.structure = br.get(2) as u8;
    p.top_field_first = br.bit();
    p.frame_pred_frame_dct = br.bit();
    p.concealment_mv = br.bit();
    p.q_scale_type = br.bit();
    p.intra_vlc_format = br.bit();
    p.alternate_scan = br.bit();
    p.repeat_first_field = br.bit();
    let _chroma_420_type = br.bit();
    p.progressive_frame = br.bit();
    p.has_ext = true;
}

/// Quant matrix extension: updates the matrices in effect (chroma matrices
/// are parsed and ignored: they are not used for 4:2:0).
pub(crate) fn parse_quant_matrix_ext(
    br: &mut BitReader,
    intra: &mut [u8; 64],
    non_intra: &mut [u8; 64],
) {
    if br.bit() {
        *intra = read_matrix(br);
    }
    if br.bit() {
        *non_intra = read_matrix(br);
    }
}
