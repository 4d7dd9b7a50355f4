//! H.264 elementary-stream analysis: NAL units, parameter sets, access units
//! and random-access points. No pixels here: decoding lives in `decode`.

use std::collections::HashMap;

pub use super::nal::{nal_ranges, unescape, BitReader};
use super::nal::{PesMeta, StartCodeStream};
use super::{AccessUnit, RandomAccess};
use crate::error::{Error, Result};

/// NAL unit types used here.
pub mod nal_type {
    pub const SLICE: u8 = 1;
    pub const SLICE_DPA: u8 = 2;
    pub const IDR: u8 = 5;
    pub const SEI: u8 = 6;
    pub const SPS: u8 = 7;
    pub const PPS: u8 = 8;
    pub const AUD: u8 = 9;
    pub const END_OF_SEQUENCE: u8 = 10;
    pub const FILLER: u8 = 12;
}

/// What Fanout needs to know from a sequence parameter set.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Sps {
    pub id: u32,
    pub profile_idc: u8,
    pub level_idc: u8,
    pub chroma_format_idc: u32,
    pub bit_depth: u8,
    pub bit_depth_chroma: u8,
    pub lossless: bool,
    pub log2_max_frame_num: u32,
    pub poc_type: u32,
    /// `log2_max_pic_order_cnt_lsb` (POC type 0 only).
    pub log2_max_poc_lsb: u32,
    pub frame_mbs_only: bool,
    pub mbaff: bool,
    /// Visible size after cropping.
    pub width: u32,
    pub height: u32,
    /// Decoded size before cropping (what a decoder allocates).
    pub coded_width: u32,
    pub coded_height: u32,
    /// Sample aspect ratio from the VUI, when present.
    pub sample_aspect: Option<(u32, u32)>,
    /// Frame rate `(num, den)` from VUI timing, when present.
    pub frame_rate: Option<(u32, u32)>,
    /// Picture timing SEIs carry `pic_struct` (VUI `pic_struct_present_flag`).
    pub pic_struct_present: bool,
    /// Bit lengths of `cpb_removal_delay` and `dpb_output_delay`, which
    /// precede `pic_struct` in a picture timing SEI when the VUI has HRD
    /// parameters.
    pub hrd_delay_bits: Option<(u32, u32)>,
}

/// Reads `hrd_parameters()`; returns the (cpb_removal_delay,
/// dpb_output_delay) lengths in bits.
fn read_hrd(r: &mut BitReader) -> Result<(u32, u32), &'static str> {
    let cpb_count = r.ue()?.saturating_add(1);
    if cpb_count > 32 {
        return Err("HRD cpb_cnt out of range");
    }
    r.bits(8)?; // bit_rate_scale, cpb_size_scale
    for _ in 0..cpb_count {
        r.ue()?;
        r.ue()?;
        r.flag()?;
    }
    r.bits(5)?; // initial_cpb_removal_delay_length_minus1
    let cpb_removal = r.bits(5)? + 1;
    let dpb_output = r.bits(5)? + 1;
    r.bits(5)?; // time_offset_length
    Ok((cpb_removal, dpb_output))
}

fn skip_scaling_list(r: &mut BitReader, size: usize) -> Result<(), &'static str> {
    let (mut last, mut next) = (8i32, 8i32);
    for _ in 0..size {
        if next != 0 {
            let delta = r.se()?;
            if !(-128..=127).contains(&delta) {
                return Err("scaling list delta out of range");
            }
            next = (last + delta + 256) % 256;
        }
        last = if next == 0 { last } else { next };
    }
    Ok(())
}

impl Sps {
    /// Parses an SPS NAL unit (with its header byte, escaped).
    pub fn parse(nal: &[u8]) -> Result<Sps, &'static str> {
        let rbsp = unescape(nal.get(1..).ok_or("empty SPS")?);
        let mut r = BitReader::new(&rbsp);
        let profile_idc = r.bits(8)? as u8;
        r.bits(8)?; // constraint flags
        let level_idc = r.bits(8)? as u8;
        let id = r.ue()?;
        let mut chroma_format_idc = 1;
        let (mut bit_depth, mut bit_depth_chroma, mut lossless) = (8, 8, false);
        if matches!(
            profile_idc,
            100 | 110 | 122 | 244 | 44 | 83 | 86 | 118 | 128 | 138 | 139 | 134 | 135
        ) {
            chroma_format_idc = r.ue()?;
            if chroma_format_idc == 3 {
                r.flag()?; // separate_colour_plane_flag
            }
            bit_depth = r.ue()?.saturating_add(8).min(255) as u8;
            bit_depth_chroma = r.ue()?.saturating_add(8).min(255) as u8;
            lossless = r.flag()?;
            if r.flag()? {
                for i in 0..if chroma_format_idc == 3 { 12 } else { 8 } {
                    if r.flag()? {
                        skip_scaling_list(&mut r, if i < 6 { 16 } else { 64 })?;
                    }
                }
            }
        }
        let log2_max_frame_num = r.ue()?.saturating_add(4);
        if log2_max_frame_num > 16 {
            return Err("SPS log2_max_frame_num out of range");
        }
        let poc_type = r.ue()?;
        let mut log2_max_poc_lsb = 0;
        if poc_type == 0 {
            log2_max_poc_lsb = r.ue()?.saturating_add(4);
            if log2_max_poc_lsb > 16 {
                return Err("SPS log2_max_pic_order_cnt_lsb out of range");
            }
        } else if poc_type == 1 {
            r.flag()?;
            r.se()?;
            r.se()?;
            let n = r.ue()?;
            if n > 255 {
                return Err("SPS poc cycle too long");
            }
            for _ in 0..n {
                r.se()?;
            }
        }
        r.ue()?; // max_num_ref_frames
        r.flag()?; // gaps_in_frame_num_allowed
        let width_mbs = r.ue()?.saturating_add(1);
        let height_map_units = r.ue()?.saturating_add(1);
        let frame_mbs_only = r.flag()?;
        let mbaff = if !frame_mbs_only { r.flag()? } else { false };
        r.flag()?; // direct_8x8_inference
        let height_mbs = height_map_units.saturating_mul(if frame_mbs_only { 1 } else { 2 });
        let (mut crop_l, mut crop_r, mut crop_t, mut crop_b) = (0, 0, 0, 0);
        if r.flag()? {
            crop_l = r.ue()?;
            crop_r = r.ue()?;
            crop_t = r.ue()?;
            crop_b = r.ue()?;
        }
        let (unit_x, unit_y) = match chroma_format_idc {
            1 => (2, 2),
            2 => (2, 1),
            _ => (1, 1),
        };
        let unit_y = unit_y * if frame_mbs_only { 1 } else { 2 };
        let coded_w = width_mbs.checked_mul(16).ok_or("SPS width overflow")?;
        let coded_h = height_mbs.checked_mul(16).ok_or("SPS height overflow")?;
        let width = coded_w
            .checked_sub(crop_l.saturating_add(crop_r).saturating_mul(unit_x))
            .ok_or("SPS cropping larger than the picture")?;
        let height = coded_h
            .checked_sub(crop_t.saturating_add(crop_b).saturating_mul(unit_y))
            .ok_or("SPS cropping larger than the picture")?;
        let mut sample_aspect = None;
        let mut frame_rate = None;
        let mut pic_struct_present = false;
        let mut hrd_delay_bits = None;
        if r.flag().unwrap_or(false) {
            // VUI: read what we need, tolerate truncation.
            let vui = (|| -> Result<(), &'static str> {
                if r.flag()? {
                    let idc = r.bits(8)?;
                    const TABLE: [(u32, u32); 17] = [
                        (0, 0),
                        (1, 1),
                        (12, 11),
                        (10, 11),
                        (16, 11),
                        (40, 33),
                        (24, 11),
                        (20, 11),
                        (32, 11),
                        (80, 33),
                        (18, 11),
                        (15, 11),
                        (64, 33),
                        (160, 99),
                        (4, 3),
                        (3, 2),
                        (2, 1),
                    ];
                    let sar = if idc == 255 {
                        (r.bits(16)?, r.bits(16)?)
                    } else {
                        TABLE.get(idc as usize).copied().unwrap_or((0, 0))
                    };
                    if sar.0 > 0 && sar.1 > 0 {
                        sample_aspect = Some(sar);
                    }
                }
                if r.flag()? {
                    r.flag()?; // overscan_appropriate
                }
                if r.flag()? {
                    r.bits(4)?;
                    if r.flag()? {
                        r.bits(24)?;
                    }
                }
                if r.flag()? {
                    r.ue()?;
                    r.ue()?;
                }
                if r.flag()? {
                    let units = r.bits(32)?;
                    let scale = r.bits(32)?;
                    if units > 0 && scale > 0 {
                        // Frame rate is time_scale / (2 * num_units_in_tick).
                        frame_rate = Some((scale, units.saturating_mul(2)));
                    }
                    r.flag()?; // fixed_frame_rate
                }
                let nal_hrd = if r.flag()? {
                    Some(read_hrd(&mut r)?)
                } else {
                    None
                };
                let vcl_hrd = if r.flag()? {
                    Some(read_hrd(&mut r)?)
                } else {
                    None
                };
                hrd_delay_bits = nal_hrd.or(vcl_hrd);
                if hrd_delay_bits.is_some() {
                    r.flag()?; // low_delay_hrd
                }
                pic_struct_present = r.flag()?;
                Ok(())
            })();
            let _ = vui;
        }
        Ok(Sps {
            id,
            profile_idc,
            level_idc,
            chroma_format_idc,
            bit_depth,
            bit_depth_chroma,
            lossless,
            log2_max_frame_num,
            poc_type,
            log2_max_poc_lsb,
            frame_mbs_only,
            mbaff,
            width,
            height,
            coded_width: coded_w,
            coded_height: coded_h,
            sample_aspect,
            frame_rate,
            pic_struct_present,
            hrd_delay_bits,
        })
    }

    /// Whether the stream can hold interlaced pictures (MBAFF or fields).
    pub fn interlaced(&self) -> bool {
        !self.frame_mbs_only
    }

    /// Rejects what neither decoder handles, naming the feature.
    pub fn check_supported(&self) -> Result<()> {
        let feature = match self.chroma_format_idc {
            0 | 1 => None,
            2 => Some("4:2:2 chroma".to_string()),
            3 => Some("4:4:4 chroma".to_string()),
            n => Some(format!("chroma_format_idc {n}")),
        }
        .or_else(|| {
            (!matches!(self.bit_depth, 8 | 10) || self.bit_depth_chroma != self.bit_depth).then(
                || {
                    format!(
                        "{}-bit luma / {}-bit chroma (8 and 10 bits are supported)",
                        self.bit_depth, self.bit_depth_chroma
                    )
                },
            )
        })
        .or_else(|| {
            self.lossless
                .then(|| "lossless coding (transform bypass)".into())
        });
        match feature {
            Some(f) => Err(Error::UnsupportedFeature(format!(
                "H.264 {f} (profile_idc {})",
                self.profile_idc
            ))),
            None => Ok(()),
        }
    }
}

/// The parts of a picture parameter set needed to read slice headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pps {
    pub id: u32,
    pub sps_id: u32,
    pub slice_groups: u32,
    /// Frame pictures carry `delta_pic_order_cnt_bottom` (the bottom
    /// field's POC relative to the top's: which field comes first).
    pub bottom_field_pic_order_present: bool,
}

impl Pps {
    /// Parses a PPS NAL unit (with its header byte, escaped).
    pub fn parse(nal: &[u8]) -> Result<Pps, &'static str> {
        let rbsp = unescape(nal.get(1..).ok_or("empty PPS")?);
        let mut r = BitReader::new(&rbsp);
        let id = r.ue()?;
        let sps_id = r.ue()?;
        r.flag()?; // entropy_coding_mode
        let bottom_field_pic_order_present = r.flag()?;
        let slice_groups = r.ue()?.saturating_add(1);
        Ok(Pps {
            id,
            sps_id,
            slice_groups,
            bottom_field_pic_order_present,
        })
    }
}

/// First fields of a slice header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SliceHeader {
    pub first_mb: u32,
    /// slice_type modulo 5: 0 P, 1 B, 2 I, 3 SP, 4 SI.
    pub slice_type: u32,
    pub pps_id: u32,
    pub frame_num: u32,
    pub field_pic: bool,
    pub bottom_field: bool,
    /// `nal_ref_idc != 0`.
    pub is_reference: bool,
    /// `delta_pic_order_cnt_bottom` of a frame picture (POC type 0), when coded.
    pub delta_poc_bottom: Option<i32>,
}

/// Parameter sets seen so far, to read slice headers.
#[derive(Clone, Debug, Default)]
pub struct ParameterSets {
    pub sps: HashMap<u32, (Sps, Vec<u8>)>,
    pub pps: HashMap<u32, (Pps, Vec<u8>)>,
    /// Counts changes (a new id, or new bytes for a known one).
    pub version: u64,
}

impl ParameterSets {
    /// Parses a slice header's first fields.
    pub fn slice_header(&self, nal: &[u8]) -> Result<SliceHeader, &'static str> {
        let head = &nal[..nal.len().min(64)];
        let rbsp = unescape(head.get(1..).ok_or("empty slice")?);
        let mut r = BitReader::new(&rbsp);
        let first_mb = r.ue()?;
        let slice_type = r.ue()? % 5;
        let pps_id = r.ue()?;
        let (pps, _) = self
            .pps
            .get(&pps_id)
            .ok_or("slice refers to a missing PPS")?;
        let (sps, _) = self
            .sps
            .get(&pps.sps_id)
            .ok_or("slice refers to a missing SPS")?;
        let frame_num = r.bits(sps.log2_max_frame_num)?;
        let (mut field_pic, mut bottom_field) = (false, false);
        if !sps.frame_mbs_only {
            field_pic = r.flag()?;
            if field_pic {
                bottom_field = r.flag()?;
            }
        }
        let mut delta_poc_bottom = None;
        if !field_pic && sps.poc_type == 0 && pps.bottom_field_pic_order_present {
            // What follows is optional for the callers: a truncated header
            // still gives the fields above.
            let poc = (|| -> Result<i32, &'static str> {
                if nal[0] & 0x1f == nal_type::IDR {
                    r.ue()?; // idr_pic_id
                }
                r.bits(sps.log2_max_poc_lsb)?;
                r.se()
            })();
            delta_poc_bottom = poc.ok();
        }
        Ok(SliceHeader {
            first_mb,
            slice_type,
            pps_id,
            frame_num,
            field_pic,
            bottom_field,
            is_reference: nal[0] & 0x60 != 0,
            delta_poc_bottom,
        })
    }

    /// The SPS a slice's PPS points to.
    pub fn sps_for_pps(&self, pps_id: u32) -> Option<&Sps> {
        let (pps, _) = self.pps.get(&pps_id)?;
        self.sps.get(&pps.sps_id).map(|(s, _)| s)
    }
}

/// The messages of an SEI NAL unit (with its header byte, escaped), as
/// `(payload_type, payload)` pairs of the unescaped RBSP.
pub fn sei_messages(nal: &[u8]) -> Vec<(usize, Vec<u8>)> {
    let rbsp = unescape(nal.get(1..).unwrap_or(&[]));
    let mut messages = Vec::new();
    let mut pos = 0;
    // A varying-length number: a run of 0xff bytes plus the byte after.
    let read_number = |pos: &mut usize| -> Option<usize> {
        let mut n = 0usize;
        while *rbsp.get(*pos)? == 0xff {
            n += 255;
            *pos += 1;
        }
        n += usize::from(*rbsp.get(*pos)?);
        *pos += 1;
        Some(n)
    };
    while pos < rbsp.len() && rbsp[pos] != 0x80 {
        let (Some(payload_type), Some(size)) = (read_number(&mut pos), read_number(&mut pos))
        else {
            break;
        };
        let Some(payload) = rbsp.get(pos..pos + size) else {
            break;
        };
        messages.push((payload_type, payload.to_vec()));
        pos += size;
    }
    messages
}

/// Whether an SEI NAL carries a recovery point (payload type 6).
pub fn sei_has_recovery_point(nal: &[u8]) -> bool {
    sei_messages(nal).iter().any(|(t, _)| *t == 6)
}

/// `pic_struct` of a picture timing SEI (payload type 1), when the SPS says
/// it is there: 1/2 a top/bottom field, 3/5 top field first, 4/6 bottom
/// field first, 7/8 frame doubling/tripling.
pub fn sei_pic_struct(nal: &[u8], sps: &Sps) -> Option<u8> {
    if !sps.pic_struct_present {
        return None;
    }
    let (_, payload) = sei_messages(nal).into_iter().find(|(t, _)| *t == 1)?;
    let mut r = BitReader::new(&payload);
    if let Some((cpb, dpb)) = sps.hrd_delay_bits {
        r.bits(cpb).ok()?;
        r.bits(dpb).ok()?;
    }
    Some(r.bits(4).ok()? as u8)
}

/// Field order a `pic_struct` states: `Some(true)` bottom field first.
fn pic_struct_bottom_first(pic_struct: u8) -> Option<bool> {
    match pic_struct {
        3 | 5 => Some(false),
        4 | 6 => Some(true),
        _ => None,
    }
}

/// Splits a stream of H.264 PES payloads into access units, with or without
/// access-unit delimiters, keeping the parameter sets up to date.
#[derive(Default)]
pub struct AccessUnitSplitter {
    params: ParameterSets,
    current: Option<AccessUnit>,
    /// The current unit already holds a slice (VCL NAL).
    has_slice: bool,
    last_slice: Option<SliceHeader>,
    recovery_sei: bool,
    /// A P or B slice was seen in the current unit.
    saw_inter: bool,
    /// The current unit already holds both fields of a pair.
    paired: bool,
    /// The second field has P or B slices.
    second_field_inter: bool,
    /// Non-VCL NAL units after a lone field, held until the next slice says
    /// whether they open its second field or the next frame.
    held_nals: Vec<(Vec<u8>, Option<PesMeta>)>,
    /// Field order of the current unit, when it states one: `true` bottom
    /// field first.
    field_order: Option<bool>,
    /// Field order of the last unit, for units that state none.
    last_bottom_first: bool,
    ready: std::collections::VecDeque<AccessUnit>,
    /// Errors in parameter sets (reported once each).
    pub problems: Vec<String>,
    /// An SPS asked for a picture past [`crate::limits::check_picture`].
    over_limit: Option<String>,
    input: StartCodeStream,
}

impl AccessUnitSplitter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Bytes held: the pending NAL and the unit being built.
    pub fn buffered_bytes(&self) -> usize {
        self.input.buffered_bytes()
            + self.held_nals.iter().map(|(n, _)| n.len()).sum::<usize>()
            + self.current.as_ref().map_or(0, |u| u.data.len())
            + self.ready.iter().map(|u| u.data.len()).sum::<usize>()
    }

    /// Parameter sets seen so far.
    pub fn params(&self) -> &ParameterSets {
        &self.params
    }

    /// Feeds one PES payload. The payloads form one continuous byte stream:
    /// a PES may end in the middle of a NAL unit (some muxers split them),
    /// so the last NAL is held until the next start code arrives.
    pub fn push(
        &mut self,
        data: &[u8],
        pts: Option<i64>,
        dts: Option<i64>,
        offset: u64,
        damaged: bool,
    ) {
        let meta = PesMeta {
            pts,
            dts,
            offset,
            damaged,
        };
        for (nal, meta) in self.input.push_collect(data, meta) {
            self.process_nal(&nal, meta);
        }
    }

    fn process_nal(&mut self, nal: &[u8], meta: Option<PesMeta>) {
        let Some(&first_byte) = nal.first() else {
            return;
        };
        let nal_type = first_byte & 0x1f;
        let is_slice = matches!(
            nal_type,
            nal_type::SLICE | nal_type::IDR | nal_type::SLICE_DPA
        );
        if !is_slice && self.awaiting_second_field() {
            // After a lone field, a delimiter or SEI may open the second
            // field of the same frame (each field is an H.264 access unit of
            // its own: AVCHD cameras and DVB encoders put a delimiter before
            // each) or the next frame. Only the next slice tells.
            self.held_nals.push((nal.to_vec(), meta));
            return;
        }
        let starts_new = match nal_type {
            // Some muxers put an SEI before the delimiter: a unit only
            // ends once it has a picture.
            nal_type::AUD | nal_type::SPS | nal_type::PPS | nal_type::SEI | 14..=18 => {
                self.has_slice
            }
            _ if is_slice => self.slice_starts_new_unit(nal),
            _ => false,
        };
        let held = std::mem::take(&mut self.held_nals);
        if starts_new {
            self.finish_current();
        }
        for (held_nal, held_meta) in held {
            self.append_nal(&held_nal, held_meta);
        }
        self.append_nal(nal, meta);
    }

    /// The current unit is a single field whose pair may still follow.
    fn awaiting_second_field(&self) -> bool {
        self.has_slice && !self.paired && self.last_slice.is_some_and(|h| h.field_pic)
    }

    /// Adds a NAL unit to the current access unit (its boundary decided).
    fn append_nal(&mut self, nal: &[u8], meta: Option<PesMeta>) {
        let first_byte = nal[0];
        let nal_type = first_byte & 0x1f;
        let offset = meta.map_or(0, |m| m.offset);
        let unit = self
            .current
            .get_or_insert_with(|| AccessUnit::starting_at(offset));
        unit.note_pes(meta, !self.has_slice);
        unit.data.extend_from_slice(&[0, 0, 0, 1]);
        unit.data.extend_from_slice(nal);
        match nal_type {
            nal_type::SPS => match Sps::parse(nal) {
                Ok(sps) => {
                    if let Err(Error::Limit(why)) =
                        crate::limits::check_picture(sps.coded_width, sps.coded_height)
                    {
                        self.over_limit
                            .get_or_insert(format!("H.264 SPS {}: {why}", sps.id));
                        return;
                    }
                    if self.params.sps.get(&sps.id).is_none_or(|(_, n)| n != nal) {
                        self.params.version += 1;
                        self.params.sps.insert(sps.id, (sps, nal.to_vec()));
                    }
                }
                Err(why) => self.problems.push(format!("bad SPS: {why}")),
            },
            nal_type::PPS => match Pps::parse(nal) {
                Ok(pps) => {
                    if self.params.pps.get(&pps.id).is_none_or(|(_, n)| n != nal) {
                        self.params.version += 1;
                        self.params.pps.insert(pps.id, (pps, nal.to_vec()));
                    }
                }
                Err(why) => self.problems.push(format!("bad PPS: {why}")),
            },
            nal_type::SEI => {
                self.recovery_sei |= sei_has_recovery_point(nal);
                // The SEI comes before the slices: read it with the SPS the
                // stream uses (one, in practice).
                if !self.has_slice {
                    let sps = self.params.sps.values().next().map(|(s, _)| s);
                    if let Some(order) = sps
                        .and_then(|sps| sei_pic_struct(nal, sps))
                        .and_then(pic_struct_bottom_first)
                    {
                        self.field_order = Some(order);
                    }
                }
            }
            nal_type::SLICE | nal_type::IDR => {
                let header = self.params.slice_header(nal).ok();
                let unit = self.current.as_mut().expect("unit created above");
                unit.is_reference |= first_byte & 0x60 != 0;
                if nal_type == nal_type::IDR {
                    unit.random_access = RandomAccess::Idr;
                }
                if let Some(h) = header {
                    // Only the first field decides whether decoding can start
                    // here: the second may predict from it.
                    if !self.paired {
                        self.saw_inter |= !(h.slice_type == 2 || h.slice_type == 4);
                    } else if !(h.slice_type == 2 || h.slice_type == 4) {
                        self.second_field_inter = true;
                    }
                    if !self.has_slice {
                        // Field pairs: the first field's parity; frames:
                        // pic_struct, else the sign of the bottom field's
                        // POC offset (what FFmpeg reads too).
                        if h.field_pic {
                            self.field_order = Some(h.bottom_field);
                        } else if self.field_order.is_none() {
                            self.field_order = h.delta_poc_bottom.and_then(|d| match d {
                                d if d < 0 => Some(true),
                                d if d > 0 => Some(false),
                                _ => None,
                            });
                        }
                    }
                    // Frames of a stream that may code fields are taken as
                    // interlaced: H.264 has no per-picture progressive flag
                    // Fanout trusts (pic_struct is optional).
                    let interlaced_sps = self
                        .params
                        .sps_for_pps(h.pps_id)
                        .is_some_and(|s| s.mbaff || s.interlaced());
                    unit.interlaced |= h.field_pic || interlaced_sps;
                } else {
                    self.saw_inter = true;
                }
                self.has_slice = true;
                self.last_slice = header;
            }
            _ => {}
        }
    }

    /// A new slice starts a new unit unless it continues the current picture
    /// or is the second field of the current field pair.
    fn slice_starts_new_unit(&mut self, nal: &[u8]) -> bool {
        if !self.has_slice {
            return false;
        }
        let Ok(h) = self.params.slice_header(nal) else {
            return false;
        };
        if h.first_mb != 0 {
            return false;
        }
        match self.last_slice {
            // Second field of a pair: same frame_num, opposite parity, both
            // reference fields or both not (FFmpeg pairs them the same way).
            Some(prev)
                if prev.field_pic
                    && h.field_pic
                    && prev.frame_num == h.frame_num
                    && prev.bottom_field != h.bottom_field
                    && prev.is_reference == h.is_reference
                    && !self.paired =>
            {
                self.paired = true;
                false
            }
            _ => true,
        }
    }

    fn finish_current(&mut self) {
        if let Some(mut unit) = self.current.take() {
            if self.has_slice {
                if unit.random_access == RandomAccess::No && !self.saw_inter {
                    // An intra first field followed by a predicted second
                    // field only counts when an SEI marks the recovery point
                    // (the second field may reach back past the first).
                    unit.random_access = if self.recovery_sei {
                        RandomAccess::RecoveryPoint
                    } else if !self.second_field_inter {
                        RandomAccess::Intra
                    } else {
                        RandomAccess::No
                    };
                }
                // Unknown order (a progressive frame in an interlaced
                // stream): keep the stream's last known order.
                let order = self.field_order.unwrap_or(self.last_bottom_first);
                unit.bottom_field_first = order;
                self.last_bottom_first = order;
                self.ready.push_back(unit);
            }
        }
        self.has_slice = false;
        self.last_slice = None;
        self.recovery_sei = false;
        self.saw_inter = false;
        self.second_field_inter = false;
        self.paired = false;
        self.field_order = None;
    }

    /// Signals the end of the stream.
    pub fn finish(&mut self) {
        if let Some((nal, meta)) = self.input.finish_collect() {
            self.process_nal(&nal, meta);
        }
        for (nal, meta) in std::mem::take(&mut self.held_nals) {
            self.append_nal(&nal, meta);
        }
        self.finish_current();
    }

    /// Next complete access unit.
    pub fn next_unit(&mut self) -> Option<AccessUnit> {
        self.ready.pop_front()
    }
}

impl super::VideoParser for AccessUnitSplitter {
    fn push(&mut self, data: &[u8], meta: PesMeta) {
        AccessUnitSplitter::push(self, data, meta.pts, meta.dts, meta.offset, meta.damaged);
    }

    fn finish(&mut self) {
        AccessUnitSplitter::finish(self);
    }

    fn next_unit(&mut self) -> Option<AccessUnit> {
        AccessUnitSplitter::next_unit(self)
    }

    fn buffered_bytes(&self) -> usize {
        AccessUnitSplitter::buffered_bytes(self)
    }

    fn parameter_sets_version(&self) -> u64 {
        self.params.version
    }

    /// Every SPS, then every PPS, by id.
    fn parameter_sets(&self) -> Vec<u8> {
        let mut sps: Vec<_> = self.params.sps.iter().collect();
        sps.sort_by_key(|(id, _)| **id);
        let mut pps: Vec<_> = self.params.pps.iter().collect();
        pps.sort_by_key(|(id, _)| **id);
        let mut annex_b = Vec::new();
        for nal in sps
            .iter()
            .map(|(_, (_, n))| n)
            .chain(pps.iter().map(|(_, (_, n))| n))
        {
            annex_b.extend_from_slice(&[0, 0, 0, 1]);
            annex_b.extend_from_slice(nal);
        }
        annex_b
    }

    fn format(&self) -> Option<Result<super::StreamFormat>> {
        if let Some(why) = &self.over_limit {
            return Some(Err(Error::Limit(why.clone())));
        }
        let (sps, _) = self.params.sps.values().next()?;
        if let Err(e) = sps.check_supported() {
            return Some(Err(e));
        }
        if let Some((pps, _)) = self.params.pps.values().find(|(p, _)| p.slice_groups > 1) {
            return Some(Err(Error::UnsupportedFeature(format!(
                "H.264 flexible macroblock ordering (FMO, {} slice groups in PPS {})",
                pps.slice_groups, pps.id
            ))));
        }
        Some(Ok(super::StreamFormat {
            codec: super::VideoCodecId::H264,
            width: sps.width,
            height: sps.height,
            bit_depth: sps.bit_depth,
            frame_rate: sps.frame_rate,
            sample_aspect: sps.sample_aspect,
            interlaced: sps.interlaced(),
        }))
    }

    fn take_problems(&mut self) -> Vec<String> {
        std::mem::take(&mut self.problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Baseline 16x16 SPS and PPS from x264.
    const SPS: &[u8] = &[
        0x67, 0x42, 0xc0, 0x0a, 0xd9, 0x1f, 0x88, 0x88, 0xc0, 0x44, 0x00, 0x00, 0x03, 0x00, 0x04,
        0x00, 0x00, 0x03, 0x00, 0xc8, 0x3c, 0x48, 0x99, 0x20,
    ];
    const PPS: &[u8] = &[0x68, 0xcb, 0x83, 0xcb, 0x20];

    fn annex_b(nals: &[&[u8]]) -> Vec<u8> {
        nals.iter()
            .flat_map(|n| [&[0u8, 0, 0, 1][..], n].concat())
            .collect()
    }

    #[test]
    fn units_without_delimiters_keep_their_pes_timestamps() {
        let idr: &[u8] = &[0x65, 0x88, 0x84, 0x00, 0x10];
        let p: &[u8] = &[0x41, 0x9a, 0x02, 0x0c];
        let sei: &[u8] = &[0x06, 0x05, 0x01, 0x30, 0x80];
        let mut s = AccessUnitSplitter::new();
        s.push(&annex_b(&[SPS, PPS, idr]), Some(100), None, 0, false);
        s.push(&annex_b(&[sei, p]), Some(200), None, 188, false);
        s.push(&annex_b(&[sei, p]), Some(300), None, 376, false);
        s.finish();
        let units: Vec<_> = std::iter::from_fn(|| s.next_unit()).collect();
        assert_eq!(units.len(), 3);
        assert_eq!(
            units.iter().map(|u| u.pts).collect::<Vec<_>>(),
            [Some(100), Some(200), Some(300)]
        );
        assert_eq!(units[0].random_access, RandomAccess::Idr);
        assert_eq!(units[1].offset, 188);
    }

    #[test]
    fn a_nal_split_across_pes_packets_is_joined() {
        let idr: &[u8] = &[0x65, 0x88, 0x84, 0x00, 0x10, 0x11, 0x12, 0x13];
        let p: &[u8] = &[0x41, 0x9a, 0x02, 0x0c];
        let whole = annex_b(&[SPS, PPS, idr]);
        let (a, b) = whole.split_at(whole.len() - 3);
        let mut s = AccessUnitSplitter::new();
        s.push(a, Some(100), None, 0, false);
        s.push(b, None, None, 188, false);
        s.push(&annex_b(&[p]), Some(200), None, 376, false);
        s.finish();
        let units: Vec<_> = std::iter::from_fn(|| s.next_unit()).collect();
        assert_eq!(units.len(), 2);
        assert_eq!(units[0].data, whole);
        assert_eq!(units[1].pts, Some(200));
    }
}
