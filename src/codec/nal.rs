//! Start-code delimited byte streams, shared by the video parsers: H.264 and
//! HEVC NAL units and MPEG-2 video start codes all begin with `00 00 01`.

/// Byte ranges `(start, end)` of the NAL units (after their start codes) in
/// an Annex-B buffer. Trailing zero bytes of a NAL are trimmed.
pub fn nal_ranges(data: &[u8]) -> Vec<(usize, usize)> {
    let mut starts = Vec::new();
    let mut i = 0;
    while i + 2 < data.len() {
        // A third byte above 1 rules out a start code at i, i+1 and i+2.
        if data[i + 2] > 1 {
            i += 3;
        } else if data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1 {
            starts.push(i + 3);
            i += 3;
        } else {
            i += 1;
        }
    }
    let mut ranges = Vec::with_capacity(starts.len());
    for (k, &start) in starts.iter().enumerate() {
        let mut end = starts.get(k + 1).map_or(data.len(), |&next| next - 3);
        // Trailing zeros belong to the next 4-byte start code or are
        // trailing_zero_8bits: a NAL unit never ends in 0x00.
        while end > start && data[end - 1] == 0 {
            end -= 1;
        }
        if end > start {
            ranges.push((start, end));
        }
    }
    ranges
}

/// Removes emulation-prevention bytes (00 00 03 → 00 00).
pub fn unescape(nal: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(nal.len());
    let mut zeros = 0;
    for &b in nal {
        if zeros >= 2 && b == 3 {
            zeros = 0;
            continue;
        }
        zeros = if b == 0 { zeros + 1 } else { 0 };
        out.push(b);
    }
    out
}

/// Exp-Golomb bit reader over an unescaped RBSP.
pub struct BitReader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> BitReader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        BitReader { data, pos: 0 }
    }

    pub fn bit(&mut self) -> Result<u32, &'static str> {
        let byte = self.data.get(self.pos / 8).ok_or("bitstream ends early")?;
        let bit = (byte >> (7 - self.pos % 8)) & 1;
        self.pos += 1;
        Ok(u32::from(bit))
    }

    pub fn bits(&mut self, n: u32) -> Result<u32, &'static str> {
        let mut v = 0;
        for _ in 0..n {
            v = v << 1 | self.bit()?;
        }
        Ok(v)
    }

    pub fn flag(&mut self) -> Result<bool, &'static str> {
        Ok(self.bit()? == 1)
    }

    pub fn ue(&mut self) -> Result<u32, &'static str> {
        let mut zeros = 0;
        while self.bit()? == 0 {
            zeros += 1;
            if zeros > 31 {
                return Err("exp-Golomb code too long");
            }
        }
        Ok(((1u64 << zeros) - 1 + u64::from(self.bits(zeros)?)) as u32)
    }

    pub fn se(&mut self) -> Result<i32, &'static str> {
        let v = self.ue()?;
        Ok(if v & 1 == 1 {
            v.div_ceil(2) as i32
        } else {
            -((v / 2) as i32)
        })
    }
}

/// Where a NAL unit's (or start code's) bytes came from.
#[derive(Clone, Copy, Debug)]
pub struct PesMeta {
    pub pts: Option<i64>,
    pub dts: Option<i64>,
    /// Byte offset of the PES in the input.
    pub offset: u64,
    /// Packets were lost in the PES.
    pub damaged: bool,
}

/// Cuts PES payloads into the units between start codes. The payloads form
/// one continuous byte stream: a PES may end in the middle of a unit (some
/// muxers split them), so the last unit is held until the next start code.
#[derive(Default)]
pub struct StartCodeStream {
    /// Bytes from the start code of the pending unit on.
    stream: Vec<u8>,
    scan_from: usize,
    /// Where the pending unit's payload starts in `stream`.
    unit_start: Option<usize>,
    unit_meta: Option<PesMeta>,
    /// Keep a unit's trailing zero bytes: in MPEG-2 video they may be data
    /// (a NAL unit never ends in 0x00, so H.264 and HEVC trim them).
    keep_trailing_zeros: bool,
}

impl StartCodeStream {
    /// A stream whose units keep their trailing zero bytes (MPEG-2 video).
    pub fn keeping_trailing_zeros() -> Self {
        StartCodeStream {
            keep_trailing_zeros: true,
            ..Default::default()
        }
    }

    fn unit<'a>(&self, bytes: &'a [u8]) -> &'a [u8] {
        if self.keep_trailing_zeros {
            bytes
        } else {
            trim_trailing_zeros(bytes)
        }
    }

    /// Bytes held (the pending unit).
    pub fn buffered_bytes(&self) -> usize {
        self.stream.len()
    }

    /// Feeds one PES payload; `out` gets every unit it completes (payload
    /// after the start code) with the PES it started
    /// in. The PES timestamp belongs to the first unit that starts in it.
    pub fn push(
        &mut self,
        data: &[u8],
        meta: PesMeta,
        out: &mut dyn FnMut(&[u8], Option<PesMeta>),
    ) {
        let old_len = self.stream.len();
        self.stream.extend_from_slice(data);
        let damaged_meta = PesMeta {
            pts: None,
            dts: None,
            offset: meta.offset,
            damaged: true,
        };
        if meta.damaged && self.unit_start.is_some() {
            // The unit that continues into this PES lost bytes too.
            self.unit_meta.get_or_insert(damaged_meta).damaged = true;
        }
        // Start codes may straddle the PES boundary: rescan its last bytes.
        let mut i = old_len.saturating_sub(2).max(self.scan_from);
        let mut first_new = true;
        while i + 3 <= self.stream.len() {
            // A third byte above 1 rules out a start code at i, i+1 and i+2.
            if self.stream[i + 2] > 1 {
                i += 3;
                continue;
            }
            if self.stream[i] != 0 || self.stream[i + 1] != 0 || self.stream[i + 2] != 1 {
                i += 1;
                continue;
            }
            if let Some(start) = self.unit_start {
                out(self.unit(&self.stream[start..i]), self.unit_meta.take());
            }
            self.unit_start = Some(i + 3);
            self.unit_meta = if first_new {
                first_new = false;
                Some(meta)
            } else {
                meta.damaged.then_some(damaged_meta)
            };
            i += 3;
        }
        self.scan_from = i;
        // Drop what has been consumed; keep the pending unit.
        let keep_from = self
            .unit_start
            .map_or(self.stream.len().saturating_sub(2), |s| s - 3);
        self.stream.drain(..keep_from);
        self.scan_from -= keep_from;
        if let Some(s) = &mut self.unit_start {
            *s -= keep_from;
        }
    }

    /// [`push`](Self::push), collecting the units.
    pub fn push_collect(&mut self, data: &[u8], meta: PesMeta) -> Vec<(Vec<u8>, Option<PesMeta>)> {
        let mut units = Vec::new();
        self.push(data, meta, &mut |u, meta| units.push((u.to_vec(), meta)));
        units
    }

    /// [`finish`](Self::finish), returning the pending unit.
    pub fn finish_collect(&mut self) -> Option<(Vec<u8>, Option<PesMeta>)> {
        let mut last = None;
        self.finish(&mut |u, meta| last = Some((u.to_vec(), meta)));
        last
    }

    /// Ends the stream: gives the pending unit.
    pub fn finish(&mut self, out: &mut dyn FnMut(&[u8], Option<PesMeta>)) {
        if let Some(start) = self.unit_start.take() {
            out(self.unit(&self.stream[start..]), self.unit_meta.take());
        }
        self.stream.clear();
        self.scan_from = 0;
    }
}

fn trim_trailing_zeros(nal: &[u8]) -> &[u8] {
    let end = nal.iter().rposition(|&b| b != 0).map_or(0, |p| p + 1);
    &nal[..end]
}
