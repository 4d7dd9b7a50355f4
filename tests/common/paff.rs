//! A writer of interlaced H.264 test streams that no encoder here makes:
//! field pictures (PAFF), mixed per picture with MBAFF frames, the way
//! AVCHD cameras and DVB encoders code them, muxed into MPEG-TS.
//!
//! x264 codes interlaced video as MBAFF frames only. This writer codes real
//! pixels (from an ffmpeg-made raw source) losslessly with the two simplest
//! macroblock types: `I_PCM` (raw samples) where a macroblock changed and
//! `P_Skip` (copy the co-located reference, motion vector 0) where it did
//! not. The syntax around them is the full interlaced machinery: field
//! pictures of both parities, field pairs split over access units (each
//! field with its own delimiter, SEI and, optionally, PES packet), MBAFF
//! frames with field and frame macroblock pairs, picture timing SEIs
//! (`pic_struct`), and bottom-field POC offsets. Main profile, CAVLC.

/// How a frame is coded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Structure {
    /// Two field pictures.
    Fields,
    /// One MBAFF frame picture.
    Mbaff,
}

/// What to write.
pub struct PaffStream<'a> {
    pub width: usize,
    pub height: usize,
    /// yuv420p frames, `width * height * 3 / 2` bytes each, 25 per second.
    pub frames: &'a [Vec<u8>],
    pub gop: usize,
    pub top_field_first: bool,
    /// Structure of frame `i`.
    pub structure: &'a dyn Fn(usize) -> Structure,
    /// Each field in its own PES packet with its own timestamp (DVB style);
    /// otherwise one PES per frame (AVCHD style).
    pub pes_per_field: bool,
    /// Frames dropped from the start of the stream after coding: the stream
    /// then starts mid-GOP, with pictures whose references are missing.
    pub drop_first: usize,
}

use super::tswrite::{nal, packets, section, timestamp, BitWriter};

const FRAME_TICKS: u64 = 3600; // 25 fps on the 90 kHz clock
const VIDEO_PID: u16 = 0x100;
const PMT_PID: u16 = 0x1000;

fn sps(width: usize, height: usize) -> Vec<u8> {
    let mut w = BitWriter::new();
    w.put(8, 77); // Main
    w.put(8, 0);
    w.put(8, 30); // level 3.0
    w.ue(0); // sps id
    w.ue(0); // log2_max_frame_num - 4
    w.ue(0); // poc type 0
    w.ue(4); // log2_max_poc_lsb - 4
    w.ue(2); // max_num_ref_frames
    w.flag(false); // gaps
    w.ue((width / 16 - 1) as u32);
    w.ue((height / 32 - 1) as u32); // map units are macroblock pairs
    w.flag(false); // frame_mbs_only
    w.flag(true); // mb_adaptive_frame_field
    w.flag(true); // direct_8x8_inference
    w.flag(false); // cropping
    w.flag(true); // VUI
    w.flag(false); // aspect ratio
    w.flag(false); // overscan
    w.flag(false); // video signal type
    w.flag(false); // chroma location
    w.flag(true); // timing
    w.put(32, 1); // num_units_in_tick
    w.put(32, 50); // time_scale: 25 frames/s
    w.flag(true); // fixed frame rate
    w.flag(false); // NAL HRD
    w.flag(false); // VCL HRD
    w.flag(true); // pic_struct_present
    w.flag(false); // bitstream restriction
    nal(0x67, &w.trailing())
}

fn pps() -> Vec<u8> {
    let mut w = BitWriter::new();
    w.ue(0);
    w.ue(0);
    w.flag(false); // CAVLC
    w.flag(true); // bottom_field_pic_order_in_frame_present
    w.ue(0); // one slice group
    w.ue(0); // num_ref_idx_l0_default_active - 1
    w.ue(0);
    w.flag(false); // weighted pred
    w.put(2, 0);
    w.se(0); // pic_init_qp - 26
    w.se(0);
    w.se(0); // chroma_qp_index_offset
    w.flag(false); // deblocking control
    w.flag(false); // constrained intra
    w.flag(false); // redundant_pic_cnt
    nal(0x68, &w.trailing())
}

fn aud(intra: bool) -> Vec<u8> {
    let mut w = BitWriter::new();
    w.put(3, if intra { 0 } else { 1 });
    nal(0x09, &w.trailing())
}

/// Picture timing SEI with `pic_struct` and no clock timestamps.
fn pic_timing(pic_struct: u8) -> Vec<u8> {
    let clocks = if pic_struct >= 3 { 2 } else { 1 };
    let mut p = BitWriter::new();
    p.put(4, u64::from(pic_struct));
    for _ in 0..clocks {
        p.flag(false);
    }
    if p.bit != 0 {
        p.put(1, 1);
        p.align_zero();
    }
    let payload = p.bytes;
    let mut rbsp = vec![1, payload.len() as u8];
    rbsp.extend_from_slice(&payload);
    rbsp.push(0x80);
    nal(0x06, &rbsp)
}

/// A picture being coded: which lines of the frame each macroblock covers.
#[derive(Clone, Copy)]
enum Picture {
    Field { bottom: bool },
    Mbaff,
}

struct Frame<'a> {
    data: &'a [u8],
    width: usize,
    height: usize,
}

impl Frame<'_> {
    fn plane(&self, p: usize) -> (&[u8], usize, usize) {
        let (w, h) = (self.width, self.height);
        let y = w * h;
        let c = y / 4;
        match p {
            0 => (&self.data[..y], w, h),
            1 => (&self.data[y..y + c], w / 2, h / 2),
            _ => (&self.data[y + c..y + 2 * c], w / 2, h / 2),
        }
    }
}

/// Frame rows of one macroblock in plane `p` (`size` 16 luma, 8 chroma):
/// `(first row, row step)`.
fn mb_rows(
    picture: Picture,
    field_pair: bool,
    mb_x_y: (usize, usize),
    size: usize,
) -> (usize, usize) {
    let (_, y) = mb_x_y;
    match picture {
        Picture::Field { bottom } => (2 * y * size + usize::from(bottom), 2),
        Picture::Mbaff => {
            let (pair, lower) = (y / 2, y % 2 == 1);
            if field_pair {
                (pair * 2 * size + usize::from(lower), 2)
            } else {
                (pair * 2 * size + usize::from(lower) * size, 1)
            }
        }
    }
}

/// The samples of one macroblock (luma, then Cb, then Cr).
fn mb_samples(frame: &Frame, picture: Picture, field_pair: bool, mb: (usize, usize)) -> Vec<u8> {
    let mut out = Vec::with_capacity(384);
    for p in 0..3 {
        let size = if p == 0 { 16 } else { 8 };
        let (plane, stride, _) = frame.plane(p);
        let (first, step) = mb_rows(picture, field_pair, mb, size);
        for r in 0..size {
            let row = first + r * step;
            let x = mb.0 * size;
            out.extend_from_slice(&plane[row * stride + x..row * stride + x + size]);
        }
    }
    out
}

/// Codes one picture's slice data; `reference` is the previous decoded
/// frame (`None` for intra pictures). Returns the slice's macroblock layer.
fn slice_data(w: &mut BitWriter, frame: &Frame, reference: Option<&Frame>, picture: Picture) {
    let mbs_w = frame.width / 16;
    let rows = match picture {
        Picture::Field { .. } => frame.height / 32,
        Picture::Mbaff => frame.height / 16,
    };
    // Macroblock addresses: raster order for fields; pairs (top, bottom)
    // in raster order of pairs for MBAFF frames.
    let mut order = Vec::new();
    match picture {
        Picture::Field { .. } => {
            for y in 0..rows {
                for x in 0..mbs_w {
                    order.push((x, y, false));
                }
            }
        }
        Picture::Mbaff => {
            for pair_y in 0..rows / 2 {
                for x in 0..mbs_w {
                    // Alternate field and frame pairs.
                    let field = (x + pair_y) % 2 == 0;
                    order.push((x, 2 * pair_y, field));
                    order.push((x, 2 * pair_y + 1, field));
                }
            }
        }
    }
    let mut skip_run = 0;
    let mut k = 0;
    while k < order.len() {
        let (x, y, field) = order[k];
        // MBAFF pairs are coded or skipped together.
        let group = if matches!(picture, Picture::Mbaff) {
            2
        } else {
            1
        };
        let changed = (0..group).any(|g| {
            let (gx, gy, gf) = order[k + g];
            reference.is_none_or(|r| {
                mb_samples(frame, picture, gf, (gx, gy)) != mb_samples(r, picture, gf, (gx, gy))
            })
        });
        if !changed {
            skip_run += group as u32;
            k += group;
            continue;
        }
        for g in 0..group {
            let (gx, gy, gf) = order[k + g];
            if reference.is_some() {
                w.ue(skip_run);
                skip_run = 0;
            }
            if matches!(picture, Picture::Mbaff) && g == 0 {
                w.flag(gf); // mb_field_decoding_flag
            }
            // I_PCM: 25 in an I slice, 5 + 25 in a P slice.
            w.ue(if reference.is_some() { 30 } else { 25 });
            w.align_zero();
            w.bytes_raw(&mb_samples(frame, picture, gf, (gx, gy)));
        }
        let _ = (x, y, field);
        k += group;
    }
    if skip_run > 0 {
        w.ue(skip_run);
    }
}

/// One picture as NAL units.
#[allow(clippy::too_many_arguments)]
fn picture_nals(
    frame: &Frame,
    reference: Option<&Frame>,
    picture: Picture,
    idr: bool,
    intra: bool,
    frame_num: u32,
    poc_lsb: u32,
    delta_poc_bottom: Option<i32>,
) -> Vec<u8> {
    let mut w = BitWriter::new();
    w.ue(0); // first_mb_in_slice
    w.ue(if intra { 7 } else { 5 });
    w.ue(0); // pps id
    w.put(4, u64::from(frame_num));
    match picture {
        Picture::Field { bottom } => {
            w.flag(true);
            w.flag(bottom);
        }
        Picture::Mbaff => w.flag(false),
    }
    if idr {
        w.ue(0); // idr_pic_id
    }
    w.put(8, u64::from(poc_lsb));
    if let Some(d) = delta_poc_bottom {
        w.se(d);
    }
    if !intra {
        w.flag(false); // num_ref_idx_active_override
        w.flag(false); // ref_pic_list_modification_flag_l0
    }
    // dec_ref_pic_marking (every picture is a reference)
    if idr {
        w.flag(false);
        w.flag(false);
    } else {
        w.flag(false);
    }
    w.se(0); // slice_qp_delta
    slice_data(&mut w, frame, if intra { None } else { reference }, picture);
    let header = if idr { 0x65 } else { 0x61 }; // nal_ref_idc 3 / 3
    nal(header, &w.trailing())
}

/// The elementary stream, as (bytes, pts) per PES packet.
fn elementary(s: &PaffStream) -> Vec<(Vec<u8>, u64)> {
    let frame = |i: usize| Frame {
        data: &s.frames[i],
        width: s.width,
        height: s.height,
    };
    let mut pes = Vec::new();
    let mut frame_num = 0u32;
    let mut gop_start = 0;
    for i in 0..s.frames.len() {
        let idr = i % s.gop == 0;
        if idr {
            frame_num = 0;
            gop_start = i;
        }
        let base = (4 * (i - gop_start)) as u32 % 256;
        let current = frame(i);
        let previous = (i > 0).then(|| frame(i - 1));
        let pts = 126_000 + i as u64 * FRAME_TICKS;
        let mut head = Vec::new();
        if idr {
            head.extend(sps(s.width, s.height));
            head.extend(pps());
        }
        match (s.structure)(i) {
            Structure::Fields => {
                let first_bottom = !s.top_field_first;
                let mut fields = Vec::new();
                for (n, bottom) in [first_bottom, !first_bottom].into_iter().enumerate() {
                    let mut f = aud(idr);
                    if n == 0 {
                        f.extend(std::mem::take(&mut head));
                    }
                    f.extend(pic_timing(if bottom { 2 } else { 1 }));
                    // The IDR frame's second field is a non-IDR I field.
                    f.extend(picture_nals(
                        &current,
                        previous.as_ref(),
                        Picture::Field { bottom },
                        idr && n == 0,
                        idr,
                        frame_num,
                        base + n as u32,
                        None,
                    ));
                    fields.push(f);
                }
                if s.pes_per_field {
                    pes.push((fields[0].clone(), pts));
                    pes.push((fields[1].clone(), pts + FRAME_TICKS / 2));
                } else {
                    pes.push((fields.concat(), pts));
                }
            }
            Structure::Mbaff => {
                let mut f = aud(idr);
                f.extend(head);
                f.extend(pic_timing(if s.top_field_first { 3 } else { 4 }));
                // The first field's POC is `base`, the second's `base + 1`.
                let (top_poc, delta) = if s.top_field_first {
                    (base, 1)
                } else {
                    (base + 1, -1)
                };
                f.extend(picture_nals(
                    &current,
                    previous.as_ref(),
                    Picture::Mbaff,
                    idr,
                    idr,
                    frame_num,
                    top_poc,
                    Some(delta),
                ));
                pes.push((f, pts));
            }
        }
        frame_num = (frame_num + 1) % 16;
    }
    let dropped = pes
        .iter()
        .position(|(_, pts)| *pts >= 126_000 + s.drop_first as u64 * FRAME_TICKS)
        .unwrap_or(pes.len());
    pes.drain(..dropped);
    pes
}

impl PaffStream<'_> {
    /// The whole transport stream.
    pub fn to_ts(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let (mut cc_pat, mut cc_pmt, mut cc_video) = (0u8, 0u8, 0u8);
        let pat = section(0x00, 1, &[0, 1, 0xe0 | (PMT_PID >> 8) as u8, PMT_PID as u8]);
        let pmt_body = [
            0xe0 | (VIDEO_PID >> 8) as u8,
            VIDEO_PID as u8,
            0xf0,
            0,
            0x1b,
            0xe0 | (VIDEO_PID >> 8) as u8,
            VIDEO_PID as u8,
            0xf0,
            0,
        ];
        let pmt = section(0x02, 1, &pmt_body);
        for (n, (es, pts)) in elementary(self).into_iter().enumerate() {
            if n % 10 == 0 {
                packets(&mut out, 0, &mut cc_pat, &pat, None);
                packets(&mut out, PMT_PID, &mut cc_pmt, &pmt, None);
            }
            let mut pes = vec![0, 0, 1, 0xe0, 0, 0, 0x80, 0xc0, 10];
            pes.extend_from_slice(&timestamp(3, pts));
            pes.extend_from_slice(&timestamp(1, pts));
            pes.extend(es);
            let pcr = pts - 9000;
            packets(&mut out, VIDEO_PID, &mut cc_video, &pes, Some(pcr));
        }
        out
    }
}
