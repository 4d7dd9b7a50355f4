//! HEVC decoding with `rusty_h265`: pure Rust, bit-exact against FFmpeg on
//! Main and Main 10, no panics on damaged input. It outputs pictures in
//! presentation order as its DPB lets them go, each carrying the timestamp
//! of the unit it came from.

use std::collections::BTreeSet;

use rusty_h265::{Decoder, Error as HevcError, Frame};

use super::{Decoded, Output, VideoDecoder};
use crate::error::{Error, Result};
use crate::picture::{Picture, Planes};

pub struct HevcDecoder {
    inner: Decoder,
    /// Timestamps of the units fed and not yet answered.
    pending: BTreeSet<i64>,
}

impl Default for HevcDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl HevcDecoder {
    pub fn new() -> Self {
        HevcDecoder {
            inner: Decoder::new(),
            pending: BTreeSet::new(),
        }
    }

    /// Takes the pictures the decoder has let go of. Output runs in
    /// presentation order, so a unit still pending with an earlier timestamp
    /// than a picture out will never get one (the decoder dropped it).
    fn drain(&mut self, out: &mut Vec<Output>) {
        while let Ok(frame) = self.inner.next_frame() {
            let Some(pts) = frame.pts.filter(|p| self.pending.contains(p)) else {
                continue;
            };
            while let Some(&earlier) = self.pending.first().filter(|&&p| p < pts) {
                self.pending.remove(&earlier);
                out.push((earlier, None));
            }
            self.pending.remove(&pts);
            out.push((pts, Some(to_picture(&frame))));
        }
    }
}

fn unsupported_or_damage(result: std::result::Result<(), HevcError>) -> Result<bool> {
    match result {
        Ok(()) => Ok(false),
        Err(HevcError::Unsupported(what)) => Err(Error::UnsupportedFeature(format!("HEVC {what}"))),
        Err(_) => Ok(true),
    }
}

impl VideoDecoder for HevcDecoder {
    fn feed_parameter_sets(&mut self, annex_b: &[u8]) -> Result<()> {
        // A bad parameter set shows up again as undecodable pictures.
        unsupported_or_damage(self.inner.push_annexb(annex_b, None)).map(|_| ())
    }

    fn decode(&mut self, unit: &[u8], pts: i64) -> Result<Decoded> {
        self.pending.insert(pts);
        let had_errors = unsupported_or_damage(self.inner.push_annexb(unit, Some(pts)))?;
        let mut pictures = Vec::new();
        self.drain(&mut pictures);
        Ok(Decoded {
            pictures,
            had_errors,
        })
    }

    fn flush(&mut self) -> Result<Vec<Output>> {
        self.inner.flush();
        let mut out = Vec::new();
        self.drain(&mut out);
        out.extend(
            std::mem::take(&mut self.pending)
                .into_iter()
                .map(|p| (p, None)),
        );
        Ok(out)
    }
}

/// The cropped picture, packed (8-bit samples narrowed from the decoder's u16).
fn to_picture(frame: &Frame) -> Picture {
    let p = &frame.picture;
    let (cx, cy, cw, ch) = p.crop;
    // Rows of the visible window of plane `index` (4:2:0: chroma halved).
    let rows = |index: usize| {
        let plane = &p.planes[index];
        let shift = usize::from(index > 0);
        let (x0, y0, w, h) = (cx >> shift, cy >> shift, cw >> shift, ch >> shift);
        (y0..y0 + h).map(move |y| &plane.data[y * plane.stride + x0..][..w])
    };
    // Row by row into buffers sized once (a per-sample iterator over the
    // whole plane costs reallocations and defeats vectorisation).
    let size = |i: usize| {
        if i == 0 {
            cw * ch
        } else {
            (cw >> 1) * (ch >> 1)
        }
    };
    let planes = if p.bit_depth_luma > 8 {
        let take = |i| {
            let mut out = Vec::with_capacity(size(i));
            rows(i).for_each(|row| out.extend_from_slice(row));
            out
        };
        Planes::U16([take(0), take(1), take(2)])
    } else {
        let take = |i| {
            let mut out = Vec::with_capacity(size(i));
            rows(i).for_each(|row| out.extend(row.iter().map(|&v| v as u8)));
            out
        };
        Planes::U8([take(0), take(1), take(2)])
    };
    Picture {
        width: cw as u32,
        height: ch as u32,
        bit_depth: p.bit_depth_luma,
        planes,
    }
}
