//! HEVC (H.265) elementary-stream analysis: NAL units, VPS/SPS/PPS, access
//! units and random-access points (IDR, CRA, BLA).
//!
//! Parameter sets are parsed with `rusty_h265`'s own parser (the decoder
//! Fanout uses), so what the planner believes about a stream is what the
//! decoder will see.

use std::collections::BTreeMap;

use super::nal::{PesMeta, StartCodeStream};
use super::{AccessUnit, RandomAccess, StreamFormat, VideoCodecId, VideoParser};
use crate::error::{Error, Result};

/// NAL unit types used here (H.265 table 7-1).
pub mod nal_type {
    pub const BLA_W_LP: u8 = 16;
    pub const BLA_N_LP: u8 = 18;
    pub const IDR_W_RADL: u8 = 19;
    pub const IDR_N_LP: u8 = 20;
    pub const CRA: u8 = 21;
    /// Last of the reserved IRAP types; VCL types end at 31.
    pub const RSV_IRAP_23: u8 = 23;
    pub const VPS: u8 = 32;
    pub const SPS: u8 = 33;
    pub const PPS: u8 = 34;
    pub const AUD: u8 = 35;
    pub const PREFIX_SEI: u8 = 39;
}

/// `nal_unit_type` of a NAL unit (with its 2-byte header).
pub fn nal_unit_type(nal: &[u8]) -> u8 {
    nal.first().map_or(0xff, |b| (b >> 1) & 0x3f)
}

fn layer_id(nal: &[u8]) -> u8 {
    match nal {
        [a, b, ..] => ((a & 1) << 5) | (b >> 3),
        _ => 0,
    }
}

fn is_vcl(nal_type: u8) -> bool {
    nal_type < 32
}

/// A NAL type that opens a new access unit once the current one has a picture
/// (H.265 7.4.2.4.4).
fn starts_access_unit(nal_type: u8) -> bool {
    matches!(nal_type, 32..=35 | 39 | 41..=44 | 48..=55)
}

/// The random-access kind of a picture's NAL type.
fn random_access(nal_type: u8) -> RandomAccess {
    match nal_type {
        nal_type::IDR_W_RADL | nal_type::IDR_N_LP => RandomAccess::Idr,
        // CRA and BLA: their RASL pictures reference what came before (they
        // belong to the previous chunk); RADL ones decode from here.
        nal_type::BLA_W_LP..=nal_type::BLA_N_LP | nal_type::CRA => RandomAccess::RecoveryPoint,
        22..=nal_type::RSV_IRAP_23 => RandomAccess::Intra,
        _ => RandomAccess::No,
    }
}

/// The parameter sets' raw NAL units (escaped, with their 2-byte header).
#[derive(Default, Clone, Debug)]
pub struct HevcParameterSets {
    pub vps: BTreeMap<u8, Vec<u8>>,
    pub sps: BTreeMap<u8, Vec<u8>>,
    pub pps: BTreeMap<u8, Vec<u8>>,
    /// Counts changes (a new id, or new bytes for a known one).
    pub version: u64,
}

impl HevcParameterSets {
    /// All of them in Annex B: VPS, SPS, PPS, each by id.
    pub fn annex_b(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for nal in self
            .vps
            .values()
            .chain(self.sps.values())
            .chain(self.pps.values())
        {
            out.extend_from_slice(&[0, 0, 0, 1]);
            out.extend_from_slice(nal);
        }
        out
    }

    fn insert(&mut self, nal_type: u8, id: u8, nal: &[u8]) {
        let map = match nal_type {
            nal_type::VPS => &mut self.vps,
            nal_type::SPS => &mut self.sps,
            _ => &mut self.pps,
        };
        if map.get(&id).is_none_or(|n| n != nal) {
            map.insert(id, nal.to_vec());
            self.version += 1;
        }
    }
}

/// Splits HEVC PES payloads into access units.
#[derive(Default)]
pub struct HevcParser {
    input: StartCodeStream,
    params: HevcParameterSets,
    /// The first SPS, parsed: the stream's format.
    first_sps: Option<std::result::Result<rusty_h265::ps::Sps, Error>>,
    current: Option<AccessUnit>,
    has_picture: bool,
    ready: std::collections::VecDeque<AccessUnit>,
    problems: Vec<String>,
    /// An SPS asked for a picture past [`crate::limits::check_picture`].
    over_limit: Option<String>,
}

impl HevcParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// Parameter sets seen so far.
    pub fn params(&self) -> &HevcParameterSets {
        &self.params
    }

    fn process_nal(&mut self, nal: &[u8], meta: Option<PesMeta>) {
        if nal.len() < 2 {
            return;
        }
        let nal_type = nal_unit_type(nal);
        // Enhancement layers (SHVC, MV-HEVC) travel with their base picture.
        let base_layer = layer_id(nal) == 0;
        let first_slice = is_vcl(nal_type) && nal.get(2).is_some_and(|b| b & 0x80 != 0);
        if base_layer && self.has_picture && (starts_access_unit(nal_type) || first_slice) {
            self.finish_current();
        }
        let unit = self
            .current
            .get_or_insert_with(|| AccessUnit::starting_at(meta.map_or(0, |m| m.offset)));
        unit.note_pes(meta, !self.has_picture);
        unit.data.extend_from_slice(&[0, 0, 0, 1]);
        unit.data.extend_from_slice(nal);
        if !base_layer {
            return;
        }
        if is_vcl(nal_type) {
            if first_slice || !self.has_picture {
                unit.random_access = random_access(nal_type);
                // Even types up to 14 are sub-layer non-reference pictures.
                unit.is_reference = !(nal_type <= 14 && nal_type % 2 == 0);
            }
            self.has_picture = true;
            return;
        }
        if matches!(nal_type, nal_type::VPS | nal_type::SPS | nal_type::PPS) {
            self.parameter_set(nal_type, nal);
        }
    }

    fn parameter_set(&mut self, nal_type: u8, nal: &[u8]) {
        let rbsp = rusty_h265::nal::unescape(&nal[2..]);
        let id = match nal_type {
            nal_type::VPS => rbsp.data.first().map(|b| b >> 4),
            nal_type::SPS => match rusty_h265::ps::parse_sps(&rbsp.data) {
                Ok(sps) => {
                    let id = sps.id;
                    if let Err(Error::Limit(why)) =
                        crate::limits::check_picture(sps.width, sps.height)
                    {
                        self.over_limit
                            .get_or_insert(format!("HEVC SPS {id}: {why}"));
                        return;
                    }
                    if self.first_sps.is_none() {
                        self.first_sps = Some(Ok(sps));
                    }
                    Some(id)
                }
                Err(rusty_h265::Error::Unsupported(what)) => {
                    if self.first_sps.is_none() {
                        self.first_sps =
                            Some(Err(Error::UnsupportedFeature(format!("HEVC {what}"))));
                    }
                    None
                }
                Err(e) => {
                    self.problems.push(format!("bad SPS: {e}"));
                    None
                }
            },
            _ => match rusty_h265::ps::parse_pps(&rbsp.data) {
                Ok(pps) => Some(pps.id),
                Err(e) => {
                    self.problems.push(format!("bad PPS: {e}"));
                    None
                }
            },
        };
        if let Some(id) = id {
            self.params.insert(nal_type, id, nal);
        }
    }

    fn finish_current(&mut self) {
        if let Some(unit) = self.current.take() {
            if self.has_picture {
                self.ready.push_back(unit);
            }
        }
        self.has_picture = false;
    }
}

/// The stream format an SPS describes, or the feature Fanout cannot decode.
fn sps_format(sps: &rusty_h265::ps::Sps) -> Result<StreamFormat> {
    let unsupported = |what: String| Err(Error::UnsupportedFeature(format!("HEVC {what}")));
    match sps.chroma_format_idc {
        1 => {}
        0 => return unsupported("monochrome (4:0:0)".into()),
        2 => return unsupported("4:2:2 chroma (Range Extensions profile)".into()),
        n => return unsupported(format!("chroma_format_idc {n} (4:4:4)")),
    }
    if !matches!(sps.bit_depth_luma, 8 | 10) || sps.bit_depth_chroma != sps.bit_depth_luma {
        return unsupported(format!(
            "{}-bit luma / {}-bit chroma (Main and Main 10 are supported)",
            sps.bit_depth_luma, sps.bit_depth_chroma
        ));
    }
    let (width, height) = sps.output_size();
    let vui = sps.vui.as_ref();
    let frame_rate = vui
        .filter(|v| v.timing_info_present && v.num_units_in_tick > 0 && v.time_scale > 0)
        .map(|v| (v.time_scale, v.num_units_in_tick));
    let sample_aspect = vui
        .filter(|v| v.sar_width > 0 && v.sar_height > 0)
        .map(|v| (u32::from(v.sar_width), u32::from(v.sar_height)));
    Ok(StreamFormat {
        codec: VideoCodecId::Hevc,
        width,
        height,
        bit_depth: sps.bit_depth_luma,
        frame_rate,
        sample_aspect,
        // HEVC codes frames (field-coded streams signal it per picture).
        interlaced: false,
    })
}

impl VideoParser for HevcParser {
    fn push(&mut self, data: &[u8], meta: PesMeta) {
        for (nal, meta) in self.input.push_collect(data, meta) {
            self.process_nal(&nal, meta);
        }
    }

    fn finish(&mut self) {
        if let Some((nal, meta)) = self.input.finish_collect() {
            self.process_nal(&nal, meta);
        }
        self.finish_current();
    }

    fn next_unit(&mut self) -> Option<AccessUnit> {
        self.ready.pop_front()
    }

    fn buffered_bytes(&self) -> usize {
        self.input.buffered_bytes()
            + self.current.as_ref().map_or(0, |u| u.data.len())
            + self.ready.iter().map(|u| u.data.len()).sum::<usize>()
    }

    fn parameter_sets_version(&self) -> u64 {
        self.params.version
    }

    fn parameter_sets(&self) -> Vec<u8> {
        self.params.annex_b()
    }

    fn format(&self) -> Option<Result<StreamFormat>> {
        if let Some(why) = &self.over_limit {
            return Some(Err(Error::Limit(why.clone())));
        }
        Some(match self.first_sps.as_ref()? {
            Ok(sps) => sps_format(sps),
            Err(e) => Err(Error::UnsupportedFeature(e.to_string())),
        })
    }

    fn take_problems(&mut self) -> Vec<String> {
        std::mem::take(&mut self.problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn annex_b(nals: &[&[u8]]) -> Vec<u8> {
        nals.iter()
            .flat_map(|n| [&[0u8, 0, 0, 1][..], n].concat())
            .collect()
    }

    fn meta(pts: i64) -> PesMeta {
        PesMeta {
            pts: Some(pts),
            dts: None,
            offset: 0,
            damaged: false,
        }
    }

    #[test]
    fn pictures_split_at_first_slice_and_delimiters() {
        // Headers only: type << 1, layer 0, tid 1; first_slice flag in byte 2.
        let aud: &[u8] = &[nal_type::AUD << 1, 1, 0x50];
        let idr: &[u8] = &[nal_type::IDR_W_RADL << 1, 1, 0x80, 0x11];
        let idr_second_slice: &[u8] = &[nal_type::IDR_W_RADL << 1, 1, 0x40, 0x22];
        let trail_n: &[u8] = &[0, 1, 0x80, 0x33];
        let cra: &[u8] = &[nal_type::CRA << 1, 1, 0x80, 0x44];
        let mut p = HevcParser::new();
        VideoParser::push(&mut p, &annex_b(&[aud, idr, idr_second_slice]), meta(100));
        VideoParser::push(&mut p, &annex_b(&[trail_n]), meta(200));
        VideoParser::push(&mut p, &annex_b(&[aud, cra]), meta(300));
        VideoParser::finish(&mut p);
        let units: Vec<_> = std::iter::from_fn(|| p.next_unit()).collect();
        assert_eq!(units.len(), 3);
        assert_eq!(units[0].data, annex_b(&[aud, idr, idr_second_slice]));
        assert_eq!(
            units
                .iter()
                .map(|u| (u.pts, u.random_access, u.is_reference))
                .collect::<Vec<_>>(),
            [
                (Some(100), RandomAccess::Idr, true),
                (Some(200), RandomAccess::No, false),
                (Some(300), RandomAccess::RecoveryPoint, true),
            ]
        );
    }
}
