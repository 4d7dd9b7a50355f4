//! The MPEG-2 video decoder proper: picture-level decoding, references,
//! concealment and cropping. One access unit in, its frame out, in decode
//! order.

use super::bits::{find_start_code, BitReader};
use super::headers::{PicInfo, ALTERNATE, ZIGZAG};
use super::mc::Pic;
use super::slice::{PicCtx, Scratch, STRUCT_BOTTOM, STRUCT_FRAME, STRUCT_TOP};
use super::{headers, slice, vlc};

/// Largest picture the decoder accepts (either dimension).
const MAX_DIM: u32 = 4096;
/// Pool index of the grey picture used for missing references.
const GREY: usize = 3;

#[derive(Debug)]
pub enum Mpeg2Error {
    /// A valid stream using a feature this decoder does not implement.
    Unsupported(String),
    /// Nothing decodable (no sequence header yet, no start code, ...).
    Malformed(String),
}

impl std::fmt::Display for Mpeg2Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mpeg2Error::Unsupported(s) => write!(f, "unsupported MPEG video feature: {s}"),
            Mpeg2Error::Malformed(s) => write!(f, "malformed MPEG video: {s}"),
        }
    }
}

impl std::error::Error for Mpeg2Error {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PictureType {
    I,
    P,
    B,
}

#[derive(Debug, Clone)]
pub struct Frame {
    /// Display size (horizontal_size x vertical_size).
    pub width: u32,
    pub height: u32,
    /// Tightly packed planes; chroma is width.div_ceil(2) x height.div_ceil(2).
    pub y: Vec<u8>,
    pub u: Vec<u8>,
    pub v: Vec<u8>,
    /// Type of the frame picture, or of the first field of a field pair.
    pub picture_type: PictureType,
    pub top_field_first: bool,
    pub repeat_first_field: bool,
    pub progressive_frame: bool,
    pub temporal_reference: u16,
}

#[derive(Debug)]
pub struct Decoded {
    pub frame: Option<Frame>,
    /// Some part of the frame was concealed (damaged or missing data, or a
    /// missing reference picture was needed).
    pub had_errors: bool,
}

struct SeqState {
    h_size: u32,
    v_size: u32,
    mpeg1: bool,
    progressive: bool,
}

impl SeqState {
    fn mb_dims(&self) -> (usize, usize) {
        let mb_w = self.h_size.div_ceil(16) as usize;
        let mb_h = if self.mpeg1 || self.progressive {
            self.v_size.div_ceil(16) as usize
        } else {
            2 * self.v_size.div_ceil(32) as usize
        };
        (mb_w, mb_h)
    }
}

/// A frame being assembled from one frame picture or two field pictures.
struct FrameProg {
    cur: usize,
    first: PicInfo,
    /// Structure of the first field (field pairs), or STRUCT_FRAME.
    first_structure: u8,
    need_second: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum ExtCtx {
    None,
    Seq,
    Pic,
}

/// Per-unit parsing state.
struct Unit {
    errors: bool,
    out: Option<Frame>,
    frame: Option<FrameProg>,
    /// Picture header (+ extensions) seen, slices not begun yet.
    pic: Option<PicInfo>,
    /// Picture being decoded.
    active: Option<PicCtx>,
}

pub struct Decoder {
    seq: Option<SeqState>,
    unsupported: Option<String>,
    pics: Vec<Pic>,
    alloc: (usize, usize),
    /// [older (forward), newer (backward)] anchor frames.
    refs: [Option<usize>; 2],
    sc: Scratch,
    intra_q: [u8; 64],
    non_intra_q: [u8; 64],
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder {
    pub fn new() -> Self {
        Decoder {
            seq: None,
            unsupported: None,
            pics: Vec::new(),
            alloc: (0, 0),
            refs: [None, None],
            sc: Scratch::new(),
            intra_q: headers::DEFAULT_INTRA,
            non_intra_q: [16; 64],
        }
    }

    /// Forget reference pictures (after a seek or damage); keeps the sequence header.
    pub fn reset(&mut self) {
        self.refs = [None, None];
    }

    /// Decode one access unit; see the crate documentation.
    pub fn decode(&mut self, unit: &[u8]) -> Result<Decoded, Mpeg2Error> {
        let Some(mut pos) = find_start_code(unit, 0) else {
            return Err(Mpeg2Error::Malformed("no start code in access unit".into()));
        };
        let mut u = Unit {
            errors: false,
            out: None,
            frame: None,
            pic: None,
            active: None,
        };
        let mut ext_ctx = ExtCtx::None;
        let tables = vlc::tables();
        while let Some(&code) = unit.get(pos + 3) {
            let next = find_start_code(unit, pos + 4);
            let payload = &unit[pos + 4..next.unwrap_or(unit.len())];
            match code {
                0x01..=0xAF => {
                    if u.active.is_none() {
                        if let Some(info) = u.pic.take() {
                            self.begin_picture(&mut u, info)?;
                        }
                    }
                    if let Some(ctx) = &u.active {
                        if slice::decode_slice(
                            ctx,
                            &mut self.pics,
                            &mut self.sc,
                            tables,
                            code,
                            payload,
                        )
                        .is_err()
                        {
                            u.errors = true;
                        }
                    }
                }
                0x00 => {
                    self.end_picture(&mut u)?;
                    match headers::parse_picture_header(payload) {
                        Ok(info) => u.pic = Some(info),
                        Err(_) => u.errors = true,
                    }
                    ext_ctx = ExtCtx::Pic;
                }
                0xB3 => {
                    self.end_picture(&mut u)?;
                    match self.sequence_header(payload) {
                        Ok(()) => {}
                        Err(Mpeg2Error::Malformed(_)) if self.seq.is_some() => u.errors = true,
                        Err(e) => return Err(e),
                    }
                    ext_ctx = ExtCtx::Seq;
                }
                0xB5 => self.extension(&mut u, ext_ctx, payload)?,
                0xB8 => {
                    self.end_picture(&mut u)?;
                    ext_ctx = ExtCtx::None;
                }
                _ => {}
            }
            match next {
                Some(n) => pos = n,
                None => break,
            }
        }
        self.end_picture(&mut u)?;
        if let Some(f) = u.frame.take() {
            // First field without its second field.
            self.conceal_missing_field(&f);
            u.errors = true;
            u.out = Some(self.output(&f));
        }
        Ok(Decoded {
            frame: u.out,
            had_errors: u.errors,
        })
    }

    fn sequence_header(&mut self, payload: &[u8]) -> Result<(), Mpeg2Error> {
        let sh = headers::parse_sequence_header(payload).map_err(Mpeg2Error::Malformed)?;
        if sh.h_size == 0 || sh.v_size == 0 {
            return Err(Mpeg2Error::Malformed(
                "sequence header with zero picture size".into(),
            ));
        }
        self.intra_q = sh.intra_q;
        self.non_intra_q = sh.non_intra_q;
        self.unsupported = None;
        // MPEG-1 until a sequence extension says otherwise.
        self.seq = Some(SeqState {
            h_size: sh.h_size,
            v_size: sh.v_size,
            mpeg1: true,
            progressive: true,
        });
        self.check_size()
    }

    fn check_size(&mut self) -> Result<(), Mpeg2Error> {
        if let Some(s) = self
            .seq
            .as_ref()
            .filter(|s| s.h_size > MAX_DIM || s.v_size > MAX_DIM)
        {
            let msg = format!(
                "picture size {}x{} (larger than {MAX_DIM}x{MAX_DIM})",
                s.h_size, s.v_size
            );
            self.unsupported = Some(msg.clone());
            return Err(Mpeg2Error::Unsupported(msg));
        }
        Ok(())
    }

    fn extension(
        &mut self,
        u: &mut Unit,
        ext_ctx: ExtCtx,
        payload: &[u8],
    ) -> Result<(), Mpeg2Error> {
        let mut br = BitReader::new(payload);
        let id = br.get(4);
        match (ext_ctx, id) {
            (ExtCtx::Seq, 1) => {
                let e = headers::parse_sequence_ext(&mut br);
                if br.overrun() {
                    u.errors = true;
                    return Ok(());
                }
                if let Some(s) = &mut self.seq {
                    s.mpeg1 = false;
                    s.progressive = e.progressive;
                    s.h_size = (s.h_size & 0xFFF) | (e.h_ext << 12);
                    s.v_size = (s.v_size & 0xFFF) | (e.v_ext << 12);
                    if e.chroma_format != 1 {
                        let msg = match e.chroma_format {
                            2 => "MPEG-2 4:2:2 profile (chroma_format 4:2:2)".to_string(),
                            3 => "chroma_format 4:4:4".to_string(),
                            _ => "reserved chroma_format 0".to_string(),
                        };
                        self.unsupported = Some(msg.clone());
                        return Err(Mpeg2Error::Unsupported(msg));
                    }
                    self.check_size()?;
                }
            }
            (ExtCtx::Seq, 5) => {
                let msg = "scalable extension (sequence_scalable_extension)".to_string();
                self.unsupported = Some(msg.clone());
                return Err(Mpeg2Error::Unsupported(msg));
            }
            (ExtCtx::Pic, 8) => {
                if let Some(p) = &mut u.pic {
                    headers::parse_picture_coding_ext(&mut br, p);
                    if br.overrun() {
                        u.errors = true;
                    }
                }
            }
            (ExtCtx::Pic, 3) => {
                let (mut iq, mut nq) = (self.intra_q, self.non_intra_q);
                headers::parse_quant_matrix_ext(&mut br, &mut iq, &mut nq);
                if br.overrun() {
                    u.errors = true;
                } else {
                    self.intra_q = iq;
                    self.non_intra_q = nq;
                }
            }
            (ExtCtx::Pic, 9) | (ExtCtx::Pic, 10) => {
                return Err(Mpeg2Error::Unsupported(
                    "scalable extension (picture spatial/temporal scalable extension)".into(),
                ));
            }
            _ => {}
        }
        Ok(())
    }

    fn ensure_buffers(&mut self, mb_w: usize, mb_h: usize) {
        if self.alloc != (mb_w, mb_h) || self.pics.len() != 4 {
            self.pics = (0..4).map(|_| Pic::new(mb_w, mb_h)).collect();
            self.alloc = (mb_w, mb_h);
            self.refs = [None, None];
        }
    }

    fn make_ctx(&self, info: &PicInfo, structure: u8, cur: usize, second_field: bool) -> PicCtx {
        let seq = self.seq.as_ref();
        let mpeg1 = seq.is_none_or(|s| s.mpeg1);
        let v_size = seq.map_or(0, |s| s.v_size);
        let (mb_w, mb_h) = self.alloc;
        let (fwd, bwd) = if info.coding_type == 3 {
            (self.refs[0], self.refs[1])
        } else {
            (self.refs[0], None)
        };
        PicCtx {
            mpeg1,
            ptype: info.coding_type,
            structure,
            frame_pred_frame_dct: info.frame_pred_frame_dct,
            concealment_mv: info.concealment_mv,
            q_scale_type: info.q_scale_type,
            intra_vlc: info.intra_vlc_format,
            dc_precision: if mpeg1 { 0 } else { info.dc_precision },
            top_field_first: info.top_field_first,
            f_code: info.f_code,
            full_pel: info.full_pel,
            second_field,
            mb_w,
            mb_h: if structure == STRUCT_FRAME {
                mb_h
            } else {
                mb_h / 2
            },
            scan: if info.alternate_scan {
                &ALTERNATE
            } else {
                &ZIGZAG
            },
            intra_q: self.intra_q,
            non_intra_q: self.non_intra_q,
            cur,
            fwd: fwd.unwrap_or(GREY),
            bwd: bwd.unwrap_or(GREY),
            fwd_missing: fwd.is_none(),
            bwd_missing: bwd.is_none(),
            vert_ext: v_size > 2800,
        }
    }

    fn begin_picture(&mut self, u: &mut Unit, mut info: PicInfo) -> Result<(), Mpeg2Error> {
        let Some(seq) = &self.seq else {
            return Err(Mpeg2Error::Malformed(
                "picture before any sequence header".into(),
            ));
        };
        if let Some(msg) = &self.unsupported {
            return Err(Mpeg2Error::Unsupported(msg.clone()));
        }
        let mpeg1 = seq.mpeg1;
        let dims = seq.mb_dims();
        match info.coding_type {
            1..=3 => {}
            4 => return Err(Mpeg2Error::Unsupported("MPEG-1 D-pictures".into())),
            _ => {
                u.errors = true;
                return Ok(());
            }
        }
        if !mpeg1 && !info.has_ext {
            u.errors = true;
        }
        if mpeg1 {
            info.structure = STRUCT_FRAME;
        }
        if info.structure == 0 {
            u.errors = true;
            return Ok(());
        }
        self.ensure_buffers(dims.0, dims.1);

        // Second field of a field pair?
        let mut second = None;
        if let Some(f) = u.frame.take() {
            if f.need_second
                && info.structure != STRUCT_FRAME
                && info.structure != f.first_structure
            {
                second = Some(f);
            } else {
                // Unpaired field: finish that frame first.
                self.conceal_missing_field(&f);
                u.errors = true;
                u.out = Some(self.output(&f));
            }
        }
        let ctx = if let Some(mut f) = second {
            f.need_second = false;
            let ctx = self.make_ctx(&info, info.structure, f.cur, true);
            u.frame = Some(f);
            ctx
        } else {
            if u.out.is_some() {
                // More than one frame in this unit: only the last is returned.
                u.errors = true;
            }
            let cur = (0..3)
                .find(|i| self.refs[0] != Some(*i) && self.refs[1] != Some(*i))
                .unwrap_or(0);
            if info.coding_type != 3 {
                self.refs = [self.refs[1], Some(cur)];
            }
            u.frame = Some(FrameProg {
                cur,
                first: info,
                first_structure: info.structure,
                need_second: info.structure != STRUCT_FRAME,
            });
            self.make_ctx(&info, info.structure, cur, false)
        };
        let n = ctx.mb_w * ctx.mb_h;
        self.sc.decoded.clear();
        self.sc.decoded.resize(n, false);
        self.sc.used_missing = false;
        u.active = Some(ctx);
        Ok(())
    }

    /// Finish the picture being decoded (conceal what is missing) and, when
    /// its frame is complete, produce the output frame.
    fn end_picture(&mut self, u: &mut Unit) -> Result<(), Mpeg2Error> {
        if u.active.is_none() {
            if let Some(info) = u.pic.take() {
                // Picture header without any slice.
                self.begin_picture(u, info)?;
                u.errors = true;
            }
        }
        let Some(ctx) = u.active.take() else {
            return Ok(());
        };
        let mut concealed = false;
        for mby in 0..ctx.mb_h {
            for mbx in 0..ctx.mb_w {
                if !self.sc.decoded[mby * ctx.mb_w + mbx] {
                    slice::conceal_mb(&ctx, &mut self.pics, &mut self.sc, mbx, mby);
                    concealed = true;
                }
            }
        }
        if concealed || self.sc.used_missing {
            u.errors = true;
        }
        if u.frame.as_ref().is_some_and(|f| !f.need_second) {
            if let Some(f) = u.frame.take() {
                u.out = Some(self.output(&f));
            }
        }
        Ok(())
    }

    fn conceal_missing_field(&mut self, f: &FrameProg) {
        if !f.need_second || self.pics.len() != 4 {
            return;
        }
        let structure = if f.first_structure == STRUCT_TOP {
            STRUCT_BOTTOM
        } else {
            STRUCT_TOP
        };
        let ctx = self.make_ctx(&f.first, structure, f.cur, true);
        for mby in 0..ctx.mb_h {
            for mbx in 0..ctx.mb_w {
                slice::conceal_mb(&ctx, &mut self.pics, &mut self.sc, mbx, mby);
            }
        }
    }

    fn output(&self, f: &FrameProg) -> Frame {
        let (w, h) = self
            .seq
            .as_ref()
            .map_or((0, 0), |s| (s.h_size as usize, s.v_size as usize));
        let pic = &self.pics[f.cur];
        let crop = |p: usize, w: usize, h: usize| -> Vec<u8> {
            let mut out = Vec::with_capacity(w * h);
            let stride = pic.stride[p];
            for r in 0..h.min(pic.height[p]) {
                out.extend_from_slice(&pic.planes[p][r * stride..r * stride + w.min(stride)]);
            }
            out.resize(w * h, 128);
            out
        };
        let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
        let info = &f.first;
        Frame {
            width: w as u32,
            height: h as u32,
            y: crop(0, w, h),
            u: crop(1, cw, ch),
            v: crop(2, cw, ch),
            picture_type: match info.coding_type {
                1 => PictureType::I,
                2 => PictureType::P,
                _ => PictureType::B,
            },
            // For field pairs: whether the top field was coded first.
            top_field_first: if f.first_structure == STRUCT_FRAME {
                info.top_field_first
            } else {
                f.first_structure == STRUCT_TOP
            },
            repeat_first_field: info.repeat_first_field,
            progressive_frame: info.progressive_frame,
            temporal_reference: info.temporal_reference,
        }
    }
}
